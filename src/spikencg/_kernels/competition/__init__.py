"""The competition modes, one compiled function each, and their registry.

Every mode has the signature ``mode(phase, label, cfg, rates, layer, fwd)``: the epoch
loop calls it at each ``phase`` (:mod:`._phases`): at the start and end of an epoch
(:func:`~spikencg._kernels._train.begin_epoch`, ``end_epoch``), and per sample to set
the training thresholds of the forward pass and to regulate them after it. ``cfg`` is
the epoch's :data:`~spikencg._kernels._train.Settings`, ``rates`` its
:data:`~spikencg._kernels._train.Rates`, ``layer`` the
:data:`~spikencg._kernels._train.Layer` (weights and thresholds, updated in place) and
``fwd`` the sample's :data:`~spikencg._kernels._train.Forward` arrays.

A mode is selected by its code (``Settings.competition``), which :data:`MODES` gives for
every name the estimator accepts. Adding a mode: its function in a file of its own here,
its code and registry line below, and its branch in :func:`apply_competition` (see
docs/architecture.md).
"""

from .._jit import njit
from ._phases import EPOCH_END, EPOCH_START, REGULATE, THRESHOLDS
from .none import no_regulation
from .one_threshold import one_threshold
from .two_compartment import two_compartment

__all__ = ["MODES", "apply_competition", "NONE", "TWO_COMPARTMENT", "ONE_THRESHOLD",
           "EPOCH_START", "THRESHOLDS", "REGULATE", "EPOCH_END"]

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
def apply_competition(code, phase, label, cfg, rates, layer, fwd):
    """Run the competition mode of code ``code`` at ``phase`` (inlined: with a constant
    ``phase`` only the mode's branch for it remains)."""
    if code == TWO_COMPARTMENT:
        two_compartment(phase, label, cfg, rates, layer, fwd)
    elif code == ONE_THRESHOLD:
        one_threshold(phase, label, cfg, rates, layer, fwd)
    elif code == NONE:
        no_regulation(phase, label, cfg, rates, layer, fwd)
    else:
        raise ValueError("unknown competition mode code")
