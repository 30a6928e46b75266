"""Two-compartment competition regulation (CR-2), the paper's default with NCGs
(ALGORITHM.md section 5)."""

import numpy as np

from .._forward import best_of_range, round_f32
from .._jit import njit
from ._phases import EPOCH_START, REGULATE, THRESHOLDS

__all__ = ["regulate_group", "two_compartment"]


@njit(cache=True, nogil=True, inline="always")
def regulate_group(label, cfg, rates, phi, s, V, active, floor):
    """The regulation update of the target neurons ``G`` of class ``label``.

    When at least two of them are active, the first of them under the decision order
    (on the outputs ``s``, ``V`` before intra-class inhibition) gets
    ``phi += eta (K - 1) / K``, the other active ones ``phi -= eta / K`` (float32
    thresholds, each update rounded, as in the original), ``eta = rates.threshold_lr``;
    with ``floor``, ``phi`` is kept at ``cfg.threshold_floor`` or above.
    """
    M = cfg.neurons_per_class
    lo = label * M + cfg.non_target_neurons
    hi = (label + 1) * M
    eta = rates.threshold_lr
    K = 0
    for n in range(lo, hi):
        if active[n]:
            K += 1
    if K >= 2:
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


@njit(cache=True, nogil=True, inline="always")
def two_compartment(phase, label, cfg, rates, theta, phi, theta32, thr32, s, V, active):
    """CR-2: adaptive thresholds ``phi`` for the target neurons of the sample's class.

    ``phi`` is reset to the decision thresholds ``theta`` at the start of every epoch;
    the forward pass uses ``phi`` for the target neurons of the sample's class and
    ``theta`` for the others; after it, :func:`regulate_group` with the floor.

    The parameters are those of every competition mode.

    Parameters
    ----------
    phase : int, one of the phases of ``competition._phases``.
    label : int, class index of the sample (per-sample phases).
    cfg : Settings, the epoch's settings.
    rates : Rates, the epoch's rates (``threshold_lr``).
    theta, phi : (N,) float64, the decision and training thresholds (in place).
    theta32 : (N,) float32, the decision thresholds as float32 (per-sample phases).
    thr32 : (N,) float32, receives the training thresholds of the forward pass, as
        float32 (phase THRESHOLDS).
    s, V, active : (N,) arrays, the outputs of the forward pass before intra-class
        inhibition: firing times, potentials, neurons not dropped out (phase REGULATE).
    """
    if phase == EPOCH_START:
        phi[:] = theta
    elif phase == THRESHOLDS:
        M = cfg.neurons_per_class
        lo = label * M + cfg.non_target_neurons
        hi = (label + 1) * M
        for n in range(thr32.shape[0]):
            thr32[n] = theta32[n]
        round_f32(phi[lo:hi], thr32[lo:hi])
    elif phase == REGULATE:
        regulate_group(label, cfg, rates, phi, s, V, active, True)
