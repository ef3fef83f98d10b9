"""The ``ppml-lab`` command (ppml_lab/cli.py), run in-process against the source tree.

``tests/test_wheel.py`` runs the same command from a built wheel in a fresh venv.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import sys
from pathlib import Path

import matplotlib
import pytest

from ppml_lab import __version__, cli

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_console_script_is_declared():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["ppml-lab"] == "ppml_lab.cli:main"
    assert any(r.startswith("voila") for r in project["optional-dependencies"]["present"])


def test_the_kit_ships_every_notebook_of_the_repository():
    assert [p.name for p in cli.shipped_notebooks()] == [p.name for p in NOTEBOOKS]
    assert len(NOTEBOOKS) >= 14


# --- copying without overwriting ------------------------------------------------------------------
def test_first_copy_copies_notebooks_and_docs_and_writes_a_manifest(tmp_path):
    folder = tmp_path / "class"
    report = cli.copy_kit(folder)
    assert report.folder == folder
    assert sorted(report.copied) == sorted(
        [f"notebooks/{p.name}" for p in NOTEBOOKS]
        + [f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")])
    assert report.kept == report.updated == report.current == ()
    for notebook in NOTEBOOKS:
        assert (folder / "notebooks" / notebook.name).read_bytes() == notebook.read_bytes()
    manifest = json.loads((folder / cli.MANIFEST).read_text())
    assert manifest["kit_version"] == __version__
    assert manifest["files"][f"notebooks/{NOTEBOOKS[3].name}"] == sha(NOTEBOOKS[3])
    # the notebooks' relative links to ../docs/ resolve in the copy
    assert (folder / "notebooks" / ".." / "docs").is_dir()


def test_changed_notebook_kept_unchanged_updated_missing_copied(tmp_path, capsys):
    folder = tmp_path / "class"
    cli.copy_kit(folder)
    names = [f"notebooks/{p.name}" for p in NOTEBOOKS]
    changed, stale, deleted = names[0], names[1], names[2]
    # the learner's work
    learner = (folder / changed).read_text().replace("Start here", "Start here (my notes)")
    (folder / changed).write_text(learner)
    # what an older kit wrote (and the learner never touched): recorded in the manifest
    older = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
    (folder / stale).write_bytes(older)
    manifest = json.loads((folder / cli.MANIFEST).read_text())
    manifest["files"][stale] = hashlib.sha256(older).hexdigest()
    (folder / cli.MANIFEST).write_text(json.dumps(manifest))
    (folder / deleted).unlink()

    code, out, err = run(capsys, str(folder), "--copy-only")
    assert code == 0, err
    assert (folder / changed).read_text() == learner  # never overwritten
    assert (folder / stale).read_bytes() == NOTEBOOKS[1].read_bytes()  # updated
    assert (folder / deleted).read_bytes() == NOTEBOOKS[2].read_bytes()  # copied again
    assert "kept, because you changed them (1):" in out and changed in out
    assert "updated to this kit's version: 1" in out
    assert "copied: 1" in out

    # a kept notebook stays kept on the next run (the manifest still has the kit's hash)
    again = cli.copy_kit(folder)
    assert again.kept == (changed,) and again.updated == again.copied == ()
    assert (folder / changed).read_text() == learner


def test_a_file_there_before_any_copy_is_kept(tmp_path):
    folder = tmp_path / "class"
    (folder / "notebooks").mkdir(parents=True)
    mine = folder / "notebooks" / NOTEBOOKS[5].name
    mine.write_text("my own notebook")
    report = cli.copy_kit(folder)
    assert report.kept == (f"notebooks/{NOTEBOOKS[5].name}",)
    assert mine.read_text() == "my own notebook"


# --- bad input ------------------------------------------------------------------------------------
def test_dir_that_is_a_file_is_refused_and_left_alone(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("precious")
    code, _, err = run(capsys, str(target), "--copy-only")
    assert code == 2
    assert f"cannot copy the notebooks into {target}: it is a file" in err
    assert "Pass a folder" in err
    assert target.read_text() == "precious"
    code, _, err = run(capsys, str(target / "sub"), "--copy-only")
    assert code == 2 and "is inside" in err and "which is a file" in err
    assert target.read_text() == "precious"


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs Linux's /sys (not writable)")
def test_dir_that_cannot_be_written_is_refused(capsys):
    code, _, err = run(capsys, "/sys/ppml-lab-notebooks", "--copy-only")
    assert code == 2
    assert "cannot copy the notebooks into /sys/ppml-lab-notebooks" in err
    assert "Pass a folder you can write to" in err


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root ignores file permissions")
def test_read_only_dir_is_refused(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, _, err = run(capsys, str(folder), "--copy-only")
    finally:
        folder.chmod(0o700)
    assert code == 2 and "is not writable by you" in err
    assert list(folder.iterdir()) == []


def test_unknown_notebook_number_for_present(capsys):
    for number in ("42", "x3"):
        code, _, err = run(capsys, "present", number)
        assert code == 2
        assert f"there is no notebook numbered {number!r}" in err
        assert "00, 01" in err and "ppml-lab present 03" in err


def test_busy_port_is_refused_before_anything_is_written(tmp_path, capsys):
    folder = tmp_path / "class"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run(capsys, str(folder), "--port", str(port))
    if code == 3:
        pytest.skip(f"JupyterLab is not installed here: {err}")
    assert code == 2
    assert f"port {port} is already in use" in err and "--port" in err
    assert not folder.exists()


def test_no_free_port_and_bad_port(monkeypatch):
    with pytest.raises(cli.CliError, match="`--port` must be a port number from 1 to 65535; "
                                           "got 70000"):
        cli.find_port(70000, start=8888)
    monkeypatch.setattr(cli, "_port_free", lambda port: False)
    with pytest.raises(cli.CliError, match="no free port from 8866 to 8915") as info:
        cli.find_port(None, start=8866)
    assert "pass a free port with --port" in str(info.value)
    assert info.value.code == 2


# --- what opens -----------------------------------------------------------------------------------
def test_lab_opens_jupyterlab_on_notebook_00_in_the_folder(tmp_path, monkeypatch, capsys):
    pytest.importorskip("jupyterlab")
    seen = {}

    def fake_run(cmd, *, cwd, env=None):
        seen.update(cmd=cmd, cwd=cwd)
        return 0

    monkeypatch.setattr(cli, "_run", fake_run)
    port = cli.find_port(None, start=18888)
    code, out, _ = run(capsys, str(tmp_path / "class"), "--no-browser", "--port", str(port))
    assert code == 0
    cmd = seen["cmd"]
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--port={port}" in cmd and "--no-browser" in cmd
    assert f"--ServerApp.root_dir={tmp_path / 'class'}" in cmd
    assert (seen["cwd"] / cmd[cmd.index(cli.FIRST_NOTEBOOK)]).is_file()
    assert "copied: " in out


def test_present_serves_the_notebook_with_the_presentation_template(tmp_path):
    notebook = tmp_path / "03.ipynb"
    cmd, env = cli.present_command(notebook, port=18866, no_browser=True)
    assert cmd[:4] == [sys.executable, "-m", "voila", str(notebook)]
    assert "--template=ppml-present" in cmd and "--port=18866" in cmd and "--no-browser" in cmd
    # Voila finds the template through JUPYTER_PATH; it extends Voila's lab template
    first = Path(env["JUPYTER_PATH"].split(os.pathsep)[0])
    template = first / "voila" / "templates" / "ppml-present"
    assert json.loads((template / "conf.json").read_text()) == {"base_template": "lab"}
    css = (template / "index.html.j2").read_text()
    assert "extends 'lab/index.html.j2'" in css and "3.4vh" in css
    # the kernel reads the presentation matplotlibrc: larger default text and lines
    rc = matplotlib.rc_params_from_file(env["MATPLOTLIBRC"], use_default_template=False)
    assert rc["font.size"] == 13 > matplotlib.rcParamsDefault["font.size"]
    assert rc["lines.linewidth"] > matplotlib.rcParamsDefault["lines.linewidth"]


# --- list, version, check -------------------------------------------------------------------------
def test_list_shows_number_title_and_minutes_of_every_notebook(capsys):
    code, out, _ = run(capsys, "--list")
    assert code == 0
    lines = out.strip().splitlines()
    rows = [re.fullmatch(r"(\d\d)  (.+?)\s+(\d+) min", line) for line in lines[:-1]]
    assert all(rows), lines
    assert [r.group(1) for r in rows] == [p.name[:2] for p in NOTEBOOKS]
    first_cell = json.loads(NOTEBOOKS[3].read_text())["cells"][0]["source"]
    assert f"# 03 · {rows[3].group(2)}" in "".join(first_cell)
    assert f"**Estimated time:** {rows[3].group(3)} minutes" in "".join(first_cell)
    total = sum(int(r.group(3)) for r in rows)
    assert lines[-1].startswith(f"{len(NOTEBOOKS)} notebooks, {total} minutes")


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.startswith(f"ppml-lab {__version__} (Python {sys.version.split()[0]}, "
                          f"{len(NOTEBOOKS)} notebooks in ")


def test_check_passes_here_with_a_verdict_within_30_seconds(capsys):
    pytest.importorskip("jupyterlab")
    code, out, _ = run(capsys, "check")
    lines = out.strip().splitlines()
    assert code == 0, out
    assert [line[:6] for line in lines[:-1]] == ["[ok  ]"] * len(cli.CHECKS)
    verdict = re.fullmatch(r"ppml-lab check: READY: all (\d+) checks passed in ([\d.]+) s .*",
                           lines[-1])
    assert verdict, lines[-1]
    assert int(verdict.group(1)) == len(cli.CHECKS) and float(verdict.group(2)) < 30


def test_check_reports_a_failure_with_exit_code_1(capsys):
    def broken() -> str:
        raise ImportError("No module named 'ipywidgets'")

    code = cli.check(checks=[("python", cli._check_python), ("widgets", broken)])
    out = capsys.readouterr().out
    assert code == 1
    assert "[FAIL] widgets   No module named 'ipywidgets'" in out
    assert out.strip().splitlines()[-1].startswith(
        "ppml-lab check: NOT READY: 1 of 2 checks failed (widgets;")


def test_notebook_imports_leave_out_optional_ones(tmp_path):
    notebook = tmp_path / "99_x.ipynb"
    notebook.write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": ["%matplotlib inline\n", "import numpy as np\n",
                                         "from ppml_lab.dp import LaplaceMechanism"]},
        {"cell_type": "code", "source": "try:\n    import flwr\nexcept ImportError:\n    pass"},
        {"cell_type": "markdown", "source": "import nothing"},
    ]}))
    assert cli.notebook_imports(notebook) == [("numpy", ()),
                                              ("ppml_lab.dp", ("LaplaceMechanism",))]
