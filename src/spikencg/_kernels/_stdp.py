"""The STDP update forms (additive, multiplicative) and the constraints on the weights.

Applies the increments that a learning rule chose (ALGORITHM.md section 6), then clips
every changed row to ``[w_min, w_max]`` and rescales it to its normalisation target, as
the original does after every training step. The work is done on the neuron-major copy
of the weights (``RowState.WT``), and optionally copied back into the input-major ``W``.
"""

from collections import namedtuple

import numpy as np

from ._f32sum import abs_sum_f32, pairwise_plan, scale_abs_sum_f32
from ._jit import njit

__all__ = ["RowState", "apply_updates", "copy_back", "row_state"]

# the neuron-major weights and what the constraints know of every row:
# WT (N, n_in) float32, the neuron-major copy of the weights; nextf (N,) float32, the
# factor the next normalisation of a row will apply; inrange (N,) bool, every weight of
# the row is in [w_min, w_max]; touched (N,) bool and rows (N,) int64, scratch; leaves,
# pairs, part: the plan and scratch of the float32 pairwise row sums
RowState = namedtuple("RowState",
                      ["WT", "nextf", "inrange", "touched", "rows", "leaves", "pairs", "part"])


@njit(cache=True, nogil=True, boundscheck=False)
def _update_column(col, x, hidden, use_hidden, c, nc, s_j, t_ltd, w_min, w_max,
                   multiplicative, beta, span):
    """STDP increment of one neuron's weights ``col`` (contiguous, one per input), clipped.

    Causal inputs (``x_i <= s_j``) receive ``c``, the others with ``x_i < t_ltd`` receive
    ``nc``; hidden inputs receive no increment but are clipped like every weight of an
    updated row (normalisation may have pushed them out of range). Increments are
    computed in float64 and the weight rounded back to ``col``'s dtype.
    """
    n_in = col.shape[0]
    if multiplicative:
        for i in range(n_in):
            xi = x[i]
            w = np.float64(col[i])
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
            col[i] = np.float32(w)
    elif use_hidden:
        # branch-free (selects only), so that LLVM vectorises it
        for i in range(n_in):
            xi = x[i]
            w = np.float64(col[i])
            causal = xi <= s_j
            dep = xi < t_ltd
            w2 = w + (c if causal else nc)
            w2 = w2 if ((causal or dep) and not hidden[i]) else w
            col[i] = np.float32(w_min if w2 < w_min else (w_max if w2 > w_max else w2))
    elif t_ltd == np.inf:
        # every input is causal or depressed (the S2-STDP default): fewer selects
        for i in range(n_in):
            w2 = np.float64(col[i]) + (c if x[i] <= s_j else nc)
            w2 = w_min if w2 < w_min else w2
            w2 = w_max if w2 > w_max else w2
            col[i] = np.float32(w2)
    else:
        for i in range(n_in):
            xi = x[i]
            w = np.float64(col[i])
            causal = xi <= s_j
            dep = xi < t_ltd
            w2 = w + (c if causal else nc)
            w2 = w2 if (causal or dep) else w
            w2 = w_min if w2 < w_min else w2
            w2 = w_max if w2 > w_max else w2
            col[i] = np.float32(w2)


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _n_out_of_range(row, w_min, w_max):
    """Number of weights of ``row`` outside ``[w_min, w_max]`` (bounds as float32; a
    count vectorises)."""
    lo = np.float32(w_min)
    hi = np.float32(w_max)
    bad = 0
    for i in range(row.shape[0]):
        v = row[i]
        bad += (v < lo) | (v > hi)
    return bad


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _clip_row(row, w_min, w_max):
    """Clip ``row`` to ``[w_min, w_max]`` (bounds as float32), in place."""
    lo = np.float32(w_min)
    hi = np.float32(w_max)
    for i in range(row.shape[0]):
        v = row[i]
        row[i] = lo if v < lo else (hi if v > hi else v)


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _norm_factor(row, target, leaves, pairs, part):
    """The original's rescaling factor ``target / sum |w|``, both float32, in float32
    (1 for a row of zeros, which the original would turn into NaN)."""
    a = abs_sum_f32(row, leaves, pairs, part)
    if a > np.float32(0.0):
        return np.float32(target) / a
    return np.float32(1.0)


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _constrain_row(row, n, fresh, w_min, w_max, w_norm, target, nextf, inrange, leaves,
                   pairs, part):
    """Clip and normalise row ``n`` as the original does after every training step.

    The original clips every row to ``[w_min, w_max]`` and then rescales it by the
    float32 factor ``target / sum |w|`` after every step, updated or not; a row that is
    in range and whose factor is exactly 1 does not change, the others change at every
    step until they are. ``nextf[n]`` holds the factor the next normalisation of the
    row will apply and ``inrange[n]`` whether every weight is in range: both are kept up
    to date here, so that rows that would not change are skipped. ``fresh``: the row was
    just updated (and clipped) and ``nextf[n]`` is stale.
    """
    if not fresh and not inrange[n]:
        _clip_row(row, w_min, w_max)
        fresh = True
    one = np.float32(1.0)
    f = one
    if w_norm:
        f = _norm_factor(row, target[n], leaves, pairs, part) if fresh else nextf[n]
    nextf[n] = one
    inrange[n] = True
    if f != one:
        # rescale, with the next factor's sum and the range check in the same pass
        a, out = scale_abs_sum_f32(row, f, w_min, w_max, leaves, pairs, part)
        nextf[n] = np.float32(target[n]) / a if a > np.float32(0.0) else one
        inrange[n] = not out


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def row_state(W, norm_target, w_min, w_max, w_norm):
    """The neuron-major copy of the input-major ``W`` and the constraints' state of its
    rows (see :data:`RowState` and :func:`_constrain_row`), at the start of an epoch."""
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
        inrange[n] = _n_out_of_range(WT[n], w_min, w_max) == 0
        if w_norm and inrange[n]:
            nextf[n] = _norm_factor(WT[n], norm_target[n], leaves, pairs, part)
    return RowState(WT, nextf, inrange, np.zeros(N, np.bool_), np.empty(N, np.int64),
                    leaves, pairs, part)


@njit(cache=True, nogil=True, boundscheck=False)
def apply_updates(W, rs, x, hidden, use_hidden, n_upd, upd_n, upd_c, upd_nc, upd_s, t_ltd,
                  multiplicative, beta, w_min, w_max, w_norm, norm_target, copy_back):
    """Add the STDP increments of ``n_upd`` neurons, then clip and normalise every row
    that the original's step would change.

    Neuron ``upd_n[j]`` receives ``upd_c[j]`` on causal inputs (``x_i <= upd_s[j]``) and
    ``upd_nc[j]`` on the others with ``x_i < t_ltd`` (``hidden`` inputs, with
    ``use_hidden``, on none), scaled by the soft bounds when ``multiplicative``.
    Increments are computed in float64 and the weight rounded back to float32. Then the
    updated rows and every row not yet settled (see :func:`_constrain_row`) are clipped
    and normalised (to ``norm_target``, with ``w_norm``).

    The work is done on ``rs.WT`` (:data:`RowState`), the neuron-major weights
    (contiguous rows per neuron). With ``copy_back`` the changed rows are also written
    into the columns of ``W`` (the input-major weights used by the row-by-row forward
    pass).
    """
    WT, nextf, inrange, touched, rows, leaves, pairs, part = rs
    N = WT.shape[0]
    n_in = WT.shape[1]
    span = w_max - w_min
    for j in range(n_upd):
        _update_column(WT[upd_n[j]], x, hidden, use_hidden, upd_c[j], upd_nc[j], upd_s[j],
                       t_ltd, w_min, w_max, multiplicative, beta, span)
        touched[upd_n[j]] = True
    # (updated rows are clipped by _update_column)
    n_rows = 0
    one = np.float32(1.0)
    for n in range(N):
        if touched[n] or not inrange[n] or nextf[n] != one:
            _constrain_row(WT[n], n, touched[n], w_min, w_max, w_norm, norm_target,
                           nextf, inrange, leaves, pairs, part)
            rows[n_rows] = n
            n_rows += 1
            touched[n] = False
    # then, with copy_back, the rows are copied into their columns of W, two at a time
    # (one pass over W's rows per pair)
    if not copy_back:
        return
    j = 0
    while j + 1 < n_rows:
        n0 = rows[j]
        n1 = rows[j + 1]
        c0 = WT[n0]
        c1 = WT[n1]
        for i in range(n_in):
            W[i, n0] = c0[i]
            W[i, n1] = c1[i]
        j += 2
    if j < n_rows:
        n0 = rows[j]
        c0 = WT[n0]
        for i in range(n_in):
            W[i, n0] = c0[i]


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def copy_back(W, WT):
    """Write the neuron-major weights ``WT`` into the input-major ``W``."""
    for i in range(W.shape[0]):
        for n in range(W.shape[1]):
            W[i, n] = WT[n, i]

