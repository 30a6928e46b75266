"""Property: whatever array or sparse matrix a user passes to fit, partial_fit, predict,
predict_proba, decision_function, transform or inverse_transform of the estimators, the
process does not crash and the outcome is a result (predictions among the classes,
finite scores, probabilities that sum to 1) or a ValueError / TypeError whose message is
short (not a print-out of the input).

Hypothesis draws sparse matrices of every scipy format, valid or with arbitrary index
arrays, index pointers, shapes and values put in after construction (scipy checks none
of them then), and dense arrays of arbitrary dtypes, shapes and values. Run as a script
(``python tests/_input_properties.py``) by ``test_reliability.py``, in a subprocess: a
crash there fails that test instead of ending the test run. Derandomized, without an
example database: the same examples every time.
"""

import sys
import warnings

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spikencg import SpikingReadoutClassifier, STDPConvFeatures, TTFSEncoder

N_FEATURES = 5
CLASSES = np.array([0, 1])
FORMATS = ("csr", "csc", "coo", "bsr", "bsr-blocks", "dia", "dok", "lil")
SETTINGS = settings(max_examples=int(sys.argv[1]) if len(sys.argv) > 1 else 120,
                    derandomize=True, database=None, deadline=None, print_blob=True,
                    suppress_health_check=list(HealthCheck))

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 0.5, 1.0, 2.0, 1e308, -1.0, np.nan, np.inf]),
)
# spike times: mostly valid ones (so that the structure is what is tested), sometimes not
times = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.0, 0.25, np.inf, 3.0]),
                  values)
indices = st.one_of(st.integers(-3, 12), st.integers(-(2**62), 2**62),
                    st.sampled_from([-1, 10**5, 10**7, 2**31, -(2**31)]))


def _fitted():
    rng = np.random.default_rng(0)
    X = rng.random((20, N_FEATURES))
    y = np.arange(20) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = SpikingReadoutClassifier(max_iter=1, random_state=0).fit(X, y)
        time_enc = TTFSEncoder().fit(X)
        intensity_enc = TTFSEncoder(encoding="intensity").fit(X)
        population_enc = TTFSEncoder(encoding="population").fit(X)
        images = rng.integers(0, 255, (6, 8, 8)).astype(np.float64)
        ext = STDPConvFeatures(n_maps=2, kernel_size=3, pool_size=2, max_iter=1,
                               random_state=0).fit(images)
    return clf, {"time": time_enc, "intensity": intensity_enc,
                 "population": population_enc}, ext


CLF, ENCODERS, EXTRACTOR = _fitted()


@st.composite
def sparse_inputs(draw):
    """A sparse matrix of any format, its arrays possibly corrupted after construction."""
    n = draw(st.integers(0, 6))
    d = draw(st.sampled_from([N_FEATURES] * 6 + [0, 1, 7]))
    mask = draw(hnp.arrays(np.bool_, (n, d)))
    dense = draw(hnp.arrays(np.float64, (n, d), elements=times))
    rows, cols = np.nonzero(mask)
    csr = sp.csr_matrix((dense[rows, cols], (rows, cols)), shape=(n, d))
    if draw(st.booleans()):
        csr = sp.csr_array(csr)
    fmt = draw(st.sampled_from(FORMATS))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if fmt == "bsr":
            X = csr.tobsr(blocksize=(1, 1))
        elif fmt == "bsr-blocks":
            X = csr.tobsr(blocksize=(1, d)) if d and n else csr.tobsr()
        else:
            X = csr.asformat(fmt)
    corruption = draw(st.sampled_from(["none", "index", "index", "index", "pointer",
                                       "pointer", "length", "dtype", "data"]))
    arrays = {"csr": ("indices", "indptr"), "csc": ("indices", "indptr"),
              "bsr": ("indices", "indptr"), "coo": ("row", "col"),
              "dia": ("offsets",), "dok": (), "lil": ()}[X.format]
    if corruption in ("index", "pointer") and arrays:
        name = arrays[0] if corruption == "index" else arrays[-1]
        a = getattr(X, name)
        if a.size:
            a = a.astype(np.int64)
            a[draw(st.integers(0, a.size - 1))] = draw(indices)
            setattr(X, name, a)
    elif corruption == "length" and arrays:
        name = draw(st.sampled_from(arrays))
        setattr(X, name, getattr(X, name)[: draw(st.integers(0, 3))])
    elif corruption == "dtype" and arrays:
        name = draw(st.sampled_from(arrays))
        setattr(X, name, getattr(X, name).astype(draw(st.sampled_from(
            [np.float64, np.int8, np.uint64, np.int16]))))
    elif corruption == "index" and X.format == "lil" and n and X.rows[0]:
        X.rows[0][0] = draw(indices)
    elif corruption == "index" and X.format == "dok":
        dict.__setitem__(X._dict if hasattr(X, "_dict") else X,
                         (draw(indices), draw(indices)), 0.5)
    elif corruption == "data" and hasattr(X, "data") and X.format not in ("dok", "lil"):
        X.data = X.data[: draw(st.integers(0, 3))]
    return X


dense_dtypes = st.one_of(hnp.scalar_dtypes(), hnp.unicode_string_dtypes(max_len=3),
                         st.just(np.dtype(object)))


@st.composite
def dense_inputs(draw):
    """A dense array of any dtype, shape and values, or a list of lists."""
    dtype = draw(dense_dtypes)
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6))
    if dtype.kind == "O":
        elements = st.one_of(st.none(), st.text(max_size=2), st.integers(-(2**80), 2**80),
                             st.just(2**1100), values, st.complex_numbers(allow_nan=True))
        X = np.empty(shape, dtype=object)
        for idx in np.ndindex(*shape):
            X[idx] = draw(elements)
    else:
        X = draw(hnp.arrays(dtype, shape))
    if draw(st.integers(0, 4)) == 0 and X.ndim == 2:
        return X.tolist()
    return X


SPARSE_CALLS = (
    "fit", "partial_fit", "predict", "predict_proba", "decision_function",
    "time.inverse_transform", "intensity.inverse_transform",
    "population.inverse_transform", "time.transform", "features.transform",
)
CALLS = SPARSE_CALLS + ("time.fit", "intensity.fit", "intensity.transform", "population.fit",
                        "population.transform", "features.fit")


def call(name, X):
    """Run one method on ``X``; return its result (or raise)."""
    n = X.shape[0] if hasattr(X, "shape") and len(X.shape) else len(X) if isinstance(
        X, list) else 0
    y = np.arange(n) % 2
    if name == "fit":
        return SpikingReadoutClassifier(max_iter=1, random_state=0).fit(X, y).predict(X)
    if name == "partial_fit":
        clf = SpikingReadoutClassifier(random_state=0)
        return clf.partial_fit(X, y, classes=CLASSES).predict_proba(X)
    if name in ("predict", "predict_proba", "decision_function"):
        out = getattr(CLF, name)(X)
        if name == "predict":
            assert np.isin(out, CLASSES).all(), out
        elif name == "predict_proba":
            assert np.all(np.isfinite(out)) and np.allclose(out.sum(axis=1), 1.0), out
        else:
            assert np.all(np.isfinite(out)), out
        return out
    owner, _, method = name.partition(".")
    if owner == "features":
        if method == "fit":
            return STDPConvFeatures(n_maps=2, kernel_size=3, pool_size=2, max_iter=1,
                                    random_state=0).fit(X)
        return EXTRACTOR.transform(X)
    enc = ENCODERS[owner]
    if method == "fit":
        return TTFSEncoder(encoding=owner).fit(X).transform(X)
    return getattr(enc, method)(X)


def check(name, X):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call(name, X)
    except (ValueError, TypeError) as exc:
        # one message, not a print-out of the input
        assert len(str(exc)) < 1000, f"{type(exc).__name__}: {str(exc)[:3000]}"


@SETTINGS
@given(X=sparse_inputs(), name=st.sampled_from(SPARSE_CALLS))
def test_sparse_inputs(X, name):
    check(name, X)


@SETTINGS
@given(X=dense_inputs(), name=st.sampled_from(CALLS))
def test_dense_inputs(X, name):
    check(name, X)


@SETTINGS
@given(data=hnp.arrays(np.float64, st.tuples(st.integers(0, 6), st.just(N_FEATURES)),
                       elements=values),
       name=st.sampled_from(CALLS))
def test_dense_values_of_the_fitted_width(data, name):
    check(name, data)


if __name__ == "__main__":
    test_sparse_inputs()
    test_dense_inputs()
    test_dense_values_of_the_fitted_width()
    print("no crash, every outcome a result or a ValueError / TypeError")
