"""Event-driven forward pass of a layer of single-spike IF/LIF neurons, and prediction.

Weights are stored input-major, ``W[i, n]`` (float32): one input spike adds one
contiguous row to the potentials. Potentials are float32, as in the original framework.
"""


import numpy as np
from numba import njit, prange

__all__ = ["simulate", "better", "best_of_range", "predict_batch"]


@njit(cache=True, nogil=True)
def better(a, b, s, V):
    """True when neuron ``a`` ranks strictly before neuron ``b`` (smallest s, largest V)."""
    if s[a] < s[b]:
        return True
    if s[a] > s[b]:
        return False
    return V[a] > V[b]


@njit(cache=True, nogil=True)
def best_of_range(lo, hi, s, V, active):
    """Best active neuron in ``[lo, hi)`` under the decision order, or -1 if none is active.

    Remaining ties go to the smallest index (only a strictly better neuron replaces the
    current best).
    """
    best = -1
    for n in range(lo, hi):
        if not active[n]:
            continue
        if best < 0 or better(n, best, s, V):
            best = n
    return best


@njit(cache=True, nogil=True)
def simulate(start, end, indices, times, W, thr, active, T, leak, tau, stop_first,
             s, V, acc, alive):
    """Run one sample through the layer.

    Parameters
    ----------
    start, end : int
        The sample's spikes are ``indices[start:end]``, ``times[start:end]``, sorted by time.
    W : ndarray of shape (n_in, N), float32
    thr : ndarray of shape (N,)
        Thresholds used for this pass (strict test ``V > thr``).
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
        any_over = False
        if g_end - k == 2:
            row0 = W[indices[k]]
            row1 = W[indices[k + 1]]
            for n in range(N):
                a = (acc[n] + row0[n]) + row1[n]
                acc[n] = a
                any_over |= alive[n] & (a > thr[n])
        else:
            row0 = W[indices[k]]
            for n in range(N):
                a = acc[n] + row0[n]
                acc[n] = a
                any_over |= alive[n] & (a > thr[n])
        k = g_end
        fired = False
        if any_over:
            for n in range(N):
                if alive[n] and acc[n] > thr[n]:
                    s[n] = t
                    V[n] = acc[n]
                    alive[n] = False
                    n_alive -= 1
                    n_fired += 1
                    fired = True
        t_prev = t
        if stop_first and fired:
            break
    for n in range(N):
        if alive[n]:
            V[n] = acc[n]
    return n_fired


@njit(cache=True, nogil=True, parallel=True)
def predict_batch(indptr, indices, times, W, thr, n_classes, M, T, leak, tau, full,
                  winner, s_class, V_class, chunk):
    """Forward every sample with all neurons active and record the decision.

    Parallel over chunks of ``chunk`` samples (deterministic: each sample is independent).

    Parameters
    ----------
    full : bool
        When false, only ``winner`` is needed: each sample stops after its first output
        spike group, and ``s_class``/``V_class`` are not written (pass (0, 0) arrays).
        When true the simulation runs to the end and ``s_class``/``V_class`` (n, C)
        receive the firing time and potential of each class's best neuron.
    winner : ndarray of shape (n,), int64, output
        Index of the winning neuron.
    """
    n = indptr.shape[0] - 1
    N = W.shape[1]
    n_chunks = (n + chunk - 1) // chunk
    for c in prange(n_chunks):
        s = np.empty(N, np.float64)
        V = np.empty(N, np.float32)
        acc = np.empty(N, np.float32)
        alive = np.empty(N, np.bool_)
        active = np.ones(N, np.bool_)
        lo = c * chunk
        hi = min(n, lo + chunk)
        for r in range(lo, hi):
            simulate(indptr[r], indptr[r + 1], indices, times, W, thr, active, T, leak,
                     tau, not full, s, V, acc, alive)
            winner[r] = best_of_range(0, N, s, V, active)
            if full:
                for k in range(n_classes):
                    b = best_of_range(k * M, (k + 1) * M, s, V, active)
                    s_class[r, k] = s[b]
                    V_class[r, k] = V[b]


