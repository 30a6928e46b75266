"""The STDP update forms (additive, multiplicative) and the constraints on the weights.

Applies the increments that a learning rule chose (ALGORITHM.md section 6), then clips
every changed row to ``[w_min, w_max]`` and rescales it to its normalisation target, as
the original does after every training step. The work is done on the neuron-major copy
of the weights (``RowState.WT``), and optionally copied back into the input-major ``W``.
"""

import math
from collections import namedtuple

import numpy as np

from ._f32sum import _leaves_abs_sum, _leaves_scale_abs_sum, abs_sum_f32, pairwise_plan
from ._jit import njit

__all__ = ["RowState", "abs_sum_f64", "apply_updates", "copy_back", "exact_sum_limit", "row_state"]

# the neuron-major weights and what the constraints know of every row:
# WT (N, n_in) float32, the neuron-major copy of the weights; nextf (N,) float32, the
# factor the next normalisation of a row will apply; inrange (N,) bool, every weight of
# the row is in [w_min, w_max]; touched (N,) bool and rows (N,) int64, scratch; leaves,
# pairs, part: the plan and scratch of the float32 pairwise row sums
RowState = namedtuple("RowState",
                      ["WT", "nextf", "inrange", "touched", "rows", "leaves", "pairs", "part"])


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


@njit(cache=True, nogil=True)
def exact_sum_limit(n_in, w_min, w_max):
    """Smallest nonzero ``|w|`` (float32) that keeps a row's float64 sum order-free.

    The ``|w|`` of a row clipped to ``[w_min, w_max]`` sum to at most
    ``B = n_in * max(|w_min|, |w_max|)``. With ``q`` the smallest power of two
    ``>= B * 2**-52``, every float32 of magnitude ``>= q * 2**23`` is a multiple of
    ``q``; if every nonzero ``|w|`` is, each partial sum of the row, in any order, is a
    multiple of ``q`` not above ``B <= 2**52 * q``: exact in float64.
    """
    bound = n_in * max(abs(w_min), abs(w_max)) * 2.0**-52
    if not bound > 0.0:
        return np.float32(0.0)
    m, e = math.frexp(bound)  # bound = m * 2**e, 0.5 <= m < 1
    if m == 0.5:
        e -= 1
    return np.float32(math.ldexp(1.0, e + 23))  # 0 if it underflows, inf if it overflows


@njit(cache=True, nogil=True, boundscheck=False, fastmath={"reassoc"})
def _abs_sum_f64_unordered(WT, n, lim):
    """``sum_i |WT[n, i]|`` in float64 in an order of the compiler's choosing
    (vectorised), and whether some nonzero ``|WT[n, i]|`` is below ``lim``.

    (The second result is a float32 sum of those small values, positive exactly when
    one exists: a select and an add vectorise where a count or a flag does not. Not
    inlined: the reassociation allowed here must not reach the caller's sums.)
    """
    total = 0.0
    small = np.float32(0.0)
    for i in range(WT.shape[1]):
        v = abs(WT[n, i])
        total += np.float64(v)
        small += v if v < lim else np.float32(0.0)
    return total, small > np.float32(0.0)


@njit(cache=True, nogil=True, boundscheck=False)
def abs_sum_f64(WT, n, lim):
    """``sum_i |WT[n, i]|`` of a clipped float32 row in float64, bitwise as summed in
    input order. When no nonzero ``|w|`` is below ``lim`` (:func:`exact_sum_limit`)
    no addition rounds, in any order, and the vectorised unordered sum is that same
    number; otherwise the row is summed in order."""
    total, small = _abs_sum_f64_unordered(WT, n, lim)
    if small:
        total = 0.0
        for i in range(WT.shape[1]):
            total += np.float64(abs(WT[n, i]))
    return total


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


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def row_state(W, norm_target, w_min, w_max, w_norm):
    """The neuron-major copy of the input-major ``W`` and the constraints' state of its
    rows (see :data:`RowState` and :func:`apply_updates`), at the start of an epoch."""
    n_in = W.shape[0]
    N = W.shape[1]
    WT = np.empty((N, n_in), dtype=W.dtype)
    for i in range(n_in):
        for n in range(N):
            WT[n, i] = W[i, n]
    nextf = np.ones(N, np.float32)
    inrange = np.ones(N, np.bool_)
    leaves, pairs = pairwise_plan(n_in)
    part = np.empty(2 * leaves.shape[0], np.float32)
    for n in range(N):
        inrange[n] = _n_out_of_range(WT, n, w_min, w_max) == 0
        if w_norm and inrange[n]:
            nextf[n] = _norm_factor(WT, n, norm_target[n], leaves, pairs, part)
    return RowState(WT, nextf, inrange, np.zeros(N, np.bool_), np.empty(N, np.int64),
                    leaves, pairs, part)


@njit(cache=True, nogil=True, boundscheck=False)
def apply_updates(W, rs, x, hidden, use_hidden, n_upd, upd_n, upd_c, upd_nc, upd_s, t_ltd,
                  multiplicative, beta, w_min, w_max, w_norm, norm_target, copy_back,
                  exact):
    """Add the STDP increments of ``n_upd`` neurons, then clip and normalise every row
    that the original's step would change.

    Neuron ``upd_n[j]`` receives ``upd_c[j]`` on causal inputs (``x_i <= upd_s[j]``) and
    ``upd_nc[j]`` on the others with ``x_i < t_ltd`` (``hidden`` inputs, with
    ``use_hidden``, on none), scaled by the soft bounds when ``multiplicative``.
    Increments are computed in float64 and the weight rounded back to float32. Then every row
    is clipped and normalised as the original does after every step, updated or not:
    clipped to ``[w_min, w_max]``, then rescaled (with ``w_norm``) by the float32 factor
    ``norm_target / sum |w|``. A row in range whose factor is exactly 1 does not change;
    the others change at every step until they are. ``nextf[n]`` holds the factor that
    row ``n``'s next rescaling will apply and ``inrange[n]`` whether all its weights are
    in range, both kept up to date, so that only the updated rows and those that would
    change are visited.

    The work is done on ``rs.WT`` (:data:`RowState`), the neuron-major weights
    (contiguous rows per neuron). With ``copy_back`` the changed rows are also written
    into the columns of ``W`` (the input-major weights used by the row-by-row forward
    pass).

    Without ``exact`` (the fast arithmetic): each updated row is rescaled right after its
    increments, by the float64 factor ``norm_target / sum |w|`` (the sum in float64,
    bitwise as in input order, :func:`abs_sum_f64`), each weight rounded back to float32;
    the rows not updated are left as they are. ``nextf`` and ``inrange`` are neither
    read nor kept then.
    """
    WT, nextf, inrange, touched, rows, leaves, pairs, part = rs
    N = WT.shape[0]
    n_in = WT.shape[1]
    span = w_max - w_min
    if not exact:
        lim = exact_sum_limit(n_in, w_min, w_max)
        for j in range(n_upd):
            n = upd_n[j]
            _update_column(WT, n, x, hidden, use_hidden, upd_c[j], upd_nc[j], upd_s[j],
                           t_ltd, w_min, w_max, multiplicative, beta, span)
            rows[j] = n
            if w_norm:
                a = abs_sum_f64(WT, n, lim)
                f = norm_target[n] / a if a > 0.0 else 1.0
                for i in range(n_in):
                    WT[n, i] = np.float32(np.float64(WT[n, i]) * f)
        n_rows = n_upd
    else:
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


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def copy_back(W, WT):
    """Write the neuron-major weights ``WT`` into the input-major ``W``."""
    for i in range(W.shape[0]):
        for n in range(W.shape[1]):
            W[i, n] = WT[n, i]

