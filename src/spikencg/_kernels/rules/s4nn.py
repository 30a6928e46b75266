"""The S4NN baseline: a backpropagation-style rule on first-spike times (ALGORITHM.md
section 6)."""

import numpy as np

from .._jit import njit

__all__ = ["s4nn"]


@njit(cache=True, nogil=True, inline="always")
def _error(n, s_n, t_base, lo_t, hi_t, cfg):
    """Neuron ``n``'s error ``(s_n - desired) / T``, a float32 number (as the original)
    held in a float64: desired ``t_base`` for the target neurons ``lo_t`` to ``hi_t - 1``,
    ``t_base + t_gap`` for the others, never past ``s_n`` with ``cfg.time_ranges``."""
    if lo_t <= n < hi_t:
        tau_n = t_base
        if cfg.time_ranges and s_n < tau_n:
            tau_n = s_n
    else:
        tau_n = t_base + cfg.t_gap
        if cfg.time_ranges and s_n > tau_n:
            tau_n = s_n
    return np.float64(np.float32((s_n - tau_n) / cfg.max_time))


@njit(cache=True, nogil=True, inline="always")
def s4nn(label, cfg, rates, s, cand, n_cand, winner, any_active, upd_n, upd_c, upd_nc, upd_s):
    """Errors to desired times ``t_base`` (target neurons) and ``t_base + t_gap`` (the
    others), L2-normalised, times ``learning_rate``, on causal inputs only (additive).

    ``t_base`` is the earliest firing time of the neurons that learn (at most
    ``T - t_gap``); with ``cfg.time_ranges`` a desired time never moves past the actual
    one. Neurons that do not learn have error 0. Parameters as for
    :func:`~spikencg._kernels.rules.s2stdp.s2stdp`; the update form is always additive,
    on causal inputs only (``t_ltd = -inf``), whatever ``cfg`` says.
    """
    T = cfg.max_time
    M = cfg.neurons_per_class
    lo_t = label * M + cfg.non_target_neurons  # target neurons of the label
    hi_t = (label + 1) * M
    t_base = T
    for j in range(n_cand):
        if s[cand[j]] < t_base:
            t_base = s[cand[j]]
    if t_base + cfg.t_gap > T:
        t_base = T - cfg.t_gap
    # the float32 errors' norm (in float64, as the original), then the quotients; the
    # error of cand[j] waits in upd_c[j], which the updates overwrite in place (update
    # n_upd <= j is written after that error is read)
    norm2 = 0.0
    for j in range(n_cand):
        e = _error(cand[j], s[cand[j]], t_base, lo_t, hi_t, cfg)
        upd_c[j] = e
        norm2 += e * e
    nrm = np.float32(np.sqrt(norm2))
    n_upd = np.int64(0)
    for j in range(n_cand):
        n = cand[j]
        e = upd_c[j]
        if norm2 > 0.0 and e != 0.0:
            upd_n[n_upd] = n
            upd_c[n_upd] = np.float64(np.float32(np.float32(e) / nrm)) * rates.learning_rate
            upd_nc[n_upd] = 0.0
            upd_s[n_upd] = s[n]
            n_upd += 1
    return n_upd, -np.inf, np.bool_(False)
