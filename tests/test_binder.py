"""Rehearse the Binder build without docker, the way repo2docker does it.

repo2docker reads only ``binder/`` when it exists: a base environment that
already has JupyterLab 4, Notebook 7 and ipywidgets 8, the Python version of
``binder/runtime.txt``, then ``pip install -r binder/requirements.txt`` from the
repository root. Here: a fresh venv in a temporary folder, the same two pip steps
run from a temporary copy of the repository (git-tracked and untracked-unignored
files of the working tree), then the Binder badge's target notebook is executed
with that venv's own kernel, from a folder where only the *installed* package can
be imported. Uses the default pip cache; takes a minute or two.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.binder

ROOT = Path(__file__).resolve().parents[1]
BADGE_TARGET = "notebooks/00_start_here.ipynb"
BASE_IMAGE = ["jupyterlab==4.*", "notebook==7.*", "ipywidgets==8.*"]
PROBE = "import sys, ppml_lab\nprint(sys.prefix)\nprint(ppml_lab.__file__)"


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    """Run ``cmd``; on failure, fail the test with its output."""
    proc = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs
    )
    if proc.returncode != 0:
        command = " ".join(map(str, cmd))
        pytest.fail(f"{command} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def copy_repository(dest: Path) -> None:
    """Copy the working tree's git-tracked and untracked-unignored files."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not name.startswith(".venv/"):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def binder_python() -> str:
    """The interpreter of binder/runtime.txt if this machine has it, else this one."""
    runtime = (ROOT / "binder" / "runtime.txt").read_text().split()[0]
    version = re.fullmatch(r"python-(\d+\.\d+)", runtime).group(1)
    if "{}.{}".format(*sys.version_info[:2]) == version:
        return sys.executable
    return shutil.which(f"python{version}") or sys.executable


def test_binder_files():
    assert (ROOT / BADGE_TARGET).exists(), f"the Binder badge opens {BADGE_TARGET}"
    requirements = [
        line.strip()
        for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert "." in requirements, "binder/requirements.txt must install the package itself"
    pinned = [r for r in requirements if re.match(r"(jupyterlab|notebook|ipywidgets)\b", r, re.I)]
    assert not pinned, f"the base image provides {pinned}: do not pin them"
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.(1[0-9])", runtime), runtime


def test_binder_build_rehearsal(tmp_path):
    if not shutil.which("git") or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know which files Binder would see")
    repo, venv = tmp_path / "repo", tmp_path / "venv"
    copy_repository(repo)
    assert (repo / BADGE_TARGET).exists(), f"{BADGE_TARGET} is not in the repository"
    timings = {}

    start = time.perf_counter()
    run([binder_python(), "-m", "venv", venv])
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", *BASE_IMAGE])
    timings["base_image_s"] = time.perf_counter() - start

    start = time.perf_counter()
    run([python, "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"], cwd=repo)
    timings["requirements_s"] = time.perf_counter() - start

    # The badge's notebook, plus a last cell telling which environment ran it.
    notebook = nbformat.read(repo / BADGE_TARGET, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    target = repo / BADGE_TARGET
    rehearsal = target.with_name("binder_rehearsal.ipynb")
    nbformat.write(notebook, rehearsal)
    home = tmp_path / "home"
    home.mkdir()
    dropped = ("PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(home),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        IPYTHONDIR=str(home / "ipython"),
        MPLCONFIGDIR=str(home / "mpl"),
    )
    start = time.perf_counter()
    run(
        [python, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
         "--ExecutePreprocessor.kernel_name=python3", "--ExecutePreprocessor.timeout=300",
         rehearsal.name],
        cwd=rehearsal.parent, env=env,
    )  # fmt: skip
    timings["execute_s"] = time.perf_counter() - start

    executed = nbformat.read(rehearsal, as_version=4)
    errors = [
        f"{out.ename}: {out.evalue}"
        for cell in executed.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]
    assert not errors, errors
    probe = "".join(o.get("text", "") for o in executed.cells[-1].outputs).split()
    prefix, module = probe[0], probe[1]
    assert Path(prefix).resolve() == venv.resolve(), f"kernel ran in {prefix}, not the Binder venv"
    assert Path(module).resolve().is_relative_to(venv.resolve()), (
        f"ppml_lab was imported from {module}, not from the installed package"
    )
    print("binder rehearsal timings:", json.dumps({k: round(v, 1) for k, v in timings.items()}))
