"""Start a SuperLink and N SuperNodes on 127.0.0.1, run the kit's app, stop every process.

:func:`run_deployment` does what a learner would type in ``N + 2`` terminals:

1. ``flower-superlink --insecure --host 127.0.0.1 --port P`` (Fleet, Control and
   Runtime APIs on one HTTP port; the ServerApp runs in a subprocess);
2. for each client ``i``: ``flower-supernode --insecure --superlink 127.0.0.1:P
   --port Q_i --node-config "partition-id=i num-partitions=N"``;
3. ``flwr run APP ppml-lab-local``, where ``APP`` is a generated Flower app directory
   (a ``pyproject.toml`` whose components are :mod:`ppml_lab.federated.flower.apps`)
   and ``ppml-lab-local`` a SuperLink connection in a private ``FLWR_HOME``.

Each process starts in its own process group with a private ``FLWR_HOME``, no
update check and no runtime dependency installation (nothing is downloaded), and
an environment marker ``PPML_LAB_FLOWER_RUN=<token>`` that its children inherit.
Shutdown (at the end, on error, on Ctrl-C or SIGTERM) sends SIGTERM to every
process group, then SIGKILL to what is left, then to any process that still
carries the marker (Flower detaches some of its own children into new sessions).

Introduced in notebook 13.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..._validation import check_integer, check_positive, fail
from . import require_flwr
from .setting import FlowerSetting

__all__ = ["DeploymentResult", "run_deployment", "free_port", "check_port_free",
           "marked_processes", "write_app", "MARKER"]

#: The environment variable that marks every process a deployment started.
MARKER = "PPML_LAB_FLOWER_RUN"
HOST = "127.0.0.1"
CONNECTION = "ppml-lab-local"
#: ``FLWR_SUPEREXEC_TASK_POLL_INTERVAL`` of the deployment (Flower's default: 1 s).
SUPEREXEC_POLL_SECONDS = 0.1


@dataclasses.dataclass(frozen=True)
class DeploymentResult:
    """What a localhost deployment measured.

    Attributes
    ----------
    setting : FlowerSetting
    rounds : tuple of dict
        One record per round: ``round``, ``accuracy``, ``loss``, ``epsilon`` (None
        without DP), ``clients`` (partition ids that reported), ``dropped``, ``seconds``,
        ``note`` (why clients were dropped, "" when none were) and, with SecAgg+,
        ``clear_arrays`` (arrays the ServerApp received in the clear: 0),
        ``secagg_weight_total`` and ``weights`` (the round's global weights).
    weights : (n_params,) array
        The final global weights.
    seconds : float
        Wall time from the first process started to the last one stopped.
    pids : tuple of int
        Every process id the deployment saw carrying its marker.
    token : str
        The marker value (``PPML_LAB_FLOWER_RUN``) of this deployment's processes.
    notes : tuple of str
        What went differently: a SuperNode that exited during the run, and each
        round that went on without some of its sampled clients (``"round r: ..."``).
    """

    setting: FlowerSetting
    rounds: tuple[dict[str, Any], ...]
    weights: np.ndarray
    seconds: float
    pids: tuple[int, ...]
    token: str
    notes: tuple[str, ...] = ()

    @property
    def accuracy(self) -> np.ndarray:
        """Test accuracy after each round."""
        return np.array([r["accuracy"] for r in self.rounds])

    @property
    def epsilon(self) -> np.ndarray | None:
        """Epsilon after each round, or None without differential privacy."""
        if not self.rounds or self.rounds[0]["epsilon"] is None:
            return None
        return np.array([r["epsilon"] for r in self.rounds])


# --- ports ------------------------------------------------------------------------------------

def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def check_port_free(port: Any, name: str = "port") -> int:
    """``port`` if it can be bound on 127.0.0.1, else a ``ValueError`` naming it.

    Examples
    --------
    >>> with socket.socket() as s:
    ...     s.bind(("127.0.0.1", 0)); s.listen(); taken = s.getsockname()[1]
    ...     check_port_free(taken)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `port` must be a free TCP port on 127.0.0.1; got ... (in use). Pass another port, or none to pick a free one.
    """
    port = check_integer(port, name, minimum=1024, maximum=65535,
                         fix="Pass a port in 1024..65535, or none to pick a free one.")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            raise fail(name, "a free TCP port on 127.0.0.1", port,
                       "Pass another port, or none to pick a free one.",
                       show=f"{port} (in use)") from None
    return port


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((HOST, port)) == 0


# --- processes --------------------------------------------------------------------------------

def marked_processes(token: str) -> list[int]:
    """Process ids whose environment holds ``PPML_LAB_FLOWER_RUN=token`` (Linux ``/proc``)."""
    needle = f"{MARKER}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                stat = (entry / "stat").read_text()
                if stat.rsplit(")", 1)[1].split()[0] != "Z":       # not a zombie
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def _executable(name: str) -> str:
    """A Flower command from this interpreter's environment (else from PATH)."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"`{name}` was not found next to {sys.executable} or on PATH; "
                                'install the extra: pip install "ppml-lab[flower]"')
    return found


class _Processes:
    """The processes of one deployment, each in its own process group."""

    def __init__(self, env: dict[str, str], logs: Path, token: str,
                 gone_file: Path | None = None) -> None:
        self.env, self.logs, self.token, self.gone_file = env, logs, token, gone_file
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.seen: set[int] = set()
        self.gone: set[str] = set()

    def start(self, name: str, command: Sequence[str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(list(command), env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        log.close()
        self.procs.append((name, proc))
        self.seen.add(proc.pid)
        return proc

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.logs / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def check_alive(self) -> list[str]:
        """Raise if the SuperLink has exited; return a note for each SuperNode newly gone.

        A SuperNode that dies is not fatal: its partition id goes into the gone
        file, the ServerApp stops waiting for its reply (within half a second),
        aggregates the others and reports it as dropped.
        """
        self.seen.update(marked_processes(self.token))
        notes = []
        for name, proc in self.procs:
            if name == "flwr-run" or proc.poll() is None:
                continue
            if name == "superlink":
                raise RuntimeError(f"{name} exited with code {proc.returncode}:\n"
                                   f"{self.log_tail(name)}")
            if name not in self.gone:
                self.gone.add(name)
                if self.gone_file is not None and name.startswith("supernode-"):
                    with self.gone_file.open("a") as f:   # the ServerApp stops waiting for it
                        f.write(name.split("-", 1)[1] + "\n")
                notes.append(f"{name} exited with code {proc.returncode}; the rounds go on "
                             "without it (it is reported as dropped).")
        return notes

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM every group, wait, SIGKILL what is left, then every marked process."""
        self.seen.update(marked_processes(self.token))
        for _, proc in reversed(self.procs):
            _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for _, proc in self.procs:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for _, proc in self.procs:
            _signal_group(proc.pid, signal.SIGKILL)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for _ in range(50):                      # detached children (new sessions)
            left = marked_processes(self.token)
            if not left:
                break
            self.seen.update(left)
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)                      # the group id is the leader's pid
    except (ProcessLookupError, PermissionError):
        pass


# --- the app directory ------------------------------------------------------------------------

def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))                # a TOML basic string


def _write_app(app: Path, config: dict[str, Any]) -> None:
    app.mkdir(parents=True, exist_ok=True)
    lines = ['[build-system]', 'requires = ["hatchling"]', 'build-backend = "hatchling.build"',
             '', '[project]', 'name = "ppml-lab-flower"', 'version = "1.0.0"',
             'description = "The kit\'s clients and strategies on Flower (generated)."',
             'license = "MIT"', 'dependencies = []', '', '[tool.flwr.app]',
             'publisher = "ppml-lab"', '', '[tool.flwr.app.components]',
             'serverapp = "ppml_lab.federated.flower.apps:server_app"',
             'clientapp = "ppml_lab.federated.flower.apps:client_app"', '',
             '[tool.flwr.app.config]']
    lines += [f"{key} = {_toml_value(value)}" for key, value in config.items()]
    (app / "pyproject.toml").write_text("\n".join(lines) + "\n")


def write_app(directory: str | os.PathLike, setting: FlowerSetting) -> Path:
    """Write a Flower app directory (``pyproject.toml``) that runs ``setting``; return its path.

    The app's components are :mod:`ppml_lab.federated.flower.apps` and its run
    config is ``setting.to_config()``, so ``flwr run DIRECTORY CONNECTION`` runs
    the same experiment on any SuperLink whose SuperNodes have ``ppml-lab[flower]``
    installed and a ``partition-id`` in their node config (see ``docs/scaling_out.md``).
    The ServerApp prints one line per round to its log (``flwr run --stream``).
    """
    if not isinstance(setting, FlowerSetting):
        raise fail("setting", "a FlowerSetting", setting, "Pass e.g. FlowerSetting(3, 5).",
                   kind=TypeError)
    path = Path(directory)
    # round-timeout is listed so that `flwr run --run-config 'round-timeout=10'` may change it
    _write_app(path, {**setting.to_config(), "round-timeout": 30.0})
    return path / "pyproject.toml"


def _write_flower_home(home: Path, port: int) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        f'[superlink]\ndefault = "{CONNECTION}"\n\n[superlink.{CONNECTION}]\n'
        f'address = "{HOST}:{port}"\ninsecure = true\n')


# --- the deployment ---------------------------------------------------------------------------

def run_deployment(setting: FlowerSetting, *, port: int | None = None,
                   timeout: float = 300.0,
                   on_round: Callable[[dict[str, Any]], None] | None = None,
                   on_note: Callable[[str], None] | None = None,
                   on_start: Callable[[dict[str, int]], None] | None = None,
                   round_timeout: float | None = None,
                   workdir: str | os.PathLike | None = None) -> DeploymentResult:
    """Run ``setting`` on a SuperLink and ``setting.n_clients`` SuperNodes on 127.0.0.1.

    Parameters
    ----------
    setting : FlowerSetting
        The experiment (clients, rounds, strategy).
    port : int, optional
        The SuperLink's port (Fleet, Control and Runtime APIs); a free one when None.
        The SuperNodes' own ports are always picked free.
    timeout : float, default 300
        Seconds the whole run may take before it is stopped with an error.
    on_round : callable, optional
        Called with each round's record as soon as the ServerApp writes it.
    on_note : callable, optional
        Called with a sentence when a SuperNode exits during the run, and with each
        round's note on dropped clients.
    on_start : callable, optional
        Called once every process is started, with ``{name: pid}`` (``"superlink"``,
        ``"supernode-0"``, ..., ``"flwr-run"``): a test's hook to kill a SuperNode.
    round_timeout : float, optional
        Seconds a round waits for a silent SuperNode (the ServerApp's default, 30 s,
        when None). A SuperNode whose process exits is not waited for at all.
    workdir : path, optional
        Where the logs, the app directory and ``FLWR_HOME`` go (a temporary
        directory, removed afterwards, when None).

    Returns
    -------
    DeploymentResult

    Raises
    ------
    ImportError
        When ``flwr`` is not installed (the message names the extra).
    ValueError
        When ``port`` is in use.
    RuntimeError
        When a process exits early, the ServerApp fails, or ``timeout`` passes
        (the message holds the end of the relevant log). Every process is stopped first.
    """
    require_flwr()
    if not isinstance(setting, FlowerSetting):
        raise fail("setting", "a FlowerSetting", setting, "Pass e.g. FlowerSetting(3, 5).",
                   kind=TypeError)
    port = free_port() if port is None else check_port_free(port)
    timeout = check_positive(timeout, "timeout", fix="Pass e.g. timeout=300.")
    owned = workdir is None
    root = Path(tempfile.mkdtemp(prefix="ppml-flower-") if owned else workdir)  # type: ignore[arg-type]
    token = secrets.token_hex(8)
    result_file = root / "rounds.jsonl"
    result_file.unlink(missing_ok=True)          # a reused workdir: no old rounds
    gone_file = root / "gone-partitions.txt"
    gone_file.unlink(missing_ok=True)
    config = {**setting.to_config(), "result-file": str(result_file),
              "gone-file": str(gone_file)}
    if round_timeout is not None:
        config["round-timeout"] = check_positive(round_timeout, "round_timeout",
                                                 fix="Pass e.g. round_timeout=30.")
    _write_app(root / "app", config)
    _write_flower_home(root / "flwr-home", port)
    (root / "logs").mkdir(exist_ok=True)
    # Flower starts its own helpers (flower-superexec, flwr-serverapp, flwr-clientapp) from
    # PATH: put this environment's scripts first
    path = os.pathsep.join([str(Path(_executable("flower-superlink")).parent),
                            os.environ.get("PATH", "")])
    env = {**os.environ, "PATH": path, "FLWR_HOME": str(root / "flwr-home"), "FLWR_DISABLE_UPDATE_CHECK": "1",
           "FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION": "1", "PYTHONUNBUFFERED": "1",
           # the SuperExec of each SuperNode looks for a ClientApp to start every 1 s by
           # default; every message starts one (Flower 1.42), so poll faster
           "FLWR_SUPEREXEC_TASK_POLL_INTERVAL": str(SUPEREXEC_POLL_SECONDS),
           MARKER: token}
    procs = _Processes(env, root / "logs", token, gone_file)
    in_main = _is_main_thread()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    if in_main:             # Ctrl-C and SIGTERM unwind through `finally`: stop everything
        for sig in previous:   # (SIGINT too: a shell may have started us with it ignored)
            signal.signal(sig, _raise_keyboard_interrupt)
    start = time.perf_counter()
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    weights = None
    try:
        procs.start("superlink", [_executable("flower-superlink"), "--insecure",
                                  "--isolation", "subprocess", "--host", HOST, "--port", str(port),
                                  "--disable-runtime-dependency-installation"])
        _wait(lambda: _listening(port), procs, timeout, f"the SuperLink to listen on {HOST}:{port}")
        for i in range(setting.n_clients):
            procs.start(f"supernode-{i}", [
                _executable("flower-supernode"), "--insecure", "--superlink", f"{HOST}:{port}",
                "--host", HOST, "--port", str(free_port()),
                "--node-config", f"partition-id={i} num-partitions={setting.n_clients}"])
        run = procs.start("flwr-run", [_executable("flwr"), "run", "--stream", str(root / "app"),
                                      CONNECTION])
        if on_start is not None:
            on_start({name: proc.pid for name, proc in procs.procs})
        deadline = time.monotonic() + timeout
        seen_lines = 0
        while weights is None:
            for note in procs.check_alive():
                notes.append(note)
                if on_note is not None:
                    on_note(note)
            if run.poll() not in (None, 0):
                raise RuntimeError(f"`flwr run` exited with code {run.returncode}:\n"
                                   f"{procs.log_tail('flwr-run')}")
            lines = result_file.read_text().splitlines() if result_file.exists() else []
            for line in lines[seen_lines:]:
                if not line.endswith("}"):
                    break                          # a line still being written
                seen_lines += 1
                record = json.loads(line)
                if "error" in record:
                    raise RuntimeError(f"the ServerApp failed: {record['error']}")
                if record.get("done"):
                    weights = np.array(record["weights"])
                    break
                records.append(record)
                if on_round is not None:
                    on_round(record)
                if record.get("note"):
                    note = f"round {record['round']}: {record['note']}"
                    notes.append(note)
                    if on_note is not None:
                        on_note(note)
            if time.monotonic() > deadline:
                raise RuntimeError(f"the deployment did not finish within {timeout:.0f} s; "
                                   f"SuperLink log:\n{procs.log_tail('superlink')}")
            time.sleep(0.1)
    finally:
        procs.stop()
        if in_main:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if owned:
            shutil.rmtree(root, ignore_errors=True)
    return DeploymentResult(setting=setting, rounds=tuple(records), weights=weights,
                            seconds=time.perf_counter() - start, pids=tuple(sorted(procs.seen)),
                            token=token, notes=tuple(notes))


def _wait(ready: Callable[[], bool], procs: _Processes, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        procs.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(0.1)


def _is_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
