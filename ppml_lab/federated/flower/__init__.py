"""The kit's federated clients and strategies on Flower's deployment engine (optional extra).

Install with ``pip install "ppml-lab[flower]"`` (plain ``flwr``, no Ray). Then::

    python -m ppml_lab.federated.flower run --clients 3 --rounds 5
    python -m ppml_lab.federated.flower run --clients 3 --rounds 5 --strategy dpfedavg \\
        --noise-multiplier 1.0 --clip-norm 1.0

starts a SuperLink and one SuperNode per client on 127.0.0.1 (separate processes,
insecure local mode), runs the app, prints the accuracy (and epsilon) of every
round, and stops every process it started.

* :mod:`.setting` -- :class:`FlowerSetting`, the experiment (issue 8's reference
  digits split, the kit strategy -- FedAvg, FedProx, DP-FedAvg or SCAFFOLD --, the
  simulator run it must match); no ``flwr``;
* :mod:`.secaggplus` -- :class:`SecAggPlus` (``FlowerSetting(secagg=...)``, ``--secagg``),
  :func:`secagg_mapping` (Flower's SecAgg+ parameters beside the kit's secure
  aggregation) and :func:`quantisation_bound`; no ``flwr``;
* :mod:`.secagg_workflow` -- a round of the kit strategy through Flower's
  ``SecAggPlusWorkflow``; needs ``flwr``;
* :mod:`.apps` -- the ``ClientApp`` (the simulator's ``local_train`` on one
  partition) and the ``ServerApp`` (rounds configured and aggregated by the kit
  strategy, epsilon from its accountant); needs ``flwr``;
* :mod:`.launcher` -- :func:`run_deployment`, the processes and their clean-up (a
  SuperNode that dies is dropped from the rounds at once, and the history says so);
  :func:`write_app`, the app directory for ``flwr run`` on real machines.

Importing this package does not need ``flwr``; the parts that do raise an
``ImportError`` that names the extra. Real machines: run ``flower-superlink`` and
``flower-supernode`` with TLS certificates (``--ssl-*``, ``--root-certificates``)
and SuperNode authentication (``--enable-supernode-auth``,
``--auth-supernode-private-key``) instead of ``--insecure``, write the app with
``python -m ppml_lab.federated.flower app DIR ...`` and point ``flwr run`` at that
SuperLink; ``docs/scaling_out.md`` says how. The launcher here only does localhost.

Introduced in notebook 13.
"""

from __future__ import annotations

import importlib

from .secaggplus import SecAggPlus, quantisation_bound, secagg_mapping
from .setting import STRATEGY_NAMES, FlowerSetting, reference_partitions

__all__ = ["FLOWER_INSTALL_HINT", "STRATEGY_NAMES", "FlowerSetting", "DeploymentResult",
           "SecAggPlus", "flwr_available", "quantisation_bound", "reference_partitions",
           "require_flwr", "run_deployment", "secagg_mapping", "write_app"]

FLOWER_INSTALL_HINT = 'pip install "ppml-lab[flower]"'


def flwr_available() -> bool:
    """Whether ``flwr`` can be imported (it is imported to find out)."""
    try:
        importlib.import_module("flwr")
    except ImportError:
        return False
    return True


def require_flwr() -> None:
    """Raise an ``ImportError`` naming the extra when ``flwr`` is missing.

    Examples
    --------
    >>> require_flwr() if flwr_available() else None
    """
    if not flwr_available():
        raise ImportError("ppml_lab.federated.flower needs Flower (flwr), which is not "
                          f"installed; install the extra: {FLOWER_INSTALL_HINT}")


def __getattr__(name: str) -> object:  # the launcher only when asked for (PEP 562)
    if name in ("run_deployment", "DeploymentResult", "write_app"):
        from . import launcher

        return getattr(launcher, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
