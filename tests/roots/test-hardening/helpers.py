"""The report's own code, misbehaving on purpose."""

import sys


def leave():
    sys.exit("metric function left")


def leave_plot(table=None):
    raise SystemExit("plot function left")


def spin():
    while True:
        pass


def seven():
    return 7
