"""Plain-Python reference implementation of the spiking readout (test oracle).

This module restates ``../shared/docs/ALGORITHM.md`` (sections 2 to 7) and
``docs/algorithm-notes.md`` as literally as possible, in float64, without numba and
without sharing any code with the package. It is written for readability, not speed:
tests compare the package's kernels against it.

Conventions:
- ``T`` is ``max_time``; a firing time equal to ``T`` means "did not fire".
- Neuron ``n`` belongs to class ``n // M``; it is labelled non-target when ``n % M < L``.
- Weights are ``(N, n_in)``, output neuron first.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["ref_forward", "ref_order_best", "ref_train", "ref_predict"]


# ----------------------------------------------------------------------------------------
# Forward pass (ALGORITHM.md section 3)
# ----------------------------------------------------------------------------------------


def ref_forward(spike_index, spike_time, W, thresholds, active, max_time=1.0, neuron="if", tau=1.0):
    """One sample. spike_index/spike_time: the sample's spikes sorted by time. W: (N, n_in)
    output-major. thresholds (N,), active (N,) bool. Returns (s, V, x): firing times (N,),
    potentials (N,), dense input times (n_in,)."""
    if neuron not in ("if", "lif"):
        raise ValueError(f"unknown neuron model {neuron!r}")
    W = np.asarray(W, dtype=np.float64)
    n_out, n_in = W.shape
    T = float(max_time)
    thr = np.broadcast_to(np.asarray(thresholds, dtype=np.float64), (n_out,))
    taus = np.broadcast_to(np.asarray(tau, dtype=np.float64), (n_out,))
    spike_index = np.asarray(spike_index, dtype=np.int64)
    spike_time = np.asarray(spike_time, dtype=np.float64)

    # Process in time order (a stable sort leaves an already sorted list untouched).
    order = np.argsort(spike_time, kind="stable")
    spike_index = spike_index[order]
    spike_time = spike_time[order]

    # Spikes at or after T (or +inf) are not spikes at all.
    keep = spike_time < T
    spike_index = spike_index[keep]
    spike_time = spike_time[keep]

    # Dense input times: t_i for every input spike, T for silent inputs (never truncated).
    x = np.full(n_in, T, dtype=np.float64)
    for i, t in zip(spike_index, spike_time, strict=True):
        x[i] = t

    V = np.zeros(n_out, dtype=np.float64)
    s = np.full(n_out, T, dtype=np.float64)
    integrating = np.asarray(active, dtype=bool).copy()  # active and not fired yet

    pos = 0
    t_prev = None
    n_spikes = len(spike_time)
    while pos < n_spikes:
        t = spike_time[pos]
        end = pos
        while end < n_spikes and spike_time[end] == t:
            end += 1
        # 1. LIF: decay from the previous group's time (nothing to decay before the first).
        if neuron == "lif" and t_prev is not None:
            for n in range(n_out):
                if integrating[n]:
                    V[n] *= math.exp(-(t - t_prev) / taus[n])
        # 2. Integrate every spike of the group.
        for k in range(pos, end):
            i = spike_index[k]
            for n in range(n_out):
                if integrating[n]:
                    V[n] += W[n, i]
        # 3. Fire (strict threshold test), stop integrating, keep the potential.
        for n in range(n_out):
            if integrating[n] and V[n] > thr[n]:
                s[n] = t
                integrating[n] = False
        t_prev = t
        pos = end
    return s, V, x


# ----------------------------------------------------------------------------------------
# Decision ordering (ALGORITHM.md section 4)
# ----------------------------------------------------------------------------------------


def ref_order_best(s, V, candidates):
    """Index of the best neuron among `candidates` (iterable of neuron indices) under
    ALGORITHM.md section 4: smallest s, then largest V, then smallest index."""
    best = None
    for n in candidates:
        n = int(n)
        if best is None:
            best = n
            continue
        if s[n] < s[best]:
            best = n
        elif s[n] == s[best]:
            if V[n] > V[best]:
                best = n
            elif V[n] == V[best] and n < best:
                best = n
    if best is None:
        raise ValueError("no candidate neuron")
    return best


def _winner_among_active(s, V, active):
    """Global winner among the active neurons (notes 1 and 5); all neurons if none is active."""
    candidates = [n for n in range(len(s)) if active[n]]
    if not candidates:
        candidates = list(range(len(s)))
    return ref_order_best(s, V, candidates)


# ----------------------------------------------------------------------------------------
# Weight updates (ALGORITHM.md section 6)
# ----------------------------------------------------------------------------------------


def _clip_and_normalise_row(W, n, p, norm_target):
    for i in range(W.shape[1]):
        W[n, i] = min(max(W[n, i], p["w_min"]), p["w_max"])
    if norm_target is not None:
        total = 0.0
        for i in range(W.shape[1]):
            total += abs(W[n, i])
        if total > 0.0:
            W[n, :] *= norm_target[n] / total


def _stdp_row(W, n, x, s_n, a_plus, a_minus, m, hidden, p, norm_target):
    """Additive or multiplicative STDP on neuron n with signed rates and magnitude m."""
    T = float(p["max_time"])
    t_ltd = math.inf if p["depress_silent"] else T
    w_min, w_max = float(p["w_min"]), float(p["w_max"])
    multiplicative = p["stdp"] == "multiplicative"
    if p["stdp"] not in ("additive", "multiplicative"):
        raise ValueError(f"unknown stdp {p['stdp']!r}")
    beta = float(p["beta"])
    for i in range(W.shape[1]):
        if hidden[i]:
            continue
        w = W[n, i]
        if x[i] <= s_n:
            rate = a_plus
            if multiplicative:
                rate = a_plus * math.exp(-beta * (w - w_min) / (w_max - w_min))
            W[n, i] = w + m * rate
        elif x[i] < t_ltd:
            rate = a_minus
            if multiplicative:
                rate = a_minus * math.exp(-beta * (w_max - w) / (w_max - w_min))
            W[n, i] = w + m * rate
    _clip_and_normalise_row(W, n, p, norm_target)


def _is_target(n, y, M, L):
    return n // M == y and n % M >= L


def _rule_s2stdp(W, x, s_l, y, class_winners, active, rates, hidden, p, norm_target):
    C = len(class_winners)
    M, L = p["M"], p["L"]
    N = C * M
    T = float(p["max_time"])
    if p["class_inhib"]:
        U = [w for w in class_winners if w is not None]
        k, u = 1, C
    else:
        U = [n for n in range(N) if active[n]]
        k, u = M, N
    g_nt = p["t_gap"] * k / u
    g_t = p["t_gap"] * (u - k) / u
    fired_times = [s_l[n] for n in U if s_l[n] < T]
    if fired_times:
        t_base = min(sum(fired_times) / len(fired_times), T - g_nt)
    else:
        t_base = T - g_nt
    for n in U:
        if _is_target(n, y, M, L):
            desired = t_base - g_t
            if p["time_ranges"]:
                desired = min(s_l[n], desired)
        else:
            desired = t_base + g_nt
            if p["time_ranges"]:
                desired = max(s_l[n], desired)
        e = (s_l[n] - desired) / T
        if e > 0:
            _stdp_row(W, n, x, s_l[n], rates["ap"], rates["am"], e, hidden, p, norm_target)
        elif e < 0:
            _stdp_row(
                W, n, x, s_l[n], rates["anti_ap"], rates["anti_am"], -e, hidden, p, norm_target
            )


def _rule_rstdp(W, x, s_l, y, winner, active, rates, prev_acc, hidden, p, norm_target):
    if not active[winner]:
        return
    M, L = p["M"], p["L"]
    rewarded = _is_target(winner, y, M, L)
    if rewarded:
        a_plus, a_minus = rates["ap"], rates["am"]
        factor = 1.0 - prev_acc
    else:
        a_plus, a_minus = rates["anti_ap"], rates["anti_am"]
        factor = prev_acc
    if p["adaptive_rates"]:
        # rates[...] already carry annealing**epoch (annealed at every epoch end).
        a_plus, a_minus = a_plus * factor, a_minus * factor
    _stdp_row(W, winner, x, s_l[winner], a_plus, a_minus, 1.0, hidden, p, norm_target)


def _rule_s4nn(W, x, s_l, y, silenced, rates, hidden, p, norm_target):
    N = W.shape[0]
    M, L = p["M"], p["L"]
    T = float(p["max_time"])
    t_gap = p["t_gap"]
    t_base = min(s_l[n] for n in range(N))
    if t_base + t_gap > T:
        t_base = T - t_gap
    e = np.zeros(N, dtype=np.float64)
    for n in range(N):
        if silenced[n]:
            continue  # inhibited by the intra-class WTA or dropped out: error 0
        if _is_target(n, y, M, L):
            desired = t_base
            if p["time_ranges"]:
                desired = min(s_l[n], t_base)
        else:
            desired = t_base + t_gap
            if p["time_ranges"]:
                desired = max(s_l[n], t_base + t_gap)
        e[n] = (s_l[n] - desired) / T
    norm = math.sqrt(sum(v * v for v in e))
    if norm > 0.0:
        e = e / norm
    for n in range(N):
        if e[n] == 0.0:
            continue
        for i in range(W.shape[1]):
            if not hidden[i] and x[i] <= s_l[n]:
                W[n, i] += rates["lr"] * e[n]
        _clip_and_normalise_row(W, n, p, norm_target)


# ----------------------------------------------------------------------------------------
# Training loop (ALGORITHM.md sections 5 and 7)
# ----------------------------------------------------------------------------------------


def ref_train(samples, y, n_classes, W0, params, n_epochs, rng=None):
    """samples: list of (spike_index, spike_time) per sample, each sorted by time; y: int
    labels 0..C-1. W0: (N, n_in) initial weights (N = n_classes * M), used as given.
    params: dict with keys M, L, class_inhib, competition, theta, thr_lr, thr_anneal, rule,
    time_ranges, neuron, tau, max_time, w_min, w_max, w_norm, stdp, beta, t_gap, ap, am,
    anti_ap, anti_am, lr, annealing, depress_silent, adaptive_rates, output_dropout,
    input_dropout, shuffle. rng: numpy.random.Generator (needed only when
    shuffle or dropout is on). Returns dict of lists, one entry per epoch (state after the
    epoch, after annealing): 'weights', 'train_accuracy', 'train_prediction',
    'decision_thresholds', 'training_thresholds'."""
    p = dict(params)
    C = int(n_classes)
    M, L = int(p["M"]), int(p["L"])
    p["M"], p["L"] = M, L
    N = C * M
    T = float(p["max_time"])
    W = np.array(W0, dtype=np.float64, copy=True)
    if W.shape[0] != N:
        raise ValueError(f"W0 has {W.shape[0]} rows, expected {N}")
    n_in = W.shape[1]
    y = np.asarray(y, dtype=np.int64)
    n_samples = len(samples)
    if p["competition"] not in ("cr2", "cr1", "none"):
        raise ValueError(f"unknown competition {p['competition']!r}")
    if p["rule"] not in ("s2stdp", "rstdp", "s4nn"):
        raise ValueError(f"unknown rule {p['rule']!r}")
    needs_rng = p["shuffle"] or p["output_dropout"] > 0 or p["input_dropout"] > 0
    if needs_rng and rng is None:
        raise ValueError("rng is required for shuffle or dropout")

    theta = np.array(np.broadcast_to(np.asarray(p["theta"], dtype=np.float64), (N,)))
    theta_floor = float(theta.min())  # CR-2 floor: smallest threshold the fit started from
    phi = theta.copy()
    norm_target = W.sum(axis=1) if p["w_norm"] else None
    rates = {k: float(p[k]) for k in ("ap", "am", "anti_ap", "anti_am", "lr")}
    eta = float(p["thr_lr"])
    prev_acc = 1.0 / C

    history = {
        "weights": [],
        "train_accuracy": [],
        "train_prediction": [],
        "decision_thresholds": [],
        "training_thresholds": [],
    }

    for _epoch in range(n_epochs):
        if p["competition"] == "cr2":
            phi = theta.copy()
        if p["shuffle"]:
            order = rng.permutation(n_samples)
        else:
            order = np.arange(n_samples)
        predictions = np.zeros(n_samples, dtype=np.int64)

        for j in order:
            label = int(y[j])
            spike_index, spike_time = samples[j]

            # Dropout masks (note 2): N doubles, then n_in doubles.
            active = np.ones(N, dtype=bool)
            hidden = np.zeros(n_in, dtype=bool)
            if p["output_dropout"] > 0:
                u = np.array([rng.random() for _ in range(N)])
                active = ~(u < p["output_dropout"])
            if p["input_dropout"] > 0:
                u = np.array([rng.random() for _ in range(n_in)])
                hidden = u < p["input_dropout"]

            # Training thresholds.
            if p["competition"] == "cr2":
                thr = theta.copy()
                for n in range(N):
                    if _is_target(n, label, M, L):
                        thr[n] = phi[n]
            elif p["competition"] == "cr1":
                thr = phi.copy()
            else:
                thr = theta.copy()

            s, V, x = ref_forward(
                spike_index,
                spike_time,
                W,
                thr,
                active,
                max_time=T,
                neuron=p["neuron"],
                tau=p["tau"],
            )

            # Training prediction: global winner among active neurons.
            winner = _winner_among_active(s, V, active)
            predictions[j] = winner // M

            # Competition regulation, on the outputs before intra-class inhibition.
            if p["competition"] in ("cr2", "cr1"):
                G = [n for n in range(label * M, (label + 1) * M) if n % M >= L and active[n]]
                K = len(G)
                if K >= 2:
                    g_star = ref_order_best(s, V, G)
                    for g in G:
                        if g == g_star:
                            phi[g] += eta * (K - 1) / K
                        else:
                            phi[g] -= eta / K
                if p["competition"] == "cr2":
                    for n in range(N):
                        phi[n] = max(phi[n], theta_floor)

            # Intra-class inhibition (and dropout): silenced neurons look silent (s=T, V=0) to
            # the learning rules; no rule reads V after this point, so only s is rewritten.
            silenced = ~active
            class_winners = [None] * C
            for c in range(C):
                members = [n for n in range(c * M, (c + 1) * M) if active[n]]
                if members:
                    class_winners[c] = ref_order_best(s, V, members)
            if p["class_inhib"]:
                for n in range(N):
                    if class_winners[n // M] != n:
                        silenced[n] = True
            s_l = s.copy()
            s_l[silenced] = T

            # Learning rule.
            if p["rule"] == "s2stdp":
                _rule_s2stdp(W, x, s_l, label, class_winners, active, rates, hidden, p, norm_target)
            elif p["rule"] == "rstdp":
                _rule_rstdp(
                    W, x, s_l, label, winner, active, rates, prev_acc, hidden, p, norm_target
                )
            else:
                _rule_s4nn(W, x, s_l, label, silenced, rates, hidden, p, norm_target)

        accuracy = float(np.mean(predictions == y)) if n_samples else 0.0

        # Epoch end (note 8): learning rates, threshold rate, CR-1 copy.
        for k in rates:
            rates[k] *= p["annealing"]
        eta *= p["thr_anneal"]
        if p["competition"] == "cr1":
            theta = phi.copy()
        prev_acc = accuracy

        history["weights"].append(W.copy())
        history["train_accuracy"].append(accuracy)
        history["train_prediction"].append(predictions.copy())
        history["decision_thresholds"].append(theta.copy())
        if p["competition"] == "none":
            history["training_thresholds"].append(theta.copy())
        else:
            history["training_thresholds"].append(phi.copy())
    return history


# ----------------------------------------------------------------------------------------
# Prediction
# ----------------------------------------------------------------------------------------


def ref_predict(samples, W, thresholds, n_classes, M, max_time=1.0, neuron="if", tau=1.0):
    """Class of the global winner for each sample (decision thresholds, all neurons active)."""
    W = np.asarray(W, dtype=np.float64)
    N = W.shape[0]
    if N != n_classes * M:
        raise ValueError(f"W has {N} rows, expected {n_classes * M}")
    active = np.ones(N, dtype=bool)
    out = np.zeros(len(samples), dtype=np.int64)
    for j, (spike_index, spike_time) in enumerate(samples):
        s, V, _ = ref_forward(
            spike_index,
            spike_time,
            W,
            thresholds,
            active,
            max_time=max_time,
            neuron=neuron,
            tau=tau,
        )
        out[j] = ref_order_best(s, V, range(N)) // M
    return out
