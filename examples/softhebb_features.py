"""SoftHebb-CNN features of Fashion-MNIST, read out by a linear SVM and by spiking neurons.

Raw Fashion-MNIST images -> :class:`~spikencg.SoftHebbFeatures` (the paper's second
extractor: three SoftHebb convolutional blocks of 96, 384 and 1,536 maps, learned without
labels in one pass over the 60,000 training images, mini-batches of 10) -> 13,824 spike
times per image, cached in ``CACHE_DIR`` (``.npz``, no pickle) -> two readouts scored on
the 10,000 test images:

(a) a linear SVM on all 60,000 training images: LinearSVC's problem (L2-regularised
    squared hinge, one-vs-rest, the intercept regularised as liblinear does) solved in
    float32 with L-BFGS, as liblinear would copy these 830 million values into about
    20 GB; ``C`` chosen on a 54,000 / 6,000 split of the training images;
(b) :class:`~spikencg.TTFSEncoder` -> :class:`~spikencg.SpikingReadoutClassifier` with
    the paper's presets ``SoftHebb-CNN/F-MNIST/s2stdp+ncg`` and ``.../s2stdp`` untouched,
    trained on 54,000 training images with early stopping on the other 6,000 (the
    preset's patience, 10 epochs, at most 100 epochs, last model kept).

It saves ``softhebb_filters.png``: the first block's filters.

Measured: see docs/paper.md (filled in from the full run).

    python examples/softhebb_features.py [OUTPUT_DIR] [--quick] [--data-dir DIR]
        [--cache-dir DIR] [--no-svc] [--configs s2stdp+ncg,s2stdp] [--max-iter N]
        [--svc-C 0.001,0.003,0.01] [--n-jobs 2] [--seed 0] [--verbose]

``--quick`` (or ``SPIKENCG_EXAMPLE_QUICK=1``) uses a network of 16, 32 and 64 maps, 600
training and 200 test images, one ``C`` (the last), and readouts of at most 3 epochs with
``threshold="auto"`` (576 features cannot reach the presets' threshold).
"""

import json
import os
import tempfile
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import _example_args  # noqa: E402  (examples/ is on sys.path)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from scipy import optimize, sparse  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from spikencg import (  # noqa: E402
    SoftHebbFeatures,
    SpikingReadoutClassifier,
    TTFSEncoder,
    load_features,
    save_features,
)
from spikencg.datasets import load_mnist  # noqa: E402
from spikencg.presets import load_preset  # noqa: E402

CONFIGS = ("s2stdp+ncg", "s2stdp")


def options(p):
    """The example's own command-line options."""
    p.add_argument("--data-dir", default=None, help="folder of the IDX files (default: "
                   "$SPIKENCG_DATA, ~/spikencg_data, ../shared/data beside the repository "
                   "or the current folder)")
    p.add_argument("--cache-dir", default=None,
                   help="where features are cached (default: OUTPUT_DIR/feature_cache)")
    p.add_argument("--configs", default=",".join(CONFIGS),
                   help="comma-separated SoftHebb-CNN/F-MNIST presets ('' for none)")
    p.add_argument("--max-iter", type=int, default=None,
                   help="max epochs of the readouts (default: the preset's, 100)")
    p.add_argument("--svc-C", default="0.0003,0.001,0.003,0.01",
                   help="comma-separated C values of the linear SVM (the best on the "
                   "validation split is refitted on all training images)")
    p.add_argument("--svc-max-iter", type=int, default=500,
                   help="L-BFGS iterations of each linear SVM fit")
    p.add_argument("--no-svc", action="store_true", help="skip the linear SVM")
    p.add_argument("--verbose", action="store_true",
                   help="progress of the extractor and one line per readout epoch")
    p.add_argument("--seed", type=int, default=0)


def extract(args, X_tr, X_te, params):
    """Fit the extractor on ``X_tr`` and transform both sets, or read the cache."""
    ext = SoftHebbFeatures(**params, random_state=args.seed)
    given = json.loads(json.dumps(ext.get_params()))
    ext.set_params(verbose=int(args.verbose))
    key = (f"fmnist_softhebb_{'-'.join(map(str, ext.n_maps))}_n{len(X_tr)}_t{len(X_te)}"
           f"_seed{args.seed}")
    cache = Path(args.cache_dir)
    files = [cache / f"{key}_{part}.npz" for part in ("train", "test", "filters")]
    if all(f.is_file() for f in files):
        F_tr, _, meta = load_features(files[0])
        stored = json.loads(meta["params"])
        if "max_iter" not in stored and "n_epochs" in stored:
            # cached before ``max_iter`` replaced ``n_epochs`` (the same features)
            stored.update(max_iter=stored["n_epochs"], n_epochs="deprecated")
        if stored == given:
            F_te = load_features(files[1])[0]
            filters = load_features(files[2])[0]
            print(f"features read from the cache {files[0]} / {files[1]}")
            return F_tr, F_te, filters
        print("the cache holds other extractor parameters: recomputing")
    t0 = time.perf_counter()
    ext.fit(X_tr)
    t_fit = time.perf_counter() - t0
    F_tr = ext.transform(X_tr)
    t_tr = time.perf_counter() - t0 - t_fit
    F_te = ext.transform(X_te)
    t_te = time.perf_counter() - t0 - t_fit - t_tr
    print(f"extractor: fit on {len(X_tr)} images in {t_fit:.0f} s ({ext.n_updates_} "
          f"mini-batches), transform of {len(X_tr)} + {len(X_te)} images in {t_tr:.0f} + "
          f"{t_te:.0f} s; {F_tr.shape[1]} features, spiking fraction {(F_tr < 1).mean():.3f}")
    cache.mkdir(parents=True, exist_ok=True)
    meta = dict(params=json.dumps(given), extractor="SoftHebbFeatures",
                fit_seconds=round(t_fit, 1), transform_seconds=round(t_tr + t_te, 1))
    save_features(files[0], F_tr, **meta)
    save_features(files[1], F_te, **meta)
    save_features(files[2], ext.filters_[0], **meta)
    print(f"features cached in {files[0]} / {files[1]}")
    return F_tr, F_te, ext.filters_[0]


def plot_filters(filters, path):
    """Draw first-block filters (maps, channels, k, k) in a grid, each scaled to its range."""
    n = filters.shape[0]
    cols = min(n, 12)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.8, rows * 0.8), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < n:
            f = filters[i].transpose(1, 2, 0)
            f = (f - f.min()) / max(float(f.max() - f.min()), 1e-12)
            ax.imshow(f[:, :, 0] if f.shape[2] == 1 else f, cmap="gray")
    fig.suptitle(f"SoftHebb-CNN: the {n} first-block filters (Fashion-MNIST)")
    fig.savefig(path, dpi=80)
    plt.close(fig)


def linear_svm(F, y, C, weights=None, max_iter=500):
    """LinearSVC's problem (squared hinge, L2, one-vs-rest, regularised intercept) by L-BFGS.

    Minimises, for each class ``c`` with targets ``s = +-1``,
    ``(||w_c||^2 + b_c^2) / 2 + C * sum_i weights_i * max(0, 1 - s_i (F_i w_c + b_c))^2``
    with float32 products (``F`` is never copied; ``weights`` of 0 leave samples out).
    Returns ``(W, b, classes)``.
    """
    keep = slice(None) if weights is None else weights > 0
    classes = np.unique(y[keep])
    S = np.where(y[:, None] == classes[None, :], 1.0, -1.0).astype(np.float32)
    if weights is not None:
        S *= np.asarray(weights, np.float32)[:, None]  # s_i^2 w_i = w_i for w_i in {0, 1}
    n, d = F.shape
    k = len(classes)

    def loss_grad(theta):
        W = theta[:d * k].reshape(d, k)
        b = theta[d * k:]
        M = F @ W.astype(np.float32) + b.astype(np.float32)
        V = np.maximum(np.float32(0.0), np.abs(S) - S * M)  # 0 where the weight is 0
        G = (-2.0 * C) * (S * V)
        grad = np.concatenate([(F.T @ G).astype(np.float64).ravel() + theta[:d * k],
                               G.sum(axis=0, dtype=np.float64) + b])
        return 0.5 * theta @ theta + C * np.square(V, dtype=np.float64).sum(), grad

    res = optimize.minimize(loss_grad, np.zeros(d * k + k), jac=True, method="L-BFGS-B",
                            options=dict(maxiter=max_iter, maxcor=20))
    return res.x[:d * k].reshape(d, k).astype(np.float32), res.x[d * k:], classes


def svm_accuracy(model, F, y, rows=None):
    W, b, classes = model
    pred = classes[np.argmax(F @ W + b.astype(np.float32), axis=1)]
    rows = slice(None) if rows is None else rows
    return float(np.mean(pred[rows] == y[rows]))


def run_svm(args, F_tr, y_tr, F_te, y_te, fit_idx, val_idx):
    """Choose C on the validation split, refit on all training images, score the test."""
    t0 = time.perf_counter()
    Cs = [float(c) for c in args.svc_C.split(",")]
    scores = {}
    if len(Cs) > 1:
        weights = np.zeros(len(y_tr))
        weights[fit_idx] = 1.0
        for C in Cs:
            model = linear_svm(F_tr, y_tr, C, weights=weights, max_iter=args.svc_max_iter)
            scores[C] = svm_accuracy(model, F_tr, y_tr, val_idx)
            print(f"  linear SVM C={C:g}: validation accuracy {scores[C]:.4f}", flush=True)
    C = max(scores, key=scores.get) if scores else Cs[0]
    acc = svm_accuracy(linear_svm(F_tr, y_tr, C, max_iter=args.svc_max_iter), F_te, y_te)
    print(f"linear SVM (LinearSVC's problem, C={C:g}) on all {len(F_tr)} training images: "
          f"test accuracy {acc:.4f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    return acc


def _dump(folder, name, enc, F, rows, chunk=2000):
    """Encode rows ``rows`` of ``F`` chunk by chunk into memory-mapped CSR arrays."""
    nnz = sum(int(np.count_nonzero(F[rows[i:i + chunk]] < 1.0))
              for i in range(0, len(rows), chunk))
    data = np.lib.format.open_memmap(Path(folder) / f"{name}_data.npy", "w+", np.float64,
                                     (nnz,))
    indices = np.lib.format.open_memmap(Path(folder) / f"{name}_indices.npy", "w+",
                                        np.int32, (nnz,))
    indptr = np.zeros(len(rows) + 1, np.int64)
    at = 0
    for i in range(0, len(rows), chunk):
        S = enc.transform(F[rows[i:i + chunk]])
        data[at:at + S.nnz] = S.data
        indices[at:at + S.nnz] = S.indices
        indptr[i + 1:i + 1 + S.shape[0]] = at + S.indptr[1:]
        at += S.nnz
    data.flush()
    indices.flush()
    # copy-on-write maps: writeable arrays (as the readout's kernels take them, which
    # never write), so the readouts share the file's pages instead of copying them
    return (np.load(Path(folder) / f"{name}_data.npy", mmap_mode="c"),
            np.load(Path(folder) / f"{name}_indices.npy", mmap_mode="c"), indptr,
            (len(rows), F.shape[1]))


def _spikes(arrays):
    data, indices, indptr, shape = arrays
    return sparse.csr_matrix((data, indices, indptr), shape=shape)


def _train_readout(config, params, fit, y_fit, val, y_val, test, y_te):
    t0 = time.perf_counter()
    clf = SpikingReadoutClassifier(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(_spikes(fit), y_fit, X_val=_spikes(val), y_val=y_val)
    return dict(config=config, epochs=int(clf.n_iter_),
                best_val=float(np.max(clf.validation_accuracy_)),
                last_val=float(clf.validation_accuracy_[-1]),
                test=float(clf.score(_spikes(test), y_te)), seconds=time.perf_counter() - t0)


def readout_params(config, args, quick):
    preset = load_preset(f"SoftHebb-CNN/F-MNIST/{config}")
    params = {k: v for k, v in preset.items() if not k.startswith("_")}
    if args.max_iter is not None:
        params["max_iter"] = args.max_iter
    if quick:  # 576 features cannot reach the presets' threshold of 1,100
        params.update(max_iter=args.max_iter or 3, threshold="auto")
    params.update(early_stopping=True, n_iter_no_change=preset.get("_patience", 10),
                  restore_best=False, random_state=args.seed)
    return params


def run_readouts(args, configs, features, y_tr, y_te, fit_idx, val_idx):
    """Encode the features (memory-mapped spike lists) and train the readouts in parallel.

    ``features`` is the list ``[F_tr, F_te]``, emptied once the spike lists are written.
    """
    F_tr, F_te = features
    enc = TTFSEncoder().fit(F_tr[:1])
    Path(args.cache_dir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.cache_dir) as tmp:
        fit = _dump(tmp, "fit", enc, F_tr, fit_idx)
        val = _dump(tmp, "val", enc, F_tr, val_idx)
        test = _dump(tmp, "test", enc, F_te, np.arange(len(F_te)))
        features.clear()
        del F_tr, F_te
        print(f"spike lists: {fit[0].shape[0] / fit[3][0]:.0f} spikes per training sample "
              f"on average (of {fit[3][1]} inputs)", flush=True)
        runs = Parallel(n_jobs=args.n_jobs)(
            delayed(_train_readout)(c, {**readout_params(c, args, args.quick),
                                        "verbose": int(args.verbose)},
                                    fit, y_tr[fit_idx], val, y_tr[val_idx], test, y_te)
            for c in configs)
    for r in runs:
        print(f"{r['config']} (preset SoftHebb-CNN/F-MNIST/{r['config']}): test accuracy "
              f"{r['test']:.4f}; {r['epochs']} epochs, validation best "
              f"{r['best_val']:.4f}, last {r['last_val']:.4f} ({r['seconds']:.0f} s)")


def main(argv=None):
    """Run the example: extract, read out, print the accuracies, save the picture.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments (see the module docstring); None: ``sys.argv[1:]``.
    """
    args = _example_args.parse_args(__doc__.splitlines()[0], argv, jobs="readouts",
                                    options=options)
    out = Path(args.output_dir)
    if args.cache_dir is None:
        args.cache_dir = str(out / "feature_cache")
    t_start = time.perf_counter()
    beside = Path(__file__).resolve().parents[2] / "shared" / "data"
    if args.data_dir is None and not os.environ.get("SPIKENCG_DATA") and beside.is_dir():
        args.data_dir = str(beside)
    X_tr, y_tr = load_mnist(args.data_dir, name="fashion-mnist", subset="train")
    X_te, y_te = load_mnist(args.data_dir, name="fashion-mnist", subset="test")
    params = {}
    if args.quick:
        X_tr, y_tr, X_te, y_te = X_tr[:600], y_tr[:600], X_te[:200], y_te[:200]
        params = dict(n_maps=(16, 32, 64))
        args.svc_C = args.svc_C.split(",")[-1]
        args.svc_max_iter = min(args.svc_max_iter, 100)
    print(f"data: {len(X_tr)} training, {len(X_te)} test images")
    F_tr, F_te, filters = extract(args, X_tr, X_te, params)
    plot_filters(filters, out / "softhebb_filters.png")
    # the readouts' split: 90 % to train on, 10 % for early stopping (stratified)
    fit_idx, val_idx = train_test_split(np.arange(len(y_tr)), test_size=0.1, stratify=y_tr,
                                        random_state=args.seed)
    if not args.no_svc:
        run_svm(args, F_tr, y_tr, F_te, y_te, fit_idx, val_idx)
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    if configs:
        features = [F_tr, F_te]
        del F_tr, F_te  # freed once encoded
        run_readouts(args, configs, features, y_tr, y_te, fit_idx, val_idx)
    print(f"wall time: {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
