"""Reward-modulated STDP (R-STDP): ALGORITHM.md section 6."""

import numpy as np

from .._jit import njit

__all__ = ["rstdp"]


@njit(cache=True, nogil=True, inline="always")
def rstdp(label, cfg, rates, s, play, cand, n_cand, winner, any_active, upd_n, upd_c, upd_nc,
          upd_s, scratch):
    """STDP on the winner when it is a target neuron of the sample's class, anti-STDP
    otherwise; nothing when every neuron sat out the sample.

    With ``cfg.adaptive_rates`` the rewarded rates are scaled by ``1 - acc`` and the
    punished ones by ``acc``, ``acc = rates.accuracy`` (the previous epoch's training
    accuracy). Parameters and returned values as for
    :func:`~spikencg._kernels.rules.s2stdp.s2stdp`.
    """
    if not any_active:
        return np.int64(0), cfg.t_ltd, cfg.multiplicative
    M = cfg.neurons_per_class
    gw = winner
    ap, am = rates.a_plus, rates.a_minus
    anti_ap, anti_am = rates.anti_a_plus, rates.anti_a_minus
    if cfg.adaptive_rates:
        acc = rates.accuracy
        ap, am = ap * (1.0 - acc), am * (1.0 - acc)
        anti_ap, anti_am = anti_ap * acc, anti_am * acc
    upd_n[0] = gw
    upd_s[0] = s[gw]
    if (gw // M == label) and (gw % M >= cfg.non_target_neurons):  # rewarded
        upd_c[0] = ap
        upd_nc[0] = am
    else:
        upd_c[0] = anti_ap
        upd_nc[0] = anti_am
    return np.int64(1), cfg.t_ltd, cfg.multiplicative
