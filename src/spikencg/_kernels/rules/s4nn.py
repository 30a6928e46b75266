"""The S4NN baseline: a backpropagation-style rule on first-spike times (ALGORITHM.md
section 6)."""

import numpy as np

from .._jit import njit

__all__ = ["s4nn"]


@njit(cache=True, nogil=True, inline="always")
def s4nn(label, cfg, rates, s, play, cand, n_cand, winner, any_active, upd_n, upd_c, upd_nc,
         upd_s, scratch):
    """Errors to desired times ``t_base`` (target neurons) and ``t_base + t_gap`` (the
    others), L2-normalised, times ``learning_rate``, on causal inputs only (additive).

    ``t_base`` is the earliest firing time of the neurons that learn (at most
    ``T - t_gap``); with ``cfg.time_ranges`` a desired time never moves past the actual
    one. Neurons that do not learn have error 0. Parameters as for
    :func:`~spikencg._kernels.rules.s2stdp.s2stdp`; the update form is always additive,
    on causal inputs only (``t_ltd = -inf``), whatever ``cfg`` says.
    """
    err = scratch
    T = cfg.max_time
    M = cfg.neurons_per_class
    N = s.shape[0]
    t_base = T
    for n in range(N):
        if play[n] and s[n] < t_base:
            t_base = s[n]
    if t_base + cfg.t_gap > T:
        t_base = T - cfg.t_gap
    norm2 = 0.0
    for n in range(N):
        err[n] = 0.0
        if not play[n]:
            continue
        if label * M + cfg.non_target_neurons <= n < (label + 1) * M:
            tau_n = t_base
            if cfg.time_ranges and s[n] < tau_n:
                tau_n = s[n]
        else:
            tau_n = t_base + cfg.t_gap
            if cfg.time_ranges and s[n] > tau_n:
                tau_n = s[n]
        # float32 errors, their float32 norm and quotients, as the original
        err[n] = np.float32((s[n] - tau_n) / T)
        norm2 += err[n] * err[n]
    n_upd = np.int64(0)
    if norm2 > 0.0:
        nrm = np.float32(np.sqrt(norm2))
        for n in range(N):
            if err[n] != 0.0:
                upd_n[n_upd] = n
                upd_c[n_upd] = (np.float64(np.float32(np.float32(err[n]) / nrm))
                                * rates.learning_rate)
                upd_nc[n_upd] = 0.0
                upd_s[n_upd] = s[n]
                n_upd += 1
    return n_upd, -np.inf, np.bool_(False)
