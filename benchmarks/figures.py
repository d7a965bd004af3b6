"""How long do ``kpi-figure`` charts take to build, next to matplotlib's plot directive?

kpi-figure runs a DuckDB query when a page is read and draws its chart with
matplotlib when the page is written, keeping the file in a cache under the
doctree directory. This script measures what that costs a user, end to end:

1. a cold build (``-E``, empty output and doctree dirs) of a generated MyST
   project with N kpi-figure directives spread over a few pages;
2. a no-op rebuild of the same project (nothing changed), and how many charts
   kpi-figure redrew in it (should be 0);
3. and 4. the same for the same N bar charts made with
   ``matplotlib.sphinxext.plot_directive`` (reST, inline code reading the same
   CSV with the csv module), the baseline a user would otherwise reach for.

Every build runs in a fresh ``python -m sphinx`` subprocess, timed around
``subprocess.run``, so interpreter start-up and imports (Sphinx, matplotlib,
DuckDB, MyST) are included. Each build is checked (exit status, no warnings,
N images in ``_images``, not counting the dark variant kpi-figure also
draws of each chart) so a broken build is never timed. Note that
kpi-figure writes SVG while the plot directive is set to PNG at 100 dpi.

Usage: python benchmarks/figures.py [--figures N] [--repeat R]
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

PAGES = 5
QUARTERS = [f"{2021 + q // 4}-{1 + 3 * (q % 4):02d}-01" for q in range(12)]
REGIONS = ["north", "south", "west"]
GROUP = "GROUP BY quarter ORDER BY quarter"

KPI_FIGURE = """\
:::{{kpi-figure}}
:name: fig-{i}
:sql: SELECT quarter, sum(amount) + {i} AS amount FROM sales {group}
:x: quarter
:y: amount
:xformat: quarter

Caption {i}.
:::
"""

PLOT = """\
.. plot::
   :caption: Caption {i}.

   import csv
   import matplotlib.pyplot as plt
   totals = {{}}
   with open({csv!r}, newline="") as f:
       for row in csv.DictReader(f):
           totals[row["quarter"]] = totals.get(row["quarter"], 0) + float(row["amount"])
   quarters = sorted(totals)
   plt.bar(quarters, [totals[q] + {i} for q in quarters])
"""


def write_project(src: Path, n: int, kind: str) -> None:
    """A project with n charts over up to PAGES pages; kind is "kpi" or "plot"."""
    (src / "data").mkdir(parents=True)
    rows = [
        f"{q},{r},{100 + 10 * qi + 37 * ri + (qi * ri) % 7}"
        for qi, q in enumerate(QUARTERS)
        for ri, r in enumerate(REGIONS)
    ]
    csv_path = src / "data" / "sales.csv"
    csv_path.write_text("quarter,region,amount\n" + "\n".join(rows) + "\n")
    pages = [f"page{p}" for p in range(min(PAGES, n))]
    if kind == "kpi":
        conf = (
            'extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]\n'
            'myst_enable_extensions = ["colon_fence"]\n'
        )
        index = "# Benchmark\n\n```{toctree}\n" + "\n".join(pages) + "\n```\n"
        ext, heading, template = ".md", "# {title}\n\n", KPI_FIGURE
    else:
        conf = (
            'extensions = ["matplotlib.sphinxext.plot_directive"]\n'
            'plot_formats = [("png", 100)]\n'
            "plot_html_show_formats = False\n"
            "plot_html_show_source_link = False\n"
        )
        index = "Benchmark\n=========\n\n.. toctree::\n\n"
        index += "".join(f"   {page}\n" for page in pages)
        ext, heading, template = ".rst", "{title}\n=========\n\n", PLOT
    (src / "conf.py").write_text(conf)
    (src / f"index{ext}").write_text(index)
    for p, page in enumerate(pages):
        body = heading.format(title=f"Page {p}")
        body += "\n".join(
            template.format(i=i, csv=str(csv_path), group=GROUP)
            for i in range(p, n, len(pages))
        )
        (src / f"{page}{ext}").write_text(body)


def build(src: Path, out: Path, n: int, fresh: bool) -> float:
    """Seconds for one Sphinx build in a new process, after checking it worked."""
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q"]
    command += ["-E"] if fresh else []
    command += ["-d", str(out / "doctrees"), str(src), str(out / "html")]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    images = out / "html" / "_images"
    # kpi-figure also draws a dark variant of each chart for web pages
    charts = images.iterdir() if images.is_dir() else []
    count = len([path for path in charts if not path.stem.endswith("-dark")])
    if result.returncode or "WARNING" in result.stderr or "ERROR" in result.stderr:
        problem = f"exit status {result.returncode}, or warnings on stderr"
    elif count != n:
        problem = f"{count} images in {images}, expected {n}"
    else:
        return seconds
    sys.exit(f"build failed: {' '.join(command)}\n{problem}\n{result.stderr}")


def mtimes(directory: Path) -> dict[str, int]:
    if not directory.is_dir():
        return {}
    return {f.name: f.stat().st_mtime_ns for f in directory.iterdir()}


def run(root: Path, kind: str, n: int, repeat: int) -> dict[str, list[float]]:
    """Cold and no-op build times over the repeats, and charts redrawn on no-op."""
    src, out = root / f"{kind}-src", root / f"{kind}-out"
    write_project(src, n, kind)
    times: dict[str, list[float]] = {"cold": [], "noop": [], "redrawn": []}
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        times["cold"].append(build(src, out, n, fresh=True))
        cache = out / "doctrees" / "grantreport-charts"
        before = mtimes(cache)
        times["noop"].append(build(src, out, n, fresh=False))
        after = mtimes(cache)
        times["redrawn"].append(sum(after[k] != before.get(k) for k in after))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=int, default=20, help="charts (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="builds (default 3)")
    args = parser.parse_args()
    n, repeat = args.figures, args.repeat
    if n < 1 or repeat < 1:
        parser.error("--figures and --repeat must be at least 1")

    root = Path(tempfile.mkdtemp(prefix="grantreport-bench-"))
    try:
        kpi = run(root, "kpi", n, repeat)
        plot = run(root, "plot", n, repeat)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    def row(label: str, t: dict[str, list[float]]) -> list[str]:
        cold, noop = statistics.median(t["cold"]), statistics.median(t["noop"])
        return [
            label,
            f"{cold:.3f}",
            f"{cold / n:.4f}",
            f"{noop:.3f}",
            f"{noop / cold:.2f}",
        ]

    def ratio(key: str) -> str:
        return f"{statistics.median(kpi[key]) / statistics.median(plot[key]):.2f}"

    table = [
        ["", "cold s", "cold s/figure", "no-op s", "no-op/cold"],
        row("kpi-figure (MyST)", kpi),
        row("plot directive (reST)", plot),
        ["kpi-figure / plot", ratio("cold"), "", ratio("noop"), ""],
    ]
    widths = [max(len(r[c]) for r in table) for c in range(len(table[0]))]
    print(f"{n} figures over {min(PAGES, n)} pages, median of {repeat} build(s)\n")
    for r in table:
        cells = [cell.rjust(w) for cell, w in zip(r[1:], widths[1:], strict=True)]
        print("  ".join([r[0].ljust(widths[0]), *cells]))
    redrawn = max(kpi["redrawn"])
    print(f"\ncharts kpi-figure redrew on the no-op rebuild: {redrawn} of {n} (max)")
    print(
        f"\nmachine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, Sphinx {version('sphinx')}, "
        f"matplotlib {version('matplotlib')}, duckdb {version('duckdb')}, "
        f"myst-parser {version('myst-parser')}"
    )


if __name__ == "__main__":
    main()
