"""System test: the explorers work in a real JupyterLab in Chromium.

For each notebook (every one has an explorer; ``CONTROLS`` names the slider that
is moved: epsilon, noise, client count, threshold, ...), opens it in JupyterLab (served from
a temporary copy), waits for the kernel, runs all cells, then presses
ArrowRight on the slider and checks that the figure and the readout change. The slider-to-figure round trips and a screenshot go to
``tests/browser/artifacts/`` (``browser_roundtrip.json`` for notebook 03,
``<notebook>_roundtrip.json`` for the others).

Needs Debian's ``chromium``; without it the test is skipped, or fails when
``PPML_LAB_REQUIRE_BROWSER=1`` (as in CI). ``PPML_LAB_BROWSER_NOTEBOOK=path``
runs the test on that notebook only (one honouring the same explorer contract,
e.g. while developing the harness); the notebook's folder is what gets served.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import harness

pytestmark = pytest.mark.browser

PRESSES = 4
# every notebook with an explorer, and the slider to move (epsilon where there is one)
CONTROLS = {
    "00_start_here.ipynb": "epsilon",
    "01_why_anonymization_fails.ipynb": "noise",
    "02_randomized_response.ipynb": "epsilon",
    harness.DEFAULT_NOTEBOOK.name: "epsilon",
    "04_composition_and_budgets.ipynb": "noise_multiplier",
    "05_dp_machine_learning.ipynb": "epsilon",
    "06_membership_inference_and_auditing.ipynb": "epsilon",
    "07_federated_learning.ipynb": "n_clients",
    "08_private_federated_learning.ipynb": "noise_multiplier",
    "09_secret_sharing.ipynb": "threshold",
    "10_secure_aggregation.ipynb": "dropouts",
    "11_homomorphic_encryption.ipynb": "bits",
    "12_privacy_by_design.ipynb": "epsilon",
    "13_scaling_out_with_flower.ipynb": "n_params",
}
NOTEBOOKS = ([Path(os.environ["PPML_LAB_BROWSER_NOTEBOOK"])]
             if os.environ.get("PPML_LAB_BROWSER_NOTEBOOK") else
             [harness.REPO_ROOT / "notebooks" / name for name in CONTROLS])


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


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem[:2] for p in NOTEBOOKS])
def test_the_explorer_slider_redraws_figure_and_readout(chromium, notebook):
    assert notebook.exists(), f"missing {notebook}"
    harness.ARTIFACTS.mkdir(exist_ok=True)
    scenario = harness.run_scenario(
        notebook,
        presses=PRESSES,
        chromium=chromium,
        screenshot=harness.ARTIFACTS / f"{notebook.stem}.png",
        control=CONTROLS.get(notebook.name, "epsilon"),
    )
    report = scenario.as_json()
    name = ("browser_roundtrip.json" if notebook == harness.DEFAULT_NOTEBOOK
            else f"{notebook.stem}_roundtrip.json")
    (harness.ARTIFACTS / name).write_text(json.dumps(report, indent=2))

    assert len(scenario.moves) == PRESSES
    for move in scenario.moves:
        assert move.before["src"] and move.after["src"], "the figure has no image"
        assert move.after["src"] != move.before["src"], "the figure did not change"
        assert move.after["readout"] != move.before["readout"], "the readout did not change"
        assert move.after["name"] and move.after["name"] != move.before["name"], "figure's accessible name (img title) empty or unchanged"  # noqa: E501
        assert move.after["value"] != move.before["value"], "the slider's readout did not move"
        assert 0 < move.seconds < 10, f"slider-to-figure round trip {move.seconds:.3f} s"
