"""What every competition mode does with the ranges of neurons it names: the training
thresholds of the forward pass, and the regulation update (ALGORITHM.md section 5).

Inlined into the epoch loop, each uses every array it takes on every path (see
``_train``)."""

import numpy as np

from .._forward import best_of_range
from .._jit import njit

__all__ = ["count_active", "regulate", "training_thresholds"]


@njit(cache=True, nogil=True, inline="always")
def training_thresholds(lo, hi, theta32, phi, thr32):
    """``thr32``: the float32 training thresholds of the forward pass, ``phi`` (rounded to
    float32) for neurons ``lo`` to ``hi - 1`` and ``theta32`` for the others."""
    for n in range(thr32.shape[0]):
        thr32[n] = theta32[n]
    for n in range(lo, hi):
        thr32[n] = np.float32(phi[n])


@njit(cache=True, nogil=True, inline="always")
def count_active(active, lo, hi):
    """``K``, the number of active neurons from ``lo`` to ``hi - 1``."""
    K = 0
    for n in range(lo, hi):
        if active[n]:
            K += 1
    return K


@njit(cache=True, nogil=True, inline="always")
def regulate(lo, hi, K, floor, cfg, rates, phi, s, V, active):
    """The regulation update of the group ``G`` of neurons ``lo`` to ``hi - 1``, ``K >= 2``
    of them active (:func:`count_active`).

    The first active one under the decision order (on the outputs ``s``, ``V`` before
    intra-class inhibition) gets ``phi += eta (K - 1) / K``, the other active ones
    ``phi -= eta / K`` (float32 thresholds, each update rounded, as in the original),
    ``eta = rates.threshold_lr``; with ``floor``, ``phi`` is kept at
    ``cfg.threshold_floor`` or above.
    """
    eta = rates.threshold_lr
    g_star = best_of_range(lo, hi, s, V, active)
    for n in range(lo, hi):
        if not active[n]:
            continue
        if n == g_star:
            phi[n] = np.float32(np.float32(phi[n]) + eta * (K - 1) / K)
        else:
            phi[n] = np.float32(np.float32(phi[n]) - eta / K)
        if floor and phi[n] < cfg.threshold_floor:
            phi[n] = cfg.threshold_floor
