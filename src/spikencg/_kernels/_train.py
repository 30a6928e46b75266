"""One training epoch of the spiking readout, compiled as a single call.

Everything of ALGORITHM.md sections 3 to 7 that happens per sample lives here: dropout
masks, training thresholds, forward pass, training prediction, competition regulation,
intra-class winner-takes-all, the learning rules (S2-STDP/SSTDP, R-STDP, S4NN) with
additive or multiplicative STDP, clipping and weight normalisation. What happens per
epoch (annealing, threshold resets, validation) is done by the caller.
"""


import numpy as np

from ._f32sum import (
    _leaves_abs_sum,
    _leaves_scale_abs_sum,
    abs_sum_f32,
    pairwise_plan,
)
from ._forward import (
    best_of_range,
    better,
    round_f32,
    sample_groups,
    simulate,
    simulate_nm,
    simulate_nm_monotone,
)
from ._jit import borrow, keep_alive, njit

__all__ = [
    "train_epoch",
    "RULE_S2STDP",
    "RULE_RSTDP",
    "RULE_S4NN",
    "COMP_NONE",
    "COMP_CR2",
    "COMP_CR1",
    "N_STATS",
]

RULE_S2STDP = 0
RULE_RSTDP = 1
RULE_S4NN = 2

COMP_NONE = 0
COMP_CR2 = 1
COMP_CR1 = 2

# epoch statistics returned in ``stats``
STAT_CORRECT = 0
STAT_SILENT = 1  # samples on which no output neuron fired
STAT_ALL_FIRST = 2  # samples on which every active neuron fired at the first input group
N_STATS = 3


@njit(cache=True, nogil=True, boundscheck=False)
def _update_column(WT, n, x, hidden, use_hidden, c, nc, s_j, t_ltd, w_min, w_max,
                   multiplicative, beta, span):
    """STDP increment of neuron ``n``'s weights ``WT[n]`` (one per input), clipped.

    Causal inputs (``x_i <= s_j``) receive ``c``, the others with ``x_i < t_ltd`` receive
    ``nc``; hidden inputs receive no increment but are clipped like every weight of an
    updated row (normalisation may have pushed them out of range). Increments are
    computed in float64 and the weight rounded back to float32. (Rows are addressed by
    index, never as views: a view costs two atomic reference-count updates.)
    """
    n_in = WT.shape[1]
    if multiplicative:
        for i in range(n_in):
            xi = x[i]
            w = np.float64(WT[n, i])
            if use_hidden and hidden[i]:
                pass
            elif xi <= s_j:
                w += c * np.exp(-beta * ((w - w_min) / span))
            elif xi < t_ltd:
                w += nc * np.exp(-beta * ((w_max - w) / span))
            if w < w_min:
                w = w_min
            elif w > w_max:
                w = w_max
            WT[n, i] = np.float32(w)
    elif use_hidden:
        # branch-free (selects only), so that LLVM vectorises it
        for i in range(n_in):
            xi = x[i]
            w = np.float64(WT[n, i])
            causal = xi <= s_j
            dep = xi < t_ltd
            w2 = w + (c if causal else nc)
            w2 = w2 if ((causal or dep) and not hidden[i]) else w
            WT[n, i] = np.float32(w_min if w2 < w_min else (w_max if w2 > w_max else w2))
    elif t_ltd == np.inf:
        # every input is causal or depressed (the S2-STDP default): fewer selects
        for i in range(n_in):
            w2 = np.float64(WT[n, i]) + (c if x[i] <= s_j else nc)
            w2 = w_min if w2 < w_min else w2
            w2 = w_max if w2 > w_max else w2
            WT[n, i] = np.float32(w2)
    else:
        for i in range(n_in):
            xi = x[i]
            w = np.float64(WT[n, i])
            causal = xi <= s_j
            dep = xi < t_ltd
            w2 = w + (c if causal else nc)
            w2 = w2 if (causal or dep) else w
            w2 = w_min if w2 < w_min else w2
            w2 = w_max if w2 > w_max else w2
            WT[n, i] = np.float32(w2)


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _n_out_of_range(WT, n, w_min, w_max):
    """Number of weights of row ``n`` outside ``[w_min, w_max]`` (bounds as float32; a
    count vectorises)."""
    lo = np.float32(w_min)
    hi = np.float32(w_max)
    bad = 0
    for i in range(WT.shape[1]):
        v = WT[n, i]
        bad += (v < lo) | (v > hi)
    return bad


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _norm_factor(WT, n, target, leaves, pairs, part):
    """The original's rescaling factor ``target / sum |w|`` of row ``n``, both float32,
    in float32 (1 for a row of zeros, which the original would turn into NaN)."""
    a = abs_sum_f32(WT, n, leaves, pairs, part)
    if a > np.float32(0.0):
        return np.float32(target) / a
    return np.float32(1.0)


@njit(cache=True, nogil=True, boundscheck=False)
def _apply_updates(W, WT, copy_back, x, hidden, use_hidden, n_upd, upd_n, upd_c, upd_nc,
                   upd_s, t_ltd, w_min, w_max, multiplicative, beta, w_norm, norm_target,
                   nextf, inrange, touched, rows, leaves, pairs, part):
    """Add the STDP increments of ``n_upd`` neurons, then clip and normalise every row
    that the original's step would change.

    Neuron ``upd_n[j]`` receives ``upd_c[j]`` on causal inputs (``x_i <= upd_s[j]``) and
    ``upd_nc[j]`` on the others with ``x_i < t_ltd``. Increments are computed in float64
    and the weight rounded back to float32. Then every row is clipped and normalised as
    the original does after every step, updated or not: clipped to ``[w_min, w_max]``,
    then rescaled by the float32 factor ``target / sum |w|``. A row in range whose factor
    is exactly 1 does not change; the others change at every step until they are.
    ``nextf[n]`` holds the factor that row ``n``'s next rescaling will apply and
    ``inrange[n]`` whether all its weights are in range, both kept up to date, so that
    only the updated rows and those that would change are visited.

    The work is done on ``WT``, the neuron-major weights (contiguous rows per neuron).
    With ``copy_back`` the changed rows are also written into the columns of ``W`` (the
    input-major weights used by the row-by-row forward pass). ``touched`` (bool) and
    ``rows`` (int64) are scratch arrays of shape (N,).
    """
    N = WT.shape[0]
    n_in = WT.shape[1]
    span = w_max - w_min
    for j in range(n_upd):
        _update_column(WT, upd_n[j], x, hidden, use_hidden, upd_c[j], upd_nc[j],
                       upd_s[j], t_ltd, w_min, w_max, multiplicative, beta, span)
        touched[upd_n[j]] = True
    # (updated rows are clipped by _update_column). Then every row that the original's
    # step changes: clipped if out of range, rescaled by ``nextf`` (its sum computed
    # again first if the row was just updated), the next factor and range kept.
    # Written out here rather than in helpers: numba passes arrays to a helper, or to
    # an inlined one, with atomic reference-count updates that cost more than a short
    # row's pass; intrinsics and scalar helpers take them without.
    one = np.float32(1.0)
    zero = np.float32(0.0)
    lo_b = np.float32(w_min)
    hi_b = np.float32(w_max)
    n_leaves = leaves.shape[0]
    last = n_leaves - 1
    tail = leaves[last, 0] + 8 * leaves[last, 1] if n_in >= 8 else 0
    n_pairs = pairs.shape[0]
    n_rows = 0
    for n in range(N):
        fresh = touched[n]
        if not (fresh or not inrange[n] or nextf[n] != one):
            continue
        touched[n] = False
        rows[n_rows] = n
        n_rows += 1
        if not fresh and not inrange[n]:
            for i in range(n_in):
                v = WT[n, i]
                WT[n, i] = lo_b if v < lo_b else (hi_b if v > hi_b else v)
            fresh = True
        f = nextf[n]  # the factor of a row not updated since its last rescaling
        nextf[n] = one
        inrange[n] = True
        if not w_norm:
            continue
        for step in range(2):  # 0: the factor (a fresh row's sum); 1: rescale
            if step == 0 and not fresh:
                continue
            out = False
            if step == 1:
                for i in range(tail, n_in):  # the values after the last leaf's blocks
                    v = WT[n, i] * f
                    WT[n, i] = v
                    out = out or v < lo_b or v > hi_b
            if n_in < 8:
                a = zero
                for i in range(n_in):
                    a += abs(WT[n, i])
            else:
                if step == 0:
                    _leaves_abs_sum(WT, n, leaves, part)
                else:
                    out = _leaves_scale_abs_sum(WT, n, leaves, part, f, lo_b, hi_b) or out
                for i in range(tail, n_in):
                    part[last] += abs(WT[n, i])
                for j in range(n_pairs):
                    part[n_leaves + j] = part[pairs[j, 0]] + part[pairs[j, 1]]
                a = part[n_leaves + n_pairs - 1] if n_pairs else part[last]
            g = np.float32(norm_target[n]) / a if a > zero else one
            if step == 0:
                f = g
                if f == one:
                    break
            else:
                nextf[n] = g
                inrange[n] = not out
    # then, with copy_back, the rows are copied into their columns of W, two at a time
    # (one pass over W's rows per pair)
    if not copy_back:
        return
    j = 0
    while j + 1 < n_rows:
        n0 = rows[j]
        n1 = rows[j + 1]
        for i in range(n_in):
            W[i, n0] = WT[n0, i]
            W[i, n1] = WT[n1, i]
        j += 2
    if j < n_rows:
        n0 = rows[j]
        for i in range(n_in):
            W[i, n0] = WT[n0, i]


@njit(cache=True, nogil=True)
def train_epoch(indptr, indices, times, y, order, W, theta, phi, norm_target,
                n_classes, M, L, class_inhib, comp, eta, phi_floor,
                rule, time_ranges, leak, tau, T,
                w_min, w_max, w_norm, multiplicative, beta,
                t_gap, ap, am, anti_ap, anti_am, lr, t_ltd,
                p_out, p_in, rng, row_major,
                train_pred, upd_own, upd_other, fire_count, fire_sum, fire_min, stats):
    """Train on every sample of ``order`` once, updating ``W`` and ``phi`` in place.

    Parameters
    ----------
    indptr, indices, times : spike lists (CSR layout, each row sorted by time).
    y : int64 array, class index of every sample.
    order : int64 array, the samples to visit, in order.
    W : float32 array (n_in, N), input-major, updated in place.
    theta : float64 array (N,), decision thresholds (used for non-regulated neurons).
    phi : float64 array (N,), training thresholds (CR-2 adaptive / CR-1 single), in place.
    norm_target : float64 array (N,), row sums kept by weight normalisation.
    comp : COMP_NONE, COMP_CR2 or COMP_CR1.
    rule : RULE_S2STDP, RULE_RSTDP or RULE_S4NN.
    ap, am, anti_ap, anti_am, lr : learning rates of this epoch (already annealed and,
        for R-STDP, already scaled by the adaptive factors).
    t_ltd : inputs with ``x_i >= t_ltd`` are never depressed.
    p_out, p_in : output and input dropout probabilities.
    rng : numpy.random.Generator, used only when a dropout probability is positive.
    row_major : bool
        How the forward pass reads the weights (the results are the same either way).
        True: input spike by input spike, adding a row of the input-major ``W`` to all
        potentials at once; the learning rules update a neuron-major copy whose changed
        rows are written back into ``W``'s columns after each update. False: neuron by
        neuron from the neuron-major copy alone (each neuron stops at its own first
        spike), written back into ``W`` once, at the end of the epoch. Writing updated
        rows back into ``W``'s columns is costly when many neurons are updated per sample
        (S2-STDP: neuron-major is faster, measured on 64 to 4,608 inputs); with one
        updated neuron (R-STDP) or few (S4NN) the faster row-by-row pass wins.
    train_pred : int64 array (n_samples,), receives the training prediction of each sample.
    upd_own, upd_other : int64 arrays (N,), incremented for every update a neuron receives
        on a sample of its own class / of another class.
    fire_count, fire_sum, fire_min : arrays (N,), int64 / float64 / float64
        Per neuron: number of training samples on which it fired, sum and minimum of its
        firing times (training pass, before intra-class inhibition); accumulated.
    stats : int64 array (N_STATS,), incremented.
    """
    n_in = W.shape[0]
    N = W.shape[1]
    s = np.empty(N, np.float64)
    V = np.empty(N, np.float32)
    acc = np.empty(N, np.float32)
    alive = np.empty(N, np.bool_)
    active = np.ones(N, np.bool_)
    play = np.empty(N, np.bool_)  # takes part in learning after intra-class inhibition
    # thresholds are float32 numbers, as in the original (``theta`` and ``phi`` hold
    # float64 values; the kernel uses them rounded to float32)
    thr = np.empty(N, np.float64)  # float32 values, for the neuron-major passes
    thr32 = np.empty(N, np.float32)  # the same, for simulate
    theta32 = np.empty(N, np.float32)
    round_f32(theta, theta32)
    x = np.full(n_in, T, np.float64)  # dense input times; back to T after each sample
    hidden = np.zeros(n_in, np.bool_)
    upd_n = np.empty(N, np.int64)
    upd_c = np.empty(N, np.float64)
    upd_nc = np.empty(N, np.float64)
    upd_s = np.empty(N, np.float64)
    err = np.empty(N, np.float64)
    cbest = np.empty(n_classes, np.int64)  # each class's best neuron (intra-class WTA)
    cand = np.empty(N, np.int64)  # neurons taking part in learning, increasing
    # neuron-major copy of W: the learning rules work on its contiguous rows (and the
    # neuron-major forward pass reads it); W is kept equal to it (see ``row_major``)
    WT = np.empty((N, n_in), dtype=W.dtype)
    for i in range(n_in):
        for n in range(N):
            WT[n, i] = W[i, n]
    # potentials never decrease when there is no leak and every weight is >= 0; the
    # weights stay >= 0 through the epoch when clipping keeps them above w_min >= 0 and
    # normalisation rescales by positive factors: then the neuron-major pass may test the
    # thresholds less often (simulate_nm_monotone, same results)
    monotone = (not row_major) and (not leak) and w_min >= 0.0 and WT.min() >= 0.0
    if monotone and w_norm:
        monotone = norm_target.min() >= 0.0
    max_len = 0
    for pos in range(order.shape[0]):
        r = order[pos]
        if indptr[r + 1] - indptr[r] > max_len:
            max_len = indptr[r + 1] - indptr[r]
    g_lo = np.empty(max_len + 1, np.int64)  # the sample's groups of equal timestamps
    g_f = np.empty(max_len + 1, np.float32)
    use_hidden = p_in > 0.0
    # S2-STDP gaps: k target slots per class out of u updated neurons
    if class_inhib:
        k_slots = 1
        u_count = n_classes
    else:
        k_slots = M
        u_count = N
    g_nt = t_gap * (k_slots / u_count)
    g_t = t_gap * ((u_count - k_slots) / u_count)
    # clipping and normalisation state of every row (see _apply_updates)
    nextf = np.ones(N, np.float32)
    inrange = np.ones(N, np.bool_)
    touched = np.zeros(N, np.bool_)
    rows = np.empty(N, np.int64)
    leaves, pairs = pairwise_plan(n_in)
    part = np.empty(2 * leaves.shape[0], np.float32)
    for n in range(N):
        inrange[n] = _n_out_of_range(WT, n, w_min, w_max) == 0
        if w_norm and inrange[n]:
            nextf[n] = _norm_factor(WT, n, norm_target[n], leaves, pairs, part)

    # the per-sample loop works on views without reference counting (see borrow):
    # its helpers take arrays at no atomic cost; the local arrays stay alive in
    # ``owners`` until keep_alive below
    owners = (s, V, acc, alive, active, play, thr, thr32, theta32, x, hidden, upd_n,
              upd_c, upd_nc, upd_s, err, cbest, cand, WT, g_lo, g_f, nextf, inrange,
              touched, rows, leaves, pairs, part)
    s, V, acc, alive = borrow(s), borrow(V), borrow(acc), borrow(alive)
    active, play, thr, thr32 = borrow(active), borrow(play), borrow(thr), borrow(thr32)
    theta32, x, hidden, upd_n = borrow(theta32), borrow(x), borrow(hidden), borrow(upd_n)
    upd_c, upd_nc, upd_s, err = borrow(upd_c), borrow(upd_nc), borrow(upd_s), borrow(err)
    cbest, cand, WT, g_lo = borrow(cbest), borrow(cand), borrow(WT), borrow(g_lo)
    g_f, nextf, inrange, touched = borrow(g_f), borrow(nextf), borrow(inrange), borrow(touched)
    rows, leaves, pairs, part = borrow(rows), borrow(leaves), borrow(pairs), borrow(part)
    indptr, indices, times, y = borrow(indptr), borrow(indices), borrow(times), borrow(y)
    order, W, theta, phi = borrow(order), borrow(W), borrow(theta), borrow(phi)
    norm_target, train_pred = borrow(norm_target), borrow(train_pred)
    upd_own, upd_other = borrow(upd_own), borrow(upd_other)
    fire_count, fire_sum = borrow(fire_count), borrow(fire_sum)
    fire_min, stats = borrow(fire_min), borrow(stats)
    for pos in range(order.shape[0]):
        r = order[pos]
        label = y[r]
        start = indptr[r]
        end = indptr[r + 1]

        # 1. dropout masks
        if p_out > 0.0:
            for n in range(N):
                active[n] = rng.random() >= p_out
        if use_hidden:
            for i in range(n_in):
                hidden[i] = rng.random() < p_in

        # 2. training thresholds (float64 for the neuron-major pass, rounded down to
        # float32 for the row-by-row one)
        if comp == COMP_CR1:
            round_f32(phi, thr32)
        else:
            for n in range(N):
                thr32[n] = theta32[n]
            if comp == COMP_CR2:
                lo_r = label * M + L
                round_f32(phi[lo_r:(label + 1) * M], thr32[lo_r:(label + 1) * M])
        if not row_major:
            for n in range(N):
                thr[n] = thr32[n]

        # 3. forward pass with the training thresholds; dense input times (x holds T
        # everywhere between samples: only this sample's spikes are written, then reset)
        # (unsigned positions and indices: no negative-index wraparound code)
        for q in range(np.uint64(start), np.uint64(end)):
            x[np.uint64(indices[q])] = times[q]
        if row_major:
            n_fired = simulate(start, end, indices, times, W, thr32, active, T, leak, tau,
                               np.bool_(False), s, V, acc, alive)
        elif monotone:
            n_fired = simulate_nm_monotone(start, end, indices, times, WT, thr, active, T,
                                           s, V)
        else:
            G = sample_groups(start, end, times, leak, tau, g_lo, g_f)
            n_fired = simulate_nm(G, g_lo, g_f, indices, times, WT, thr, active, T, leak,
                                  s, V)

        # 4. training prediction. With intra-class inhibition, each class's best neuron
        # (needed again in step 6) is found first; the best of them is the overall best
        # (ties still go to the smallest index).
        any_active = True
        if p_out > 0.0:
            any_active = False
            for n in range(N):
                if active[n]:
                    any_active = True
                    break
        if class_inhib:
            gw = np.int64(-1)  # (np.int64: no extra compiled copy of better for -1)
            for c in range(n_classes):
                b = best_of_range(c * M, (c + 1) * M, s, V, active)
                cbest[c] = b
                if b >= 0 and (gw < 0 or better(b, gw, s, V)):
                    gw = b
            if gw < 0:
                gw = 0
        elif any_active:
            gw = best_of_range(np.int64(0), N, s, V, active)
        else:
            gw = 0
        pred = gw // M
        train_pred[r] = pred
        if pred == label:
            stats[STAT_CORRECT] += 1
        for n in range(N):
            if s[n] < T:
                fire_count[n] += 1
                fire_sum[n] += s[n]
                if s[n] < fire_min[n]:
                    fire_min[n] = s[n]
        if n_fired == 0:
            stats[STAT_SILENT] += 1
        elif end > start:
            all_first = True
            t0 = times[start]
            for n in range(N):
                if active[n] and s[n] != t0:
                    all_first = False
                    break
            if all_first:
                stats[STAT_ALL_FIRST] += 1

        # 5. competition regulation, on the outputs before intra-class inhibition
        if comp != COMP_NONE:
            lo = label * M + L
            hi = (label + 1) * M
            K = 0
            for n in range(lo, hi):
                if active[n]:
                    K += 1
            if K >= 2:
                g_star = best_of_range(lo, hi, s, V, active)
                # float32 thresholds, each update rounded (as the original)
                for n in range(lo, hi):
                    if not active[n]:
                        continue
                    if n == g_star:
                        phi[n] = np.float32(np.float32(phi[n]) + eta * (K - 1) / K)
                    else:
                        phi[n] = np.float32(np.float32(phi[n]) - eta / K)
                    if comp == COMP_CR2 and phi[n] < phi_floor:
                        phi[n] = phi_floor

        # 6. intra-class winner-takes-all: only each class's best neuron takes part in
        # learning; ``cand`` lists the neurons that do, in increasing order
        n_cand = 0
        if class_inhib:
            for n in range(N):
                play[n] = False
            for c in range(n_classes):
                b = cbest[c]
                if b >= 0:
                    play[b] = True
                    cand[n_cand] = b
                    n_cand += 1
        else:
            for n in range(N):
                play[n] = active[n]
                if active[n]:
                    cand[n_cand] = n
                    n_cand += 1

        # 7. learning rule
        # constants passed to compiled helpers are typed np.int64 / np.bool_: a bare
        # 0, 1 or False would make numba compile an extra copy of the helper for that
        # literal value (same results, seconds more of compilation and a larger cache)
        n_upd = np.int64(0)
        if rule == RULE_S2STDP:
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
            lo_t = label * M + L  # target neurons of the label: [lo_t, hi_t)
            hi_t = (label + 1) * M
            for j in range(n_cand):
                n = cand[j]
                if lo_t <= n < hi_t:
                    tau_n = t_base - g_t
                    if time_ranges and s[n] < tau_n:
                        tau_n = s[n]
                else:
                    tau_n = t_base + g_nt
                    if time_ranges and s[n] > tau_n:
                        tau_n = s[n]
                # the error is a float32 number, as in the original
                e = np.float64(np.float32((s[n] - tau_n) / T))
                if e > 0.0:
                    upd_n[n_upd] = n
                    upd_c[n_upd] = e * ap
                    upd_nc[n_upd] = e * am
                    upd_s[n_upd] = s[n]
                    n_upd += 1
                elif e < 0.0:
                    upd_n[n_upd] = n
                    upd_c[n_upd] = -e * anti_ap
                    upd_nc[n_upd] = -e * anti_am
                    upd_s[n_upd] = s[n]
                    n_upd += 1
        elif rule == RULE_RSTDP:
            if any_active:
                rewarded = (gw // M == label) and (gw % M >= L)
                upd_n[0] = gw
                upd_s[0] = s[gw]
                if rewarded:
                    upd_c[0] = ap
                    upd_nc[0] = am
                else:
                    upd_c[0] = anti_ap
                    upd_nc[0] = anti_am
                n_upd = np.int64(1)
        else:  # S4NN
            t_base = T
            for n in range(N):
                if play[n] and s[n] < t_base:
                    t_base = s[n]
            if t_base + t_gap > T:
                t_base = T - t_gap
            norm2 = 0.0
            for n in range(N):
                err[n] = 0.0
                if not play[n]:
                    continue
                if label * M + L <= n < (label + 1) * M:
                    tau_n = t_base
                    if time_ranges and s[n] < tau_n:
                        tau_n = s[n]
                else:
                    tau_n = t_base + t_gap
                    if time_ranges and s[n] > tau_n:
                        tau_n = s[n]
                # float32 errors, their float32 norm and quotients, as the original
                err[n] = np.float32((s[n] - tau_n) / T)
                norm2 += err[n] * err[n]
            if norm2 > 0.0:
                nrm = np.float32(np.sqrt(norm2))
                for n in range(N):
                    if err[n] != 0.0:
                        upd_n[n_upd] = n
                        upd_c[n_upd] = np.float64(np.float32(np.float32(err[n]) / nrm)) * lr
                        upd_nc[n_upd] = 0.0
                        upd_s[n_upd] = s[n]
                        n_upd += 1
        # the updates, then clipping and normalisation of every row that they change
        # (S4NN: causal inputs only, additive)
        if rule == RULE_S4NN:
            _apply_updates(W, WT, row_major, x, hidden, use_hidden, n_upd, upd_n, upd_c,
                           upd_nc, upd_s, -np.inf, w_min, w_max, np.bool_(False), 0.0,
                           w_norm, norm_target, nextf, inrange, touched, rows, leaves, pairs, part)
        else:
            _apply_updates(W, WT, row_major, x, hidden, use_hidden, n_upd, upd_n, upd_c,
                           upd_nc, upd_s, t_ltd, w_min, w_max, multiplicative, beta,
                           w_norm, norm_target, nextf, inrange, touched, rows, leaves, pairs, part)

        # 8. statistics of who was updated
        lo_c = label * M
        hi_c = lo_c + M
        for j in range(n_upd):
            n = upd_n[j]
            if lo_c <= n < hi_c:
                upd_own[np.uint64(n)] += 1
            else:
                upd_other[np.uint64(n)] += 1
        for q in range(np.uint64(start), np.uint64(end)):
            x[np.uint64(indices[q])] = T
    if not row_major:
        for i in range(n_in):
            for n in range(N):
                W[i, n] = WT[n, i]
    keep_alive(owners)
    return stats[STAT_CORRECT]
