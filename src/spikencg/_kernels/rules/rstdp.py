"""Reward-modulated STDP (R-STDP): ALGORITHM.md section 6."""

import numpy as np

from .._jit import njit

__all__ = ["rstdp"]


@njit(cache=True, nogil=True, inline="always")
def rstdp(label, cfg, rates, s, cand, n_cand, winner, any_active, upd_n, upd_c, upd_nc, upd_s):
    """STDP on the winner when it is a target neuron of the sample's class, anti-STDP
    otherwise; nothing when every neuron sat out the sample.

    With ``cfg.adaptive_rates`` the rewarded rates are scaled by ``1 - acc`` and the
    punished ones by ``acc``, ``acc = rates.accuracy`` (the previous epoch's training
    accuracy). Parameters and returned values as for
    :func:`~spikencg._kernels.rules.s2stdp.s2stdp`.
    """
    M = cfg.neurons_per_class
    ap, am = rates.a_plus, rates.a_minus
    anti_ap, anti_am = rates.anti_a_plus, rates.anti_a_minus
    if cfg.adaptive_rates:
        acc = rates.accuracy
        ap, am = ap * (1.0 - acc), am * (1.0 - acc)
        anti_ap, anti_am = anti_ap * acc, anti_am * acc
    rewarded = (winner // M == label) and (winner % M >= cfg.non_target_neurons)
    # (written even when no neuron is active, then not applied: n_upd = 0)
    upd_n[0] = winner
    upd_s[0] = s[winner]
    upd_c[0] = ap if rewarded else anti_ap
    upd_nc[0] = am if rewarded else anti_am
    n_upd = np.int64(1) if any_active else np.int64(0)
    return n_upd, cfg.t_ltd, cfg.multiplicative
