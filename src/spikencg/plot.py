"""Pictures of what a spiking readout learned (matplotlib, imported lazily).

Every function takes a fitted :class:`~spikencg.SpikingReadoutClassifier` (or the results
written by the ``spikencg`` command) and returns a matplotlib Figure; nothing is shown
or saved. Install the ``plot`` extra: ``pip install "spikencg[plot]"``.
"""

import csv
import json
import numbers
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .encoding import spike_arrays

__all__ = [
    "plot_competition",
    "plot_firing_times",
    "plot_gridsearch",
    "plot_history",
    "plot_kfold",
    "plot_raster",
    "plot_thresholds",
    "plot_weights",
]


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "spikencg.plot needs matplotlib: pip install 'spikencg[plot]'"
        ) from exc
    return plt


def _check_fitted(clf):
    from ._compat import check_is_fitted

    check_is_fitted(clf)


def plot_raster(clf, x, *, title=None):
    """Spike raster of one sample: its input spikes and the output neurons' spikes.

    Parameters
    ----------
    clf : SpikingReadoutClassifier
        A fitted readout.
    x : array-like of shape (n_features,) or a one-row spike list
        The sample (dense first-spike times, or a row of a CSR spike list).
    title : str, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Two panels: input spikes (input index vs time) and output neurons (neuron index
        vs firing time; silent neurons drawn as hollow markers at ``max_time``; the
        winning neuron, whose class is the prediction, is marked).
    """
    _check_fitted(clf)
    plt = _plt()
    from scipy import sparse

    X = x if sparse.issparse(x) else np.atleast_2d(np.asarray(x, dtype=np.float64))
    if X.ndim != 2 or X.shape[0] != 1:
        raise ValueError(f"x must be one sample, got {X.shape[0]} rows.")
    arrays = _as_batch(clf, X)
    _, indices, times = arrays
    S, V = _neuron_outputs(clf, arrays)
    s = S[0]
    T = float(clf.max_time)
    fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    ax_in.scatter(times, indices, s=8, c="k", marker="|")
    ax_in.set(xlabel="time", ylabel="input index", title="input spikes", xlim=(0, T * 1.02))
    N = s.shape[0]
    fired = s < T
    colors = plt.cm.tab10(clf.neuron_class_ % 10)
    ax_out.scatter(s[fired], np.arange(N)[fired], c=colors[fired], s=30)
    ax_out.scatter(np.full((~fired).sum(), T), np.arange(N)[~fired], facecolors="none",
                   edgecolors=colors[~fired], s=30, label="silent")
    w = _winner(s, V[0])
    ax_out.scatter([s[w]], [w], marker="*", s=250, c="red", zorder=5,
                   label=f"decision: class {clf.classes_[w // clf.neurons_per_class_]}")
    for k in range(1, clf.classes_.shape[0]):
        ax_out.axhline(k * clf.neurons_per_class_ - 0.5, color="0.85", lw=0.5)
    ax_out.set(xlabel="time", ylabel="output neuron", title="output spikes")
    ax_out.legend(loc="lower right", fontsize="small")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _as_batch(clf, X):
    """Canonical spike arrays of a batch (spike lists or dense first-spike times)."""
    from scipy import sparse

    if not sparse.issparse(X):
        X = np.asarray(X, dtype=np.float64)
        X = X.reshape(1, -1) if X.ndim == 1 else X.reshape(X.shape[0], -1)
    if X.shape[1] != clf.weights_.shape[1]:
        raise ValueError(f"X has {X.shape[1]} inputs, the model {clf.weights_.shape[1]}.")
    return spike_arrays(X, max_time=float(clf.max_time))


def _neuron_outputs(clf, arrays):
    """Firing times and potentials of every neuron on every sample (decision thresholds).

    Runs the compiled forward pass of each sample to the end (no early stop), so every
    neuron's first spike time is known (``max_time`` when it stays silent).
    """
    from ._kernels._forward import floor_f32, simulate

    indptr, indices, times = arrays
    W = np.ascontiguousarray(np.asarray(clf.weights_).T, dtype=np.float32)
    thr = np.empty(W.shape[1], np.float32)
    floor_f32(np.ascontiguousarray(clf.thresholds_, dtype=np.float64), thr)
    n, N = indptr.shape[0] - 1, W.shape[1]
    S = np.empty((n, N))
    V = np.empty((n, N), np.float32)
    active = np.ones(N, bool)
    acc, alive = np.empty(N, np.float32), np.empty(N, bool)
    for r in range(n):
        simulate(int(indptr[r]), int(indptr[r + 1]), indices, times, W, thr, active,
                 float(clf.max_time), clf.neuron == "lif", float(clf.tau), False, S[r], V[r],
                 acc, alive)
    return S, V


def _winner(s, V):
    """Index of the decision's winner: earliest spike, then largest potential, then index."""
    return int(np.lexsort((np.arange(s.shape[0]), -V.astype(np.float64), s))[0])


def plot_weights(clf, image_shape=None, *, cmap="viridis"):
    """Learned weights of every output neuron, grouped by class (one row per class).

    Parameters
    ----------
    clf : SpikingReadoutClassifier
        A fitted readout.
    image_shape : tuple of int, default=None
        Shape of one input image, e.g. ``(8, 8)`` or ``(28, 28)``: weights are drawn as
        images. None: each neuron's weights as one heatmap row.
    cmap : str, default="viridis"
        Colour map.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One row per class, one column per neuron of the class's NCG; non-target
        neurons are framed in red and titled "NT".
    """
    _check_fitted(clf)
    plt = _plt()
    W = np.asarray(clf.weights_)
    C = clf.classes_.shape[0]
    M = clf.neurons_per_class_
    L = clf.non_target_neurons_
    if image_shape is None:
        fig, ax = plt.subplots(figsize=(8, max(2, 0.15 * W.shape[0])))
        im = ax.imshow(W, aspect="auto", cmap=cmap, interpolation="nearest")
        for k in range(1, C):
            ax.axhline(k * M - 0.5, color="w", lw=0.8)
        ax.set(xlabel="input", ylabel="output neuron", title="weights")
        fig.colorbar(im, ax=ax)
        return fig
    if int(np.prod(image_shape)) != W.shape[1]:
        raise ValueError(
            f"image_shape={image_shape} holds {int(np.prod(image_shape))} values but the "
            f"model has {W.shape[1]} inputs."
        )
    fig, axes = plt.subplots(C, M, figsize=(1.4 * M + 1, 1.4 * C), squeeze=False)
    vmin, vmax = W.min(), W.max()
    for c in range(C):
        for m in range(M):
            ax = axes[c, m]
            ax.imshow(W[c * M + m].reshape(image_shape), cmap=cmap, vmin=vmin, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
            if m < L:
                for spine in ax.spines.values():
                    spine.set_edgecolor("red")
                    spine.set_linewidth(2)
                ax.set_title("NT", fontsize="small", color="red")
            if m == 0:
                ax.set_ylabel(str(clf.classes_[c]))
    fig.suptitle("weights per class (NT = non-target neuron)")
    fig.tight_layout()
    return fig


def plot_competition(models, class_index=0, *, labels=None):
    """Weight updates per epoch received by each neuron of one NCG (the paper's Fig. 2).

    Parameters
    ----------
    models : SpikingReadoutClassifier or list of them
        Fitted readouts (e.g. with and without competition regulation), one panel each.
    class_index : int, default=0
        Index (in ``classes_``) of the class whose NCG is drawn.
    labels : list of str, default=None
        Panel titles.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Per panel, one line per neuron of the NCG: updates received on samples of its
        own class in each epoch (non-target neurons dashed).
    """
    plt = _plt()
    if not isinstance(models, (list, tuple)):
        models = [models]
    fig, axes = plt.subplots(1, len(models), figsize=(5 * len(models), 3.5), squeeze=False)
    for k, clf in enumerate(models):
        _check_fitted(clf)
        M, L = clf.neurons_per_class_, clf.non_target_neurons_
        if not 0 <= class_index < clf.classes_.shape[0]:
            raise ValueError(f"class_index={class_index} is not a class index.")
        ax = axes[0, k]
        upd = clf.updates_own_class_[:, class_index * M : (class_index + 1) * M]
        epochs = np.arange(1, upd.shape[0] + 1)
        for m in range(M):
            ax.plot(epochs, upd[:, m], ls="--" if m < L else "-",
                    label=f"neuron {m}{' (NT)' if m < L else ''}")
        ax.set(xlabel="epoch", ylabel="updates",
               title=labels[k] if labels else f"class {clf.classes_[class_index]}")
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_history(clf):
    """Training curves: accuracies and silent samples per epoch.

    Parameters
    ----------
    clf : SpikingReadoutClassifier
        A fitted readout.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Training (and validation, when recorded) accuracy, and the share of training
        samples on which no output neuron fired.
    """
    _check_fitted(clf)
    plt = _plt()
    epochs = np.arange(1, clf.n_iter_ + 1)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
    a1.plot(epochs, clf.train_accuracy_, label="training")
    if np.isfinite(clf.validation_accuracy_).any():
        a1.plot(epochs, clf.validation_accuracy_, label="validation")
    a1.set(xlabel="epoch", ylabel="accuracy")
    a1.legend()
    a2.plot(epochs, clf.silent_fraction_)
    a2.set(xlabel="epoch", ylabel="share of silent samples", ylim=(0, 1))
    fig.tight_layout()
    return fig


def _class_colors(plt, n):
    return plt.cm.tab10(np.arange(n) % 10)


def plot_thresholds(clf, class_index=None):
    """Adaptive (training) thresholds of the output neurons at the end of every epoch.

    With two-compartment competition regulation (CR-2) the adaptive thresholds of the
    target neurons of an NCG drift apart during an epoch: the neuron that wins too often
    is slowed down, the others are sped up; they are reset at each epoch start. With
    one-threshold regulation (CR-1) the thresholds carry over from epoch to epoch.

    Parameters
    ----------
    clf : SpikingReadoutClassifier
        A fitted readout (uses ``threshold_history_``, ``threshold_`` and
        ``thresholds_``).
    class_index : int, default=None
        Index (in ``classes_``) of the class whose NCG is drawn, one line per neuron
        (non-target neurons dashed). None: every neuron, coloured by class.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Threshold at each epoch end versus epoch; the initial threshold is drawn as a
        dotted grey line.
    """
    _check_fitted(clf)
    plt = _plt()
    H = np.asarray(clf.threshold_history_, dtype=np.float64)
    M, L = clf.neurons_per_class_, clf.non_target_neurons_
    C = clf.classes_.shape[0]
    epochs = np.arange(1, H.shape[0] + 1)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    colors = _class_colors(plt, C)
    if class_index is not None:
        if not 0 <= class_index < C:
            raise ValueError(f"class_index={class_index} is not a class index.")
        for m in range(M):
            n = class_index * M + m
            ax.plot(epochs, H[:, n], marker="o", ms=3, ls="--" if m < L else "-",
                    label=f"neuron {m}{' (NT)' if m < L else ''}")
        title = f"adaptive thresholds, NCG of class {clf.classes_[class_index]}"
    else:
        for n in range(H.shape[1]):
            c = n // M
            ax.plot(epochs, H[:, n], color=colors[c], lw=0.8, ls="--" if n % M < L else "-",
                    label=str(clf.classes_[c]) if n % M == M - 1 else None)
        title = "adaptive thresholds of every neuron (colour: class)"
    ax.axhline(float(clf.threshold_), color="0.5", ls=":", lw=1, label="initial threshold")
    ax.set(xlabel="epoch", ylabel="threshold at epoch end", title=title)
    ax.legend(fontsize="x-small", ncol=2 if class_index is None else 1)
    fig.tight_layout()
    return fig


def plot_firing_times(clf, X=None, y=None, *, bins=30):
    """Distribution of the output neurons' first-spike times.

    Parameters
    ----------
    clf : SpikingReadoutClassifier
        A fitted readout.
    X : {sparse matrix, array-like} of shape (n_samples, n_features), default=None
        Samples (spike lists or dense first-spike times) run through the model with the
        decision thresholds. None: draw the training history ``mean_firing_time_``
        instead.
    y : array-like of shape (n_samples,), default=None
        Labels of ``X``. Given: each class's histogram is taken over the samples of that
        class, and a second panel compares the first spike of the label's class with the
        earliest spike of any other class (the margin the learning rules create).
    bins : int, default=30
        Number of histogram bins over ``[0, max_time]``.

    Returns
    -------
    fig : matplotlib.figure.Figure
        With ``X``: one step histogram per class of the first spike time of the class's
        neurons (samples where the class stays silent are counted at ``max_time``).
        Without ``X``: the histogram over neurons of the mean firing time in the last
        epoch, and the median (with the 10-90 % band) over neurons per epoch.
    """
    _check_fitted(clf)
    plt = _plt()
    T = float(clf.max_time)
    C = clf.classes_.shape[0]
    colors = _class_colors(plt, C)
    edges = np.linspace(0.0, T, bins + 1)
    if X is None:
        F = np.asarray(clf.mean_firing_time_, dtype=np.float64)
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.5))
        last = F[-1]
        a1.hist(last[np.isfinite(last)], bins=edges, color="C0")
        a1.set(xlabel="mean firing time (last epoch)", ylabel="neurons",
               title="mean firing time per neuron")
        epochs = np.arange(1, F.shape[0] + 1)
        finite = np.isfinite(F).any(axis=1)
        q = np.full((F.shape[0], 3), np.nan)
        if finite.any():
            q[finite] = np.nanpercentile(F[finite], [10, 50, 90], axis=1).T
        a2.fill_between(epochs, q[:, 0], q[:, 2], alpha=0.3, label="10-90 % of neurons")
        a2.plot(epochs, q[:, 1], marker="o", ms=3, label="median")
        a2.set(xlabel="epoch", ylabel="mean firing time", ylim=(0, T),
               title="firing times during training")
        a2.legend(fontsize="small")
        fig.tight_layout()
        return fig
    S, _ = _neuron_outputs(clf, _as_batch(clf, X))
    M = clf.neurons_per_class_
    s_class = np.minimum(S.reshape(S.shape[0], C, M).min(axis=2), T)
    if y is not None:
        y = np.asarray(y)
        if y.shape[0] != s_class.shape[0]:
            raise ValueError(f"y has {y.shape[0]} labels for {s_class.shape[0]} samples.")
        y_idx = np.searchsorted(clf.classes_, y)
        if np.any(y_idx >= C) or np.any(clf.classes_[np.minimum(y_idx, C - 1)] != y):
            raise ValueError("y holds labels that are not in classes_.")
    fig, axes = plt.subplots(1, 1 if y is None else 2, figsize=(5 if y is None else 10, 3.5),
                             squeeze=False)
    a1 = axes[0, 0]
    for c in range(C):
        t = s_class[:, c] if y is None else s_class[y_idx == c, c]
        if t.size:
            a1.hist(t, bins=edges, histtype="step", color=colors[c], label=str(clf.classes_[c]))
    a1.set(xlabel="first spike time of the class's neurons", ylabel="samples",
           title="per class" + (" (samples of that class)" if y is not None else ""))
    a1.legend(fontsize="x-small", ncol=2, title="class", title_fontsize="x-small")
    if y is not None:
        a2 = axes[0, 1]
        rows = np.arange(s_class.shape[0])
        own = s_class[rows, y_idx]
        other = s_class.copy()
        other[rows, y_idx] = np.inf
        other = other.min(axis=1) if C > 1 else np.full_like(own, T)
        a2.hist(own, bins=edges, alpha=0.6, label="label's class")
        a2.hist(other, bins=edges, alpha=0.6, label="earliest other class")
        a2.set(xlabel="first spike time", ylabel="samples",
               title=f"target vs others ({np.mean(own < other):.1%} earlier)")
        a2.legend(fontsize="small")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------
# K-fold and gridsearch summaries (the outputs of `spikencg kfold` / `spikencg gridsearch`)
# --------------------------------------------------------------------------------------

_KFOLD_METRICS = ("validation_accuracy", "test_accuracy")


def _read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _kfold_scores(result):
    """{metric: per-fold values} of one K-fold result, and a default label."""
    label = None
    if isinstance(result, (str, Path)):
        path = Path(result)
        label = path.name if path.is_dir() else path.parent.name
        if path.is_dir():
            if (path / "kfold.json").is_file():
                path = path / "kfold.json"
            elif (path / "folds.csv").is_file():
                path = path / "folds.csv"
            else:
                raise FileNotFoundError(f"{path}: no kfold.json or folds.csv found.")
        if path.suffix == ".csv":
            with open(path, newline="", encoding="utf-8") as f:
                result = {"folds": list(csv.DictReader(f))}
        else:
            result = _read_json(path)
    if isinstance(result, Mapping):
        if "folds" in result:
            scores = {}
            for key in _KFOLD_METRICS:
                vals = [r.get(key) for r in result["folds"]]
                vals = [float(v) for v in vals if v not in (None, "", "None")]
                if vals:
                    scores[key] = np.asarray(vals)
            return scores, label
        if "test_score" in result:  # sklearn.model_selection.cross_validate
            return {"test_accuracy": np.asarray(result["test_score"], dtype=float)}, label
        raise ValueError("a K-fold result needs a 'folds' list (kfold.json) or a "
                         "'test_score' array (sklearn cross_validate).")
    return {"test_accuracy": np.asarray(result, dtype=float).ravel()}, label


def plot_kfold(results, *, labels=None, metrics=None, title=None):
    """Mean and standard deviation of K-fold accuracies, one group of bars per configuration.

    Parameters
    ----------
    results : result, list of results, or dict of label to result
        A result is the output folder of ``spikencg kfold`` (or its ``kfold.json`` or
        ``folds.csv``), the dict read from ``kfold.json``, the dict returned by
        :func:`sklearn.model_selection.cross_validate` (its ``test_score``), or an
        array of per-fold accuracies.
    labels : list of str, default=None
        One label per configuration. None: the dict keys, the folder names, or
        "config 1", "config 2", ...
    metrics : list of str, default=None
        Which of "validation_accuracy" (the held-out fold) and "test_accuracy" (the test
        set) to draw. None: those present.
    title : str, default=None
        Axes title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Bars at the mean accuracy with the standard deviation as error bars (the paper's
        "mean ± std"), each fold's accuracy as a dot, and the mean ± std in % as text.
    """
    plt = _plt()
    if isinstance(results, Mapping) and not ("folds" in results or "test_score" in results):
        labels = list(results) if labels is None else labels
        results = list(results.values())
    elif isinstance(results, (str, Path, Mapping)) or (
            np.ndim(results) == 1 and all(isinstance(r, numbers.Real) for r in results)):
        results = [results]
    parsed = [_kfold_scores(r) for r in results]
    if labels is None:
        labels = [lab or f"config {i + 1}" for i, (_, lab) in enumerate(parsed)]
    if len(labels) != len(parsed):
        raise ValueError(f"{len(labels)} labels for {len(parsed)} results.")
    if metrics is None:
        metrics = [m for m in _KFOLD_METRICS if any(m in sc for sc, _ in parsed)]
    if not metrics:
        raise ValueError("no accuracies found in the results.")
    fig, ax = plt.subplots(figsize=(max(4.0, 1.3 * len(parsed) * len(metrics) + 1.5), 3.8))
    width = 0.8 / len(metrics)
    x = np.arange(len(parsed))
    lo = 1.0
    for j, metric in enumerate(metrics):
        pos = x + (j - (len(metrics) - 1) / 2) * width
        for i, (scores, _) in enumerate(parsed):
            vals = scores.get(metric)
            if vals is None or vals.size == 0:
                continue
            mean, std = float(vals.mean()), float(vals.std())
            lo = min(lo, float(vals.min()))
            ax.bar(pos[i], mean, width * 0.9, yerr=std, capsize=4, color=f"C{j}",
                   alpha=0.8, label=metric.replace("_", " ") if i == 0 else None)
            ax.scatter(np.full(vals.size, pos[i]), vals, s=8, c="k", zorder=3)
            top = max(mean + std, float(vals.max()))
            ax.annotate(f"{100 * mean:.2f}\n±{100 * std:.2f}", (pos[i], top),
                        xytext=(0, 3), textcoords="offset points", ha="center",
                        va="bottom", fontsize="x-small")
    ax.set_xticks(x, labels, rotation=20 if len(parsed) > 3 else 0,
                  ha="right" if len(parsed) > 3 else "center")
    ax.set_ylim(max(0.0, lo - 0.1), 1.08)
    ax.set(ylabel="accuracy", title=title or "K-fold accuracy (mean ± std)")
    ax.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    return fig


def _short(name):
    return name.rsplit("__", 1)[-1]


def _grid_records(results, metric):
    """Runs as (params, score, std) from a gridsearch folder, run dicts or cv_results_."""
    if isinstance(results, (str, Path)):
        path = Path(results)
        runs = path / "runs" if (path / "runs").is_dir() else path
        results = []
        for p in sorted(runs.glob("*.json")):
            try:
                r = _read_json(p)
            except (OSError, json.JSONDecodeError):
                continue  # an unfinished run
            if isinstance(r, Mapping) and metric in r:
                results.append(r)
        if not results:
            raise FileNotFoundError(f"{path}: no finished gridsearch run found.")
    if isinstance(results, Mapping) and "params" in results and "mean_test_score" in results:
        # sklearn GridSearchCV.cv_results_
        return [({_short(k): v for k, v in p.items()}, float(m), float(s))
                for p, m, s in zip(results["params"], results["mean_test_score"],
                                   results["std_test_score"], strict=True)]
    records = []
    for r in results:
        if metric not in r:
            raise ValueError(f"a gridsearch run has no '{metric}'.")
        params = {k: v for k, v in r.get("params", {}).items() if not k.startswith("_")}
        records.append((params, float(r[metric]), np.nan))
    return records


def plot_gridsearch(results, *, metric="validation_accuracy", top=10, params=None):
    """Summary of a grid search: the best configurations and the effect of each parameter.

    Parameters
    ----------
    results : path, list of dict, or dict
        The output folder of ``spikencg gridsearch`` (its ``runs/*.json``), a list of
        those run dicts, or the ``cv_results_`` of a
        :class:`~sklearn.model_selection.GridSearchCV` (pipeline prefixes such as
        ``clf__`` are dropped from the names).
    metric : str, default="validation_accuracy"
        Score of a ``spikencg gridsearch`` run to rank by (e.g.
        "best_validation_accuracy"); ``cv_results_`` always use ``mean_test_score``.
    top : int, default=10
        Number of best configurations drawn in the first panel.
    params : list of str, default=None
        Parameters given a panel each. None: every parameter that takes more than one
        value in the grid.

    Returns
    -------
    fig : matplotlib.figure.Figure
        First panel: the ``top`` best configurations (bars; with ``cv_results_`` the
        standard deviation over the folds as error bars), labelled by their values of the
        varying parameters. Then one panel per parameter: for each of its values, the
        mean ± std of the score over every configuration with that value, and the best
        one as a dot.
    """
    plt = _plt()
    records = _grid_records(results, metric)
    if not records:
        raise ValueError("no gridsearch results to draw.")

    def key(v):
        return json.dumps(v, sort_keys=True, default=str)

    names = sorted({k for p, _, _ in records for k in p})
    varying = [k for k in names if len({key(p.get(k)) for p, _, _ in records}) > 1]
    params = varying if params is None else list(params)
    for k in params:
        if k not in names:
            raise ValueError(f"unknown parameter {k!r}; the grid has {names}.")
    order = sorted(range(len(records)), key=lambda i: -records[i][1])[:top]
    fig, axes = plt.subplots(1, 1 + len(params),
                             figsize=(5.5 + 3.2 * len(params), 3.8), squeeze=False,
                             gridspec_kw={"width_ratios": [1.6] + [1] * len(params)})
    ax = axes[0, 0]
    scores = np.array([records[i][1] for i in order])
    stds = np.array([records[i][2] for i in order])
    ypos = np.arange(len(order))[::-1]
    ax.barh(ypos, scores, xerr=None if np.isnan(stds).all() else stds, color="C0",
            alpha=0.8, capsize=3)
    ax.set_yticks(ypos, [", ".join(f"{k}={key(records[i][0].get(k))}" for k in varying)
                         or "(single configuration)" for i in order], fontsize="x-small")
    ax.set_xlim(max(0.0, scores.min() - 0.1), min(1.0, scores.max() + 0.05) + 0.01)
    ax.set(xlabel="accuracy", title=f"best {len(order)} of {len(records)} configurations")
    for k, axp in zip(params, axes[0, 1:], strict=True):
        values = sorted({key(p.get(k)) for p, _, _ in records})
        groups = [np.array([sc for p, sc, _ in records if key(p.get(k)) == v]) for v in values]
        xs = np.arange(len(values))
        axp.bar(xs, [g.mean() for g in groups], yerr=[g.std() for g in groups],
                capsize=4, color="C1", alpha=0.8, label="mean ± std")
        axp.scatter(xs, [g.max() for g in groups], c="k", s=12, zorder=3, label="best")
        axp.set_xticks(xs, values, rotation=30 if len(values) > 4 else 0, fontsize="small")
        low = min(g.min() for g in groups)
        axp.set_ylim(max(0.0, low - 0.1), 1.0)
        axp.set(xlabel=k, ylabel="accuracy", title=f"effect of {k}")
        axp.legend(fontsize="x-small", loc="lower right")
    fig.tight_layout()
    return fig
