"""Two-compartment competition regulation (CR-2), the paper's default with NCGs
(ALGORITHM.md section 5)."""

import numpy as np

from .._jit import njit
from ._phases import EPOCH_START, REGULATE, THRESHOLDS

__all__ = ["two_compartment"]


@njit(cache=True, nogil=True, inline="always")
def two_compartment(phase, label, cfg):
    """CR-2: adaptive thresholds ``phi`` for the target neurons of the sample's class.

    ``phi`` is reset to the decision thresholds ``theta`` at the start of every epoch;
    the forward pass uses ``phi`` for the target neurons of the sample's class and
    ``theta`` for the others; after it, that group is regulated, with the floor.

    The parameters and returned values are those of every competition mode.

    Parameters
    ----------
    phase : int, one of the phases of ``competition._phases``.
    label : int, class index of the sample (per-sample phases).
    cfg : Settings, the epoch's settings.

    Returns
    -------
    lo, hi : int, the neurons ``lo`` to ``hi - 1`` that the phase concerns (see
        ``_phases``; ``lo == hi``: none).
    floor : bool, phase REGULATE: keep ``phi`` at ``cfg.threshold_floor`` or above.
    """
    M = cfg.neurons_per_class
    if phase == THRESHOLDS or phase == REGULATE:
        return label * M + cfg.non_target_neurons, (label + 1) * M, True
    if phase == EPOCH_START:
        return np.int64(0), cfg.n_classes * M, False
    return np.int64(0), np.int64(0), False
