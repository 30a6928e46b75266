"""The same GridSearchCV on a Dask cluster, through joblib's dask backend.

Starts a LocalCluster here (replace it with ``Client("scheduler-address:8786")`` to use a
real cluster), runs the grid search on it and checks that the results equal a local
run. Needs the ``distributed`` extra: ``pip install -e ".[distributed]"``.

    python examples/distributed_gridsearch.py [--quick]

Measured here (2 cores, 2 workers): 8 candidates x 5 folds, identical scores.
"""

import sys
import time

import joblib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from spikencg import SpikingReadoutClassifier


def main(quick=False):
    from distributed import Client, LocalCluster

    X, y = load_digits(return_X_y=True)
    X = 1.0 - X / 16.0
    n = 600 if quick else len(X)
    grid = {"threshold": [3.0, 4.5], "a_plus": [0.01, 0.02], "t_gap": [0.05, 0.1]}
    est = SpikingReadoutClassifier(max_iter=3 if quick else 20, random_state=0)

    t0 = time.perf_counter()
    local = GridSearchCV(est, grid, cv=5).fit(X[:n], y[:n])
    t_local = time.perf_counter() - t0

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster):
        t0 = time.perf_counter()
        with joblib.parallel_backend("dask"):
            dist = GridSearchCV(est, grid, cv=5, n_jobs=-1).fit(X[:n], y[:n])
        t_dist = time.perf_counter() - t0

    same = np.array_equal(local.cv_results_["mean_test_score"],
                          dist.cv_results_["mean_test_score"])
    print(f"local: {t_local:.1f} s, dask cluster: {t_dist:.1f} s, identical scores: {same}")
    print(f"best {dist.best_params_}, 5-fold accuracy {dist.best_score_:.4f}")
    return same


if __name__ == "__main__":
    import argparse
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="600 samples, 3 epochs (also SPIKENCG_EXAMPLE_QUICK=1)")
    args = parser.parse_args()
    ok = main(quick=args.quick or os.environ.get("SPIKENCG_EXAMPLE_QUICK") == "1")
    sys.exit(0 if ok else 1)
