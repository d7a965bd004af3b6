"""Hostile data files: each gives a correct number or a clean data warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphinx_grantreport.engine import QueryEngine
from sphinx_grantreport.errors import ReportError

FILES: dict[str, bytes] = {
    "empty.csv": b"",
    "header_only.csv": b"hub,users\n",
    "bom.csv": "\ufeffhub,users\nalpha,3\nbeta,4\n".encode(),
    "mixed.csv": b"hub,users\nalpha,3\nbeta,many\ngamma,4\n",
    "latin1.csv": "hub,users\nm\u00fcnchen,3\n".encode("latin-1"),
    "ragged.csv": b"hub,users\nalpha,3,extra\nbeta\ngamma,4\n",
    "object.json": b'{"hub": "alpha", "users": 3}',
    "scalar.json": b"42",
    "truncated.json": b'[{"hub": "alpha", "users": 3}, {"hub": ',
    "truncated.parquet": b"PAR1\x15\x04\x15\x10\x15",
}

# (query, what a correct answer is, or None where the file must be refused)
EXPECTED = {
    "empty.csv": ("SELECT count(*) FROM empty", 0),
    "header_only.csv": ("SELECT count(*) FROM header_only", 0),
    "bom.csv": ("SELECT sum(users) FROM bom", 7),
    "mixed.csv": ("SELECT count(*) FROM mixed", 3),  # users becomes text
    "latin1.csv": ("SELECT count(*) FROM latin1", None),
    "ragged.csv": ("SELECT count(*) FROM ragged", 3),  # short rows padded
    "object.json": ("SELECT sum(users) FROM object", 3),
    "scalar.json": ("SELECT count(*) FROM scalar", 1),
    "truncated.json": ("SELECT count(*) FROM truncated", None),
    "truncated.parquet": ("SELECT count(*) FROM truncated_parquet", None),
}


@pytest.fixture
def engine(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    tables = {}
    for name, content in FILES.items():
        (data / name).write_bytes(content)
        stem = Path(name).stem if not name.endswith(".parquet") else "truncated_parquet"
        tables[stem] = data / name
    engine = QueryEngine(tables, tmp_path)
    yield engine
    engine.close()


@pytest.mark.parametrize("name", FILES)
def test_hostile_file_gives_a_number_or_a_data_error(engine, name):
    sql, expected = EXPECTED[name]
    try:
        rows = engine.query(sql).rows
    except ReportError as error:
        assert error.subtype == "data", error.message
        assert expected is None, f"{name} should have been read: {error.message}"
        assert "Traceback" not in error.message
    else:
        assert expected is not None, f"{name} should have been refused, got {rows}"
        assert rows == [(expected,)]
    # the next query on the same connection still works
    assert engine.query("SELECT 1").rows == [(1,)]


def test_summing_a_mixed_column_is_a_clean_sql_error(engine):
    with pytest.raises(ReportError) as error:
        engine.query("SELECT sum(users) FROM mixed")
    assert error.value.subtype == "sql"
    assert "'sum(VARCHAR)'" in error.value.message  # says the column is text
