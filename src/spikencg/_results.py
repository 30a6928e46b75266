"""The on-disk format of the result folders of the ``spikencg`` command.

One module writes and reads them: :mod:`spikencg.cli` writes them (and reads them back
for ``spikencg summary`` and to resume a gridsearch), :mod:`spikencg.plot` draws them,
:mod:`spikencg.table1` resumes and collects its runs. Every file is written atomically
(a temporary file in the same folder, then :func:`os.replace`), so that an interrupted
command leaves whole files or none.

Folders
-------
run folder (``spikencg run``; ``spikencg demo --output-dir``)
    ``scores.json`` (accuracies, epochs, and for ``run`` the parameters, protocol,
    seed and warnings), ``metrics.csv`` (one row per epoch: :data:`METRICS_FIELDS`),
    ``model.joblib`` (the fitted estimator), ``log.txt`` (``run`` only).
K-fold folder (``spikencg kfold``)
    ``fold_<i>.json`` (one per fold, written when the fold is done), ``folds.csv``
    (:data:`FOLD_FIELDS`) and ``kfold.json`` (parameters, protocol, the folds, the
    mean and std of each accuracy).
gridsearch folder (``spikencg gridsearch``)
    ``grid.json`` (the grid, seed, setup, number of runs and the runs' keys) and
    ``runs/<key>.json``, one per finished run, ``<key>`` a hash of the run's
    parameters and setup (:func:`run_key`).
table folder (``spikencg table1``)
    ``runs/<dataset>/<extractor>/<mode>/<config>/fold_<k>.json`` (:func:`table1_fold_path`),
    besides the feature cache and the tables.
"""

import csv
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = [
    "FOLD_FIELDS",
    "METRICS_FIELDS",
    "check_kfold",
    "folder_kind",
    "grid_keys",
    "grid_runs",
    "history_rows",
    "is_fold_result",
    "json_default",
    "kfold_file",
    "kfold_summary",
    "read_grid_run",
    "read_json",
    "read_json_or_none",
    "read_kfold",
    "read_scores",
    "run_key",
    "table1_fold_path",
    "table1_fold_paths",
    "write_csv",
    "write_fold",
    "write_grid",
    "write_grid_run",
    "write_json",
    "write_kfold",
    "write_run",
]

SCORES = "scores.json"
METRICS = "metrics.csv"
MODEL = "model.joblib"
LOG = "log.txt"
KFOLD = "kfold.json"
FOLDS = "folds.csv"
GRID = "grid.json"
RUNS = "runs"

#: Columns of ``metrics.csv``: one row per epoch.
METRICS_FIELDS = ["epoch", "train_accuracy", "validation_accuracy", "silent_fraction"]
#: Columns of ``folds.csv``: one row per fold.
FOLD_FIELDS = ["fold", "validation_accuracy", "test_accuracy", "epochs", "fit_seconds"]
_ACCURACIES = ("validation_accuracy", "test_accuracy")


# --------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------


def json_default(o):
    """JSON form of what :mod:`json` cannot write (the ``default`` of :func:`json.dump`).

    Parameters
    ----------
    o : object
        A NumPy scalar or array, or anything else.

    Returns
    -------
    value : object
        The Python number or list of a NumPy value, else ``str(o)``.
    """
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def _replace_atomically(path, write):
    """Write ``path`` by ``write(file)`` into a temporary file of its folder, then move
    it in place (an interrupted write leaves no partial file)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_json(path, obj):
    """Write JSON atomically.

    Parameters
    ----------
    path : str or path-like
        The file.
    obj : object
        What to write (NumPy values allowed, see :func:`json_default`).
    """
    _replace_atomically(path, lambda f: json.dump(obj, f, indent=1, default=json_default))


def write_csv(path, rows, fields=None):
    """Write rows of a table as CSV, atomically.

    Parameters
    ----------
    path : str or path-like
        The file.
    rows : list of dict
        One dict per row; keys not in ``fields`` are left out.
    fields : list of str, default=None
        The columns; None: the keys of the first row.
    """
    fields = fields or (list(rows[0]) if rows else [])

    def write(f):
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)

    _replace_atomically(path, write)


def read_json_or_none(path):
    """The JSON content of a file, or None when it cannot be read.

    Parameters
    ----------
    path : str or path-like
        The file, which may be missing.

    Returns
    -------
    obj : object or None
        None when the file is missing or unreadable, not UTF-8 JSON, or nested too
        deeply.
    """
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError, RecursionError):  # (not JSON, not UTF-8, nested too deeply)
        return None


def read_json(path):
    """The JSON content of a file, or an error naming it.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    obj : object
        The content.

    Raises
    ------
    OSError
        If the file cannot be read (FileNotFoundError when it does not exist).
    ValueError
        If it is not UTF-8 JSON text, or is nested too deeply.
    """
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a JSON text file (not UTF-8).") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}).") from None
    except RecursionError:
        raise ValueError(f"{path}: JSON nested too deeply.") from None


def folder_kind(path):
    """Which command's outputs a folder holds.

    Parameters
    ----------
    path : str or path-like
        The folder.

    Returns
    -------
    kind : {"gridsearch", "kfold", "run"} or None
        ``"gridsearch"`` when it has a ``runs/`` folder (so has a table folder),
        ``"kfold"`` a ``kfold.json`` or ``folds.csv``, ``"run"`` a ``scores.json``;
        None otherwise.
    """
    path = Path(path)
    if (path / RUNS).is_dir():
        return "gridsearch"
    if kfold_file(path) is not None:
        return "kfold"
    if (path / SCORES).is_file():
        return "run"
    return None


# --------------------------------------------------------------------------------------
# run folders
# --------------------------------------------------------------------------------------


def history_rows(clf):
    """The rows of ``metrics.csv``: one per epoch of a fitted readout.

    Parameters
    ----------
    clf : SpikingReadoutClassifier
        A fitted readout.

    Returns
    -------
    rows : list of dict
        Keys :data:`METRICS_FIELDS`.
    """
    return [{"epoch": e + 1,
             "train_accuracy": float(clf.train_accuracy_[e]),
             "validation_accuracy": float(clf.validation_accuracy_[e]),
             "silent_fraction": float(clf.silent_fraction_[e])}
            for e in range(clf.n_iter_)]


def write_run(folder, clf, scores, log=None):
    """Write a run folder: ``metrics.csv``, ``scores.json``, ``model.joblib``, ``log.txt``.

    Parameters
    ----------
    folder : pathlib.Path
        The (existing) folder.
    clf : SpikingReadoutClassifier
        The fitted readout: its history goes to ``metrics.csv``, itself to
        ``model.joblib``.
    scores : dict
        The content of ``scores.json``.
    log : list of str, default=None
        The lines of ``log.txt``; None: no log.

    Returns
    -------
    rows : list of dict
        The rows of ``metrics.csv`` (see :func:`history_rows`).
    """
    import joblib

    rows = history_rows(clf)
    write_csv(folder / METRICS, rows, METRICS_FIELDS)
    write_json(folder / SCORES, scores)
    joblib.dump(clf, folder / MODEL)
    if log is not None:
        with open(folder / LOG, "w", encoding="utf-8") as f:
            f.writelines(line + "\n" for line in log)
    return rows


def read_scores(path):
    """The accuracies and epochs of a ``scores.json``.

    Parameters
    ----------
    path : pathlib.Path
        The ``scores.json`` of a run folder.

    Returns
    -------
    scores : dict
        Those of ``train_accuracy``, ``validation_accuracy``, ``test_accuracy`` and
        ``epochs`` that the file holds, in this order.

    Raises
    ------
    ValueError
        If the file is not such a file written by spikencg.
    """
    s = read_json(path)
    if not isinstance(s, dict):
        raise _bad_file(path, SCORES, "expected a JSON object")
    found = {}
    for k in ("train_accuracy", "validation_accuracy", "test_accuracy", "epochs"):
        v = s.get(k)
        if v is not None and not _is_number(v):
            raise _bad_file(path, SCORES, f"{k!r} is not a number")
        if v is not None:
            found[k] = v
    if not found:
        raise _bad_file(path, SCORES, "no accuracy or epochs")
    return found


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def _bad_file(path, what, problem):
    return ValueError(f"{path}: not a {what} written by spikencg ({problem}); rerun the "
                      "command that writes it.")


# --------------------------------------------------------------------------------------
# K-fold folders
# --------------------------------------------------------------------------------------


def is_fold_result(r):
    """Whether an object read from a file is one fold of a K-fold result.

    Parameters
    ----------
    r : object
        E.g. the content of a ``fold_<i>.json``.

    Returns
    -------
    bool
        True for a dict with a ``"fold"`` and no ``"params"`` (a gridsearch run's).
    """
    return isinstance(r, Mapping) and "fold" in r and "params" not in r


def write_fold(folder, result):
    """Write one fold's result as ``fold_<i>.json``.

    Parameters
    ----------
    folder : pathlib.Path
        The K-fold folder.
    result : dict
        The fold's result, with its number ``"fold"``.
    """
    write_json(folder / f"fold_{result['fold']}.json", result)


def kfold_summary(results, **meta):
    """The content of ``kfold.json``.

    Parameters
    ----------
    results : list of dict
        The folds' results (:data:`FOLD_FIELDS` and more).
    **meta
        Entries put first (``k``, ``seed``, ``params``, ``protocol``).

    Returns
    -------
    summary : dict
        ``meta``, ``"folds"``, and for each accuracy that some fold has,
        ``<accuracy>_mean`` and ``<accuracy>_std`` (population std).
    """
    summary = {**meta, "folds": results}
    for key in _ACCURACIES:
        vals = [r[key] for r in results if r[key] is not None]
        if vals:
            summary[f"{key}_mean"] = float(np.mean(vals))
            summary[f"{key}_std"] = float(np.std(vals))
    return summary


def write_kfold(folder, summary):
    """Write ``folds.csv`` and ``kfold.json`` of a K-fold folder.

    Parameters
    ----------
    folder : pathlib.Path
        Where ``spikencg kfold`` writes its outputs.
    summary : dict
        As :func:`kfold_summary` returns it.
    """
    write_csv(folder / FOLDS, summary["folds"], FOLD_FIELDS)
    write_json(folder / KFOLD, summary)


def kfold_file(path):
    """The file of a K-fold folder that holds its folds.

    Parameters
    ----------
    path : pathlib.Path
        The folder.

    Returns
    -------
    file : pathlib.Path or None
        ``kfold.json``, else ``folds.csv``; None when it has neither.
    """
    for name in (KFOLD, FOLDS):
        if (path / name).is_file():
            return path / name
    return None


def read_kfold(path):
    """The K-fold result held by a ``kfold.json`` or a ``folds.csv``.

    Parameters
    ----------
    path : pathlib.Path
        Either file (its suffix tells which).

    Returns
    -------
    result : object
        The content of ``kfold.json``, or ``{"folds": rows}`` for ``folds.csv`` (its
        values as strings).
    """
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as f:
            return {"folds": list(csv.DictReader(f))}
    return read_json(path)


def check_kfold(summary, path):
    """The folds of the content of a ``kfold.json``, after checking them.

    Parameters
    ----------
    summary : object
        What the file holds, read as JSON.
    path : pathlib.Path
        The file, named in the messages.

    Returns
    -------
    folds : list of dict
        Each with a number ``validation_accuracy``, a number or None ``test_accuracy``
        and an int ``fold`` (its position when absent).

    Raises
    ------
    ValueError
        If the content is not that of a ``kfold.json`` written by spikencg.
    """
    if not isinstance(summary, dict):
        raise _bad_file(path, KFOLD, "expected a JSON object")
    folds = summary.get("folds")
    if not isinstance(folds, list) or not folds:
        raise _bad_file(path, KFOLD, "no list of 'folds'")
    checked = []
    for i, r in enumerate(folds):
        if not isinstance(r, dict):
            raise _bad_file(path, KFOLD, f"folds[{i}] is not an object")
        v, t, fold = r.get("validation_accuracy"), r.get("test_accuracy"), r.get("fold", i)
        if not _is_number(v) or not (t is None or _is_number(t)) or not isinstance(fold, int):
            raise _bad_file(path, KFOLD, f"folds[{i}] lacks 'fold', 'validation_accuracy' "
                                         "or 'test_accuracy' numbers")
        checked.append({**r, "fold": fold})
    return checked


# --------------------------------------------------------------------------------------
# gridsearch folders
# --------------------------------------------------------------------------------------


def run_key(params, setup):
    """The key (and file name) of a gridsearch run.

    Parameters
    ----------
    params : dict
        The run's parameters.
    setup : dict
        Everything else that changes its result (data, seed, validation, procedure).

    Returns
    -------
    key : str
        16 hexadecimal digits of a hash of both.
    """
    text = json.dumps({"params": params, "setup": setup}, sort_keys=True,
                      default=json_default)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def write_grid(folder, meta):
    """Create the ``runs/`` folder of a gridsearch folder and write its ``grid.json``.

    Parameters
    ----------
    folder : pathlib.Path
        The gridsearch folder.
    meta : dict
        The content of ``grid.json``; its ``"keys"`` list the runs of the grid.

    Returns
    -------
    runs : pathlib.Path
        The ``runs/`` folder (temporary files of interrupted runs removed).
    """
    runs = folder / RUNS
    runs.mkdir(parents=True, exist_ok=True)
    for stale in runs.glob(".*.tmp"):
        stale.unlink()  # left by an interrupted run
    write_json(folder / GRID, meta)
    return runs


def write_grid_run(runs, result):
    """Write a finished gridsearch run as ``runs/<key>.json``.

    Parameters
    ----------
    runs : str or path-like
        The ``runs/`` folder.
    result : dict
        The run's result, with its ``"key"``.
    """
    write_json(Path(runs) / f"{result['key']}.json", result)


def read_grid_run(path):
    """A finished gridsearch run read from its file.

    Parameters
    ----------
    path : pathlib.Path
        ``runs/<key>.json``.

    Returns
    -------
    run : dict or None
        None when the file is unreadable, unfinished or not a run written by
        ``gridsearch``, or is named after another key than its own (it is redone by the
        next ``gridsearch``).
    """
    r = read_json_or_none(path)
    ok = (isinstance(r, dict) and _is_number(r.get("validation_accuracy"))
          and isinstance(r.get("params"), dict) and isinstance(r.get("epochs"), int)
          and r.get("status") in ("done", "aborted")
          and r.get("key", Path(path).stem) == Path(path).stem)
    return r if ok else None


def grid_keys(folder):
    """The keys of the runs of the last grid run in a gridsearch folder.

    Parameters
    ----------
    folder : pathlib.Path
        The gridsearch folder.

    Returns
    -------
    keys : set of str or None
        The keys listed by its ``grid.json``; None when it lists none (a ``grid.json``
        of an earlier version: every run is taken).
    n_runs : int or None
        The number of runs of the grid, when known.
    """
    meta = read_json_or_none(folder / GRID)
    keys = meta.get("keys") if isinstance(meta, dict) else None
    if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
        return set(keys), len(keys)
    n_runs = meta.get("n_runs") if isinstance(meta, dict) else None
    return None, n_runs if isinstance(n_runs, int) else None


def grid_runs(folder, keys=None):
    """The finished runs of a gridsearch folder.

    Parameters
    ----------
    folder : pathlib.Path
        The gridsearch folder, or its ``runs/`` folder itself.
    keys : set of str, default=None
        The runs to take; None: all.

    Returns
    -------
    runs : list of dict
        The finished runs (see :func:`read_grid_run`), in the order of their files.
    skipped : list of str
        The names of the run files that are not finished runs.
    others : int
        The number of finished runs whose keys are not in ``keys``.
    """
    folder = Path(folder)
    runs = folder / RUNS if (folder / RUNS).is_dir() else folder
    found, skipped, others = [], [], 0
    for p in sorted(runs.glob("*.json")):
        r = read_grid_run(p)
        if keys is not None and p.stem not in keys:
            others += r is not None
        elif r is None:
            skipped.append(p.name)
        else:
            found.append(r)
    return found, skipped, others


# --------------------------------------------------------------------------------------
# table folders
# --------------------------------------------------------------------------------------


def table1_fold_path(folder, dataset, extractor, mode, config, fold):
    """The file of one fold's result in a table folder.

    Parameters
    ----------
    folder : str or path-like
        The table folder (``spikencg table1``'s OUTPUT_DIR).
    dataset, extractor, mode, config : str
        The cell.
    fold : int
        The fold.

    Returns
    -------
    path : pathlib.Path
        ``runs/<dataset>/<extractor>/<mode>/<config>/fold_<fold>.json``.
    """
    return Path(folder) / RUNS / dataset / extractor / mode / config / f"fold_{fold}.json"


def table1_fold_paths(folder):
    """The fold files of a table folder.

    Parameters
    ----------
    folder : str or path-like
        The table folder.

    Returns
    -------
    paths : list of pathlib.Path
        Every ``runs/*/*/*/*/fold_*.json``, sorted.
    """
    return sorted((Path(folder) / RUNS).glob("*/*/*/*/fold_*.json"))
