"""Sign of every STDP / anti-STDP update, and small behaviours of the rules."""

import numpy as np
import pytest

from spikencg._kernels import _train, competition, rules


def _run_one(rule, W, x_times, label, *, n_classes=2, M=1, L=0, class_inhib=False,
             theta=1.0, t_gap=0.2, ap=0.1, am=-0.1, anti_ap=-0.1, anti_am=0.1, lr=0.1,
             time_ranges=False, t_ltd=np.inf, w_min=-10.0, w_max=10.0):
    """One training step on a single sample; returns (W before, W after) output-major."""
    idx = np.argsort(x_times, kind="stable")
    idx = idx[x_times[idx] < 1.0].astype(np.int32)
    times = x_times[idx].astype(np.float64)
    indptr = np.array([0, len(idx)], np.int64)
    N = W.shape[0]
    theta_a = np.full(N, theta)
    results = []
    for row_major in (True, False):  # both layouts of the training kernel
        Win = np.ascontiguousarray(W.T, dtype=np.float32)
        cfg = _train.settings(
            n_classes=n_classes, neurons_per_class=M, non_target_neurons=L,
            class_inhibition=class_inhib, competition=competition.NONE,
            threshold_floor=theta, rule=rule, time_ranges=time_ranges,
            adaptive_rates=False, leak=False, tau=1.0, max_time=1.0, w_min=w_min,
            w_max=w_max, weight_norm=False, multiplicative=False, beta=1.0, t_ltd=t_ltd,
            t_gap=t_gap, output_dropout=0.0, input_dropout=0.0, row_major=row_major,
            exact=True)
        layer = _train.Layer(Win, theta_a, theta_a.copy(), np.ones(N))
        _train.train_epoch((indptr, idx, times), np.array([label], np.int64),
                           np.array([0], np.int64), layer, cfg,
                           _train.rates(ap, am, anti_ap, anti_am, lr, 0.0, 0.5),
                           np.random.default_rng(0), _train.new_record(1, N))
        results.append(Win.T.astype(np.float64))
    np.testing.assert_array_equal(results[0], results[1])
    return W.astype(np.float32).astype(np.float64), results[0]


# inputs 0,1 spike early, 2 spikes late, 3 is silent
X_TIMES = np.array([0.1, 0.2, 0.9, 1.0])


def test_s2stdp_target_too_late_is_potentiated_on_causal_inputs():
    # neuron 0 (target, class 0) never fires: it is too late -> STDP:
    # causal inputs (all, since it did not fire) get +ap
    W = np.full((2, 4), 0.1)
    W[1] = 1.0  # neuron 1 (non-target) fires at t=0.2 -> too early -> anti-STDP
    W0, W1 = _run_one(rules.S2STDP, W, X_TIMES, label=0, theta=1.5)
    d = W1 - W0
    assert np.all(d[0] > 0), d[0]  # s_0 = T: every input causal, potentiated
    # neuron 1 fired at 0.2 (inputs 0,1 causal): anti-STDP depresses causal inputs,
    # potentiates the others (anti_am > 0), silent input included (T_ltd = inf)
    assert d[1, 0] < 0 and d[1, 1] < 0
    assert d[1, 2] > 0 and d[1, 3] > 0


def test_s2stdp_ltd_on_late_inputs_of_a_late_target():
    # target fires late (at 0.9) -> e > 0 -> STDP: causal +ap, non-causal (silent) am < 0
    W = np.array([[0.3, 0.3, 0.5, 0.3], [0.0, 0.0, 0.0, 0.0]])
    W0, W1 = _run_one(rules.S2STDP, W, X_TIMES, label=0, theta=1.0)
    d = W1 - W0
    assert np.all(d[0, :3] > 0) and d[0, 3] < 0


def test_ignoring_silent_inputs_leaves_them_unchanged():
    W = np.array([[0.3, 0.3, 0.5, 0.3], [0.0, 0.0, 0.0, 0.0]])
    _, W1 = _run_one(rules.S2STDP, W, X_TIMES, label=0, theta=1.0, t_ltd=1.0)
    assert W1[0, 3] == np.float32(0.3)


def test_rstdp_reward_and_punishment_signs():
    W = np.array([[1.0, 1.0, 0.0, 0.0], [0.1, 0.1, 0.1, 0.1]])
    # neuron 0 wins (fires at 0.2); label 0 -> rewarded: causal +, other -
    W0, W1 = _run_one(rules.RSTDP, W, X_TIMES, label=0, theta=1.5)
    d = W1 - W0
    assert d[0, 0] > 0 and d[0, 1] > 0 and d[0, 2] < 0 and d[0, 3] < 0
    assert np.all(d[1] == 0)
    # label 1 -> punished: causal -, other +
    W0, W1 = _run_one(rules.RSTDP, W, X_TIMES, label=1, theta=1.5)
    d = W1 - W0
    assert d[0, 0] < 0 and d[0, 1] < 0 and d[0, 2] > 0 and d[0, 3] > 0
    assert np.all(d[1] == 0)


def test_s4nn_signs_only_causal_inputs_change():
    W = np.array([[0.1, 0.1, 0.1, 0.1], [1.0, 1.0, 0.0, 0.0]])
    # label 0: neuron 0 silent (too late) -> weights up on every input (all causal);
    # neuron 1 fires early at 0.2 but should fire t_gap after -> weights down on inputs 0,1
    W0, W1 = _run_one(rules.S4NN, W, X_TIMES, label=0, theta=1.5, t_gap=0.5)
    d = W1 - W0
    assert np.all(d[0] > 0)
    assert d[1, 0] < 0 and d[1, 1] < 0 and d[1, 2] == 0 and d[1, 3] == 0


@pytest.mark.parametrize("rule", [rules.S2STDP, rules.RSTDP, rules.S4NN])
def test_clipping_keeps_weights_in_range(rule):
    rng = np.random.default_rng(1)
    W = rng.uniform(0.0, 1.0, size=(4, 4))
    _, W1 = _run_one(rule, W, X_TIMES, label=1, n_classes=4, theta=0.5, ap=5.0, am=-5.0,
                     anti_ap=-5.0, anti_am=5.0, lr=50.0, w_min=0.0, w_max=1.0)
    assert W1.min() >= 0.0 and W1.max() <= 1.0


def _settings(**kw):
    """Settings of a small S2-STDP layer (2 classes x 2 neurons), overridden by ``kw``."""
    values = dict(
        n_classes=2, neurons_per_class=2, non_target_neurons=0, class_inhibition=True,
        competition=competition.NONE, threshold_floor=0.5, rule=rules.S2STDP,
        time_ranges=False, adaptive_rates=False, leak=False, tau=1.0, max_time=1.0,
        w_min=0.0, w_max=1.0, weight_norm=False, multiplicative=False, beta=1.0,
        t_ltd=np.inf, t_gap=0.1, output_dropout=0.0, input_dropout=0.0, row_major=True,
        exact=True)
    values.update(kw)
    return _train.settings(**values)


def test_every_registered_rule_runs():
    # the registry's codes all have their branch in rules.apply_rule
    W = np.full((2, 4), 0.5)
    for code in sorted(set(rules.RULES.values())):
        _run_one(code, W, X_TIMES, label=0)


def test_every_registered_competition_mode_runs():
    N, n_in = 4, 4
    spikes = (np.array([0, n_in], np.int64), np.arange(n_in, dtype=np.int32),
              X_TIMES.astype(np.float64))
    for code in sorted(set(competition.MODES.values())):
        cfg = _settings(competition=code)
        theta = np.full(N, 0.5)
        layer = _train.Layer(np.full((n_in, N), 0.3, np.float32), theta, theta.copy(),
                             np.ones(N))
        rates = _train.rates(0.1, -0.1, -0.1, 0.1, 0.0, 0.05, 0.5)
        _train.begin_epoch(layer, cfg)
        _train.train_epoch(spikes, np.array([0], np.int64), np.array([0], np.int64), layer,
                           cfg, rates, np.random.default_rng(0), _train.new_record(1, N))
        _train.end_epoch(layer, cfg)


def test_settings_refuse_unknown_codes_and_missing_fields():
    # (the compiled dispatch would run the last rule / mode for an unknown code)
    with pytest.raises(ValueError, match="unknown learning rule code 99"):
        _settings(rule=99)
    with pytest.raises(ValueError, match="unknown competition mode code 99"):
        _settings(competition=99)
    values = _settings()._asdict()
    del values["row_major"]
    with pytest.raises(TypeError, match=r"missing \['row_major'\], unknown \['extra'\]"):
        _train.settings(**values, extra=1)


def test_every_rule_name_has_its_defaults():
    from spikencg.readout import _RULE_DEFAULTS

    assert set(_RULE_DEFAULTS) == set(rules.RULES)
