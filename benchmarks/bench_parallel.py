"""Parallel model selection: cross_val_score and GridSearchCV with n_jobs=1 vs n_jobs=2.

Prints wall times, the speed-up and whether the results are identical: S2-STDP+NCG on
MNIST pixels (10-fold, 5 epochs, all 60,000 training images by default) and an
8-candidate grid on digits. Each ``n_jobs=2`` run starts fresh worker processes, which
import the package and load the cached numba kernels (about 2 s on a 2-core machine):
on small workloads (``--n-samples 10000``: about 10 s of training) that start-up keeps
the speed-up well under 2.

    python benchmarks/bench_parallel.py [--data-dir ../shared/data] [--n-samples 60000]
"""

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, cross_val_score

from spikencg import SpikingReadoutClassifier, TTFSEncoder
from spikencg.datasets import load_mnist


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


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
    from joblib.externals.loky import get_reusable_executor

    a, t1 = timed(lambda: cross_val_score(est, S, y, cv=10, n_jobs=1))
    get_reusable_executor().shutdown(wait=True)  # fresh workers: their start-up counts
    b, t2 = timed(lambda: cross_val_score(est, S, y, cv=10, n_jobs=2))
    print(f"cross_val_score(cv=10), MNIST {args.n_samples}: n_jobs=1 {t1:.1f} s, "
          f"n_jobs=2 {t2:.1f} s, speed-up {t1 / t2:.2f}x, identical {np.array_equal(a, b)}")

    Xd, yd = load_digits(return_X_y=True)
    Sd = TTFSEncoder(encoding="intensity").fit_transform(Xd)
    grid = {"threshold": [3.0, 4.5, 6.0, 7.5], "a_plus": [0.01, 0.02]}
    g = SpikingReadoutClassifier(max_iter=30, random_state=0)
    r1, t1 = timed(lambda: GridSearchCV(g, grid, cv=5, n_jobs=1).fit(Sd, yd))
    get_reusable_executor().shutdown(wait=True)
    r2, t2 = timed(lambda: GridSearchCV(g, grid, cv=5, n_jobs=2).fit(Sd, yd))
    same = np.array_equal(r1.cv_results_["mean_test_score"], r2.cv_results_["mean_test_score"])
    print(f"GridSearchCV 8 candidates x 5 folds, digits: n_jobs=1 {t1:.1f} s, n_jobs=2 "
          f"{t2:.1f} s, speed-up {t1 / t2:.2f}x, identical {same}")


if __name__ == "__main__":
    main()
