"""The competition modes, one compiled function each, and their registry.

Every mode has the signature ``mode(phase, label, cfg) -> (lo, hi, floor)`` (see
:func:`~spikencg._kernels.competition.two_compartment.two_compartment`): at each
``phase`` (:mod:`._phases`) it names the neurons ``lo`` to ``hi - 1`` concerned: at the
start of an epoch, those whose training thresholds are reset to the decision thresholds;
per sample, those that fire with their training thresholds in the forward pass, then the
group whose training thresholds are regulated after it (with or without the floor); at
the end of an epoch, those whose decision thresholds take the training thresholds'
values. The epoch loop does the work (:mod:`._regulation`, and
:func:`~spikencg._kernels._train.begin_epoch` / ``end_epoch``). A mode takes no array:
in the loop, a choice between inlined functions that take arrays keeps numba counting
their references at every call (measured: 450 instructions more per sample, 5 % of a
training step on digits; see ``rules``).

A mode is selected by its code (``Settings.competition``), which :data:`MODES` gives for
every name the estimator accepts. Adding a mode: its function in a file of its own here,
its code and registry line below, and its branch in :func:`competition_range` (see
docs/architecture.md).
"""

from .._jit import njit
from ._phases import EPOCH_END, EPOCH_START, REGULATE, THRESHOLDS
from ._regulation import count_active, regulate, training_thresholds
from .none import no_regulation
from .one_threshold import one_threshold
from .two_compartment import two_compartment

__all__ = ["MODES", "competition_range", "count_active", "regulate", "training_thresholds", "NONE",
           "TWO_COMPARTMENT", "ONE_THRESHOLD", "EPOCH_START", "THRESHOLDS", "REGULATE",
           "EPOCH_END"]

# codes (Settings.competition)
NONE = 0
TWO_COMPARTMENT = 1
ONE_THRESHOLD = 2

# mode name (the estimator's ``competition``) -> code; "dropout", the paper's Drop
# ablation, is no regulation with output dropout (which the estimator requires)
MODES = {
    "two-compartment": TWO_COMPARTMENT,
    "one-threshold": ONE_THRESHOLD,
    "dropout": NONE,
    "none": NONE,
}


@njit(cache=True, nogil=True, inline="always")
def competition_range(code, phase, label, cfg):
    """The neurons that the competition mode of code ``code`` (one of :data:`MODES`,
    checked by :func:`~spikencg._kernels._train.settings`) names at ``phase``:
    ``(lo, hi, floor)``. The last mode needs no test of its code."""
    if code == TWO_COMPARTMENT:
        return two_compartment(phase, label, cfg)
    if code == ONE_THRESHOLD:
        return one_threshold(phase, label, cfg)
    return no_regulation(phase, label, cfg)
