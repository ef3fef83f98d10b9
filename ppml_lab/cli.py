"""The ``ppml-lab`` command: copy the notebooks, open JupyterLab, present one, check a machine.

For people who do not clone repositories: the notebooks ship inside the package
(``ppml_lab/_notebooks``, mapped from the repository's ``notebooks/`` by
``setup.py``), and

* ``ppml-lab [DIR]`` copies them into ``DIR`` (default ``./ppml-lab-notebooks``) as
  ``DIR/notebooks/NN_*.ipynb`` beside ``DIR/docs/`` (the relative links of the
  notebooks keep working), then opens JupyterLab there on notebook 00. A notebook
  the learner changed is never overwritten: a manifest of the hashes written at
  copy time (``DIR/.ppml-lab-manifest.json``) tells a changed notebook (kept, and
  said so) from an unchanged one (updated to this kit's version);
* ``ppml-lab --list`` prints number, title and estimated time of each notebook;
* ``ppml-lab --version``;
* ``ppml-lab check``: a self-test for instructors before a workshop (Python, the
  packages, that a widget explorer draws, that a kernel starts, that every
  notebook's imports succeed), with a verdict line and exit code 0 or 1;
* ``ppml-lab present NN``: notebook NN served by Voila (code hidden, explorers
  live), with text and figures sized for projecting.

Exit codes: 0 success, 1 ``check`` found a problem, 2 bad input (the message
names the problem and the fix; nothing was written), 3 a needed package is
missing, else the exit code of JupyterLab or Voila.

Importing this module is light (no numpy), so ``--version`` and ``--list`` are quick.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import importlib
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import __version__

__all__ = [
    "CliError",
    "CopyReport",
    "NotebookInfo",
    "copy_kit",
    "find_port",
    "main",
    "notebook_info",
    "shipped_notebooks",
]

DEFAULT_DIR = "ppml-lab-notebooks"
MANIFEST = ".ppml-lab-manifest.json"
FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"
LAB_PORT, VOILA_PORT, PORT_TRIES = 8888, 8866, 50
REQUIRED = ("numpy", "scipy", "sklearn", "matplotlib", "ipywidgets", "PIL", "threadpoolctl",
            "cryptography")
LAB_HINT = "pip install jupyterlab"
PRESENT_HINT = 'pip install "ppml-lab[present]"'
_HERE = Path(__file__).resolve().parent


class CliError(Exception):
    """A problem the user can fix: printed as ``ppml-lab: error: ...`` with an exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


# --- what the kit ships ---------------------------------------------------------------------------
def _shipped(kind: str) -> Path:
    """The folder of shipped ``notebooks`` or ``docs``.

    In an installed wheel it is ``ppml_lab/_<kind>``; in a source tree or an
    editable install, the repository's ``<kind>/`` next to ``ppml_lab/``.
    """
    for folder in (_HERE / f"_{kind}", _HERE.parent / kind):
        if folder.is_dir() and any(folder.iterdir()):
            return folder
    raise CliError(f"this installation of ppml-lab has no {kind} (looked in {_HERE / ('_' + kind)}"
                   f" and {_HERE.parent / kind}); reinstall it: pip install --force-reinstall "
                   "ppml-lab", code=3)


def shipped_notebooks() -> list[Path]:
    """The kit's notebooks ``NN_*.ipynb``, sorted by number.

    Examples
    --------
    >>> [p.name for p in shipped_notebooks()][0]
    '00_start_here.ipynb'
    """
    return sorted(_shipped("notebooks").glob("[0-9][0-9]_*.ipynb"))


def _shipped_files() -> dict[str, Path]:
    """Relative path in the learner's folder -> shipped file (notebooks and docs)."""
    files = {f"notebooks/{p.name}": p for p in shipped_notebooks()}
    with contextlib.suppress(CliError):
        files.update({f"docs/{p.name}": p for p in sorted(_shipped("docs").glob("*.md"))})
    return files


@dataclass(frozen=True)
class NotebookInfo:
    """Number, title and estimated minutes of a notebook, from its first cell."""

    number: str
    title: str
    minutes: int | None
    path: Path


_TITLE = re.compile(r"^#\s*(\d\d)\s*[·:.-]?\s*(.+?)\s*$", re.MULTILINE)
_MINUTES = re.compile(r"Estimated time:\**\s*(?:about\s+)?(\d+)\s*min", re.IGNORECASE)


def notebook_info(path: Path) -> NotebookInfo:
    """Read a notebook's number, title and estimated time from its first Markdown cell.

    Examples
    --------
    >>> info = notebook_info(shipped_notebooks()[0])
    >>> info.number, info.title, info.minutes
    ('00', 'Start here', 10)
    """
    cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    first = next((c for c in cells if c.get("cell_type") == "markdown"), {"source": ""})
    text = first["source"] if isinstance(first["source"], str) else "".join(first["source"])
    title = _TITLE.search(text)
    minutes = _MINUTES.search(text)
    number = title.group(1) if title else Path(path).name[:2]
    return NotebookInfo(number, title.group(2) if title else Path(path).stem[3:],
                        int(minutes.group(1)) if minutes else None, Path(path))


def _find_notebook(number: str) -> Path:
    """The shipped notebook ``number`` (``3``, ``03`` or ``03_laplace_and_gaussian``)."""
    notebooks = shipped_notebooks()
    key = str(number).strip().removesuffix(".ipynb")
    match = re.fullmatch(r"(\d{1,2})(_\w+)?", key)
    if match:
        for path in notebooks:
            if path.name[:2] == f"{int(match.group(1)):02d}":
                return path
    numbers = ", ".join(p.name[:2] for p in notebooks)
    raise CliError(f"there is no notebook numbered {number!r}; the kit has {numbers}. "
                   "Pass one of those numbers, e.g. `ppml-lab present 03` "
                   "(`ppml-lab --list` shows their titles).")


# --- copying without overwriting ------------------------------------------------------------------
def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class CopyReport:
    """What :func:`copy_kit` did to each file (paths relative to the folder)."""

    folder: Path
    copied: tuple[str, ...]  # new in the folder
    updated: tuple[str, ...]  # unchanged by the learner, replaced by this kit's version
    kept: tuple[str, ...]  # changed by the learner: left as they are
    current: tuple[str, ...]  # already this kit's version

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [f"ppml-lab {__version__}: notebooks in {self.folder}"]
        for label, names in (("copied", self.copied), ("updated to this kit's version",
                                                         self.updated),
                             ("already up to date", self.current)):
            if names:
                lines.append(f"  {label}: {len(names)}")
        if self.kept:
            lines.append(f"  kept, because you changed them ({len(self.kept)}):")
            lines += [f"    {name}" for name in self.kept]
            lines.append("  To get the kit's version of one, rename or delete yours and run "
                         "ppml-lab again.")
        return "\n".join(lines)


def _check_folder(folder: Path) -> None:
    """Raise :class:`CliError` unless ``folder`` is (or can be made) a writable folder."""
    for part in [folder, *folder.parents]:
        if part.exists():
            if not part.is_dir():
                what = "is a file" if part == folder else f"is inside {part}, which is a file"
                raise CliError(f"cannot copy the notebooks into {folder}: it {what}. Pass a "
                               "folder, e.g. `ppml-lab my-notebooks` (it is created if needed).")
            if not os.access(part, os.W_OK | os.X_OK):
                raise CliError(f"cannot copy the notebooks into {folder}: {part} is not "
                               "writable by you. Pass a folder you can write to, e.g. "
                               f"`ppml-lab {Path.home() / DEFAULT_DIR}`.")
            break


def _probe_writable(folder: Path) -> None:
    """Create ``folder`` and write a file in it, or raise :class:`CliError`."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for sub in ("notebooks", "docs"):
            (folder / sub).mkdir(exist_ok=True)
            with tempfile.TemporaryFile(dir=folder / sub):
                pass
    except OSError as exc:
        raise CliError(f"cannot copy the notebooks into {folder}: {exc.strerror or exc}. Pass a "
                       f"folder you can write to, e.g. `ppml-lab {Path.home() / DEFAULT_DIR}`."
                       ) from exc


def copy_kit(folder: str | os.PathLike[str]) -> CopyReport:
    """Copy the shipped notebooks and docs into ``folder``, never overwriting a changed one.

    A file is copied when it is missing; replaced when it is byte for byte what an
    earlier ``ppml-lab`` wrote there (the manifest's hash) and this kit ships another
    version; kept when the learner changed it (or it was there before any
    ``ppml-lab`` run). The manifest records, for each file, the hash of the kit's
    version last written, so a kept file stays kept.

    Parameters
    ----------
    folder : str or path
        The learner's folder; created if needed.

    Returns
    -------
    CopyReport

    Raises
    ------
    CliError
        If ``folder`` is a file, lies inside a file, or is not writable (nothing is
        written then).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     first, again = copy_kit(tmp), copy_kit(tmp)
    >>> len(first.copied) == len(again.current) > 0, again.copied, again.kept
    (True, (), ())
    """
    folder = Path(folder).expanduser().absolute()
    _check_folder(folder)
    files = _shipped_files()  # before writing anything: fails if the kit is broken
    _probe_writable(folder)
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        manifest = {}
    outcome: dict[str, list[str]] = {"copied": [], "updated": [], "kept": [], "current": []}
    written = dict(manifest)
    for name, source in files.items():
        target = folder / name
        new = _sha256(source)
        if not target.exists():
            status = "copied"
        else:
            old = _sha256(target)
            status = ("current" if old == new else
                      "updated" if old == manifest.get(name) else "kept")
        if status in ("copied", "updated"):
            shutil.copyfile(source, target)
        if status != "kept":
            written[name] = new
        outcome[status].append(name)
    manifest_path.write_text(json.dumps({"kit_version": __version__, "files": written},
                                        indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return CopyReport(folder, *(tuple(outcome[k]) for k in ("copied", "updated", "kept",
                                                             "current")))


# --- ports and servers ----------------------------------------------------------------------------
def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def find_port(port: int | None, *, start: int, tries: int = PORT_TRIES) -> int:
    """``port`` if it is free, else raise; or, if ``port`` is None, the first free one from
    ``start`` (``tries`` ports).

    Raises
    ------
    CliError
        If ``port`` is taken, outside 1-65535, or no port of the range is free.
    """
    if port is not None:
        if not 1 <= port <= 65535:
            raise CliError(f"`--port` must be a port number from 1 to 65535; got {port}. "
                           "Pass e.g. --port 8899, or leave --port out to pick a free one.")
        if not _port_free(port):
            raise CliError(f"port {port} is already in use (another JupyterLab or Voila?). "
                           "Pass another with --port, or leave --port out to pick a free one.")
        return port
    for candidate in range(start, min(start + tries, 65536)):
        if _port_free(candidate):
            return candidate
    raise CliError(f"no free port from {start} to {start + tries - 1}. Stop a server you no "
                   "longer need (an old JupyterLab or Voila), or pass a free port with --port.")


def _need(module: str, hint: str, purpose: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise CliError(f"{purpose} needs {module}, which is not installed in {sys.prefix}. "
                       f"Install it: {hint}", code=3)


def _run(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> int:
    """Run a server in the foreground until it exits or Ctrl-C."""
    print("$ " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, cwd=cwd, env=env)
    # a SIGTERM to ppml-lab stops the server too (and then our temporary folders go)
    previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        return proc.wait()
    except KeyboardInterrupt:  # the server got the same Ctrl-C; let it shut down
        try:
            return proc.wait(15)
        except (KeyboardInterrupt, subprocess.TimeoutExpired):
            proc.terminate()
            return proc.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab(folder: str, *, port: int | None, no_browser: bool, copy_only: bool) -> int:
    """``ppml-lab [DIR]``: copy, then JupyterLab on notebook 00."""
    if not copy_only:
        _need("jupyterlab", LAB_HINT, "opening the notebooks")
        port = find_port(port, start=LAB_PORT)
    report = copy_kit(folder)
    print(report.summary(), flush=True)
    if copy_only:
        return 0
    cmd = [sys.executable, "-m", "jupyterlab", f"--port={port}", "--ServerApp.port_retries=0",
           f"--ServerApp.root_dir={report.folder}", FIRST_NOTEBOOK]
    if no_browser:
        cmd.append("--no-browser")
    if _as_root():
        cmd.append("--allow-root")
    return _run(cmd, cwd=report.folder)


# --- presentation mode ----------------------------------------------------------------------------
PRESENT_TEMPLATE = "ppml-present"


def present_command(notebook: Path, *, port: int, no_browser: bool) -> tuple[list[str], dict]:
    """The Voila command line and environment that present ``notebook``.

    The template ``ppml-present`` (``ppml_lab/_present/voila/templates``, found
    through ``JUPYTER_PATH``) is Voila's lab template with text sized for a
    projector; the kernel reads ``ppml_lab/_present/matplotlibrc`` through
    ``MATPLOTLIBRC``.
    """
    present = _HERE / "_present"
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(
        [str(present), *filter(None, [os.environ.get("JUPYTER_PATH")])])
    env["MATPLOTLIBRC"] = str(present / "matplotlibrc")
    env.pop("MPLBACKEND", None)  # the kernel's own inline backend, not a caller's Agg
    cmd = [sys.executable, "-m", "voila", str(notebook), f"--template={PRESENT_TEMPLATE}",
           "--theme=light", f"--port={port}", "--Voila.port_retries=0", "--Voila.ip=127.0.0.1",
           "--VoilaConfiguration.show_tracebacks=True"]
    if no_browser:
        cmd.append("--no-browser")
    return cmd, env


def present(number: str, *, port: int | None, no_browser: bool, folder: str | None) -> int:
    """``ppml-lab present NN``: serve one notebook with Voila."""
    shipped = _find_notebook(number)
    _need("voila", PRESENT_HINT, "presentation mode")
    port = find_port(port, start=VOILA_PORT)
    if folder is not None:  # the instructor's copy (from `ppml-lab DIR`), served as it is
        notebook = Path(folder).expanduser().absolute() / "notebooks" / shipped.name
        if not notebook.is_file():
            raise CliError(f"{notebook} does not exist. Copy the notebooks first with "
                           f"`ppml-lab {folder} --copy-only`, or leave --dir out to present "
                           "the kit's own version.")
        cmd, env = present_command(notebook, port=port, no_browser=no_browser)
        return _run(cmd, cwd=notebook.parent, env=env)
    with tempfile.TemporaryDirectory(prefix="ppml-lab-present-") as tmp:
        report = copy_kit(tmp)  # a scratch copy: a notebook may write files beside itself
        notebook = report.folder / "notebooks" / shipped.name
        print(f"Presenting {shipped.name} (code hidden); Ctrl-C to stop.", flush=True)
        cmd, env = present_command(notebook, port=port, no_browser=no_browser)
        return _run(cmd, cwd=notebook.parent, env=env)


# --- check ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """One line of ``ppml-lab check``."""

    name: str
    ok: bool
    detail: str
    seconds: float


def _check_python() -> str:
    if sys.version_info < (3, 10):  # noqa: UP036 - a source tree may run on any Python
        raise RuntimeError(f"Python {sys.version.split()[0]} is too old; ppml-lab needs 3.10 or "
                           "newer")
    return f"Python {sys.version.split()[0]} ({sys.executable})"


def _check_packages() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found, missing = [], []
    names = {"sklearn": "scikit-learn", "PIL": "pillow"}
    for module in (*REQUIRED, "jupyterlab", "ipykernel"):
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - any failure to import is the finding
            hint = LAB_HINT if module in ("jupyterlab", "ipykernel") else "pip install ppml-lab"
            missing.append(f"{module} ({type(exc).__name__}: {exc}; {hint})")
            continue
        with contextlib.suppress(PackageNotFoundError):
            found.append(f"{module} {version(names.get(module, module))}")
    if missing:
        raise RuntimeError("cannot import " + "; ".join(missing))
    try:
        extra = f"; voila {version('voila')} (for present)"
    except PackageNotFoundError:
        extra = f"; voila not installed (optional, for present: {PRESENT_HINT})"
    return ", ".join(found) + extra


def _check_widgets() -> str:
    from importlib.metadata import PackageNotFoundError, version

    import ipywidgets  # noqa: F401

    from .viz import NoisyCountExplorer

    explorer = NoisyCountExplorer(rng=0)
    before = bytes(explorer.figure.value)
    explorer.set(epsilon=0.5)
    after = bytes(explorer.figure.value)
    bundle = explorer._repr_mimebundle_()
    if not (before.startswith(b"\x89PNG") and after.startswith(b"\x89PNG")):
        raise RuntimeError("the explorer's figure is not a PNG image")
    if before == after:
        raise RuntimeError("moving the epsilon slider did not redraw the figure")
    if "application/vnd.jupyter.widget-view+json" not in bundle:
        raise RuntimeError("the explorer has no widget view")
    try:
        front = f"; JupyterLab's widget renderer jupyterlab_widgets {version('jupyterlab_widgets')}"
    except PackageNotFoundError:
        raise RuntimeError("jupyterlab_widgets (the browser side of ipywidgets) is missing: "
                           'pip install "ipywidgets>=8"') from None
    return (f"an explorer drew its figure ({len(before):,} bytes of PNG) and redrew it when "
            f"epsilon moved{front}")


def _check_kernel() -> str:
    from jupyter_client.manager import start_new_kernel

    code = ("import sys, ppml_lab, ipywidgets; "
            "print(sys.prefix, ppml_lab.__version__, ipywidgets.__version__)")
    with open(os.devnull, "w") as quiet:
        manager, client = start_new_kernel(kernel_name="python3", stderr=quiet, stdout=quiet,
                                           startup_timeout=60)
    try:
        out: list[str] = []
        reply = client.execute_interactive(
            code, timeout=60,
            output_hook=lambda msg: out.append(msg["content"].get("text", ""))
            if msg["msg_type"] == "stream" else None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the kernel could not import ppml_lab: "
                               f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    prefix = "".join(out).split()[0] if "".join(out).split() else "?"
    if Path(prefix).resolve() != Path(sys.prefix).resolve():
        raise RuntimeError(f"JupyterLab's 'python3' kernel runs the Python of {prefix}, not this "
                           f"one ({sys.prefix}): install ppml-lab there, or run "
                           f"`{sys.executable} -m ipykernel install --user`")
    return "a 'python3' kernel started in this environment and imported ppml_lab and ipywidgets"


def notebook_imports(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """The top-level imports of a notebook's code cells: ``(module, names)`` pairs.

    Imports inside ``try`` blocks (optional extras) and cells that are not plain
    Python (magics) are left out.

    Examples
    --------
    >>> ("ppml_lab.viz", ("NoisyCountExplorer",)) in notebook_imports(shipped_notebooks()[0])
    True
    """
    found = []
    cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                found += [(alias.name, ()) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append((node.module, tuple(a.name for a in node.names)))
    return found


def _check_notebook_imports() -> str:
    problems, checked = [], 0
    notebooks = shipped_notebooks()
    for path in notebooks:
        for module, names in notebook_imports(path):
            checked += 1
            try:
                imported = importlib.import_module(module)
                absent = [n for n in names if n != "*" and not hasattr(imported, n) and
                          importlib.util.find_spec(f"{module}.{n}") is None]
            except Exception as exc:  # noqa: BLE001 - any failure to import is the finding
                problems.append(f"{path.name}: import {module}: {type(exc).__name__}: {exc}")
                continue
            if absent:
                problems.append(f"{path.name}: {module} has no {', '.join(absent)}")
    if problems:
        raise RuntimeError("; ".join(problems))
    return f"{checked} imports of {len(notebooks)} notebooks succeed"


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("python", _check_python),
    ("packages", _check_packages),
    ("notebooks", lambda: f"{len(shipped_notebooks())} notebooks shipped, "
                          f"{sum(i.minutes or 0 for i in map(notebook_info, shipped_notebooks()))}"
                          " minutes in all"),
    ("widgets", _check_widgets),
    ("imports", _check_notebook_imports),
    ("kernel", _check_kernel),
)


def check(*, checks: Sequence[tuple[str, Callable[[], str]]] = CHECKS) -> int:
    """``ppml-lab check``: run each check, print a line per check and a verdict; 0 if all pass."""
    start = time.perf_counter()
    results = []
    for name, run in checks:
        began = time.perf_counter()
        try:
            ok, detail = True, run()
        except Exception as exc:  # noqa: BLE001 - a failed check is reported, not raised
            ok, detail = False, str(exc) or type(exc).__name__
        results.append(Check(name, ok, detail, time.perf_counter() - began))
        mark = "ok  " if ok else "FAIL"
        print(f"[{mark}] {name:<9} {detail} ({results[-1].seconds:.1f} s)", flush=True)
    seconds = time.perf_counter() - start
    failed = [r.name for r in results if not r.ok]
    if failed:
        print(f"ppml-lab check: NOT READY: {len(failed)} of {len(results)} checks failed "
              f"({', '.join(failed)}; see the FAIL lines above) in {seconds:.1f} s")
        return 1
    print(f"ppml-lab check: READY: all {len(results)} checks passed in {seconds:.1f} s "
          f"(ppml-lab {__version__}, Python {sys.version.split()[0]})")
    return 0


# --- the command line -----------------------------------------------------------------------------
def _list() -> int:
    infos = [notebook_info(p) for p in shipped_notebooks()]
    width = max(len(i.title) for i in infos)
    for info in infos:
        minutes = f"{info.minutes:>4} min" if info.minutes else "       ?"
        print(f"{info.number}  {info.title:<{width}}  {minutes}")
    total = sum(i.minutes or 0 for i in infos)
    print(f"{len(infos)} notebooks, {total} minutes ({total / 60:.1f} hours) in all")
    return 0


def _version() -> str:
    return (f"ppml-lab {__version__} (Python {sys.version.split()[0]}, "
            f"{len(shipped_notebooks())} notebooks in {_shipped('notebooks')})")


def _parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser,
                        argparse.ArgumentParser]:
    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--port", type=int, default=None,
                       help="serve on this port (default: the first free one)")
        p.add_argument("--no-browser", action="store_true",
                       help="do not open a browser; print the address instead")

    main_parser = argparse.ArgumentParser(
        prog="ppml-lab",
        description="Copy the ppml-lab notebooks into a folder and open JupyterLab there. "
                    "A notebook you changed is never overwritten.",
        epilog="More: `ppml-lab check` (is this machine ready for a workshop?), "
               "`ppml-lab present NN` (project notebook NN, code hidden). To use a folder "
               "called check or present, write ./check.")
    main_parser.add_argument("dir", nargs="?", default=DEFAULT_DIR, metavar="DIR",
                             help=f"where to copy the notebooks (default: ./{DEFAULT_DIR})")
    main_parser.add_argument("--list", action="store_true",
                             help="list the notebooks (number, title, estimated time)")
    main_parser.add_argument("--version", action="store_true", help="print the version")
    main_parser.add_argument("--copy-only", action="store_true",
                             help="copy the notebooks, do not open JupyterLab")
    common(main_parser)
    check_parser = argparse.ArgumentParser(
        prog="ppml-lab check",
        description="Self-test before a workshop: Python, packages, widgets, a kernel, and "
                    "every notebook's imports. Exit code 0 when ready, 1 otherwise.")
    present_parser = argparse.ArgumentParser(
        prog="ppml-lab present",
        description="Serve one notebook with Voila for projecting: code hidden, explorers "
                    "live, large text. Ctrl-C stops it.")
    present_parser.add_argument("number", metavar="NN", help="the notebook's number, e.g. 03")
    present_parser.add_argument("--dir", default=None, metavar="DIR",
                                help="present DIR/notebooks/NN_*.ipynb (a folder made by "
                                     "`ppml-lab DIR`) instead of the kit's own version")
    common(present_parser)
    return main_parser, check_parser, present_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ppml-lab``; returns the exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +ELLIPSIS
    ppml-lab 0.1.0 (Python ...)
    0
    """
    args = list(sys.argv[1:] if argv is None else argv)
    main_parser, check_parser, present_parser = _parsers()
    try:
        if args[:1] == ["check"]:
            check_parser.parse_args(args[1:])
            return check()
        if args[:1] == ["present"]:
            opts = present_parser.parse_args(args[1:])
            return present(opts.number, port=opts.port, no_browser=opts.no_browser,
                           folder=opts.dir)
        opts = main_parser.parse_args(args)
        if opts.version:
            print(_version())
            return 0
        if opts.list:
            return _list()
        return lab(opts.dir, port=opts.port, no_browser=opts.no_browser,
                   copy_only=opts.copy_only)
    except CliError as exc:
        print(f"ppml-lab: error: {exc}", file=sys.stderr)
        return exc.code
    except SystemExit as exc:  # argparse: usage errors (2) and --help (0)
        return int(exc.code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
