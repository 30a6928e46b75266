"""spikencg's estimators inside scikit-learn's composition tools: ColumnTransformer,
set_output, calibration, metadata routing of the validation set, estimator tags."""

import numpy as np
import pytest
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_digits
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils import get_tags

from spikencg import SpikingReadoutClassifier, TTFSEncoder
from spikencg.encoding import spikes_to_dense
from spikencg.features import STDPConvFeatures


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


def test_dense_output_is_the_spike_list_densified_with_max_time(digits):
    X, _ = digits
    S = TTFSEncoder(encoding="intensity").fit_transform(X)
    enc = TTFSEncoder(encoding="intensity", sparse_output=False).fit(X)
    D = enc.transform(X)
    assert isinstance(D, np.ndarray) and D.dtype == np.float64
    np.testing.assert_array_equal(D, spikes_to_dense(S, 1.0))
    np.testing.assert_array_equal(enc.inverse_transform(D),
                                  TTFSEncoder(encoding="intensity").fit(X).inverse_transform(S))
    # time mode: +inf and late times become max_time
    T = np.array([[0.0, 0.5, np.inf, 3.0]])
    np.testing.assert_array_equal(
        TTFSEncoder(max_time=2.0, sparse_output=False).fit_transform(T), [[0, 0.5, 2, 2]])


def test_dense_output_trains_the_same_model(digits):
    X, y = digits
    S = TTFSEncoder(encoding="intensity").fit_transform(X)
    D = TTFSEncoder(encoding="intensity", sparse_output=False).fit_transform(X)
    a = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(S, y)
    b = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(D, y)
    np.testing.assert_array_equal(a.weights_, b.weights_)


def test_column_transformer_with_dense_output_equals_the_plain_pipeline(digits):
    # the spike list would be densified by ColumnTransformer (missing spikes -> t = 0);
    # the dense output keeps "no spike" as max_time
    X, y = digits
    ct = ColumnTransformer([("enc", TTFSEncoder(encoding="intensity", sparse_output=False),
                             list(range(64)))])
    a = make_pipeline(ct, SpikingReadoutClassifier(max_iter=2, random_state=0)).fit(X, y)
    b = make_pipeline(TTFSEncoder(encoding="intensity"),
                      SpikingReadoutClassifier(max_iter=2, random_state=0)).fit(X, y)
    np.testing.assert_array_equal(a[-1].weights_, b[-1].weights_)


def test_set_output(digits):
    pd = pytest.importorskip("pandas")
    X, y = digits
    enc = TTFSEncoder(encoding="intensity", sparse_output=False).set_output(transform="pandas")
    D = enc.fit_transform(X)
    assert isinstance(D, pd.DataFrame)
    assert list(D.columns[:2]) == ["x0", "x1"]
    # a spike list stays sparse, so that set_output on a whole pipeline works
    pipe = make_pipeline(TTFSEncoder(encoding="intensity"),
                         SpikingReadoutClassifier(max_iter=1, random_state=0))
    pipe.set_output(transform="pandas").fit(X, y)
    assert sklearn.base.is_classifier(pipe)
    assert TTFSEncoder().set_output(transform="pandas").fit_transform(1 - X / 16).format == "csr"
    with sklearn.config_context(transform_output="pandas"):
        assert isinstance(enc.set_output(transform=None).transform(X), pd.DataFrame)
    with pytest.raises(ValueError, match="transform must be"):
        TTFSEncoder().set_output(transform="arrow")


def test_decision_function_is_centred_per_sample(digits):
    X, y = digits
    clf = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(1 - X / 16, y)
    D = clf.decision_function(1 - X / 16)
    # zero mean per row, except where the winner's score is raised above the others
    # (a tie, or a larger potential a little later)
    centred = np.abs(D.mean(axis=1)) < 1e-12 * max(1.0, np.abs(D).max())
    assert centred.mean() > 0.9
    np.testing.assert_array_equal(clf.classes_[D.argmax(axis=1)], clf.predict(1 - X / 16))
    P = np.exp(D - D.max(axis=1, keepdims=True))
    np.testing.assert_allclose(P / P.sum(axis=1, keepdims=True),
                               clf.predict_proba(1 - X / 16), rtol=1e-9, atol=1e-12)


def test_log_proba_keeps_the_order_of_proba():
    from spikencg.readout import _log_keeping_order

    # two probabilities one rounding apart, whose logarithms round to the same number
    P = np.array([[0.3478729296292892, 0.3478729296292891, 0.3042541407414216],
                  [0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    assert np.log(P[0, 0]) == np.log(P[0, 1])
    L = _log_keeping_order(P)
    np.testing.assert_array_equal(np.argsort(L), np.argsort(P))
    assert L[0, 0] > L[0, 1] and L[1, 0] == L[1, 1] and L[1, 2] == -np.inf
    with np.errstate(divide="ignore"):
        log_P = np.log(P)
    np.testing.assert_allclose(L, log_P, rtol=1e-15)
    np.testing.assert_array_equal(L[1:], log_P[1:])


def test_per_class_calibration_keeps_the_accuracy(digits):
    # with the common level of a sample's scores left in, one-vs-rest sigmoid
    # calibration lost 10-30 points of accuracy
    X, y = digits
    pipe = make_pipeline(TTFSEncoder(encoding="intensity"),
                         SpikingReadoutClassifier(max_iter=3, random_state=0))
    base = pipe.fit(X[:400], y[:400]).score(X[400:], y[400:])
    cal = CalibratedClassifierCV(pipe, cv=3, method="sigmoid").fit(X[:400], y[:400])
    assert cal.score(X[400:], y[400:]) > base - 0.08


def test_x_val_through_a_pipeline(digits):
    X, y = digits
    pipe = make_pipeline(TTFSEncoder(encoding="intensity"),
                         SpikingReadoutClassifier(max_iter=1, random_state=0))
    with pytest.raises(ValueError, match="X_val: .*transform_input"):
        pipe.fit(X[:300], y[:300],
                 spikingreadoutclassifier__X_val=X[300:400].reshape(-1, 8, 8),
                 spikingreadoutclassifier__y_val=y[300:400])
    with sklearn.config_context(enable_metadata_routing=True):
        clf = SpikingReadoutClassifier(max_iter=1, random_state=0)
        clf.set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline([("enc", TTFSEncoder(encoding="intensity")), ("clf", clf)],
                        transform_input=["X_val"])
        pipe.fit(X[:300], y[:300], X_val=X[300:400], y_val=y[300:400])
    assert pipe[-1].validation_accuracy_.shape == (1,)


def test_extractor_tags():
    tags = get_tags(STDPConvFeatures())
    assert tags.input_tags.three_d_array
    assert tags.transformer_tags.preserves_dtype == []


@pytest.mark.parametrize("seed", [1, 2])
def test_probabilities_stay_calibrated_on_few_separable_samples(seed):
    # 60 samples of two digits: the unregularised fit gave coefficients in the thousands
    # and a test log-loss of 1.46-1.89, worse than the uniform guess's 0.693
    from sklearn.metrics import log_loss

    X, y = load_digits(return_X_y=True)
    keep = np.isin(y, [3, 8])
    X, y = X[keep][:120], y[keep][:120]
    S = TTFSEncoder(encoding="intensity").fit(X[:60]).transform(X)
    clf = SpikingReadoutClassifier(max_iter=2, random_state=seed).fit(S[:60], y[:60])
    assert log_loss(y[60:], clf.predict_proba(S[60:])) < 0.6
    assert clf.proba_coef_.max() < 1000
