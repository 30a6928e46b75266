"""The paper's Table 1 and ablation study: K-fold runs of every dataset x extractor x preset.

:func:`run_table1` (the command ``spikencg table1``) runs the paper's protocol for any
subset of datasets (:data:`DATASETS`), feature extractors (:data:`EXTRACTORS`) and
configurations (presets, or the groups of :data:`CONFIG_GROUPS`):

1. the images are loaded and turned into first-spike features by the extractor, which is
   trained without labels either once on the training images (``extractor_mode="once"``)
   or, as in the original protocol, on each fold's training part with ``random_state =
   fold`` (``"per-fold"``); the features are cached on disk as spike lists;
2. the training images are split into K stratified folds (shuffled with ``seed``); for
   each fold, a readout with the preset's parameters, untouched, is trained on the other
   folds, its held-out fold driving early stopping (the preset's patience, last model
   kept), and scored on the official test set;
3. each fold's result is written to ``OUTPUT/runs/<dataset>/<extractor>/<mode>/<config>/
   fold_<k>.json`` as soon as it is done: an interrupted run resumes with the folds not
   yet done (a fold file counts only when it was made with the same parameters, data,
   seed and number of folds);
4. :func:`collect_results` gathers every fold file of the output folder into one row per
   cell (mean and std of the test accuracies, with the paper's values beside them),
   written by :func:`write_results` as ``table1.csv``, ``table1.md`` and, with matplotlib,
   ``table1.png`` (and ``ablation.md``, ``ablation.png``, ``competition.png`` when
   ablation cells are present).

New extractors plug in by name with :func:`register_extractor`.
"""

import hashlib
import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import _parallel
from ._results import (
    read_json_or_none,
    table1_fold_path,
    table1_fold_paths,
    write_csv,
    write_json,
)

__all__ = [
    "ABLATION",
    "CONFIG_GROUPS",
    "DATASETS",
    "EXTRACTORS",
    "PAPER_RESULTS",
    "ablation_rows",
    "collect_results",
    "competition_runs",
    "config_label",
    "expand_configs",
    "import_features",
    "load_table_dataset",
    "markdown_table",
    "register_extractor",
    "run_table1",
    "write_results",
]

# version of the protocol implemented by the runs (part of every fold's key: a change
# that alters results must increase it, so that older fold files are redone)
_PROCEDURE = 1

# --------------------------------------------------------------------------------------
# datasets
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dataset:
    """A dataset of the table: its loader and the name its presets use."""

    name: str
    preset: str  # the dataset's part of the preset names ("F-MNIST", ...)
    label: str  # the name shown in tables
    family: str  # "mnist" (IDX files) or "cifar" (python pickles)
    loader_name: str  # name given to load_mnist / load_cifar


#: The datasets of the table, by command-line name.
DATASETS = {
    "mnist": _Dataset("mnist", "MNIST", "MNIST", "mnist", "mnist"),
    "fashion-mnist": _Dataset("fashion-mnist", "F-MNIST", "Fashion-MNIST", "mnist",
                              "fashion-mnist"),
    "cifar10": _Dataset("cifar10", "CIFAR10", "CIFAR-10", "cifar", "cifar10"),
    "cifar100": _Dataset("cifar100", "CIFAR100", "CIFAR-100", "cifar", "cifar100"),
}


def _dataset(name):
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; the datasets are "
                         f"{', '.join(DATASETS)}.")
    return DATASETS[name]


def load_table_dataset(name, data_dir=None, *, train_samples=None, test_samples=None,
                       seed=0):
    """Training and test images of one of the table's datasets.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS` (``"mnist"``, ``"fashion-mnist"``, ``"cifar10"``,
        ``"cifar100"``).
    data_dir : str or path-like, default=None
        Where the files are (see :func:`spikencg.datasets.load_mnist` and
        :func:`spikencg.datasets.load_cifar`); None: the default folders.
    train_samples : int, default=None
        Keep a stratified subset of this many training images (drawn with ``seed``);
        None: all.
    test_samples : int, default=None
        Keep the first this many test images; None: all.
    seed : int, default=0
        Seed of the training subset.

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarrays
        Images (``(n, 28, 28)`` or ``(n, 3, 32, 32)``, uint8) and labels.

    Raises
    ------
    ValueError
        For an unknown dataset or a subset size < 1.
    FileNotFoundError
        If the dataset's files are not found.
    """
    from sklearn.model_selection import train_test_split

    from .datasets import load_cifar, load_mnist

    ds = _dataset(name)
    for what, n in (("train_samples", train_samples), ("test_samples", test_samples)):
        if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer))
                              or n < 1):
            raise ValueError(f"{what} must be an integer >= 1 or None, got {n!r}.")
    load = load_mnist if ds.family == "mnist" else load_cifar
    X, y = load(data_dir, name=ds.loader_name, subset="train")
    X_te, y_te = load(data_dir, name=ds.loader_name, subset="test")
    if train_samples is not None and train_samples < len(y):
        X, _, y, _ = train_test_split(X, y, train_size=int(train_samples), stratify=y,
                                      random_state=seed)
    if test_samples is not None:
        X_te, y_te = X_te[: int(test_samples)], y_te[: int(test_samples)]
    return X, y, X_te, y_te


# --------------------------------------------------------------------------------------
# extractors
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Extractor:
    name: str
    factory: object  # callable(dataset_name, random_state) -> unfitted transformer
    description: str = ""
    presets: str = ""  # the extractor part of the readout presets' names
    prepare: object = None  # callable(images) -> the images as the extractor takes them


#: Feature extractors by name (:func:`register_extractor` adds one).
EXTRACTORS = {}


def register_extractor(name, factory, description="", *, presets=None, prepare=None):
    """Make a feature extractor available to :func:`run_table1` under ``name``.

    Parameters
    ----------
    name : str
        Name used on the command line and in the preset names
        (``"<name>/<dataset>/<config>"``: the readout presets of this extractor).
    factory : callable
        ``factory(dataset, random_state)`` returns an unfitted transformer (``fit(X)``
        without labels, ``transform(X)`` to first-spike times in ``[0, 1]``, 1 = no
        spike) for the images of the dataset named ``dataset`` (a key of
        :data:`DATASETS`). It may raise ``ValueError`` for a dataset it does not handle.
    description : str, default=""
        One line shown by ``spikencg table1 --list``.
    presets : str, default=None
        Whose readout presets the cells use: ``"<presets>/<dataset>/<config>"``
        (e.g. ``"STDP-CSNN"`` for a variant of that extractor); None: ``name``.
    prepare : callable, default=None
        ``prepare(images)`` returns the images as the extractor takes them, from the
        arrays of :func:`load_table_dataset` (grey-level ``(n, 28, 28)``, colour
        ``(n, 3, 32, 32)`` channel-first); None: unchanged.

    Raises
    ------
    TypeError
        If ``name`` is not a non-empty string or ``factory`` is not callable.
    """
    if not isinstance(name, str) or not name or "/" in name:
        raise TypeError(f"name must be a non-empty string without '/', got {name!r}.")
    if not callable(factory):
        raise TypeError(f"factory must be callable, got {type(factory).__name__}.")
    if presets is not None and (not isinstance(presets, str) or not presets):
        raise TypeError(f"presets must be a non-empty string or None, got {presets!r}.")
    if prepare is not None and not callable(prepare):
        raise TypeError(f"prepare must be callable or None, got {type(prepare).__name__}.")
    EXTRACTORS[name] = _Extractor(name, factory, description, presets or name, prepare)


def _stdp_csnn(dataset, random_state):
    from .features import STDPConvFeatures

    # the paper's target firing times: 0.75 for MNIST, 0.80 for Fashion-MNIST (and, not
    # given for CIFAR, 0.80 there too); all else the extractor's defaults (fitted on a
    # random subset of 10,000 training images; colour images: patch whitening)
    return STDPConvFeatures(target_time=0.75 if dataset == "mnist" else 0.8,
                            random_state=random_state)


def _softhebb_cnn(dataset, random_state):
    try:
        from . import SoftHebbFeatures
    except ImportError:
        raise ValueError("the SoftHebb-CNN extractor needs spikencg.SoftHebbFeatures, "
                         "which this version of spikencg does not have.") from None
    return SoftHebbFeatures(random_state=random_state)


register_extractor("STDP-CSNN", _stdp_csnn,
                   "STDPConvFeatures: on/off DoG (colour: patch whitening, on/off), 128 "
                   "conv maps 5x5 trained by STDP, first-spike pooling (4,608 features "
                   "on 28x28 images, 6,272 on 32x32x3)")
def _channels_last(images):
    return images.transpose(0, 2, 3, 1) if images.ndim == 4 else images


register_extractor("SoftHebb-CNN", _softhebb_cnn,
                   "SoftHebbFeatures: three SoftHebb conv blocks (13,824 features on "
                   "28x28 images)", prepare=_channels_last)


# --------------------------------------------------------------------------------------
# configurations and the paper's values
# --------------------------------------------------------------------------------------

#: The ablation study (paper, section 5.3): label -> preset configuration.
ABLATION = {
    "M-1": "s2stdp",
    "M-5": "s2stdp+ncg-no-cr-no-nt",
    "M-5+CR-1": "s2stdp+ncg-cr-1-thr-no-nt",
    "M-5+CR-2": "s2stdp+ncg-no-nt",
    "M-5+CR-1+L": "s2stdp+ncg-cr-1-thr",
    "M-5+CR-2+L": "s2stdp+ncg",
    "M-5+Drop+L": "s2stdp+ncg-cr-drop",
}

_LABELS = {"s2stdp+ncg": "S2-STDP+NCG", "sstdp+ncg": "SSTDP+NCG", "s2stdp": "S2-STDP",
           "sstdp": "SSTDP", "rstdp-5n": "R-STDP (5 n/class)",
           "rstdp-20n": "R-STDP (20 n/class)"}

#: Named groups of configurations accepted by ``--configs``.
CONFIG_GROUPS = {
    "main": ["s2stdp+ncg", "sstdp+ncg", "s2stdp", "sstdp"],
    "table1": ["s2stdp+ncg", "sstdp+ncg", "s2stdp", "sstdp", "rstdp-5n", "rstdp-20n"],
    "rstdp": ["rstdp-5n", "rstdp-20n"],
    "ablation": list(ABLATION.values()),
}

_NCG = "NCG paper, Table 1"
_S2 = "S2-STDP paper (older STDP-CSNN features)"


def _paper_values():
    """The published accuracies of ``data/paper_results.json``, as fractions."""
    from importlib import resources

    text = (resources.files("spikencg") / "data" / "paper_results.json").read_text(
        encoding="utf-8")
    rows = {}
    for source, table in json.loads(text).items():
        if source.startswith("_"):
            continue
        for cell, values in table["cells"].items():
            ds, config = cell.split("/")
            for ext, (m, s) in zip(table["extractors"], values, strict=True):
                rows[(ds, ext, config)] = (m / 100, s / 100, source)
    return rows


#: The published accuracies (fractions): ``(dataset, extractor, config) -> (mean, std,
#: source)``; from the NCG paper's Table 1 (Fashion-MNIST, CIFAR-10, CIFAR-100), and for
#: a few cells it does not give, the S2-STDP paper's values on older features.
PAPER_RESULTS = _paper_values()


def config_label(config):
    """The name the paper gives a configuration (``"S2-STDP+NCG"``, ``"M-5+CR-2"``, ...).

    Parameters
    ----------
    config : str
        A preset's configuration name, e.g. ``"s2stdp+ncg-no-nt"``.

    Returns
    -------
    label : str
        Its name in the paper's tables, or ``config`` itself when it has none.
    """
    if config in _LABELS:
        return _LABELS[config]
    for label, c in ABLATION.items():
        if c == config:
            return label
    return config


def expand_configs(configs):
    """Configuration names from a list of names and group names.

    Parameters
    ----------
    configs : str or list of str
        Comma-separated text or a list; each item a configuration (``"s2stdp+ncg"``) or
        a key of :data:`CONFIG_GROUPS` (``"main"``, ``"table1"``, ``"rstdp"``,
        ``"ablation"``).

    Returns
    -------
    names : list of str
        The configurations, in order, without repeats.

    Raises
    ------
    ValueError
        If no configuration is given.
    """
    if isinstance(configs, str):
        configs = configs.split(",")
    out = []
    for item in configs:
        item = item.strip()
        for c in CONFIG_GROUPS.get(item, [item] if item else []):
            if c not in out:
                out.append(c)
    if not out:
        raise ValueError("no configuration given (e.g. 'main', 'ablation' or "
                         "'s2stdp+ncg,s2stdp').")
    return out


# --------------------------------------------------------------------------------------
# features: extraction and cache
# --------------------------------------------------------------------------------------


def _hash(obj, n=16):
    text = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:n]


_PARTS = ("data", "indices", "indptr")


def _encode_float32(enc, F, rows=4096):
    """``enc.transform(F)`` as CSR arrays with float32 times (the extractors' times are
    float32, so exact), encoded block of rows by block of rows into arrays allocated
    once: 8 bytes per spike at most, where the whole float64 spike list would take 12
    and its float32 copy 8 more (13 GB for the SoftHebb-CNN features of 60,000 images).

    Returns
    -------
    data : ndarray of float32
    indices : ndarray of int32
    indptr : ndarray of int64
    """
    n = F.shape[0]
    indptr = np.zeros(n + 1, dtype=np.int64)
    for lo in range(0, n, rows):  # first pass: the spikes per row (encoded twice: a
        # small part of an extraction, and no growing arrays)
        S = enc.transform(F[lo : lo + rows])
        indptr[lo + 1 : lo + 1 + S.shape[0]] = np.diff(S.indptr)
    np.cumsum(indptr, out=indptr)
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    for lo in range(0, n, rows):  # second pass: the spikes
        S = enc.transform(F[lo : lo + rows])
        a, b = indptr[lo], indptr[lo + S.shape[0]]
        data[a:b] = S.data
        indices[a:b] = S.indices
    return data, indices, indptr


def _save_spike_arrays(folder, name, arrays, y):
    """Write a spike list's CSR arrays (``(data, indices, indptr)``, float32 times) and
    its labels as .npy files."""
    data, indices, indptr = arrays
    np.save(folder / f"{name}_data.npy", np.asarray(data, dtype=np.float32))
    np.save(folder / f"{name}_indices.npy", np.asarray(indices, dtype=np.int32))
    np.save(folder / f"{name}_indptr.npy", np.asarray(indptr, dtype=np.int64))
    np.save(folder / f"{name}_y.npy", np.asarray(y))


def _spike_set(folder, name, mmap=True):
    """``(X, y)`` read back from :func:`_save_spike_arrays` files (X: CSR of float32
    times, memory-mapped unless ``mmap`` is false)."""
    from scipy import sparse

    mode = "r" if mmap else None
    data, indices, indptr = (np.load(folder / f"{name}_{p}.npy", mmap_mode=mode)
                             for p in _PARTS)
    y = np.load(folder / f"{name}_y.npy")
    shape = (len(indptr) - 1, int(json.loads((folder / "meta.json").read_text())
                                  ["n_features"]))
    return sparse.csr_matrix((data, indices, indptr), shape=shape), y


def _extractor_params(est):
    """The extractor's parameters as the feature cache's keys and metadata hold them."""
    return _cache_params(json.loads(json.dumps(est.get_params(), default=str)))


def _cache_params(params):
    """Extractor parameters written under the names and conventions they had when the
    feature cache's keys were first made, so that the features cached before spikencg
    0.2 renamed them (and the fold results made from those) keep their keys: the epochs
    as ``n_epochs``, STDPConvFeatures' ``a_minus`` as the size of the depression (> 0).
    Parameters written that way already (no ``max_iter``) are returned unchanged."""
    params = dict(params)
    if "max_iter" not in params:
        return params
    epochs = params.pop("max_iter")
    if params.get("n_epochs") == "deprecated":  # (else the former name, given, wins)
        params["n_epochs"] = epochs
    a_minus = params.get("a_minus")
    if isinstance(a_minus, (int, float)) and not isinstance(a_minus, bool) and a_minus <= 0:
        params["a_minus"] = 0.0 - a_minus  # (> 0: the former convention, given, stays)
    return params


def _feature_job(cache, dataset, extractor, y, y_te, *, fit_idx, random_state, tag):
    """The extractor to fit, its cache folder and key (nothing is computed)."""
    est = EXTRACTORS[extractor].factory(dataset, random_state)
    params = _extractor_params(est)
    key = _hash({"dataset": dataset, "extractor": extractor, "params": params,
                 "class": type(est).__name__, "tag": tag,
                 "train": [int(len(y)), _hash(np.asarray(y).tolist())],
                 "test": [int(len(y_te)), _hash(np.asarray(y_te).tolist())],
                 "fit": _hash(np.asarray(fit_idx).tolist())})
    folder = Path(cache) / f"{dataset}_{extractor}_{tag}_{key}"
    return est, folder, key


def _features(job, dataset, extractor, X, y, X_te, y_te, *, fit_idx, tag, verbose):
    """Fit the extractor on ``X[fit_idx]`` and encode both sets, or read the cache.

    Returns the extraction's meta data (the cache folder holds ``train_*.npy``,
    ``test_*.npy`` and ``meta.json``, written last).
    """
    from .encoding import TTFSEncoder

    est, folder, key = job
    meta = read_json_or_none(folder / "meta.json")
    if isinstance(meta, dict) and meta.get("key") == key:
        if verbose:
            print(f"  features of {dataset} / {extractor} ({tag}) read from {folder}",
                  flush=True)
        return meta
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if verbose:
        print(f"  {extractor}: fitting on {len(fit_idx)} {dataset} training images "
              f"({tag}) ...", flush=True)
    prepare = EXTRACTORS[extractor].prepare or (lambda images: images)
    est.fit(prepare(X[fit_idx]))
    t_fit = time.perf_counter() - t0
    F = est.transform(prepare(X))
    enc = TTFSEncoder().fit(F)
    S = _encode_float32(enc, F)
    n_features = int(F.shape[1])
    del F
    S_te = _encode_float32(enc, est.transform(prepare(X_te)))
    seconds = time.perf_counter() - t0
    _save_spike_arrays(folder, "train", S, y)
    _save_spike_arrays(folder, "test", S_te, y_te)
    meta = {"dataset": dataset, "extractor": extractor, "class": type(est).__name__,
            "params": _extractor_params(est), "tag": tag, "n_features": n_features,
            "n_train": int(len(y)), "n_test": int(len(y_te)), "n_fit": int(len(fit_idx)),
            "firing_fraction": float(S[0].shape[0] / max(1, len(y) * n_features)),
            "fit_seconds": t_fit, "seconds": seconds, "key": key}
    write_json(folder / "meta.json", meta)
    if verbose:
        print(f"  {extractor}: {n_features} features, {meta['firing_fraction']:.1%} of "
              f"them spike; fit {t_fit:.0f} s, fit + transform of {len(y) + len(y_te)} "
              f"images {seconds:.0f} s; cached in {folder}", flush=True)
    return meta


def import_features(cache_dir, dataset, extractor, train_file, test_file, *,
                    data_dir=None, seed=0):
    """Put features computed elsewhere into the cache of :func:`run_table1`.

    For features already extracted (and saved with
    :func:`~spikencg.features.save_features`) by the extractor that ``run_table1`` would
    fit in ``extractor_mode="once"`` on all the training images of ``dataset``, with the
    same parameters and ``random_state = seed``: they are encoded and stored where
    ``run_table1`` looks for them, so that it does not extract them again.

    Parameters
    ----------
    cache_dir : str or path-like
        The feature cache of the runs (``OUTPUT_DIR/cache`` by default).
    dataset : str
        A key of :data:`DATASETS`.
    extractor : str
        A key of :data:`EXTRACTORS`.
    train_file, test_file : str or path-like
        Features of the training images and of the test images, in the datasets' order,
        saved with the extractor's parameters as the metadata ``params`` (a JSON text).
    data_dir : str or path-like, default=None
        Where the dataset's files are (for its labels).
    seed : int, default=0
        The ``seed`` of the runs (the extractor's ``random_state``).

    Returns
    -------
    folder : pathlib.Path
        The cache folder written.

    Raises
    ------
    ValueError
        If the files' parameters are not those of the registered extractor, or their
        numbers of samples are not those of the dataset.
    """
    from .encoding import TTFSEncoder
    from .features import load_features

    _dataset(dataset)
    if extractor not in EXTRACTORS:
        raise ValueError(f"unknown extractor {extractor!r}; the extractors are "
                         f"{', '.join(EXTRACTORS)}.")
    _, y, _, y_te = load_table_dataset(dataset, data_dir, seed=seed)
    job = _feature_job(cache_dir, dataset, extractor, y, y_te, fit_idx=np.arange(len(y)),
                       random_state=seed, tag="once")
    est, folder, key = job
    want = _extractor_params(est)
    F, _, meta_tr = load_features(train_file)
    F_te, _, meta_te = load_features(test_file)
    for name, meta, X, n in (("train_file", meta_tr, F, len(y)),
                             ("test_file", meta_te, F_te, len(y_te))):
        got = json.loads(meta.get("params", "null"))
        got = _cache_params(got) if isinstance(got, dict) else got
        if got != want:
            diff = sorted(k for k in set(want) | set(got or {})
                          if (got or {}).get(k) != want.get(k))
            raise ValueError(f"{name}: features of other extractor parameters than the "
                             f"registered {extractor!r} (differing: {', '.join(diff)}).")
        if X.shape[0] != n:
            raise ValueError(f"{name} holds {X.shape[0]} samples, {dataset} has {n}.")
    folder.mkdir(parents=True, exist_ok=True)
    enc = TTFSEncoder().fit(F)
    S, S_te = _encode_float32(enc, F), _encode_float32(enc, F_te)
    _save_spike_arrays(folder, "train", S, y)
    _save_spike_arrays(folder, "test", S_te, y_te)
    seconds = sum(float(meta_tr.get(k, 0.0)) for k in ("fit_seconds", "transform_seconds"))
    meta = {"dataset": dataset, "extractor": extractor, "class": type(est).__name__,
            "params": want, "tag": "once", "n_features": int(F.shape[1]),
            "n_train": int(len(y)), "n_test": int(len(y_te)), "n_fit": int(len(y)),
            "firing_fraction": float(S[0].shape[0] / max(1, F.shape[0] * F.shape[1])),
            "fit_seconds": float(meta_tr.get("fit_seconds", 0.0)), "seconds": seconds,
            "key": key, "imported_from": [str(train_file), str(test_file)]}
    write_json(folder / "meta.json", meta)
    return folder


# --------------------------------------------------------------------------------------
# one fold
# --------------------------------------------------------------------------------------


def _readout_params(extractor, dataset, config, max_iter):
    """The preset's estimator parameters and patience (``max_iter`` overrides its
    epochs: for quick runs only, recorded in the results)."""
    from .presets import load_preset

    preset = load_preset(f"{EXTRACTORS[extractor].presets}/{_dataset(dataset).preset}/"
                         f"{config}")
    params = {k: v for k, v in preset.items() if not k.startswith("_")}
    patience = int(preset.get("_patience", 10))
    if max_iter is not None:
        params["max_iter"] = int(max_iter)
    return params, patience


def _run_fold(task):
    """Train and score one fold's readout; write its result file. Runs in a worker."""
    from sklearn.exceptions import ConvergenceWarning

    from .readout import SpikingReadoutClassifier
    from .spikes import float64_csr

    folder = Path(task["features"])
    S, y = _spike_set(folder, "train")
    S_te, y_te = _spike_set(folder, "test")
    tr, va = np.asarray(task["train_idx"]), np.asarray(task["val_idx"])
    # Table 1 trains with the original framework's arithmetic, bit for bit (part of the
    # procedure, so not of the fold keys: every fold before the parameter existed was
    # trained that way); a preset that names the arithmetic wins
    params = {"arithmetic": "original", **task["params"]}
    stopping = ({"early_stopping": True, "n_iter_no_change": task["patience"]}
                if task["patience"] else {"early_stopping": False})
    clf = SpikingReadoutClassifier(**params, **stopping, restore_best=False,
                                   random_state=task["random_state"])
    t0 = time.perf_counter()
    # (float64 times, each row kept in time order: see float64_csr)
    X_tr, X_va = float64_csr(S[tr]), float64_csr(S[va])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_tr, y[tr], X_val=X_va, y_val=y[va])
    seconds = time.perf_counter() - t0
    del X_tr
    test_acc = float(clf.score(float64_csr(S_te), y_te))
    result = {
        "key": task["key"], "dataset": task["dataset"], "extractor": task["extractor"],
        "extractor_mode": task["mode"], "config": task["config"], "fold": task["fold"],
        "k": task["k"], "test_accuracy": test_acc,
        "validation_accuracy": float(clf.validation_accuracy_[-1]),
        "validation_history": [round(float(v), 5) for v in clf.validation_accuracy_],
        "epochs": int(clf.n_iter_), "fit_seconds": seconds,
        "random_state": task["random_state"], "params": params,
        "patience": task["patience"], "features": task["features_meta"],
        "neurons_per_class": int(clf.neurons_per_class_),
        "non_target_neurons": int(clf.non_target_neurons_),
        # per epoch and neuron: updates received on samples of the neuron's own class
        # (the paper's Figure 2)
        "updates_own_class": np.asarray(clf.updates_own_class_, dtype=np.int64).tolist(),
        "warnings": sorted({f"{w.category.__name__}: {w.message}" for w in caught}),
    }
    write_json(Path(task["out"]), result)
    return result


# --------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------


@dataclass
class _Plan:
    tasks: list = field(default_factory=list)
    done: int = 0


_available_memory = _parallel.available_memory


def _fold_memory(folder):
    """Estimated peak bytes of one fold's readout on the features in ``folder``: 16
    bytes per spike of the cached training set. A fold copies its training and
    validation rows (float32 times from the cache, then float64: 12 bytes per spike
    kept, 16 while converting)."""
    n_spikes = int(np.load(Path(folder) / "train_indptr.npy", mmap_mode="r")[-1])
    return 16 * n_spikes


def _jobs_for_memory(n_jobs, per_fold, available):
    """The number of readouts that may run at once: at most ``n_jobs``, and as many as
    ``available`` bytes hold, at least one (None: no limit known)."""
    if available is None or per_fold <= 0:
        return n_jobs
    return max(1, min(n_jobs, int(available // per_fold)))


def _limit_jobs(n_jobs, tasks):
    """As many readouts at once as the memory holds (features of 10,000+ inputs: several
    GB of spikes per fold), rather than workers killed by the system; a warning when
    fewer than ``n_jobs``."""
    from joblib import effective_n_jobs

    wanted = min(effective_n_jobs(n_jobs), len(tasks))
    per_fold = max(_fold_memory(f) for f in {t["features"] for t in tasks})
    available = _available_memory()
    n = _jobs_for_memory(wanted, per_fold, available)
    if n < wanted:
        warnings.warn(
            f"table1: {n} readout(s) at a time instead of {wanted} (n_jobs): each fold "
            f"needs about {per_fold / 2**30:.1f} GB and {available / 2**30:.1f} GB are "
            "available.", RuntimeWarning, stacklevel=3)
    return n


def run_table1(output_dir, *, datasets=("fashion-mnist",), extractors=("STDP-CSNN",),
               configs=("main",), folds=10, extractor_mode="once", n_jobs=1,
               data_dir=None, cache_dir=None, train_samples=None, test_samples=None,
               max_iter=None, seed=0, results_dir=None, verbose=True):
    """Run the paper's K-fold protocol for datasets x extractors x configurations.

    Parameters
    ----------
    output_dir : str or path-like
        Folder of the fold results (``runs/``) and, unless ``results_dir`` is given, of
        the tables and pictures. Runs already done there (same parameters, data, seed
        and folds) are not redone.
    datasets : list of str, default=("fashion-mnist",)
        Keys of :data:`DATASETS`.
    extractors : list of str, default=("STDP-CSNN",)
        Keys of :data:`EXTRACTORS`.
    configs : str or list of str, default=("main",)
        Configurations and groups (see :func:`expand_configs`); each is run with the
        preset ``"<extractor>/<dataset>/<config>"``, left as it is. Cells without a
        preset are skipped with a message.
    folds : int, default=10
        Number of stratified folds of the training set (>= 2).
    extractor_mode : {"once", "per-fold"}, default="once"
        ``"once"``: the extractor is trained once on the training images
        (``random_state = seed``); ``"per-fold"`` (the original protocol): on each
        fold's training part, ``random_state = fold``, and each fold's readout sees the
        features of its own extractor (K extractions: K times the time and disk).
    n_jobs : int, default=1
        Readouts trained in parallel (joblib processes; -1: all cores). Fewer run at once
        when the available memory would not hold them (each fold copies its training
        spikes: about 10 GB at its start for the SoftHebb-CNN features of 60,000
        images), with a warning.
    data_dir : str or path-like, default=None
        Folder of the datasets' files (None: the default folders, see
        :func:`spikencg.datasets.data_home`).
    cache_dir : str or path-like, default=None
        Where the features are cached (None: ``output_dir/cache``).
    train_samples, test_samples : int, default=None
        Use a stratified subset of the training images / the first test images (for
        quick runs; None: all).
    max_iter : int, default=None
        Replace the presets' maximum number of epochs (for quick runs; None: the
        preset's, 100).
    seed : int, default=0
        Seed of the folds (shuffled stratified K-fold), of the training subset and of
        the extractor in ``"once"`` mode; fold ``k``'s readout uses ``random_state =
        seed + k``.
    results_dir : str or path-like, default=None
        Where ``table1.csv``, ``table1.md`` and the pictures are written (None:
        ``output_dir``).
    verbose : bool, default=True
        Print progress (and a progress bar).

    Returns
    -------
    rows : list of dict
        One row per cell found in ``output_dir`` (see :func:`collect_results`).

    Raises
    ------
    ValueError
        For an unknown dataset, extractor, mode or option value, or when no cell of the
        request has a preset.
    FileNotFoundError
        If a dataset's files are not found.
    """
    from joblib import Parallel, delayed
    from sklearn.model_selection import StratifiedKFold
    from tqdm.auto import tqdm

    from .presets import list_presets

    datasets = [datasets] if isinstance(datasets, str) else list(datasets)
    extractors = [extractors] if isinstance(extractors, str) else list(extractors)
    configs = expand_configs(configs)
    list(map(_dataset, datasets))  # (unknown names raise)
    for e in extractors:
        if e not in EXTRACTORS:
            raise ValueError(f"unknown extractor {e!r}; the extractors are "
                             f"{', '.join(EXTRACTORS)}.")
    if extractor_mode not in ("once", "per-fold"):
        raise ValueError(f"extractor_mode must be 'once' or 'per-fold', got "
                         f"{extractor_mode!r}.")
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ValueError(f"folds must be an integer >= 2, got {folds!r}.")
    if max_iter is not None and (isinstance(max_iter, bool) or max_iter < 1):
        raise ValueError(f"max_iter must be an integer >= 1 or None, got {max_iter!r}.")
    if n_jobs == 0:
        raise ValueError("n_jobs must be >= 1, or negative (-1: all cores).")
    presets = set(list_presets())
    cells = []
    for d in datasets:
        for e in extractors:
            for c in configs:
                name = f"{EXTRACTORS[e].presets}/{_dataset(d).preset}/{c}"
                if name in presets:
                    cells.append((d, e, c))
                elif verbose:
                    print(f"no preset {name}: cell skipped", flush=True)
    if not cells:
        raise ValueError("none of the requested cells has a preset (see "
                         "spikencg.presets.list_presets()).")
    for d, e, _ in cells:  # a dataset the extractor cannot handle: fail before any work
        EXTRACTORS[e].factory(d, 0)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir) if cache_dir is not None else out / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    plan = _Plan()
    announced = set()
    t_start = time.perf_counter()
    for d in datasets:
        ds_cells = [(e, c) for dd, e, c in cells if dd == d]
        if not ds_cells:
            continue
        X, y, X_te, y_te = load_table_dataset(d, data_dir, train_samples=train_samples,
                                              test_samples=test_samples, seed=seed)
        counts = np.unique(y, return_counts=True)[1]
        if counts.min() < folds:
            raise ValueError(f"{folds} folds need at least {folds} training images per "
                             f"class; {d} has {counts.min()} in its smallest class.")
        splits = list(StratifiedKFold(n_splits=folds, shuffle=True,
                                      random_state=seed).split(np.zeros(len(y)), y))
        if verbose:
            print(f"{d}: {len(y)} training images in {folds} stratified folds, "
                  f"{len(y_te)} test images", flush=True)
        for e in dict.fromkeys(e for e, _ in ds_cells):
            e_configs = [c for ee, c in ds_cells if ee == e]
            for k, (tr, va) in enumerate(splits):
                once = extractor_mode == "once"
                fit_idx = np.arange(len(y)) if once else tr
                tag = "once" if once else f"fold{k}of{folds}"
                job = _feature_job(cache, d, e, y, y_te, fit_idx=fit_idx,
                                   random_state=seed if once else k, tag=tag)
                pending = []
                for c in e_configs:
                    params, patience = _readout_params(e, d, c, max_iter)
                    key = _hash({"params": params, "patience": patience,
                                 "features": job[2], "fold": k, "k": folds,
                                 "seed": seed, "procedure": _PROCEDURE})
                    path = table1_fold_path(out, d, e, extractor_mode, c, k)
                    old = read_json_or_none(path)
                    if isinstance(old, dict) and old.get("key") == key:
                        plan.done += 1
                    else:
                        pending.append((c, params, patience, key, path))
                if not pending:
                    continue
                meta = _features(job, d, e, X, y, X_te, y_te, fit_idx=fit_idx, tag=tag,
                                 verbose=verbose and job[2] not in announced)
                announced.add(job[2])
                fmeta = {x: meta[x] for x in ("key", "n_features", "firing_fraction",
                                              "seconds", "n_fit", "tag")}
                for c, params, patience, key, path in pending:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    plan.tasks.append({
                        "key": key, "dataset": d, "extractor": e, "mode": extractor_mode,
                        "config": c, "fold": k, "k": folds, "params": params,
                        "patience": patience, "random_state": seed + k,
                        "features": str(job[1]), "features_meta": fmeta,
                        "train_idx": tr.tolist(), "val_idx": va.tolist(), "out": str(path),
                    })
    n_jobs = _limit_jobs(n_jobs, plan.tasks) if plan.tasks else n_jobs
    if verbose:
        print(f"table1: {len(cells)} cell(s) x {folds} folds: {plan.done} fold run(s) "
              f"already done, {len(plan.tasks)} to do (n_jobs={n_jobs})", flush=True)
    # longest first (NCG readouts have 5x the neurons), so that the last ones are short
    plan.tasks.sort(key=lambda t: -t["params"].get("neurons_per_class", 1))
    bar = tqdm(total=len(plan.tasks), unit="fold", desc="table1",
               disable=(not verbose) or None)
    try:
        for r in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                delayed(_run_fold)(t) for t in plan.tasks):
            bar.update()
            if verbose:
                bar.write(f"  {r['dataset']} / {r['extractor']} / {r['config']} fold "
                          f"{r['fold']}: test {r['test_accuracy']:.4f}, {r['epochs']} "
                          f"epochs, {r['fit_seconds']:.0f} s")
    finally:
        bar.close()
    rows = collect_results(out)
    write_results(rows, results_dir if results_dir is not None else out)
    if verbose:
        print(f"table1: done in {time.perf_counter() - t_start:.0f} s", flush=True)
        print(markdown_table(rows))
    return rows


# --------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------

_COLUMNS = ["dataset", "extractor", "config", "label", "extractor_mode", "folds", "k",
            "mean", "std", "min", "max", "paper_mean", "paper_std", "paper_source",
            "delta_points", "within_2std", "epochs_mean", "max_iter", "n_features",
            "firing_fraction", "seconds", "extractor_seconds"]


def collect_results(output_dir):
    """Gather the fold results of an output folder into one row per cell.

    Parameters
    ----------
    output_dir : str or path-like
        A folder written by :func:`run_table1` (its ``runs/`` sub-folder).

    Returns
    -------
    rows : list of dict
        Per (dataset, extractor, extractor mode, configuration): ``folds`` (fold results
        found), ``k`` (folds of the protocol), ``mean``, ``std`` (population std, as
        the paper), ``min``, ``max`` of the test accuracies (fractions), the paper's
        ``paper_mean``, ``paper_std`` and ``paper_source`` (None where it gives none),
        ``delta_points`` (mean - paper mean, in points), ``within_2std`` (mean >= paper
        mean - 2 paper std), ``epochs_mean``, ``max_iter``, ``n_features``,
        ``firing_fraction``, ``seconds`` (readout training, summed over folds) and
        ``extractor_seconds`` (feature extraction, summed over the distinct
        extractions). Rows sorted by dataset, extractor, mode and configuration.
    """
    groups, paths = {}, {}
    for path in table1_fold_paths(output_dir):
        r = read_json_or_none(path)
        if not isinstance(r, dict) or not isinstance(r.get("test_accuracy"), float):
            continue
        key = (r["dataset"], r["extractor"], r["extractor_mode"], r["config"])
        groups.setdefault(key, []).append(r)
        paths.setdefault(key, []).append(path)
    order = {d: i for i, d in enumerate(DATASETS)}
    cfg_order = {c: i for i, c in enumerate(dict.fromkeys(CONFIG_GROUPS["table1"]
                                                          + CONFIG_GROUPS["ablation"]))}
    rows = []
    for key in sorted(groups, key=lambda k: (order.get(k[0], 99), k[1], k[2],
                                             cfg_order.get(k[3], 99), k[3])):
        d, e, mode, c = key
        rs = sorted(groups[key], key=lambda r: r["fold"])
        acc = np.array([r["test_accuracy"] for r in rs])
        paper = PAPER_RESULTS.get((d, e, c))
        feats = {r["features"]["key"]: r["features"] for r in rs}
        row = {
            "dataset": d, "extractor": e, "config": c, "label": config_label(c),
            "extractor_mode": mode, "folds": len(rs), "k": rs[0]["k"],
            "mean": float(acc.mean()), "std": float(acc.std()),
            "min": float(acc.min()), "max": float(acc.max()),
            "paper_mean": paper[0] if paper else None,
            "paper_std": paper[1] if paper else None,
            "paper_source": paper[2] if paper else None,
            "delta_points": (round(100 * (acc.mean() - paper[0]), 2) if paper else None),
            "within_2std": (bool(acc.mean() >= paper[0] - 2 * paper[1]) if paper
                            else None),
            "epochs_mean": float(np.mean([r["epochs"] for r in rs])),
            "max_iter": rs[0]["params"].get("max_iter"),
            "n_features": rs[0]["features"]["n_features"],
            "firing_fraction": float(np.mean([f["firing_fraction"] for f in feats.values()])),
            "seconds": float(sum(r["fit_seconds"] for r in rs)),
            "extractor_seconds": float(sum(f["seconds"] for f in feats.values())),
            "fold_accuracies": acc.tolist(),
            "fold_files": [str(p) for p in paths[key]],
        }
        rows.append(row)
    return rows


def _fmt(mean, std):
    return f"{100 * mean:.2f} ± {100 * std:.2f}"


def markdown_table(rows, *, ablation=False):
    """A Markdown table of result rows, the paper's values beside the measured ones.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`collect_results`.
    ablation : bool, default=False
        Only the rows of the ablation study (:func:`ablation_rows`), labelled as in
        the paper (M-1, M-5, ...); otherwise every row but those of the configurations
        that only the ablation study has (M-5, M-5+CR-1, ...).

    Returns
    -------
    text : str
        Test accuracy in %, mean ± std over the folds (the number of folds when it is
        not the protocol's K), the paper's mean ± std, and the difference in points.
    """
    if ablation:  # by group, each in the ablation's order (a stable sort)
        rows = sorted(ablation_rows(rows),
                      key=lambda r: (r["dataset"], r["extractor"], r["extractor_mode"]))
    else:
        rows = [r for r in rows if not _ablation_only(r["config"])]
    lines = ["| Dataset | Extractor (mode) | Configuration | Folds | Measured (%) | "
             "Paper (%) | Δ (points) |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        label = (next(k for k, v in ABLATION.items() if v == r["config"]) if ablation
                 else config_label(r["config"]))
        paper = ("–" if r["paper_mean"] is None
                 else _fmt(r["paper_mean"], r["paper_std"])
                 + ("" if r["paper_source"] == _NCG else " ¹"))
        delta = "–" if r["delta_points"] is None else f"{r['delta_points']:+.2f}"
        folds = f"{r['folds']}" if r["folds"] == r["k"] else f"{r['folds']}/{r['k']}"
        epochs = "" if r["max_iter"] in (None, 100) else f", ≤{r['max_iter']} epochs"
        ds = DATASETS[r["dataset"]].label if r["dataset"] in DATASETS else r["dataset"]
        lines.append(f"| {ds} | "
                     f"{r['extractor']} ({r['extractor_mode']}) | {label} | "
                     f"{folds}{epochs} | {_fmt(r['mean'], r['std'])} | {paper} | {delta} |")
    if any(r["paper_source"] == _S2 for r in rows):
        lines.append("")
        lines.append(f"¹ {_S2}: the NCG paper's Table 1 gives no value for this cell.")
    return "\n".join(lines) + "\n"


def _ablation_only(config):
    return config in ABLATION.values() and config not in CONFIG_GROUPS["table1"]


def ablation_rows(rows):
    """The rows of the ablation study: its configurations, in the (dataset, extractor,
    extractor mode) groups where it was run.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`collect_results`.

    Returns
    -------
    rows : list of dict
        The rows of the ablation's configurations (M-1 ... M-5+Drop+L) in the groups
        that hold at least one configuration only the ablation has (M-5, M-5+CR-1, ...),
        so that Table 1's M-1 and M-5+CR-2+L cells of other groups are left out; when
        no group holds one, every row of the ablation's configurations. Sorted in the
        ablation's order (M-1 first), the given order kept among equal configurations.
    """
    def group(r):
        return r["dataset"], r["extractor"], r["extractor_mode"]

    order = list(ABLATION.values())
    rows = sorted((r for r in rows if r["config"] in order),
                  key=lambda r: order.index(r["config"]))
    studied = {group(r) for r in rows if _ablation_only(r["config"])}
    return [r for r in rows if group(r) in studied] if studied else rows


def write_results(rows, results_dir):
    """Write ``table1.csv``, ``table1.md`` and the pictures of result rows.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`collect_results`.
    results_dir : str or path-like
        Folder (created) that receives ``table1.csv`` (columns: ``dataset, extractor,
        config, label, extractor_mode, folds, k, mean, std, min, max, paper_mean,
        paper_std, paper_source, delta_points, within_2std, epochs_mean, max_iter,
        n_features, firing_fraction, seconds, extractor_seconds``; accuracies as
        fractions), ``table1.md``, and when ablation configurations are present
        ``ablation.md``; with matplotlib also ``table1.png``, ``ablation.png`` and
        ``competition.png`` (the paper's Figure 2 from the ablation runs).

    Returns
    -------
    paths : list of pathlib.Path
        The files written.
    """
    out = Path(results_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    write_csv(out / "table1.csv",
              [{k: ("" if r.get(k) is None else
                    (f"{r[k]:.6g}" if isinstance(r[k], float) else r[k])) for k in _COLUMNS}
               for r in rows], _COLUMNS)
    written.append(out / "table1.csv")
    (out / "table1.md").write_text(markdown_table(rows), encoding="utf-8")
    written.append(out / "table1.md")
    has_ablation = any(_ablation_only(r["config"]) for r in rows)
    if has_ablation:
        (out / "ablation.md").write_text(markdown_table(rows, ablation=True),
                                         encoding="utf-8")
        written.append(out / "ablation.md")
    try:
        import matplotlib
    except ImportError:
        return written
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .plot import plot_competition_runs, plot_table1

    if any(not _ablation_only(r["config"]) for r in rows):
        fig = plot_table1(rows)
        fig.savefig(out / "table1.png", dpi=80)
        plt.close(fig)
        written.append(out / "table1.png")
    if has_ablation:
        fig = plot_table1(rows, ablation=True)
        fig.savefig(out / "ablation.png", dpi=80)
        plt.close(fig)
        written.append(out / "ablation.png")
        runs = competition_runs(rows)
        if runs:
            fig = plot_competition_runs(runs)
            fig.savefig(out / "competition.png", dpi=80)
            plt.close(fig)
            written.append(out / "competition.png")
    return written


# the configurations of the competition picture (paper, Figure 2): without regulation,
# then with it, in the ablation study's runs (the first one present of each pair)
_COMPETITION = (("s2stdp+ncg-no-cr", "s2stdp+ncg-no-cr-no-nt"),
                ("s2stdp+ncg-no-nt",), ("s2stdp+ncg",))


def competition_runs(rows, *, fold=0):
    """Updates per epoch of the NCG neurons in a few of the ablation study's runs.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`collect_results`.
    fold : int, default=0
        Which fold's run to take.

    Returns
    -------
    runs : dict
        ``"<dataset> / <extractor> (<mode>): <label>"`` -> dict with
        ``updates_own_class`` (list per epoch of the updates of each neuron on samples
        of its own class), ``neurons_per_class`` and ``non_target_neurons``, for the
        configurations without competition regulation (M-5, or M-5+L when run), with
        CR-2 (M-5+CR-2) and with CR-2 and a non-target neuron (M-5+CR-2+L), of the first
        (dataset, extractor, mode) that has at least two of them. Empty when none has.
    """
    by_cell = {}
    for r in rows:
        by_cell.setdefault((r["dataset"], r["extractor"], r["extractor_mode"]), {})[
            r["config"]] = r
    for (d, e, mode), cfgs in by_cell.items():
        runs = {}
        for choices in _COMPETITION:
            c = next((c for c in choices if c in cfgs), None)
            if c is None:
                continue
            for path in cfgs[c]["fold_files"]:
                res = read_json_or_none(path)
                if isinstance(res, dict) and res.get("fold") == fold:
                    label = ("M-5+L" if c == "s2stdp+ncg-no-cr"
                             else next(k for k, v in ABLATION.items() if v == c))
                    name = f"{DATASETS[d].label} / {e} ({mode}): {label}"
                    runs[name] = {k: res[k] for k in ("updates_own_class",
                                                      "neurons_per_class",
                                                      "non_target_neurons")}
        if len(runs) >= 2:
            return runs
    return {}
