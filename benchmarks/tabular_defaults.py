"""The measurements behind the population code's defaults (``n_fields``, ``field_width``)
and the check that the classifier's defaults suit it.

Each configuration of ``make_pipeline(TTFSEncoder(encoding="population", ...),
SpikingReadoutClassifier(...))`` is scored on nine tables (iris, wine, breast cancer,
digits, and five synthetic ones) by 5-fold cross-validation (stratified, shuffled) for
classifier seeds 0-4 and split seeds 0 and 1, as a ratio to LogisticRegression on
min-max-scaled data (same splits). Printed per configuration and table: the worst
ratio (over seeds and splits) and the mean one.

    python benchmarks/tabular_defaults.py fields [--quick]      # n_fields x field_width
    python benchmarks/tabular_defaults.py classifier [--quick]  # readout variants

About 15 minutes each on 2 cores (``--quick``: iris and one synthetic table, one split,
two seeds, two configurations, seconds). The tables of the user guide ("Tables of
numbers") come from these runs.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
    make_moons,
)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from spikencg import SpikingReadoutClassifier, TTFSEncoder


def tables():
    """The nine tables: name -> (X, y)."""
    skew_X, skew_y = make_classification(800, 8, n_informative=4, n_redundant=2,
                                         n_classes=2, random_state=4)
    return {
        "iris": load_iris(return_X_y=True),
        "wine": load_wine(return_X_y=True),
        "breast cancer": load_breast_cancer(return_X_y=True),
        "digits": load_digits(return_X_y=True),
        # 3 classes, 10 features (5 informative, 2 redundant, 3 noise)
        "synthetic 3x10": make_classification(600, 10, n_informative=5, n_redundant=2,
                                              n_classes=3, random_state=1),
        # 5 classes, 20 features
        "synthetic 5x20": make_classification(1000, 20, n_informative=10, n_redundant=4,
                                              n_classes=5, n_clusters_per_class=1,
                                              random_state=2),
        "moons": make_moons(500, noise=0.2, random_state=3),
        # log-normal features: heavy right tails, negative values
        "heavy tails": (np.exp(skew_X) - 3.0, skew_y),
        # 2 classes, 50 features
        "synthetic 2x50": make_classification(500, 50, n_informative=8, n_redundant=8,
                                              n_classes=2, random_state=5),
    }


FIELDS = [(6, 0.8), (6, 1.0), (7, 0.9), (8, 0.67), (8, 0.8), (8, 0.9), (8, 1.0),
          (10, 0.8), (12, 1.0)]
CLASSIFIER = {
    "defaults": {},
    "max_iter=10": dict(max_iter=10),
    "max_iter=60": dict(max_iter=60),
    "ncg=False": dict(ncg=False),
    "neurons_per_class=3": dict(neurons_per_class=3),
    "neurons_per_class=10": dict(neurons_per_class=10),
    "threshold auto x 0.5": dict(threshold=0.5),  # factors of the "auto" threshold
    "threshold auto x 2": dict(threshold=2.0),
}


def auto_threshold(X, y, cv, factor, encoder):
    """``factor`` times the threshold that "auto" picks on each training fold (the mean
    over the folds: one value for all of them)."""
    values = []
    for train, _ in cv.split(X, y):
        S = encoder.fit_transform(X[train])
        values.append(SpikingReadoutClassifier(max_iter=1).fit(S, y[train]).threshold_)
    return factor * float(np.mean(values))


def main(argv=None):
    """Run one of the two grids and print its table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("grid", choices=["fields", "classifier"])
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    data = tables()
    splits, seeds = (0, 1), range(5)
    fields, variants = FIELDS, CLASSIFIER
    if args.quick:
        data = {k: data[k] for k in ("iris", "moons")}
        splits, seeds = (0,), range(2)
        fields, variants = FIELDS[5:7], dict(list(CLASSIFIER.items())[:2])
    configs = ([(f"{m} x {w}", dict(n_fields=m, field_width=w), {}) for m, w in fields]
               if args.grid == "fields"
               else [(name, {}, kw) for name, kw in variants.items()])
    print(f"{'table':16s} {'configuration':22s} {'worst':>6s} {'mean':>6s}  (accuracy over "
          "LogisticRegression's)")
    for name, (X, y) in data.items():
        X = np.asarray(X, dtype=np.float64)
        cvs = [StratifiedKFold(5, shuffle=True, random_state=s) for s in splits]
        lr = [cross_val_score(make_pipeline(MinMaxScaler(),
                                            LogisticRegression(max_iter=5000)),
                              X, y, cv=cv).mean() for cv in cvs]
        for label, enc_kw, clf_kw in configs:
            t0 = time.perf_counter()
            ratios = []
            for cv, base in zip(cvs, lr, strict=True):
                kw = dict(clf_kw)
                if "threshold" in kw:
                    kw["threshold"] = auto_threshold(
                        X, y, cv, kw["threshold"], TTFSEncoder(encoding="population"))
                for seed in seeds:
                    pipe = make_pipeline(TTFSEncoder(encoding="population", **enc_kw),
                                         SpikingReadoutClassifier(random_state=seed, **kw))
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # threshold / convergence warnings
                        ratios.append(cross_val_score(pipe, X, y, cv=cv).mean() / base)
            print(f"{name:16s} {label:22s} {min(ratios):6.3f} {np.mean(ratios):6.3f}  "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
