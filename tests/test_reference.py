"""The reference documentation is generated from these tables: keep them whole."""

from sphinx_grantreport.card_grids import KpiCardsDirective
from sphinx_grantreport.cards import KpiCardDirective
from sphinx_grantreport.figures import KpiFigureDirective
from sphinx_grantreport.sources import KpiSourcesDirective
from sphinx_grantreport.tables import KpiTableDirective


def test_every_directive_option_is_documented():
    for directive in (
        KpiCardDirective,
        KpiCardsDirective,
        KpiFigureDirective,
        KpiSourcesDirective,
        KpiTableDirective,
    ):
        assert set(directive.option_help) == set(directive.option_spec), directive


def test_every_warning_subtype_is_documented_and_used():
    import re
    from pathlib import Path

    import sphinx_grantreport
    from sphinx_grantreport.errors import SUBTYPES

    package = Path(sphinx_grantreport.__file__).parent
    source = "\n".join(path.read_text() for path in package.glob("*.py"))
    used = set(re.findall(r'ReportError\(\s*"(\w+)"', source))
    assert used == set(SUBTYPES)
