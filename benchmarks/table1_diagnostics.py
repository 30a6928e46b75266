"""Why a cell of ``spikencg table1`` is below the paper: measurements on its own runs.

For each (dataset, extractor, extractor mode) of an output folder of ``spikencg table1``:

- the features alone: a LinearSVC (C=0.01, as the paper's predecessor's "linear SVM on
  the same features") trained on the cached features of all training images, scored on
  the test set (``--svc``; minutes on 60,000 x 4,608 features);
- a per-fold look at every cell: each fold's test accuracy, its epochs (did early
  stopping end it, or the epoch limit?), its best and last held-out accuracy, and the
  warnings of the fit.

    python benchmarks/table1_diagnostics.py OUTPUT_DIR [--svc] [--json out.json]

``OUTPUT_DIR`` is the folder given to ``spikencg table1`` (its ``runs/`` and ``cache/``
sub-folders; ``--cache-dir`` if the features were cached elsewhere).
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from spikencg.table1 import _spike_set, collect_results


def dense_features(S):
    """First-spike features back from a spike list: the time, or 1 where no spike."""
    F = np.ones(S.shape, dtype=np.float32)
    rows = np.repeat(np.arange(S.shape[0]), np.diff(S.indptr))
    F[rows, np.asarray(S.indices)] = np.asarray(S.data)
    return F


def svc_score(folder, C=0.01, seed=0):
    """Test accuracy of a LinearSVC trained on the cached training features."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    S, y = _spike_set(folder, "train")
    S_te, y_te = _spike_set(folder, "test")
    t0 = time.perf_counter()
    svc = LinearSVC(C=C, dual="auto", max_iter=2000, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        svc.fit(dense_features(S), y)
    acc = float(svc.score(dense_features(S_te), y_te))
    return acc, time.perf_counter() - t0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("output_dir")
    p.add_argument("--cache-dir", default=None)
    p.add_argument("--svc", action="store_true", help="LinearSVC on the cached features")
    p.add_argument("--json", default=None, help="write the measurements here")
    args = p.parse_args(argv)
    out = Path(args.output_dir)
    cache = Path(args.cache_dir) if args.cache_dir else out / "cache"
    rows = collect_results(out)
    report = {"cells": [], "svc": {}}
    for r in rows:
        print(f"\n{r['dataset']} / {r['extractor']} ({r['extractor_mode']}) / {r['config']}: "
              f"{100 * r['mean']:.2f} ± {100 * r['std']:.2f} % over {r['folds']} folds"
              + (f" (paper {100 * r['paper_mean']:.2f} ± {100 * r['paper_std']:.2f})"
                 if r["paper_mean"] is not None else ""))
        cell = {k: r[k] for k in ("dataset", "extractor", "extractor_mode", "config",
                                  "mean", "std", "paper_mean", "paper_std")}
        cell["folds"] = []
        for path in r["fold_files"]:
            f = json.loads(Path(path).read_text())
            hist = f["validation_history"]
            limit = f["params"].get("max_iter", 100)
            stop = "epoch limit" if f["epochs"] >= limit else "early stopping"
            print(f"  fold {f['fold']}: test {f['test_accuracy']:.4f}, {f['epochs']} epochs "
                  f"({stop}), held-out best {max(hist):.4f} at epoch "
                  f"{int(np.argmax(hist)) + 1}, last {hist[-1]:.4f}"
                  + (f"; {len(f['warnings'])} warning(s)" if f["warnings"] else ""))
            cell["folds"].append({k: f[k] for k in ("fold", "test_accuracy", "epochs")}
                                 | {"best_val": max(hist), "last_val": hist[-1]})
        report["cells"].append(cell)
    if args.svc:
        for folder in sorted(p for p in cache.iterdir() if (p / "meta.json").is_file()):
            meta = json.loads((folder / "meta.json").read_text())
            acc, sec = svc_score(folder)
            name = f"{meta['dataset']} / {meta['extractor']} ({meta['tag']})"
            print(f"\nLinearSVC(C=0.01) on {name}, {meta['n_features']} features, "
                  f"{meta['firing_fraction']:.1%} spiking: test {acc:.4f} ({sec:.0f} s)")
            report["svc"][name] = {"test_accuracy": acc, "seconds": sec,
                                   "n_features": meta["n_features"]}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
