"""System test: presentation mode (``ppml-lab present 03``) in Chromium.

Starts ``ppml-lab present 03 --no-browser --port P`` (the installed console
script, as an instructor would) with ``HOME`` and Jupyter's folders private
(``harness._private_env``), in its own process group (stopped as one); opens the
Voila page in headless Chromium at 1280 x 720 (a 16:9 projector), waits for the
explorer, and checks:

* no code is shown (Voila strips the sources; the setup cell's text is absent);
* pressing ArrowRight on the epsilon slider redraws the figure and the readout,
  as in JupyterLab (``harness.press_slider``);
* text is large enough for the back of a room: every font size checked is at
  least 3.2% of the window's height (a capital letter of 2.3% subtends 10 arc
  minutes at 8 screen heights; see the template's comment), and the figure is
  stretched to the page's width.

A screenshot and the server's log go to ``tests/browser/artifacts/`` (kept for
post-mortems). Needs Debian's ``chromium``, Playwright and Voila (the extra
``present``); without them the test is skipped, or fails when
``PPML_LAB_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness
import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "03"
PRESSES = 3
VIEWPORT = {"width": 1280, "height": 720}
MIN_FONT_FRACTION = 0.032  # of the window's height (the template's rule)
SETUP_CODE = "rng = np.random.default_rng(SEED)"  # in notebook 03's setup cell


@pytest.fixture(scope="module")
def chromium() -> str:
    return harness.chromium_or_skip(
        voila='Voila is missing (presentation mode): pip install -e ".[present]".')


def _ppml_lab_command() -> list[str]:
    """The console script next to this Python (as installed), else ``-m ppml_lab.cli``."""
    script = Path(sys.executable).with_name("ppml-lab")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ppml_lab.cli"]


@contextlib.contextmanager
def present_server(number: str, timeout: float = 60.0):
    """``ppml-lab present NUMBER`` on a free port; yields (server, base URL)."""
    with tempfile.TemporaryDirectory(prefix="ppml-lab-present-test-") as tmp:
        base = Path(tmp)
        port = harness.free_port()
        cmd = [*_ppml_lab_command(), "present", number, "--no-browser", f"--port={port}"]
        log_path = base / "present.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, cwd=base, env=harness._private_env(base),
                                    stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        server = harness.LabServer(proc, port, "", base, log_path)
        try:
            harness._wait_until_up(server, timeout)  # any HTTP answer means Voila is up
            yield server, f"http://127.0.0.1:{port}/"
        finally:
            harness._stop(proc)
            with contextlib.suppress(OSError):
                harness.ARTIFACTS.mkdir(exist_ok=True)
                shutil.copy(log_path, harness.ARTIFACTS / "present-server.log")


# font sizes (px) of the page's text, the window's height, and the figure's size on screen
MEASURE = """() => {
    const size = (sel) => {
        const el = document.querySelector(sel);
        return el ? parseFloat(getComputedStyle(el).fontSize) : null;
    };
    const img = document.querySelector(FIGURE);
    const cells = document.querySelector('#rendered_cells') || document.body;
    return {
        height: window.innerHeight,
        fonts: {
            markdown: size('.jp-RenderedMarkdown p'),
            list_item: size('.jp-RenderedMarkdown li'),
            readout: size('.ppml-readout div'),
            slider_label: size('.ppml-control-epsilon .widget-label'),
            slider_value: size('.ppml-control-epsilon .widget-readout'),
        },
        // object-fit: contain: the picture is scaled by the smaller of the two ratios
        figure: img ? {left: img.getBoundingClientRect().left,
                       right: img.getBoundingClientRect().right,
                       box_width: img.getBoundingClientRect().width,
                       box_height: img.getBoundingClientRect().height,
                       natural_width: img.naturalWidth, natural_height: img.naturalHeight,
                       page_width: cells.getBoundingClientRect().width} : null,
        code_visible: Array.from(document.querySelectorAll(
            '.jp-InputArea-editor, .jp-CodeMirrorEditor, .cm-editor, .jp-InputPrompt'))
            .filter((el) => el.offsetParent !== null && el.textContent.trim() !== '').length,
    };
}""".replace("FIGURE", json.dumps(harness.FIGURE))


def test_present_hides_code_redraws_and_reads_from_the_back(chromium):
    harness.ARTIFACTS.mkdir(exist_ok=True)
    shot = harness.ARTIFACTS / f"present_{NOTEBOOK}.png"
    with present_server(NOTEBOOK) as (_server, url), \
            harness.chromium_page(chromium, **VIEWPORT) as page:
        try:
            start = time.perf_counter()
            page.goto(url, timeout=120_000)
            page.locator(harness.EXPLORER).first.wait_for(state="visible", timeout=120_000)
            page.locator(harness.FIGURE).first.wait_for(state="visible", timeout=30_000)
            shown_seconds = time.perf_counter() - start
            page.locator(harness.EXPLORER).first.scroll_into_view_if_needed()
            moves = [press_slider(page) for _ in range(PRESSES)]
            measured = page.evaluate(MEASURE)
            text = page.inner_text("body")
            page.locator(harness.EXPLORER).first.evaluate("(el) => el.scrollIntoView()")
        finally:
            page.screenshot(path=str(shot))
    report = {"notebook": NOTEBOOK, "explorer_shown_seconds": round(shown_seconds, 2),
              "slider_to_figure_seconds": [round(m.seconds, 4) for m in moves], **measured}
    (harness.ARTIFACTS / "present_report.json").write_text(json.dumps(report, indent=2))

    # code hidden, prose shown
    assert SETUP_CODE not in text, "the setup cell's code is visible"
    assert measured["code_visible"] == 0, measured
    assert "Laplace" in text
    # the explorer is live: every key press redraws figure and readout
    for move in moves:
        assert move.after["src"] != move.before["src"], "the figure did not change"
        assert move.after["readout"] != move.before["readout"], "the readout did not change"
        assert move.after["value"] != move.before["value"], "the slider did not move"
        assert 0 < move.seconds < 10, f"slider-to-figure round trip {move.seconds:.3f} s"
    # readable from the back of a room
    height = measured["height"]
    assert height == VIEWPORT["height"]
    for name, px in measured["fonts"].items():
        assert px is not None, f"no element for {name}"
        assert px >= MIN_FONT_FRACTION * height, (
            f"{name}: {px:.1f} px is {px / height:.1%} of the window's height; "
            f"needs {MIN_FONT_FRACTION:.1%}")
    figure = measured["figure"]
    scale = min(figure["box_width"] / figure["natural_width"],
                figure["box_height"] / figure["natural_height"])
    report["figure_scale"] = round(scale, 3)
    (harness.ARTIFACTS / "present_report.json").write_text(json.dumps(report, indent=2))
    assert figure["box_width"] >= 0.9 * figure["page_width"], figure  # as wide as the page
    assert 0 <= figure["left"] and figure["right"] <= VIEWPORT["width"], figure  # not cut off
    assert figure["natural_height"] * scale <= 0.9 * height + 1, figure  # on one screen
    assert scale >= 1.3, f"the figure is shown at {scale:.2f} times its size: {figure}"


def press_slider(page) -> harness.Move:
    return harness.press_slider(page, handle=harness.handle_of("epsilon"))
