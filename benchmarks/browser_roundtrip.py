"""Browser round trip: epsilon slider key press to new figure, in real JupyterLab.

Runs the scenario of ``tests/browser/test_jupyterlab.py`` (same harness):
JupyterLab serves a copy of ``notebooks/``, headless Debian chromium opens
notebook 03, runs all cells, then presses an arrow key on the epsilon slider
``--presses`` times (default 10). Prints the server start-up time, the time
from opening the notebook to an idle kernel, and the median and p95 of the
slider-to-figure round trip (key press to the new ``img`` src, in the page's
clock). Writes the same numbers to ``benchmarks/results/browser_roundtrip.json``.

    .venv/bin/python benchmarks/browser_roundtrip.py [--presses 10] [--notebook PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import harness  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=10)
    parser.add_argument("--notebook", type=Path, default=harness.DEFAULT_NOTEBOOK)
    args = parser.parse_args(argv)
    if harness.find_chromium() is None:
        print(f"skipped: {harness.INSTALL_HINT}")
        return 0
    scenario = harness.run_scenario(args.notebook, presses=args.presses)
    report = scenario.as_json()
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "browser_roundtrip.json").write_text(json.dumps(report, indent=2) + "\n")
    trips = report["slider_to_figure_summary"]
    print(f"notebook                     {report['notebook']}")
    print(f"server up                    {report['server_up_seconds']:.2f} s")
    print(f"notebook open to kernel idle {report['open_to_idle_seconds']:.2f} s")
    print(f"run all cells                {report['run_all_seconds']:.2f} s")
    print(
        f"slider to figure (n={trips['n']})    median {trips['median'] * 1000:.0f} ms, "
        f"p95 {trips['p95'] * 1000:.0f} ms, max {trips['max'] * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
