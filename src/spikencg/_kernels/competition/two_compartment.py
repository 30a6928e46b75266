"""Two-compartment competition regulation (CR-2), the paper's default with NCGs
(ALGORITHM.md section 5)."""

import numpy as np

from .._forward import best_of_range, round_f32
from .._jit import njit
from ._phases import EPOCH_START, REGULATE, THRESHOLDS

__all__ = ["regulate_group", "two_compartment"]


@njit(cache=True, nogil=True, inline="always")
def regulate_group(label, cfg, rates, phi, fwd, floor):
    """The regulation update of the target neurons ``G`` of class ``label``.

    When at least two of them are active, the first of them under the decision order
    (on the outputs before intra-class inhibition) gets ``phi += eta (K - 1) / K``, the
    other active ones ``phi -= eta / K`` (float32 thresholds, each update rounded, as
    in the original), ``eta = rates.threshold_lr``; with ``floor``, ``phi`` is kept at
    ``cfg.threshold_floor`` or above.
    """
    M = cfg.neurons_per_class
    lo = label * M + cfg.non_target_neurons
    hi = (label + 1) * M
    active = fwd.active
    eta = rates.threshold_lr
    K = 0
    for n in range(lo, hi):
        if active[n]:
            K += 1
    if K >= 2:
        g_star = best_of_range(lo, hi, fwd.s, fwd.V, active)
        for n in range(lo, hi):
            if not active[n]:
                continue
            if n == g_star:
                phi[n] = np.float32(np.float32(phi[n]) + eta * (K - 1) / K)
            else:
                phi[n] = np.float32(np.float32(phi[n]) - eta / K)
            if floor and phi[n] < cfg.threshold_floor:
                phi[n] = cfg.threshold_floor


@njit(cache=True, nogil=True, inline="always")
def two_compartment(phase, label, cfg, rates, layer, fwd):
    """CR-2: adaptive thresholds ``phi`` for the target neurons of the sample's class.

    ``phi`` is reset to the decision thresholds ``theta`` at the start of every epoch;
    the forward pass uses ``phi`` for the target neurons of the sample's class and
    ``theta`` for the others; after it, :func:`regulate_group` with the floor.

    Parameters
    ----------
    phase : int, one of the phases of ``competition._phases``.
    label : int, class index of the sample (per-sample phases).
    cfg : Settings, the epoch's settings.
    rates : Rates, the epoch's rates (``threshold_lr``).
    layer : Layer, the weights and thresholds (``theta``, ``phi`` float64, in place).
    fwd : Forward, the sample's forward-pass arrays: ``thr32`` receives the float32
        training thresholds; ``s``, ``V``, ``active`` are read after the pass.
    """
    if phase == EPOCH_START:
        layer.phi[:] = layer.theta
    elif phase == THRESHOLDS:
        M = cfg.neurons_per_class
        lo = label * M + cfg.non_target_neurons
        hi = (label + 1) * M
        thr32 = fwd.thr32
        for n in range(thr32.shape[0]):
            thr32[n] = fwd.theta32[n]
        round_f32(layer.phi[lo:hi], thr32[lo:hi])
    elif phase == REGULATE:
        regulate_group(label, cfg, rates, layer.phi, fwd, True)
