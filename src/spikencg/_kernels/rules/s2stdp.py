"""S2-STDP, and SSTDP (S2-STDP with time ranges): ALGORITHM.md section 6."""

import numpy as np

from .._jit import njit

__all__ = ["s2stdp"]


@njit(cache=True, nogil=True, inline="always")
def s2stdp(label, cfg, rates, s, cand, n_cand, winner, any_active, upd_n, upd_c, upd_nc, upd_s):
    """Desired firing times around the mean firing time; STDP towards them.

    The neurons that take part in learning (``cand[:n_cand]``) get a desired time: the
    target neurons of the sample's class ``t_base - g_t``, the others ``t_base + g_nt``,
    where ``t_base`` is the mean firing time of those that fired (at most ``T - g_nt``);
    with ``cfg.time_ranges`` (SSTDP) a desired time never moves past the actual one. A
    neuron that fired later than desired gets STDP with rates ``(a_plus, a_minus)``,
    one that fired earlier anti-STDP with ``(anti_a_plus, anti_a_minus)``, both scaled
    by the error ``|s_n - desired| / T`` (a float32 number, as in the original).

    The parameters and returned values are those of every rule.

    Parameters
    ----------
    label : int, class index of the sample.
    cfg : Settings, the epoch's settings.
    rates : Rates, the epoch's (annealed) rates.
    s : (N,) float64, firing times of the training pass (T: silent).
    cand, n_cand : (N,) int64 and int, the neurons that take part in learning (after
        intra-class inhibition), in increasing order, in ``cand[:n_cand]``.
    winner : int, the neuron of the training prediction.
    any_active : bool, not every neuron sat out the sample (output dropout).
    upd_n, upd_c, upd_nc, upd_s : (N,) arrays, filled for each updated neuron ``j``:
        the neuron, the increment of its causal inputs (``x_i <= s_n``), that of its
        other inputs, and its firing time.

    Returns
    -------
    n_upd : int, number of updated neurons.
    t_ltd : float, inputs at or after ``t_ltd`` are not depressed (``cfg.t_ltd``).
    multiplicative : bool, the update form (``cfg.multiplicative``).
    """
    T = cfg.max_time
    M = cfg.neurons_per_class
    # gaps: k target slots per class out of u updated neurons
    if cfg.class_inhibition:
        k_slots = 1
        u_count = cfg.n_classes
    else:
        k_slots = M
        u_count = cfg.n_classes * M
    g_nt = cfg.t_gap * (k_slots / u_count)
    g_t = cfg.t_gap * ((u_count - k_slots) / u_count)
    total = 0.0
    cnt = 0
    for j in range(n_cand):
        n = cand[j]
        if s[n] < T:
            total += s[n]
            cnt += 1
    t_base = T - g_nt
    if cnt > 0:
        mean = total / cnt
        if mean < t_base:
            t_base = mean
    # target neurons by a range test (no n // M, n % M per neuron)
    lo_t = label * M + cfg.non_target_neurons  # target neurons of the label: [lo_t, hi_t)
    hi_t = (label + 1) * M
    n_upd = np.int64(0)
    for j in range(n_cand):
        n = cand[j]
        if lo_t <= n < hi_t:
            tau_n = t_base - g_t
            if cfg.time_ranges and s[n] < tau_n:
                tau_n = s[n]
        else:
            tau_n = t_base + g_nt
            if cfg.time_ranges and s[n] > tau_n:
                tau_n = s[n]
        # the error is a float32 number, as in the original
        e = np.float64(np.float32((s[n] - tau_n) / T))
        if e > 0.0:
            upd_n[n_upd] = n
            upd_c[n_upd] = e * rates.a_plus
            upd_nc[n_upd] = e * rates.a_minus
            upd_s[n_upd] = s[n]
            n_upd += 1
        elif e < 0.0:
            upd_n[n_upd] = n
            upd_c[n_upd] = -e * rates.anti_a_plus
            upd_nc[n_upd] = -e * rates.anti_a_minus
            upd_s[n_upd] = s[n]
            n_upd += 1
    return n_upd, cfg.t_ltd, cfg.multiplicative
