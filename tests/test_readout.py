"""SpikingReadoutClassifier: scikit-learn behaviour, pickling, determinism, errors."""

import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import is_classifier
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from spikencg import SpikingReadoutClassifier, TTFSEncoder


@pytest.fixture(scope="module")
def digits_times():
    X, y = load_digits(return_X_y=True)
    return 1.0 - X / 16.0, y


def test_is_classifier_and_mixin_order():
    assert is_classifier(SpikingReadoutClassifier())
    mro = SpikingReadoutClassifier.__mro__
    from sklearn.base import BaseEstimator, ClassifierMixin

    assert mro.index(ClassifierMixin) < mro.index(BaseEstimator)


def test_learns_digits(digits_times):
    X, y = digits_times
    clf = SpikingReadoutClassifier(max_iter=10, random_state=0).fit(X[:1200], y[:1200])
    assert clf.score(X[1200:], y[1200:]) > 0.85


def test_pickle_and_joblib_round_trip(digits_times, tmp_path):
    X, y = digits_times
    clf = SpikingReadoutClassifier(max_iter=3, random_state=0).fit(X[:500], y[:500])
    clone = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone.predict(X[500:]), clf.predict(X[500:]))
    np.testing.assert_array_equal(clone.weights_, clf.weights_)
    joblib.dump(clf, tmp_path / "m.joblib")
    again = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(again.decision_function(X[500:]),
                                  clf.decision_function(X[500:]))
    for name, value in vars(clf).items():
        if name.endswith("_"):
            assert isinstance(value, (np.ndarray, int, float, np.integer, np.floating)), name


@pytest.mark.parametrize("params", [
    dict(),
    dict(shuffle=True, output_dropout=0.2, input_dropout=0.1),
    dict(rule="rstdp", w_init="uniform"),
])
def test_same_random_state_same_model(digits_times, params):
    X, y = digits_times
    a = SpikingReadoutClassifier(max_iter=2, random_state=7, **params).fit(X[:400], y[:400])
    b = SpikingReadoutClassifier(max_iter=2, random_state=7, **params).fit(X[:400], y[:400])
    c = SpikingReadoutClassifier(max_iter=2, random_state=8, **params).fit(X[:400], y[:400])
    np.testing.assert_array_equal(a.weights_, b.weights_)
    assert not np.array_equal(a.weights_, c.weights_)


def test_any_label_type(digits_times):
    X, y = digits_times
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven",
                      "eight", "nine"], dtype=object)
    clf = SpikingReadoutClassifier(max_iter=3, random_state=0).fit(X[:600], names[y[:600]])
    pred = clf.predict(X[600:700])
    assert set(pred) <= set(names)
    assert np.mean(pred == names[y[600:700]]) > 0.7


def test_predict_is_argmax_of_decision_function(digits_times):
    X, y = digits_times
    clf = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(X[:500], y[:500])
    D = clf.decision_function(X)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[np.argmax(D, axis=1)])
    # binary case: sign of the score
    mask = y < 2
    clf2 = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(X[mask][:200],
                                                                    y[mask][:200])
    d = clf2.decision_function(X[mask])
    assert d.ndim == 1
    np.testing.assert_array_equal(clf2.predict(X[mask]), clf2.classes_[(d > 0).astype(int)])


def test_spike_lists_and_dense_give_the_same_model(digits_times):
    X, y = digits_times
    enc = TTFSEncoder().fit(X)
    S = enc.transform(X)
    a = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(S[:500], y[:500])
    b = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(X[:500], y[:500])
    np.testing.assert_array_equal(a.weights_, b.weights_)
    np.testing.assert_array_equal(a.predict(S[500:]), b.predict(X[500:]))


def test_pipeline_cross_val_score_on_spike_lists():
    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(TTFSEncoder(encoding="intensity"),
                         SpikingReadoutClassifier(max_iter=3, random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.mean() > 0.8


@pytest.mark.parametrize("params, match", [
    (dict(rule="bogus"), "rule"),
    (dict(threshold=-1.0), "threshold"),
    (dict(neurons_per_class=2, non_target_neurons=2), "non_target_neurons"),
    (dict(competition="dropout"), "output_dropout"),
    (dict(w_min=1.0, w_max=0.0), "w_min"),
    (dict(output_dropout=1.0), "output_dropout"),
    (dict(max_iter=0), "max_iter"),
])
def test_bad_parameters_raise_clear_errors(digits_times, params, match):
    X, y = digits_times
    with pytest.raises(ValueError, match=match):
        SpikingReadoutClassifier(**params).fit(X[:50], y[:50])


def test_bad_inputs_raise_clear_errors(digits_times):
    X, y = digits_times
    clf = SpikingReadoutClassifier(max_iter=1)
    with pytest.raises(ValueError, match="NaN|nan"):
        Xn = X[:50].copy()
        Xn[0, 0] = np.nan
        clf.fit(Xn, y[:50])
    with pytest.raises(ValueError, match="(?i)negative"):
        clf.fit(X[:50] - 0.5, y[:50])
    with pytest.raises(ValueError, match="samples"):
        clf.fit(X[:50], y[:40])
    with pytest.raises(ValueError, match="weights_init"):
        clf.fit(X[:50], y[:50], weights_init=np.zeros((3, 3)))
    clf.fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:5, :10])


def test_inf_means_no_spike(digits_times):
    X, y = digits_times
    Xi = np.where(X >= 1.0, np.inf, X)
    a = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(X[:300], y[:300])
    b = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(Xi[:300], y[:300])
    np.testing.assert_array_equal(a.weights_, b.weights_)


def test_lif_differs_from_if_and_learns(digits_times):
    X, y = digits_times
    a = SpikingReadoutClassifier(max_iter=3, random_state=0).fit(X[:600], y[:600])
    b = SpikingReadoutClassifier(max_iter=3, random_state=0, neuron="lif",
                                 tau=5.0).fit(X[:600], y[:600])
    assert not np.array_equal(a.weights_, b.weights_)
    assert b.score(X[600:], y[600:]) > 0.6


def test_parallel_prediction_equals_one_thread(digits_times):
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one CPU: numba has a single thread, nothing to compare")
    X, y = digits_times
    clf = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(X[:500], y[:500])
    X = np.tile(X, (2, 1))  # 3,594 samples: 15 chunks of 256 shared by the threads
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        S = TTFSEncoder().fit_transform(X)
        many = (S.toarray(), clf.predict(S), clf.decision_function(X), clf.predict_proba(S))
        numba.set_num_threads(1)
        S1 = TTFSEncoder().fit_transform(X)
        one = (S1.toarray(), clf.predict(S1), clf.decision_function(X), clf.predict_proba(S1))
    finally:
        numba.set_num_threads(old)
    for a, b in zip(many, one, strict=True):
        np.testing.assert_array_equal(a, b)


def test_chunked_prediction_equals_one_chunk(digits_times, monkeypatch):
    from spikencg import spikes

    X, y = digits_times
    clf = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(X[:500], y[:500])
    S = TTFSEncoder().fit_transform(X)
    ref = (clf.predict(X), clf.decision_function(X), clf.predict_proba(S))
    monkeypatch.setattr(spikes, "_CHUNK_VALUES", 100 * X.shape[1])  # 100 rows
    np.testing.assert_array_equal(clf.predict(X), ref[0])
    np.testing.assert_array_equal(clf.predict(S), ref[0])
    np.testing.assert_array_equal(clf.decision_function(X), ref[1])
    np.testing.assert_array_equal(clf.predict_proba(S), ref[2])
    # a problem is reported with its row number in X, not in its block
    bad = X.copy()
    bad[250, 3] = np.nan
    with pytest.raises(ValueError, match="first in sample 250"):
        clf.predict(bad)


def test_float32_spike_lists_keep_their_time_order():
    # a CSR spike list of float32 times is converted to float64 with each row's entries
    # in their order (scipy's astype would sort them by input index): the same model and
    # answers as from float64
    from scipy import sparse

    from spikencg.spikes import float64_csr

    rng = np.random.default_rng(0)
    T = rng.random((60, 12)).astype(np.float32)
    T[T > 0.8] = np.inf
    y = np.arange(60) % 3
    S64 = TTFSEncoder().fit_transform(T.astype(np.float64))
    S32 = sparse.csr_matrix((S64.data.astype(np.float32), S64.indices, S64.indptr),
                            shape=S64.shape)
    X = float64_csr(S32)
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X.indices, S64.indices)  # time order kept
    assert float64_csr(S64) is S64
    a = SpikingReadoutClassifier(max_iter=3, random_state=0).fit(S64, y)
    b = SpikingReadoutClassifier(max_iter=3, random_state=0).fit(S32, y, X_val=S32,
                                                                     y_val=y)
    c = SpikingReadoutClassifier(max_iter=3, random_state=0).fit(S64, y, X_val=S64,
                                                                     y_val=y)
    np.testing.assert_array_equal(b.weights_, c.weights_)
    np.testing.assert_array_equal(a.predict(S32), a.predict(S64))
