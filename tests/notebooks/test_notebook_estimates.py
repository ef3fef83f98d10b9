"""Every DP estimate a notebook prints beside its truth lies within a few standard errors of it.

Notebooks print such pairs with :func:`ppml_lab.dp.compare_to_truth`; this test reads the
committed outputs (which strict nbval proves are what a fresh run prints) for that form. A
printed estimate 20 standard errors off its truth (notebook 02 once reused the data's random
numbers as its noise) teaches that DP estimates are wrong; it must fail here.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from ppml_lab.dp.estimates import ESTIMATE_LINE

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
MAX_Z = 4.0  # a correct estimate lands this far out with probability about 6e-5
# notebooks that print DP estimates beside their truth, and must do it in the checked form
MUST_HAVE = {"02_randomized_response.ipynb", "03_laplace_and_gaussian.ipynb"}


def printed_lines(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    lines = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("output_type") == "stream" else \
                out.get("data", {}).get("text/plain", "")
            lines += "".join(text).splitlines()
    return lines


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_printed_estimates_lie_near_their_truth(path):
    found = [m for line in printed_lines(path) if (m := ESTIMATE_LINE.search(line))]
    if path.name in MUST_HAVE:
        assert found, f"{path.name} prints no estimate with compare_to_truth"
    for m in found:
        estimate, truth, std = (float(m[k]) for k in ("estimate", "truth", "std"))
        z = abs(estimate - truth) / std if std > 0 else (0.0 if estimate == truth else 99.0)
        assert z <= MAX_Z, f"{path.name}: {m[0]!r} is {z:.1f} standard errors off"


def test_the_check_catches_an_estimate_far_off():
    bad = "share: estimate 0.3914, truth 0.1936, standard error 0.0095 (20.8 standard errors off)"
    m = ESTIMATE_LINE.search(bad)
    assert m and abs(float(m["estimate"]) - float(m["truth"])) / float(m["std"]) > MAX_Z
