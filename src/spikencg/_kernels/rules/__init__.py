"""The learning rules, one compiled function each, and their registry.

Every rule has the signature::

    rule(label, cfg, rates, s, cand, n_cand, winner, any_active, upd_n, upd_c, upd_nc, upd_s)
        -> (n_upd, t_ltd, multiplicative)

(see :func:`~spikencg._kernels.rules.s2stdp.s2stdp` for the parameters): from the
sample's class, the epoch's :data:`~spikencg._kernels._train.Settings` and
:data:`~spikencg._kernels._train.Rates`, and the training pass's outcome, it writes the
increments of the ``n_upd`` neurons it updates into ``upd_*`` and names the update form;
the epoch loop (:func:`~spikencg._kernels._train.train_epoch`) applies them, then clips
and normalises the weights.

The rules are inlined into the loop. numba counts the references of the arrays passed
to an inlined function (a few instructions per array and call), and removes the
counting again only where the code is simple enough: the arrays are passed one by one
(not in named tuples), as few as the rules need, and a rule has one path to its end
and never raises. Each such cost, measured with ``benchmarks/count_instructions.py``,
was 1 to 20 % of a training step on small layers.

A rule is selected by its code (``Settings.rule``), which :data:`RULES` gives for every
name the estimator accepts. Adding a rule: its function in a file of its own here, its
code and registry line below, and its branch in :func:`apply_rule` (see
docs/architecture.md).
"""

from .._jit import njit
from .rstdp import rstdp
from .s2stdp import s2stdp
from .s4nn import s4nn

__all__ = ["RULES", "apply_rule", "S2STDP", "RSTDP", "S4NN"]

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
def apply_rule(code, label, cfg, rates, s, cand, n_cand, winner, any_active, upd_n, upd_c,
               upd_nc, upd_s):
    """Run the rule of code ``code``, one of :data:`RULES` (checked by
    :func:`~spikencg._kernels._train.settings`).

    Inlined, the branch costs one comparison. The last rule needs no test of its code,
    and none may raise: a ``raise`` here keeps numba from pruning the reference counts
    of the arrays passed.
    """
    if code == S2STDP:
        return s2stdp(label, cfg, rates, s, cand, n_cand, winner, any_active, upd_n, upd_c,
                      upd_nc, upd_s)
    if code == RSTDP:
        return rstdp(label, cfg, rates, s, cand, n_cand, winner, any_active, upd_n, upd_c,
                     upd_nc, upd_s)
    return s4nn(label, cfg, rates, s, cand, n_cand, winner, any_active, upd_n, upd_c,
                upd_nc, upd_s)
