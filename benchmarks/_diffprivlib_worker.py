"""Worker for benchmarks/peers.py: fits diffprivlib's LogisticRegression in its own venv.

Not a benchmark on its own: ``peers.py`` runs it with the python of the peer venv
(``benchmarks/.peer-venvs/diffprivlib``, diffprivlib 0.6.6 with scikit-learn 1.7.2) as

    python _diffprivlib_worker.py DATA.npz EPSILONS SEEDS

where DATA.npz holds ``<name>__X_train``, ``<name>__X_test``, ``<name>__y_train``,
``<name>__y_test`` for each data set (the exact arrays of
``ppml_lab.datasets.load_classification``), EPSILONS is a comma-separated list and SEEDS
a count. For each data set, epsilon and seed ``s`` in ``range(SEEDS)`` it fits
``diffprivlib.models.LogisticRegression(epsilon=eps, data_norm=1, random_state=s)`` and
prints one JSON object on stdout: test accuracies, fit seconds, package versions.
It imports nothing from ppml_lab (the venv does not have it). Run without arguments (as
``make bench`` does, with the project's python) it only says what it is and exits 0.
"""

from __future__ import annotations

import json
import platform
import sys
import time
import warnings


def run(npz_path: str, epsilons: list[float], seeds: int) -> dict:
    import numpy as np
    import sklearn
    import diffprivlib
    from diffprivlib.models import LogisticRegression

    data = np.load(npz_path)
    names = list(dict.fromkeys(key.split("__")[0] for key in data.files))
    results: dict = {}
    fit_seconds: dict = {}
    for name in names:
        X_tr, X_te = data[f"{name}__X_train"], data[f"{name}__X_test"]
        y_tr, y_te = data[f"{name}__y_train"], data[f"{name}__y_test"]
        results[name], fit_seconds[name] = {}, {}
        for eps in epsilons:
            accs, times = [], []
            for seed in range(seeds):
                model = LogisticRegression(epsilon=eps, data_norm=1, random_state=seed)
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    # diffprivlib warns about max_iter convergence and compatibility
                    # parameters; the accuracy is what is measured here
                    warnings.simplefilter("ignore")
                    model.fit(X_tr, y_tr)
                times.append(time.perf_counter() - t0)
                accs.append(float(model.score(X_te, y_te)))
            results[name][repr(float(eps))] = accs
            fit_seconds[name][repr(float(eps))] = times
    return {
        "library": "diffprivlib",
        "versions": {"diffprivlib": diffprivlib.__version__, "scikit-learn": sklearn.__version__,
                     "numpy": np.__version__, "python": platform.python_version()},
        "model": "diffprivlib.models.LogisticRegression(epsilon=eps, data_norm=1, "
                 "random_state=seed)",
        "seeds": seeds,
        "accuracy": results,
        "fit_seconds": fit_seconds,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("_diffprivlib_worker.py: helper of benchmarks/peers.py (run by "
              "dp_logistic_accuracy.py in the diffprivlib venv); nothing to do on its own.")
        return 0
    npz_path, eps_text, seeds_text = argv
    epsilons = [float(e) for e in eps_text.split(",")]
    out = run(npz_path, epsilons, int(seeds_text))
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
