"""Peer libraries measured beside ppml_lab in the same benchmark run: diffprivlib (issue 4) and
Flower's simulation engine (issue 8, :func:`ensure_flower_venv`).

diffprivlib 0.6.6 needs scikit-learn <= 1.7.2, older than the project's, so it never goes
into ``.venv``: :func:`ensure_diffprivlib_venv` builds a separate virtual environment at
``benchmarks/.peer-venvs/diffprivlib`` (gitignored) with ``python3 -m venv`` and pip
(:data:`DIFFPRIVLIB_REQUIREMENTS`), once; later runs reuse it. :func:`start_diffprivlib`
saves the exact arrays of ``ppml_lab.datasets.load_classification`` to a temporary .npz
and starts ``_diffprivlib_worker.py`` with that venv's python in a subprocess (so both
libraries see identical data, and ours can run meanwhile on the other core);
:meth:`PeerRun.result` waits for its JSON.

When the venv cannot be built (no network, no ``venv`` module, ...) these raise
:class:`PeerUnavailable` with a clear message; ``dp_logistic_accuracy.py`` then falls back
to :data:`QUOTED_DIFFPRIVLIB`, the medians quoted in issue 4.

Run on its own it builds (or checks) the venv and prints the versions:

    .venv/bin/python benchmarks/peers.py [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
PEER_VENVS = HERE / ".peer-venvs"
DIFFPRIVLIB_VENV = PEER_VENVS / "diffprivlib"
WORKER = HERE / "_diffprivlib_worker.py"
#: what the diffprivlib venv gets: diffprivlib 0.6.6 imports only with scikit-learn <= 1.7.2
DIFFPRIVLIB_REQUIREMENTS = ("diffprivlib==0.6.6", "scikit-learn==1.7.2")
_STAMP = ".ppml-lab-requirements"
FLOWER_VENV = PEER_VENVS / "flower"
#: Flower's simulation engine (Ray backend), as measured in issue 8
FLOWER_REQUIREMENTS = ("flwr[simulation]==1.42.0",)

#: diffprivlib 0.6.6 medians quoted in issue 4 (epsilon 0.1, 0.5, 1, 2, 5, 10, then
#: non-private): the reference when the peer cannot be run here
QUOTED_DIFFPRIVLIB = {
    "breast_cancer": (0.559, 0.731, 0.769, 0.868, 0.933, 0.947, 0.959),
    "digits": (0.095, 0.094, 0.104, 0.121, 0.190, 0.235, 0.959),
    "synthetic": (0.629, 0.765, 0.801, 0.846, 0.855, 0.858, 0.857),
}
QUOTED_EPSILONS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0)


class PeerUnavailable(RuntimeError):
    """The peer library could not be installed or run; the message says why."""


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _run(cmd: list[str], what: str, timeout: float) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PeerUnavailable(f"{what} failed: {exc}") from None
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise PeerUnavailable(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return proc


def ensure_diffprivlib_venv(*, rebuild: bool = False, verbose: bool = True,
                            timeout: float = 900.0) -> Path:
    """Return the python of the diffprivlib venv, building it first if it is missing.

    The venv counts as built when its stamp file lists :data:`DIFFPRIVLIB_REQUIREMENTS`
    and ``import diffprivlib`` works in it; otherwise it is (re)built. Raises
    :class:`PeerUnavailable` when that fails.
    """
    return _ensure_venv(DIFFPRIVLIB_VENV, DIFFPRIVLIB_REQUIREMENTS, "diffprivlib",
                        rebuild=rebuild, verbose=verbose, timeout=timeout)


def ensure_flower_venv(*, rebuild: bool = False, verbose: bool = True,
                       timeout: float = 900.0) -> Path:
    """Return the python of the Flower venv (``flwr[simulation]``, with Ray), building it once.

    Flower's simulation engine needs Ray, which the kit never installs (issue 8): it
    lives in ``benchmarks/.peer-venvs/flower`` only.
    """
    return _ensure_venv(FLOWER_VENV, FLOWER_REQUIREMENTS, "flwr.simulation",
                        rebuild=rebuild, verbose=verbose, timeout=timeout)


def _ensure_venv(venv: Path, requirements: tuple[str, ...], module: str, *, rebuild: bool,
                 verbose: bool, timeout: float) -> Path:
    """The python of ``venv``, (re)built with ``requirements`` unless its stamp matches and
    ``import module`` works."""
    python = _venv_python(venv)
    stamp = venv / _STAMP
    wanted = "\n".join(requirements)
    name = venv.name
    if rebuild and venv.exists():
        shutil.rmtree(venv)
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        try:
            _run([str(python), "-c", f"import {module}"], f"importing {module}", timeout=120)
            return python
        except PeerUnavailable as exc:  # a broken venv: build it again
            if verbose:
                print(f"the {name} venv is broken ({exc}); rebuilding it", flush=True)
    base = shutil.which("python3") or sys.executable
    if verbose:
        print(f"building the {name} venv at {venv} ({', '.join(requirements)}); once, a "
              f"minute or two ...", flush=True)
    t0 = time.perf_counter()
    try:
        venv.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PeerUnavailable(f"cannot create {venv.parent}: {exc}") from None
    _run([base, "-m", "venv", "--clear", str(venv)], "python3 -m venv", timeout=300)
    _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
          *requirements], "pip install " + " ".join(requirements), timeout=timeout)
    _run([str(python), "-c", f"import {module}"], f"importing {module}", timeout=120)
    stamp.write_text(wanted + "\n")
    if verbose:
        print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)
    return python


@dataclass
class PeerRun:
    """A running diffprivlib worker; :meth:`result` waits for it and parses its JSON."""

    process: subprocess.Popen
    tmpdir: tempfile.TemporaryDirectory
    started: float
    _result: dict | None = field(default=None, repr=False)

    def result(self) -> dict[str, Any]:
        """The worker's JSON (adds ``wall_seconds``); raises :class:`PeerUnavailable`."""
        if self._result is not None:
            return self._result
        try:
            out, err = self.process.communicate()
        finally:
            self.tmpdir.cleanup()
        wall = time.perf_counter() - self.started
        if self.process.returncode != 0:
            tail = "\n".join(err.strip().splitlines()[-8:])
            raise PeerUnavailable(f"the diffprivlib worker failed (exit "
                                  f"{self.process.returncode}):\n{tail}")
        try:
            self._result = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise PeerUnavailable(f"the diffprivlib worker printed no JSON:\n{out[-500:]}"
                                  ) from None
        self._result["wall_seconds"] = wall
        return self._result


def start_diffprivlib(datasets: dict[str, Any], epsilons: tuple[float, ...], seeds: int, *,
                      python: Path | None = None) -> PeerRun:
    """Start the diffprivlib worker on ``datasets`` (name -> ClassificationData) in the background.

    The worker gets one BLAS thread so that it shares a 2-core machine fairly with the
    main process.
    """
    python = python or ensure_diffprivlib_venv()
    tmpdir = tempfile.TemporaryDirectory(prefix="ppml-peers-")
    path = Path(tmpdir.name) / "data.npz"
    arrays = {}
    for name, d in datasets.items():
        for part in ("X_train", "X_test", "y_train", "y_test"):
            arrays[f"{name}__{part}"] = np.asarray(getattr(d, part))
    np.savez(path, **arrays)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONWARNINGS="ignore")
    env.pop("PYTHONPATH", None)
    cmd = [str(python), str(WORKER), str(path), ",".join(repr(float(e)) for e in epsilons),
           str(int(seeds))]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
    except OSError as exc:
        tmpdir.cleanup()
        raise PeerUnavailable(f"could not start the diffprivlib worker: {exc}") from None
    return PeerRun(proc, tmpdir, time.perf_counter())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="delete and rebuild the venv")
    args = parser.parse_args()
    try:
        python = ensure_diffprivlib_venv(rebuild=args.rebuild)
    except PeerUnavailable as exc:
        print(f"diffprivlib venv not available: {exc}")
        return 0  # `make bench` goes on; dp_logistic_accuracy.py falls back to quoted figures
    proc = _run([str(python), "-c", "import diffprivlib, sklearn, numpy, platform; "
                 "print('diffprivlib', diffprivlib.__version__, '| scikit-learn', "
                 "sklearn.__version__, '| numpy', numpy.__version__, '| python', "
                 "platform.python_version())"], "reading versions", timeout=120)
    print(f"{DIFFPRIVLIB_VENV}: {proc.stdout.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
