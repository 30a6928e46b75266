"""Test accuracy and fit time of Table 1 folds trained with the original arithmetic and
with ``arithmetic="fast"``, on features that ``spikencg table1`` has cached.

Each fold is trained exactly as ``spikencg table1`` trains it (the preset, the 10
stratified folds of seed 0, early stopping on the fold's validation part, the fold's
``random_state``), once per arithmetic, and scored on the official test set. Results go
to ``OUT/arithmetic/`` (one JSON file per fold and arithmetic, reused when present, so
the run is resumable).

    python benchmarks/compare_arithmetic.py OUT [--dataset fashion-mnist]
        [--extractor STDP-CSNN] [--config s2stdp+ncg] [--folds 0 1 2 3] [--n-jobs 2]

``OUT`` is the output folder of a ``spikencg table1`` run whose feature cache holds the
dataset and extractor (extractor mode "once").
"""

import argparse
import json
import statistics
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedKFold

from spikencg import table1

ARITHMETICS = ("original", "fast")


def _tasks(out, dataset, extractor, config, folds, n_splits, seed):
    found = sorted((Path(out) / "cache").glob(f"{dataset}_{extractor}_once_*"))
    if not found:
        raise SystemExit(f"no cached {dataset} x {extractor} features under {out}/cache: "
                         "run `spikencg table1` for them first")
    features = found[-1]
    y = np.load(features / "train_y.npy")
    splits = list(StratifiedKFold(n_splits=n_splits, shuffle=True,
                                  random_state=seed).split(np.zeros(len(y)), y))
    params, patience = table1._readout_params(extractor, dataset, config, None)
    tasks = []
    for k in folds:
        tr, va = splits[k]
        for arith in ARITHMETICS:
            path = Path(out) / "arithmetic" / f"{dataset}_{extractor}_{config}_fold{k}_{arith}.json"
            tasks.append({
                "key": f"{dataset}/{extractor}/{config}/fold{k}/{arith}", "dataset": dataset,
                "extractor": extractor, "mode": "once", "config": config, "fold": k,
                "k": n_splits, "params": dict(params, arithmetic=arith),
                "patience": patience, "random_state": seed + k, "features": str(features),
                "features_meta": {"folder": features.name}, "train_idx": tr.tolist(),
                "val_idx": va.tolist(), "out": str(path),
            })
    return tasks


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--dataset", default="fashion-mnist")
    ap.add_argument("--extractor", default="STDP-CSNN")
    ap.add_argument("--config", default="s2stdp+ncg")
    ap.add_argument("--folds", type=int, nargs="+", default=[0, 1, 2, 3])
    ap.add_argument("--n-jobs", type=int, default=2)
    args = ap.parse_args()
    tasks = _tasks(args.out, args.dataset, args.extractor, args.config, args.folds, 10, 0)
    todo = [t for t in tasks if not Path(t["out"]).exists()]
    for t in todo:
        Path(t["out"]).parent.mkdir(parents=True, exist_ok=True)
    Parallel(n_jobs=args.n_jobs)(delayed(table1._run_fold)(t) for t in todo)
    res = {(t["fold"], t["params"]["arithmetic"]): json.loads(Path(t["out"]).read_text())
           for t in tasks}
    print(f"{args.dataset} x {args.extractor}, {args.config}: test accuracy (%), epochs, "
          "fit seconds")
    print(f"{'fold':>4s} " + " ".join(f"{a:>26s}" for a in ARITHMETICS))
    for k in args.folds:
        cells = [res[k, a] for a in ARITHMETICS]
        print(f"{k:4d} " + " ".join(f"{100 * r['test_accuracy']:10.2f} {r['epochs']:5d} "
                                    f"{r['fit_seconds']:9.0f}" for r in cells))
    for a in ARITHMETICS:
        acc = [100 * res[k, a]["test_accuracy"] for k in args.folds]
        print(f"{a}: mean {statistics.mean(acc):.2f} %"
              + (f" +- {statistics.stdev(acc):.2f}" if len(acc) > 1 else ""))
    diff = [100 * (res[k, "fast"]["test_accuracy"] - res[k, "original"]["test_accuracy"])
            for k in args.folds]
    print(f"fast - original per fold: {', '.join(f'{d:+.2f}' for d in diff)} points; "
          f"mean {statistics.mean(diff):+.2f}")


if __name__ == "__main__":
    main()
