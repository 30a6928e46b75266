"""The ``spikencg`` command line: convert data, train, K-fold, gridsearch, the paper's table.

Run ``spikencg <command> -h`` for the options of each command. User errors (missing
files, bad shapes, unknown presets or parameters, malformed configuration files, output
paths that cannot be written) print one line on stderr and exit with status 2; options,
configurations and output folders are checked before any training.
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from . import _results

__all__ = ["main"]

_PROTOCOL_KEYS = ("_patience", "_stop_acc")
_DEFAULT_PATIENCE = 10


class UserError(Exception):
    """An error caused by the command line or the input files (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors become :class:`UserError` (one line, status 2)."""

    def error(self, message):
        raise UserError(message)


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _prepare_dir(path, option):
    """Create the output folder ``path`` (and its parents) and check that it is writable.

    Done before any long work, so that a bad output path fails at once; ``option`` names
    the folder in the messages (e.g. ``"output_dir"``).
    """
    path = Path(path)
    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                what = "is" if p == path else f"is under {p}, which is"
                raise UserError(f"{option} {path} {what} an existing file, not a folder.")
            break
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".spikencg-write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UserError(f"{option} {path}: cannot write there "
                        f"({exc.strerror or exc}).") from None
    return path


def _check_n_jobs(n_jobs):
    if n_jobs == 0:
        raise UserError("--n-jobs 0: give a number of parallel jobs >= 1, or a negative "
                        "number (-1: all cores, -2: all but one, ...).")


def _check_top(top):
    if top < 1:
        raise UserError(f"--top {top}: the number of rows to print must be >= 1.")


def _shown(path):
    """``path`` as text that can be printed and written to UTF-8 files: bytes of a name
    that are not UTF-8 (given on the command line, they reach Python as lone surrogates,
    which a UTF-8 file or terminal refuses) appear as ``\\xNN`` escapes."""
    return os.fsencode(os.fspath(path)).decode("utf-8", "backslashreplace")


def _os_error_message(exc):
    """One line for an OSError, naming the file(s) it concerns."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None and exc.filename2 is not None:
        return f"{os.fsdecode(exc.filename)} -> {os.fsdecode(exc.filename2)}: {reason}"
    if exc.filename is not None:
        return f"{os.fsdecode(exc.filename)}: {reason}"
    return str(exc)


def _parse_value(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
    except RecursionError:
        raise UserError(f"--set value nested too deeply: {text[:40]}...") from None


def _positive_ints(value):
    """True when ``value`` is an integer >= 1 or a non-empty list of them."""
    values = value if isinstance(value, list) and value else [value]
    return all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values)


def _overrides(pairs, n_classes):
    """Split the --set pairs into original keys and estimator parameters.

    Returns ``(config_over, est_over)``: ``config_over`` maps original keys that are
    translated (``n_neurons``, ``method``, ...) to their values, applied to the
    configuration before its translation; ``est_over`` maps estimator parameters (and
    the protocol keys ``_patience``, ``_stop_acc``) to values applied after it. Of two
    --set of the same parameter, the later wins. ``neurons_per_class`` is handed to the
    configuration as its total number of neurons (:func:`~spikencg.presets.total_neurons_key`),
    so that it replaces the configuration's total (which need not be a multiple of the
    number of classes of the data then).
    """
    from .presets import estimator_name, total_neurons_key, translated_targets

    config_over, est_over = {}, {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"--set expects key=value, got {pair!r}.")
        value = _parse_value(value.strip())
        if key == "neurons_per_class" and value is not None:  # (None: the default)
            if not _positive_ints(value):
                raise UserError(f"--set neurons_per_class: expected an integer >= 1 (or a "
                                f"list of them), got {value!r}.")
            key, value = total_neurons_key(value, n_classes)
        # original keys that do not map one-to-one onto an estimator parameter go to the
        # configuration before its translation; an earlier --set of what they set is
        # replaced
        targets = translated_targets(key)
        if targets is not None:
            config_over.pop(key, None)
            config_over[key] = value
            for name in targets:
                est_over.pop(name, None)
            continue
        key = estimator_name(key)
        est_over.pop(key, None)  # (re-inserted: the order of the --set is kept)
        est_over[key] = value
    return config_over, est_over


def _estimator_param_names():
    from .readout import SpikingReadoutClassifier

    return set(SpikingReadoutClassifier().get_params())


def _check_keys(keys, what="parameter(s)"):
    from .presets import original_keys

    known = _estimator_param_names() | set(_PROTOCOL_KEYS)
    unknown = sorted(set(keys) - known)
    if unknown:
        import difflib

        names = known | set(original_keys())
        hints = [m for k in unknown for m in difflib.get_close_matches(k, names, n=1)]
        hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
        raise UserError(f"unknown {what} {', '.join(unknown)}{hint}; --set takes the "
                        "estimator's parameter names and the original configuration "
                        "keys (see spikencg.presets.original_keys()).")


def _load_params(args, n_classes):
    """Parameters (or grid) from --preset / --config, with --set overrides applied."""
    from .presets import is_grid, load_config_file, load_preset

    if (args.preset is None) == (args.config is None):
        raise UserError("give exactly one of --preset NAME or --config FILE.")
    config_over, est_over = _overrides(args.set, n_classes)
    _check_keys(est_over, "--set key(s)")
    if args.preset is not None:
        params = load_preset(args.preset, n_classes=n_classes, overrides=config_over)
    else:
        params = load_config_file(args.config, n_classes=n_classes, overrides=config_over)
    if not is_grid(params) and any(isinstance(v, list) for v in est_over.values()):
        params = {k: [v] for k, v in params.items()}  # a --set list of values: a grid
    if is_grid(params):
        grids = params if isinstance(params, list) else [params]
        for g in grids:
            _check_keys(g)
            for k, v in est_over.items():
                if isinstance(v, list) and not v:
                    raise UserError(f"--set {k}: empty list of values.")
                g[k] = v if isinstance(v, list) else [v]
        for point in _grid_points(grids):
            _check_params(point, n_classes)
        return grids
    _check_keys(params)
    params = dict(params)
    params.update(est_over)
    _check_params(params, n_classes)
    return params


def _grid_points(grids):
    from sklearn.model_selection import ParameterGrid

    return ParameterGrid(grids)


def _check_params(params, n_classes):
    """Check the values of one parameter set before any work (UserError naming the key),
    their combination included (as ``fit`` would on ``n_classes`` classes)."""
    from .presets import original_name
    from .readout import SpikingReadoutClassifier

    est, proto = _split_protocol(params)
    patience = proto.get("_patience", _DEFAULT_PATIENCE)
    if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
        raise UserError("the early-stopping patience (trainer.early_stopping, _patience) "
                        f"must be an integer >= 0 (0: no early stopping), got {patience!r}.")
    stop = proto.get("_stop_acc", 0.0)
    if isinstance(stop, bool) or not isinstance(stop, (int, float)) or not np.isfinite(stop):
        raise UserError("the gridsearch abort accuracy (trainer.gridsearch_stop_acc, "
                        f"_stop_acc) must be a number, got {stop!r}.")
    clf = SpikingReadoutClassifier(**est)
    try:
        clf._validate_params()
        with warnings.catch_warnings():  # (fit gives its warnings, once)
            warnings.simplefilter("ignore")
            clf._resolve(n_classes)  # finite values, the rules between parameters
    except (ValueError, TypeError) as exc:
        names = [n for n in est if f"'{n}'" in str(exc) or str(exc).startswith(f"{n} ")]
        hint = "".join(f" ({original_name(n)} in the original configuration format)"
                       for n in names if original_name(n) is not None)
        raise UserError(f"{exc}{hint}") from None


def _split_protocol(params):
    est = {k: v for k, v in params.items() if not k.startswith("_")}
    proto = {k: v for k, v in params.items() if k.startswith("_")}
    return est, proto


def _load_set(data_dir, name, required):
    from .spikes import load_spikes

    path = Path(data_dir) / f"{name}.npz"
    if not path.is_file():
        if required:
            raise UserError(f"{path} not found (make it with `spikencg convert`).")
        return None
    X, y, max_time = load_spikes(str(path))
    if y is None:
        raise UserError(f"{path} holds no labels.")
    return X, y, max_time


def _load_data(data_dir):
    if not Path(data_dir).is_dir():
        raise UserError(f"data directory not found: {data_dir}")
    train = _load_set(data_dir, "trainset", True)
    val = _load_set(data_dir, "valset", False)
    test = _load_set(data_dir, "testset", False)
    for name, s in (("valset", val), ("testset", test)):
        if s is None:
            continue
        if s[0].shape[1] != train[0].shape[1]:
            raise UserError(
                f"{name}.npz has {s[0].shape[1]} inputs but trainset.npz has "
                f"{train[0].shape[1]}."
            )
        if s[2] != train[2]:
            raise UserError(
                f"{name}.npz was saved with max_time={s[2]:g} but trainset.npz with "
                f"max_time={train[2]:g}: the model reads every set in the training set's "
                "time window; convert them with the same --max-time."
            )
        unknown = ~np.isin(s[1], train[1])
        if unknown.any():
            labels = np.unique(s[1][unknown])
            raise UserError(
                f"{name}.npz holds {unknown.sum()} samples of labels that trainset.npz "
                f"does not have: {', '.join(map(repr, labels[:5].tolist()))}"
                f"{', ...' if labels.size > 5 else ''} (labels of another type, or shifted?)."
            )
    return train, val, test


def _n_classes(y):
    return int(np.unique(y).shape[0])


def _make_estimator(est_params, max_time, seed):
    from .readout import SpikingReadoutClassifier

    est_params = dict(est_params)
    est_params.setdefault("max_time", max_time)
    if seed is not None:
        est_params.setdefault("random_state", seed)
    return SpikingReadoutClassifier(**est_params)


def _acc(clf, data):
    if data is None:
        return None
    return float(np.mean(clf.predict(data[0]) == data[1]))


def _fit_recording(clf, X, y, **fit_kw):
    """Fit while recording warnings (returned as strings instead of raised)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y, **fit_kw)
    return [f"{w.category.__name__}: {w.message}" for w in caught]


# --------------------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------------------


# the entry of a spike file written by `convert --intensity` that holds the intensity
# scaling (x_max: one value, or one per input), for `convert --x-max-from`; load_spikes
# ignores it
_X_MAX_ENTRY = "encoder_x_max"


def _convert_output(output):
    """The .npz path `convert` writes, after checking that it can be written."""
    given = Path(output)
    if given.is_dir():
        raise UserError(f"output {given} is an existing folder; give the file to write, "
                        f"e.g. {given / 'trainset.npz'}.")
    out = given if given.suffix == ".npz" else given.with_name(given.name + ".npz")
    if out.is_dir():
        raise UserError(f"output {out} is an existing folder; give the file to write, "
                        f"e.g. {out / 'trainset.npz'}.")
    _prepare_dir(out.parent, "output folder")
    return out


def _read_x_max(path, n_features):
    """The intensity scaling stored by `convert --intensity` in ``path``."""
    import zipfile

    from ._npz import check_entry_size

    path = Path(path)
    if not path.is_file():
        raise UserError(f"--x-max-from {path}: file not found.")
    try:
        loaded = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise UserError(f"--x-max-from {path}: not a spike file written by `spikencg "
                        f"convert` ({exc}).") from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise UserError(f"--x-max-from {path}: not a spike file written by `spikencg "
                        "convert` (it holds a single array, not an .npz archive).")
    with loaded as f:
        try:
            check_entry_size(f, _X_MAX_ENTRY, f"--x-max-from {path}")
        except ValueError as exc:  # (it announces more data than the file holds)
            raise UserError(str(exc)) from None
        try:
            x_max = f[_X_MAX_ENTRY] if _X_MAX_ENTRY in f.files else None
        except (ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise UserError(f"--x-max-from {path}: damaged file, its x_max cannot be "
                            f"read ({exc}).") from None
    if x_max is None:
        raise UserError(f"--x-max-from {path}: the file holds no intensity scaling "
                        "(x_max); it must be written by `spikencg convert --intensity` "
                        "(convert the training set again, or give --x-max).")
    x_max = np.asarray(x_max, dtype=np.float64).reshape(-1)
    if np.any(~np.isfinite(x_max) | (x_max < 0)):
        raise UserError(f"--x-max-from {path}: its x_max holds NaN, infinite or negative "
                        "values; convert the training set again.")
    if x_max.size not in (1, n_features):
        raise UserError(f"--x-max-from {path}: its x_max holds {x_max.size} values for "
                        f"{n_features} inputs; convert sets of the same inputs.")
    return x_max


def _cmd_convert(args):
    from .datasets import load_npy
    from .encoding import TTFSEncoder
    from .spikes import save_spikes

    if not args.intensity and (args.x_max is not None or args.x_max_from is not None):
        raise UserError(f"{'--x-max' if args.x_max is not None else '--x-max-from'} "
                        "only applies with --intensity.")
    if args.x_max is not None and args.x_max_from is not None:
        raise UserError("give --x-max or --x-max-from, not both.")
    for given in (args.x, args.y):  # before the output folder is made
        if given is not None and not Path(given).is_file():
            raise UserError(f"{given}: file not found.")
    out = _convert_output(args.output)
    X, y = load_npy(args.x, args.y)
    n_features = int(np.prod(X.shape[1:]))
    source = ""
    x_max = None
    if args.intensity:
        if np.any(X < 0):
            raise UserError(f"{args.x}: intensities must be >= 0 (--intensity).")
        if args.x_max_from is not None:
            stored = _read_x_max(args.x_max_from, n_features)
            source = f"; intensities scaled by the x_max of {_shown(args.x_max_from)}"
            # x_min=0: the latency code t = max_time * (1 - x / x_max) these files hold
            enc = TTFSEncoder(max_time=args.max_time, encoding="intensity", x_min=0.0,
                              x_max=1.0)
            enc.fit(X)  # checks X; the scaling is the stored one, not learned from X
            enc.x_max_ = (float(stored[0]) if stored.size == 1
                          else stored.reshape(enc.input_shape_))
        else:
            enc = TTFSEncoder(max_time=args.max_time, encoding="intensity", x_min=0.0,
                              x_max=args.x_max).fit(X)
        S = enc.transform(X)
        x_max = np.asarray(enc.x_max_, dtype=np.float64)
    else:
        S = X.reshape(X.shape[0], -1).astype(np.float64)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp.npz")
    try:
        save_spikes(tmp, S, y, max_time=args.max_time)
        if x_max is not None:
            _append_array(tmp, _X_MAX_ENTRY, x_max)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    print(f"wrote {_shown(out)}: {X.shape[0]} samples, {n_features} inputs{source}")
    return 0


def _append_array(path, name, array):
    """Add ``array`` to the .npz file ``path`` as the entry ``name`` (no pickle)."""
    import zipfile

    with zipfile.ZipFile(path, "a") as zf, zf.open(f"{name}.npy", "w") as f:
        np.lib.format.write_array(f, np.ascontiguousarray(array), allow_pickle=False)


def _cmd_run(args):
    train, val, test = _load_data(args.data_dir)
    params = _load_params(args, _n_classes(train[1]))
    if isinstance(params, list):
        raise UserError("this configuration is a grid (lists of values); use `gridsearch`.")
    est, proto = _split_protocol(params)
    fit_kw = {}
    if val is not None:
        fit_kw = {"X_val": val[0], "y_val": val[1]}
        if proto.get("_patience", 0) > 0 and "early_stopping" not in est:
            est.update(early_stopping=True, n_iter_no_change=int(proto["_patience"]),
                       restore_best=False)
    if not args.quiet:
        est.setdefault("verbose", 1)
    clf = _make_estimator(est, train[2], args.seed)
    out = _prepare_dir(args.output_dir, "output_dir")
    t0 = time.perf_counter()
    caught = _fit_recording(clf, train[0], train[1], **fit_kw)
    seconds = time.perf_counter() - t0
    scores = {
        "train_accuracy": _acc(clf, train),
        "validation_accuracy": _acc(clf, val),
        "test_accuracy": _acc(clf, test),
        "epochs": int(clf.n_iter_),
        "fit_seconds": seconds,
        "seed": args.seed,
        "params": clf.get_params(),
        "protocol": proto,
        "warnings": caught,
    }
    log = [f"spikencg run {_shown(args.data_dir)}",
           f"params: {json.dumps(clf.get_params(), default=_results.json_default)}"]
    log += [f"epoch {r['epoch']}: train acc {r['train_accuracy']:.4f}, "
            f"validation acc {r['validation_accuracy']:.4f}, "
            f"silent {r['silent_fraction']:.1%}" for r in _results.history_rows(clf)]
    log += [f"warning: {w}" for w in caught]
    log += [f"{k}: {scores[k]:.4f}" for k in ("train_accuracy", "validation_accuracy",
                                             "test_accuracy") if scores[k] is not None]
    _results.write_run(out, clf, scores, log)
    for w in caught:
        print(f"warning: {w}", file=sys.stderr)
    msg = ", ".join(f"{k.split('_')[0]} accuracy {scores[k]:.4f}"
                    for k in ("train_accuracy", "validation_accuracy", "test_accuracy")
                    if scores[k] is not None)
    print(f"{msg} ({clf.n_iter_} epochs); outputs in {_shown(out)}")
    return 0


def _run_fold(fold, est, patience, seed, max_time, X, y, tr, va, test):
    """Train on the folds other than ``fold``; early stopping on the held-out one (none
    when ``patience`` is 0)."""
    stopping = ({"early_stopping": True, "n_iter_no_change": int(patience)} if patience
                else {"early_stopping": False})
    clf = _make_estimator({**est, **stopping, "restore_best": False, "verbose": 0},
                          max_time, seed)
    t0 = time.perf_counter()
    caught = _fit_recording(clf, X[tr], y[tr], X_val=X[va], y_val=y[va])
    return {
        "fold": fold,
        "validation_accuracy": float(np.mean(clf.predict(X[va]) == y[va])),
        "test_accuracy": _acc(clf, test),
        "epochs": int(clf.n_iter_),
        "fit_seconds": time.perf_counter() - t0,
        "warnings": caught,
    }


def _cmd_kfold(args):
    from joblib import Parallel, delayed
    from sklearn.model_selection import StratifiedKFold

    _check_n_jobs(args.n_jobs)
    train, _, test = _load_data(args.data_dir)
    X, y, max_time = train
    params = _load_params(args, _n_classes(y))
    if isinstance(params, list):
        raise UserError("this configuration is a grid (lists of values); use `gridsearch`.")
    est, proto = _split_protocol(params)
    patience = proto.get("_patience", _DEFAULT_PATIENCE)
    counts = np.unique(y, return_counts=True)[1]
    if args.k < 2 or counts.min() < args.k:
        raise UserError(f"--k {args.k}: needs k >= 2 and at least k samples per class "
                        f"(the smallest class has {counts.min()}).")
    folds = list(StratifiedKFold(n_splits=args.k, shuffle=False).split(np.zeros(len(y)), y))
    out = _prepare_dir(args.output_dir, "output_dir")
    print(f"kfold: {args.k} folds of {len(y)} samples, n_jobs={args.n_jobs}")
    results = []
    jobs = (delayed(_run_fold)(i, est, patience, args.seed, max_time, X, y, tr, va, test)
            for i, (tr, va) in enumerate(folds))
    for r in Parallel(n_jobs=args.n_jobs, return_as="generator")(jobs):
        results.append(r)
        _results.write_fold(out, r)
        test_msg = (f", test acc {r['test_accuracy']:.4f}"
                    if r["test_accuracy"] is not None else "")
        print(f"fold {r['fold'] + 1}/{args.k}: validation acc "
              f"{r['validation_accuracy']:.4f}{test_msg} ({r['epochs']} epochs)", flush=True)
    summary = _results.kfold_summary(results, k=args.k, seed=args.seed, params=est,
                                     protocol=proto)
    _results.write_kfold(out, summary)
    _print_kfold(summary)
    print(f"outputs in {_shown(out)}")
    return 0


def _print_kfold(summary):
    for key in ("validation_accuracy", "test_accuracy"):
        if f"{key}_mean" in summary:
            print(f"{key.replace('_', ' ')}: {100 * summary[f'{key}_mean']:.2f} ± "
                  f"{100 * summary[f'{key}_std']:.2f} % over {summary['k']} folds")


# version of the gridsearch procedure (two epochs, the abort test, then the rest): part of
# every run's key, to be increased whenever the procedure changes its results (2: the
# estimator's default arithmetic became "fast")
_GRID_PROCEDURE = 2


def _data_fingerprint(*sets):
    """A hash of the contents of spike sets ``(X, y, max_time)`` (None: absent), the same
    for the same data whatever file holds it (loaded spike lists are canonical)."""
    h = hashlib.sha256()
    for part in sets:
        if part is None:
            h.update(b"absent;")
            continue
        X, y, max_time = part
        y = np.ascontiguousarray(y)
        h.update(repr((tuple(X.shape), float(max_time), y.dtype.str, y.shape)).encode())
        for a in (np.asarray(X.indptr, dtype=np.int64), np.asarray(X.indices, dtype=np.int32),
                  np.asarray(X.data, dtype=np.float64), y):
            h.update(np.ascontiguousarray(a).view(np.uint8))
    return h.hexdigest()[:16]


def _grid_run(params, setup, seed, max_time, train, val, runs_dir):
    """One gridsearch run; writes runs_dir/<hash>.json atomically when finished."""
    est, proto = _split_protocol(params)
    max_iter = int(est.pop("max_iter", 100))
    patience = int(proto.get("_patience", _DEFAULT_PATIENCE))
    stop_acc = proto.get("_stop_acc")
    first = min(2, max_iter)
    clf = _make_estimator({**est, "max_iter": first, "warm_start": True, "verbose": 0},
                          max_time, seed)
    t0 = time.perf_counter()
    caught = _fit_recording(clf, train[0], train[1], X_val=val[0], y_val=val[1])
    status = "done"
    if stop_acc is not None and clf.validation_accuracy_[-1] < float(stop_acc):
        status = "aborted"
    elif max_iter > first:
        stopping = ({"early_stopping": True, "n_iter_no_change": patience} if patience
                    else {"early_stopping": False})
        clf.set_params(max_iter=max_iter - first, restore_best=False, **stopping)
        caught += _fit_recording(clf, train[0], train[1], X_val=val[0], y_val=val[1])
    result = {
        "key": _results.run_key(params, setup),
        "params": params,
        "setup": setup,
        "status": status,
        "validation_accuracy": float(clf.validation_accuracy_[-1]),
        "best_validation_accuracy": float(np.nanmax(clf.validation_accuracy_)),
        "train_accuracy": float(clf.train_accuracy_[-1]),
        "epochs": int(clf.n_iter_),
        "fit_seconds": time.perf_counter() - t0,
        "warnings": caught,
    }
    _results.write_grid_run(runs_dir, result)
    return result


def _cmd_gridsearch(args):
    from joblib import Parallel, delayed
    from sklearn.model_selection import ParameterGrid, train_test_split
    from tqdm.auto import tqdm

    _check_n_jobs(args.n_jobs)
    _check_top(args.top)
    frac = args.validation_fraction
    if not 0 < frac < 1:
        raise UserError(f"--validation-fraction {frac}: the share of the training set held "
                        "out must be between 0 and 1 (exclusive).")
    train, val, _ = _load_data(args.data_dir)
    params = _load_params(args, _n_classes(train[1]))
    grid = params if isinstance(params, list) else [{k: [v] for k, v in params.items()}]
    points = list(ParameterGrid(grid))
    fingerprint = _data_fingerprint(train, val)
    split = None if val is not None else frac
    if val is None:
        y = train[1]
        n, n_cls = len(y), _n_classes(y)
        n_val = int(np.ceil(frac * n))
        smallest = int(np.unique(y, return_counts=True)[1].min())
        if smallest < 2 or n_val < n_cls or n - n_val < n_cls:
            raise UserError(
                f"--validation-fraction {frac}: cannot hold out a stratified validation "
                f"set of {n_val} of the {n} training samples: the validation and the "
                f"training part both need a sample of each of the {n_cls} classes (the "
                f"smallest class has {smallest}); change --validation-fraction or add a "
                "valset.npz to the data folder.")
        try:
            idx_tr, idx_va = train_test_split(
                np.arange(n), test_size=frac, stratify=y, random_state=args.seed or 0)
        except ValueError as exc:
            raise UserError(f"--validation-fraction {frac}: cannot split the training "
                            f"set ({exc}).") from None
        idx_tr.sort()
        idx_va.sort()
        val = (train[0][idx_va], train[1][idx_va])
        train = (train[0][idx_tr], train[1][idx_tr], train[2])
    # everything besides the parameters that changes a run's result
    setup = {"data": fingerprint, "seed": args.seed,
             "validation": ("valset.npz" if split is None
                            else {"fraction": split, "split_seed": args.seed or 0}),
             "procedure": _GRID_PROCEDURE}
    out = _prepare_dir(args.output_dir, "output_dir")
    _prepare_dir(out / _results.RUNS, "output_dir")
    keys = [_results.run_key(p, setup) for p in points]
    runs = _results.write_grid(out, {"grid": grid, "seed": args.seed, "setup": setup,
                                     "n_runs": len(points), "keys": keys})
    todo = [(p, k) for p, k in zip(points, keys, strict=True)
            if _results.read_grid_run(runs / f"{k}.json") is None]
    others = len({p.stem for p in runs.glob("*.json")} - set(keys))
    also = (f"; {others} run file(s) of other settings (parameters, data, seed or "
            "validation) in runs/ are kept, not used" if others else "")
    print(f"gridsearch: {len(points)} runs, {len(points) - len(todo)} already done, "
          f"{len(todo)} to do (n_jobs={args.n_jobs}){also}", flush=True)
    jobs = (delayed(_grid_run)(p, setup, args.seed, train[2], train, val, runs)
            for p, _ in todo)
    bar = tqdm(total=len(todo), unit="run", desc="gridsearch", disable=args.quiet or None)
    try:
        for _ in Parallel(n_jobs=args.n_jobs, return_as="generator")(jobs):
            bar.update()
    finally:
        bar.close()
    _print_grid(out, args.top)
    return 0


def _print_grid(out, top):
    keys, n_total = _results.grid_keys(Path(out))
    results, skipped, others = _results.grid_runs(Path(out), keys)
    results.sort(key=lambda r: -r["validation_accuracy"])  # best first
    if others:
        print(f"note: {others} finished run(s) in {_shown(Path(out) / 'runs')} are of other "
              "settings (parameters, data, seed or validation) than the last gridsearch "
              "here (grid.json) and are left out.", file=sys.stderr)
    if not results:
        also = (f" ({len(skipped)} file(s) in runs/ are unfinished or not gridsearch runs)"
                if skipped else "")
        raise UserError(f"{out}: no finished gridsearch run{also}.")
    if skipped:
        print(f"warning: {len(skipped)} file(s) in {_shown(Path(out) / 'runs')} are not "
              "finished "
              f"gridsearch runs and are left out (rerun `gridsearch` to redo them): "
              f"{', '.join(skipped[:5])}{', ...' if len(skipped) > 5 else ''}",
              file=sys.stderr)
    varying = sorted(k for k in results[0]["params"]
                     if len({json.dumps(r["params"].get(k), default=str)
                             for r in results}) > 1)
    done = f"{len(results)}/{n_total}" if isinstance(n_total, int) else f"{len(results)}"
    print(f"{done} runs finished ({sum(r['status'] == 'aborted' for r in results)} aborted); "
          f"best {min(top, len(results))} by validation accuracy:")
    header = ["rank", "val_acc", "epochs", "status"] + varying
    rows = [[str(i + 1), f"{r['validation_accuracy']:.4f}", str(r["epochs"]), r["status"]]
            + [json.dumps(r["params"].get(k), default=str) for k in varying]
            for i, r in enumerate(results[:top])]
    widths = [max(len(h), *(len(row[j]) for row in rows)) for j, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    return results


def _print_kfold_file(path):
    folds = _results.check_kfold(_results.read_json(path), path)
    for r in folds:
        v, t = r["validation_accuracy"], r.get("test_accuracy")
        print(f"fold {r['fold'] + 1}: validation acc {v:.4f}"
              + (f", test acc {t:.4f}" if t is not None else ""))
    for key in ("validation_accuracy", "test_accuracy"):
        vals = [r[key] for r in folds if r.get(key) is not None]
        if vals:  # (recomputed from the folds: the file's means may have been edited out)
            print(f"{key.replace('_', ' ')}: {100 * np.mean(vals):.2f} ± "
                  f"{100 * np.std(vals):.2f} % over {len(vals)} folds")


def _print_scores_file(path):
    for k, v in _results.read_scores(path).items():
        print(f"{k.replace('_', ' ')}: {v}" if k == "epochs"
              else f"{k.replace('_', ' ')}: {v:.4f}")


def _cmd_summary(args):
    _check_top(args.top)
    out = Path(args.output_dir)
    if not out.is_dir():
        raise UserError(f"output directory not found: {out}")
    kind = _results.folder_kind(out)
    if kind == "gridsearch":
        _print_grid(out, args.top)
    elif kind == "kfold" and (out / _results.KFOLD).is_file():
        _print_kfold_file(out / _results.KFOLD)
    elif (out / _results.SCORES).is_file():
        _print_scores_file(out / _results.SCORES)
    else:
        raise UserError(f"{out}: no gridsearch runs, kfold.json or scores.json found.")
    return 0


def _cmd_table1(args):
    from . import table1

    if args.list:
        print("datasets: " + ", ".join(table1.DATASETS))
        print("extractors:")
        for name, ext in table1.EXTRACTORS.items():
            print(f"  {name}: {ext.description}")
        print("configuration groups:")
        for name, group in table1.CONFIG_GROUPS.items():
            print(f"  {name}: {', '.join(group)}")
        print("ablation study: " + ", ".join(f"{k} = {v}" for k, v in table1.ABLATION.items()))
        return 0
    if args.output_dir is None:
        raise UserError("give the output folder (OUTPUT_DIR), or --list.")
    if args.collect:
        if not (Path(args.output_dir) / "runs").is_dir():
            raise UserError(f"{_shown(args.output_dir)}: no runs/ folder of `spikencg "
                            "table1` results there.")
        rows = table1.collect_results(args.output_dir)
        if not rows:
            raise UserError(f"{_shown(args.output_dir)}: no finished fold result.")
        results = _prepare_dir(args.results_dir or args.output_dir, "--results-dir")
        written = table1.write_results(rows, results)
        print(table1.markdown_table(rows), end="")
        print(f"wrote {', '.join(p.name for p in written)} in {_shown(results)}")
        return 0
    _check_n_jobs(args.n_jobs)
    for option in ("folds", "train_samples", "test_samples", "max_iter"):
        value = getattr(args, option)
        low = 2 if option == "folds" else 1
        if value is not None and value < low:
            raise UserError(f"--{option.replace('_', '-')} {value}: must be >= {low}.")
    names = {"datasets": table1.DATASETS, "extractors": table1.EXTRACTORS}
    chosen = {}
    for option, known in names.items():
        items = [x.strip() for x in getattr(args, option).split(",") if x.strip()]
        unknown = [x for x in items if x not in known]
        if unknown or not items:
            raise UserError(f"--{option} {getattr(args, option)!r}: choose among "
                            f"{', '.join(known)} (comma-separated).")
        chosen[option] = items
    try:
        configs = table1.expand_configs(args.configs)
    except ValueError as exc:
        raise UserError(f"--configs: {exc}") from None
    out = _prepare_dir(args.output_dir, "output_dir")
    if args.cache_dir is not None:
        _prepare_dir(args.cache_dir, "--cache-dir")
    if args.results_dir is not None:
        _prepare_dir(args.results_dir, "--results-dir")
    try:
        table1.run_table1(out, datasets=chosen["datasets"],
                          extractors=chosen["extractors"], configs=configs,
                          folds=args.folds, extractor_mode=args.extractor_mode,
                          n_jobs=args.n_jobs, data_dir=args.data_dir,
                          cache_dir=args.cache_dir, train_samples=args.train_samples,
                          test_samples=args.test_samples, max_iter=args.max_iter,
                          seed=args.seed, results_dir=args.results_dir,
                          verbose=not args.quiet)
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from None
    return 0


def _cmd_demo(args):
    from sklearn.datasets import load_digits
    from sklearn.metrics import confusion_matrix
    from sklearn.model_selection import train_test_split

    from .encoding import TTFSEncoder
    from .readout import SpikingReadoutClassifier

    if args.epochs < 1:
        raise UserError(f"--epochs {args.epochs}: the number of epochs must be >= 1.")
    out = None
    if args.output_dir:
        out = _prepare_dir(args.output_dir, "--output-dir")  # before the training
    t_setup = time.perf_counter()
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y,
                                              random_state=args.seed)
    enc = TTFSEncoder(encoding="intensity").fit(X_tr)
    S_tr, S_te = enc.transform(X_tr), enc.transform(X_te)
    # a one-epoch fit on a few samples loads the compiled kernels (on the very first run
    # numba compiles them and caches them on disk), so that the timing below is training
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        SpikingReadoutClassifier(rule="s2stdp", ncg=True, max_iter=1, random_state=0).fit(
            S_tr[:100], y_tr[:100]).predict(S_te[:10])
    setup = time.perf_counter() - t_setup
    clf = SpikingReadoutClassifier(rule="s2stdp", ncg=True, max_iter=args.epochs,
                                   random_state=args.seed)
    t0 = time.perf_counter()
    caught = _fit_recording(clf, S_tr, y_tr)
    seconds = time.perf_counter() - t0
    pred = clf.predict(S_te)
    acc = float(np.mean(pred == y_te))
    cm = confusion_matrix(y_te, pred, labels=clf.classes_)
    per_class = cm.diagonal() / cm.sum(axis=1)
    off = cm - np.diag(cm.diagonal())
    i, j = np.unravel_index(np.argmax(off), off.shape)
    print(f"S2-STDP+NCG on sklearn digits ({len(y_tr)} train / {len(y_te)} test samples, "
          f"{clf.n_iter_} epochs, trained in {seconds:.2f} s)")
    print(f"setup: {setup:.1f} s (data, and the compiled kernels: loaded from numba's "
          "cache, or compiled and cached on the first run, about 30 s)")
    print(f"test accuracy: {acc:.4f}")
    print("per-class accuracy: " + " ".join(f"{c}:{a:.2f}"
                                            for c, a in zip(clf.classes_, per_class,
                                                            strict=True)))
    if off[i, j]:
        print(f"most frequent confusion: {clf.classes_[i]} -> {clf.classes_[j]} "
              f"({off[i, j]} samples)")
    print(f"silent training samples in the last epoch: {clf.silent_fraction_[-1]:.1%}; "
          f"mean firing rate of the output neurons: {np.mean(clf.firing_rate_[-1]):.3f}")
    for w in caught:
        print(f"warning: {w}", file=sys.stderr)
    if out is not None:
        _results.write_run(out, clf, {"test_accuracy": acc, "epochs": int(clf.n_iter_),
                                      "train_accuracy": float(clf.train_accuracy_[-1]),
                                      "confusion_matrix": cm.tolist()})
        print(f"outputs (scores.json, metrics.csv, model.joblib) written to {_shown(out)}")
    else:
        print("outputs: printed only (pass --output-dir DIR to save scores and the model)")
    return 0


# --------------------------------------------------------------------------------------
# parser and entry point
# --------------------------------------------------------------------------------------


def _add_config_args(p):
    p.add_argument("data_dir", help="folder with trainset.npz [valset.npz] [testset.npz]")
    p.add_argument("output_dir", help="folder for the outputs (created)")
    p.add_argument("--preset", help="a name from spikencg.presets.list_presets('all')")
    p.add_argument("--config", help="JSON configuration file of the original framework")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a parameter, by its estimator name (threshold, "
                        "neurons_per_class) or its original name, as in --config files "
                        "(firing_threshold, n_neurons, method, regularizer.thr_lr, "
                        "trainer.early_stopping); value parsed as JSON, else a string; a "
                        "list of values makes a grid; repeatable, the later wins")
    p.add_argument("--seed", type=int, default=0, help="random_state (default 0)")


def _build_parser():
    parser = _Parser(prog="spikencg", description="Spiking readouts trained with supervised STDP: "
                     "convert data, train, K-fold, gridsearch, summarise.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("convert", help="dense X.npy + y.npy -> spike .npz")
    p.add_argument("x", help="X.npy, shape (n_samples, d1, ...)")
    p.add_argument("y", help="y.npy, shape (n_samples,)")
    p.add_argument("output", help="output .npz (e.g. data/trainset.npz)")
    p.add_argument("--max-time", type=float, default=1.0, help="time window T (default 1)")
    p.add_argument("--intensity", action="store_true",
                   help="X holds intensities (latency code) instead of spike times")
    p.add_argument("--x-max", type=float, default=None,
                   help="--intensity: the intensity that fires at t=0, one value for "
                        "every input (default: learned from X, one value per input: the "
                        "maximum of each input over the samples)")
    p.add_argument("--x-max-from", metavar="SPIKES.npz", default=None,
                   help="--intensity: scale the intensities as in this file written by "
                        "`convert --intensity` (e.g. data/trainset.npz), to convert a "
                        "test or validation set with the training set's x_max")
    p.set_defaults(func=_cmd_convert)

    p = sub.add_parser("run", help="train once, write log, metrics, scores and model")
    _add_config_args(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("kfold", help="stratified K-fold of the training set")
    _add_config_args(p)
    p.add_argument("--k", type=int, default=10, help="number of folds (default 10)")
    p.add_argument("--n-jobs", type=int, default=1,
                   help="folds in parallel (joblib; -1: all cores; default 1)")
    p.set_defaults(func=_cmd_kfold)

    p = sub.add_parser("gridsearch", help="every combination of a grid (resumable)")
    _add_config_args(p)
    p.add_argument("--n-jobs", type=int, default=1,
                   help="runs in parallel (joblib; -1: all cores; default 1)")
    p.add_argument("--validation-fraction", type=float, default=0.2,
                   help="without valset.npz: share of trainset held out (default 0.2)")
    p.add_argument("--top", type=int, default=10,
                   help="rows of the final table (default 10)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_gridsearch)

    p = sub.add_parser("summary", help="best gridsearch runs, or K-fold mean ± std")
    p.add_argument("output_dir")
    p.add_argument("--top", type=int, default=10, help="gridsearch rows (default 10)")
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("table1", help="the paper's Table 1 and ablation study: K-fold "
                       "runs of datasets x extractors x presets (resumable)")
    p.add_argument("output_dir", nargs="?", default=None,
                   help="folder of the fold results (runs/), the feature cache and the "
                        "tables (created); rerun to resume")
    p.add_argument("--datasets", default="fashion-mnist",
                   help="comma-separated: mnist, fashion-mnist, cifar10, cifar100 "
                        "(default fashion-mnist)")
    p.add_argument("--extractors", default="STDP-CSNN",
                   help="comma-separated: STDP-CSNN, SoftHebb-CNN (default STDP-CSNN)")
    p.add_argument("--configs", default="main",
                   help="comma-separated configurations (s2stdp+ncg, ...) or groups: main "
                        "(the four rules of the paper's Table 1), table1 (with R-STDP), "
                        "rstdp, ablation (M-1 ... M-5+Drop+L); default main")
    p.add_argument("--folds", type=int, default=10, help="stratified folds (default 10)")
    p.add_argument("--extractor-mode", choices=("once", "per-fold"), default="once",
                   help="train the extractor once on the training images (default), or "
                        "on each fold's training part with seed = fold (the original "
                        "protocol; K extractions)")
    p.add_argument("--n-jobs", type=int, default=1,
                   help="readouts trained in parallel (-1: all cores; default 1)")
    p.add_argument("--data-dir", default=None,
                   help="folder of the datasets' files (default: $SPIKENCG_DATA, "
                        "~/spikencg_data, ../shared/data)")
    p.add_argument("--cache-dir", default=None,
                   help="feature cache (default OUTPUT_DIR/cache)")
    p.add_argument("--results-dir", default=None,
                   help="where table1.csv/.md/.png go (default OUTPUT_DIR)")
    p.add_argument("--train-samples", type=int, default=None,
                   help="stratified subset of the training images (quick runs)")
    p.add_argument("--test-samples", type=int, default=None,
                   help="first test images only (quick runs)")
    p.add_argument("--max-iter", type=int, default=None,
                   help="replace the presets' maximum epochs (quick runs; recorded)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the folds and of the extractor (default 0)")
    p.add_argument("--list", action="store_true",
                   help="list the datasets, extractors and configuration groups")
    p.add_argument("--collect", action="store_true",
                   help="train nothing: write the tables and pictures of the fold results "
                        "found in OUTPUT_DIR (e.g. while a run is going on)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=_cmd_table1)

    p = sub.add_parser("demo", help="S2-STDP+NCG on sklearn digits, in seconds")
    p.add_argument("--epochs", type=int, default=10, help="epochs (default 10)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output-dir", default=None, help="save scores and model here")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv=None):
    """Entry point of the ``spikencg`` command.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; None: ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 2 on a user error (bad options, configuration or input files, or
        an output path that cannot be written) or when memory runs out: one line on
        stderr, no traceback; 130 when interrupted, 141 when the output's reader has gone
        (a closed pipe).
    """
    parser = _build_parser()
    try:
        if argv is None:
            argv = sys.argv[1:]
        if list(argv) in ([], ["-h"], ["--help"]):
            parser.print_help()
            return 0 if argv else 2
        args = parser.parse_args(argv)
        return args.func(args)
    except UserError as exc:
        msg = str(exc)
    except (ValueError, TypeError) as exc:
        msg = str(exc)
    except KeyboardInterrupt:
        print("spikencg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of the output went away (``spikencg summary DIR | head``): stop
        # quietly; stdout goes to devnull so that Python's flush at exit does not fail
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:
        # a file or folder that cannot be read or written (permissions, a file where a
        # folder is expected, a full disk, ...)
        msg = _os_error_message(exc)
    except MemoryError as exc:
        msg = f"out of memory ({exc})" if str(exc) else "out of memory"
    except RecursionError:
        msg = "input nested too deeply (maximum recursion depth exceeded)"
    print(f"spikencg: error: {' '.join(msg.split())}", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
