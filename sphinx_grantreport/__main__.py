"""``python -m sphinx_grantreport``: see :mod:`sphinx_grantreport.quickstart`."""

import sys

from .quickstart import main

sys.exit(main())
