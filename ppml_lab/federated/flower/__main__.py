"""``python -m ppml_lab.federated.flower run --clients 3 --rounds 5``: a localhost deployment.

(``... app DIR --clients 3 --rounds 5`` only writes the Flower app directory, for
``flwr run DIR CONNECTION`` against a SuperLink on real machines.) ``run`` prints the test accuracy (and, with ``--strategy dpfedavg``, epsilon) of every
round as the ServerApp reports it; every process started is stopped at the end,
on error and on Ctrl-C. Introduced in notebook 13.
"""

from __future__ import annotations

import argparse
import sys

from .setting import STRATEGY_NAMES, FlowerSetting


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ppml_lab.federated.flower",
                                     description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the kit's app on a SuperLink and N SuperNodes "
                                     "on 127.0.0.1")
    app = sub.add_parser("app", help="write a Flower app directory (pyproject.toml) for "
                                     "`flwr run` against any SuperLink (docs/scaling_out.md)")
    app.add_argument("directory")
    for sp in (run, app):
        _setting_arguments(sp)
    run.add_argument("--port", type=int, default=None,
                     help="the SuperLink's port (default: a free one)")
    run.add_argument("--timeout", type=float, default=300.0)
    run.add_argument("--compare", action="store_true",
                     help="also run the kit's simulator and print the difference")
    return parser


def _setting_arguments(run: argparse.ArgumentParser) -> None:
    run.add_argument("--clients", type=int, default=3, help="SuperNodes (default 3)")
    run.add_argument("--rounds", type=int, default=5)
    run.add_argument("--strategy", choices=STRATEGY_NAMES, default="fedavg")
    run.add_argument("--local-steps", type=int, default=5)
    run.add_argument("--learning-rate", type=float, default=0.5)
    run.add_argument("--mu", type=float, default=0.0, help="FedProx's proximal weight")
    run.add_argument("--clip-norm", type=float, default=1.0)
    run.add_argument("--noise-multiplier", type=float, default=0.0)
    run.add_argument("--delta", type=float, default=1e-5)
    run.add_argument("--clients-per-round", type=int, default=None)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--secagg", action="store_true",
                     help="aggregate every round with Flower's SecAgg+ (default settings; "
                          "not with scaffold)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        setting = FlowerSetting(args.clients, args.rounds, args.strategy,
                                local_steps=args.local_steps, learning_rate=args.learning_rate,
                                mu=args.mu, clip_norm=args.clip_norm,
                                noise_multiplier=args.noise_multiplier, delta=args.delta,
                                clients_per_round=args.clients_per_round, seed=args.seed,
                                secagg=args.secagg or None)
        if args.command == "app":
            from .launcher import write_app

            print(f"wrote {write_app(args.directory, setting)}; run it with: flwr run "
                  f"{args.directory} CONNECTION (see docs/scaling_out.md)")
            return 0
        from .launcher import check_port_free, run_deployment

        if args.port is not None:
            check_port_free(args.port)
        rounds = f"{setting.rounds} round{'s' if setting.rounds != 1 else ''}"
        secagg = "" if setting.secagg is None else f", SecAgg+ {setting.secagg}"
        print(f"Flower deployment on 127.0.0.1: 1 SuperLink, {setting.n_clients} SuperNodes, "
              f"{rounds}, {setting.strategy()!r}{secagg}", flush=True)

        def show(record: dict) -> None:
            eps = "" if record["epsilon"] is None else f"  epsilon {record['epsilon']:.4f}"
            dropped = (f"  dropped {record['dropped']}" if record["dropped"] else "")
            if record.get("note"):
                dropped += f"\n      note: {record['note']}"
            print(f"round {record['round']:>3}  accuracy {record['accuracy']:.4f}  "
                  f"loss {record['loss']:.4f}  clients {len(record['clients'])}{eps}{dropped}"
                  f"  ({record['seconds']:.1f} s)",
                  flush=True)

        result = run_deployment(setting, port=args.port, timeout=args.timeout, on_round=show,
                                on_note=lambda note: print(f"note: {note}", flush=True))
    except (ImportError, ValueError, TypeError, RuntimeError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: every process of the deployment was stopped", file=sys.stderr)
        return 130
    print(f"final accuracy {result.accuracy[-1]:.4f}; {result.seconds:.1f} s for start-up, "
          f"{setting.rounds} rounds and shutdown; {len(result.pids)} processes started and stopped")
    if args.compare:
        history = setting.simulate()
        print(f"simulator (run_federated): final accuracy {history.accuracy[-1]:.4f}; "
              f"largest accuracy difference {abs(history.accuracy - result.accuracy).max():.2e}; "
              f"largest weight difference {abs(history.weights - result.weights).max():.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
