"""No competition regulation (also the paper's Drop ablation, whose output dropout is
drawn by the epoch loop)."""

import numpy as np

from .._jit import njit
from ._phases import EPOCH_START

__all__ = ["no_regulation"]


@njit(cache=True, nogil=True, inline="always")
def no_regulation(phase, label, cfg):
    """Every neuron trains with its decision threshold; ``phi`` follows ``theta`` (it is
    reset to it at the start of every epoch, for the history). Parameters and returned
    values as for
    :func:`~spikencg._kernels.competition.two_compartment.two_compartment`.
    """
    if phase == EPOCH_START:
        return np.int64(0), cfg.n_classes * cfg.neurons_per_class, False
    return np.int64(0), np.int64(0), False
