"""System test: notebook 03's explorer works in a real JupyterLab in Chromium.

Opens ``notebooks/03_laplace_and_gaussian.ipynb`` in JupyterLab (served from a
temporary copy), waits for the kernel, runs all cells, then presses ArrowRight on
the epsilon slider and checks that the figure and the readout change. The
slider-to-figure round trips and a screenshot go to ``tests/browser/artifacts/``.

Needs Debian's ``chromium``; without it the test is skipped, or fails when
``PPML_LAB_REQUIRE_BROWSER=1`` (as in CI). ``PPML_LAB_BROWSER_NOTEBOOK=path``
points the test at another notebook honouring the same explorer contract (for
developing the harness); the notebook's folder is what gets served.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import harness

pytestmark = pytest.mark.browser

PRESSES = 4
NOTEBOOK = Path(os.environ.get("PPML_LAB_BROWSER_NOTEBOOK") or harness.DEFAULT_NOTEBOOK)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = harness.find_chromium()
    problem = None
    if path is None:
        problem = f"chromium not found on PATH. {harness.INSTALL_HINT}"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = 'Playwright is missing: pip install -e ".[test]".'
    if problem is not None:
        if os.environ.get("PPML_LAB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"PPML_LAB_REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)
    return path


def test_epsilon_slider_redraws_figure_and_readout(chromium):
    assert NOTEBOOK.exists(), f"missing {NOTEBOOK}"
    harness.ARTIFACTS.mkdir(exist_ok=True)
    scenario = harness.run_scenario(
        NOTEBOOK,
        presses=PRESSES,
        chromium=chromium,
        screenshot=harness.ARTIFACTS / f"{NOTEBOOK.stem}.png",
    )
    report = scenario.as_json()
    (harness.ARTIFACTS / "browser_roundtrip.json").write_text(json.dumps(report, indent=2))

    assert len(scenario.moves) == PRESSES
    for move in scenario.moves:
        assert move.before["src"] and move.after["src"], "the figure has no image"
        assert move.after["src"] != move.before["src"], "the figure did not change"
        assert move.after["readout"] != move.before["readout"], "the readout did not change"
        assert move.after["value"] != move.before["value"], "the slider's readout did not move"
        assert 0 < move.seconds < 10, f"slider-to-figure round trip {move.seconds:.3f} s"
