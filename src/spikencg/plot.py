"""Pictures of what a spiking readout learned (matplotlib, imported lazily).

Every function takes a fitted :class:`~spikencg.SpikingReadoutClassifier` (or the results
written by the ``spikencg`` command) and returns a matplotlib Figure; nothing is shown
or saved. Install the ``plot`` extra: ``pip install "spikencg[plot]"``.

Wherever a fitted readout is expected, a fitted :class:`sklearn.pipeline.Pipeline` whose
last step is a SpikingReadoutClassifier (e.g. ``make_pipeline(TTFSEncoder(),
SpikingReadoutClassifier())``) is accepted too: the readout is drawn, and samples given to
the function (``x`` of :func:`plot_raster`, ``X`` of :func:`plot_firing_times`) are the
pipeline's inputs, passed through its earlier steps' ``transform`` first, as
``pipeline.predict`` does.
"""

import csv
import json
import numbers
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from . import _results
from .spikes import spike_arrays

__all__ = [
    "plot_competition",
    "plot_competition_runs",
    "plot_firing_times",
    "plot_gridsearch",
    "plot_history",
    "plot_kfold",
    "plot_raster",
    "plot_table1",
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


_EXPECTED_MODEL = "a fitted SpikingReadoutClassifier or a Pipeline whose last step is one"


def _readout(model, name="clf"):
    """The fitted readout of ``model`` and the transformers that come before it.

    ``model`` is a SpikingReadoutClassifier or a (possibly nested) Pipeline ending in
    one; the transformers are the Pipeline's earlier steps ("passthrough" and None
    dropped), to apply in order to the Pipeline's input. Raises a TypeError naming
    ``name`` for anything else, and sklearn's NotFittedError for an unfitted model.
    """
    from sklearn.pipeline import Pipeline

    from .readout import SpikingReadoutClassifier

    if isinstance(model, Pipeline):
        if not model.steps:
            raise TypeError(f"{name} must be {_EXPECTED_MODEL}; got an empty Pipeline.")
        _check_fitted(model)
        last = model.steps[-1][1]
        if not isinstance(last, (SpikingReadoutClassifier, Pipeline)):
            raise TypeError(f"{name} must be {_EXPECTED_MODEL}; got a Pipeline whose last "
                            f"step is {type(last).__name__}.")
        readout, inner = _readout(last, name)
        before = [step for _, step in model.steps[:-1]
                  if step is not None and not (isinstance(step, str) and step == "passthrough")]
        return readout, before + inner
    if not isinstance(model, SpikingReadoutClassifier):
        hint = ""
        if hasattr(model, "best_estimator_"):
            hint = f" (for a fitted search, pass {name}.best_estimator_)"
        elif isinstance(model, (str, os.PathLike)):
            hint = " (load a saved model first, e.g. with joblib.load)"
        raise TypeError(f"{name} must be {_EXPECTED_MODEL}; got {type(model).__name__}"
                        f"{hint}.")
    _check_fitted(model)
    return model, []


def _transform(steps, X):
    """``X`` passed through the transformers ``steps`` (a Pipeline's earlier steps)."""
    for step in steps:
        X = step.transform(X)
    return X


def _check_class_index(class_index, clf):
    """Raise a clear error unless ``class_index`` indexes ``clf.classes_``."""
    C = clf.classes_.shape[0]
    if isinstance(class_index, bool) or not isinstance(class_index, numbers.Integral):
        raise TypeError(f"class_index must be an int, the index of a class in classes_ "
                        f"(0 to {C - 1}); got {class_index!r}.")
    if not 0 <= class_index < C:
        raise ValueError(f"class_index={class_index} is not a class index: the model has "
                         f"{C} classes, so it must be in 0 to {C - 1}.")


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= 1, got {value!r}.")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}.")
    return int(value)


def _float_array(x, message):
    """``x`` as a float64 array; a TypeError ``message (reason).`` if it is not numeric."""
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{message} ({exc}).") from exc


def _one_sample(x, n_inputs):
    """``x`` as a one-row batch (dense 2-D array or sparse row); a clear error otherwise.

    ``n_inputs`` is the number of values a sample has (None when unknown).
    """
    from scipy import sparse

    n = "n_features" if n_inputs is None else str(n_inputs)
    expected = (f"x must be one sample: an array of shape ({n},) or (1, {n}), or a one-row "
                f"spike list")
    if sparse.issparse(x):
        if x.ndim != 2 or x.shape[0] != 1:
            raise ValueError(f"{expected}; got a sparse matrix of shape {x.shape}. To draw "
                             f"sample i of a batch X, pass X[i].")
        return x
    X = _float_array(x, f"{expected}; got {type(x).__name__} that is not numeric")
    if X.ndim == 1:
        X = X.reshape(1, -1)
    if X.ndim != 2 or X.shape[0] != 1:
        hint = " To draw sample i of a batch X, pass X[i]." if X.ndim >= 2 else ""
        if X.ndim >= 2 and n_inputs is not None and X.size == n_inputs:
            hint = " An image must be flattened first: pass x.ravel()."
        raise ValueError(f"{expected}; got an array of shape {X.shape}.{hint}")
    return X


def plot_raster(clf, x, *, title=None):
    """Spike raster of one sample: its input spikes and the output neurons' spikes.

    Parameters
    ----------
    clf : SpikingReadoutClassifier or Pipeline
        A fitted readout, or a fitted Pipeline whose last step is one.
    x : array-like of shape (n_features,) or (1, n_features), or a one-row spike list
        The sample (dense first-spike times, or a row of a CSR spike list). With a
        Pipeline: one sample of the Pipeline's input, encoded by its earlier steps (the
        input panel shows the encoded spikes).
    title : str, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Two panels: input spikes (input index vs time) and output neurons (neuron index
        vs firing time; silent neurons drawn as hollow markers at ``max_time``; the
        winning neuron, whose class is the prediction, is marked).

    Raises
    ------
    TypeError
        If ``clf`` is not a SpikingReadoutClassifier or a Pipeline ending in one, or
        ``x`` is not numeric.
    ValueError
        If ``x`` is not one sample (e.g. a batch, or a 2-D image given to a bare
        readout: flatten it; a Pipeline fitted on images takes one image), or has
        not as many values as the model has inputs.
    sklearn.exceptions.NotFittedError
        If the model is not fitted.
    """
    clf, steps = _readout(clf)
    plt = _plt()
    n_inputs = clf.weights_.shape[1]
    if steps:
        n_inputs = getattr(steps[0], "n_features_in_", None)
        # a Pipeline's first step may take samples of several dimensions (images):
        # one such sample, alone or as a batch of one, goes through as is
        shape = tuple(getattr(steps[0], "input_shape_", ()))
        if len(shape) > 1 and hasattr(x, "shape") and not hasattr(x, "tocsr"):
            if tuple(x.shape) == shape:
                x = np.asarray(x)[None]
            if tuple(x.shape) == (1, *shape):
                x = np.asarray(x).reshape(1, -1)
    X = _transform(steps, _one_sample(x, n_inputs))
    arrays = _as_batch(clf, X, name="x")
    _, indices, times = arrays
    S, _, winner = _neuron_outputs(clf, arrays)
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
    w = int(winner[0])
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


def _as_batch(clf, X, name="X"):
    """Canonical spike arrays of a batch (spike lists or dense first-spike times)."""
    from scipy import sparse

    if not sparse.issparse(X):
        X = _float_array(X, f"{name} must hold numbers (first-spike times), got "
                            f"{type(X).__name__}")
        if X.ndim == 0:
            raise ValueError(f"{name} must be an array of samples, got a scalar.")
        X = X.reshape(1, -1) if X.ndim == 1 else X.reshape(X.shape[0], -1)
    if X.shape[1] != clf.weights_.shape[1]:
        raise ValueError(f"{name} has {X.shape[1]} values per sample, but the model has "
                         f"{clf.weights_.shape[1]} inputs.")
    return spike_arrays(X, max_time=float(clf.max_time))


def _neuron_outputs(clf, arrays):
    """Firing times, potentials and the decision's winner on every sample.

    Runs the compiled forward pass of each sample to the end (no early stop, decision
    thresholds), so every neuron's first spike time is known (``max_time`` when it stays
    silent); the winner follows the kernels' tie rule (earliest spike, then larger
    potential, then smaller index).
    """
    from ._kernels._forward import simulate_batch

    indptr, indices, times = arrays
    W = np.ascontiguousarray(np.asarray(clf.weights_).T, dtype=np.float32)
    n, N = indptr.shape[0] - 1, W.shape[1]
    S = np.empty((n, N))
    V = np.empty((n, N), np.float32)
    winner = np.empty(n, np.int64)
    simulate_batch(indptr[:-1], indptr[1:], indices, times, W,
                   np.ascontiguousarray(clf.thresholds_, dtype=np.float64),
                   float(clf.max_time), clf.neuron == "lif", float(clf.tau), S, V, winner)
    return S, V, winner


def plot_weights(clf, image_shape=None, *, cmap="viridis"):
    """Learned weights of every output neuron, grouped by class (one row per class).

    Parameters
    ----------
    clf : SpikingReadoutClassifier or Pipeline
        A fitted readout, or a fitted Pipeline whose last step is one (its readout's
        weights, over the encoded inputs, are drawn).
    image_shape : (int, int), default=None
        Shape ``(height, width)`` of one input image, e.g. ``(8, 8)`` or ``(28, 28)``;
        their product must be the number of inputs of the readout. Weights are drawn as
        images. None: each neuron's weights as one heatmap row.
    cmap : str, default="viridis"
        Colour map.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One row per class, one column per neuron of the class's NCG; non-target
        neurons are framed in red and titled "NT".

    Raises
    ------
    TypeError
        If ``clf`` is not a SpikingReadoutClassifier or a Pipeline ending in one, or
        ``image_shape`` is not a pair of ints.
    ValueError
        If ``image_shape`` holds a value < 1, or its product is not the number of
        inputs.
    sklearn.exceptions.NotFittedError
        If the model is not fitted.
    """
    clf, _ = _readout(clf)
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
    image_shape = _check_image_shape(image_shape, W.shape[1])
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


def _check_image_shape(image_shape, n_inputs):
    """``image_shape`` as a pair of ints whose product is ``n_inputs``; else a clear error."""
    expected = (f"image_shape must be a pair of positive ints (height, width) whose product "
                f"is the number of inputs, {n_inputs}")
    try:
        shape = tuple(image_shape) if not isinstance(image_shape, (str, bytes)) else None
    except TypeError:
        shape = None
    if shape is None or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                                for v in shape):
        raise TypeError(f"{expected}; got {image_shape!r}.")
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"{expected}; got {image_shape!r}.")
    shape = (int(shape[0]), int(shape[1]))
    if shape[0] * shape[1] != n_inputs:
        raise ValueError(f"image_shape={shape} holds {shape[0] * shape[1]} values but the "
                         f"model has {n_inputs} inputs.")
    return shape


def plot_competition(models, class_index=0, *, labels=None):
    """Weight updates per epoch received by each neuron of one NCG (the paper's Fig. 2).

    Parameters
    ----------
    models : SpikingReadoutClassifier, Pipeline, or list of them
        Fitted readouts (e.g. with and without competition regulation), one panel each;
        a fitted Pipeline stands for its last step, a SpikingReadoutClassifier.
    class_index : int, default=0
        Index (in ``classes_``) of the class whose NCG is drawn.
    labels : str or list of str, default=None
        Panel titles, one per model (a str: the title of a single model). None: the
        class drawn.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Per panel, one line per neuron of the NCG: updates received on samples of its
        own class in each epoch (non-target neurons dashed).

    Raises
    ------
    TypeError
        If a model is not a SpikingReadoutClassifier or a Pipeline ending in one, or
        ``class_index`` is not an int.
    ValueError
        If ``models`` is empty, ``class_index`` is not the index of a class of every
        model, or ``labels`` has not one label per model.
    sklearn.exceptions.NotFittedError
        If a model is not fitted.
    """
    if not isinstance(models, (list, tuple)):
        models = [models]
    if len(models) == 0:
        raise ValueError("models is empty: pass a fitted SpikingReadoutClassifier or a "
                         "non-empty list of them.")
    models = [_readout(m, f"models[{k}]" if len(models) > 1 else "models")[0]
              for k, m in enumerate(models)]
    for clf in models:
        _check_class_index(class_index, clf)
    if isinstance(labels, str):
        labels = [labels]
    if labels is not None:
        labels = list(labels)
        if len(labels) != len(models):
            raise ValueError(f"labels has {len(labels)} entries for {len(models)} models; "
                             f"give one label per model.")
    plt = _plt()
    fig, axes = plt.subplots(1, len(models), figsize=(5 * len(models), 3.5), squeeze=False)
    for k, clf in enumerate(models):
        M, L = clf.neurons_per_class_, clf.non_target_neurons_
        upd = clf.updates_own_class_[:, class_index * M : (class_index + 1) * M]
        _draw_competition(axes[0, k], upd, L, labels[k] if labels is not None
                          else f"class {clf.classes_[class_index]}")
    fig.tight_layout()
    return fig


def _draw_competition(ax, upd, L, title):
    """One panel of the competition picture: a line per neuron of one NCG."""
    epochs = np.arange(1, upd.shape[0] + 1)
    for m in range(upd.shape[1]):
        ax.plot(epochs, upd[:, m], ls="--" if m < L else "-",
                label=f"neuron {m}{' (NT)' if m < L else ''}")
    ax.set(xlabel="epoch", ylabel="updates", title=title)
    ax.legend(fontsize="small")


def plot_competition_runs(runs, class_index=0):
    """The competition picture (the paper's Fig. 2) from recorded runs instead of models.

    Parameters
    ----------
    runs : dict
        Panel title -> a dict with ``"updates_own_class"`` (array-like of shape
        (n_epochs, n_neurons): updates each neuron received on samples of its own class
        in each epoch, as the ``updates_own_class_`` of a fitted readout),
        ``"neurons_per_class"`` and ``"non_target_neurons"``; e.g. the output of
        :func:`spikencg.table1.competition_runs` (the fold results of ``spikencg
        table1`` record these).
    class_index : int, default=0
        Index of the class whose NCG is drawn.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One panel per run, one line per neuron of the NCG (non-target neurons dashed).

    Raises
    ------
    ValueError
        If ``runs`` is empty, a run lacks one of the entries, its updates are not a 2-D
        array of ``n_classes * neurons_per_class`` columns, or ``class_index`` is not
        a class index of every run.
    """
    if not isinstance(runs, Mapping) or not runs:
        raise ValueError("runs must be a non-empty dict of title -> recorded run.")
    panels = []
    for title, run in runs.items():
        try:
            upd = np.asarray(run["updates_own_class"], dtype=float)
            M, L = int(run["neurons_per_class"]), int(run["non_target_neurons"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"runs[{title!r}] must hold 'updates_own_class', "
                             f"'neurons_per_class' and 'non_target_neurons' ({exc}).") from None
        if upd.ndim != 2 or M < 1 or upd.shape[1] % M:
            raise ValueError(f"runs[{title!r}]: 'updates_own_class' must have shape "
                             f"(n_epochs, n_classes * {M}), got {upd.shape}.")
        if isinstance(class_index, bool) or not isinstance(class_index, numbers.Integral) \
                or not 0 <= class_index < upd.shape[1] // M:
            raise ValueError(f"class_index {class_index!r} is not the index of one of the "
                             f"{upd.shape[1] // M} classes of runs[{title!r}].")
        panels.append((title, upd[:, class_index * M : (class_index + 1) * M], L))
    plt = _plt()
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.4),
                             squeeze=False, sharey=True)
    for ax, (title, upd, L) in zip(axes[0], panels, strict=True):
        _draw_competition(ax, upd, L, title)
        ax.title.set_fontsize("small")
    fig.tight_layout()
    return fig


def plot_table1(rows, *, ablation=False, title=None):
    """Bars of the K-fold test accuracies of ``spikencg table1``, the paper's marked.

    Parameters
    ----------
    rows : list of dict, or str or path-like
        Rows as returned by :func:`spikencg.table1.collect_results`, or the path of a
        ``table1.csv`` it wrote.
    ablation : bool, default=False
        Draw only the ablation study's configurations (M-1 ... M-5+Drop+L), in the
        groups where it was run (:func:`spikencg.table1.ablation_rows`); otherwise all
        but those only the ablation study has.
    title : str, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One panel per (dataset, extractor, extractor mode): a bar per configuration at
        the mean test accuracy with the std as error bar, the paper's mean ± std as a
        red mark beside it where published.

    Raises
    ------
    ValueError
        If there is no row to draw.
    FileNotFoundError
        If a path is given that does not exist.
    """
    from .table1 import ABLATION, DATASETS, _ablation_only, ablation_rows, config_label

    if isinstance(rows, (str, os.PathLike)):
        with open(rows, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        for r in rows:
            for k in ("mean", "std", "paper_mean", "paper_std"):
                r[k] = float(r[k]) if r.get(k) not in (None, "") else None
    rows = list(rows)
    if ablation:
        rows = ablation_rows(rows)
    else:
        rows = [r for r in rows if not _ablation_only(r["config"])]
    if not rows:
        raise ValueError("no result row to draw" + (" (no ablation configuration)"
                                                    if ablation else "") + ".")
    panels = {}
    for r in rows:
        panels.setdefault((r["dataset"], r["extractor"], r["extractor_mode"]), []).append(r)
    plt = _plt()
    width = max(len(p) for p in panels.values())
    fig, axes = plt.subplots(1, len(panels), figsize=(max(3.5, 0.9 * width + 1.2)
                                                      * len(panels), 3.8), squeeze=False)
    names = {v: k for k, v in ABLATION.items()}
    for ax, ((d, e, mode), rs) in zip(axes[0], panels.items(), strict=True):
        x = np.arange(len(rs))
        means = np.array([r["mean"] for r in rs])
        stds = np.array([r["std"] for r in rs])
        ax.bar(x - 0.18, 100 * means, 0.36, yerr=100 * stds, capsize=3, color="C0",
               label="measured")
        lo = float(np.min(means - stds))
        for i, r in enumerate(rs):
            ax.annotate(f"{100 * r['mean']:.2f}", (x[i] - 0.18, 100 * (r["mean"] + r["std"])),
                        xytext=(0, 2), textcoords="offset points", ha="center",
                        fontsize="x-small")
            if r.get("paper_mean") is not None:
                ax.errorbar(x[i] + 0.18, 100 * r["paper_mean"], yerr=100 * r["paper_std"],
                            fmt="_", color="C3", markersize=14, capsize=3,
                            label="paper" if i == next(j for j, q in enumerate(rs)
                                                       if q.get("paper_mean") is not None)
                            else None)
                lo = min(lo, r["paper_mean"] - r["paper_std"])
        labels = [names[r["config"]] if ablation else config_label(r["config"]) for r in rs]
        ax.set_xticks(x, labels, rotation=30, ha="right", fontsize="small")
        hi = max([float(np.max(means + stds))] + [r["paper_mean"] + r["paper_std"]
                                                   for r in rs if r.get("paper_mean")])
        ax.set_ylim(max(0.0, 100 * lo - 3), min(100.0, 100 * hi + 2))
        ds = DATASETS[d].label if d in DATASETS else d
        ax.set(ylabel="test accuracy (%)", title=f"{ds}, {e} ({mode})")
        ax.title.set_fontsize("small")
        ax.legend(fontsize="x-small", loc="lower right")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_history(clf):
    """Training curves: accuracies and silent samples per epoch.

    Parameters
    ----------
    clf : SpikingReadoutClassifier or Pipeline
        A fitted readout, or a fitted Pipeline whose last step is one.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Training (and validation, when recorded) accuracy, and the share of training
        samples on which no output neuron fired.

    Raises
    ------
    TypeError
        If ``clf`` is not a SpikingReadoutClassifier or a Pipeline ending in one.
    sklearn.exceptions.NotFittedError
        If the model is not fitted.
    """
    clf, _ = _readout(clf)
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
    clf : SpikingReadoutClassifier or Pipeline
        A fitted readout (uses ``threshold_history_``, ``threshold_`` and
        ``thresholds_``), or a fitted Pipeline whose last step is one.
    class_index : int, default=None
        Index (in ``classes_``) of the class whose NCG is drawn, one line per neuron
        (non-target neurons dashed). None: every neuron, coloured by class.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Threshold at each epoch end versus epoch; the initial threshold is drawn as a
        dotted grey line.

    Raises
    ------
    TypeError
        If ``clf`` is not a SpikingReadoutClassifier or a Pipeline ending in one, or
        ``class_index`` is not an int.
    ValueError
        If ``class_index`` is not the index of a class.
    sklearn.exceptions.NotFittedError
        If the model is not fitted.
    """
    clf, _ = _readout(clf)
    if class_index is not None:
        _check_class_index(class_index, clf)
    plt = _plt()
    H = np.asarray(clf.threshold_history_, dtype=np.float64)
    M, L = clf.neurons_per_class_, clf.non_target_neurons_
    C = clf.classes_.shape[0]
    epochs = np.arange(1, H.shape[0] + 1)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    colors = _class_colors(plt, C)
    if class_index is not None:
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
    clf : SpikingReadoutClassifier or Pipeline
        A fitted readout, or a fitted Pipeline whose last step is one.
    X : {sparse matrix, array-like} of shape (n_samples, n_features), default=None
        Samples (spike lists or dense first-spike times) run through the model with the
        decision thresholds; with a Pipeline, samples of the Pipeline's input, encoded by
        its earlier steps first. None: draw the training history ``mean_firing_time_``
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

    Raises
    ------
    TypeError
        If ``bins`` is not an int, or ``clf`` is not a SpikingReadoutClassifier or a
        Pipeline ending in one.
    ValueError
        If ``X`` has not as many values per sample as the model has inputs, ``y`` has
        not one label per sample or holds unknown labels, or ``bins`` < 1.
    sklearn.exceptions.NotFittedError
        If the model is not fitted.
    """
    clf, steps = _readout(clf)
    bins = _check_positive_int(bins, "bins")
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
    S, _, _ = _neuron_outputs(clf, _as_batch(clf, _transform(steps, X)))
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
_USE_PLOT_KFOLD = "draw K-fold results with plot_kfold"
_USE_PLOT_GRIDSEARCH = "draw gridsearch results with plot_gridsearch"
_KFOLD_RESULT = ("a K-fold result is an output folder of `spikencg kfold` (or its "
                 "kfold.json or folds.csv), the dict read from kfold.json, the dict "
                 "returned by sklearn's cross_validate, or an array of per-fold accuracies")


def _kfold_scores(result):
    """{metric: per-fold values} of one K-fold result, and a default label."""
    label = None
    if isinstance(result, (str, Path)):
        path = Path(result)
        label = path.name if path.is_dir() else path.parent.name
        if path.is_dir():
            found = _results.kfold_file(path)
            if found is None and _results.folder_kind(path) == "gridsearch":
                raise ValueError(f"{path} is the output of `spikencg gridsearch`, not of "
                                 f"`spikencg kfold`: {_USE_PLOT_GRIDSEARCH}.")
            if found is None:
                raise FileNotFoundError(f"{path}: no kfold.json or folds.csv found.")
            path = found
        result = _results.read_kfold(path)
    if isinstance(result, Mapping):
        if "folds" in result:
            folds = result["folds"]
            if not isinstance(folds, (list, tuple)) or not all(
                    isinstance(r, Mapping) for r in folds):
                raise ValueError("the 'folds' of a K-fold result must be a list of dicts "
                                 "(one per fold).")
            scores = {}
            for key in _KFOLD_METRICS:
                vals = [r.get(key) for r in folds]
                vals = [float(v) for v in vals if v not in (None, "", "None")]
                if vals:
                    scores[key] = np.asarray(vals)
            return scores, label
        if "test_score" in result:  # sklearn.model_selection.cross_validate
            return {"test_accuracy": _fold_values(result["test_score"])}, label
        if "params" in result and ("mean_test_score" in result or "status" in result):
            raise ValueError(f"this is a gridsearch result, not a K-fold one: "
                             f"{_USE_PLOT_GRIDSEARCH}.")
        raise ValueError("a K-fold result needs a 'folds' list (kfold.json) or a "
                         "'test_score' array (sklearn cross_validate).")
    return {"test_accuracy": _fold_values(result)}, label


def _fold_values(values):
    """Per-fold accuracies as a non-empty 1-D float array; a clear error otherwise."""
    try:
        vals = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{_KFOLD_RESULT}; got {type(values).__name__}.") from exc
    if vals.size == 0:
        raise ValueError("a K-fold result is an empty array: it needs per-fold accuracies.")
    return vals


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
    metrics : str or list of str, default=None
        Which of "validation_accuracy" (the held-out fold) and "test_accuracy" (the test
        set) to draw. None: those present. cross_validate outputs and arrays give
        "test_accuracy".
    title : str, default=None
        Axes title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Bars at the mean accuracy with the standard deviation as error bars (the paper's
        "mean ± std"), each fold's accuracy as a dot, and the mean ± std in % as text.

    Raises
    ------
    TypeError
        If a result is none of the kinds above.
    ValueError
        If ``results`` is empty or holds no accuracy, ``labels`` has not one label per
        result, a metric is unknown or in none of the results, or a result is a
        gridsearch output (draw those with :func:`plot_gridsearch`).
    FileNotFoundError
        If a folder or file given does not exist or holds no K-fold result.
    """
    if isinstance(results, (list, tuple, np.ndarray)) and len(results) == 0:
        raise ValueError("results is empty: give at least one K-fold result.")
    if isinstance(results, Mapping) and not ("folds" in results or "test_score" in results
                                             or "params" in results):
        labels = list(results) if labels is None else labels
        results = list(results.values())
    elif isinstance(results, (str, os.PathLike, Mapping)) or (
            np.ndim(results) == 1 and all(isinstance(r, numbers.Real) for r in results)):
        results = [results]
    elif np.ndim(results) == 0 and not isinstance(results, (list, tuple)):
        raise TypeError(f"results must be a K-fold result, a list of them or a dict of "
                        f"label to result ({_KFOLD_RESULT}); got {type(results).__name__}.")
    if len(results) == 0:
        raise ValueError("results is empty: give at least one K-fold result.")
    parsed = [_kfold_scores(r) for r in results]
    if labels is None:
        labels = [lab or f"config {i + 1}" for i, (_, lab) in enumerate(parsed)]
    if isinstance(labels, str):
        labels = [labels]
    labels = list(labels)
    if len(labels) != len(parsed):
        raise ValueError(f"{len(labels)} labels for {len(parsed)} results.")
    present = [m for m in _KFOLD_METRICS if any(m in sc for sc, _ in parsed)]
    if metrics is None:
        metrics = present
        if not metrics:
            raise ValueError("no accuracies found in the results.")
    else:
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        if not metrics:
            raise ValueError(f"metrics is empty; choose among {present} (or pass None).")
        for m in metrics:
            if m not in _KFOLD_METRICS:
                raise ValueError(f"unknown metric {m!r}; the metrics are "
                                 f"{list(_KFOLD_METRICS)}, and the results have {present}.")
            if m not in present:
                raise ValueError(f"no result has {m!r}; the results have {present}.")
    plt = _plt()
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


_GRID_BOOKKEEPING = ("epochs", "fit_seconds")
_GRID_RESULTS = ("results must be an output folder of `spikencg gridsearch`, a list of its "
                 "run dicts, or a fitted GridSearchCV (or its cv_results_)")


def _run_metrics(runs):
    """Names of the numeric scores that the run dicts ``runs`` hold."""
    return sorted({k for r in runs for k, v in r.items()
                   if isinstance(v, numbers.Real) and not isinstance(v, bool)
                   and k not in _GRID_BOOKKEEPING})


def _read_grid_folder(path, metric):
    """Finished runs of a `spikencg gridsearch` output folder holding ``metric``."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such folder.")
    if path.is_file():
        if (path.name in (_results.KFOLD, _results.FOLDS)
                or _results.is_fold_result(_results.read_json_or_none(path))):
            raise ValueError(f"{path} is a K-fold result, not a gridsearch one: "
                             f"{_USE_PLOT_KFOLD}.")
        raise ValueError(f"{path} is a file; {_GRID_RESULTS} (the folder holding runs/).")
    if _results.folder_kind(path) == "kfold":
        raise ValueError(f"{path} is the output of `spikencg kfold`, not of `spikencg "
                         f"gridsearch`: {_USE_PLOT_KFOLD}.")
    found, skipped, _ = _results.grid_runs(path)
    runs = path / _results.RUNS if _results.folder_kind(path) == "gridsearch" else path
    if not found and any(_results.is_fold_result(_results.read_json_or_none(runs / name))
                         for name in skipped):
        raise ValueError(f"{path} holds the folds of `spikencg kfold`, not gridsearch runs: "
                         f"{_USE_PLOT_KFOLD}.")
    if not found:
        raise FileNotFoundError(f"{path}: no finished gridsearch run found.")
    results = [r for r in found if metric in r]
    if not results:
        raise ValueError(f"unknown metric {metric!r}: no run in {path} has it; the runs "
                         f"have {_run_metrics(found)}.")
    return results


def _cv_records(cv, metric):
    """Runs as (params, score, std) from a GridSearchCV's ``cv_results_``."""
    scorers = sorted(k[len("mean_test_"):] for k in cv if k.startswith("mean_test_"))
    name = metric[len("mean_test_"):] if metric.startswith("mean_test_") else metric
    if name not in scorers:
        if metric == "validation_accuracy" and len(scorers) == 1:  # the default
            name = scorers[0]
        elif metric == "validation_accuracy":
            raise ValueError(f"these cv_results_ hold several scores {scorers}: choose "
                             f"one with metric=.")
        else:
            raise ValueError(f"unknown metric {metric!r}: the cv_results_ have the scores "
                             f"{scorers}.")
    std = cv.get(f"std_test_{name}", np.full(len(cv["params"]), np.nan))
    return [({_short(k): v for k, v in p.items()}, float(m), float(s))
            for p, m, s in zip(cv["params"], cv[f"mean_test_{name}"], std, strict=True)]


def _grid_records(results, metric):
    """Runs as (params, score, std) from a gridsearch folder, run dicts or cv_results_."""
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a str, got {metric!r}.")
    if hasattr(results, "cv_results_"):  # a fitted GridSearchCV (or another search)
        results = results.cv_results_
    elif hasattr(results, "fit") and hasattr(results, "get_params"):
        if hasattr(results, "param_grid") or hasattr(results, "param_distributions"):
            from ._compat import check_is_fitted

            check_is_fitted(results)  # raises NotFittedError
        raise TypeError(f"{_GRID_RESULTS}; got the estimator {type(results).__name__}.")
    if isinstance(results, (str, os.PathLike)):
        results = _read_grid_folder(Path(results), metric)
    if isinstance(results, Mapping):
        if "params" in results and any(k.startswith("mean_test_") for k in results):
            return _cv_records(results, metric)
        if "folds" in results or "test_score" in results or _results.is_fold_result(results):
            raise ValueError(f"this is a K-fold result, not a gridsearch one: "
                             f"{_USE_PLOT_KFOLD}.")
        if "params" in results:  # a single run dict
            results = [results]
        else:
            raise ValueError(f"{_GRID_RESULTS}; got a dict with the keys {sorted(results)}.")
    if not isinstance(results, (list, tuple)):
        raise TypeError(f"{_GRID_RESULTS}; got {type(results).__name__}.")
    for i, r in enumerate(results):
        if not isinstance(r, Mapping):
            raise TypeError(f"{_GRID_RESULTS}; results[{i}] is {type(r).__name__}, not a "
                            f"run dict.")
    if results and all(_results.is_fold_result(r) for r in results):
        raise ValueError(f"these are the folds of a K-fold result, not gridsearch runs: "
                         f"{_USE_PLOT_KFOLD}.")
    if results and not any(metric in r for r in results):
        raise ValueError(f"unknown metric {metric!r}: no run has it; the runs have "
                         f"{_run_metrics(results)}.")
    records = []
    for i, r in enumerate(results):
        if metric not in r:
            raise ValueError(f"gridsearch run results[{i}] has no {metric!r}.")
        params = {k: v for k, v in r.get("params", {}).items() if not k.startswith("_")}
        records.append((params, float(r[metric]), np.nan))
    return records


def plot_gridsearch(results, *, metric="validation_accuracy", top=10, params=None):
    """Summary of a grid search: the best configurations and the effect of each parameter.

    Parameters
    ----------
    results : path, list of dict, dict, or GridSearchCV
        The output folder of ``spikencg gridsearch`` (its ``runs/*.json``), a list of
        those run dicts, or a fitted :class:`~sklearn.model_selection.GridSearchCV` (or
        another search with ``cv_results_``) or its ``cv_results_`` (pipeline prefixes
        such as ``clf__`` are dropped from the names). K-fold outputs are drawn by
        :func:`plot_kfold`.
    metric : str, default="validation_accuracy"
        Score of a ``spikencg gridsearch`` run to rank by (e.g.
        "best_validation_accuracy"). With ``cv_results_``: the name of a scorer ("score"
        for a single one, or ``mean_test_<name>``); the default takes the only scorer.
    top : int, default=10
        Number of best configurations drawn in the first panel (>= 1).
    params : str or list of str, default=None
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

    Raises
    ------
    TypeError
        If ``results`` is none of the kinds above, or ``top`` is not an int.
    ValueError
        If ``results`` holds no run, ``metric`` is not a score of the runs (the message
        lists those), ``top`` < 1, a parameter of ``params`` is not in the grid, or
        ``results`` is a K-fold output (draw those with :func:`plot_kfold`).
    FileNotFoundError
        If the folder does not exist or holds no finished run.
    sklearn.exceptions.NotFittedError
        If a search object given is not fitted.
    """
    top = _check_positive_int(top, "top")
    records = _grid_records(results, metric)
    if not records:
        raise ValueError("no gridsearch results to draw.")
    plt = _plt()

    def key(v):
        return json.dumps(v, sort_keys=True, default=str)

    names = sorted({k for p, _, _ in records for k in p})
    varying = [k for k in names if len({key(p.get(k)) for p, _, _ in records}) > 1]
    if isinstance(params, str):
        params = [params]
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
