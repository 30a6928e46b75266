"""pandas DataFrames in, as scikit-learn users pass them: feature names kept and checked."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline

from spikencg import SpikingReadoutClassifier, TTFSEncoder

pd = pytest.importorskip("pandas", reason="pandas is part of the test extra")


@pytest.fixture(scope="module")
def digits_frame():
    X, y = load_digits(return_X_y=True, as_frame=True)
    return X.iloc[:400], y.iloc[:400]


def test_pipeline_on_a_dataframe_equals_the_array_run(digits_frame):
    X, y = digits_frame
    pipe = make_pipeline(TTFSEncoder(encoding="intensity"),
                         SpikingReadoutClassifier(max_iter=3, random_state=0))
    pipe.fit(X, y)
    enc = pipe[0]
    assert list(enc.feature_names_in_) == list(X.columns)
    assert list(enc.get_feature_names_out()) == list(X.columns)
    ref = make_pipeline(TTFSEncoder(encoding="intensity"),
                        SpikingReadoutClassifier(max_iter=3, random_state=0))
    ref.fit(X.to_numpy(), y.to_numpy())
    np.testing.assert_array_equal(pipe.predict(X), ref.predict(X.to_numpy()))
    np.testing.assert_array_equal(pipe[-1].weights_, ref[-1].weights_)


def test_classifier_checks_the_columns(digits_frame):
    X, y = digits_frame
    T = 1.0 - X / 16.0  # first-spike times, still a DataFrame
    clf = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(T, y)
    assert list(clf.feature_names_in_) == list(X.columns)
    assert clf.predict(T).shape == (400,)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(T[T.columns[::-1]])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        clf.predict(T.to_numpy())
