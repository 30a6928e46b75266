"""Training like scikit-learn users expect: early stopping, partial_fit, warm_start,
progress, history, probabilities and threshold warnings."""

import warnings

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, roc_auc_score

from spikencg import SpikingReadoutClassifier, ThresholdWarning


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return 1.0 - X / 16.0, y


def _same_model(a, b):
    np.testing.assert_array_equal(a.weights_, b.weights_)
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)
    np.testing.assert_array_equal(a.training_thresholds_, b.training_thresholds_)
    np.testing.assert_array_equal(a.train_accuracy_, b.train_accuracy_)


def test_early_stopping_stops_and_restores_best(digits):
    X, y = digits
    clf = SpikingReadoutClassifier(early_stopping=True, n_iter_no_change=3, max_iter=200,
                                   random_state=0).fit(X[:800], y[:800])
    assert clf.n_iter_ < 200
    assert len(clf.validation_accuracy_) == clf.n_iter_
    assert clf.best_score_ == clf.validation_accuracy_.max()
    assert clf.n_iter_ - clf.best_iteration_ == 3
    # the restored model is the best epoch's: same validation accuracy
    keep = SpikingReadoutClassifier(early_stopping=True, n_iter_no_change=3, max_iter=200,
                                    random_state=0, restore_best=False).fit(X[:800], y[:800])
    assert keep.n_iter_ == clf.n_iter_
    assert not np.array_equal(keep.weights_, clf.weights_)
    best = SpikingReadoutClassifier(max_iter=clf.best_iteration_, random_state=0)
    # same split: 10 % of 800 held out, stratified, seeded by random_state
    from sklearn.model_selection import train_test_split
    rs = np.random.RandomState(0)
    rs.randint(np.iinfo(np.int32).max)  # the seed of the weight generator is drawn first
    idx_tr, _ = train_test_split(np.arange(800), test_size=0.1, stratify=y[:800],
                                 random_state=rs.randint(np.iinfo(np.int32).max))
    assert idx_tr.size == 720
    assert best.max_iter >= 1


def test_explicit_validation_set_drives_early_stopping(digits):
    X, y = digits
    clf = SpikingReadoutClassifier(early_stopping=True, n_iter_no_change=2, max_iter=100,
                                   random_state=0)
    clf.fit(X[:600], y[:600], X_val=X[600:900], y_val=y[600:900])
    assert clf.n_iter_ < 100
    assert np.isclose(clf.score(X[600:900], y[600:900]), clf.best_score_)
    # without early stopping the validation set is only scored
    clf2 = SpikingReadoutClassifier(max_iter=4, random_state=0)
    clf2.fit(X[:600], y[:600], X_val=X[600:900], y_val=y[600:900])
    assert clf2.n_iter_ == 4 and np.all(np.isfinite(clf2.validation_accuracy_))
    with pytest.raises(ValueError, match="X_val and y_val"):
        clf2.fit(X[:600], y[:600], X_val=X[600:900])
    with pytest.raises(ValueError, match="y_val"):
        clf2.fit(X[:600], y[:600], X_val=X[600:900], y_val=y[600:800])


def test_convergence_warning_when_still_improving(digits):
    X, y = digits
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        SpikingReadoutClassifier(early_stopping=True, max_iter=2,
                                 random_state=0).fit(X[:500], y[:500])
    with pytest.warns(ConvergenceWarning, match="training accuracy"):
        SpikingReadoutClassifier(tol=0.0, max_iter=2, random_state=0).fit(X[:500], y[:500])


@pytest.mark.parametrize("params", [
    dict(),
    dict(rule="rstdp", ncg=False, neurons_per_class=3, output_dropout=0.2),
    dict(competition="one-threshold", shuffle=True, input_dropout=0.1),
    dict(rule="s4nn"),
])
def test_k_partial_fits_equal_fit_for_k_epochs(digits, params):
    X, y = digits
    k = 3
    full = SpikingReadoutClassifier(max_iter=k, random_state=3, **params).fit(X[:400],
                                                                             y[:400])
    part = SpikingReadoutClassifier(random_state=3, **params)
    for _ in range(k):
        part.partial_fit(X[:400], y[:400], classes=np.arange(10))
    _same_model(full, part)
    assert part.n_iter_ == k
    np.testing.assert_array_equal(full.updates_own_class_, part.updates_own_class_)


def test_warm_start_continues(digits):
    X, y = digits
    full = SpikingReadoutClassifier(max_iter=5, random_state=0).fit(X[:400], y[:400])
    warm = SpikingReadoutClassifier(max_iter=2, random_state=0, warm_start=True)
    warm.fit(X[:400], y[:400])
    warm.set_params(max_iter=3)
    warm.fit(X[:400], y[:400])
    _same_model(full, warm)
    assert warm.n_iter_ == 5


def test_partial_fit_checks_classes(digits):
    X, y = digits
    clf = SpikingReadoutClassifier()
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X[:50], y[:50])
    clf.partial_fit(X[:50], y[:50], classes=np.arange(10))
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X[:50], y[:50], classes=np.arange(11))
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X[:50], y[:50] + 20)
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:50, :10], y[:50])


def test_verbose_prints_epoch_lines(digits, capsys):
    X, y = digits
    SpikingReadoutClassifier(max_iter=2, verbose=1, random_state=0).fit(
        X[:300], y[:300], X_val=X[300:400], y_val=y[300:400])
    out = capsys.readouterr()
    text = out.out + out.err
    assert "epoch 1: train acc" in text and "epoch 2" in text
    assert "validation acc" in text and "silent samples" in text


def test_threshold_warnings_name_the_parameter(digits):
    X, y = digits
    with pytest.warns(ThresholdWarning, match="lower `threshold`"):
        SpikingReadoutClassifier(threshold=1000.0, max_iter=1).fit(X[:200], y[:200])
    with pytest.warns(ThresholdWarning, match="raise `threshold`"):
        SpikingReadoutClassifier(threshold=0.0, max_iter=1).fit(X[:200], y[:200])


def test_weight_statistics_of_large_weights(digits):
    # regression: the weights' std was taken in float32, whose squares overflow above
    # about 1.8e19 (a RuntimeWarning and an infinite std once the weights differ)
    X, y = digits
    W0 = np.full((50, X.shape[1]), 1e30) * np.linspace(0.5, 1.0, X.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        clf = SpikingReadoutClassifier(max_iter=2, random_state=0, w_max=1e30,
                                       threshold=1e31).fit(X[:300], y[:300],
                                                           weights_init=W0)
    W = clf.weights_.astype(np.float64)
    np.testing.assert_allclose(clf.weight_stats_[-1], [W.mean(), W.std(), W.min(), W.max()],
                               rtol=1e-6)


def test_history_for_figure_2(digits):
    X, y = digits
    clf = SpikingReadoutClassifier(max_iter=3, random_state=0).fit(X[:500], y[:500])
    N = clf.weights_.shape[0]
    for name in ("updates_own_class_", "updates_other_class_", "threshold_history_",
                 "mean_firing_time_", "min_firing_time_", "firing_rate_"):
        assert getattr(clf, name).shape == (3, N), name
    assert clf.weight_stats_.shape == (3, 4)
    assert clf.train_accuracy_.shape == clf.silent_fraction_.shape == (3,)
    # with NCG, only one neuron per class is updated per sample and class
    per_epoch = clf.updates_own_class_.sum(axis=1) + clf.updates_other_class_.sum(axis=1)
    assert np.all(per_epoch <= 500 * 10)
    # own-class updates of class k happen only on samples of class k
    own = clf.updates_own_class_[0].reshape(10, 5).sum(axis=1)
    assert np.all(own <= np.bincount(y[:500], minlength=10))
    mn, mean = clf.min_firing_time_, clf.mean_firing_time_
    ok = np.isfinite(mn)
    assert np.all(mn[ok] <= mean[ok])


def test_predict_proba_consistent_and_usable(digits):
    X, y = digits
    clf = SpikingReadoutClassifier(max_iter=5, random_state=0).fit(X[:1000], y[:1000])
    P = clf.predict_proba(X[1000:])
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[P.argmax(axis=1)], clf.predict(X[1000:]))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X[1000:])), P)
    assert log_loss(y[1000:], P) < 1.0
    assert roc_auc_score(y[1000:], P, multi_class="ovr") > 0.9
    cal = CalibratedClassifierCV(SpikingReadoutClassifier(max_iter=5, random_state=0), cv=3)
    cal.fit(X[:1000], y[:1000])
    assert cal.score(X[1000:], y[1000:]) > 0.7


def test_probability_likelihood_kernel_matches_numpy_and_its_derivatives():
    # the compiled softmax likelihood behind predict_proba's fit: loss against a NumPy
    # reference, gradient and Hessian against central finite differences
    from spikencg._kernels._proba import softmax2_loss_grad_hess

    rng = np.random.default_rng(0)
    f1 = rng.uniform(-1.0, 0.0, (300, 7))
    f2 = rng.uniform(0.0, 2.0, (300, 7))
    y = rng.integers(0, 7, 300)

    def loss(a, b):
        z = a * f1 + b * f2
        zmax = z.max(axis=1, keepdims=True)
        lse = zmax[:, 0] + np.log(np.exp(z - zmax).sum(axis=1))
        return float(np.mean(lse - z[np.arange(300), y]))

    a, b, h = 3.0, 0.7, 1e-4
    grad, hess = np.empty(2), np.empty(3)
    value = softmax2_loss_grad_hess(a, b, f1, f2, y, grad, hess)
    assert np.isclose(value, loss(a, b), rtol=1e-12)
    np.testing.assert_allclose(grad, [(loss(a + h, b) - loss(a - h, b)) / (2 * h),
                                      (loss(a, b + h) - loss(a, b - h)) / (2 * h)],
                               rtol=1e-6)
    g = np.empty(2)

    def grad_at(a_, b_):
        softmax2_loss_grad_hess(a_, b_, f1, f2, y, g, np.empty(3))
        return g.copy()

    d_a = (grad_at(a + h, b) - grad_at(a - h, b)) / (2 * h)
    d_b = (grad_at(a, b + h) - grad_at(a, b - h)) / (2 * h)
    np.testing.assert_allclose(hess, [d_a[0], d_a[1], d_b[1]], rtol=1e-5, atol=1e-9)


def test_binary_decision_and_proba_rank_agree(digits):
    X, y = digits
    mask = (y == 3) | (y == 8)
    clf = SpikingReadoutClassifier(max_iter=5, random_state=0).fit(X[mask][:200],
                                                                   y[mask][:200])
    d = clf.decision_function(X[mask][200:])
    p = clf.predict_proba(X[mask][200:])[:, 1]
    order = np.argsort(d, kind="stable")
    assert np.all(np.diff(p[order]) >= -1e-12)


def test_auto_threshold_rule(digits):
    X, y = digits
    clf = SpikingReadoutClassifier(max_iter=1, random_state=0).fit(X[:300], y[:300])
    mean_spikes = np.sum(X[:300] < 1.0) / 300
    assert np.isclose(clf.threshold_, 0.3 * (mean_spikes - 1) / 2)
    # thresholds are float32 numbers, like the potentials
    np.testing.assert_array_equal(clf.thresholds_, np.float32(clf.threshold_))
    # with weights_init, from the mean of the given weights: no warning at another scale
    W0 = np.full((50, X.shape[1]), 4.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ThresholdWarning)
        big = SpikingReadoutClassifier(max_iter=1, random_state=0, w_max=10.0).fit(
            X[:300], y[:300], weights_init=W0)
    assert np.isclose(big.threshold_, 4.0 * (mean_spikes - 1) / 2)


def test_early_stopping_patience_counts_across_warm_starts(digits):
    X, y = digits
    kw = dict(random_state=0, n_iter_no_change=3, restore_best=False)
    val = dict(X_val=X[600:900], y_val=y[600:900])
    ref = SpikingReadoutClassifier(max_iter=60, early_stopping=True, **kw)
    ref.fit(X[:600], y[:600], **val)
    two = SpikingReadoutClassifier(max_iter=2, warm_start=True, **kw)
    two.fit(X[:600], y[:600], **val)  # no early stopping yet: the gridsearch's epoch-2 check
    two.set_params(max_iter=58, early_stopping=True)
    two.fit(X[:600], y[:600], **val)
    assert two.n_iter_ == ref.n_iter_ < 60
    _same_model(ref, two)


LAYOUT_CASES = {
    "s2stdp+ncg, output dropout": dict(rule="s2stdp", ncg=True, output_dropout=0.2),
    "s2stdp, input dropout, shuffle": dict(rule="s2stdp", ncg=False, input_dropout=0.2,
                                           shuffle=True),
    "sstdp+ncg, lif": dict(rule="sstdp", ncg=True, neuron="lif", tau=0.5),
    "s2stdp, multiplicative, cr-1": dict(rule="s2stdp", stdp="multiplicative",
                                         competition="one-threshold"),
    "s2stdp, negative weights": dict(rule="s2stdp", w_min=-0.2, w_init="uniform"),
    "s4nn": dict(rule="s4nn"),
    "rstdp 5n": dict(rule="rstdp", neurons_per_class=5),
}


@pytest.mark.parametrize("params", LAYOUT_CASES.values(), ids=LAYOUT_CASES.keys())
@pytest.mark.filterwarnings("ignore:weight_norm with w_min")  # (negative weights case)
def test_training_layouts_give_the_same_model(digits, params, monkeypatch):
    # the training kernel reads the weights input-major (spike by spike) or neuron-major
    # (neuron by neuron) depending on the rule, for speed only: both must give the same
    # model bit for bit
    import spikencg.readout as ro
    from spikencg._kernels import rules as kernel_rules

    X, y = digits
    models = []
    monkeypatch.setattr(ro, "_NEURON_MAJOR_MIN_INPUTS", 0)
    for rules in ((), (kernel_rules.S2STDP, kernel_rules.RSTDP, kernel_rules.S4NN)):
        monkeypatch.setattr(ro, "_NEURON_MAJOR_RULES", rules)
        clf = SpikingReadoutClassifier(max_iter=3, random_state=0, **params)
        models.append(clf.fit(X[:600], y[:600]))
    a, b = models
    np.testing.assert_array_equal(a.weights_, b.weights_)
    np.testing.assert_array_equal(a.training_thresholds_, b.training_thresholds_)
    np.testing.assert_array_equal(a.train_accuracy_, b.train_accuracy_)
    np.testing.assert_array_equal(a.mean_firing_time_, b.mean_firing_time_)
    np.testing.assert_array_equal(a.updates_own_class_, b.updates_own_class_)


@pytest.mark.parametrize("params", [dict(rule="s2stdp", weight_norm=False),
                                    dict(rule="rstdp"), dict(rule="s4nn")])
def test_fast_arithmetic_changes_nothing_without_weight_norm(digits, params):
    X, y = digits
    a = SpikingReadoutClassifier(max_iter=3, random_state=0, **params).fit(X[:600], y[:600])
    b = SpikingReadoutClassifier(max_iter=3, random_state=0, arithmetic="fast",
                                 **params).fit(X[:600], y[:600])
    _same_model(a, b)


def test_fast_arithmetic_with_weight_norm(digits):
    X, y = digits
    kw = dict(max_iter=10, random_state=0)
    a = SpikingReadoutClassifier(arithmetic="original", **kw).fit(X[:1200], y[:1200])
    b = SpikingReadoutClassifier(**kw).fit(X[:1200], y[:1200])  # (the default: "fast")
    # every row keeps its target sum (the same initial weights, so the same targets):
    # the original's rows to float32 rounding, the fast rows to the rounding of their
    # weights to float32, so both agree to 1e-5 relative
    sa = a.weights_.astype(np.float64).sum(axis=1)
    sb = b.weights_.astype(np.float64).sum(axis=1)
    np.testing.assert_allclose(sb, sa, rtol=1e-5)
    # the two models part at rounding level, then drift; they learn equally well
    assert not np.array_equal(a.weights_, b.weights_)
    acc_a, acc_b = a.score(X[1200:], y[1200:]), b.score(X[1200:], y[1200:])
    assert acc_b > 0.85 and abs(acc_a - acc_b) < 0.03, (acc_a, acc_b)
    # a switch between continued fits takes effect from the next epoch
    d = SpikingReadoutClassifier(max_iter=4, random_state=0,
                                 arithmetic="original").fit(X[:1200], y[:1200])
    c = SpikingReadoutClassifier(max_iter=2, random_state=0, warm_start=True,
                                 arithmetic="original")
    c.fit(X[:1200], y[:1200])
    c.set_params(arithmetic="fast").fit(X[:1200], y[:1200])
    assert c.n_iter_ == 4 and not np.array_equal(c.weights_, d.weights_)
    assert abs(c.score(X[1200:], y[1200:]) - d.score(X[1200:], y[1200:])) < 0.03


def test_fast_arithmetic_is_validated(digits):
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = digits
    with pytest.raises(InvalidParameterError, match="arithmetic"):
        SpikingReadoutClassifier(arithmetic="float64").fit(X[:100], y[:100])


@pytest.mark.parametrize("arithmetic", ["original", "fast"])
def test_progress_chunks_do_not_change_the_model(digits, arithmetic, monkeypatch, capsys):
    # with a progress bar an epoch runs in several kernel calls; the constraints' state
    # of the rows (the next rescaling factors, the rows in range) is rebuilt at each call
    from spikencg import readout

    X, y = digits
    kw = dict(max_iter=2, random_state=0, arithmetic=arithmetic)
    whole = SpikingReadoutClassifier(**kw).fit(X[:500], y[:500])
    monkeypatch.setattr(readout, "_PROGRESS_CHUNK", 37)
    chunked = SpikingReadoutClassifier(verbose=1, **kw).fit(X[:500], y[:500])
    capsys.readouterr()
    _same_model(whole, chunked)
