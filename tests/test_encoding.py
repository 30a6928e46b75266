"""Tests of spikencg.encoding (TTFSEncoder) and spikencg.spikes (the spike-list format)."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_digits
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_validate,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.utils import _safe_indexing, check_array
from sklearn.utils.estimator_checks import parametrize_with_checks

from spikencg.encoding import TTFSEncoder
from spikencg.spikes import (
    load_spikes,
    save_spikes,
    spike_arrays,
    spikes_from_dense,
    spikes_to_dense,
)


def test_format_functions_still_importable_from_encoding():
    # the spike-list format moved to spikencg.spikes; the names of encoding's __all__
    # stay importable from there (the same objects), and from the package
    import spikencg
    from spikencg import encoding, spikes

    for name in spikes.__all__:
        assert name in encoding.__all__
        assert getattr(encoding, name) is getattr(spikes, name)
        if name != "spike_arrays":
            assert getattr(spikencg, name) is getattr(spikes, name)


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def random_times(rng, n=40, d=30, max_time=1.0, p_silent=0.4, grid=8):
    """Timestamps on a coarse grid (many ties), some +inf, some >= max_time, some 0."""
    T = np.floor(rng.random((n, d)) * grid) / grid * max_time
    T[rng.random((n, d)) < p_silent] = np.inf
    T[rng.random((n, d)) < 0.05] = max_time * 1.5
    return T


def assert_rows_time_ordered(X):
    """Each row's entries sorted by (time, input index)."""
    for r in range(X.shape[0]):
        t = X.data[X.indptr[r] : X.indptr[r + 1]]
        i = X.indices[X.indptr[r] : X.indptr[r + 1]]
        order = np.lexsort((i, t))
        np.testing.assert_array_equal(order, np.arange(t.size))


def expected_dense(T, max_time=1.0):
    return np.where(T < max_time, T, max_time)


def shuffled_rows(X, rng):
    """The same spike list with each row's entries in random order."""
    X = X.copy()
    for r in range(X.shape[0]):
        sl = slice(X.indptr[r], X.indptr[r + 1])
        perm = rng.permutation(X.indptr[r + 1] - X.indptr[r])
        X.indices[sl] = X.indices[sl][perm]
        X.data[sl] = X.data[sl][perm]
    return X


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)


# --------------------------------------------------------------------------------------
# the spike-list format
# --------------------------------------------------------------------------------------


def test_spikes_from_dense_small_example():
    T = np.array([[0.5, 0.0, np.inf, 0.5, 0.2], [1.0, 2.0, 0.9, 0.0, -0.0]])
    X = spikes_from_dense(T)
    assert isinstance(X, sp.csr_matrix)
    assert X.dtype == np.float64
    assert X.shape == (2, 5)
    np.testing.assert_array_equal(X.indptr, [0, 4, 7])
    np.testing.assert_array_equal(X.indices, [1, 4, 0, 3, 3, 4, 2])
    np.testing.assert_array_equal(X.data, [0.0, 0.2, 0.5, 0.5, 0.0, 0.0, 0.9])
    assert X.nnz == 7  # the explicit zeros (t = 0) are stored
    assert not np.signbit(X.data).any()  # -0.0 stored as 0.0
    np.testing.assert_array_equal(spikes_to_dense(X), expected_dense(T))


def test_rows_time_ordered_and_silent_samples():
    rng = np.random.default_rng(0)
    T = random_times(rng)
    T[3] = np.inf  # a sample with no spike at all
    X = spikes_from_dense(T)
    assert_rows_time_ordered(X)
    assert X.indptr[4] == X.indptr[3]
    np.testing.assert_array_equal(np.diff(X.indptr), (T < 1.0).sum(axis=1))
    np.testing.assert_array_equal(spikes_to_dense(X), expected_dense(T))


def test_empty_batch():
    X = spikes_from_dense(np.empty((0, 4)))
    assert X.shape == (0, 4) and X.nnz == 0
    indptr, indices, times = spike_arrays(X)
    np.testing.assert_array_equal(indptr, [0])
    assert indices.size == times.size == 0


def test_nd_input_is_flattened_row_major():
    rng = np.random.default_rng(1)
    T = random_times(rng, n=5, d=12).reshape(5, 3, 4)
    X = spikes_from_dense(T)
    assert X.shape == (5, 12)
    np.testing.assert_array_equal(spikes_to_dense(X), expected_dense(T.reshape(5, 12)))


@pytest.mark.parametrize("max_time", [0.5, 1.0, 255.0])
def test_max_time(max_time):
    T = np.array([[0.0, max_time * 0.999, max_time, max_time * 2, np.inf]])
    X = spikes_from_dense(T, max_time=max_time)
    np.testing.assert_array_equal(X.indices, [0, 1])
    np.testing.assert_array_equal(
        spikes_to_dense(X, max_time=max_time), expected_dense(T, max_time)
    )


def _zero_count(X):
    return int(np.sum(X.data == 0))


def test_explicit_zeros_survive_row_indexing():
    rng = np.random.default_rng(2)
    T = random_times(rng, n=30, d=10)
    T[:, 0] = 0.0  # every sample has at least one spike at t = 0
    X = spikes_from_dense(T)
    idx = rng.permutation(30)[:17]
    mask = np.zeros(30, dtype=bool)
    mask[idx] = True
    expected = expected_dense(T)
    for sub, rows in [
        (X[idx], idx),
        (X[5:20], np.arange(5, 20)),
        (X[mask], np.flatnonzero(mask)),
        (_safe_indexing(X, idx), idx),
        (_safe_indexing(X, mask), np.flatnonzero(mask)),
        (_safe_indexing(X, list(idx)), idx),
        (sp.csr_array(X)[idx], idx),
        (train_test_split(X, np.arange(30), random_state=0)[0], None),
    ]:
        if rows is None:  # train_test_split: the second output gives the rows
            rows = train_test_split(X, np.arange(30), random_state=0)[2]
        assert _zero_count(sub) == np.sum(T[rows] == 0)
        assert_rows_time_ordered(sub)
        np.testing.assert_array_equal(spikes_to_dense(sub), expected[rows])


class _SpikeProbe(ClassifierMixin, BaseEstimator):
    """Records the dense times and the number of t = 0 spikes of what fit receives."""

    def __init__(self, c=1):
        self.c = c

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.seen_ = spikes_to_dense(X)
        self.n_zero_ = _zero_count(X)
        self.ordered_ = bool(
            all(
                np.all(np.diff(X.data[X.indptr[r] : X.indptr[r + 1]]) >= 0)
                for r in range(X.shape[0])
            )
        )
        return self

    def predict(self, X):
        return np.full(X.shape[0], self.classes_[0])


def test_explicit_zeros_survive_cross_validation():
    rng = np.random.default_rng(3)
    T = random_times(rng, n=60, d=8)
    T[:, 2] = 0.0
    y = np.repeat([0, 1, 2], 20)
    X = spikes_from_dense(T)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    res = cross_validate(_SpikeProbe(), X, y, cv=cv, return_estimator=True, return_indices=True)
    for est, train in zip(res["estimator"], res["indices"]["train"], strict=True):
        np.testing.assert_array_equal(est.seen_, expected_dense(T[train]))
        assert est.n_zero_ == np.sum(T[train] == 0)
        assert est.ordered_
    # the same through a pipeline that encodes inside each fold
    pipe = make_pipeline(TTFSEncoder(), _SpikeProbe())
    res = cross_validate(pipe, T, y, cv=cv, return_estimator=True, return_indices=True)
    for est, train in zip(res["estimator"], res["indices"]["train"], strict=True):
        assert est[-1].n_zero_ == np.sum(T[train] == 0)
    # and a grid search refitted on everything
    gs = GridSearchCV(_SpikeProbe(), {"c": [1, 2]}, cv=cv).fit(X, y)
    assert gs.best_estimator_.n_zero_ == np.sum(T == 0)
    np.testing.assert_array_equal(gs.best_estimator_.seen_, expected_dense(T))


# --------------------------------------------------------------------------------------
# spike_arrays
# --------------------------------------------------------------------------------------


def _assert_canonical(arrays, n):
    indptr, indices, times = arrays
    assert indptr.dtype == np.int64 and indptr.shape == (n + 1,)
    assert indices.dtype == np.int32 and times.dtype == np.float64
    for a in arrays:
        assert a.flags.c_contiguous and a.flags.writeable


def test_spike_arrays_csr_shuffled_equals_dense():
    rng = np.random.default_rng(4)
    T = random_times(rng, n=50, d=40)
    from_dense = spike_arrays(T)
    _assert_canonical(from_dense, 50)
    X = spikes_from_dense(T)
    Xs = shuffled_rows(X, rng)
    X_colsorted = X.copy()
    X_colsorted.sort_indices()
    # check_array with a dtype conversion returns column-sorted rows (scipy's astype)
    X_checked = check_array(X, accept_sparse="csr", dtype=np.float32)
    assert _zero_count(X_checked) == np.sum(T == 0)
    for variant in [X, Xs, X_colsorted, sp.csr_array(Xs), X_checked]:
        got = spike_arrays(variant)
        _assert_canonical(got, 50)
        for a, b in zip(got, from_dense, strict=True):
            np.testing.assert_array_equal(a, b)


def test_spike_arrays_drops_late_entries_of_csr():
    # stored entries at or after max_time (+inf included) are not spikes
    X = sp.csr_matrix(
        (np.array([np.inf, 0.3, 1.0, 0.0, 7.0]), np.array([0, 1, 2, 3, 4]), np.array([0, 3, 5])),
        shape=(2, 5),
    )
    indptr, indices, times = spike_arrays(X)
    np.testing.assert_array_equal(indptr, [0, 1, 2])
    np.testing.assert_array_equal(indices, [1, 3])
    np.testing.assert_array_equal(times, [0.3, 0.0])
    np.testing.assert_array_equal(
        spikes_to_dense(X), [[1.0, 0.3, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.0, 1.0]]
    )


def test_spike_arrays_int64_indices_and_no_shared_memory():
    rng = np.random.default_rng(5)
    X = spikes_from_dense(random_times(rng, n=10, d=6))
    X64 = sp.csr_matrix(
        (X.data, X.indices.astype(np.int64), X.indptr.astype(np.int64)), shape=X.shape
    )
    X64.indices = X64.indices.astype(np.int64)  # scipy may have downcast them
    got = spike_arrays(X64)
    _assert_canonical(got, 10)
    for a, b in zip(got, spike_arrays(X), strict=True):
        np.testing.assert_array_equal(a, b)
    indptr, indices, times = spike_arrays(X)
    assert not np.shares_memory(indices, X.indices)
    assert not np.shares_memory(times, X.data)


def test_spike_arrays_read_only_input():
    T = np.array([[0.25, 0.0, np.inf]])
    T.flags.writeable = False
    _assert_canonical(spike_arrays(T), 1)
    X = spikes_from_dense(T)
    X.data.flags.writeable = False
    _assert_canonical(spike_arrays(X), 1)


def test_parallel_and_sequential_kernels_agree(monkeypatch, digits):

    rng = np.random.default_rng(10)
    T = random_times(rng, n=64, d=50)
    T[5, 3] = 1.5
    csr = shuffled_rows(spikes_from_dense(T), rng)
    csr.data[csr.indptr[7]] = np.inf  # a stored entry to drop
    X_digits, _ = digits

    def run():
        enc = TTFSEncoder(encoding="intensity", per_feature=True).fit(X_digits)
        S = enc.transform(X_digits)
        return [
            *spike_arrays(T),
            *spike_arrays(csr),
            spikes_to_dense(csr),
            S.indptr,
            S.indices,
            S.data,
            enc.inverse_transform(S),
        ]

    sequential = run()
    from spikencg import _parallel

    monkeypatch.setattr(_parallel, "PARALLEL_MIN_NS", 0)
    monkeypatch.setenv("SPIKENCG_NUM_THREADS", "2")
    parallel = run()
    for a, b in zip(sequential, parallel, strict=True):
        np.testing.assert_array_equal(a, b)


def _reference_csr_flags(indptr, indices, data, d, max_time):
    """Per-row spike counts and FLAG_* bits of a CSR list, by their definitions."""
    from spikencg._kernels import _spikes as k

    counts, flags = [], []
    for r in range(len(indptr) - 1):
        f, kept, seen, prev = 0, 0, set(), None
        for j, v in zip(indices[indptr[r]:indptr[r + 1]], data[indptr[r]:indptr[r + 1]],
                        strict=True):
            if not 0 <= j < d:
                f |= k.FLAG_BAD_INDEX
                continue
            if j in seen:
                f |= k.FLAG_DUPLICATE
            seen.add(j)
            if np.isnan(v):
                f |= k.FLAG_NAN
            elif v < 0:
                f |= k.FLAG_NEGINF if v == -np.inf else k.FLAG_NEG
            elif v < max_time:
                if prev is not None and (v < prev[0] or (v == prev[0] and j < prev[1])):
                    f |= k.FLAG_UNSORTED
                prev = (v, j)
                kept += 1
            else:
                f |= k.FLAG_DROPPED | (k.FLAG_POSINF if v == np.inf else 0)
        counts.append(kept)
        flags.append(f)
    return np.array(counts), np.array(flags)


@pytest.mark.parametrize("n_chunks", [1, 3])
def test_csr_scan_flags_every_kind_of_row(monkeypatch, n_chunks):
    # the scan tests rows in a vectorised fast pass and re-scans the others entry by
    # entry: both must give the definition's counts and flags, for each kind of row
    from spikencg import _parallel
    from spikencg._kernels import _spikes

    monkeypatch.setattr(_parallel, "PARALLEL_MIN_NS", 0)
    monkeypatch.setenv("SPIKENCG_NUM_THREADS", "2")
    rng = np.random.default_rng(11)
    d, max_time = 40, 1.0
    rows = []
    for r in range(300):
        m = int(rng.integers(0, 12))
        idx = rng.choice(d, m, replace=False).astype(np.int64)
        t = np.sort(np.floor(rng.random(m) * 6) / 6)  # ties on a coarse grid
        order = np.lexsort((idx, t))
        idx, t = idx[order], t[order]
        kind = r % 12
        if m >= 2 and kind == 1:
            idx[-1] = idx[0]  # a duplicate (rows stay time-ordered)
        elif m >= 2 and kind == 2:
            t, idx = t[::-1].copy(), idx[::-1].copy()  # reversed
        elif m >= 2 and kind == 3:
            t[1] = t[0]
            idx[:2] = np.sort(idx[:2])[::-1]  # a tie in decreasing index order
        elif m >= 1 and kind == 4:
            t[-1] = max_time  # a stored entry at max_time: dropped
        elif m >= 1 and kind == 5:
            t[-1] = np.inf
        elif m >= 1 and kind == 6:
            t[int(rng.integers(m))] = np.nan
        elif m >= 1 and kind == 7:
            t[0] = -0.25
        elif m >= 1 and kind == 8:
            t[0] = -np.inf
        elif m >= 1 and kind == 9:
            idx[-1] = d if r % 2 else -1  # an index out of range
        elif m >= 1 and kind == 10:
            t[0] = -0.0  # a spike at t = 0
        rows.append((idx, t))
    indptr = np.concatenate([[0], np.cumsum([len(i) for i, _ in rows])]).astype(np.int64)
    indices = np.concatenate([i for i, _ in rows]).astype(np.int32)
    data = np.concatenate([t for _, t in rows])
    counts = np.empty(len(rows), dtype=np.int64)
    flags = np.empty(len(rows), dtype=np.int64)
    _spikes.scan_csr(indptr, indices, data, d, max_time, n_chunks, counts, flags)
    ref_counts, ref_flags = _reference_csr_flags(indptr, indices, data, d, max_time)
    assert len(np.unique(ref_flags)) >= 10  # the kinds of rows were made
    np.testing.assert_array_equal(flags, ref_flags)
    ok = (ref_flags & ~(_spikes.FLAG_UNSORTED | _spikes.FLAG_DROPPED | _spikes.FLAG_POSINF)) == 0
    np.testing.assert_array_equal(counts[ok], ref_counts[ok])


@pytest.mark.parametrize(
    "kind",
    ["uniform", "coarse grid", "crowded", "tiny span", "few ulps", "all tied", "long rows"],
)
def test_rows_are_sorted_like_lexsort(kind):
    # spike_arrays sorts unsorted rows (bins of equal time spans, each sorted by
    # insertion or, when crowded, merge sort): every distribution of times must come out
    # in exact (time, input index) order
    rng = np.random.default_rng(12)
    d = 4000 if kind == "long rows" else 300
    n = 30
    T = {
        "uniform": lambda: rng.random((n, d)),
        "coarse grid": lambda: np.floor(rng.random((n, d)) * 5) / 5,
        "crowded": lambda: rng.exponential(1e-3, (n, d)) ** 3,
        "tiny span": lambda: rng.integers(0, 40, (n, d)) * 5e-324,  # subnormal times
        "few ulps": lambda: 0.5 + rng.integers(0, 40, (n, d)) * 2.0**-53,
        "all tied": lambda: np.full((n, d), 0.25),
        "long rows": lambda: rng.random((n, d)) ** 4,
    }[kind]()
    T[rng.random((n, d)) < 0.3] = np.inf
    csr = shuffled_rows(spikes_from_dense(T), rng)  # rows in random order
    for X in (T, csr):
        indptr, indices, times = spike_arrays(X)
        for r in range(n):
            cols = np.flatnonzero(np.isfinite(T[r]))
            order = np.lexsort((cols, T[r, cols]))
            np.testing.assert_array_equal(indices[indptr[r]:indptr[r + 1]], cols[order])
            np.testing.assert_array_equal(times[indptr[r]:indptr[r + 1]], T[r, cols[order]])


@pytest.mark.parametrize(
    "params",
    [dict(), dict(encoding="intensity"), dict(encoding="intensity", per_feature=False),
     dict(encoding="population", n_fields=3)],
)
def test_block_by_block_conversion_equals_one_block(digits, monkeypatch, params):
    # dense input is converted a block of rows at a time (bounded memory): the same
    # encoder, spike lists and error messages as in one block
    from spikencg import spikes

    X, _ = digits
    if "encoding" not in params:
        X = np.where(X > 0, 1.0 - X / 16.0, np.inf)
    X3 = X.reshape(-1, 8, 8)
    ref_enc = TTFSEncoder(**params).fit(X3)
    ref = ref_enc.transform(X3)
    ref_arrays = spike_arrays(X) if "encoding" not in params else None
    monkeypatch.setattr(spikes, "_CHUNK_VALUES", 7 * 64)  # blocks of 7 rows
    enc = TTFSEncoder(**params).fit(X3)
    if "encoding" in params:
        np.testing.assert_array_equal(enc.x_min_, ref_enc.x_min_)
        np.testing.assert_array_equal(enc.x_max_, ref_enc.x_max_)
    for out in (enc.transform(X3), ref_enc.transform(X3), enc.transform(X)):
        assert out.shape == ref.shape
        np.testing.assert_array_equal(out.indptr, ref.indptr)
        np.testing.assert_array_equal(out.indices, ref.indices)
        np.testing.assert_array_equal(out.data, ref.data)
    if ref_arrays is not None:
        for a, b in zip(spike_arrays(X), ref_arrays, strict=True):
            np.testing.assert_array_equal(a, b)
        assert (spikes_from_dense(X3) != ref).nnz == 0
    bad = X.copy()
    # (negative values are errors only as times; NaN everywhere)
    bad[250, 5] = -1.0 if "encoding" not in params else np.nan
    with pytest.raises(ValueError, match="first in sample 250"):
        enc.transform(bad)
    with pytest.raises(ValueError, match="first in sample 250"):
        TTFSEncoder(**params).fit(bad)
    if ref_arrays is not None:
        with pytest.raises(ValueError, match="first in sample 250"):
            spike_arrays(bad)


def test_data_frame_blocks(digits, monkeypatch):
    pd = pytest.importorskip("pandas")
    from spikencg import spikes

    X, _ = digits
    df = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)], index=np.arange(64, 64 + len(X)))
    ref = TTFSEncoder(encoding="intensity").fit(df).transform(df)
    monkeypatch.setattr(spikes, "_CHUNK_VALUES", 100 * 64)
    enc = TTFSEncoder(encoding="intensity").fit(df)
    np.testing.assert_array_equal(enc.feature_names_in_, df.columns)
    assert (enc.transform(df) != ref).nnz == 0
    with pytest.raises(ValueError, match="feature names"):
        enc.transform(df.rename(columns={"px3": "other"}))


def test_spike_arrays_large_batch_is_fast():
    # a third of MNIST (784 inputs, ~150 spikes per sample on an 8-bit time grid)
    import time

    rng = np.random.default_rng(6)
    n, d = 20000, 784
    T = np.full((n, d), np.inf)
    rows = np.repeat(np.arange(n), 150)
    cols = rng.integers(0, d, size=rows.size)
    T[rows, cols] = rng.integers(0, 256, size=rows.size) / 256
    spike_arrays(T[:1000])  # compile (the parallel variant) or load from the cache
    start = time.perf_counter()
    indptr, indices, times = spike_arrays(T)
    elapsed = time.perf_counter() - start
    assert indptr[-1] == np.sum(T < 1.0)
    # generous bound (about 0.1 s on an idle 2-core machine): the check is about gross
    # slowness such as a Python loop over samples, not timing
    assert elapsed < 2.0, elapsed


# --------------------------------------------------------------------------------------
# errors of the helpers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, match",
    [
        (np.nan, "Input X contains NaN"),
        (-0.5, "Negative values in data passed to spike_arrays as X"),
        (-np.inf, r"Input X contains -inf"),
    ],
)
def test_spike_arrays_bad_values(value, match):
    T = np.array([[0.1, 0.2], [0.3, 0.4]])
    T[1, 0] = value
    with pytest.raises(ValueError, match=match):
        spike_arrays(T)
    with pytest.raises(ValueError, match=match):
        spikes_from_dense(T)
    X = sp.csr_matrix((T.ravel(), np.tile([0, 1], 2), [0, 2, 4]), shape=(2, 2))
    with pytest.raises(ValueError, match=match):
        spike_arrays(X)
    with pytest.raises(ValueError, match=match):
        spikes_to_dense(X)


def test_spike_arrays_malformed_csr():
    dup = sp.csr_matrix((np.array([0.1, 0.2]), np.array([1, 1]), np.array([0, 2])), shape=(1, 3))
    with pytest.raises(ValueError, match="more than one spike for the same input"):
        spike_arrays(dup)
    bad = sp.csr_matrix((np.array([0.1]), np.array([0]), np.array([0, 1])), shape=(1, 3))
    bad.indices[0] = 5
    with pytest.raises(ValueError, match=r"input indices outside \[0, n_features\)"):
        spike_arrays(bad)
    bad_ptr = sp.csr_matrix(
        (np.array([0.1, 0.2]), np.array([0, 1]), np.array([0, 1, 2])), shape=(2, 3)
    )
    bad_ptr.indptr[1] = 3
    with pytest.raises(ValueError, match="invalid index pointer"):
        spike_arrays(bad_ptr)
    with pytest.raises(TypeError, match="CSR spike list"):
        spike_arrays(sp.coo_matrix(np.eye(2)))


@pytest.mark.parametrize("max_time", [0, -1.0, np.inf, np.nan, "1", True])
def test_bad_max_time(max_time):
    with pytest.raises(ValueError, match="max_time must be a finite number > 0"):
        spike_arrays(np.zeros((1, 2)), max_time=max_time)


def test_helpers_shape_and_type_errors():
    with pytest.raises(ValueError, match=r"shape \(n_samples, d1, \.\.\.\)"):
        spikes_from_dense(np.array([0.1, 0.2]))
    with pytest.raises(TypeError, match="sparse"):
        spikes_from_dense(sp.csr_matrix(np.eye(2)))
    with pytest.raises(TypeError, match="cannot tell a spike at t = 0 from no spike"):
        spikes_to_dense(np.eye(2))


# --------------------------------------------------------------------------------------
# TTFSEncoder
# --------------------------------------------------------------------------------------


def test_time_mode_round_trip_is_exact():
    rng = np.random.default_rng(7)
    max_time = 2.5
    T = random_times(rng, max_time=max_time).astype(np.float32)  # float32 input
    T[0, :3] = [0.0, np.nextafter(np.float32(max_time), np.float32(0)), max_time]
    enc = TTFSEncoder(max_time=max_time).fit(T)
    assert enc.x_max_ is None
    X = enc.transform(T)
    assert isinstance(X, sp.csr_matrix) and X.dtype == np.float64
    assert_rows_time_ordered(X)
    back = enc.inverse_transform(X)
    assert back.dtype == np.float64
    np.testing.assert_array_equal(back, expected_dense(T.astype(np.float64), max_time))


def test_nd_samples():
    rng = np.random.default_rng(8)
    T = random_times(rng, n=6, d=12).reshape(6, 4, 3)
    enc = TTFSEncoder().fit(T)
    assert enc.n_features_in_ == 12
    assert enc.input_shape_ == (4, 3)
    X = enc.transform(T)
    assert X.shape == (6, 12)
    # flattened samples are accepted too
    assert (enc.transform(T.reshape(6, 12)) != X).nnz == 0
    np.testing.assert_array_equal(enc.inverse_transform(X), expected_dense(T))
    with pytest.raises(ValueError, match=r"X has samples of shape \(3, 4\).*\(4, 3\)"):
        enc.transform(T.reshape(6, 3, 4))
    with pytest.raises(ValueError, match="X has 11 features, but TTFSEncoder is expecting 12"):
        enc.transform(T.reshape(6, 12)[:, :11])
    with pytest.raises(ValueError, match="X has 5 features, but TTFSEncoder is expecting 12"):
        enc.inverse_transform(sp.csr_matrix((6, 5)))
    names = enc.get_feature_names_out()
    assert list(names) == [f"x{i}" for i in range(12)]


def test_intensity_mode_on_digits(digits):
    X, _ = digits
    enc = TTFSEncoder(encoding="intensity", per_feature=False).fit(X)
    assert enc.x_max_ == 16.0
    S = enc.transform(X)
    assert_rows_time_ordered(S)
    assert S.nnz == np.count_nonzero(X)  # intensity 0 never fires
    assert _zero_count(S) == np.sum(X == 16)  # x_max fires at t = 0
    dense = spikes_to_dense(S)
    np.testing.assert_allclose(dense, 1.0 - X / 16.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(enc.inverse_transform(S), X, rtol=0, atol=1e-12)
    # images as 8 x 8 samples
    enc2 = TTFSEncoder(encoding="intensity", max_time=4.0, per_feature=False).fit(
        X.reshape(-1, 8, 8))
    S2 = enc2.transform(X.reshape(-1, 8, 8))
    np.testing.assert_array_equal(S2.indices, S.indices)
    back = enc2.inverse_transform(S2)
    assert back.shape == (X.shape[0], 8, 8)
    np.testing.assert_allclose(back.reshape(X.shape), X, rtol=0, atol=1e-12)


def test_intensity_clipping_and_fixed_x_max():
    # x_min=0: the classic latency code t = max_time * (1 - x / x_max)
    enc = TTFSEncoder(encoding="intensity", x_min=0, x_max=10.0, max_time=2.0).fit(
        [[1.0, 2.0]])
    assert enc.x_max_ == 10.0
    assert enc.x_min_ == 0.0
    S = enc.transform([[5.0, 25.0]])
    np.testing.assert_array_equal(S.toarray(), [[1.0, 0.0]])
    assert S.nnz == 2  # the clipped intensity fires at t = 0
    np.testing.assert_array_equal(enc.inverse_transform(S), [[5.0, 10.0]])
    # learned x_max: larger intensities at transform clip to t = 0 as well
    enc = TTFSEncoder(encoding="intensity", x_min=0).fit([[1.0, 4.0]])
    S = enc.transform([[8.0, 0.0]])
    np.testing.assert_array_equal(S.indices, [0])
    np.testing.assert_array_equal(S.data, [0.0])


def test_per_feature(digits):
    X, _ = digits
    enc = TTFSEncoder(encoding="intensity", per_feature=True).fit(X)
    np.testing.assert_array_equal(enc.x_max_, X.max(axis=0))
    assert enc.x_max_.shape == (64,)
    S = enc.transform(X)
    silent = np.flatnonzero(X.max(axis=0) == 0)
    assert silent.size > 0
    assert not np.isin(S.indices, silent).any()
    # a feature that was always 0 in training never fires, whatever its value later
    X_big = X.copy()
    X_big[:, silent] = 5.0
    assert not np.isin(enc.transform(X_big).indices, silent).any()
    fires = X.max(axis=0) > 0
    np.testing.assert_allclose(enc.inverse_transform(S)[:, fires], X[:, fires], atol=1e-12)
    # nd samples: x_max_ has the shape of a sample
    enc2 = TTFSEncoder(encoding="intensity", per_feature=True).fit(X.reshape(-1, 8, 8))
    assert enc2.x_max_.shape == (8, 8)
    np.testing.assert_array_equal(enc2.x_max_.ravel(), enc.x_max_)
    assert (enc2.transform(X.reshape(-1, 8, 8)) != S).nnz == 0


def test_all_zero_training_data_never_spikes():
    enc = TTFSEncoder(encoding="intensity", per_feature=False).fit(np.zeros((3, 4)))
    assert enc.x_max_ == 0.0
    S = enc.transform(np.ones((2, 4)))
    assert S.nnz == 0
    np.testing.assert_array_equal(enc.inverse_transform(S), np.zeros((2, 4)))


# --------------------------------------------------------------------------------------
# intensity over a learned range; population coding
# --------------------------------------------------------------------------------------


def test_intensity_learns_each_features_range():
    X = np.array([[-3.0, 10.0, 5.0], [1.0, 20.0, 5.0], [-1.0, 15.0, 5.0]])
    enc = TTFSEncoder(encoding="intensity", max_time=2.0).fit(X)
    np.testing.assert_array_equal(enc.x_min_, [-3.0, 10.0, 5.0])
    np.testing.assert_array_equal(enc.x_max_, [1.0, 20.0, 5.0])
    T = enc.transform(X).toarray()
    # max -> t = 0, min -> no spike (stored nowhere), between: linear; a constant
    # feature never fires
    np.testing.assert_allclose(T[:, 0], [0.0, 0.0, 1.0])
    np.testing.assert_allclose(T[:, 1], [0.0, 0.0, 1.0])
    S = enc.transform(X)
    assert S.nnz == 4 and _zero_count(S) == 2
    assert not np.isin(S.indices, [2]).any()
    # unseen values outside the range: clipped (never an error)
    S = enc.transform([[-50.0, 1e9, 6.0], [1e-300, 12.0, -1e300]])
    np.testing.assert_array_equal(S.indptr, [0, 1, 3])
    np.testing.assert_array_equal(S.indices, [1, 0, 1])
    np.testing.assert_allclose(S.data, [0.0, 2.0 * (1 - 3.0 / 4.0), 2.0 * 0.8])
    # inverse: the values, clipped to the range; the constant feature's value
    np.testing.assert_allclose(enc.inverse_transform(enc.transform(X)), X, atol=1e-14)
    np.testing.assert_allclose(enc.inverse_transform(S),
                               [[-3.0, 20.0, 5.0], [1e-300, 12.0, 5.0]], atol=1e-14)
    # one range for all features
    enc = TTFSEncoder(encoding="intensity", per_feature=False).fit(X)
    assert (enc.x_min_, enc.x_max_) == (-3.0, 20.0)
    np.testing.assert_allclose(enc.transform(X).toarray()[:, 1],
                               1.0 - (X[:, 1] + 3.0) / 23.0)


def test_intensity_with_x_min_0_is_the_classic_latency_code(digits):
    # bitwise: t = max_time * (1 - x / x_max), values <= 0 silent (as `spikencg convert
    # --intensity` has always written them)
    X, _ = digits
    X = X - 2.0  # some negative values
    for per_feature in (True, False):
        enc = TTFSEncoder(encoding="intensity", x_min=0, max_time=3.0,
                          per_feature=per_feature).fit(X)
        x_max = X.max(axis=0) if per_feature else X.max()
        np.testing.assert_array_equal(enc.x_max_, x_max)
        with np.errstate(divide="ignore", invalid="ignore"):
            want = np.where((X > 0) & (x_max > 0),
                            np.where(X >= x_max, 0.0, 3.0 * (1.0 - X / x_max)), 3.0)
        np.testing.assert_array_equal(spikes_to_dense(enc.transform(X), 3.0), want)
    # digits' pixels have minimum 0: the learned range gives the same spikes
    Xd, _ = digits
    S = TTFSEncoder(encoding="intensity").fit_transform(Xd)
    S0 = TTFSEncoder(encoding="intensity", x_min=0).fit_transform(Xd)
    assert (S != S0).nnz == 0 and S.nnz == S0.nnz


def test_range_parameter_errors():
    X = np.array([[0.0, 1.0], [2.0, 3.0]])
    with pytest.raises(ValueError, match=r"x_min=2\.0 must be smaller than x_max=1\.0"):
        TTFSEncoder(encoding="intensity", x_min=2.0, x_max=1.0).fit(X)
    with pytest.raises(ValueError, match="'x_min' parameter"):
        TTFSEncoder(encoding="population", x_min=-np.inf).fit(X)
    for bad in (dict(n_fields=1), dict(field_width=0.0), dict(min_response=1.0)):
        name = next(iter(bad))
        with pytest.raises(ValueError, match=f"'{name}' parameter"):
            TTFSEncoder(encoding="population", **bad).fit(X)
    # a fixed bound beside a learned one; a range that is empty never fires
    enc = TTFSEncoder(encoding="intensity", x_max=1.0).fit(X)
    np.testing.assert_array_equal(enc.x_min_, [0.0, 1.0])
    assert enc.transform(X).indices.tolist() == [0]


def test_minmax_scaled_folds_and_negative_data_cross_validate():
    # the scaler fitted on a training fold gives values outside [0, 1] on the test
    # fold: they are clipped, never refused
    from sklearn.preprocessing import MinMaxScaler

    from spikencg import SpikingReadoutClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4)) * [1.0, 10.0, 0.1, 3.0] - 5.0
    y = (X[:, 0] + X[:, 1] / 10 > -5.5).astype(int)
    X[7, 2] = 40.0  # an outlier in one fold
    for steps in ([MinMaxScaler(), TTFSEncoder(encoding="intensity")],
                  [TTFSEncoder(encoding="intensity")],
                  [TTFSEncoder(encoding="population")]):
        pipe = make_pipeline(*steps, SpikingReadoutClassifier(max_iter=5, random_state=0))
        res = cross_validate(pipe, X, y, cv=StratifiedKFold(4, shuffle=True,
                                                            random_state=0),
                             error_score="raise")
        assert res["test_score"].mean() > max(0.6, np.bincount(y).max() / y.size)


@pytest.mark.parametrize("encoding", ["intensity", "population"])
def test_ranges_wider_than_the_largest_float(encoding):
    # x_max - x_min overflows: the codes are computed from halves, never NaN
    X = np.array([[-1e308, 0.0], [1e308, 1.0], [0.0, 0.5], [5e307, 0.25]])
    enc = TTFSEncoder(encoding=encoding).fit(X)
    S = enc.transform(X)
    assert np.isfinite(S.data).all()
    wide = TTFSEncoder(encoding=encoding).fit(X / 4).transform(X / 4)  # no overflow
    np.testing.assert_allclose(spikes_to_dense(S), spikes_to_dense(wide), atol=1e-12)
    np.testing.assert_allclose(enc.inverse_transform(S)[:, 0], X[:, 0], rtol=1e-9)


def _reference_population(X, n_fields, width, min_response, max_time):
    """Plain-Python population code of one feature matrix (range learned from X)."""
    n, d = X.shape
    out = np.full((n, d * n_fields), max_time)
    for j in range(d):
        lo, hi = X[:, j].min(), X[:, j].max()
        if not hi > lo:
            continue
        for k in range(n_fields):
            c = lo + k * (hi - lo) / (n_fields - 1)
            sigma = width * (hi - lo) / (n_fields - 1)
            for i in range(n):
                r = np.exp(-((X[i, j] - c) ** 2) / (2 * sigma**2))
                if r >= min_response:
                    out[i, j * n_fields + k] = max_time * (1 - r)
    return out


@pytest.mark.parametrize("n_fields, width, min_response", [(8, 0.67, 0.1), (3, 1.5, 0.0),
                                                           (5, 0.3, 0.5)])
def test_population_code_matches_a_plain_reference(n_fields, width, min_response):
    rng = np.random.default_rng(n_fields)
    X = rng.normal(size=(30, 4)) * [1, 100, 0.01, 1] + [0, -50, 3, 0]
    X[:, 3] = 2.5  # constant: never fires
    enc = TTFSEncoder(encoding="population", n_fields=n_fields, field_width=width,
                      min_response=min_response, max_time=2.0).fit(X)
    S = enc.transform(X)
    assert S.shape == (30, 4 * n_fields)
    assert_rows_time_ordered(S)
    want = _reference_population(X, n_fields, width, min_response, 2.0)
    np.testing.assert_allclose(spikes_to_dense(S, 2.0), want, rtol=0, atol=1e-12)
    assert S.nnz == np.count_nonzero(want < 2.0)
    assert not np.isin(S.indices, np.arange(3 * n_fields, 4 * n_fields)).any()
    np.testing.assert_allclose(enc.field_centers_[0],
                               np.linspace(X[:, 0].min(), X[:, 0].max(), n_fields))
    np.testing.assert_allclose(enc.field_sigmas_[:3],
                               width * np.ptp(X[:, :3], axis=0) / (n_fields - 1))
    assert np.isnan(enc.field_centers_[3]).all() and enc.field_sigmas_[3] == 0
    dense = TTFSEncoder(encoding="population", n_fields=n_fields, field_width=width,
                        min_response=min_response, max_time=2.0,
                        sparse_output=False).fit(X).transform(X)
    np.testing.assert_allclose(dense, want, rtol=0, atol=1e-12)


def test_population_clips_outside_the_range_and_decodes():
    X = np.array([[-2.0, 0.0], [2.0, 10.0], [0.5, 3.0]])
    enc = TTFSEncoder(encoding="population").fit(X)
    S = enc.transform([[-7.0, 1e12], [-2.0, 10.0]])
    np.testing.assert_array_equal(S[0].toarray(), S[1].toarray())  # clipped
    # the extreme fields fire at t = 0
    assert set(S[0].indices[S[0].data == 0]) == {0, 15}
    # inverse_transform: exact (to rounding) inside the range, clipped outside
    rng = np.random.default_rng(1)
    Z = rng.uniform([-2, 0], [2, 10], size=(200, 2))
    np.testing.assert_allclose(enc.inverse_transform(enc.transform(Z)), Z, atol=1e-9)
    np.testing.assert_allclose(enc.inverse_transform(S), [[-2.0, 10.0], [-2.0, 10.0]],
                               atol=1e-9)
    # one field only: its centre; none: NaN
    one = sp.csr_matrix((np.array([0.0]), np.array([3], dtype=np.int32), [0, 1]),
                        shape=(1, 16))
    back = enc.inverse_transform(one)
    np.testing.assert_allclose(back[0, 0], enc.field_centers_[0, 3])
    assert np.isnan(back[0, 1])
    # dense times (sparse_output=False) decode as well
    enc_d = TTFSEncoder(encoding="population", sparse_output=False).fit(X)
    np.testing.assert_allclose(enc_d.inverse_transform(enc_d.transform(Z)), Z, atol=1e-9)
    with pytest.raises(ValueError, match="expecting 16 features"):
        enc_d.inverse_transform(np.zeros((2, 2)))


def test_population_feature_names_shapes_and_frames(digits):
    X, _ = digits
    enc = TTFSEncoder(encoding="population", n_fields=4).fit(X.reshape(-1, 8, 8))
    assert enc.transform(X[:5].reshape(-1, 8, 8)).shape == (5, 256)
    assert enc.transform(X[:5]).shape == (5, 256)
    assert enc.inverse_transform(enc.transform(X[:5])).shape == (5, 8, 8)
    assert list(enc.get_feature_names_out()[:5]) == ["x0_f0", "x0_f1", "x0_f2", "x0_f3",
                                                     "x1_f0"]
    assert enc.get_feature_names_out().shape == (256,)
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(X[:, :2], columns=["a", "b"])
    enc = TTFSEncoder(encoding="population", n_fields=2, sparse_output=False)
    out = enc.set_output(transform="pandas").fit_transform(df)
    assert list(out.columns) == ["a_f0", "a_f1", "b_f0", "b_f1"]
    enc = TTFSEncoder(encoding="population", n_fields=2).fit(X[:, :2])
    assert list(enc.get_feature_names_out(["u", "v"])) == ["u_f0", "u_f1", "v_f0", "v_f1"]


@pytest.mark.parametrize(
    "encoding, value, match",
    [(encoding, value, match)
     for encoding in ("time", "intensity", "population")
     for value, match in [(np.nan, "Input X contains NaN"),
                          (-1.0, "Negative values in data passed to TTFSEncoder as X"),
                          (-np.inf, "Input X contains -inf")]
     # (any finite value is a valid intensity: tested below)
     if encoding == "time" or value != -1.0],
)
def test_encoder_bad_values(encoding, value, match):
    good = np.array([[0.1, 0.2], [0.3, 0.4]])
    bad = good.copy()
    bad[1, 1] = value
    with pytest.raises(ValueError, match=match):
        TTFSEncoder(encoding=encoding).fit(bad)
    enc = TTFSEncoder(encoding=encoding).fit(good)
    with pytest.raises(ValueError, match=match):
        enc.transform(bad)


@pytest.mark.parametrize("encoding", ["intensity", "population"])
def test_posinf_only_allowed_as_time(encoding):
    X = np.array([[0.1, np.inf]])
    assert TTFSEncoder().fit_transform(X).nnz == 1  # +inf: no spike
    with pytest.raises(ValueError, match=r"Input X contains \+inf \(first in sample 0\)"):
        TTFSEncoder(encoding=encoding).fit(X)
    enc = TTFSEncoder(encoding=encoding).fit([[0.1, 0.2], [0.3, 0.5]])
    with pytest.raises(ValueError, match=r"Input X contains \+inf \(first in sample 1\)"):
        enc.transform(np.vstack([[0.1, 0.2], X]))


def test_encoder_input_errors():
    with pytest.raises(ValueError, match=r"Expected X of shape \(n_samples, d1, \.\.\.\)"):
        TTFSEncoder().fit(np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="0 sample"):
        TTFSEncoder().fit(np.empty((0, 3)))
    with pytest.raises(ValueError, match="0 sample"):
        TTFSEncoder().fit(np.empty((0, 3, 2)))
    with pytest.raises(TypeError, match="does not accept sparse input X"):
        TTFSEncoder().fit(sp.csr_matrix(np.eye(2)))
    enc = TTFSEncoder().fit(np.eye(3))
    with pytest.raises(TypeError, match="does not accept sparse input X"):
        enc.transform(sp.csr_matrix(np.eye(3)))
    with pytest.raises(TypeError, match="expects a sparse CSR spike list"):
        enc.inverse_transform(np.eye(3))
    with pytest.raises(ValueError, match="max_time"):
        TTFSEncoder(max_time=0).fit(np.eye(3))
    with pytest.raises(ValueError, match="encoding"):
        TTFSEncoder(encoding="rate").fit(np.eye(3))


def test_list_and_object_input():
    enc = TTFSEncoder().fit([[0, 0.5], [2, 0.25]])
    S = enc.transform(np.array([[0, 0.5]], dtype=object))
    np.testing.assert_array_equal(S.toarray(), [[0.0, 0.5]])
    assert S.nnz == 2


def test_tags_and_sparse_output_ignores_set_output():
    tags = TTFSEncoder().__sklearn_tags__()
    assert tags.input_tags.positive_only
    for encoding in ("intensity", "population"):  # any finite value
        assert not TTFSEncoder(encoding=encoding).__sklearn_tags__().input_tags.positive_only
    assert not tags.input_tags.sparse
    assert not tags.input_tags.allow_nan
    # a spike list stays a spike list (set_output applies to sparse_output=False)
    S = TTFSEncoder().set_output(transform="pandas").fit_transform([[0.5, np.inf]])
    assert sp.issparse(S)


def _expected_failed_checks(estimator):
    if estimator.encoding == "time":
        return {
            "check_estimators_nan_inf": (
                "in time mode +inf is the documented 'no spike' value, accepted by fit "
                "and transform (NaN is rejected; +inf is rejected in intensity mode)"
            )
        }
    return {}


@parametrize_with_checks(
    [
        TTFSEncoder(),
        TTFSEncoder(encoding="intensity"),
        TTFSEncoder(encoding="intensity", per_feature=False, max_time=3.0),
        TTFSEncoder(encoding="intensity", x_min=0.0),
        TTFSEncoder(encoding="population"),
        TTFSEncoder(encoding="population", n_fields=3, sparse_output=False),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------------------
# save / load
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "y",
    [
        None,
        np.array([0, 1, 2, 1]),
        np.array([0.5, 1.5, 2.5, 3.5]),
        np.array(["cat", "dog", "cat", "bird"]),
        np.array(["cat", "dog", "cat", "bird"], dtype=object),
        ["a", "b", "c", "d"],
    ],
)
def test_save_load_round_trip(tmp_path, y):
    rng = np.random.default_rng(9)
    T = random_times(rng, n=4, d=7, max_time=3.0)
    T[:, 1] = 0.0
    X = shuffled_rows(spikes_from_dense(T, max_time=3.0), rng)
    path = tmp_path / "spikes.npz"
    save_spikes(path, X, y, max_time=3.0)
    X2, y2, max_time = load_spikes(path)
    assert max_time == 3.0
    assert isinstance(X2, sp.csr_matrix) and X2.shape == X.shape
    assert_rows_time_ordered(X2)
    assert _zero_count(X2) == 4
    np.testing.assert_array_equal(spikes_to_dense(X2, 3.0), expected_dense(T, 3.0))
    if y is None:
        assert y2 is None
    else:
        assert y2.dtype != object
        np.testing.assert_array_equal(y2, np.asarray(y).astype(y2.dtype))


def test_save_load_dense_and_compressed(tmp_path):
    T = np.array([[0.0, np.inf, 0.5], [0.25, 0.0, 2.0]])
    save_spikes(tmp_path / "a.npz", T, [1, 0], compressed=True)
    X, y, max_time = load_spikes(tmp_path / "a.npz")
    assert max_time == 1.0
    np.testing.assert_array_equal(spikes_to_dense(X), expected_dense(T))
    np.testing.assert_array_equal(y, [1, 0])


def test_save_errors(tmp_path):
    X = spikes_from_dense(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="non-string objects"):
        save_spikes(tmp_path / "a.npz", X, np.array([1, "a"], dtype=object))
    with pytest.raises(ValueError, match="one label per sample"):
        save_spikes(tmp_path / "a.npz", X, [1, 2, 3])


def test_load_errors(tmp_path):
    np.savez(tmp_path / "other.npz", a=np.arange(3))
    with pytest.raises(ValueError, match="not a spikencg spike file"):
        load_spikes(tmp_path / "other.npz")
    np.save(tmp_path / "array.npy", np.arange(3))
    with pytest.raises(ValueError, match="not a spikencg spike file"):
        load_spikes(tmp_path / "array.npy")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ValueError, match="not a spikencg spike file"):
        load_spikes(tmp_path / "text.npz")
    # a spike file of a future format version
    save_spikes(tmp_path / "s.npz", np.zeros((1, 2)))
    with np.load(tmp_path / "s.npz") as f:
        contents = dict(f)
    contents["format_version"] = np.array(99)
    np.savez(tmp_path / "future.npz", **contents)
    with pytest.raises(ValueError, match="format version 99"):
        load_spikes(tmp_path / "future.npz")
    # a corrupt one
    contents["format_version"] = np.array(1)
    contents["indices"] = np.array([7, 7], dtype=np.int32)
    np.savez(tmp_path / "corrupt.npz", **contents)
    with pytest.raises(ValueError, match="corrupt spikencg spike file"):
        load_spikes(tmp_path / "corrupt.npz")


# --------------------------------------------------------------------------------------
# property-based
# --------------------------------------------------------------------------------------

_times = st.one_of(
    st.floats(0.0, 2.0, allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([0.0, 0.25, 0.5, 1.0, np.inf]),  # ties and edge values
)


@settings(max_examples=60, deadline=None)
@given(
    T=arrays(np.float64, st.tuples(st.integers(0, 6), st.integers(0, 9)), elements=_times),
    seed=st.integers(0, 2**32 - 1),
)
def test_dense_spikes_dense_round_trip(T, seed):
    X = spikes_from_dense(T)
    assert X.shape == T.shape
    assert X.nnz == np.sum(T < 1.0)
    assert_rows_time_ordered(X)
    np.testing.assert_array_equal(spikes_to_dense(X), expected_dense(T))
    # a spike list with rows in any order gives the canonical arrays of the dense input
    shuffled = shuffled_rows(X, np.random.default_rng(seed))
    for a, b in zip(spike_arrays(shuffled), spike_arrays(T), strict=True):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------------------
# damaged and foreign files
# --------------------------------------------------------------------------------------


def _damage_entry(path, entry):
    """Flip 2 bytes in the stored data of one entry of a zip archive, in place."""
    import struct
    import zipfile

    with zipfile.ZipFile(path) as z:
        info = z.getinfo(entry)
    raw = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:
                                                   info.header_offset + 30])
    data = info.header_offset + 30 + name_len + extra_len
    at = data + info.compress_size - 3
    raw[at] ^= 0xFF
    raw[at + 1] ^= 0xFF
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("compressed", [False, True])
def test_load_spikes_damaged_file(tmp_path, compressed):
    T = np.tile([[0.1, 0.5, np.inf]], (30, 1))
    path = tmp_path / "s.npz"
    save_spikes(path, T, np.arange(30), compressed=compressed)
    raw = path.read_bytes()
    _damage_entry(path, "times.npy")
    with pytest.raises(ValueError, match=r"s.npz': damaged or truncated file: .*'times'"):
        load_spikes(path)
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=r"s.npz': damaged or truncated .npz archive"):
        load_spikes(path)
    path.write_bytes(raw)
    assert load_spikes(path)[0].shape == (30, 3)


def test_load_spikes_inconsistent_entries(tmp_path):
    save_spikes(tmp_path / "s.npz", np.zeros((2, 3)), [0, 1])
    with np.load(tmp_path / "s.npz") as f:
        good = dict(f)
    cases = {
        "max_time": (np.array([1.0, 2.0]), "'max_time' must be a number"),
        "shape": (np.array([[2, 3]]), "'shape' must hold 2 integers"),
        "format_version": (np.array("1"), "'format_version' must be an integer"),
        "y": (np.arange(3), "'y' must hold one label per sample"),
    }
    for key, (value, message) in cases.items():
        np.savez(tmp_path / "bad.npz", **{**good, key: value})
        with pytest.raises(ValueError, match=f"bad.npz': corrupt spikencg spike file: {message}"):
            load_spikes(tmp_path / "bad.npz")
    np.savez(tmp_path / "bad.npz", **{k: v for k, v in good.items() if k != "indptr"})
    with pytest.raises(ValueError, match=r"missing entries \['indptr'\]"):
        load_spikes(tmp_path / "bad.npz")
    np.savez(tmp_path / "bad.npz", **{**good, "y": np.array([{}, {}], dtype=object)},
             allow_pickle=True)
    with pytest.raises(ValueError, match="entry 'y' holds Python objects") as info:
        load_spikes(tmp_path / "bad.npz")
    assert "allow_pickle" not in str(info.value)


def test_load_spikes_other_files_without_pickle_advice(tmp_path):
    (tmp_path / "text.npz").write_text("hello, world")
    (tmp_path / "empty.npz").write_bytes(b"")
    np.save(tmp_path / "obj.npy", np.array([{}], dtype=object), allow_pickle=True)
    for name, message in [("text.npz", "not a NumPy .npz archive"), ("empty.npz", "empty"),
                          ("obj.npy", "single array")]:
        with pytest.raises(ValueError, match=f"{name}' is not a spikencg spike file") as info:
            load_spikes(tmp_path / name)
        assert message in str(info.value) and "allow_pickle" not in str(info.value)
    # save_spikes appends ".npz"; the error of a load without it says so
    save_spikes(tmp_path / "data", np.zeros((1, 2)))
    with pytest.raises(FileNotFoundError, match="did you mean .*data.npz"):
        load_spikes(tmp_path / "data")
