"""First-spike (time-to-first-spike, TTFS) encoding and the spike-list format.

The spike-list format
---------------------
A batch of samples encoded as spikes is a :class:`scipy.sparse.csr_matrix` of shape
``(n_samples, n_features)`` and dtype float64. Row ``r`` holds the spikes of sample
``r``: ``indices`` are input indices and ``data`` are spike *times* ``t`` in
``[0, max_time)``. Each row's entries are in time order, ties by increasing input index,
so ``indices`` are generally not column-sorted. A spike at ``t = 0`` is an explicit zero
entry; a missing entry means "no spike"; times ``>= max_time`` are never stored.

Each input fires at most once per sample. :func:`spike_arrays` turns a spike list (or a
dense timestamp array) into the canonical ``(indptr, indices, times)`` arrays that the
kernels take.

Note that scipy operations that sort column indices (``sort_indices``, ``tocsc``,
arithmetic, ...) reorder each row and that ``eliminate_zeros`` deletes the spikes at
``t = 0``. Row indexing (``X[idx]``, ``X[a:b]``, :func:`sklearn.utils._safe_indexing`)
keeps both the order and the explicit zeros, and :func:`spike_arrays` restores time order
whenever it was lost.
"""

import math
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin

from ._compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_array,
    check_is_fitted,
    check_params,
    validate_data,
    wrap_dense_output,
)
from ._kernels import _spikes

__all__ = [
    "TTFSEncoder",
    "load_spikes",
    "save_spikes",
    "spike_arrays",
    "spikes_from_dense",
    "spikes_to_dense",
]

_FORMAT_NAME = "spikencg.spikes"
_FORMAT_VERSION = 1
_INT32_MAX = np.iinfo(np.int32).max
# upper bound of the scratch memory (bytes) of the CSR check (one int64 per input and
# block of rows)
_SCRATCH_BYTES = 1 << 28
# dense input is converted, checked and encoded this many values (rows x features) at a
# time: the float64 copies stay small (32 MB each) however many samples there are
_CHUNK_VALUES = 1 << 22


# --------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------


def _check_max_time(max_time):
    """Return ``max_time`` as a float after checking it is finite and > 0."""
    if (
        isinstance(max_time, bool)
        or not isinstance(max_time, numbers.Real)
        or not 0.0 < float(max_time) < math.inf
    ):
        raise ValueError(f"max_time must be a finite number > 0, got {max_time!r}.")
    return float(max_time)


def _reject_sparse(X, whom):
    if sp.issparse(X):
        raise TypeError(
            f"{whom} does not accept sparse input X ({type(X).__name__}): it expects a "
            "dense array of shape (n_samples, d1, ...). Sparse data is not supported here."
        )


def _flatten_samples(X, name="X"):
    """Return ``(X2, sample_shape)`` with ``X2`` of shape (n_samples, prod(sample_shape)).

    2-D inputs are returned unchanged (so that data frames keep their column names);
    inputs of more dimensions are converted to ndarrays and reshaped.
    """
    shape = getattr(X, "shape", None)
    if shape is None:
        X = np.asarray(X)
        shape = X.shape
    shape = tuple(int(s) for s in shape)
    if len(shape) < 2:
        raise ValueError(
            f"Expected {name} of shape (n_samples, d1, ...), got an array of shape "
            f"{shape}. Reshape your data either using {name}.reshape(-1, 1) if it has a "
            f"single feature or {name}.reshape(1, -1) if it contains a single sample."
        )
    if len(shape) > 2:
        X = np.asarray(X).reshape(shape[0], math.prod(shape[1:]))
    return X, shape[1:]


def _row_chunks(n_rows, n_features):
    """``(lo, hi)`` row ranges of at most :data:`_CHUNK_VALUES` values (one range, maybe
    empty, when there are few rows)."""
    step = max(1, _CHUNK_VALUES // max(n_features, 1))
    return [(lo, min(n_rows, lo + step)) for lo in range(0, max(n_rows, 1), step)]


def _rows(X, lo, hi):
    """Rows ``lo:hi`` of a 2-D array-like (by position for data frames)."""
    if lo == 0 and hi >= X.shape[0]:
        return X
    return X.iloc[lo:hi] if hasattr(X, "iloc") else X[lo:hi]


def _fill_blocks(n_rows, blocks, max_time):
    """Kernel spike arrays of dense timestamps given block of rows by block of rows.

    ``blocks`` yields ``(T, counts)`` for consecutive blocks of rows: checked float64
    timestamps and their spike counts. Each block's spikes are written straight into the
    output arrays, which grow as needed by reallocation (the operating system moves
    large blocks without copying them), then are trimmed to size: the output is not
    held twice, as joining per-block arrays would.
    """
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    indices = np.empty(0, dtype=np.int32)
    times = np.empty(0, dtype=np.float64)
    row = 0
    for T, counts in blocks:
        m = counts.shape[0]
        np.cumsum(counts, out=indptr[row + 1 : row + m + 1])
        indptr[row + 1 : row + m + 1] += indptr[row]
        need = int(indptr[row + m])
        if need > indices.shape[0]:
            # room for the rest at this block's rate, 10 % more
            cap = max(need, int(1.1 * need * n_rows / (row + m)), 2 * indices.shape[0])
            indices.resize(cap, refcheck=False)
            times.resize(cap, refcheck=False)
        _spikes.fill_dense(T, max_time, indptr[row : row + m + 1], indices, times)
        row += m
    nnz = int(indptr[row])
    indices.resize(nnz, refcheck=False)
    times.resize(nnz, refcheck=False)
    return indptr, indices, times


def _writable(X):
    """Return ``X`` itself when it is writable, else a copy (one kernel signature)."""
    return X if X.flags.writeable else X.copy()


def _raise_for_flags(flags, *, name, whom, what, allow_posinf, offset=0):
    """Raise a ValueError describing the first problem reported by a scan kernel
    (``flags`` of rows ``offset``, ``offset + 1``, ... of the input)."""
    if flags.size == 0:
        return
    found = int(np.bitwise_or.reduce(flags))

    def first(bit):  # the input row of the first flagged row
        return int(np.flatnonzero(flags & bit)[0]) + offset

    if found & _spikes.FLAG_NAN:
        raise ValueError(
            f"Input {name} contains NaN (first in sample "
            f"{first(_spikes.FLAG_NAN)}): {what} must be numbers >= 0."
        )
    if found & _spikes.FLAG_NEGINF:
        raise ValueError(
            f"Input {name} contains -inf (first in sample "
            f"{first(_spikes.FLAG_NEGINF)}): {what} must be >= 0."
        )
    if found & _spikes.FLAG_NEG:
        raise ValueError(
            f"Negative values in data passed to {whom} as {name} (first in sample "
            f"{first(_spikes.FLAG_NEG)}): {what} must be >= 0."
        )
    if not allow_posinf and found & _spikes.FLAG_POSINF:
        raise ValueError(
            f"Input {name} contains +inf (first in sample "
            f"{first(_spikes.FLAG_POSINF)}): {what} must be finite "
            "(only spike times may be +inf, meaning 'no spike')."
        )
    if found & _spikes.FLAG_BAD_INDEX:
        raise ValueError(
            f"Input {name} stores input indices outside [0, n_features) (first in "
            f"sample {first(_spikes.FLAG_BAD_INDEX)}): not a valid spike list."
        )
    if found & _spikes.FLAG_DUPLICATE:
        raise ValueError(
            f"Input {name} has more than one spike for the same input in a sample "
            f"(first in sample {first(_spikes.FLAG_DUPLICATE)}): "
            "an input fires at most once."
        )


def _scan_dense(X, max_time, *, name, whom, what, allow_posinf, offset=0):
    """Check a validated float64 C-contiguous 2-D array (rows ``offset``, ... of the
    input); return the spike counts."""
    n = X.shape[0]
    counts = np.empty(n, dtype=np.int64)
    flags = np.empty(n, dtype=np.int64)
    _spikes.scan_dense(X, max_time, counts, flags)
    _raise_for_flags(flags, name=name, whom=whom, what=what, allow_posinf=allow_posinf,
                     offset=offset)
    return counts


def _indptr_from_counts(counts):
    indptr = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr


def _check_dense_times(X, *, whom, name="X"):
    """Validate dense timestamps: return a float64 C-contiguous writable 2-D array."""
    _reject_sparse(X, whom)
    X2, _ = _flatten_samples(X, name)
    X2 = check_array(
        X2,
        dtype=np.float64,
        order="C",
        ensure_all_finite=False,
        ensure_min_samples=0,
        ensure_min_features=0,
        input_name=name,
    )
    if X2.shape[1] > _INT32_MAX:
        raise ValueError(
            f"{name} has {X2.shape[1]} features; at most {_INT32_MAX} are supported."
        )
    return _writable(X2)


def _reject_coo_duplicates(X, name="X"):
    """Raise if ``X`` is a COO sparse matrix holding two entries for one (sample, input):
    scikit-learn's conversion to CSR would add their spike times together."""
    if not (sp.issparse(X) and X.format == "coo") or X.nnz == 0:
        return
    if getattr(X, "has_canonical_format", False):
        return
    key = np.asarray(X.row, dtype=np.int64) * X.shape[1] + np.asarray(X.col, dtype=np.int64)
    if np.unique(key).size < X.nnz:
        raise ValueError(
            f"Input {name} (COO) has more than one spike for the same input in a sample; "
            "converting it to CSR would add their times together. Keep one spike per "
            "input and sample."
        )


def _index_array(a, what, name, fmt):
    """``a`` (an index array of a sparse matrix) after checking it is a 1-D integer array."""
    if not isinstance(a, np.ndarray) or a.ndim != 1 or a.dtype.kind not in "iu":
        found = (f"dtype {a.dtype} and shape {a.shape}" if isinstance(a, np.ndarray)
                 else type(a).__name__)
        raise ValueError(
            f"Input {name} ({fmt.upper()}) has an invalid {what} array ({found}): "
            "expected a 1-D array of integers. Not a valid sparse matrix."
        )
    return a


def _check_in_range(a, size, what, name, fmt):
    if a.size and (a.min() < 0 or a.max() >= size):
        raise ValueError(
            f"Input {name} ({fmt.upper()}) stores {what} outside [0, {size}): not a valid "
            "sparse matrix of its shape."
        )


def _check_compressed(X, n_major, n_minor, what, name, *, ranges=True):
    """Check the index pointer and indices of a CSR, CSC or BSR matrix (``n_major`` rows or
    columns, or block rows, of ``n_minor`` entries at most); ``what``: the indices' name."""
    fmt = X.format
    indptr = _index_array(X.indptr, "index pointer", name, fmt)
    indices = _index_array(X.indices, "indices", name, fmt)
    data = X.data if isinstance(X.data, np.ndarray) else np.asarray(X.data)
    n_data = data.shape[0] if data.ndim else 0
    if (indptr.shape[0] != n_major + 1 or indptr[0] != 0
            or indptr[-1] > min(indices.shape[0], n_data)
            or np.any(indptr[1:] < indptr[:-1])):
        raise ValueError(
            f"Input {name} ({fmt.upper()}) has an invalid index pointer (it must hold "
            f"{n_major + 1} non-decreasing offsets from 0 to at most the number of stored "
            "entries): not a valid sparse matrix."
        )
    if ranges:
        _check_in_range(indices[: int(indptr[-1])], n_minor, what, name, fmt)


def _check_sparse_structure(X, name="X"):
    """Check a sparse ``X`` of any scipy format before anything converts or reads it.

    scipy checks neither the index ranges nor the index pointers of a matrix whose
    arrays were set or changed after construction, and its conversions to CSR write and
    read wherever these point (a corrupted process, not an error). Here every format's
    structure is checked with vectorised NumPy operations: index arrays of integers,
    index pointers non-decreasing from 0 to at most the number of stored entries,
    indices within the shape, one value per entry. A CSR matrix's indices are checked
    later, by the scan of its spikes (:func:`_csr_arrays`), and so are not read twice.

    Formats that cannot hold a spike list without loss are refused: DIA (its conversion
    drops the stored zeros, the spikes at ``t = 0``, which it cannot tell from padding),
    and BSR of blocks larger than 1x1 (the zeros that fill its blocks would read as
    spikes at ``t = 0``). COO entries stored twice are refused (:func:`_reject_coo_duplicates`).

    Raises
    ------
    ValueError
        If the structure is invalid, or ``X`` is not 2-D, or holds no real numbers.
    TypeError
        If ``X`` is a DIA matrix or a BSR matrix of blocks larger than 1x1.
    """
    if not sp.issparse(X):
        return
    fmt = X.format
    if len(X.shape) != 2:
        raise ValueError(
            f"Input {name} is a {len(X.shape)}-D sparse array of shape {X.shape}; "
            "expected a 2-D spike list of shape (n_samples, n_features)."
        )
    n, d = (int(v) for v in X.shape)
    if fmt == "dia":
        raise TypeError(
            f"Input {name} is a DIA sparse matrix, which cannot hold a spike list: its "
            "conversion to CSR drops the stored zeros (the spikes at t = 0), which it "
            "cannot tell from padding. Build the spike list as CSR (TTFSEncoder, "
            "spikes_from_dense)."
        )
    dtype = getattr(X.data, "dtype", None) if fmt not in ("dok", "lil") else X.dtype
    if dtype is not None and dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: input {name} is a sparse matrix of dtype "
            f"{dtype}; spike times and intensities are real numbers."
        )
    if dtype is None or dtype.kind not in "biuf":
        raise ValueError(
            f"Input {name} ({fmt.upper()}) must hold real spike times, got "
            f"{'data of dtype ' + str(dtype) if dtype is not None else 'no data array'}."
        )
    if fmt == "csr":
        _check_compressed(X, n, d, "input indices", name, ranges=False)
    elif fmt == "csc":
        _check_compressed(X, d, n, "sample indices", name)
    elif fmt == "bsr":
        if X.data.ndim != 3 or X.data.shape[1:] != (1, 1):
            raise TypeError(
                f"Input {name} is a BSR sparse matrix of blocks "
                f"{'x'.join(str(v) for v in X.data.shape[1:])}: the zeros that fill its "
                "blocks would read as spikes at t = 0. Build the spike list as CSR (or "
                "as BSR of 1x1 blocks)."
            )
        _check_compressed(X, n, d, "input indices", name)
    elif fmt == "coo":
        row = _index_array(X.row, "row", name, fmt)
        col = _index_array(X.col, "col", name, fmt)
        data = X.data
        if not (row.shape == col.shape == data.shape):
            raise ValueError(
                f"Input {name} (COO) holds {row.shape[0]} row indices, {col.shape[0]} "
                f"column indices and {data.size} values; they must be as many: not a "
                "valid sparse matrix."
            )
        _check_in_range(row, n, "sample indices", name, fmt)
        _check_in_range(col, d, "input indices", name, fmt)
        _reject_coo_duplicates(X, name)
    elif fmt == "dok":
        keys = list(X.keys())
        idx = np.array(keys) if keys else np.empty((0, 2), dtype=np.int64)
        if idx.ndim != 2 or idx.shape[1] != 2 or idx.dtype.kind not in "iu":
            raise ValueError(
                f"Input {name} (DOK) has keys that are not pairs of integers: not a valid "
                "sparse matrix."
            )
        _check_in_range(idx[:, 0], n, "sample indices", name, fmt)
        _check_in_range(idx[:, 1], d, "input indices", name, fmt)
    elif fmt == "lil":
        rows, vals = X.rows, X.data
        if (not isinstance(rows, np.ndarray) or not isinstance(vals, np.ndarray)
                or rows.shape != (n,) or vals.shape != (n,)
                or any(not isinstance(r, list) or not isinstance(v, list) or len(r) != len(v)
                       for r, v in zip(rows, vals, strict=True))):
            raise ValueError(
                f"Input {name} (LIL) must hold one list of input indices and one list of "
                "values of the same length per sample: not a valid sparse matrix."
            )
        flat = [j for r in rows for j in r]
        idx = np.array(flat) if flat else np.empty(0, dtype=np.int64)
        if idx.ndim != 1 or idx.dtype.kind not in "iu":
            raise ValueError(
                f"Input {name} (LIL) has input indices that are not integers: not a "
                "valid sparse matrix."
            )
        _check_in_range(idx, d, "input indices", name, fmt)


def _csr_arrays(X, max_time, copy=True, whom="spike_arrays", name="X"):
    """Canonical arrays of a CSR spike list (checked, filtered, rows time-ordered);
    ``name``: the input's name in error messages."""
    if X.format != "csr":
        raise TypeError(
            f"Expected {name} as a CSR spike list (scipy.sparse csr_matrix or csr_array), "
            f"got a {X.format.upper()} sparse {type(X).__name__}. Build the spike list as "
            "CSR directly (converting, e.g. from COO, would sum duplicate entries)."
        )
    _check_sparse_structure(X, name)
    n, d = X.shape
    if d > _INT32_MAX:
        raise ValueError(f"{name} has {d} features; at most {_INT32_MAX} are supported.")
    indptr = np.require(X.indptr, dtype=np.int64, requirements=["C", "W", "A"])
    nnz = int(indptr[-1])
    indices = X.indices[:nnz]
    if indices.dtype != np.int32 and nnz > 0 and (indices.min() < 0 or indices.max() >= d):
        raise ValueError(
            f"Input {name} stores input indices outside [0, n_features): not a valid "
            "spike list."
        )
    indices = np.require(indices, dtype=np.int32, requirements=["C", "W", "A"])
    data = np.require(X.data[:nnz], dtype=np.float64, requirements=["C", "W", "A"])

    # the scan looks for inputs stored twice in a row with one marker per input (and
    # parallel chunk); when the inputs are many more than the spikes (a declared width of
    # 2**31 - 1 would need 16 GB of markers), it scans the inputs' ranks among the stored
    # indices instead: the same order, the same flags
    scan_indices, scan_d = indices, d
    if 8 * d > max(_SCRATCH_BYTES, 16 * nnz):
        if nnz and (indices.min() < 0 or indices.max() >= d):
            bad = (indices < 0) | (indices >= d)
            row = int(np.searchsorted(indptr, np.flatnonzero(bad)[0], side="right")) - 1
            raise ValueError(
                f"Input {name} stores input indices outside [0, n_features) (first in "
                f"sample {row}): not a valid spike list."
            )
        present, ranks = np.unique(indices, return_inverse=True)
        scan_indices = ranks.astype(np.int32).reshape(-1)
        scan_d = max(int(present.shape[0]), 1)
    # (at most as many blocks of rows as fit _SCRATCH_BYTES of markers)
    n_chunks = max(1, min(n, _SCRATCH_BYTES // (8 * max(scan_d, 1))))
    counts = np.empty(n, dtype=np.int64)
    flags = np.empty(n, dtype=np.int64)
    _spikes.scan_csr(indptr, scan_indices, data, scan_d, max_time, n_chunks, counts, flags)
    _raise_for_flags(flags, name=name, whom=whom, what="spike times", allow_posinf=True)
    rework = _spikes.FLAG_UNSORTED | _spikes.FLAG_DROPPED
    if not np.any(flags & rework):
        # already canonical: copies that never share memory with X, unless told otherwise
        if not copy:
            return indptr, indices, data
        return indptr.copy(), indices.copy(), data.copy()
    out_indptr = _indptr_from_counts(counts)
    out_nnz = int(out_indptr[-1])
    out_indices = np.empty(out_nnz, dtype=np.int32)
    out_times = np.empty(out_nnz, dtype=np.float64)
    _spikes.fill_csr(indptr, indices, data, flags, max_time, out_indptr, out_indices, out_times)
    return out_indptr, out_indices, out_times


def _spike_arrays_and_shape(X, max_time, copy=True, offset=0, whom="spike_arrays", name="X"):
    """Kernel arrays and 2-D shape of a spike list or of dense timestamps (converted
    block of rows by block of rows: bounded scratch memory); ``offset``: number of the
    first row, ``whom``: the function or estimator named in error messages, ``name``: the
    input's name in them."""
    max_time = _check_max_time(max_time)
    if sp.issparse(X):
        arrays = _csr_arrays(X, max_time, copy=copy, whom=whom, name=name)
        return arrays, X.shape
    _reject_sparse(X, whom)
    X2, _ = _flatten_samples(X, name)

    def blocks():
        for lo, hi in _row_chunks(X2.shape[0], X2.shape[1]):
            T = _check_dense_times(_rows(X2, lo, hi), whom=whom, name=name)
            yield T, _scan_dense(T, max_time, name=name, whom=whom,
                                 what="spike times", allow_posinf=True, offset=offset + lo)

    return _fill_blocks(X2.shape[0], blocks(), max_time), tuple(X2.shape)


def _to_csr(arrays, shape):
    indptr, indices, times = arrays
    # the (data, indices, indptr) constructor keeps the explicit zeros (t = 0 spikes)
    # and the order of the entries
    return sp.csr_matrix((times, indices, indptr), shape=shape)


# --------------------------------------------------------------------------------------
# public helpers
# --------------------------------------------------------------------------------------


def spike_arrays(X, max_time=1.0, *, copy=True):
    """Return the canonical ``(indptr, indices, times)`` arrays of a batch of samples.

    This is the input that the compiled kernels take: C-contiguous, writable arrays of
    fixed dtypes, each sample's spikes sorted by time (ties by increasing input index),
    only spikes with ``0 <= t < max_time``.

    Parameters
    ----------
    X : sparse CSR matrix/array or array-like of shape (n_samples, d1, ...)
        Either a spike list (CSR, see :mod:`spikencg.encoding`; the entries of a row may
        be in any order, rows are sorted only when needed) or dense first-spike
        timestamps (inputs of more than two dimensions are flattened per sample).
        Times ``>= max_time`` (``+inf`` included) are not spikes and are dropped.
    max_time : float, default=1.0
        End of the time window, > 0.
    copy : bool, default=True
        False: when ``X`` is a CSR spike list already in canonical form (time-ordered
        rows, float64 times, int32 indices), return its own arrays instead of copies
        (for read-only use: the kernels never write to them).

    Returns
    -------
    indptr : ndarray of shape (n_samples + 1,), dtype int64
        Sample ``r``'s spikes are ``indptr[r]:indptr[r + 1]``.
    indices : ndarray of shape (n_spikes,), dtype int32
        Input index of each spike.
    times : ndarray of shape (n_spikes,), dtype float64
        Time of each spike.

    Raises
    ------
    ValueError
        If ``X`` contains NaN or negative times, or (CSR) stores an input twice in a row
        or an input index out of range.
    TypeError
        If ``X`` is sparse but not CSR.

    Notes
    -----
    With ``copy=True`` the returned arrays never share memory with ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from spikencg.encoding import spike_arrays
    >>> indptr, indices, times = spike_arrays(np.array([[0.5, 0.0, 2.0]]))
    >>> indptr, indices, times
    (array([0, 2]), array([1, 0], dtype=int32), array([0. , 0.5]))
    """
    arrays, _ = _spike_arrays_and_shape(X, max_time, copy=copy)
    return arrays


def spikes_from_dense(times, max_time=1.0):
    """Build a spike list from dense first-spike timestamps.

    Parameters
    ----------
    times : array-like of shape (n_samples, d1, ...)
        First-spike time of every input; inputs of more than two dimensions are
        flattened per sample (row-major). ``+inf``, or any time ``>= max_time``, means
        "no spike". Must not contain NaN or negative values.
    max_time : float, default=1.0
        End of the time window, > 0.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, d1 * ... * dk), dtype float64
        The spike list: each row's entries in time order (ties by input index), spikes at
        ``t = 0`` stored as explicit zeros.

    See Also
    --------
    spikes_to_dense : The inverse operation.
    TTFSEncoder : The same as a scikit-learn transformer, with an intensity mode.

    Examples
    --------
    >>> import numpy as np
    >>> from spikencg.encoding import spikes_from_dense
    >>> X = spikes_from_dense(np.array([[0.5, 0.0, np.inf]]))
    >>> X.indices, X.data
    (array([1, 0], dtype=int32), array([0. , 0.5]))
    """
    _reject_sparse(times, "spikes_from_dense")
    arrays, shape = _spike_arrays_and_shape(times, max_time)
    return _to_csr(arrays, shape)


def spikes_to_dense(X, max_time=1.0):
    """Return the dense first-spike timestamps of a spike list.

    Parameters
    ----------
    X : sparse CSR matrix/array of shape (n_samples, n_features)
        Spike list (entries of a row in any order). A dense array is refused because it
        cannot tell a spike at ``t = 0`` from a missing spike.
    max_time : float, default=1.0
        End of the time window, > 0. Entries ``>= max_time`` are not spikes.

    Returns
    -------
    times : ndarray of shape (n_samples, n_features), dtype float64
        Spike time of every input, ``max_time`` for inputs that do not fire.

    See Also
    --------
    spikes_from_dense : The inverse operation.

    Examples
    --------
    >>> import numpy as np
    >>> from spikencg.encoding import spikes_from_dense, spikes_to_dense
    >>> spikes_to_dense(spikes_from_dense(np.array([[0.5, 0.0, np.inf]])))
    array([[0.5, 0. , 1. ]])
    """
    if not sp.issparse(X):
        raise TypeError(
            "spikes_to_dense expects a sparse CSR spike list X, got "
            f"{type(X).__name__}: a dense array cannot tell a spike at t = 0 from no spike."
        )
    max_time = _check_max_time(max_time)
    indptr, indices, times = _csr_arrays(X, max_time)
    out = np.empty(X.shape, dtype=np.float64)
    _spikes.to_dense(indptr, indices, times, max_time, out)
    return out


def _check_file_path(path, example):
    """Raise a ValueError if ``path`` (a destination for :func:`numpy.savez`) names a
    folder: ``"some/dir/"`` would write the hidden file ``some/dir/.npz``."""
    import os

    if not isinstance(path, (str, bytes, os.PathLike)):
        return  # a file object
    text = os.fsdecode(path)
    seps = tuple(sep for sep in (os.sep, os.altsep) if sep)
    if text.endswith(seps) or os.path.isdir(text) or text == "":
        raise ValueError(
            f"path {text!r} names a folder, not a file; give the file to write, e.g. "
            f"{os.path.join(text, example)!r}."
        )


def save_spikes(path, X, y=None, *, max_time=1.0, compressed=False):
    """Save a spike list (and optional labels) to a ``.npz`` file without pickle.

    Parameters
    ----------
    path : str, path-like or file-like object
        Destination. As with :func:`numpy.savez`, ``".npz"`` is appended to a path
        that does not end with it.
    X : sparse CSR matrix/array or array-like of shape (n_samples, d1, ...)
        Spike list, or dense timestamps (converted as by :func:`spikes_from_dense`).
        Stored in canonical form: spikes ``>= max_time`` dropped, rows time-ordered.
    y : array-like of shape (n_samples, ...), default=None
        Labels of any dtype that NumPy stores without objects (integers, floats,
        strings, ...). Object arrays of strings are stored as unicode strings.
    max_time : float, default=1.0
        End of the time window, > 0; stored in the file.
    compressed : bool, default=False
        Use :func:`numpy.savez_compressed` (smaller, slower) instead of
        :func:`numpy.savez`.

    Raises
    ------
    ValueError
        If ``y`` holds objects other than strings or its length differs from the
        number of samples, if ``X`` is not a valid spike list, or if ``path`` names a
        folder (ends with a separator or is an existing folder).

    See Also
    --------
    load_spikes : Read the file back.
    """
    _check_file_path(path, "spikes.npz")
    max_time = _check_max_time(max_time)
    (indptr, indices, times), shape = _spike_arrays_and_shape(X, max_time)
    contents = {
        "spikencg_format": np.array(_FORMAT_NAME),
        "format_version": np.array(_FORMAT_VERSION, dtype=np.int64),
        "shape": np.array(shape, dtype=np.int64),
        "max_time": np.array(max_time, dtype=np.float64),
        "indptr": indptr,
        "indices": indices,
        "times": times,
    }
    if y is not None:
        y = np.asarray(y)
        if y.dtype.hasobject:
            if y.dtype == object and all(isinstance(v, str) for v in y.ravel()):
                y = y.astype(str)
            else:
                raise ValueError(
                    f"y has dtype {y.dtype} holding non-string objects, which cannot be "
                    "saved without pickle; convert the labels to numbers or strings."
                )
        if y.ndim == 0 or y.shape[0] != shape[0]:
            raise ValueError(
                f"y has shape {y.shape}, but X has {shape[0]} samples; y must have one "
                "label per sample."
            )
        contents["y"] = y
    (np.savez_compressed if compressed else np.savez)(path, **contents)



def _describe(path):
    """The quoted name of ``path`` (a path or a file object) for error messages."""
    import os

    if isinstance(path, (str, bytes, os.PathLike)):
        return repr(os.fspath(path))
    name = getattr(path, "name", None)
    return repr(name) if isinstance(name, str) else "the given file object"


def _array_summary(a):
    """A short description of an array entry (never its possibly huge contents)."""
    return f"an array of dtype {a.dtype} and shape {a.shape}"


def _open_npz(path, format_name, what, writer, *, version, required=()):
    """Read all entries of a spikencg ``.npz`` file, never unpickling.

    Checks, before reading the other entries, that the file is an ``.npz`` archive whose
    ``spikencg_format`` entry is ``format_name`` and whose ``format_version`` entry is
    ``version``, then that the ``required`` entries are present.

    Returns
    -------
    entries : dict of str to ndarray
        Every entry of the archive (the archive is closed).
    corrupt : str
        The prefix of the caller's messages for inconsistent entries
        (``"'name.npz': corrupt spikencg <what> file"``).

    Raises
    ------
    FileNotFoundError
        If ``path`` is a path to no file.
    ValueError
        If the file is not such an archive, is damaged or truncated, holds Python
        objects, or has another format version or missing entries.
    """
    import contextlib
    import os

    from .datasets import (
        _DAMAGED_NUMPY_FILE,
        _check_npy_size,
        _npy_dtype,
        _npy_header,
        _numpy_file_kind,
        _reason,
    )

    name = _describe(path)
    not_ours = f"{name} is not a spikencg {what} file (write one with {writer})"
    corrupt = f"{name}: corrupt spikencg {what} file"
    if isinstance(path, (str, bytes, os.PathLike)) and not os.path.isfile(path):
        hint = ""
        if isinstance(path, (str, os.PathLike)) and os.path.isfile(f"{os.fspath(path)}.npz"):
            hint = f" (did you mean {os.fspath(path)}.npz? {writer} appends '.npz')"
        raise FileNotFoundError(f"{what} file not found: {os.fspath(path)!s}{hint}")

    def entry(archive, key):
        member = key + ".npy" if key + ".npy" in archive.zip.namelist() else key
        try:
            size = archive.zip.getinfo(member).file_size
            with archive.zip.open(member) as stream:
                header = _npy_header(stream)
                offset = stream.tell()
        except _DAMAGED_NUMPY_FILE + (KeyError,):
            header = None
        if header is not None:
            _check_npy_size(header, size - offset, f"{name}: entry {key!r}")
        try:
            value = archive[key]
        except _DAMAGED_NUMPY_FILE as exc:
            try:
                with archive.zip.open(member) as stream:
                    dtype = _npy_dtype(stream)
            except _DAMAGED_NUMPY_FILE:
                dtype = None
            if dtype is not None and dtype.hasobject:
                raise ValueError(
                    f"{name}: entry {key!r} holds Python objects (dtype {dtype}), which "
                    "are refused because reading them would unpickle the file."
                ) from None
            raise ValueError(
                f"{name}: damaged or truncated file: cannot read its entry {key!r} "
                f"({_reason(exc)})."
            ) from exc
        if not isinstance(value, np.ndarray):
            raise ValueError(f"{corrupt}: its entry {key!r} is not a NumPy array.")
        return value

    with contextlib.ExitStack() as stack:
        # opened here, not by numpy.load, which leaves the file open when the zip
        # directory is damaged
        fid = path if hasattr(path, "read") else stack.enter_context(open(path, "rb"))
        start = fid.tell()  # a file object is read from its position, as numpy.load does
        head = fid.read(6)
        fid.seek(start)
        kind = _numpy_file_kind(head)
        if kind == "npy":
            raise ValueError(f"{not_ours}: it holds a single array, not an .npz archive.")
        if kind is None:
            raise ValueError(
                f"{not_ours}: it is {'empty' if not head else 'not a NumPy .npz archive'}."
            )
        try:
            archive = stack.enter_context(np.load(fid, allow_pickle=False))
        except _DAMAGED_NUMPY_FILE as exc:
            raise ValueError(
                f"{name}: damaged or truncated .npz archive ({_reason(exc)})."
            ) from exc
        if "spikencg_format" not in archive.files:
            raise ValueError(f"{not_ours}: it has no 'spikencg_format' entry.")
        marker = entry(archive, "spikencg_format")
        if marker.ndim != 0 or marker.dtype.kind != "U" or str(marker) != format_name:
            raise ValueError(
                f"{not_ours}: its 'spikencg_format' entry is not {format_name!r}."
            )
        if "format_version" not in archive.files:
            raise ValueError(f"{corrupt}: it has no 'format_version' entry.")
        found = entry(archive, "format_version")
        if found.ndim != 0 or found.dtype.kind not in "iu":
            raise ValueError(
                f"{corrupt}: 'format_version' must be an integer, got "
                f"{_array_summary(found)}."
            )
        if int(found) != version:
            raise ValueError(
                f"{name} is a spikencg {what} file of format version {int(found)}; this "
                f"version of spikencg reads format version {version}."
            )
        missing = set(required) - set(archive.files)
        if missing:
            raise ValueError(f"{corrupt}: missing entries {sorted(missing)}.")
        entries = {key: entry(archive, key) for key in archive.files}
    return entries, corrupt


def load_spikes(path):
    """Load a spike list saved by :func:`save_spikes`.

    Parameters
    ----------
    path : str, path-like or file-like object
        A ``.npz`` file written by :func:`save_spikes`. Never unpickled: entries holding
        Python objects are refused.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, n_features), dtype float64
        The spike list.
    y : ndarray or None
        The labels, or None when none were saved.
    max_time : float
        The time window the spike list was saved with.

    Raises
    ------
    FileNotFoundError
        If ``path`` is a path to no file.
    ValueError
        If the file is not a spikencg spike file, is damaged or truncated, holds Python
        objects, has an unsupported format version, or is inconsistent.

    See Also
    --------
    save_spikes : Write such a file.
    """
    f, corrupt = _open_npz(
        path, _FORMAT_NAME, "spike", "save_spikes", version=_FORMAT_VERSION,
        required=("shape", "max_time", "indptr", "indices", "times"),
    )
    shape, max_time = f["shape"], f["max_time"]
    if shape.shape != (2,) or shape.dtype.kind not in "iu":
        raise ValueError(
            f"{corrupt}: 'shape' must hold 2 integers, got {_array_summary(shape)}."
        )
    shape = (int(shape[0]), int(shape[1]))
    if max_time.ndim != 0 or max_time.dtype.kind not in "iuf":
        raise ValueError(
            f"{corrupt}: 'max_time' must be a number, got {_array_summary(max_time)}."
        )
    max_time = float(max_time)
    try:
        X = sp.csr_matrix((f["times"], f["indices"], f["indptr"]), shape=shape)
        X = _to_csr(_csr_arrays(X, _check_max_time(max_time)), shape)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{corrupt}: {exc}") from exc
    y = f.get("y")
    if y is not None and (y.ndim == 0 or y.shape[0] != shape[0]):
        raise ValueError(
            f"{corrupt}: 'y' must hold one label per sample ({shape[0]}), got "
            f"{_array_summary(y)}."
        )
    return X, y, max_time


# --------------------------------------------------------------------------------------
# the transformer
# --------------------------------------------------------------------------------------


# default receptive fields of the population code: chosen from cross-validated accuracy
# of the untuned SpikingReadoutClassifier on iris, wine, breast cancer, digits and five
# synthetic tables (docs/user-guide.md, "Tables of numbers")
_N_FIELDS = 8
_FIELD_WIDTH = 0.9
_MIN_RESPONSE = 0.1


def _raise_for_non_finite(X2, offset, whom, encoding):
    """Raise a ValueError naming the first NaN or infinite value of the validated
    float64 rows ``X2`` (rows ``offset``, ... of the input), if any."""
    finite = np.isfinite(X2)
    if finite.all():
        return
    row = int(np.flatnonzero(~finite.all(axis=1))[0])
    values = X2[row][~finite[row]]
    what = ("NaN" if np.isnan(values).any()
            else "+inf" if (values == np.inf).any() else "-inf")
    raise ValueError(
        f"Input X contains {what} (first in sample {row + offset}): "
        f"{whom}(encoding={encoding!r}) needs finite values (only spike times, "
        "encoding='time', may be +inf, meaning 'no spike')."
    )


class TTFSEncoder(
    OneToOneFeatureMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Encode dense samples as first-spike (time-to-first-spike) spike lists.

    Each input fires at most once, at a time ``t`` in ``[0, max_time)``; earlier means
    stronger. By default (``sparse_output=True``) the output is the spike-list format of
    :mod:`spikencg.encoding`: a CSR matrix whose entries are spike times, rows in time
    order, spikes at ``t = 0`` kept as explicit zeros; otherwise the dense spike times.

    Parameters
    ----------
    max_time : float, default=1.0
        End of the time window, > 0. Times ``>= max_time`` are not spikes.
    encoding : {"time", "intensity", "population"}, default="time"
        How to read the input values:

        - ``"time"``: the values are first-spike timestamps; ``+inf`` (or any value
          ``>= max_time``) means "no spike". Negative values are errors.
        - ``"intensity"``: one input per feature, latency code over the feature's
          range ``[x_min, x_max]`` (learned in :meth:`fit` by default):
          ``t = max_time * (1 - (x - x_min) / (x_max - x_min))``. Values ``>= x_max``
          fire at ``t = 0``, values ``<= x_min`` do not fire, so any finite value is
          accepted, also outside the training range. ``x_min=0`` is the classic
          latency code of images, ``t = max_time * (1 - x / x_max)``.
        - ``"population"``: ``n_fields`` inputs per feature with Gaussian receptive
          fields spread evenly over the feature's range (population coding, as in
          Bohte, Kok and La Poutré 2002): the value, clipped to the range, excites
          field ``k`` by ``r = exp(-(u - k)**2 / (2 * field_width**2))``, with ``u``
          the value's position on the fields' scale (0 at ``x_min``, ``n_fields - 1``
          at ``x_max``); the field fires at ``t = max_time * (1 - r)`` when
          ``r >= min_response``. For tables of measurements (see Notes).
    x_max : float, default=None
        Intensity and population modes: the top of every feature's range. None
        learns it in :meth:`fit` as the training maximum (see ``per_feature``).
    per_feature : bool, default=True
        Intensity and population modes, for the bounds left to None: learn them per
        feature (the default: right for tabular data whose features have different
        scales, and as good on images: 10,000 MNIST training images, 5 epochs, test
        accuracy 0.854 against 0.848) instead of over all features (``False``: the
        usual latency code of images, ``t = 1 - x / 16`` on digits with
        ``x_min=0``). A feature whose training range is empty (a constant, or
        ``x_max <= x_min``) never fires.
    sparse_output : bool, default=True
        True: the output is a spike list (CSR), what :class:`SpikingReadoutClassifier`
        is made for. False: a dense float64 array of the spike times, ``max_time`` for
        inputs that do not fire (which the readout also reads as "no spike"): for
        tools that densify or read sparse zeros as values (``ColumnTransformer``, whose
        default ``sparse_threshold`` would turn the spike list into an array where a
        missing spike reads as a spike at ``t = 0``; linear models; pandas output).
    x_min : float, default=None
        Intensity and population modes: the bottom of every feature's range. None
        learns it in :meth:`fit` as the training minimum (see ``per_feature``); 0
        gives the classic latency code (``t = max_time * (1 - x / x_max)``, values
        ``<= 0`` silent), that of ``spikencg convert --intensity``.
    n_fields : int, default=8
        Population mode: receptive fields (inputs) per feature, >= 2.
    field_width : float, default=0.9
        Population mode: standard deviation of each Gaussian field, in units of the
        distance between neighbouring fields' centres (> 0). With the default
        ``min_response`` a field fires for values within ``2.15 * field_width``
        spacings of its centre: at 0.9, the three or four nearest fields.
    min_response : float, default=0.1
        Population mode: fields excited less than this (in ``[0, 1)``) stay silent,
        so a field fires before ``max_time * (1 - min_response)``.

    Attributes
    ----------
    n_features_in_ : int
        Number of features per sample, ``d1 * ... * dk``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in :meth:`fit`, defined only when ``X`` has feature
        names that are all strings.
    input_shape_ : tuple of int
        Shape ``(d1, ..., dk)`` of one sample seen in :meth:`fit`.
    x_min_, x_max_ : float, ndarray of shape ``input_shape_`` or None
        Intensity and population modes: the range of every feature (one value for
        all features, or one per feature when ``per_feature=True`` and the bound is
        learned). None in time mode.
    field_centers_ : ndarray of shape (n_features_in_, n_fields) or None
        Population mode: the centre of each receptive field, in the units of the
        feature (NaN for features whose range is empty). None otherwise.
    field_sigmas_ : ndarray of shape (n_features_in_,) or None
        Population mode: the standard deviation of each feature's fields, in the units
        of the feature (0 where the range is empty). None otherwise.

    See Also
    --------
    spikes_from_dense : Time-mode encoding as a plain function.
    spikencg.encoding.spike_arrays : The canonical arrays the kernels take.

    Notes
    -----
    Which encoding: spike times made elsewhere (e.g. :class:`~spikencg.STDPConvFeatures`)
    need ``"time"``; images and other data with many features where larger means
    stronger suit ``"intensity"``; a table of a few to a few tens of measurements needs
    ``"population"``: one spike per feature carries little, and the readout, one layer
    of neurons, cannot use a feature whose effect is not monotonic, which several
    fields per feature allow. With the defaults, untuned,
    ``make_pipeline(TTFSEncoder(encoding="population"), SpikingReadoutClassifier())``
    comes within 4 % of a logistic regression's cross-validated accuracy on wine,
    breast cancer and digits, and above it on iris (the user guide gives the figures).

    Samples of more than one dimension (e.g. images of shape ``(28, 28)``) are flattened
    row-major; :meth:`transform` accepts samples of the fitted shape or already
    flattened. ``NaN`` is an error; so are negative values in time mode, and infinite
    values in intensity and population modes. In population mode the output has
    ``n_features_in_ * n_fields`` columns, feature by feature (names ``x0_f0``,
    ``x0_f1``, ...), and :meth:`inverse_transform` is approximate (see there).

    Examples
    --------
    >>> import numpy as np
    >>> from spikencg.encoding import TTFSEncoder
    >>> X = np.array([[0, 8, 16], [4, 0, 20]])
    >>> enc = TTFSEncoder(encoding="intensity", per_feature=False).fit(X)
    >>> enc.x_min_, enc.x_max_
    (0.0, 20.0)
    >>> S = enc.transform(X)
    >>> S.indices, S.data
    (array([2, 1, 2, 0], dtype=int32), array([0.2, 0.6, 0. , 0.8]))
    >>> enc.inverse_transform(S)
    array([[ 0.,  8., 16.],
           [ 4.,  0., 20.]])
    >>> pop = TTFSEncoder(encoding="population", n_fields=3).fit([[-1.0], [1.0]])
    >>> pop.get_feature_names_out()
    array(['x0_f0', 'x0_f1', 'x0_f2'], dtype=object)
    >>> pop.transform([[0.0]]).toarray().round(3)   # the middle field fires at t = 0
    array([[0.461, 0.   , 0.461]])
    """

    _parameter_constraints: dict = {
        "max_time": [Interval(numbers.Real, 0, math.inf, closed="neither")],
        "encoding": [StrOptions({"time", "intensity", "population"})],
        "x_max": [Interval(numbers.Real, None, None, closed="neither"), None],
        "per_feature": ["boolean"],
        "sparse_output": ["boolean"],
        "x_min": [Interval(numbers.Real, None, None, closed="neither"), None],
        "n_fields": [Interval(numbers.Integral, 2, None, closed="left")],
        "field_width": [Interval(numbers.Real, 0, math.inf, closed="neither")],
        "min_response": [Interval(numbers.Real, 0, 1, closed="left")],
    }

    def __init__(self, max_time=1.0, encoding="time", x_max=None, per_feature=True,
                 sparse_output=True, *, x_min=None, n_fields=_N_FIELDS,
                 field_width=_FIELD_WIDTH, min_response=_MIN_RESPONSE):
        self.max_time = max_time
        self.encoding = encoding
        self.x_max = x_max
        self.per_feature = per_feature
        self.sparse_output = sparse_output
        self.x_min = x_min
        self.n_fields = n_fields
        self.field_width = field_width
        self.min_response = min_response

    def set_output(self, *, transform=None):
        """Set the container of :meth:`transform`'s dense output.

        A spike list (``sparse_output=True``) stays a CSR matrix whatever is set here
        (pandas and polars hold no spike lists), so that ``Pipeline.set_output`` and
        ``sklearn.set_config(transform_output=...)`` work on pipelines that encode;
        with ``sparse_output=False`` the times come in the container asked for, with
        ``get_feature_names_out()``'s column names.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            ``"default"``: numpy arrays; None: leave the setting unchanged.

        Returns
        -------
        self : TTFSEncoder
            The encoder.
        """
        if transform is None:
            return self
        if transform not in ("default", "pandas", "polars"):
            raise ValueError(
                f"transform must be 'default', 'pandas', 'polars' or None, got "
                f"{transform!r}."
            )
        if not hasattr(self, "_sklearn_output_config"):
            self._sklearn_output_config = {}
        self._sklearn_output_config["transform"] = transform
        return self

    def _blocks(self, X, *, reset, width=1):
        """Return ``(sample_shape, n_samples, blocks)``: ``blocks`` yields ``(lo, X2)``
        for consecutive blocks of rows of ``X`` (at most :data:`_CHUNK_VALUES` values
        each, divided by ``width``: the number of outputs per value), ``X2`` the
        validated rows ``lo:...``: float64, C-contiguous, writable, 2-D.
        """
        _reject_sparse(X, type(self).__name__)
        X_flat, sample_shape = _flatten_samples(X)
        if not reset and len(sample_shape) > 1 and sample_shape != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {sample_shape}, but {type(self).__name__} was "
                f"fitted on samples of shape {self.input_shape_}."
            )

        def blocks():
            chunks = _row_chunks(X_flat.shape[0], X_flat.shape[1] * width)
            for k, (lo, hi) in enumerate(chunks):
                X2 = validate_data(self, _rows(X_flat, lo, hi), reset=reset and k == 0,
                                   dtype=np.float64, order="C", ensure_all_finite=False)
                yield lo, _writable(X2)

        return sample_shape, X_flat.shape[0], blocks()

    def _scan(self, X2, offset):
        """Check the values of ``X2`` (rows ``offset``, ... of the input); return the spike
        counts (time mode) or None."""
        if self.encoding == "time":
            return _scan_dense(
                X2,
                float(self.max_time),
                name="X",
                whom=type(self).__name__,
                what="spike times",
                allow_posinf=True,
                offset=offset,
            )
        _raise_for_non_finite(X2, offset, type(self).__name__, self.encoding)
        return None

    def _fixed_bound(self, name):
        """The value of the bound parameter ``name`` ("x_min" or "x_max") or None."""
        value = getattr(self, name)  # (finite: checked by the parameter constraints)
        return None if value is None else float(value)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the input and, in intensity and population modes, learn the range.

        Parameters
        ----------
        X : array-like of shape (n_samples, d1, ..., dk)
            Training samples: timestamps (time mode) or values (intensity and
            population modes), dense, with ``k >= 1``.
        y : None
            Ignored.

        Returns
        -------
        self : TTFSEncoder
            The fitted encoder.
        """
        ranged = self.encoding != "time"
        fixed = {}
        if ranged:
            fixed = {name: self._fixed_bound(name) for name in ("x_min", "x_max")}
            if None not in fixed.values() and not fixed["x_min"] < fixed["x_max"]:
                raise ValueError(
                    f"x_min={self.x_min!r} must be smaller than x_max={self.x_max!r}."
                )
        learned = {"x_min": None, "x_max": None}
        reduce = {"x_min": (np.min, np.minimum), "x_max": (np.max, np.maximum)}
        sample_shape, _, blocks = self._blocks(X, reset=True)
        for lo, X2 in blocks:  # (min and max are exact: the same in any grouping)
            self._scan(X2, lo)
            for name, value in fixed.items():
                if value is not None:
                    continue
                one, two = reduce[name]
                m = one(X2, axis=0) if self.per_feature else one(X2)
                learned[name] = m if learned[name] is None else two(learned[name], m)
        self.input_shape_ = sample_shape
        self.x_min_ = self.x_max_ = None
        self.field_centers_ = self.field_sigmas_ = None
        if not ranged:
            return self
        for name, value in fixed.items():
            if value is not None:
                setattr(self, name + "_", value)
            elif self.per_feature:
                setattr(self, name + "_", learned[name].reshape(sample_shape))
            else:
                setattr(self, name + "_", float(learned[name]))
        if self.encoding == "population":
            lo, hi = self._range()
            a = np.arange(self.n_fields) / (self.n_fields - 1)  # (no overflow in lo + ...)
            centers = lo[:, None] * (1.0 - a) + hi[:, None] * a
            centers[~(hi > lo)] = np.nan
            self.field_centers_ = centers
            step = (hi * 0.5 - lo * 0.5) / (self.n_fields - 1) * 2.0
            self.field_sigmas_ = np.where(hi > lo, float(self.field_width) * step, 0.0)
        return self

    def _per_feature(self, value):
        """A bound (scalar or per feature) as a float64 array of n_features_in_ values."""
        value = np.asarray(value, dtype=np.float64).reshape(-1)
        if value.size == 1:
            return np.full(self.n_features_in_, value[0], dtype=np.float64)
        return value.copy()

    def _range(self):
        """``(x_min, x_max)`` per feature, float64 arrays of n_features_in_ values."""
        return self._per_feature(self.x_min_), self._per_feature(self.x_max_)

    def _population_times(self, X2, lo, hi, T, counts):
        """Spike times (``max_time``: silent) of the population code of the rows
        ``X2``, written to ``T`` of shape (n_rows, n_features_in_ * n_fields); spike
        counts per row to ``counts``."""
        m = int(self.n_fields)
        live = hi > lo
        # position on the fields' scale (field k is centred at u = k), from halves: the
        # same numbers as (x - lo) * (m - 1) / (hi - lo), without overflow where the
        # range is wider than the largest float
        half_span = hi * 0.5 - lo * 0.5
        scale = np.where(live, (m - 1) / np.where(live, half_span, 1.0), 0.0)
        u = np.clip(X2, lo, np.maximum(hi, lo))
        u *= 0.5
        u -= lo * 0.5
        u *= scale
        r = np.empty((X2.shape[0], X2.shape[1], m))
        np.subtract(u[:, :, None], np.arange(m, dtype=np.float64), out=r)
        r /= float(self.field_width)
        np.square(r, out=r)
        r *= -0.5
        np.exp(r, out=r)
        silent = ~(r >= float(self.min_response))
        silent |= ~live[:, None]
        t = T.reshape(r.shape)
        np.subtract(1.0, r, out=t)
        t *= float(self.max_time)
        t[silent] = float(self.max_time)
        np.sum(~silent, axis=(1, 2), out=counts)

    def transform(self, X):
        """Encode samples as a spike list (or dense spike times, ``sparse_output=False``).

        Parameters
        ----------
        X : array-like of shape (n_samples, d1, ..., dk) or (n_samples, n_features_in_)
            Samples of the fitted shape, or flattened.

        Returns
        -------
        X_spikes : scipy.sparse.csr_matrix or ndarray of shape (n_samples, n_features_out)
            The spike list (dtype float64): entries are spike times, rows in time order
            (ties by input index), spikes at ``t = 0`` stored as explicit zeros. With
            ``sparse_output=False``: the dense spike times, ``max_time`` where an input
            does not fire (in the container set by :meth:`set_output`).
            ``n_features_out`` is ``n_features_in_``, times ``n_fields`` in population
            mode.
        """
        check_is_fitted(self)
        check_params(self)  # (set_params may have changed them since fit)
        width = int(self.n_fields) if self.encoding == "population" else 1
        _, n, blocks = self._blocks(X, reset=False, width=width)
        max_time = float(self.max_time)
        n_out = self.n_features_in_ * width
        x_lo, x_hi = (None, None) if self.encoding == "time" else self._range()
        dense = None if self.sparse_output else np.empty((n, n_out))

        def timestamps():
            for lo, X2 in blocks:
                if self.encoding == "time":
                    counts = self._scan(X2, lo)
                    if dense is not None:
                        np.minimum(X2, max_time, out=dense[lo : lo + X2.shape[0]])
                    yield X2, counts
                    continue
                counts = np.empty(X2.shape[0], dtype=np.int64)
                if self.encoding == "population":
                    self._scan(X2, lo)
                    T = (np.empty((X2.shape[0], n_out)) if dense is None
                         else dense[lo : lo + X2.shape[0]])
                    self._population_times(X2, x_lo, x_hi, T, counts)
                    yield T, counts
                    continue
                T = np.empty_like(X2)
                flags = np.empty(X2.shape[0], dtype=np.int64)
                _spikes.intensity_to_times(X2, x_lo, x_hi, max_time, T, counts, flags)
                if flags.any():
                    self._scan(X2, lo)  # raises for the NaN or infinite value
                if dense is not None:
                    np.minimum(T, max_time, out=dense[lo : lo + T.shape[0]])
                yield T, counts

        if dense is not None:
            for _ in timestamps():
                pass
            return wrap_dense_output(self, dense, X)
        arrays = _fill_blocks(n, timestamps(), max_time)
        return _to_csr(arrays, (n, n_out))

    def inverse_transform(self, X):
        """Decode a spike list back to dense samples.

        Parameters
        ----------
        X : sparse CSR matrix/array of shape (n_samples, n_features_out)
            A spike list (entries of a row in any order); with ``sparse_output=False``
            also this encoder's dense output (times, ``>= max_time`` for no spike).

        Returns
        -------
        X_dense : ndarray of shape (n_samples, d1, ..., dk), dtype float64
            Time mode: the spike times, ``max_time`` for inputs that do not fire.
            Intensity mode: ``x_min + (x_max - x_min) * (1 - t / max_time)``, ``x_min``
            for inputs that do not fire (values outside the range come back clipped).
            Population mode, approximate: each feature's value is solved from its two
            strongest fields (the Gaussian fields make this exact, to rounding, for
            values inside the training range whenever two fields fire; values outside
            come back clipped); the centre of the only field that fired when one did;
            ``x_min`` for features whose range is empty; NaN where none fired.
        """
        check_is_fitted(self)
        check_params(self)  # (set_params may have changed them since fit)
        width = int(self.n_fields) if self.encoding == "population" else 1
        n_out = self.n_features_in_ * width
        if not sp.issparse(X) and not self.sparse_output:
            # this encoder's dense output: times, max_time (or more) where no spike
            X = check_array(X, dtype=np.float64, ensure_all_finite=False)
            if X.shape[1] != n_out:
                raise ValueError(
                    f"X has {X.shape[1]} features, but {type(self).__name__}."
                    f"inverse_transform is expecting {n_out} features as input."
                )
            X = _to_csr(_spike_arrays_and_shape(X, float(self.max_time),
                                                whom=type(self).__name__)[0], X.shape)
        if not sp.issparse(X):
            raise TypeError(
                f"{type(self).__name__}.inverse_transform expects a sparse CSR spike list "
                f"X, got {type(X).__name__}: a dense array cannot tell a spike at t = 0 "
                "from no spike (dense times are read with sparse_output=False)."
            )
        if X.ndim != 2 or X.shape[1] != n_out:
            raise ValueError(
                f"X has {X.shape[-1]} features, but {type(self).__name__} is expecting "
                f"{n_out} features as input."
            )
        max_time = float(self.max_time)
        out = spikes_to_dense(X, max_time)
        if self.encoding == "intensity":
            # x = x_min + (x_max - x_min) * a, a = 1 - t / max_time, as
            # x_min * (1 - a) + x_max * a: no overflow where the range is wider than the
            # largest float, and x_max * a exactly for x_min = 0
            lo, hi = self._range()
            out /= max_time
            np.subtract(1.0, out, out=out)
            empty = ~(hi > lo)
            x = lo * (1.0 - out)
            out *= hi
            out += x
            out[:, empty] = lo[empty]
        elif self.encoding == "population":
            out = self._decode_population(out)
        return out.reshape((X.shape[0], *self.input_shape_))

    def _decode_population(self, times):
        """Feature values from the dense spike times of the population code."""
        m = int(self.n_fields)
        n, d = times.shape[0], self.n_features_in_
        r = 1.0 - times.reshape(n, d, m) / float(self.max_time)  # silent: 0
        k = np.argmax(r, axis=2)
        rows, cols = np.indices((n, d))
        r_k = r[rows, cols, k]
        left = np.where(k > 0, r[rows, cols, np.maximum(k - 1, 0)], 0.0)
        right = np.where(k < m - 1, r[rows, cols, np.minimum(k + 1, m - 1)], 0.0)
        step = np.where(right > left, 1, -1)
        r_b = np.maximum(left, right)
        with np.errstate(divide="ignore", invalid="ignore"):
            # two Gaussian responses of width w at centres a and b fix the position:
            # u = (a + b) / 2 + w**2 * (ln r_a - ln r_b) / (a - b)
            w2 = float(self.field_width) ** 2
            u = np.where(r_b > 0,
                         k + step / 2.0 + w2 * (np.log(r_k) - np.log(r_b)) / -step,
                         k.astype(np.float64))
        u[r_k <= 0] = np.nan
        lo, hi = self._range()
        a = u / (m - 1)
        x = lo * (1.0 - a) + hi * a  # (no overflow where the range is wider than floats)
        empty = ~(hi > lo)
        x[:, empty] = lo[empty]
        return np.clip(x, lo, np.maximum(hi, lo))

    def get_feature_names_out(self, input_features=None):
        """Names of the output inputs (spike-list columns).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; None: ``feature_names_in_`` if defined, else
            ``x0``, ``x1``, ...

        Returns
        -------
        feature_names_out : ndarray of str objects
            The input names (time and intensity modes), or, in population mode, one
            name per receptive field: ``<name>_f0`` to ``<name>_f<n_fields - 1>``,
            feature by feature.
        """
        names = super().get_feature_names_out(input_features)
        if self.encoding != "population":
            return names
        return np.asarray([f"{name}_f{k}" for name in names
                           for k in range(int(self.n_fields))], dtype=object)

    def __sklearn_tags__(self):
        """Declare dense input (non-negative in time mode) and float64 output."""
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = self.encoding == "time"
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
