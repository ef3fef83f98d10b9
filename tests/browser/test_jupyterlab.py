"""System test: the explorers work in a real JupyterLab in Chromium, from the keyboard.

One JupyterLab serves a temporary copy of ``notebooks/`` and one Chromium is
reused for every notebook (each opens in a fresh page and a workspace of its
own, and its kernel is shut down afterwards). For each notebook (every one has
an explorer), the test waits for the kernel, runs all cells, then

* presses an arrow key ``PRESSES`` times on the slider that ``CONTROLS`` names
  (epsilon, noise, client count, threshold, ...) and checks that the figure,
  the readout, the figure's accessible name and the slider's readout change,
  timing each slider-to-figure round trip;
* operates every other control of every explorer in the notebook from the
  keyboard (arrow keys on sliders and dropdowns, Space on checkboxes and
  toggle buttons, Enter on buttons) and checks that each redraws the figure,
  and that each control with a value changes the readout and the accessible
  name with it.

The round trips, the controls operated and a screenshot per notebook (taken
also when a step fails) go to ``tests/browser/artifacts/``
(``browser_roundtrip.json`` for notebook 03, ``<notebook>_roundtrip.json`` for
the others).

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
NOTEBOOKS = ([Path(os.environ["PPML_LAB_BROWSER_NOTEBOOK"]).resolve()]
             if os.environ.get("PPML_LAB_BROWSER_NOTEBOOK") else
             [harness.REPO_ROOT / "notebooks" / name for name in CONTROLS])


@pytest.fixture(scope="module")
def chromium() -> str:
    return harness.chromium_or_skip()


@pytest.fixture(scope="module")
def browser(chromium):
    with harness.chromium_browser(chromium) as browser:
        yield browser


@pytest.fixture(scope="module")
def lab():
    with harness.lab_server(NOTEBOOKS[0].parent) as server:
        yield server


def _operate_every_control(page, report: dict) -> None:
    controls = harness.list_controls(page)
    report["controls"] = []
    assert controls, "no explorer control found"
    for control in controls:
        label = f"{control['name']} ({control['kind']}, explorer {control['explorer']})"
        assert control["visible"], f"control {label} is not visible"
        assert control["kind"] != "other", f"control {label}: no keyboard recipe for its kind"
        page.locator(harness.CONTROL % control["index"]).first.scroll_into_view_if_needed()
        move = harness.operate_control(page, control)
        report["controls"].append({**control, "key": move.key,
                                   "seconds": round(move.seconds, 4),
                                   "readout_changed": move.after["readout"] != move.before["readout"]})
        assert move.after["src"] != move.before["src"], f"{label}: the figure did not change"
        if control["kind"] != "button":  # a button (resample) may keep the readout's words
            assert move.after["value"] != move.before["value"], f"{label}: its value did not move"
            assert move.after["readout"] != move.before["readout"], (
                f"{label}: the readout did not change")
            assert move.after["name"] and move.after["name"] != move.before["name"], (
                f"{label}: the figure's accessible name (img title) is empty or unchanged")
        assert 0 < move.seconds < 10, f"{label}: control-to-figure round trip {move.seconds:.3f} s"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem[:2] for p in NOTEBOOKS])
def test_every_explorer_control_redraws_the_figure(browser, lab, notebook):
    assert notebook.exists(), f"missing {notebook}"
    harness.ARTIFACTS.mkdir(exist_ok=True)
    screenshot = harness.ARTIFACTS / f"{notebook.stem}.png"
    scenario = harness.Scenario(notebook=notebook.name, server_up_seconds=lab.up_seconds)
    report: dict = {}
    control = CONTROLS.get(notebook.name, "epsilon")
    try:
        with harness.new_page(browser) as page:
            try:
                scenario.open_to_idle_seconds = harness.open_notebook(
                    page, lab, notebook.name, workspace=f"nb{notebook.stem[:2]}")
                scenario.run_all_seconds = harness.run_all_cells(page)
                page.locator(harness.EXPLORER).first.wait_for(state="visible", timeout=30_000)
                page.locator(harness.FIGURE).first.wait_for(state="visible", timeout=30_000)
                page.locator(harness.EXPLORER).first.scroll_into_view_if_needed()
                for _ in range(PRESSES):
                    scenario.moves.append(
                        harness.press_slider(page, handle=harness.handle_of(control)))
                _operate_every_control(page, report)
            finally:
                page.screenshot(path=str(screenshot))
                scenario.screenshot = str(screenshot)
                report = {**scenario.as_json(), **report}
                name = ("browser_roundtrip.json" if notebook == harness.DEFAULT_NOTEBOOK
                        else f"{notebook.stem}_roundtrip.json")
                (harness.ARTIFACTS / name).write_text(json.dumps(report, indent=2))
    finally:
        harness.shutdown_kernels(lab)

    assert len(scenario.moves) == PRESSES
    for move in scenario.moves:
        assert move.before["src"] and move.after["src"], "the figure has no image"
        assert move.after["src"] != move.before["src"], "the figure did not change"
        assert move.after["readout"] != move.before["readout"], "the readout did not change"
        assert move.after["name"] and move.after["name"] != move.before["name"], "figure's accessible name (img title) empty or unchanged"  # noqa: E501
        assert move.after["value"] != move.before["value"], "the slider's readout did not move"
        assert 0 < move.seconds < 10, f"slider-to-figure round trip {move.seconds:.3f} s"
