"""One-threshold competition regulation (CR-1, an ablation; ALGORITHM.md section 5)."""

import numpy as np

from .._jit import njit
from ._phases import EPOCH_END, REGULATE, THRESHOLDS

__all__ = ["one_threshold"]


@njit(cache=True, nogil=True, inline="always")
def one_threshold(phase, label, cfg):
    """CR-1: a single threshold ``phi`` per neuron, used by every neuron in training.

    ``phi`` is never reset; after each sample the target neurons of its class are
    regulated as in CR-2, without floor; at each epoch end the decision thresholds take
    the values of ``phi``. Parameters and returned values as for
    :func:`~spikencg._kernels.competition.two_compartment.two_compartment`.
    """
    M = cfg.neurons_per_class
    if phase == THRESHOLDS or phase == EPOCH_END:
        return np.int64(0), cfg.n_classes * M, False
    if phase == REGULATE:
        return label * M + cfg.non_target_neurons, (label + 1) * M, False
    return np.int64(0), np.int64(0), False
