"""``import ppml_lab`` stays light: no plotting or widget libraries, and fast.

The checks run in a fresh interpreter, so what other tests imported does not
count.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys, time
import numpy, scipy.special, scipy.optimize      # paid for first: ppml_lab needs them anyway
start = time.perf_counter()
import ppml_lab, ppml_lab.dp
seconds = time.perf_counter() - start
heavy = sorted(m for m in sys.modules
               if m.split(".")[0] in ("matplotlib", "ipywidgets", "IPython", "pandas"))
print(json.dumps({"seconds": seconds, "heavy": heavy, "names": ppml_lab.dp.__all__}))
"""


def _probe() -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def probe() -> dict:
    return _probe()


def test_import_does_not_load_matplotlib_or_ipywidgets(probe):
    assert probe["heavy"] == []
    assert {"dp_count", "dp_sum", "dp_mean", "dp_histogram",
            "LaplaceMechanism"} <= set(probe["names"])


def test_import_time_beyond_numpy_and_scipy_is_small(probe):
    # a property check, not a benchmark (about 0.01 s here); on a busy shared
    # machine one slow start is retried before the check fails
    times = [probe["seconds"]]
    while times[-1] >= 1.0 and len(times) < 3:
        times.append(_probe()["seconds"])
    assert min(times) < 1.0, times
