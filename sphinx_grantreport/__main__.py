"""``python -m sphinx_grantreport``: see :mod:`sphinx_grantreport.command_line`."""

import sys

from .command_line import main

sys.exit(main())
