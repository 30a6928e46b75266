"""Plain-Python reference implementation of the spiking readout (test oracle).

This module restates ``../shared/docs/ALGORITHM.md`` (sections 2 to 7) and
``docs/algorithm-notes.md`` as literally as possible, without numba and without sharing
any code with the package. It is written for readability, not speed (loops run over
input spikes and samples; numpy is used for whole rows of neurons or weights): tests
compare the package's kernels against it.

Numbers are those of the original framework (``docs/algorithm-notes.md``, "Numbers"):
potentials, weights, thresholds and the learning rules' errors are float32; each STDP
increment is added in float64 and the weight rounded back to float32; after every
training step every row is clipped and normalised in float32 with numpy's sums. With
these, a model trained here follows the original step by step on real data (the traces
of ``../shared/golden/traces``), where ties between spike times and potentials decide
most updates and a difference in the last bit of a threshold changes which neuron fires.

Conventions:
- ``T`` is ``max_time``; a firing time equal to ``T`` means "did not fire".
- Neuron ``n`` belongs to class ``n // M``; it is labelled non-target when ``n % M < L``.
- Weights are ``(N, n_in)``, output neuron first.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["ref_forward", "ref_order_best", "ref_train", "ref_predict"]

f32 = np.float32


# ----------------------------------------------------------------------------------------
# Forward pass (ALGORITHM.md section 3)
# ----------------------------------------------------------------------------------------


def ref_forward(spike_index, spike_time, W, thresholds, active, max_time=1.0, neuron="if", tau=1.0):
    """One sample. spike_index/spike_time: the sample's spikes sorted by time. W: (N, n_in)
    output-major. thresholds (N,), active (N,) bool. Returns (s, V, x): firing times (N,),
    float32 potentials (N,), dense input times (n_in,)."""
    if neuron not in ("if", "lif"):
        raise ValueError(f"unknown neuron model {neuron!r}")
    W = np.asarray(W, dtype=f32)
    n_out, n_in = W.shape
    T = float(max_time)
    # thresholds are float32 numbers, compared with float32 potentials
    thr = np.broadcast_to(np.asarray(thresholds, dtype=np.float64).astype(f32), (n_out,))
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

    V = np.zeros(n_out, dtype=f32)
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
        # 1. LIF: decay from the previous group's time (nothing to decay before the first),
        # by the float32 factor exp(-(t - t_prev) / tau)
        if neuron == "lif" and t_prev is not None:
            V[integrating] = V[integrating] * f32(math.exp(-(t - t_prev) / tau))
        # 2. Integrate every spike of the group, one after the other (float32 sums).
        for k in range(pos, end):
            V[integrating] += W[integrating, spike_index[k]]
        # 3. Fire (strict threshold test), stop integrating, keep the potential.
        fire = integrating & (V > thr)
        s[fire] = t
        integrating &= ~fire
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


def _clip_and_normalise(W, p, norm_target, updated):
    """After every training step: every row clipped, then (normalisation) rescaled by the
    float32 factor target / sum|w| (numpy's float32 sums), updated or not.

    With ``p["arithmetic"] == "fast"`` only the ``updated`` rows, in that order: each
    clipped, then rescaled by the float64 factor target / sum|w|, the sum in float64 in
    input order, each weight rounded back to float32."""
    if p.get("arithmetic", "original") == "fast":
        for n in updated:
            W[n] = np.clip(W[n], p["w_min"], p["w_max"])
            if norm_target is None:
                continue
            total = float(np.cumsum(np.abs(W[n]).astype(np.float64))[-1])  # in order
            if total > 0:
                f = float(norm_target[n]) / total
                W[n] = (W[n].astype(np.float64) * f).astype(f32)
        return
    W[:] = np.clip(W, p["w_min"], p["w_max"])
    if norm_target is None:
        return
    for n in range(W.shape[0]):
        total = np.abs(W[n]).sum()
        if total > 0:
            W[n] = W[n] * (norm_target[n] / total)


def _stdp_row(W, n, x, s_n, a_plus, a_minus, m, hidden, p):
    """Additive or multiplicative STDP on neuron n with signed rates and magnitude m:
    increments in float64, the weight rounded to float32."""
    T = float(p["max_time"])
    t_ltd = math.inf if p["depress_silent"] else T
    w_min, w_max = float(p["w_min"]), float(p["w_max"])
    if p["stdp"] not in ("additive", "multiplicative"):
        raise ValueError(f"unknown stdp {p['stdp']!r}")
    w = W[n].astype(np.float64)
    causal = (x <= s_n) & ~hidden
    depressed = (x > s_n) & (x < t_ltd) & ~hidden
    plus = np.full_like(w, m * a_plus)
    minus = np.full_like(w, m * a_minus)
    if p["stdp"] == "multiplicative":
        beta = float(p["beta"])
        plus = plus * np.exp(-beta * ((w - w_min) / (w_max - w_min)))
        minus = minus * np.exp(-beta * ((w_max - w) / (w_max - w_min)))
    new = np.where(causal, w + plus, np.where(depressed, w + minus, w))
    W[n] = np.clip(new, w_min, w_max).astype(f32)
    p["_updated"].append(n)


def _is_target(n, y, M, L):
    return n // M == y and n % M >= L


def _rule_s2stdp(W, x, s_l, y, class_winners, active, rates, hidden, p):
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
    g_nt = p["t_gap"] * (k / u)
    g_t = p["t_gap"] * ((u - k) / u)
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
        e = float(f32((s_l[n] - desired) / T))  # a float32 error
        if e > 0:
            _stdp_row(W, n, x, s_l[n], rates["ap"], rates["am"], e, hidden, p)
        elif e < 0:
            _stdp_row(W, n, x, s_l[n], rates["anti_ap"], rates["anti_am"], -e, hidden, p)


def _rule_rstdp(W, x, s_l, y, winner, active, rates, prev_acc, hidden, p):
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
    _stdp_row(W, winner, x, s_l[winner], a_plus, a_minus, 1.0, hidden, p)


def _rule_s4nn(W, x, s_l, y, silenced, rates, hidden, p):
    N = W.shape[0]
    M, L = p["M"], p["L"]
    T = float(p["max_time"])
    t_gap = p["t_gap"]
    t_base = min(s_l[n] for n in range(N))
    if t_base + t_gap > T:
        t_base = T - t_gap
    e = np.zeros(N, dtype=f32)  # float32 errors
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
    norm = f32(math.sqrt(sum(float(v) * float(v) for v in e)))  # float32 L2 norm
    if norm > 0:
        e = e / norm  # float32 quotients
    for n in range(N):
        if e[n] == 0:
            continue
        causal = (x <= s_l[n]) & ~hidden
        w = W[n].astype(np.float64)
        W[n] = np.where(causal, w + rates["lr"] * float(e[n]), w).astype(f32)
        p["_updated"].append(n)


# ----------------------------------------------------------------------------------------
# Training loop (ALGORITHM.md sections 5 and 7)
# ----------------------------------------------------------------------------------------


def ref_train(samples, y, n_classes, W0, params, n_epochs, rng=None, record=None):
    """samples: list of (spike_index, spike_time) per sample, each sorted by time; y: int
    labels 0..C-1. W0: (N, n_in) initial weights (N = n_classes * M), used as given.
    params: dict with keys M, L, class_inhib, competition, theta, thr_lr, thr_anneal, rule,
    time_ranges, neuron, tau, max_time, w_min, w_max, w_norm, stdp, beta, t_gap, ap, am,
    anti_ap, anti_am, lr, annealing, depress_silent, adaptive_rates, output_dropout,
    input_dropout, shuffle, and optionally arithmetic ("original", the default, or
    "fast"). rng: numpy.random.Generator (needed only when
    shuffle or dropout is on). record: None, or a dict that receives, per epoch, lists
    with one entry per training step: 'out_time', 'out_potential' (the forward pass that
    drove the step, training thresholds), 'row_sum' (float64 sums of each row after the
    step), 'training_thresholds' (after the step's regulation; the decision thresholds
    without regulation). Returns dict of lists, one entry per epoch (state after the
    epoch, after annealing): 'weights', 'train_accuracy', 'train_prediction',
    'decision_thresholds', 'training_thresholds'."""
    p = dict(params)
    C = int(n_classes)
    M, L = int(p["M"]), int(p["L"])
    p["M"], p["L"] = M, L
    N = C * M
    T = float(p["max_time"])
    W = np.array(W0, dtype=f32, copy=True)
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

    # float32 thresholds; each regulation step is rounded to float32
    theta = np.array(np.broadcast_to(np.asarray(p["theta"], dtype=np.float64), (N,))).astype(f32)
    theta_floor = theta.min()  # CR-2 floor: smallest threshold the fit started from
    phi = theta.copy()
    norm_target = W.sum(axis=1) if p["w_norm"] else None  # float32 row sums
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
    if record is not None:
        for key in ("out_time", "out_potential", "row_sum", "training_thresholds"):
            record[key] = []

    for _epoch in range(n_epochs):
        if p["competition"] == "cr2":
            phi = theta.copy()
        if p["shuffle"]:
            order = rng.permutation(n_samples)
        else:
            order = np.arange(n_samples)
        predictions = np.zeros(n_samples, dtype=np.int64)
        if record is not None:
            steps = {key: [] for key in record}

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
                            phi[g] = f32(float(phi[g]) + eta * (K - 1) / K)
                        else:
                            phi[g] = f32(float(phi[g]) - eta / K)
                if p["competition"] == "cr2":
                    phi = np.maximum(phi, theta_floor)

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

            # Learning rule, then every row clipped and normalised.
            p["_updated"] = []
            if p["rule"] == "s2stdp":
                _rule_s2stdp(W, x, s_l, label, class_winners, active, rates, hidden, p)
            elif p["rule"] == "rstdp":
                _rule_rstdp(W, x, s_l, label, winner, active, rates, prev_acc, hidden, p)
            else:
                _rule_s4nn(W, x, s_l, label, silenced, rates, hidden, p)
            _clip_and_normalise(W, p, norm_target, p["_updated"])

            if record is not None:
                steps["out_time"].append(s)
                steps["out_potential"].append(V)
                steps["row_sum"].append(W.astype(np.float64).sum(axis=1))
                steps["training_thresholds"].append(
                    theta.copy() if p["competition"] == "none" else phi.copy()
                )

        accuracy = float(np.mean(predictions == y)) if n_samples else 0.0
        if record is not None:
            for key, values in steps.items():
                record[key].append(np.array(values))

        # Epoch end (note 8): learning rates, threshold rate, CR-1 copy.
        for k in rates:
            rates[k] *= p["annealing"]
        eta *= p["thr_anneal"]
        if p["competition"] == "cr1":
            theta = phi.copy()
        prev_acc = accuracy

        history["weights"].append(W.astype(np.float64))
        history["train_accuracy"].append(accuracy)
        history["train_prediction"].append(predictions.copy())
        history["decision_thresholds"].append(theta.astype(np.float64))
        if p["competition"] == "none":
            history["training_thresholds"].append(theta.astype(np.float64))
        else:
            history["training_thresholds"].append(phi.astype(np.float64))
    return history


# ----------------------------------------------------------------------------------------
# Prediction
# ----------------------------------------------------------------------------------------


def ref_predict(samples, W, thresholds, n_classes, M, max_time=1.0, neuron="if", tau=1.0):
    """Class of the global winner for each sample (decision thresholds, all neurons active)."""
    W = np.asarray(W, dtype=f32)
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
