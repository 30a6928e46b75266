"""The spike-list format: validation, canonical arrays, conversions and files.

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

:func:`save_spikes` and :func:`load_spikes` store spike lists (and labels) in ``.npz``
files read back without pickle. :class:`~spikencg.TTFSEncoder` (in
:mod:`spikencg.encoding`) makes spike lists from dense data.

The functions not in ``__all__`` are the package's internal interface to the format
(checks of the input, conversion block of rows by block of rows), used by the encoder,
the estimators and the pictures; they may change without notice.
"""

import math
import numbers

import numpy as np
import scipy.sparse as sp

from ._compat import check_array
from ._kernels import _spikes
from ._npz import array_summary, check_file_path, labels_to_store, open_npz

__all__ = [
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


def check_max_time(max_time):
    """Check the end of the time window.

    Parameters
    ----------
    max_time : object
        The value given.

    Returns
    -------
    max_time : float
        The value, a finite number > 0.

    Raises
    ------
    ValueError
        If ``max_time`` is not a finite real number > 0 (booleans included).
    """
    if (
        isinstance(max_time, bool)
        or not isinstance(max_time, numbers.Real)
        or not 0.0 < float(max_time) < math.inf
    ):
        raise ValueError(f"max_time must be a finite number > 0, got {max_time!r}.")
    return float(max_time)


def reject_sparse(X, whom):
    """Refuse sparse input where dense samples are expected.

    Parameters
    ----------
    X : object
        The input.
    whom : str
        The function or estimator named in the message.

    Raises
    ------
    TypeError
        If ``X`` is a scipy sparse matrix or array.
    """
    if sp.issparse(X):
        raise TypeError(
            f"{whom} does not accept sparse input X ({type(X).__name__}): it expects a "
            "dense array of shape (n_samples, d1, ...). Sparse data is not supported here."
        )


def flatten_samples(X, name="X"):
    """Flatten samples of several dimensions (images) to rows.

    Parameters
    ----------
    X : array-like of shape (n_samples, d1, ...)
        The samples; 2-D inputs are returned unchanged (so that data frames keep their
        column names), inputs of more dimensions are converted to ndarrays and
        reshaped.
    name : str, default="X"
        The input's name in error messages.

    Returns
    -------
    X2 : array-like of shape (n_samples, d1 * ... * dk)
        The samples as rows.
    sample_shape : tuple of int
        ``(d1, ..., dk)``.

    Raises
    ------
    ValueError
        If ``X`` has fewer than two dimensions.
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


def row_chunks(n_rows, n_features):
    """Split rows into blocks of bounded size, for conversion block by block.

    Parameters
    ----------
    n_rows, n_features : int
        Shape of the 2-D input.

    Returns
    -------
    ranges : list of (int, int)
        ``(lo, hi)`` row ranges of at most :data:`_CHUNK_VALUES` values each (one
        range, maybe empty, when there are few rows).
    """
    step = max(1, _CHUNK_VALUES // max(n_features, 1))
    return [(lo, min(n_rows, lo + step)) for lo in range(0, max(n_rows, 1), step)]


def row_block(X, lo, hi):
    """Take a block of rows of a 2-D array-like.

    Parameters
    ----------
    X : array-like of shape (n_rows, n_features)
        An array or a data frame (whose rows are taken by position).
    lo, hi : int
        The rows ``lo:hi``.

    Returns
    -------
    block : array-like
        The rows, ``X`` itself when they are all its rows.
    """
    if lo == 0 and hi >= X.shape[0]:
        return X
    return X.iloc[lo:hi] if hasattr(X, "iloc") else X[lo:hi]


def fill_blocks(n_rows, blocks, max_time):
    """Canonical spike arrays of dense timestamps given block of rows by block of rows.

    Each block's spikes are written straight into the output arrays, which grow as
    needed by reallocation (the operating system moves large blocks without copying
    them), then are trimmed to size: the output is not held twice, as joining per-block
    arrays would.

    Parameters
    ----------
    n_rows : int
        Rows in all the blocks together.
    blocks : iterable of (ndarray, ndarray)
        ``(T, counts)`` for consecutive blocks of rows: checked float64 C-contiguous
        timestamps (see :func:`scan_dense`) and their spike counts per row.
    max_time : float
        End of the time window; times ``>= max_time`` are not spikes.

    Returns
    -------
    indptr, indices, times : ndarrays
        As :func:`spike_arrays` returns them.
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


def writable(X):
    """Make sure an array is writable (the kernels are compiled for writable arrays).

    Parameters
    ----------
    X : ndarray
        The array.

    Returns
    -------
    X : ndarray
        ``X`` itself when it is writable, else a copy.
    """
    return X if X.flags.writeable else X.copy()


def _raise_for_flags(flags, *, name, whom, what, allow_posinf, offset=0):
    """Raise a ValueError describing the first problem reported by a scan kernel
    (``flags`` of rows ``offset``, ``offset + 1``, ... of the input)."""
    if flags.size == 0:
        return
    found = int(np.bitwise_or.reduce(flags))
    problems = (  # in the order of precedence
        (_spikes.FLAG_NAN, "Input {name} contains NaN (first in sample {row}): {what} must "
                           "be numbers >= 0."),
        (_spikes.FLAG_NEGINF, "Input {name} contains -inf (first in sample {row}): {what} "
                              "must be >= 0."),
        (_spikes.FLAG_NEG, "Negative values in data passed to {whom} as {name} (first in "
                           "sample {row}): {what} must be >= 0."),
        (0 if allow_posinf else _spikes.FLAG_POSINF,
         "Input {name} contains +inf (first in sample {row}): {what} must be finite (only "
         "spike times may be +inf, meaning 'no spike')."),
        (_spikes.FLAG_BAD_INDEX, "Input {name} stores input indices outside [0, "
                                 "n_features) (first in sample {row}): not a valid spike "
                                 "list."),
        (_spikes.FLAG_DUPLICATE, "Input {name} has more than one spike for the same input "
                                 "in a sample (first in sample {row}): an input fires at "
                                 "most once."),
    )
    for bit, message in problems:
        if found & bit:
            row = int(np.flatnonzero(flags & bit)[0]) + offset
            raise ValueError(message.format(name=name, whom=whom, what=what, row=row))


def scan_dense(X, max_time, *, name, whom, what, allow_posinf, offset=0):
    """Check dense timestamps (or values) and count their spikes.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_features), float64, C-contiguous, writable
        Rows ``offset``, ``offset + 1``, ... of the input.
    max_time : float
        End of the time window.
    name, whom, what : str
        The input's name, the function or estimator and what the values are, in the
        error messages.
    allow_posinf : bool
        Whether ``+inf`` is allowed (it is, for spike times: no spike).
    offset : int, default=0
        Number of the first row in the input, for the error messages.

    Returns
    -------
    counts : ndarray of shape (n_rows,), int64
        Spikes (values ``< max_time``) per row.

    Raises
    ------
    ValueError
        Naming the first row with NaN, ``-inf``, a negative value or (unless allowed)
        ``+inf``.
    """
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
    reject_sparse(X, whom)
    X2, _ = flatten_samples(X, name)
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
    return writable(X2)


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


def check_sparse_structure(X, name="X"):
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

    Parameters
    ----------
    X : object
        The input; anything but a scipy sparse matrix or array is not checked.
    name : str, default="X"
        The input's name in error messages.

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
    check_sparse_structure(X, name)
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


def float64_csr(X):
    """``X`` with float64 times when it is a CSR spike list of other real numbers, each
    row's entries kept in their order (scipy's ``astype``, which validation would use,
    also sorts each row by input index, so that a time-ordered spike list would be
    sorted back by time, in a second copy of all its spikes); anything else unchanged.

    Parameters
    ----------
    X : object

    Returns
    -------
    X : object
    """
    if (sp.issparse(X) and X.format == "csr" and X.dtype != np.float64
            and X.dtype.kind in "biuf"):
        return type(X)((X.data.astype(np.float64), X.indices, X.indptr), shape=X.shape)
    return X


def unchecked_csr_arrays(X):
    """The kernels' arrays of a CSR spike list, before the check of its spikes.

    For callers that check each block of rows with :func:`check_csr_rows` just before
    using it (in the same thread, so that the check runs in parallel with the work): the
    structure must have been checked (:func:`check_sparse_structure`) and the data be
    float64. Nothing is copied.

    Parameters
    ----------
    X : scipy.sparse CSR matrix or array of float64

    Returns
    -------
    arrays : tuple of (ndarray, ndarray, ndarray) or None
        ``(indptr, indices, times)``: int64, int32, float64; None when the rows cannot
        be checked block by block as they are (indices not int32, or many more inputs
        than stored entries): then use :func:`spike_arrays_and_shape`.
    """
    n, d = X.shape
    indptr = X.indptr
    nnz = int(indptr[-1]) if indptr.shape[0] else 0
    if (X.format != "csr" or X.indices.dtype != np.int32 or X.data.dtype != np.float64
            or 8 * d > max(_SCRATCH_BYTES // 64, 16 * nnz)):
        return None
    indptr = np.require(indptr, dtype=np.int64, requirements=["C", "A"])
    indices = np.require(X.indices[:nnz], requirements=["C", "A"])
    data = np.require(X.data[:nnz], requirements=["C", "A"])
    return indptr, indices, data


def check_csr_rows(arrays, n_features, max_time, lo, hi):
    """Whether rows ``lo:hi`` of :func:`unchecked_csr_arrays` are canonical spike lists
    (valid indices and times, no input twice, time-ordered, nothing at or after
    ``max_time``): the kernels may then read them as they are.

    Parameters
    ----------
    arrays : tuple of (ndarray, ndarray, ndarray)
    n_features : int
    max_time : float
    lo, hi : int
        The rows.

    Returns
    -------
    ok : bool
    """
    indptr, indices, times = arrays
    counts = np.empty(hi - lo, dtype=np.int64)
    flags = np.empty(hi - lo, dtype=np.int64)
    _spikes._scan_csr_seq(indptr[lo : hi + 1], indices, times, n_features, max_time,
                          counts, flags)
    return not flags.any()


def spike_arrays_and_shape(X, max_time, copy=True, offset=0, whom="spike_arrays", name="X"):
    """Canonical arrays and 2-D shape of a spike list or of dense timestamps.

    Dense timestamps are converted block of rows by block of rows (bounded scratch
    memory, see :func:`row_chunks`).

    Parameters
    ----------
    X : sparse CSR matrix/array or array-like of shape (n_samples, d1, ...)
        As :func:`spike_arrays` takes it.
    max_time : float
        End of the time window, > 0.
    copy : bool, default=True
        As in :func:`spike_arrays`.
    offset : int, default=0
        Number of the first row of ``X`` in the caller's input, for the error messages.
    whom : str, default="spike_arrays"
        The function or estimator named in error messages.
    name : str, default="X"
        The input's name in error messages.

    Returns
    -------
    arrays : tuple of (ndarray, ndarray, ndarray)
        ``(indptr, indices, times)``, as :func:`spike_arrays` returns them.
    shape : tuple of (int, int)
        ``(n_samples, n_features)``, samples flattened.
    """
    max_time = check_max_time(max_time)
    if sp.issparse(X):
        arrays = _csr_arrays(X, max_time, copy=copy, whom=whom, name=name)
        return arrays, X.shape
    reject_sparse(X, whom)
    X2, _ = flatten_samples(X, name)

    def blocks():
        for lo, hi in row_chunks(X2.shape[0], X2.shape[1]):
            T = _check_dense_times(row_block(X2, lo, hi), whom=whom, name=name)
            yield T, scan_dense(T, max_time, name=name, whom=whom,
                                 what="spike times", allow_posinf=True, offset=offset + lo)

    return fill_blocks(X2.shape[0], blocks(), max_time), tuple(X2.shape)


def to_csr(arrays, shape):
    """Build the spike list of canonical arrays (without copying them).

    Parameters
    ----------
    arrays : tuple of (ndarray, ndarray, ndarray)
        ``(indptr, indices, times)``, as :func:`spike_arrays` returns them.
    shape : tuple of (int, int)
        ``(n_samples, n_features)``.

    Returns
    -------
    X : scipy.sparse.csr_matrix
        The spike list, entries in the order of the arrays, spikes at ``t = 0`` kept.
    """
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
        Either a spike list (CSR, see :mod:`spikencg.spikes`; the entries of a row may
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
    >>> from spikencg.spikes import spike_arrays
    >>> indptr, indices, times = spike_arrays(np.array([[0.5, 0.0, 2.0]]))
    >>> indptr, indices, times
    (array([0, 2]), array([1, 0], dtype=int32), array([0. , 0.5]))
    """
    arrays, _ = spike_arrays_and_shape(X, max_time, copy=copy)
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
    spikencg.TTFSEncoder : The same as a scikit-learn transformer, with intensity and
        population modes.

    Examples
    --------
    >>> import numpy as np
    >>> from spikencg.spikes import spikes_from_dense
    >>> X = spikes_from_dense(np.array([[0.5, 0.0, np.inf]]))
    >>> X.indices, X.data
    (array([1, 0], dtype=int32), array([0. , 0.5]))
    """
    reject_sparse(times, "spikes_from_dense")
    arrays, shape = spike_arrays_and_shape(times, max_time)
    return to_csr(arrays, shape)


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
    >>> from spikencg.spikes import spikes_from_dense, spikes_to_dense
    >>> spikes_to_dense(spikes_from_dense(np.array([[0.5, 0.0, np.inf]])))
    array([[0.5, 0. , 1. ]])
    """
    if not sp.issparse(X):
        raise TypeError(
            "spikes_to_dense expects a sparse CSR spike list X, got "
            f"{type(X).__name__}: a dense array cannot tell a spike at t = 0 from no spike."
        )
    max_time = check_max_time(max_time)
    indptr, indices, times = _csr_arrays(X, max_time)
    out = np.empty(X.shape, dtype=np.float64)
    _spikes.to_dense(indptr, indices, times, max_time, out)
    return out


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
    check_file_path(path, "spikes.npz")
    max_time = check_max_time(max_time)
    (indptr, indices, times), shape = spike_arrays_and_shape(X, max_time)
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
        contents["y"] = labels_to_store(y, shape[0])
    (np.savez_compressed if compressed else np.savez)(path, **contents)


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
    f, corrupt = open_npz(
        path, _FORMAT_NAME, "spike", "save_spikes", version=_FORMAT_VERSION,
        required=("shape", "max_time", "indptr", "indices", "times"),
    )
    shape, max_time = f["shape"], f["max_time"]
    if shape.shape != (2,) or shape.dtype.kind not in "iu":
        raise ValueError(
            f"{corrupt}: 'shape' must hold 2 integers, got {array_summary(shape)}."
        )
    shape = (int(shape[0]), int(shape[1]))
    if max_time.ndim != 0 or max_time.dtype.kind not in "iuf":
        raise ValueError(
            f"{corrupt}: 'max_time' must be a number, got {array_summary(max_time)}."
        )
    max_time = float(max_time)
    try:
        X = sp.csr_matrix((f["times"], f["indices"], f["indptr"]), shape=shape)
        X = to_csr(_csr_arrays(X, check_max_time(max_time)), shape)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{corrupt}: {exc}") from exc
    y = f.get("y")
    if y is not None and (y.ndim == 0 or y.shape[0] != shape[0]):
        raise ValueError(
            f"{corrupt}: 'y' must hold one label per sample ({shape[0]}), got "
            f"{array_summary(y)}."
        )
    return X, y, max_time

