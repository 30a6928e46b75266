"""No competition regulation (also the paper's Drop ablation, whose output dropout is
drawn by the epoch loop)."""

from .._jit import njit
from ._phases import EPOCH_START, THRESHOLDS

__all__ = ["no_regulation"]


@njit(cache=True, nogil=True, inline="always")
def no_regulation(phase, label, cfg, rates, theta, phi, theta32, thr32, s, V, active):
    """Every neuron trains with its decision threshold; ``phi`` follows ``theta`` (it is
    reset to it at the start of every epoch, for the history). Parameters as for
    :func:`~spikencg._kernels.competition.two_compartment.two_compartment`.
    """
    if phase == EPOCH_START:
        phi[:] = theta
    elif phase == THRESHOLDS:
        for n in range(thr32.shape[0]):
            thr32[n] = theta32[n]
