"""Drive a real JupyterLab in headless Chromium: a harness for tests and benchmarks.

Used by ``tests/browser/test_jupyterlab.py`` and ``benchmarks/browser_roundtrip.py``
(which puts this folder on ``sys.path``). It follows ``TOOLING.md``:

* the server is ``<this python> -m jupyterlab`` on 127.0.0.1, a free port, a token,
  ``port_retries=0``, private settings (Jupyter news silenced) and workspaces,
  ``expose_app_in_browser``; it serves a temporary *copy* of the notebook folder
  (JupyterLab autosaves) and runs in its own process group, stopped as a group;
* ``HOME``, ``JUPYTER_RUNTIME_DIR``, ``IPYTHONDIR`` and ``MPLCONFIGDIR`` point at
  temporary folders;
* the browser is Debian's ``chromium`` driven by Playwright's sync API (never
  ``playwright install``).

The explorer contract (notebook 03): a ``VBox`` with CSS class ``ppml-explorer``
holding a slider with class ``ppml-control-epsilon``, an ``ipywidgets.Image`` with
class ``ppml-figure`` and an ``ipywidgets.HTML`` with class ``ppml-readout``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_NOTEBOOK = REPO_ROOT / "notebooks" / "03_laplace_and_gaussian.ipynb"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
INSTALL_HINT = (
    "Debian's chromium is needed: `apt-get install -y chromium` (as root), "
    "then run the tests again. Never `playwright install`."
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KERNEL_IDLE = "Python 3 (ipykernel) | Idle"
EXPLORER = ".ppml-explorer"
HANDLE = ".ppml-control-epsilon .noUi-handle"


def handle_of(control: str) -> str:
    """The slider handle of the explorer control named ``control`` (CSS class ppml-control-*)."""
    return f".ppml-control-{control} .noUi-handle"
# ipywidgets.Image renders as an <img> carrying the widget's classes; also accept
# an <img> nested in an element with that class, should the explorer wrap it.
FIGURE = "img.ppml-figure, .ppml-figure img"
READOUT = ".ppml-readout"

NEWS_OFF = {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True}


def find_chromium() -> str | None:
    """Path of Debian's ``chromium`` (or ``chromium-browser``), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_or_skip(**modules: str) -> str:
    """Chromium's path, after checking Playwright and ``modules`` (name: how to install).

    Skips the calling test when something is missing, or fails it when
    ``PPML_LAB_REQUIRE_BROWSER=1`` (as in CI). Call it from a fixture.
    """
    import importlib.util

    import pytest

    path = find_chromium()
    needs = {"playwright": 'Playwright is missing: pip install -e ".[test]".', **modules}
    problem = None if path else f"chromium not found on PATH. {INSTALL_HINT}"
    for module, hint in needs.items():
        if problem is None and importlib.util.find_spec(module) is None:
            problem = hint
    if problem is not None:
        if os.environ.get("PPML_LAB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"PPML_LAB_REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab; ``url(path)`` gives an authenticated URL."""

    proc: subprocess.Popen
    port: int
    token: str
    root_dir: Path
    log_path: Path
    up_seconds: float = 0.0

    def url(self, path: str = "lab") -> str:
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _private_env(base: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("home", "runtime", "ipython", "mpl", "data", "config"):
        (base / name).mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(base / "home"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTER_DATA_DIR=str(base / "data"),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        IPYTHONDIR=str(base / "ipython"),
        MPLCONFIGDIR=str(base / "mpl"),
    )
    # The kernel must use the notebook's inline backend, not a test's Agg.
    env.pop("MPLBACKEND", None)
    return env


@contextlib.contextmanager
def lab_server(
    serve_dir: Path,
    *,
    python: str = sys.executable,
    timeout: float = 60.0,
) -> Iterator[LabServer]:
    """Serve a temporary copy of ``serve_dir`` with JupyterLab; stop it on exit."""
    with tempfile.TemporaryDirectory(prefix="ppml-lab-browser-") as tmp:
        base = Path(tmp)
        root = base / "root"
        shutil.copytree(
            serve_dir, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints")
        )
        settings = base / "user-settings"
        news = settings / "@jupyterlab" / "apputils-extension"
        news.mkdir(parents=True)
        (news / "notification.jupyterlab-settings").write_text(json.dumps(NEWS_OFF))
        (base / "workspaces").mkdir()
        port, token = free_port(), os.urandom(16).hex()
        cmd = [
            python, "-m", "jupyterlab", "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={base / 'workspaces'}",
            "--LabApp.expose_app_in_browser=True",
        ]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        log_path = base / "server.log"
        start = time.perf_counter()
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                cmd,
                cwd=root,
                env=_private_env(base),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group, stopped as one
            )
        server = LabServer(proc, port, token, root, log_path)
        try:
            _wait_until_up(server, timeout)
            server.up_seconds = time.perf_counter() - start
            yield server
        finally:
            _stop(proc)
            # keep the log next to the artifacts for post-mortems
            with contextlib.suppress(OSError):
                ARTIFACTS.mkdir(exist_ok=True)
                shutil.copy(log_path, ARTIFACTS / "jupyterlab-server.log")


def _wait_until_up(server: LabServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = server.url("api/status")
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {server.proc.returncode}:\n{server.log()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # any HTTP answer means the server is up
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"JupyterLab not up after {timeout} s:\n{server.log()}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    pgid = proc.pid  # start_new_session: the server leads its own group
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)
        try:
            proc.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # kernels share the group; make sure none outlives the server
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


@contextlib.contextmanager
def chromium_browser(executable: str) -> Iterator[object]:
    """A Playwright ``Browser``: headless Debian chromium, closed on exit."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="ppml-lab-chromium-") as home, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            env={**os.environ, "HOME": home},  # chromium writes caches under $HOME
        )
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def new_page(browser, *, width: int = 1280, height: int = 900) -> Iterator[object]:
    """A ``Page`` in a fresh context of ``browser``; closed (no beforeunload) on exit."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        yield context.new_page()
    finally:
        context.close()


@contextlib.contextmanager
def chromium_page(
    executable: str, *, width: int = 1280, height: int = 900
) -> Iterator[object]:
    """A Playwright ``Page`` in headless Debian chromium."""
    with chromium_browser(executable) as browser, new_page(
            browser, width=width, height=height) as page:
        yield page


def shutdown_kernels(server: LabServer, timeout: float = 10.0) -> int:
    """Shut down every kernel of ``server`` (REST API); return how many there were."""
    def call(method: str, path: str) -> bytes:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/{path}", method=method,
            headers={"Authorization": f"token {server.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()

    kernels = json.loads(call("GET", "api/kernels"))
    for kernel in kernels:
        with contextlib.suppress(urllib.error.HTTPError):
            call("DELETE", f"api/kernels/{kernel['id']}")
    return len(kernels)


def wait_kernel_idle(page, timeout: float = 60.0) -> None:
    """Wait until the status bar reads ``Python 3 (ipykernel) | Idle``."""
    page.wait_for_function(
        """(text) => {
            const bar = document.querySelector('#jp-main-statusbar');
            return bar !== null && bar.textContent.includes(text);
        }""",
        arg=KERNEL_IDLE,
        timeout=timeout * 1000,
    )


def _settle(page, timeout: float) -> None:
    """In JupyterLab, wait until the kernel is idle: every earlier move has been drawn.

    (Voila has no status bar; there the observer's key-press guard is what keeps a
    late figure from counting.)
    """
    if page.evaluate("() => document.querySelector('#jp-main-statusbar') !== null"):
        wait_kernel_idle(page, timeout)


def open_notebook(page, server: LabServer, name: str, timeout: float = 60.0,
                  workspace: str | None = None) -> float:
    """Open ``name`` (relative to the served root); seconds until the kernel is idle.

    ``workspace`` names a JupyterLab workspace of its own, so that a server that
    served other notebooks before does not restore their tabs.
    """
    start = time.perf_counter()
    prefix = f"lab/workspaces/{workspace}" if workspace else "lab"
    page.goto(server.url(f"{prefix}/tree/{name}"), timeout=timeout * 1000)
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=timeout * 1000)
    wait_kernel_idle(page, timeout)
    return time.perf_counter() - start


def run_all_cells(page, timeout: float = 120.0) -> float:
    """Run All through the command registry; seconds until every cell has run.

    Raises ``RuntimeError`` with the error outputs if a cell fails.
    """
    start = time.perf_counter()
    page.evaluate(
        """() => {
            window.__ppmlRunAll = null;
            window.jupyterapp.commands.execute('notebook:run-all-cells').then(
                (ok) => { window.__ppmlRunAll = {ok: ok !== false}; },
                (err) => { window.__ppmlRunAll = {ok: false, error: String(err)}; });
        }"""
    )
    page.wait_for_function("() => window.__ppmlRunAll !== null", timeout=timeout * 1000)
    outcome = page.evaluate("window.__ppmlRunAll")
    if not outcome["ok"]:
        raise RuntimeError(f"Run All failed: {outcome.get('error') or cell_errors(page)}")
    wait_kernel_idle(page, timeout)
    return time.perf_counter() - start


def cell_errors(page) -> list[str]:
    """``ename: evalue`` of every error output in the current notebook."""
    return page.evaluate(
        """() => {
            const found = [];
            const panel = window.jupyterapp.shell.currentWidget;
            for (const cell of panel.content.widgets) {
                const outputs = cell.model.outputs;
                if (!outputs) continue;
                for (let i = 0; i < outputs.length; i++) {
                    const out = outputs.get(i).toJSON();
                    if (out.output_type === 'error') found.push(`${out.ename}: ${out.evalue}`);
                }
            }
            return found;
        }"""
    )


# The parts of the explorer that holds the first epsilon slider: every query is
# scoped to that explorer, should a notebook show more than one.
def _parts(handle: str = HANDLE) -> str:
    return """
    const handle = document.querySelector(%s);
    const root = (handle && handle.closest(%s)) || document;
    const img = root.querySelector(%s);
    const out = root.querySelector(%s);
""" % tuple(json.dumps(sel) for sel in (handle, EXPLORER, FIGURE, READOUT))


def explorer_state(page, handle: str = HANDLE) -> dict:
    """The figure's ``src``, the readout text and the slider position."""
    return page.evaluate(
        "() => {" + _parts(handle) + """
            return {
                src: img ? img.getAttribute('src') : null,
                name: img ? (img.getAttribute('aria-label') || img.getAttribute('alt') || img.getAttribute('title')) : null,  // accessible name
                readout: out ? out.textContent : null,
                now: handle ? Number(handle.getAttribute('aria-valuenow')) : null,
                value: (() => {
                    const slider = handle && handle.closest('.widget-slider');
                    const shown = slider && slider.querySelector('.widget-readout');
                    return shown ? (shown.value || shown.textContent) : null;
                })(),
                min: handle ? Number(handle.getAttribute('aria-valuemin')) : null,
                max: handle ? Number(handle.getAttribute('aria-valuemax')) : null,
            };
        }"""
    )


def _instrument(handle: str) -> str:
    return "() => {" + _parts(handle) + """
    // Timestamps in the page's clock: the key press, then the new figure.
    window.__ppml = {key: null, figure: null};
    window.addEventListener('keydown', () => {
        if (window.__ppml.key === null) window.__ppml.key = performance.now();
    }, {capture: true, once: true});
    // only a figure that arrives after the key press counts (not a late earlier one)
    const obs = new MutationObserver(() => {
        if (window.__ppml.key === null) return;
        window.__ppml.figure = performance.now();
        obs.disconnect();
    });
    obs.observe(img, {attributes: true, attributeFilter: ['src']});
}"""


@dataclass
class Move:
    """One slider key press and what it changed."""

    key: str
    seconds: float  # key press to new figure src, in the page's clock
    wall_seconds: float  # same, measured from Python (includes driver overhead)
    before: dict = field(repr=False)
    after: dict = field(repr=False)


def press_slider(page, *, timeout: float = 30.0, handle: str = HANDLE) -> Move:
    """Press an arrow key on the slider ``handle`` (epsilon's by default); wait for figure and
    readout."""
    _settle(page, timeout)
    before = explorer_state(page, handle)
    missing = [k for k in ("src", "readout", "now") if before[k] is None]
    if missing:
        raise RuntimeError(f"explorer incomplete, no {missing}: {handle}, {FIGURE}, {READOUT}")
    key = "ArrowLeft" if before["now"] >= before["max"] else "ArrowRight"
    page.evaluate(_instrument(handle))
    page.locator(handle).first.focus()
    start = time.perf_counter()
    page.keyboard.press(key)
    page.wait_for_function(
        "(before) => {" + _parts(handle) + """
            return window.__ppml.figure !== null && img.getAttribute('src') !== before.src
                && out.textContent !== before.readout;
        }""",
        arg=before,
        timeout=timeout * 1000,
    )
    wall = time.perf_counter() - start
    stamps = page.evaluate("window.__ppml")
    after = explorer_state(page, handle)
    return Move(key, (stamps["figure"] - stamps["key"]) / 1000, wall, before, after)


def summarize(seconds: list[float]) -> dict:
    """Median, p95 (nearest rank), min and max, in seconds."""
    ordered = sorted(seconds)
    p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
    return {
        "n": len(ordered),
        "median": statistics.median(ordered),
        "p95": p95,
        "min": ordered[0],
        "max": ordered[-1],
    }


@dataclass
class Scenario:
    """Timings of one run: server up, open to idle, run all, slider moves."""

    notebook: str
    server_up_seconds: float = 0.0
    open_to_idle_seconds: float = 0.0
    run_all_seconds: float = 0.0
    moves: list[Move] = field(default_factory=list)
    screenshot: str | None = None

    def as_json(self) -> dict:
        trips = [m.seconds for m in self.moves]
        return {
            "notebook": self.notebook,
            "server_up_seconds": round(self.server_up_seconds, 3),
            "open_to_idle_seconds": round(self.open_to_idle_seconds, 3),
            "run_all_seconds": round(self.run_all_seconds, 3),
            "slider_to_figure_seconds": [round(t, 4) for t in trips],
            "slider_to_figure_wall_seconds": [round(m.wall_seconds, 4) for m in self.moves],
            "slider_to_figure_summary": (
                {k: round(v, 4) for k, v in summarize(trips).items()} if trips else None
            ),
            "screenshot": self.screenshot,
        }


def run_scenario(
    notebook: Path = DEFAULT_NOTEBOOK,
    *,
    presses: int = 3,
    chromium: str | None = None,
    serve_dir: Path | None = None,
    screenshot: Path | None = None,
    python: str = sys.executable,
    control: str = "epsilon",
) -> Scenario:
    """Open ``notebook`` in JupyterLab, Run All, move a slider ``presses`` times.

    ``control`` names the explorer's slider (``epsilon`` by default; the CSS
    class is ``ppml-control-<control>``).

    ``serve_dir`` (default: the notebook's folder) is copied and served; the
    screenshot, if asked for, shows the explorer after the last move.
    """
    notebook = Path(notebook).resolve()
    serve_dir = Path(serve_dir or notebook.parent).resolve()
    name = notebook.relative_to(serve_dir).as_posix()
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError(INSTALL_HINT)
    result = Scenario(notebook=name)
    with lab_server(serve_dir, python=python) as server:
        result.server_up_seconds = server.up_seconds
        with chromium_page(chromium) as page:
            result.open_to_idle_seconds = open_notebook(page, server, name)
            result.run_all_seconds = run_all_cells(page)
            page.locator(EXPLORER).first.wait_for(state="visible", timeout=30_000)
            page.locator(FIGURE).first.wait_for(state="visible", timeout=30_000)
            page.locator(EXPLORER).first.scroll_into_view_if_needed()
            for _ in range(presses):
                result.moves.append(press_slider(page, handle=handle_of(control)))
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot))
                result.screenshot = str(screenshot)
    return result


# --- every control of every explorer, operated from the keyboard -------------------------------
# ``list_controls`` numbers the controls (attribute ``data-ppml-ctl``) and says what kind
# each is; ``operate_control`` focuses one and presses the key that changes it.
CONTROL = '[data-ppml-ctl="%d"]'

_LIST_CONTROLS = """() => {
    const found = [];
    let i = 0;
    document.querySelectorAll('.ppml-explorer').forEach((explorer, e) => {
        for (const el of explorer.querySelectorAll('[class*="ppml-control-"]')) {
            if (el.closest('.ppml-explorer') !== explorer) continue;  // a nested explorer's
            const cls = [...el.classList].find((c) => c.startsWith('ppml-control-'));
            let kind = 'other';
            if (el.querySelector('.noUi-handle')) kind = 'slider';
            else if (el.querySelector('select')) kind = 'dropdown';
            else if (el.querySelector('input[type=checkbox]')) kind = 'checkbox';
            else if (el.querySelector('input[type=radio]')) kind = 'radio';
            else if (el.querySelector('button')) kind = 'toggle';
            else if (el.tagName === 'BUTTON') kind = 'button';
            el.setAttribute('data-ppml-ctl', String(i));
            found.push({index: i, name: cls.slice('ppml-control-'.length), kind,
                        explorer: e, visible: el.offsetParent !== null});
            i += 1;
        }
    });
    return found;
}"""

# the element to focus and the key to press, for the control root ``el``
_TARGET = """
    const kind = %s;
    let target = el, key = 'Enter', value = null;
    if (kind === 'slider') {
        target = el.querySelector('.noUi-handle');
        const now = Number(target.getAttribute('aria-valuenow'));
        key = now >= Number(target.getAttribute('aria-valuemax')) ? 'ArrowLeft' : 'ArrowRight';
        // aria-valuenow has one decimal (noUiSlider): the slider's own readout is exact
        const shown = el.querySelector('.widget-readout');
        value = [now, target.getAttribute('aria-valuetext'),
                 shown ? (shown.value || shown.textContent) : null].join(' | ');
    } else if (kind === 'dropdown') {
        target = el.querySelector('select');
        key = target.selectedIndex >= target.options.length - 1 ? 'ArrowUp' : 'ArrowDown';
        value = target.value;
    } else if (kind === 'checkbox') {
        target = el.querySelector('input[type=checkbox]');
        key = ' ';
        value = target.checked;
    } else if (kind === 'radio') {
        const radios = [...el.querySelectorAll('input[type=radio]')];
        target = radios.find((r) => !r.checked) || radios[0];
        key = ' ';
        value = (radios.find((r) => r.checked) || {}).value;
    } else if (kind === 'toggle') {
        const buttons = [...el.querySelectorAll('button')];
        target = buttons.find((b) => !b.classList.contains('mod-active')) || buttons[0];
        key = ' ';
        value = (buttons.find((b) => b.classList.contains('mod-active')) || {}).textContent;
    } else if (el.classList.contains('widget-toggle-button')) {
        key = ' ';
        value = el.classList.contains('mod-active');
    }
"""


def list_controls(page) -> list[dict]:
    """Every control of every explorer on the page: index, name, kind, explorer, visible.

    Kinds: ``slider``, ``dropdown``, ``checkbox``, ``radio``, ``toggle`` (toggle
    buttons), ``button``; anything else is ``other``.
    """
    return page.evaluate(_LIST_CONTROLS)


def control_state(page, control: dict) -> dict:
    """The explorer's figure ``src``, accessible name, readout, and the control's value.

    Also marks the element that takes the key (attribute ``data-ppml-target``).
    """
    selector = CONTROL % control["index"]
    return page.evaluate(
        "() => {" + _parts(selector) + """
            const el = handle;
            """ + _TARGET % json.dumps(control["kind"]) + """
            document.querySelectorAll('[data-ppml-target]')
                .forEach((t) => t.removeAttribute('data-ppml-target'));
            target.setAttribute('data-ppml-target', '1');
            return {
                src: img ? img.getAttribute('src') : null,
                name: img ? (img.getAttribute('aria-label') || img.getAttribute('alt') || img.getAttribute('title')) : null,
                readout: out ? out.textContent : null,
                value: value === null || value === undefined ? null : String(value),
                key: key,
            };
        }"""
    )


def operate_control(page, control: dict, *, timeout: float = 30.0) -> Move:
    """Focus ``control`` (from :func:`list_controls`), press its key, wait for a new figure.

    Sliders get an arrow key (towards the middle at an end), dropdowns ArrowDown
    (ArrowUp at the last option), checkboxes, radio and toggle buttons Space
    (on an option not chosen), buttons Enter. The move is done when the figure's
    ``src`` changed; ``Move.after`` says what else changed.
    """
    selector = CONTROL % control["index"]
    _settle(page, timeout)
    before = control_state(page, control)
    if before["src"] is None or before["readout"] is None:
        raise RuntimeError(f"explorer of control {control['name']!r} has no figure or readout")
    page.evaluate(_instrument(selector))
    target = page.locator(f'{selector} [data-ppml-target="1"], {selector}[data-ppml-target="1"]')
    target.first.focus()
    start = time.perf_counter()
    page.keyboard.press("Space" if before["key"] == " " else before["key"])
    page.wait_for_function(
        "(before) => {" + _parts(selector) + """
            return window.__ppml.figure !== null && img.getAttribute('src') !== before.src;
        }""",
        arg=before,
        timeout=timeout * 1000,
    )
    wall = time.perf_counter() - start
    stamps = page.evaluate("window.__ppml")
    after = control_state(page, control)
    return Move(before["key"], (stamps["figure"] - stamps["key"]) / 1000, wall, before, after)
