"""The built wheel, installed offline into a fresh venv, runs ``ppml-lab``.

What an instructor does for a room without internet (``docs/instructor_guide.md``,
"Offline rooms"), with the kit's own wheel in place of the registry's:

1. build the wheel from a copy of the working tree (``pip wheel --no-deps``; no
   build dependency beyond pip and setuptools);
2. on the "connected machine": ``pip download <wheel>[lab,present] -d wheelhouse``;
3. on the "classroom machine": a fresh venv (no system site-packages) and
   ``pip install --no-index --find-links wheelhouse "ppml-lab[lab,present]"``;
4. from a folder outside the repository, with a private ``HOME``: the installed
   ``ppml-lab`` finds its notebooks inside the installed package, ``ppml-lab check``
   says READY, and copying into a folder twice keeps a notebook the learner changed.

Uses pip's cache (about a minute when it is warm); marker ``wheel`` (part of
``make test``; deselect with ``-m "not wheel"``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = "lab,present"  # as in the guide: JupyterLab, and Voila for `ppml-lab present`


def run(cmd, *, ok: bool = True, **kwargs) -> subprocess.CompletedProcess:
    """Run ``cmd``; if ``ok``, fail the test with its output unless it exits 0."""
    proc = subprocess.run([str(c) for c in cmd], check=False, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, **kwargs)
    if ok and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
                    f"{proc.stdout}\n{proc.stderr}")
    return proc


def copy_working_tree(dest: Path) -> None:
    """The git-tracked and untracked-unignored files (what a clone plus local edits has)."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                 cwd=ROOT).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def private_env(base: Path, venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND", "JUPYTER_PATH")}
    for name in ("home", "runtime", "data", "config", "ipython", "mpl"):
        (base / name).mkdir(parents=True, exist_ok=True)
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", HOME=str(base / "home"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"), JUPYTER_DATA_DIR=str(base / "data"),
               JUPYTER_CONFIG_DIR=str(base / "config"), IPYTHONDIR=str(base / "ipython"),
               MPLCONFIGDIR=str(base / "mpl"))
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    if not shutil.which("git") or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know which files the wheel is built from")
    tmp = tmp_path_factory.mktemp("wheel")
    timings = {}
    src, house, venv = tmp / "src", tmp / "wheelhouse", tmp / "venv"
    copy_working_tree(src)

    # the two commands of the guide, run from the clone
    start = time.perf_counter()
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", ".", "-w", house],
        cwd=src)
    (wheel,) = house.glob("ppml_lab-*.whl")
    timings["build_s"] = time.perf_counter() - start
    start = time.perf_counter()
    run([sys.executable, "-m", "pip", "download", "--quiet", f"{wheel}[{EXTRAS}]", "-d", house],
        cwd=src)
    timings["download_s"] = time.perf_counter() - start
    files = list(house.iterdir())
    timings["wheelhouse"] = {"files": len(files),
                             "MB": round(sum(f.stat().st_size for f in files) / 1e6, 1)}

    start = time.perf_counter()
    run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", house,
         f"ppml-lab[{EXTRAS}]"])
    timings["offline_install_s"] = time.perf_counter() - start
    work = tmp / "work"
    work.mkdir()
    return {"wheel": wheel, "venv": venv, "work": work, "env": private_env(tmp / "private", venv),
            "timings": timings}


def ppml_lab(installed: dict, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    return run([installed["venv"] / "bin" / "ppml-lab", *args], ok=ok, cwd=installed["work"],
               env=installed["env"])


def test_the_wheel_carries_notebooks_docs_and_the_presentation_template(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    shipped = sorted(n.split("/")[-1] for n in names if n.startswith("ppml_lab/_notebooks/"))
    assert shipped == sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert {f"ppml_lab/_docs/{p.name}" for p in (ROOT / "docs").glob("*.md")} <= set(names)
    assert "ppml_lab/_present/matplotlibrc" in names
    assert "ppml_lab/_present/voila/templates/ppml-present/index.html.j2" in names
    assert "ppml_lab/py.typed" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(installed["wheel"]).read(entry_points).decode()
    assert "ppml-lab = ppml_lab.cli:main" in text


def test_installed_ppml_lab_uses_its_own_notebooks_and_check_says_ready(installed):
    version = ppml_lab(installed, "--version").stdout
    site = next((installed["venv"] / "lib").glob("python3*/site-packages"))
    count = len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    assert f"{count} notebooks in {site / 'ppml_lab' / '_notebooks'}" in version, version

    start = time.perf_counter()
    check = ppml_lab(installed, "check", ok=False)
    seconds = time.perf_counter() - start
    report = {**installed["timings"], "check_s": round(seconds, 2),
              "check_output": check.stdout.splitlines()}
    print(json.dumps(report, indent=1))
    assert check.returncode == 0, check.stdout + check.stderr
    assert re.search(r"^ppml-lab check: READY: all \d+ checks passed", check.stdout,
                     re.MULTILINE)
    assert str(installed["venv"]) in check.stdout  # the python check names this venv's Python
    assert re.search(r"voila [\d.]+ \(for present\)", check.stdout)
    assert seconds < 30, f"ppml-lab check took {seconds:.1f} s"


def test_installed_ppml_lab_copies_without_overwriting(installed):
    folder = installed["work"] / "class"
    first = ppml_lab(installed, str(folder), "--copy-only").stdout
    assert "copied: " in first
    mine = folder / "notebooks" / "03_laplace_and_gaussian.ipynb"
    notebook = json.loads(mine.read_text())
    notebook["cells"][0]["source"] = ["# my notes\n"]
    mine.write_text(json.dumps(notebook))
    (folder / "notebooks" / "05_dp_machine_learning.ipynb").unlink()

    second = ppml_lab(installed, str(folder), "--copy-only").stdout
    assert "kept, because you changed them (1):" in second
    assert "notebooks/03_laplace_and_gaussian.ipynb" in second
    assert "copied: 1" in second
    assert json.loads(mine.read_text())["cells"][0]["source"] == ["# my notes\n"]
    assert ((folder / "notebooks" / "05_dp_machine_learning.ipynb").read_bytes()
            == (ROOT / "notebooks" / "05_dp_machine_learning.ipynb").read_bytes())

    bad = ppml_lab(installed, "present", "42", ok=False)
    assert bad.returncode == 2 and "there is no notebook numbered '42'" in bad.stderr
