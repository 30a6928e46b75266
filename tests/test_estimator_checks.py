"""scikit-learn's common estimator checks on the classifier and on the Pipeline (and its
array API check on the classifier and the encoder, in a fresh process)."""

import os
import subprocess
import sys

import pytest
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from spikencg import SpikingReadoutClassifier, TTFSEncoder

_INF_NO_SPIKE = (
    "+inf is a valid input meaning 'no spike' (documented); NaN is rejected, which the "
    "test for NaN in tests/test_readout.py checks"
)
_TIMES = (
    "feature values are read as spike times in [0, max_time): the check's blob features "
    "(shifted to be positive) lie mostly beyond max_time=1, so nearly every input is "
    "silent; tests/test_readout.py checks learning on real spike-time data"
)
_SKLEARN_PIPELINE = "scikit-learn's own Pipeline fails this check (it stores fitted steps)"
_ABSENT_SPIKE = (
    "two of the check's three blobs give the same order of input spikes (feature 1, then "
    "feature 0: 86 % and 95 % of their samples) and differ only in when the spikes come; "
    "an IF first-spike readout decides by that order alone (a potential is the sum of the "
    "weights of the inputs arrived), so it cannot tell them apart: 0.643 accuracy at "
    "most (test below), 0.643 measured (also over S2-STDP, SSTDP and S4NN, with and without NCG, "
    "thresholds 0.1 to 0.8, 3 or 30 epochs), below the check's 0.83; a LIF readout's "
    "first output spike also depends on the gap between the two input spikes: 0.75 at "
    "most (the best three intervals of that gap); the population code (several "
    "fields per feature) passes it"
)

CLF_XFAIL = {
    "check_estimators_nan_inf": _INF_NO_SPIKE,
    "check_decision_proba_consistency": (
        "this check ignores the positive_only tag and feeds negative values, which are "
        "not spike times; tests/test_training.py checks the same consistency on "
        "spike-time data"
    ),
    "check_classifiers_train": _TIMES,
}

# the encoder reads any finite value in intensity and population modes (NaN and inf are
# errors, as the check wants)
PIPE_XFAIL = {
    "check_estimators_overwrite_params": _SKLEARN_PIPELINE,
    "check_dont_overwrite_parameters": _SKLEARN_PIPELINE,
}


def _expected(estimator):
    if type(estimator).__name__ == "Pipeline":
        if estimator[0].encoding == "intensity":
            return {**PIPE_XFAIL, "check_classifiers_train": _ABSENT_SPIKE}
        return PIPE_XFAIL
    return CLF_XFAIL


# The checks' data mostly lie beyond max_time, so the readout rightly warns that few
# samples make an output neuron fire; that warning is not what these checks test.
@pytest.mark.filterwarnings("ignore::spikencg.readout.ThresholdWarning")
@parametrize_with_checks(
    [
        SpikingReadoutClassifier(max_iter=3, random_state=0),
        make_pipeline(TTFSEncoder(encoding="intensity"),
                      SpikingReadoutClassifier(max_iter=3, random_state=0)),
        make_pipeline(TTFSEncoder(encoding="population"),
                      SpikingReadoutClassifier(max_iter=3, random_state=0)),
    ],
    expected_failed_checks=_expected,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# scikit-learn's array API check is skipped above: it needs SCIPY_ARRAY_API=1 before scipy
# is imported, which a running test session cannot set. It runs here in a fresh process,
# comparing the results with array API dispatch on (numpy namespace) and off.
_ARRAY_API_CODE = """
import warnings
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import check_array_api_input
from spikencg import SpikingReadoutClassifier, TTFSEncoder
from spikencg.readout import ThresholdWarning
warnings.simplefilter("ignore", ThresholdWarning)  # the check's data lie beyond max_time
for est in [SpikingReadoutClassifier(max_iter=3, random_state=0), TTFSEncoder(),
            TTFSEncoder(encoding="intensity"),
            TTFSEncoder(encoding="intensity", per_feature=True, max_time=3.0),
            TTFSEncoder(encoding="population"),
            make_pipeline(TTFSEncoder(encoding="intensity"),
                          SpikingReadoutClassifier(max_iter=3, random_state=0)),
            make_pipeline(TTFSEncoder(encoding="population"),
                          SpikingReadoutClassifier(max_iter=3, random_state=0))]:
    check_array_api_input(type(est).__name__, est, array_namespace="numpy",
                          check_values=True, expect_only_array_outputs=False)
print("checked")
"""


def test_array_api_dispatch_numpy():
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    res = subprocess.run([sys.executable, "-c", _ARRAY_API_CODE], env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip().endswith("checked")


def test_intensity_pipeline_failure_is_a_bound_not_a_bug():
    # the xfail of check_classifiers_train for the intensity Pipeline, measured on the
    # check's own data (three blobs, 2 features, standardised): with one spike per
    # feature an IF readout's first output spike depends on which input spike comes
    # first, a LIF readout's on that and the gap between the two; neither can reach the
    # check's 0.83 (the samples at a feature's training minimum, which send one spike
    # only, counted as right)
    import itertools

    import numpy as np
    from sklearn.datasets import make_blobs
    from sklearn.preprocessing import StandardScaler

    X, y = make_blobs(n_samples=300, random_state=0)
    X = StandardScaler().fit_transform(X)
    t = TTFSEncoder(encoding="intensity", sparse_output=False).fit_transform(X)
    both = (t < 1.0).all(axis=1)  # (t = max_time: no spike)
    n, n_one = len(y), int((~both).sum())
    assert n_one == 2  # the two features' minima
    gap, yb = t[both, 1] - t[both, 0], y[both]
    # IF: the best class per order of the two spikes
    by_order = sum(np.bincount(yb[m], minlength=3).max()
                   for m in (gap < 0, gap == 0, gap > 0) if m.any())
    # LIF: the best three intervals of the gap, in any order of the classes
    ys = yb[np.argsort(gap, kind="stable")]
    prefix = np.vstack([np.zeros(3), np.cumsum(np.eye(3)[ys], axis=0)])
    m = len(ys)
    i, j = np.arange(m + 1)[:, None], np.arange(m + 1)[None, :]
    by_gap = max(
        float(np.where(j >= i, prefix[i, a] + prefix[j, b] - prefix[i, b]
                       + prefix[m, c] - prefix[j, c], 0).max())
        for a, b, c in itertools.permutations(range(3)))
    # (the IF readout scores this bound, 0.643, in the check itself: see _ABSENT_SPIKE)
    assert (by_order + n_one) / n == pytest.approx(0.643, abs=1e-3)
    assert (by_gap + n_one) / n == pytest.approx(0.75)
    assert max(by_order, by_gap) + n_one < 0.83 * n
