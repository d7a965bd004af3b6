"""A loader for the tests: prints loaders/prs.json, or misbehaves as
loaders/mode says (fail, garbage, hang, empty, no-rows, secret)."""

import os
import pathlib
import sys
import time

here = pathlib.Path(__file__).parent
mode = (here / "mode").read_text().strip() if (here / "mode").exists() else ""
if mode == "fail":
    print("Traceback (most recent call last):", file=sys.stderr)
    print("RuntimeError: the API said 403 rate limited", file=sys.stderr)
    sys.exit(3)
if mode == "secret":
    print(f"token {os.environ.get('GR_TEST_TOKEN')} refused", file=sys.stderr)
    sys.exit(1)
if mode == "garbage":
    print("{not json at all")
elif mode == "hang":
    time.sleep(60)
elif mode == "empty":
    pass
elif mode == "no-rows":
    print("[]")
else:
    sys.stdout.write((here / "prs.json").read_text())
