"""The learning rules, one compiled function each, and their registry.

Every rule has the signature ``rule(label, learners, cfg, rates, upd)`` and returns
``(n_upd, t_ltd, multiplicative)``: it writes the increments of the ``n_upd`` neurons it
updates into ``upd`` (:data:`~spikencg._kernels._stdp.Updates`) and names the update
form; the epoch loop (:func:`~spikencg._kernels._train.train_epoch`) applies them, then
clips and normalises the weights. ``learners`` is a :data:`Learners`, ``cfg`` the
epoch's :data:`~spikencg._kernels._train.Settings` and ``rates`` its
:data:`~spikencg._kernels._train.Rates`.

A rule is selected by its code (``Settings.rule``), which :data:`RULES` gives for every
name the estimator accepts. Adding a rule: its function in a file of its own here, its
code and registry line below, and its branch in :func:`apply_rule` (see
docs/architecture.md).
"""

from collections import namedtuple

from .._jit import njit
from .rstdp import rstdp
from .s2stdp import s2stdp
from .s4nn import s4nn

__all__ = ["RULES", "Learners", "apply_rule", "S2STDP", "RSTDP", "S4NN"]

# The forward pass's outcome as the rules see it, after intra-class inhibition:
# s (N,) float64, firing times (T: silent); play (N,) bool, the neurons that take part
# in learning; cand (N,) int64, the same neurons in increasing order, n_cand of them;
# winner (int), the training prediction's neuron; any_active (bool), not every neuron
# sat out the sample (output dropout)
Learners = namedtuple("Learners", ["s", "play", "cand", "n_cand", "winner", "any_active"])

# codes (Settings.rule)
S2STDP = 0
RSTDP = 1
S4NN = 2

# rule name (the estimator's ``rule``) -> code; SSTDP is S2-STDP with time ranges (the
# estimator's ``time_ranges``, whose default follows the rule's name)
RULES = {
    "s2stdp": S2STDP,
    "sstdp": S2STDP,
    "rstdp": RSTDP,
    "s4nn": S4NN,
}


@njit(cache=True, nogil=True, inline="always")
def apply_rule(code, label, learners, cfg, rates, upd):
    """Run the rule of code ``code`` (inlined: the branch costs one comparison)."""
    if code == S2STDP:
        return s2stdp(label, learners, cfg, rates, upd)
    if code == RSTDP:
        return rstdp(label, learners, cfg, rates, upd)
    if code == S4NN:
        return s4nn(label, learners, cfg, rates, upd)
    raise ValueError("unknown learning rule code")
