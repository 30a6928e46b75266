"""What a user can get wrong around a fitted model: edited fitted arrays, parameters
changed between continued fits, non-finite parameters, ambiguous input; each gives a
clear error or warning (or takes effect), never a crash or a silent wrong answer."""

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits

from spikencg import SpikingReadoutClassifier, ThresholdWarning, TTFSEncoder
from spikencg.datasets import load_mnist
from spikencg.features import STDPConvFeatures


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return 1.0 - X[:300] / 16.0, y[:300]


def _fit(X, y, **kw):
    return SpikingReadoutClassifier(max_iter=1, random_state=0, **kw).fit(X, y)


# ---------------------------------------------------------------- fitted arrays
@pytest.mark.parametrize("name, value, match", [
    ("weights_", np.ones((20, 64)), r"weights_ must have shape \(50, 64\).*got \(20, 64\)"),
    ("weights_", np.ones((50, 10)), r"weights_ must have shape \(50, 64\).*got \(50, 10\)"),
    ("weights_", "x", "weights_ must be a numeric array"),
    ("thresholds_", np.ones(5), r"thresholds_ must have shape \(50,\)"),
    ("training_thresholds_", np.ones(51), r"training_thresholds_ must have shape"),
    ("thresholds_", np.full(50, np.nan), "thresholds_ contains NaN"),
])
@pytest.mark.parametrize("call", ["predict", "predict_proba", "partial_fit", "warm_fit"])
def test_edited_fitted_arrays_are_checked(digits, name, value, match, call):
    # a wrong shape used to crash the process (heap corruption) or read past the array
    X, y = digits
    clf = _fit(X, y, warm_start=call == "warm_fit")
    setattr(clf, name, value)
    with pytest.raises(ValueError, match=match):
        if call == "partial_fit":
            clf.partial_fit(X, y)
        elif call == "warm_fit":
            clf.fit(X, y)
        else:
            getattr(clf, call)(X)


def test_replaced_fitted_arrays_of_another_layout_work(digits):
    X, y = digits
    ref = _fit(X, y)
    clf = _fit(X, y)
    clf.weights_ = np.array(clf.weights_, dtype=np.float64, order="C")  # C order, float64
    clf.thresholds_ = list(clf.thresholds_)
    np.testing.assert_array_equal(clf.predict(X), ref.predict(X))
    ref.partial_fit(X, y)
    clf.partial_fit(X, y)  # converted, then trained in place
    assert clf.weights_.dtype == np.float32
    np.testing.assert_array_equal(clf.weights_, ref.weights_)
    np.testing.assert_array_equal(clf.thresholds_, ref.thresholds_)


# ---------------------------------------------------------------- continued training
def test_changed_rates_take_effect_when_continuing(digits):
    X, y = digits
    a = _fit(X, y, warm_start=True).fit(X, y)
    b = _fit(X, y, warm_start=True).set_params(a_plus=0.05).fit(X, y)
    assert not np.array_equal(a.weights_, b.weights_)
    # unchanged parameters: 1 + 1 epochs are still exactly 2 epochs
    two = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(a.weights_, two.weights_)
    # the new rate is annealed as far as the others: a_plus=0.05 from the start, then
    # 2 epochs, equals 1 epoch at 0.05 continued with 0.05
    c = SpikingReadoutClassifier(max_iter=2, random_state=0, a_plus=0.05).fit(X, y)
    d = _fit(X, y, warm_start=True, a_plus=0.05).fit(X, y)
    np.testing.assert_array_equal(c.weights_, d.weights_)


def test_changed_rate_is_annealed_by_the_epochs_run(digits):
    X, y = digits
    clf = _fit(X, y, warm_start=True, annealing=0.5)
    clf.set_params(a_plus=0.04)
    clf._continue_with(clf._resolve(10))
    assert clf._state.rates.value[0] == 0.04 * 0.5


def test_turning_weight_norm_on_keeps_the_current_row_sums(digits):
    X, y = digits
    clf = _fit(X, y, warm_start=True, weight_norm=False)
    sums = clf.weights_.astype(np.float64).sum(axis=1)
    clf.set_params(weight_norm=True).fit(X, y)
    # the rows that were updated are rescaled to their sums (not to 1)
    np.testing.assert_allclose(clf.weights_.astype(np.float64).sum(axis=1), sums,
                               rtol=1e-5)


@pytest.mark.parametrize("change, match", [
    (dict(threshold=3.0), "threshold=3.0"),
    (dict(rule="rstdp"), r"non-target neurons 1 -> 0"),
    (dict(neurons_per_class=3), r"neurons per class 5 -> 3"),
])
def test_unchangeable_parameters_raise_when_continuing(digits, change, match):
    X, y = digits
    clf = _fit(X, y, warm_start=True).set_params(**change)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    with pytest.raises(ValueError, match=match):
        clf.partial_fit(X, y)


def test_weights_init_cannot_continue(digits):
    X, y = digits
    clf = _fit(X, y, warm_start=True)
    with pytest.raises(ValueError, match="weights_init cannot be used to continue"):
        clf.fit(X, y, weights_init=np.full((50, 64), 0.3))


def test_refit_without_stopping_drops_the_old_best_iteration(digits):
    X, y = digits
    clf = SpikingReadoutClassifier(max_iter=2, tol=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    assert hasattr(clf, "best_iteration_")
    clf.set_params(tol=None).fit(X, y)
    assert not hasattr(clf, "best_iteration_") and not hasattr(clf, "best_score_")


def test_edited_thresholds_set_the_cr2_floor(digits):
    # CR-2 clips the adaptive thresholds at the smallest threshold training starts
    # from: after thresholds_ were lowered, that is the edited value, not the first
    # fit's (which clipped every decrement back up to it)
    X, y = digits
    clf = _fit(X, y, warm_start=True, threshold=5.0)
    clf.thresholds_[:] = 4.0
    clf.training_thresholds_[:] = 4.0
    with warnings.catch_warnings():  # (the thresholds may suit the data badly)
        warnings.simplefilter("ignore", ThresholdWarning)
        clf.fit(X, y)
    assert clf._state.threshold_floor == 4.0
    assert clf.training_thresholds_.min() < 5.0


def test_weight_norm_with_negative_weights_warns(digits):
    X, y = digits
    with pytest.warns(UserWarning, match="weight_norm with w_min=-0.2 < 0"):
        _fit(X, y, w_min=-0.2, w_init="uniform")


# ---------------------------------------------------------------- parameters
@pytest.mark.parametrize("params", [dict(a_plus=np.nan), dict(a_minus=-np.inf),
                                    dict(w_init_mean=np.nan), dict(w_max=np.inf),
                                    dict(anti_a_plus=np.inf), dict(w_min=-np.inf)])
def test_non_finite_parameters_raise(digits, params):
    X, y = digits
    (name, _), = params.items()
    # (the weights' parameters are bounded by float32's range, which names them too)
    message = f"{name} must be finite|'{name}' parameter .* Got -?(nan|inf) instead"
    with pytest.raises(ValueError, match=message):
        _fit(X, y, **params)
    with pytest.raises(ValueError, match=message):
        SpikingReadoutClassifier(**params).partial_fit(X, y, classes=np.unique(y))


def test_t_gap_default_follows_max_time(digits):
    # every time scaled by 2 (exact) with max_time=2: the same model, bitwise
    X, y = digits
    a = _fit(X, y)
    b = _fit(2.0 * X, y, max_time=2.0)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    np.testing.assert_array_equal(a.predict(X), b.predict(2.0 * X))


def test_validation_fraction_too_small_names_the_parameter(digits):
    X, y = digits
    with pytest.raises(ValueError, match="validation_fraction=0.01"):
        _fit(X[:100], y[:100], early_stopping=True, validation_fraction=0.01)


# ---------------------------------------------------------------- inputs
def test_coo_duplicates_are_rejected_not_summed():
    X = sp.coo_matrix((np.array([0.3, 0.4, 0.2, 0.5]),
                       (np.array([0, 0, 1, 1]), np.array([1, 1, 0, 1]))), shape=(2, 3))
    clf = SpikingReadoutClassifier(max_iter=1)
    with pytest.raises(ValueError, match="more than one spike for the same input"):
        clf.fit(X, [0, 1])
    with pytest.raises(ValueError, match="more than one spike for the same input"):
        clf.partial_fit(X, [0, 1], classes=[0, 1])
    ok = sp.coo_matrix((np.array([0.3, 0.2, 0.5]), (np.array([0, 1, 1]),
                                                     np.array([1, 0, 1]))), shape=(2, 3))
    with warnings.catch_warnings():  # (two samples: the threshold hardly fits them)
        warnings.simplefilter("ignore", ThresholdWarning)
        clf.fit(ok, [0, 1])
    with pytest.raises(ValueError, match="more than one spike for the same input"):
        clf.predict(X)


def test_input_errors_name_the_estimator(digits):
    X, y = digits
    bad = X.copy()
    bad[3, 0] = -0.5
    with pytest.raises(ValueError, match="passed to SpikingReadoutClassifier as X"):
        _fit(bad, y)


def test_warnings_point_at_the_callers_line(digits):
    X, y = digits
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit(X, y, threshold=1000.0)  # every sample silent
    assert [w.filename for w in caught if w.category is ThresholdWarning] == [__file__]


def test_silent_because_no_input_spike_says_so(digits):
    # encoded with max_time=10, read with the default max_time=1: most spikes dropped
    X, y = digits
    S = TTFSEncoder(max_time=10.0).fit_transform(10.0 * X)
    S.data += 1.0  # every spike at or after t=1
    with pytest.warns(ThresholdWarning, match="no input spike before max_time=1"):
        _fit(S, y)


# ---------------------------------------------------------------- feature extractor
@pytest.fixture(scope="module")
def extractor():
    imgs = np.random.default_rng(0).integers(0, 255, (10, 28, 28)).astype(np.uint8)
    return STDPConvFeatures(n_maps=4, max_iter=1, random_state=0).fit(imgs), imgs


@pytest.mark.parametrize("name, cut, match", [
    ("filters_", slice(0, 2), r"filters_ must have the fitted shape \(4, 2, 5, 5\)"),
    ("thresholds_", slice(0, 3), r"thresholds_ must have the fitted shape \(4,\)"),
])
def test_extractor_checks_edited_arrays(extractor, name, cut, match):
    ext, imgs = extractor
    ref = ext.transform(imgs)
    old = getattr(ext, name)
    try:
        setattr(ext, name, old[cut])
        with pytest.raises(ValueError, match=match):
            ext.transform(imgs)
        setattr(ext, name, np.full_like(old, np.nan))
        with pytest.raises(ValueError, match=f"{name} contains NaN"):
            ext.transform(imgs)
    finally:
        setattr(ext, name, old)
    np.testing.assert_array_equal(ext.transform(imgs), ref)


def test_extractor_warns_when_it_learned_nothing(extractor):
    _, imgs = extractor
    with pytest.warns(UserWarning, match="No STDP update took place"):
        ext = STDPConvFeatures(n_maps=4, kernel_size=3, threshold_init=30.0, max_iter=1,
                               random_state=0).fit(imgs)
    assert ext.n_updates_ == 0


def test_extractor_rejects_nan_dog_sigmas(extractor):
    _, imgs = extractor
    with pytest.raises(ValueError, match="dog_sigmas must be finite"):
        STDPConvFeatures(n_maps=2, dog_sigmas=(np.nan, 2.0)).fit(imgs)


# ---------------------------------------------------------------- datasets
def test_load_mnist_does_not_take_mnist_for_fashion_mnist(tmp_path, monkeypatch):
    # nothing else to find: no $SPIKENCG_DATA, ~ and ../shared/data elsewhere
    monkeypatch.delenv("SPIKENCG_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte").write_bytes(b"")  # the marker is enough
    with pytest.raises(FileNotFoundError, match="fashion-mnist IDX files not found"):
        load_mnist(folder, name="fashion-mnist")


@pytest.mark.parametrize("which", ["model", "older"])
def test_a_model_saved_before_the_training_state_object_loads_and_continues(digits, which):
    # models pickled by earlier versions (tests/data/make_legacy_readout.py) kept their
    # training state in loose private attributes; "older" ones also lack the values set
    # at the first fit
    X, y = digits
    with open(Path(__file__).with_name("data") / "legacy_readout.pkl", "rb") as f:
        clf = pickle.load(f)[which]
    assert not hasattr(clf, "_p") and hasattr(clf, "_state")
    # parameters added since get the behaviour it was trained with: the original
    # arithmetic (the default "fast" came later), the others their defaults
    assert clf.arithmetic == "original"
    one = _fit(X, y, arithmetic="original")
    np.testing.assert_array_equal(clf.weights_, one.weights_)
    np.testing.assert_array_equal(clf.predict(X), one.predict(X))
    clf.fit(X, y)
    two = SpikingReadoutClassifier(max_iter=2, random_state=0,
                                   arithmetic="original").fit(X, y)
    np.testing.assert_array_equal(clf.weights_, two.weights_)
    np.testing.assert_array_equal(clf.training_thresholds_, two.training_thresholds_)
    np.testing.assert_array_equal(clf.train_accuracy_, two.train_accuracy_)


def test_a_fitted_model_pickles_and_continues(digits):
    X, y = digits
    clf = pickle.loads(pickle.dumps(_fit(X, y, warm_start=True)))
    two = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.fit(X, y).weights_, two.weights_)
