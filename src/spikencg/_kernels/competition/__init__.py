"""The competition modes, one compiled function each, and their registry.

Every mode has the signature::

    mode(phase, label, cfg, rates, theta, phi, theta32, thr32, s, V, active)

(see :func:`~spikencg._kernels.competition.two_compartment.two_compartment` for the
parameters): the epoch loop calls it at each ``phase`` (:mod:`._phases`): at the start
and end of an epoch (:func:`~spikencg._kernels._train.begin_epoch`, ``end_epoch``), and
per sample to set the training thresholds of the forward pass and to regulate them after
it. The arrays are passed one by one, not in a named tuple (see ``rules``).

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
def apply_competition(code, phase, label, cfg, rates, theta, phi, theta32, thr32, s, V,
                      active):
    """Run the competition mode of code ``code``, one of :data:`MODES` (checked by
    :func:`~spikencg._kernels._train.settings`), at ``phase``.

    Inlined: with a constant ``phase`` only the mode's branch for it remains. The last
    mode needs no test of its code, and none may raise (see ``rules.apply_rule``).
    """
    if code == TWO_COMPARTMENT:
        two_compartment(phase, label, cfg, rates, theta, phi, theta32, thr32, s, V, active)
    elif code == ONE_THRESHOLD:
        one_threshold(phase, label, cfg, rates, theta, phi, theta32, thr32, s, V, active)
    else:
        no_regulation(phase, label, cfg, rates, theta, phi, theta32, thr32, s, V, active)
