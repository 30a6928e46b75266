"""One-threshold competition regulation (CR-1, an ablation; ALGORITHM.md section 5)."""

from .._forward import round_f32
from .._jit import njit
from ._phases import EPOCH_END, REGULATE, THRESHOLDS
from .two_compartment import regulate_group

__all__ = ["one_threshold"]


@njit(cache=True, nogil=True, inline="always")
def one_threshold(phase, label, cfg, rates, theta, phi, theta32, thr32, s, V, active):
    """CR-1: a single threshold ``phi`` per neuron, used by every neuron in training.

    ``phi`` receives the CR-2 update after each sample, without floor, and is never
    reset; at each epoch end the decision thresholds take its values. Parameters as for
    :func:`~spikencg._kernels.competition.two_compartment.two_compartment`.
    """
    if phase == THRESHOLDS:
        round_f32(phi, thr32)
    elif phase == REGULATE:
        regulate_group(label, cfg, rates, phi, s, V, active, False)
    elif phase == EPOCH_END:
        theta[:] = phi
