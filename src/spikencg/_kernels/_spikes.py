"""Numba helpers that build, check and sort spike lists.

A spike list is stored CSR-style: ``indptr`` (int64, ``n_samples + 1``), ``indices``
(int32, input index) and ``times`` (float64), each sample's spikes sorted by time, ties
by increasing input index. The kernels take C-contiguous, writable arrays of fixed
dtypes only (the Python wrappers in :mod:`spikencg.encoding` convert); they raise nothing
and report problems through per-row bit flags instead.

Each public function below runs a one-thread kernel over blocks of rows, in several
threads for large inputs (:func:`spikencg._parallel.run_chunks`) and in the calling
thread alone for small ones, where waking other threads would cost more than it saves.
"""

import numpy as np

from .._parallel import run_chunks
from ._jit import njit

# Per-row problem / state flags (bit masks) reported by the scan kernels.
FLAG_NAN = 1  # a value is NaN
FLAG_NEG = 2  # a finite value is < 0
FLAG_NEGINF = 4  # a value is -inf
FLAG_POSINF = 8  # a value is +inf (allowed for times, not for intensities)
FLAG_BAD_INDEX = 16  # CSR: an input index outside [0, n_features)
FLAG_DUPLICATE = 32  # CSR: the same input appears twice in a row
FLAG_UNSORTED = 64  # CSR: the kept entries of the row are not in (time, index) order
FLAG_DROPPED = 128  # CSR: the row stores entries with t >= max_time (to be removed)

# One thread's time (ns) per dense value or CSR entry of each driver below, measured on
# MNIST (784 inputs, 150 spikes per image): they size the work for the threads
# (spikencg._parallel.run_chunks). fill_dense: per value and per spike (sorting);
# fill_csr: per entry and per entry of a row that needs sorting.
NS_SCAN_DENSE = 0.5
NS_FILL_DENSE = (1.0, 30.0)
NS_TO_DENSE = 0.6
NS_INTENSITY = 1.0
NS_SCAN_CSR = 0.8
NS_FILL_CSR = (1.1, 20.0)

_RUN = 16  # length of the runs sorted by insertion before merging (and of short rows)


# --------------------------------------------------------------------------------------
# per-value / per-row building blocks (sequential)
# --------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _value_flags(v):
    """FLAG_* bits of one value (NaN, negative, -inf, +inf)."""
    if v != v:
        return FLAG_NAN
    if v == -np.inf:
        return FLAG_NEGINF
    if v < 0.0:
        return FLAG_NEG
    if v == np.inf:
        return FLAG_POSINF
    return 0


@njit(cache=True, nogil=True)
def _row_flags(X, i):
    f = 0
    for j in range(X.shape[1]):
        f |= _value_flags(X[i, j])
    return f


@njit(cache=True, nogil=True)
def _before(ta, ia, tb, ib):
    """Whether spike (ta, ia) comes strictly before spike (tb, ib)."""
    # bitwise, not short-circuit: no branch (ties in time are frequent and irregular)
    return (ta < tb) | ((ta == tb) & (ia < ib))


@njit(cache=True, nogil=True)
def _insertion_sort(times, indices, lo, hi):
    """Sort the spikes ``lo:hi`` of a row in place by (time, input index)."""
    for q in range(lo + 1, hi):
        t = times[q]
        j = indices[q]
        p = q - 1
        while p >= lo and _before(t, j, times[p], indices[p]):
            times[p + 1] = times[p]
            indices[p + 1] = indices[p]
            p -= 1
        times[p + 1] = t
        indices[p + 1] = j


@njit(cache=True, nogil=True)
def _merge_sort(times, indices):
    """Sort a row of spikes in place by (time, input index): insertion sort on runs of
    :data:`_RUN`, then bottom-up merges."""
    m = times.shape[0]
    for lo in range(0, m, _RUN):
        _insertion_sort(times, indices, lo, min(lo + _RUN, m))
    if m <= _RUN:
        return
    src_t = times
    src_i = indices
    # (np.empty and element loops rather than np.empty_like and slice assignment: the
    # same code, compiled in a quarter of the time)
    dst_t = np.empty(m, dtype=times.dtype)
    dst_i = np.empty(m, dtype=indices.dtype)
    in_place = True  # whether src is (times, indices)
    width = _RUN
    while width < m:
        for lo in range(0, m, 2 * width):
            mid = min(lo + width, m)
            hi = min(lo + 2 * width, m)
            a = lo
            b = mid
            k = lo
            while a < mid and b < hi:
                if _before(src_t[b], src_i[b], src_t[a], src_i[a]):
                    dst_t[k] = src_t[b]
                    dst_i[k] = src_i[b]
                    b += 1
                else:
                    dst_t[k] = src_t[a]
                    dst_i[k] = src_i[a]
                    a += 1
                k += 1
            while a < mid:
                dst_t[k] = src_t[a]
                dst_i[k] = src_i[a]
                a += 1
                k += 1
            while b < hi:
                dst_t[k] = src_t[b]
                dst_i[k] = src_i[b]
                b += 1
                k += 1
        src_t, dst_t = dst_t, src_t
        src_i, dst_i = dst_i, src_i
        in_place = not in_place
        width *= 2
    if not in_place:
        for q in range(m):
            times[q] = src_t[q]
            indices[q] = src_i[q]


@njit(cache=True, nogil=True)
def _sort_row(times, indices):
    """Sort one row of spikes in place by (time, input index); times finite.

    A pass checks whether the row is already ordered. Otherwise a bucket sort: the
    spikes are distributed, keeping their order, over at least ``m`` equal time bins
    between the row's first and last time (the bin is a nondecreasing function of the
    time, so the bins are in time order), then each bin is sorted: by insertion when
    small (a bin of one time, in input order, is already sorted), by merge sort when
    large (times crowded into one bin). The result is exact: the one order of the row's
    distinct (time, index) pairs.
    """
    m = times.shape[0]
    for q in range(1, m):
        if _before(times[q], indices[q], times[q - 1], indices[q - 1]):
            break
    else:
        return  # already ordered
    if m <= _RUN:
        _insertion_sort(times, indices, np.int64(0), m)
        return
    t_lo = times[0]
    t_hi = times[0]
    for q in range(m):
        t_lo = min(t_lo, times[q])
        t_hi = max(t_hi, times[q])
    n_bins = _RUN
    while n_bins < m:
        n_bins *= 2
    span = t_hi - t_lo
    if not span * 1e300 > n_bins:  # all tied, or a span too small to divide into bins
        _merge_sort(times, indices)
        return
    scale = n_bins / span
    # end[b]: first position after bin b (built as counts, then their prefix sums)
    end = np.zeros(n_bins + 1, dtype=np.int64)
    bins = np.empty(m, dtype=np.int64)
    for q in range(m):
        b = min(int((times[q] - t_lo) * scale), n_bins - 1)
        bins[q] = b
        end[b + 1] += 1
    for b in range(1, n_bins + 1):
        end[b] += end[b - 1]
    out_t = np.empty(m, dtype=times.dtype)
    out_i = np.empty(m, dtype=indices.dtype)
    for q in range(m):
        k = end[bins[q]]
        end[bins[q]] = k + 1
        out_t[k] = times[q]
        out_i[k] = indices[q]
    lo = 0
    for b in range(n_bins):
        hi = end[b]
        if hi - lo > 2 * _RUN:
            _merge_sort(out_t[lo:hi], out_i[lo:hi])
        elif hi - lo > 1:
            _insertion_sort(out_t, out_i, lo, hi)
        lo = hi
    for q in range(m):
        times[q] = out_t[q]
        indices[q] = out_i[q]


@njit(cache=True, nogil=True)
def _scan_dense_row(X, i, max_time, counts, flags):
    # branch-free fast pass; the rare rows with NaN or negative values are re-scanned
    c = 0
    bad = False
    pinf = False
    for j in range(X.shape[1]):
        v = X[i, j]
        c += v < max_time
        bad |= not (v >= 0.0)
        pinf |= v == np.inf
    counts[i] = c
    if bad:
        flags[i] = _row_flags(X, i)
    else:
        flags[i] = FLAG_POSINF if pinf else 0


@njit(cache=True, nogil=True)
def _fill_dense_row(X, i, max_time, indptr, indices, times):
    start = indptr[i]
    m = indptr[i + 1] - start
    if m == 0:
        return
    # branch-free gather (in increasing input index) into a buffer with a spare slot
    buf_t = np.empty(m + 1, dtype=np.float64)
    buf_i = np.empty(m + 1, dtype=np.int32)
    k = 0
    for j in range(X.shape[1]):
        v = X[i, j]
        buf_t[k] = v + 0.0  # + 0.0 turns -0.0 into 0.0
        buf_i[k] = j
        k += v < max_time
    _sort_row(buf_t[:m], buf_i[:m])
    for q in range(m):
        times[start + q] = buf_t[q]
        indices[start + q] = buf_i[q]


@njit(cache=True, nogil=True)
def _to_dense_row(indptr, indices, times, i, fill, out):
    for j in range(out.shape[1]):
        out[i, j] = fill
    for k in range(indptr[i], indptr[i + 1]):
        out[i, indices[k]] = times[k]


@njit(cache=True, nogil=True, error_model="numpy")
def _intensity_row(X, i, x_min, x_max, max_time, out, counts, flags):
    c = 0
    special = False
    for j in range(X.shape[1]):
        x = X[i, j]
        lo = x_min[j]
        hi = x_max[j]
        special |= (x != x) | (x == np.inf) | (x == -np.inf)
        # selects, not branches; the quotient may be inf or NaN only where it is
        # discarded. From halves, the same numbers as (x - lo) / (hi - lo) without
        # overflow where the range is wider than the largest float; (x / 2) / (hi / 2)
        # is x / hi exactly (above 1e-307): with x_min = 0 the times are those of the
        # latency code max_time * (1 - x / x_max), bit for bit
        t = max_time * (1.0 - (x * 0.5 - lo * 0.5) / (hi * 0.5 - lo * 0.5))
        t = 0.0 if x >= hi else t
        t = t if (x > lo and hi > lo) else max_time
        out[i, j] = t
        c += t < max_time
    counts[i] = c
    flags[i] = _row_flags(X, i) if special else 0


@njit(cache=True, nogil=True, boundscheck=False)
def _row_canonical(indices, data, k0, k1, n_features, max_time):
    """Whether entries ``k0:k1`` all have an index in ``[0, n_features)`` and a time in
    ``[0, max_time)``, in strict (time, index) order (duplicates are not looked for).

    The common case, tested by branch-free loops that the compiler vectorises: the
    positions are unsigned, sparing the negative-index wraparound that would turn the
    loads into gathers.
    """
    bad = np.int64(0)
    for k in range(np.uint64(k0), np.uint64(k1)):
        t = data[k]
        j = indices[k]
        bad += (j < 0) | (j >= n_features) | (t < 0.0) | (t >= max_time) | (t != t)
    for k in range(np.uint64(k0 + 1), np.uint64(k1)):
        bad += not _before(data[k - np.uint64(1)], indices[k - np.uint64(1)], data[k],
                           indices[k])
    return bad == 0


@njit(cache=True, nogil=True)
def _scan_csr_rows(indptr, indices, data, r0, r1, max_time, last_row, counts, flags):
    # last_row[j]: last row (of this block) in which input j was seen, to find duplicates
    n_features = last_row.shape[0]
    for i in range(r0, r1):
        k0 = indptr[i]
        k1 = indptr[i + 1]
        if _row_canonical(indices, data, k0, k1, n_features, max_time):
            # only duplicates left to look for
            dup = False
            for k in range(np.uint64(k0), np.uint64(k1)):
                j = np.uint64(indices[k])  # (in range: checked above)
                dup |= last_row[j] == i
                last_row[j] = i
            counts[i] = k1 - k0
            flags[i] = FLAG_DUPLICATE if dup else 0
            continue
        f = 0
        kept = 0
        prev_t = -1.0
        prev_j = np.int32(-1)
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if j < 0 or j >= n_features:
                f |= FLAG_BAD_INDEX
                continue
            if last_row[j] == i:
                f |= FLAG_DUPLICATE
            last_row[j] = i
            v = data[k]
            if v != v:
                f |= FLAG_NAN
            elif v < 0.0:
                if v == -np.inf:
                    f |= FLAG_NEGINF
                else:
                    f |= FLAG_NEG
            elif v < max_time:
                f |= FLAG_UNSORTED * _before(v, j, prev_t, prev_j)
                prev_t = v
                prev_j = j
                kept += 1
            else:
                f |= FLAG_DROPPED
                if v == np.inf:
                    f |= FLAG_POSINF
        counts[i] = kept
        flags[i] = f


@njit(cache=True, nogil=True)
def _fill_csr_row(indptr, indices, data, flags, i, max_time, out_indptr, out_indices, out_times):
    start = out_indptr[i]
    m = out_indptr[i + 1] - start
    k = start
    for q in range(indptr[i], indptr[i + 1]):
        v = data[q]
        if v < max_time:
            out_indices[k] = indices[q]
            out_times[k] = v + 0.0  # + 0.0 turns -0.0 into 0.0
            k += 1
    if (flags[i] & FLAG_UNSORTED) != 0:
        _sort_row(out_times[start : start + m], out_indices[start : start + m])


# --------------------------------------------------------------------------------------
# drivers: one thread, over the rows they are given
# --------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _scan_dense_seq(X, max_time, counts, flags):
    for i in range(X.shape[0]):
        _scan_dense_row(X, i, max_time, counts, flags)


@njit(cache=True, nogil=True)
def _fill_dense_seq(X, max_time, indptr, indices, times):
    for i in range(X.shape[0]):
        _fill_dense_row(X, i, max_time, indptr, indices, times)


@njit(cache=True, nogil=True)
def _to_dense_seq(indptr, indices, times, fill, out):
    for i in range(out.shape[0]):
        _to_dense_row(indptr, indices, times, i, fill, out)


@njit(cache=True, nogil=True)
def _intensity_seq(X, x_min, x_max, max_time, out, counts, flags):
    for i in range(X.shape[0]):
        _intensity_row(X, i, x_min, x_max, max_time, out, counts, flags)


@njit(cache=True, nogil=True)
def _scan_csr_seq(indptr, indices, data, n_features, max_time, counts, flags):
    last_row = np.full(n_features, -1, dtype=np.int64)
    n = indptr.shape[0] - 1
    _scan_csr_rows(indptr, indices, data, 0, n, max_time, last_row, counts, flags)


@njit(cache=True, nogil=True)
def _fill_csr_seq(indptr, indices, data, flags, max_time, out_indptr, out_indices, out_times):
    for i in range(indptr.shape[0] - 1):
        _fill_csr_row(indptr, indices, data, flags, i, max_time, out_indptr, out_indices, out_times)


def _by_rows(n_rows, cost_ns, run, min_chunk_ns=0):
    """Run ``run(lo, hi, direct)`` over rows ``0 .. n_rows - 1``: see
    :func:`spikencg._parallel.run_chunks`."""
    run_chunks(run, n_rows, cost_ns, min_chunk_ns=min_chunk_ns)


def _row_outputs(lo, hi, direct, *arrays):
    """Rows ``lo:hi`` of each array: views when ``direct``, else new scratch arrays and
    the function that copies them into the views."""
    if direct:
        return [a[lo:hi] for a in arrays], None
    scratch = [np.empty((hi - lo,) + a.shape[1:], dtype=a.dtype) for a in arrays]

    def commit():
        for a, b in zip(arrays, scratch, strict=True):
            a[lo:hi] = b

    return scratch, commit


def _shifted(indptr, lo, hi):
    """Row pointers of rows ``lo:hi`` counted from their first entry."""
    return indptr[lo : hi + 1] - indptr[lo]


def _spike_filler(fill, out_indptr, out_indices, out_times):
    """The ``run`` of :func:`_by_rows` for a kernel that writes the spikes of rows
    ``lo:hi``, ``fill(lo, hi, indptr, indices, times)``: straight into the output arrays
    when ``direct``, else into scratch arrays that its commit copies there."""
    def run(lo, hi, direct):
        if direct:
            fill(lo, hi, out_indptr[lo : hi + 1], out_indices, out_times)
            return None
        a, b = out_indptr[lo], out_indptr[hi]
        idx = np.empty(b - a, dtype=out_indices.dtype)
        t = np.empty(b - a, dtype=out_times.dtype)
        fill(lo, hi, _shifted(out_indptr, lo, hi), idx, t)

        def commit():
            out_indices[a:b] = idx
            out_times[a:b] = t

        return commit

    return run


# --------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------


def scan_dense(X, max_time, counts, flags):
    """Count the spikes of each row of a dense timestamp array and flag bad values.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64, C-contiguous
        Timestamps (or intensities, with ``max_time=inf``).
    max_time : float
        Values ``>= max_time`` are not spikes.
    counts : ndarray of shape (n_samples,), int64
        Output: number of values ``< max_time`` per row (the number of spikes for rows
        without NaN or negative values).
    flags : ndarray of shape (n_samples,), int64
        Output: OR of the ``FLAG_*`` bits (NaN, negative, -inf, +inf) of the row.
    """
    def run(lo, hi, direct):
        (c, f), commit = _row_outputs(lo, hi, direct, counts, flags)
        _scan_dense_seq(X[lo:hi], max_time, c, f)
        return commit

    _by_rows(X.shape[0], X.size * NS_SCAN_DENSE, run)


def fill_dense(X, max_time, indptr, indices, times):
    """Write the spikes of a dense timestamp array into preallocated CSR arrays.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64, C-contiguous
        Timestamps, already checked by :func:`scan_dense` (no NaN, none negative).
    max_time : float
        Values ``>= max_time`` are not spikes.
    indptr : ndarray of shape (n_samples + 1,), int64
        Row pointers, the cumulative sum of the counts of :func:`scan_dense`.
    indices : ndarray of shape (nnz,), int32
        Output: input index of each spike.
    times : ndarray of shape (nnz,), float64
        Output: time of each spike; each row sorted by time, ties by input index.
    """
    def fill(lo, hi, rows_indptr, rows_indices, rows_times):
        _fill_dense_seq(X[lo:hi], max_time, rows_indptr, rows_indices, rows_times)

    run = _spike_filler(fill, indptr, indices, times)
    n_spikes = int(indptr[-1] - indptr[0]) if indptr.size else 0
    _by_rows(X.shape[0], X.size * NS_FILL_DENSE[0] + n_spikes * NS_FILL_DENSE[1], run)


def to_dense(indptr, indices, times, fill, out):
    """Scatter a spike list into a dense array.

    Parameters
    ----------
    indptr : ndarray of shape (n_samples + 1,), int64
        Row pointers.
    indices : ndarray of shape (nnz,), int32
        Input index of each spike (all valid).
    times : ndarray of shape (nnz,), float64
        Time of each spike.
    fill : float
        Value of the inputs that do not fire.
    out : ndarray of shape (n_samples, n_features), float64
        Output.
    """
    def run(lo, hi, direct):
        (o,), commit = _row_outputs(lo, hi, direct, out)
        _to_dense_seq(indptr[lo : hi + 1], indices, times, fill, o)
        return commit

    _by_rows(out.shape[0], out.size * NS_TO_DENSE, run)


def intensity_to_times(X, x_min, x_max, max_time, out, counts, flags):
    """Latency code over a range: map intensities to first-spike times, counting and
    checking.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64, C-contiguous
        Intensities, any finite reals.
    x_min : ndarray of shape (n_features,), float64
        Intensity at or below which an input does not fire.
    x_max : ndarray of shape (n_features,), float64
        Intensity at or above which an input fires at ``t = 0``; a feature with
        ``x_max <= x_min`` never fires.
    max_time : float
        Time of the silent value (intensity ``x_min``).
    out : ndarray of shape (n_samples, n_features), float64
        Output: ``max_time * (1 - (x - x_min) / (x_max - x_min))``, ``0`` when
        ``x >= x_max`` and ``max_time`` when ``x <= x_min`` or ``x_max <= x_min``.
    counts : ndarray of shape (n_samples,), int64
        Output: number of spikes (``t < max_time``) per row.
    flags : ndarray of shape (n_samples,), int64
        Output: OR of the ``FLAG_*`` bits of the row's values (NaN, negative, -inf,
        +inf) when it holds NaN or an infinite value, else 0; the row's ``out`` and
        ``counts`` are meaningless when it is non-zero.
    """
    def run(lo, hi, direct):
        (o, c, f), commit = _row_outputs(lo, hi, direct, out, counts, flags)
        _intensity_seq(X[lo:hi], x_min, x_max, max_time, o, c, f)
        return commit

    _by_rows(X.shape[0], X.size * NS_INTENSITY, run)


def scan_csr(indptr, indices, data, n_features, max_time, n_chunks, counts, flags):
    """Check a CSR spike list row by row.

    Parameters
    ----------
    indptr : ndarray of shape (n_samples + 1,), int64
        Row pointers.
    indices : ndarray of shape (nnz,), int32
        Input index of each stored entry.
    data : ndarray of shape (nnz,), float64
        Time of each stored entry.
    n_features : int
        Number of inputs (columns).
    max_time : float
        Entries with ``t >= max_time`` are not spikes.
    n_chunks : int
        At most this many blocks of consecutive rows are checked (in parallel when the
        input is large); each block needs a scratch array of ``n_features`` int64.
    counts : ndarray of shape (n_samples,), int64
        Output: number of spikes kept per row (``0 <= t < max_time``).
    flags : ndarray of shape (n_samples,), int64
        Output: OR of the ``FLAG_*`` bits that apply to the row.
    """
    n = indptr.shape[0] - 1
    n_chunks = max(1, min(n_chunks, n))

    def run(lo, hi, direct):
        (c, f), commit = _row_outputs(lo, hi, direct, counts, flags)
        _scan_csr_seq(indptr[lo : hi + 1], indices, data, n_features, max_time, c, f)
        return commit

    # each block of rows fills a scratch array of n_features int64: at most n_chunks
    # blocks, each worth several of these
    cost = (data.size + indptr.size) * NS_SCAN_CSR
    _by_rows(n, cost, run, min_chunk_ns=max(8 * n_features * NS_SCAN_CSR, cost / n_chunks))


def fill_csr(indptr, indices, data, flags, max_time, out_indptr, out_indices, out_times):
    """Copy a checked CSR spike list into canonical arrays, sorting rows as needed.

    Parameters
    ----------
    indptr : ndarray of shape (n_samples + 1,), int64
        Row pointers of the input.
    indices : ndarray of shape (nnz,), int32
        Input index of each stored entry (all valid, no duplicates in a row).
    data : ndarray of shape (nnz,), float64
        Time of each stored entry (no NaN, none negative).
    flags : ndarray of shape (n_samples,), int64
        Row flags from :func:`scan_csr`.
    max_time : float
        Entries with ``t >= max_time`` are dropped.
    out_indptr : ndarray of shape (n_samples + 1,), int64
        Row pointers of the output (cumulative sum of the kept counts).
    out_indices : ndarray of shape (nnz_kept,), int32
        Output: input index of each spike.
    out_times : ndarray of shape (nnz_kept,), float64
        Output: time of each spike; each row sorted by time, ties by input index.
    """
    def fill(lo, hi, rows_indptr, rows_indices, rows_times):
        _fill_csr_seq(indptr[lo : hi + 1], indices, data, flags[lo:hi], max_time,
                      rows_indptr, rows_indices, rows_times)

    run = _spike_filler(fill, out_indptr, out_indices, out_times)
    unsorted = (flags & FLAG_UNSORTED) != 0
    n_sort = int(np.sum(out_indptr[1:][unsorted] - out_indptr[:-1][unsorted]))
    cost = (data.size + indptr.size) * NS_FILL_CSR[0] + n_sort * NS_FILL_CSR[1]
    _by_rows(indptr.shape[0] - 1, cost, run)
