"""Event-driven forward pass of a layer of single-spike IF/LIF neurons, and prediction.

Weights are stored input-major, ``W[i, n]`` (float32): one input spike adds one
contiguous row to the potentials. Potentials are float32, as in the original framework.
"""


import numpy as np

from ._jit import njit
from ._order import best_of_range, better

__all__ = ["simulate", "round_f32", "better", "best_of_range", "predict_batch",
           "simulate_batch", "sample_groups", "simulate_nm", "simulate_nm_monotone",
           "MONOTONE_CHUNK"]

# input spikes integrated between two threshold tests in :func:`simulate_nm_monotone`
MONOTONE_CHUNK = 32


@njit(cache=True, nogil=True)
def round_f32(thr, out):
    """``out[n]`` = ``thr[n]`` rounded to the nearest float32, for every ``n``.

    Thresholds are float32 numbers, as potentials are (and as in the original
    framework): the firing test is the float32 comparison ``V > float32(theta)``.
    """
    for n in range(thr.shape[0]):
        out[n] = np.float32(thr[n])


@njit(cache=True, nogil=True)
def simulate(start, end, indices, times, W, thr32, active, T, leak, tau, stop_first,
             s, V, acc, alive):
    """Run one sample through the layer.

    Parameters
    ----------
    start, end : int
        The sample's spikes are ``indices[start:end]``, ``times[start:end]``, sorted by time.
    W : ndarray of shape (n_in, N), float32
    thr32 : ndarray of shape (N,), float32
        Thresholds used for this pass (float32 numbers, see :func:`round_f32`); a neuron
        fires when its potential is strictly above its threshold.
    active : ndarray of shape (N,), bool
        False for neurons dropped out for this sample.
    T : float
        Maximum time; neurons that never fire get ``s = T``.
    leak : bool
        LIF when true, with time constant ``tau``.
    stop_first : bool
        Stop after the first input group that makes a neuron fire (plain prediction).
        Otherwise stop when no active neuron is left or the inputs are exhausted.
    s, V : ndarray of shape (N,)
        Output firing times (float64) and potentials (float32): potential at firing time,
        final potential for silent neurons, 0 for dropped neurons.
    acc, alive : scratch arrays of shape (N,), float32 and bool.

    Returns
    -------
    n_fired : int
    """
    N = s.shape[0]
    n_alive = 0
    for n in range(N):
        s[n] = T
        V[n] = 0.0
        acc[n] = 0.0
        alive[n] = active[n]
        if active[n]:
            n_alive += 1
    n_fired = 0
    k = start
    t_prev = 0.0
    while k < end and n_alive > 0:
        t = times[k]
        if leak and t > t_prev:
            f = np.float32(np.exp(-(t - t_prev) / tau))
            for n in range(N):
                acc[n] *= f
        # integrate the whole group of equal timestamps, two rows per pass over the
        # potentials (each potential still receives the rows one by one, in order); the
        # last pass also tells, branch-free, whether some active neuron is above its
        # threshold (strict test), since most groups make no neuron fire
        g_end = k + 1
        while g_end < end and times[g_end] == t:
            g_end += 1
        while g_end - k > 2:
            row0 = W[indices[k]]
            row1 = W[indices[k + 1]]
            for n in range(N):
                acc[n] = (acc[n] + row0[n]) + row1[n]
            k += 2
        # (float32 comparisons, and a count rather than a flag: both vectorise)
        n_over = 0
        if g_end - k == 2:
            row0 = W[indices[k]]
            row1 = W[indices[k + 1]]
            for n in range(N):
                a = (acc[n] + row0[n]) + row1[n]
                acc[n] = a
                n_over += alive[n] & (a > thr32[n])
        else:
            row0 = W[indices[k]]
            for n in range(N):
                a = acc[n] + row0[n]
                acc[n] = a
                n_over += alive[n] & (a > thr32[n])
        k = g_end
        if n_over > 0:
            # branch-free selects: the neurons crossing now fire at t
            for n in range(N):
                f = alive[n] & (acc[n] > thr32[n])
                s[n] = t if f else s[n]
                V[n] = acc[n] if f else V[n]
                alive[n] = alive[n] & (not f)
            n_alive -= n_over
            n_fired += n_over
        t_prev = t
        if stop_first and n_over > 0:
            break
    for n in range(N):
        if alive[n]:
            V[n] = acc[n]
    return n_fired


@njit(cache=True, nogil=True)
def _pass_scratch(thr):
    """What :func:`simulate` needs besides the sample, for passes with all neurons active:
    the thresholds as float32 numbers (:func:`round_f32`), the potentials' and the alive
    flags' scratch arrays, and the all-active mask."""
    N = thr.shape[0]
    thr32 = np.empty(N, np.float32)
    round_f32(thr, thr32)
    return thr32, np.empty(N, np.float32), np.empty(N, np.bool_), np.ones(N, np.bool_)


@njit(cache=True, nogil=True)
def predict_batch(starts, ends, indices, times, W, thr, n_classes, M, T, leak, tau, full,
                  winner, s_class, V_class):
    """Forward every sample with all neurons active and record the decision.

    One thread, without the GIL: :func:`spikencg._parallel.run_chunks` runs it on
    chunks of samples in several threads (deterministic: each sample is independent).

    Parameters
    ----------
    starts, ends : ndarray of shape (n,), int64
        Sample ``r``'s spikes are ``indices[starts[r]:ends[r]]``: ``indptr[:-1]`` and
        ``indptr[1:]`` for a whole spike list, ``indptr[rows]`` and ``indptr[rows + 1]``
        for some of its rows (without copying them).
    full : bool
        When false, only ``winner`` is needed: each sample stops after its first output
        spike group, and ``s_class``/``V_class`` are not written (pass (0, 0) arrays).
        When true the simulation runs to the end and ``s_class``/``V_class`` (n, C)
        receive the firing time and potential of each class's best neuron.
    winner : ndarray of shape (n,), int64, output
        Index of the winning neuron.
    """
    n = starts.shape[0]
    N = W.shape[1]
    thr32, acc, alive, active = _pass_scratch(thr)
    s = np.empty(N, np.float64)
    V = np.empty(N, np.float32)
    for r in range(n):
        simulate(starts[r], ends[r], indices, times, W, thr32, active, T, leak, tau,
                 not full, s, V, acc, alive)
        winner[r] = best_of_range(np.int64(0), N, s, V, active)
        if full:
            for k in range(n_classes):
                b = best_of_range(k * M, (k + 1) * M, s, V, active)
                s_class[r, k] = s[b]
                V_class[r, k] = V[b]


@njit(cache=True, nogil=True)
def simulate_batch(starts, ends, indices, times, W, thr, T, leak, tau, s, V, winner):
    """Forward every sample to its end with all neurons active; record every neuron.

    What :func:`predict_batch` computes, but with the firing time and potential of
    every neuron (for pictures of the layer's activity), not only of each class's best.

    Parameters
    ----------
    starts, ends : ndarray of shape (n,), int64
        Sample ``r``'s spikes are ``indices[starts[r]:ends[r]]``, as in
        :func:`predict_batch`.
    W : ndarray of shape (n_in, N), float32
    thr : ndarray of shape (N,), float64
        Decision thresholds (compared as float32 numbers, see :func:`round_f32`).
    T, leak, tau : as in :func:`simulate`.
    s : ndarray of shape (n, N), float64, output
        Firing time of every neuron, ``T`` for a silent one.
    V : ndarray of shape (n, N), float32, output
        Potential of every neuron at its firing time (final potential when silent).
    winner : ndarray of shape (n,), int64, output
        The decision's winner (:func:`spikencg._kernels._order.best_of_range`).
    """
    thr32, acc, alive, active = _pass_scratch(thr)
    for r in range(starts.shape[0]):
        simulate(starts[r], ends[r], indices, times, W, thr32, active, T, leak, tau, False,
                 s[r], V[r], acc, alive)
        winner[r] = best_of_range(np.int64(0), W.shape[1], s[r], V[r], active)


@njit(cache=True, nogil=True, boundscheck=False)
def sample_groups(start, end, times, leak, tau, g_lo, g_f):
    """Split one sample's spikes into groups of equal timestamps.

    Group ``g`` is ``[g_lo[g], g_lo[g + 1])``; ``g_f[g]`` is the LIF decay factor applied
    to the potentials before group ``g`` is integrated (1 without leak, or when the group
    is at t = 0), computed exactly as :func:`simulate` does. Returns the number of groups.
    """
    G = 0
    k = start
    t_prev = 0.0
    while k < end:
        t = times[k]
        g_lo[G] = k
        if leak and t > t_prev:
            g_f[G] = np.float32(np.exp(-(t - t_prev) / tau))
        else:
            g_f[G] = np.float32(1.0)
        k += 1
        while k < end and times[k] == t:
            k += 1
        t_prev = t
        G += 1
    g_lo[G] = end
    return G


@njit(cache=True, nogil=True, boundscheck=False)
def simulate_nm(G, g_lo, g_f, indices, times, WT, thr, active, T, leak, s, V):
    """Run one sample through the layer, one neuron at a time, from neuron-major weights.

    The same results as :func:`simulate` with ``stop_first=False`` (every potential is the
    same float32 sum, in the same order), but reading ``WT[n, i]`` (shape (N, n_in)) and
    stopping each neuron's integration at its own first spike. Neurons are integrated
    four at a time, so that four independent addition chains overlap.

    Parameters
    ----------
    G, g_lo, g_f : the sample's groups of equal timestamps, from :func:`sample_groups`.
    WT : ndarray of shape (N, n_in), float32
    thr, active, T, leak, s, V : as in :func:`simulate`.

    Returns
    -------
    n_fired : int
    """
    N = WT.shape[0]
    n_fired = 0
    n = 0
    while n < N:
        if n + 4 <= N and active[n] and active[n + 1] and active[n + 2] and active[n + 3]:
            r0 = WT[n]
            r1 = WT[n + 1]
            r2 = WT[n + 2]
            r3 = WT[n + 3]
            a0 = np.float32(0.0)
            a1 = np.float32(0.0)
            a2 = np.float32(0.0)
            a3 = np.float32(0.0)
            d0 = False
            d1 = False
            d2 = False
            d3 = False
            for g in range(G):
                if leak:
                    f = g_f[g]
                    a0 *= f
                    a1 *= f
                    a2 *= f
                    a3 *= f
                for k in range(g_lo[g], g_lo[g + 1]):
                    i = indices[k]
                    a0 += r0[i]
                    a1 += r1[i]
                    a2 += r2[i]
                    a3 += r3[i]
                t = times[g_lo[g]]
                if not d0 and a0 > thr[n]:
                    d0 = True
                    s[n] = t
                    V[n] = a0
                if not d1 and a1 > thr[n + 1]:
                    d1 = True
                    s[n + 1] = t
                    V[n + 1] = a1
                if not d2 and a2 > thr[n + 2]:
                    d2 = True
                    s[n + 2] = t
                    V[n + 2] = a2
                if not d3 and a3 > thr[n + 3]:
                    d3 = True
                    s[n + 3] = t
                    V[n + 3] = a3
                if d0 and d1 and d2 and d3:
                    break
            if d0:
                n_fired += 1
            else:
                s[n] = T
                V[n] = a0
            if d1:
                n_fired += 1
            else:
                s[n + 1] = T
                V[n + 1] = a1
            if d2:
                n_fired += 1
            else:
                s[n + 2] = T
                V[n + 2] = a2
            if d3:
                n_fired += 1
            else:
                s[n + 3] = T
                V[n + 3] = a3
            n += 4
            continue
        # one neuron (the last N % 4 ones, or a block with a dropped-out neuron)
        s[n] = T
        if not active[n]:
            V[n] = 0.0
            n += 1
            continue
        r0 = WT[n]
        a0 = np.float32(0.0)
        d0 = False
        for g in range(G):
            if leak:
                a0 *= g_f[g]
            for k in range(g_lo[g], g_lo[g + 1]):
                a0 += r0[indices[k]]
            if a0 > thr[n]:
                d0 = True
                s[n] = times[g_lo[g]]
                V[n] = a0
                n_fired += 1
                break
        if not d0:
            V[n] = a0
        n += 1
    return n_fired


@njit(cache=True, nogil=True, boundscheck=False)
def _first_crossing(r, v, k, end, indices, times, th):
    """Continue one neuron's integration from potential ``v`` before spike ``k``.

    Adds the weights ``r`` of spikes ``k, k + 1, ...`` in order and returns
    ``(q, v)`` at the end of the first group of equal timestamps after which ``v > th``
    (``q``: the group's last spike), or ``(-1, v)`` with the final potential when the
    neuron never crosses.
    """
    while k < end:
        v += r[np.uint64(indices[k])]
        if (k + 1 == end or times[k + 1] != times[k]) and v > th:
            return k, v
        k += 1
    return -1, v


@njit(cache=True, nogil=True, boundscheck=False)
def _settle(done, a, b, th, r, n, k, end, indices, times, s, V):
    """After a chunk: if neuron ``n`` (not yet fired) is above ``th`` with potential
    ``a``, find where it crossed, replaying from ``b`` at the chunk's start ``k``, and
    record its firing time and potential. Returns whether it has fired."""
    if done or not a > th:
        return done
    q, v = _first_crossing(r, b, k, end, indices, times, th)
    s[n] = times[q]
    V[n] = v
    return True


@njit(cache=True, nogil=True)
def _settle_silent(done, a, n, T, s, V):
    """At the end of the sample: neuron ``n`` never fired; record ``T`` and its final
    potential ``a``."""
    if not done:
        s[n] = T
        V[n] = a


@njit(cache=True, nogil=True, boundscheck=False)
def _monotone_block(n0, n1, n2, n3, start, end, indices, times, WT, thr, T, s, V):
    """:func:`simulate_nm_monotone` for four neurons (they may repeat); returns which
    of them fired, as the bits 1, 2, 4, 8."""
    r0 = WT[n0]
    r1 = WT[n1]
    r2 = WT[n2]
    r3 = WT[n3]
    t0, t1, t2, t3 = thr[n0], thr[n1], thr[n2], thr[n3]
    a0 = a1 = a2 = a3 = np.float32(0.0)  # potentials
    d0 = d1 = d2 = d3 = np.bool_(False)  # fired (np.bool_: one compiled _settle)
    k = start
    while k < end:
        ke = min(k + MONOTONE_CHUNK, end)
        b0, b1, b2, b3 = a0, a1, a2, a3  # potentials at the chunk's start
        # unsigned positions and indices: no negative-index wraparound in the hot loop
        for q in range(np.uint64(k), np.uint64(ke)):
            i = np.uint64(indices[q])
            a0 += r0[i]
            a1 += r1[i]
            a2 += r2[i]
            a3 += r3[i]
        # a potential above threshold at the end of the chunk crossed it at the end of
        # this chunk's group or of an earlier one of the chunk (potentials never
        # decrease): replay that neuron from the chunk's start, group by group
        d0 = _settle(d0, a0, b0, t0, r0, n0, k, end, indices, times, s, V)
        d1 = _settle(d1, a1, b1, t1, r1, n1, k, end, indices, times, s, V)
        d2 = _settle(d2, a2, b2, t2, r2, n2, k, end, indices, times, s, V)
        d3 = _settle(d3, a3, b3, t3, r3, n3, k, end, indices, times, s, V)
        if d0 and d1 and d2 and d3:
            break
        k = ke
    _settle_silent(d0, a0, n0, T, s, V)
    _settle_silent(d1, a1, n1, T, s, V)
    _settle_silent(d2, a2, n2, T, s, V)
    _settle_silent(d3, a3, n3, T, s, V)
    return int(d0) | (int(d1) << 1) | (int(d2) << 2) | (int(d3) << 3)


@njit(cache=True, nogil=True, boundscheck=False)
def simulate_nm_monotone(start, end, indices, times, WT, thr, active, T, s, V):
    """:func:`simulate_nm` for a layer whose potentials never decrease (no leak, weights
    ``>= 0``): the same results, bitwise, found with fewer tests.

    Each neuron's potential is the same float32 sum in the same order as in
    :func:`simulate_nm`; but since adding a weight ``>= 0`` never lowers a float
    potential, the threshold is tested only every :data:`MONOTONE_CHUNK` input spikes,
    and a neuron found above it is replayed from the chunk's start to the exact group
    where it crossed. Neurons are integrated four at a time (four independent addition
    chains).

    Parameters
    ----------
    start, end : int
        The sample's spikes are ``indices[start:end]``, ``times[start:end]``, sorted by
        time.
    WT : ndarray of shape (N, n_in), float32, every weight ``>= 0``
    thr, active, T, s, V : as in :func:`simulate_nm`.

    Returns
    -------
    n_fired : int
        Number of active neurons that fired.
    """
    N = WT.shape[0]
    n_fired = 0
    for n in range(0, N, 4):
        # the last block repeats its last neuron (same row, same result)
        fired = _monotone_block(n, min(n + 1, N - 1), min(n + 2, N - 1), min(n + 3, N - 1),
                                start, end, indices, times, WT, thr, T, s, V)
        for j in range(min(4, N - n)):
            if active[n + j]:
                n_fired += (fired >> j) & 1
            else:  # dropped out: integrated all the same, then silenced
                s[n + j] = T
                V[n + j] = 0.0
    return n_fired
