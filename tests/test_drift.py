"""The drift guard's helper (tools/drift.py) reads pyproject.toml correctly.

``make test-oldest`` is only as good as the constraints it installs: every direct
requirement must have a lower bound, and the constraints must pin exactly those.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _drift():
    spec = importlib.util.spec_from_file_location("drift", ROOT / "tools" / "drift.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


drift = _drift()


def test_every_requirement_has_a_lower_bound_and_is_pinned_to_it():
    reqs = drift.requirements(("test", "flower", "lab"))
    pins = drift.oldest_constraints(("test", "flower", "lab"))
    assert len(pins) == len(reqs) > 10
    for req, pin in zip(reqs, pins):
        name, version = pin.split("==")
        assert re.sub(r"[-_.]+", "-", req.split(">=")[0].split("[")[0]).lower().strip() == name
        assert f">={version}" in req.replace(" ", "")


def test_the_makefile_extras_exist_in_pyproject():
    makefile = (ROOT / "Makefile").read_text()
    for var in ("TEST_EXTRAS", "OLDEST_EXTRAS"):
        extras = re.search(rf"^{var} := (.+)$", makefile, re.M).group(1).split(",")
        drift.requirements(tuple(extras))  # raises SystemExit naming an unknown extra


def test_a_requirement_without_lower_bound_is_refused():
    with pytest.raises(SystemExit, match="no lower bound"):
        drift.lower_bound("numpy<3")
    assert drift.lower_bound("flwr>=1.42,<2") == "1.42"
    with pytest.raises(SystemExit, match="extra 'nope'"):
        drift.requirements(("nope",))


def test_versions_table_names_every_requirement():
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "drift.py"), "versions",
                          "--extras", "test"], capture_output=True, text=True, check=True).stdout
    rows = [line.split("|")[1].strip() for line in out.splitlines()[2:]]
    expected = [pin.split("==")[0] for pin in drift.oldest_constraints(("test",))]
    assert rows == ["python", *expected]
