"""Parallel model selection: cross_val_score and GridSearchCV with n_jobs=1 vs n_jobs=2.

Prints wall times, the speed-up and whether the results are identical: S2-STDP+NCG on
MNIST pixels (10-fold, 5 epochs, all 60,000 training images by default), an 8-candidate
grid on the first 30,000 of them (3 folds, 3 epochs; GridSearchCV's final refit on all
30,000 runs in the main process, one fit after the parallel search) and an 8-candidate
grid on digits. ``n_jobs=2`` runs twice: first with fresh worker processes, which import
the package and load the cached numba kernels (about 2 s on a 2-core machine; on
workloads of a few seconds this start-up keeps the speed-up well under 2), then again
with the workers joblib keeps alive between calls (the usual case within a session).
Last, the machine's own limit: the time of one fit alone and of the same fit run in two
workers at once (identical work, no communication); the ratio bounds any two-process
speed-up of this workload.

    python benchmarks/bench_parallel.py [--data-dir ../shared/data] [--n-samples 60000]
"""

import argparse
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from joblib.externals.loky import get_reusable_executor
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, cross_val_score

from spikencg import SpikingReadoutClassifier, TTFSEncoder
from spikencg.datasets import load_mnist


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _timed_fit(est, X, y):
    t0 = time.perf_counter()
    est.fit(X, y)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared"
                                              / "data"))
    ap.add_argument("--n-samples", type=int, default=60000)
    args = ap.parse_args()

    X, y = load_mnist(args.data_dir, subset="train")
    S = TTFSEncoder(encoding="intensity", per_feature=False).fit_transform(X[: args.n_samples])
    y = y[: args.n_samples]
    est = SpikingReadoutClassifier(max_iter=5, random_state=0)

    def compare(name, run, same):
        r1, t1 = timed(lambda: run(1))
        get_reusable_executor().shutdown(wait=True)  # fresh workers: their start-up counts
        r2, t2 = timed(lambda: run(2))
        r3, t3 = timed(lambda: run(2))  # the same workers again
        print(f"{name}: n_jobs=1 {t1:.1f} s, n_jobs=2 {t2:.1f} s with fresh workers "
              f"(speed-up {t1 / t2:.2f}x), {t3:.1f} s with running workers ({t1 / t3:.2f}x), "
              f"identical {same(r1, r2) and same(r1, r3)}")

    compare(f"cross_val_score(cv=10), MNIST {args.n_samples}",
            lambda jobs: cross_val_score(est, S, y, cv=10, n_jobs=jobs), np.array_equal)

    one = SpikingReadoutClassifier(max_iter=3, random_state=0)
    n_one = min(30000, S.shape[0])
    alone = min(_timed_fit(one, S[:n_one], y[:n_one]) for _ in range(2))
    par = Parallel(n_jobs=2)
    par(delayed(_timed_fit)(one, S[:500], y[:500]) for _ in range(2))  # start the workers
    both = max(par(delayed(_timed_fit)(one, S[:n_one], y[:n_one]) for _ in range(2)))
    print(f"one fit ({n_one} MNIST samples, 3 epochs): {alone:.2f} s alone, {both:.2f} s "
          f"when two run at once: two processes reach at most {2 * alone / both:.2f}x "
          "on this machine")

    n_grid = min(30000, S.shape[0])
    gm = SpikingReadoutClassifier(max_iter=3, random_state=0)
    compare(f"GridSearchCV 8 candidates x 3 folds, MNIST {n_grid}",
            lambda jobs: GridSearchCV(gm, {"threshold": [5.0, 7.0, 9.0, 11.0],
                                           "a_plus": [0.01, 0.02]},
                                      cv=3, n_jobs=jobs).fit(S[:n_grid], y[:n_grid]),
            lambda a, b: np.array_equal(a.cv_results_["mean_test_score"],
                                        b.cv_results_["mean_test_score"]))

    Xd, yd = load_digits(return_X_y=True)
    Sd = TTFSEncoder(encoding="intensity").fit_transform(Xd)
    grid = {"threshold": [3.0, 4.5, 6.0, 7.5], "a_plus": [0.01, 0.02]}
    g = SpikingReadoutClassifier(max_iter=30, random_state=0)
    compare("GridSearchCV 8 candidates x 5 folds, digits",
            lambda jobs: GridSearchCV(g, grid, cv=5, n_jobs=jobs).fit(Sd, yd),
            lambda a, b: np.array_equal(a.cv_results_["mean_test_score"],
                                        b.cv_results_["mean_test_score"]))


if __name__ == "__main__":
    main()
