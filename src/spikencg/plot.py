"""Pictures of what a spiking readout learned (matplotlib, imported lazily).

Every function takes a fitted :class:`~spikencg.SpikingReadoutClassifier` (or arrays) and
returns a matplotlib Figure. Install the ``plot`` extra: ``pip install "spikencg[plot]"``.
"""

import numpy as np

from .encoding import spike_arrays

__all__ = ["plot_raster", "plot_weights", "plot_competition", "plot_history"]


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
    arrays = spike_arrays(X, max_time=float(clf.max_time))
    _, indices, times = arrays
    winner, _, _ = clf._simulate(arrays, full=False)
    s, _ = _neuron_outputs(clf, indices, times)
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


def _neuron_outputs(clf, indices, times):
    """Firing time and potential of every neuron for one sample (decision thresholds)."""
    from ._kernels._forward import simulate

    W = np.ascontiguousarray(clf.weights_.T, dtype=np.float32)
    N = W.shape[1]
    s = np.empty(N)
    V = np.empty(N, np.float32)
    simulate(0, indices.shape[0], indices, times, W,
             np.ascontiguousarray(clf.thresholds_, dtype=np.float64), np.ones(N, bool),
             float(clf.max_time), clf.neuron == "lif", float(clf.tau), False, s, V,
             np.empty(N, np.float32), np.empty(N, bool))
    return s, V


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
