"""Property tests: the numba kernels and the estimator against the plain-Python oracle.

``tests/_reference.py`` restates ALGORITHM.md and docs/algorithm-notes.md in plain Python,
with the original framework's float32 numbers (potentials, weights, thresholds, errors;
numpy's float32 sums for the normalisation). Here hypothesis draws small random problems
and checks that

1. the forward kernel (``simulate``, IF and LIF) and ``predict_batch`` give the oracle's
   firing times, potentials and winners, bit for bit;
2. ``SpikingReadoutClassifier.fit`` follows ``ref_train`` epoch by epoch (training
   accuracy, weights, thresholds and held-out predictions, bit for bit) for every
   rule x competition x option the golden vectors do not cover, with the estimator's
   random draws (shuffle, dropout) replayed from an identically seeded
   ``numpy.random.Generator``;
3. the ``w_init="uniform"`` / ``"normal"`` initialisation draws from that same generator.

The forward tests use either weights on a dyadic grid (exact potential ties and
``V == threshold`` cases) or continuous weights; inputs sit on a coarse grid k*T/8, so
ties in time are frequent. ``tests/test_traces.py`` runs the same comparison step by step
on 784-input real data.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from spikencg.readout import ThresholdWarning

pytest.importorskip("hypothesis")

from _reference import ref_forward, ref_order_best, ref_predict, ref_train  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from spikencg import SpikingReadoutClassifier  # noqa: E402
from spikencg._kernels._forward import (  # noqa: E402
    best_of_range,
    predict_batch,
    round_f32,
    simulate,
)

# Deterministic, database-free hypothesis runs (same examples on every machine and run).
_SETTINGS = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Examples per test are kept small so that the file runs in well under a minute once the
# kernels are compiled; SPIKENCG_HYPOTHESIS_SCALE=10 (say) runs a deeper search locally.
_SCALE = max(1, int(os.environ.get("SPIKENCG_HYPOTHESIS_SCALE", "1")))


def _n(k):
    return k * _SCALE


_GRID = 8  # input times on the grid k * T / 8: many tied timestamps
_WGRID = 64  # dyadic weight grid of the exact forward cases

# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def _spike_list(k_times, T, perm=None):
    """Spike list of one sample from grid integers (k >= _GRID: silent input), sorted by
    time; ties in the order of ``perm`` (default: increasing input index)."""
    n_in = len(k_times)
    order = np.arange(n_in) if perm is None else np.asarray(perm)
    k = np.asarray(k_times)[order]
    keep = k < _GRID
    idx = order[keep]
    t = k[keep].astype(np.float64) * (T / _GRID)
    srt = np.argsort(t, kind="stable")
    return idx[srt].astype(np.int32), t[srt]


def _kernel_forward(idx, t, W, thr, active, T, neuron, tau, stop_first=False):
    """``simulate`` on one sample; W is (N, n_in) output-major like the oracle's."""
    N = W.shape[0]
    Wk = np.ascontiguousarray(np.asarray(W, dtype=np.float32).T)
    s = np.empty(N, np.float64)
    V = np.empty(N, np.float32)
    thr32 = np.empty(N, np.float32)
    round_f32(np.ascontiguousarray(thr, dtype=np.float64), thr32)
    n_fired = simulate(
        0, len(idx), np.ascontiguousarray(idx, dtype=np.int32),
        np.ascontiguousarray(t, dtype=np.float64), Wk,
        thr32, np.ascontiguousarray(active, dtype=bool),
        float(T), neuron == "lif", float(tau), bool(stop_first), s, V,
        np.empty(N, np.float32), np.empty(N, np.bool_),
    )
    return s, V, n_fired


def test_thresholds_are_float32_numbers():
    """The firing test compares the float32 potential with the threshold rounded to the
    nearest float32 (as the original, which stored thresholds in float32): a potential
    equal to that float32 does not fire, even when the float64 threshold is below it."""
    thr = np.array([1.0 - 1e-12, 1.0 + 1e-12, np.nextafter(1.0, 2.0), 0.1])
    out = np.empty(4, np.float32)
    round_f32(thr, out)
    np.testing.assert_array_equal(out, thr.astype(np.float32))
    # one input of weight 1.0 per neuron: the potential is exactly 1.0
    W = np.ones((4, 1))
    s, V, _ = _kernel_forward(np.array([0]), np.array([0.25]), W, thr, np.ones(4, bool),
                              1.0, "if", 1.0)
    np.testing.assert_array_equal(V, 1.0)
    # 1 - 1e-12 and 1 + 1e-12 round to 1.0: not strictly below the potential; the next
    # float64 above 1 rounds to 1.0 as well; 0.1 fires
    np.testing.assert_array_equal(s, [1.0, 1.0, 1.0, 0.25])
    s_ref, V_ref, _ = ref_forward([0], [0.25], W, thr, np.ones(4, bool))
    np.testing.assert_array_equal(s_ref, s)


def _estimator_rng(seed):
    """The Generator SpikingReadoutClassifier.fit builds from an int random_state."""
    rs = np.random.RandomState(seed)
    return np.random.default_rng(rs.randint(np.iinfo(np.int32).max))


def _fit_quiet(clf, X, y, **kw):
    with warnings.catch_warnings():
        # random thresholds: many samples may be silent (the estimator warns about it)
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", ThresholdWarning)
        # negative weights with normalisation are among the cases compared on purpose
        warnings.filterwarnings("ignore", "weight_norm with w_min", UserWarning)
        return clf.fit(X, y, **kw)


def _dense_to_samples(X, T):
    """Oracle samples (spike_index, spike_time) from dense timestamps, ties by index (the
    order the package's spike lists use)."""
    out = []
    for row in np.asarray(X, dtype=np.float64):
        idx = np.flatnonzero(row < T)
        t = row[idx]
        order = np.lexsort((idx, t))
        out.append((idx[order], t[order]))
    return out


# ---------------------------------------------------------------------------------------
# 1. forward pass and prediction
# ---------------------------------------------------------------------------------------


_FORWARD_MODES = ("if-exact", "if", "lif")


@st.composite
def forward_cases(draw, mode):
    n_in = draw(st.integers(1, 8))
    N = draw(st.integers(1, 6))
    M = draw(st.sampled_from([m for m in (1, 2, 3, 6) if N % m == 0]))
    n_samples = draw(st.integers(1, 4))
    neuron = "lif" if mode == "lif" else "if"
    exact = mode == "if-exact"
    T = draw(st.sampled_from([1.0, 2.0, 0.5]))
    tau = draw(st.sampled_from([0.2, 1.0, 3.0]))
    k_times = draw(arrays(np.int64, (n_samples, n_in), elements=st.integers(0, _GRID + 1)))
    perms = [draw(st.permutations(range(n_in))) for _ in range(n_samples)]
    actives = draw(arrays(np.bool_, (n_samples, N), elements=st.booleans()))
    if exact:
        # dyadic weights and thresholds: potentials exact in float32 and float64, so exact
        # potential ties and V == threshold (strict test) really occur
        W = draw(arrays(np.int64, (N, n_in), elements=st.integers(-_WGRID // 2, _WGRID)))
        W = W.astype(np.float64) / _WGRID
        thr = draw(arrays(np.int64, (N,), elements=st.integers(-_WGRID // 4, 3 * _WGRID)))
        thr = thr.astype(np.float64) / _WGRID
    else:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        lo = draw(st.sampled_from([-1.0, -0.3, 0.0]))
        W = rng.uniform(lo, 1.0, size=(N, n_in)).astype(np.float32).astype(np.float64)
        thr = rng.uniform(-0.2, 0.4 * n_in, size=N)
    samples = [_spike_list(k_times[j], T, perms[j]) for j in range(n_samples)]
    return dict(W=W, thr=thr, samples=samples, actives=actives, neuron=neuron, tau=tau,
                T=T, M=M, exact=exact)


@pytest.mark.parametrize("mode", _FORWARD_MODES)
def test_simulate_matches_reference(mode):
    @settings(max_examples=_n(40), **_SETTINGS)
    @given(case=forward_cases(mode))
    def check(case):
        _check_simulate(case)

    check()


def _check_simulate(case):
    W, thr, T, neuron, tau = case["W"], case["thr"], case["T"], case["neuron"], case["tau"]
    N, n_in = W.shape
    for j, (idx, t) in enumerate(case["samples"]):
        active = case["actives"][j]
        s_ref, V_ref, x_ref = ref_forward(idx, t, W, thr, active, max_time=T, neuron=neuron,
                                          tau=tau)
        s, V, n_fired = _kernel_forward(idx, t, W, thr, active, T, neuron, tau)
        np.testing.assert_array_equal(s, s_ref)
        assert n_fired == int(np.sum(s_ref < T))
        np.testing.assert_array_equal(V, V_ref)  # the same float32 sums
        # dropped neurons never integrate
        assert np.all(V[~active] == 0.0) and np.all(s[~active] == T)
        # decision among the active neurons (the kernel's helper vs the oracle's ordering)
        if active.any():
            cand = np.flatnonzero(active)
            assert best_of_range(0, N, s, V, active) == ref_order_best(s_ref, V_ref, cand)
        else:
            assert best_of_range(0, N, s, V, active) == -1
        # stop_first (plain prediction) keeps the same winner and the first firing group
        s1, V1, _ = _kernel_forward(idx, t, W, thr, active, T, neuron, tau, stop_first=True)
        if active.any():
            assert best_of_range(0, N, s1, V1, active) == ref_order_best(s_ref, V_ref, cand)
        first = s_ref.min()
        np.testing.assert_array_equal(s1[s_ref == first], s_ref[s_ref == first])
        assert np.all(s1[s_ref > first] == T)
        # dense input times are never truncated
        x = np.full(n_in, T)
        x[idx] = t
        np.testing.assert_array_equal(x, x_ref)


@pytest.mark.parametrize("mode", _FORWARD_MODES)
def test_predict_batch_matches_reference(mode):
    @settings(max_examples=_n(40), **_SETTINGS)
    @given(case=forward_cases(mode), chunk=st.sampled_from([1, 3, 256]), full=st.booleans())
    def check(case, chunk, full):
        _check_predict_batch(case, chunk, full)

    check()


def _check_predict_batch(case, chunk, full):
    W, thr, T, neuron, tau, M = (case[k] for k in ("W", "thr", "T", "neuron", "tau", "M"))
    N = W.shape[0]
    C = N // M
    samples = case["samples"]
    all_on = np.ones(N, dtype=bool)
    n = len(samples)
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(sp[0]) for sp in samples])
    indices = np.concatenate([sp[0] for sp in samples]).astype(np.int32)
    times = np.concatenate([sp[1] for sp in samples]).astype(np.float64)
    winner = np.full(n, -7, dtype=np.int64)
    s_class = np.empty((n, C) if full else (0, 0), dtype=np.float64)
    V_class = np.empty((n, C) if full else (0, 0), dtype=np.float32)
    # in chunks of rows, as the threads run it
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        predict_batch(indptr[lo:hi], indptr[lo + 1:hi + 1], indices, times,
                      np.ascontiguousarray(W.T, dtype=np.float32),
                      np.ascontiguousarray(thr, dtype=np.float64), C, M, float(T),
                      neuron == "lif", float(tau), full, winner[lo:hi], s_class[lo:hi],
                      V_class[lo:hi])

    expected = ref_predict(samples, W, thr, C, M, max_time=T, neuron=neuron, tau=tau)
    np.testing.assert_array_equal(winner // M, expected)
    for r, (idx, t) in enumerate(samples):
        s_ref, V_ref, _ = ref_forward(idx, t, W, thr, all_on, max_time=T, neuron=neuron,
                                      tau=tau)
        assert winner[r] == ref_order_best(s_ref, V_ref, range(N))
        if full:
            for k in range(C):
                b = ref_order_best(s_ref, V_ref, range(k * M, (k + 1) * M))
                assert s_class[r, k] == s_ref[b]
                assert V_class[r, k] == V_ref[b]


# ---------------------------------------------------------------------------------------
# 2. training through the estimator
# ---------------------------------------------------------------------------------------

_COMP_TO_REF = {"two-compartment": "cr2", "one-threshold": "cr1", "dropout": "none",
                "none": "none"}
_RULES = ("s2stdp", "sstdp", "rstdp", "s4nn")
_COMPETITIONS = ("two-compartment", "one-threshold", "none", "dropout")


@st.composite
def train_cases(draw, rule, competition, neuron):
    C = draw(st.integers(2, 3))
    K = draw(st.sampled_from([2, 1, 3]))  # target neurons per class (CR acts when K >= 2)
    L = draw(st.integers(0, 2))
    M = K + L
    n_in = draw(st.integers(2, 6))
    n_train = draw(st.integers(C, 8))
    n_test = draw(st.integers(1, 4))
    T = draw(st.sampled_from([1.0, 2.0]))
    out_p = draw(st.sampled_from([0.0, 0.0, 0.25, 0.5]))
    if competition == "dropout":
        out_p = max(out_p, 0.3)
    w_range = draw(st.sampled_from([(0.0, 1.0), (0.2, 0.8), (-0.5, 1.0)]
                                   + ([(-1000.0, 1000.0)] if rule == "s4nn" else [])))
    in_p = draw(st.sampled_from([0.0, 0.3]))
    w_norm = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    params = dict(
        rule=rule,
        ncg=draw(st.booleans()),  # every part it implies is overridden below
        neurons_per_class=M,
        non_target_neurons=L,
        class_inhibition=draw(st.booleans()),
        competition=competition,
        threshold_annealing=draw(st.sampled_from([0.5, 1.0])),
        neuron=neuron,
        tau=draw(st.sampled_from([0.5, 2.0])),
        max_time=T,
        w_min=w_range[0],
        w_max=w_range[1],
        weight_norm=w_norm,
        stdp=draw(st.sampled_from(["additive", "multiplicative"])),
        beta=draw(st.sampled_from([0.5, 3.0])),
        t_gap=draw(st.sampled_from([0.0, 0.1, 0.3])),
        a_plus=draw(st.sampled_from([0.01, 0.05, 0.2])),
        a_minus=draw(st.sampled_from([0.0, -0.01, -0.1])),
        anti_a_plus=draw(st.sampled_from([None, None, -0.03])),
        anti_a_minus=draw(st.sampled_from([None, None, 0.02])),
        learning_rate=draw(st.sampled_from([0.05, 0.3])),
        annealing=draw(st.sampled_from([0.98, 0.7])),
        time_ranges=draw(st.sampled_from([None, None, False, True])),
        depress_silent=draw(st.booleans()),
        adaptive_rates=draw(st.booleans()),
        output_dropout=out_p,
        input_dropout=in_p,
        max_iter=draw(st.integers(1, 3)),
        shuffle=draw(st.booleans()),
        random_state=draw(st.integers(0, 2**31 - 2)),
        arithmetic=draw(st.sampled_from(["original", "fast"])),
    )
    # inputs: times on the grid k*T/8 (k = 8, 9: silent; k = 10: +inf)
    k_train = draw(arrays(np.int64, (n_train, n_in), elements=st.integers(0, _GRID + 2)))
    k_test = draw(arrays(np.int64, (n_test, n_in), elements=st.integers(0, _GRID + 2)))
    # labels: every class present, in a drawn order
    y = np.array(draw(st.permutations([j % C for j in range(n_train)])), dtype=np.int64)

    # continuous initial weights (no exact potential ties), float32-representable
    rng = np.random.default_rng(seed)
    lo, hi = max(w_range[0], -0.5), min(w_range[1], 1.0)
    span = hi - lo
    W0 = rng.uniform(lo + 0.05 * span, hi - 0.05 * span, size=(C * M, n_in))
    W0 = W0.astype(np.float32).astype(np.float64)
    mean_spikes = max(1.0, float(np.mean(np.sum(k_train < _GRID, axis=1))))
    theta = max(float(rng.uniform(0.1, 0.9)) * abs(float(W0.mean())) * mean_spikes, 0.01)
    params["threshold"] = theta
    params["threshold_lr"] = theta * float(rng.choice([0.05, 0.2, 0.5]))
    return params, k_train, k_test, y, W0, C


def _times(k, T):
    X = k.astype(np.float64) * (T / _GRID)
    X[k > _GRID + 1] = np.inf
    return X


def _ref_params(p):
    rule = p["rule"]
    ap, am = p["a_plus"], p["a_minus"]
    tr = p["time_ranges"]
    return dict(
        M=p["neurons_per_class"],
        L=p["non_target_neurons"],
        class_inhib=p["class_inhibition"],
        competition=_COMP_TO_REF[p["competition"]],
        theta=p["threshold"],
        thr_lr=p["threshold_lr"],
        thr_anneal=p["threshold_annealing"],
        rule="s2stdp" if rule == "sstdp" else rule,
        # documented defaults: True for "sstdp" and "s4nn", False for "s2stdp"/"rstdp"
        time_ranges=(rule in ("sstdp", "s4nn")) if tr is None else tr,
        neuron=p["neuron"],
        tau=p["tau"],
        max_time=p["max_time"],
        w_min=p["w_min"],
        w_max=p["w_max"],
        w_norm=p["weight_norm"],
        stdp=p["stdp"],
        beta=p["beta"],
        t_gap=p["t_gap"],
        ap=ap,
        am=am,
        anti_ap=-ap if p["anti_a_plus"] is None else p["anti_a_plus"],
        anti_am=-am if p["anti_a_minus"] is None else p["anti_a_minus"],
        lr=p["learning_rate"],
        annealing=p["annealing"],
        depress_silent=p["depress_silent"],
        adaptive_rates=p["adaptive_rates"],
        output_dropout=p["output_dropout"],
        input_dropout=p["input_dropout"],
        shuffle=p["shuffle"],
        arithmetic=p.get("arithmetic", "original"),
    )


_LABELS = np.array(["cat", "dog", "emu"])  # string labels: checks the class mapping too


def _check_against_reference(clf, hist, X_test, p, C, W_kernel_check=True):
    T = p["max_time"]
    n_epochs = p["max_iter"]
    assert clf.n_iter_ == n_epochs
    np.testing.assert_array_equal(clf.train_accuracy_, np.asarray(hist["train_accuracy"]))
    W_ref = hist["weights"][-1]
    assert clf.weights_.shape == W_ref.shape and clf.weights_.dtype == np.float32
    # the same float32 arithmetic: bit for bit
    np.testing.assert_array_equal(clf.weights_, W_ref)
    np.testing.assert_array_equal(clf.thresholds_, hist["decision_thresholds"][-1])
    np.testing.assert_array_equal(clf.training_thresholds_, hist["training_thresholds"][-1])
    test_samples = _dense_to_samples(X_test, T)
    ref_pred = ref_predict(test_samples, W_ref, hist["decision_thresholds"][-1], C,
                           p["neurons_per_class"], max_time=T, neuron=p["neuron"],
                           tau=p["tau"])
    np.testing.assert_array_equal(clf.predict(X_test), _LABELS[:C][ref_pred])
    if W_kernel_check:
        # the prediction path alone: the oracle with the estimator's own (float32) model
        own = ref_predict(test_samples, clf.weights_.astype(np.float64), clf.thresholds_, C,
                          p["neurons_per_class"], max_time=T, neuron=p["neuron"],
                          tau=p["tau"])
        np.testing.assert_array_equal(clf.predict(X_test), _LABELS[:C][own])


@pytest.mark.parametrize("neuron", ["if", "lif"])
@pytest.mark.parametrize("competition", _COMPETITIONS)
@pytest.mark.parametrize("rule", _RULES)
def test_fit_matches_reference(rule, competition, neuron):
    @settings(max_examples=_n(12), **_SETTINGS)
    @given(case=train_cases(rule, competition, neuron))
    def check(case):
        p, k_train, k_test, y, W0, C = case
        T = p["max_time"]
        X, X_test = _times(k_train, T), _times(k_test, T)
        clf = _fit_quiet(SpikingReadoutClassifier(**p), X, _LABELS[:C][y], weights_init=W0)
        hist = ref_train(_dense_to_samples(X, T), y, C, W0, _ref_params(p), p["max_iter"],
                         rng=_estimator_rng(p["random_state"]))
        _check_against_reference(clf, hist, X_test, p, C)

    check()


@st.composite
def dyadic_rstdp_cases(draw, competition):
    """R-STDP cases whose arithmetic is exact in float32 and float64 alike: weights,
    rates, thresholds and threshold rates on dyadic grids, at most two target neurons
    per class (CR's steps eta*(K-1)/K and eta/K stay dyadic), no normalisation, no
    adaptive rates, IF neurons. Potentials then tie with each other and equal the
    thresholds exactly, during training too, where the continuous cases above never do.
    """
    C = draw(st.integers(2, 3))
    K = draw(st.integers(1, 2))
    L = draw(st.integers(0, 1))
    n_in = draw(st.integers(2, 6))
    n_train = draw(st.integers(C, 8))
    params = dict(
        rule="rstdp", ncg=False, neurons_per_class=K + L, non_target_neurons=L,
        class_inhibition=draw(st.booleans()), competition=competition,
        threshold=draw(st.integers(1, 12)) / 8, threshold_lr=draw(st.sampled_from([0.125, 0.25])),
        threshold_annealing=draw(st.sampled_from([0.5, 1.0])), neuron="if", max_time=1.0,
        w_min=draw(st.sampled_from([0.0, -0.5])), w_max=1.0, weight_norm=False,
        stdp="additive", a_plus=draw(st.sampled_from([0.125, 0.25])),
        a_minus=draw(st.sampled_from([0.0, -0.0625, -0.125])),
        anti_a_plus=None, anti_a_minus=None, annealing=draw(st.sampled_from([0.5, 1.0])),
        adaptive_rates=False, depress_silent=draw(st.booleans()),
        output_dropout=0.5 if competition == "dropout" else
        draw(st.sampled_from([0.0, 0.25])),
        input_dropout=draw(st.sampled_from([0.0, 0.25])), max_iter=draw(st.integers(1, 3)),
        shuffle=draw(st.booleans()), random_state=draw(st.integers(0, 2**31 - 2)),
        time_ranges=False, tau=1.0, beta=1.0, t_gap=0.0, learning_rate=0.125,
    )
    k_train = draw(arrays(np.int64, (n_train, n_in), elements=st.integers(0, _GRID + 2)))
    y = np.array(draw(st.permutations([j % C for j in range(n_train)])), dtype=np.int64)
    W0 = np.array(draw(arrays(np.int64, (C * (K + L), n_in), elements=st.integers(0, 8))),
                  dtype=np.float64) / 8
    return params, k_train, y, W0, C


@pytest.mark.parametrize("layout", ["input-major", "neuron-major"])
@pytest.mark.parametrize("competition", _COMPETITIONS)
def test_fit_matches_reference_exactly_with_ties(competition, layout, monkeypatch):
    import spikencg.readout as ro
    from spikencg._kernels import rules

    if layout == "neuron-major":  # (R-STDP trains input-major by default)
        monkeypatch.setattr(ro, "_NEURON_MAJOR_MIN_INPUTS", 0)
        monkeypatch.setattr(ro, "_NEURON_MAJOR_RULES", (rules.RSTDP,))

    @settings(max_examples=_n(15), **_SETTINGS)
    @given(case=dyadic_rstdp_cases(competition))
    def check(case):
        p, k_train, y, W0, C = case
        X = _times(k_train, 1.0)
        clf = _fit_quiet(SpikingReadoutClassifier(**p), X, _LABELS[:C][y], weights_init=W0)
        hist = ref_train(_dense_to_samples(X, 1.0), y, C, W0, _ref_params(p), p["max_iter"],
                         rng=_estimator_rng(p["random_state"]))
        np.testing.assert_array_equal(clf.train_accuracy_, hist["train_accuracy"])
        np.testing.assert_array_equal(clf.weights_, hist["weights"][-1])
        np.testing.assert_array_equal(clf.training_thresholds_,
                                      hist["training_thresholds"][-1])
        np.testing.assert_array_equal(clf.thresholds_, hist["decision_thresholds"][-1])

    check()


def test_input_dropout_clips_hidden_weights():
    """Regression (found by this file): the weights of inputs hidden by input dropout are
    clipped with the rest of an updated row (ALGORITHM.md section 6: "after every update:
    clip to [w_min, w_max], then normalise"); dropout only removes their increment.

    Minimal case (S4NN, 2 inputs, 2 classes, 1 neuron each, weight_norm, w in [0, 1]).
    The dropout draws of random_state=82 hide input 0 on sample 0 and both inputs on
    sample 1. Sample 0 (class 0): both neurons fire at 0.375; S4NN depresses neuron 1 on
    input 1 (0.5 -> 0.2), and normalisation rescales row 1 by 1.3 / 1.0 to [1.04, 0.26],
    above w_max = 1 (normalisation comes after clipping). Sample 1 (class 1): both neurons
    have a non-zero error, but no input is visible, so no weight receives an increment;
    row 1 is still clipped to [1.0, 0.26] and renormalised to [1.0317, 0.2683]. (The
    kernel used to leave it at [1.04, 0.26].)
    """
    X = np.array([[0.625, 0.375], [0.25, 0.0]])
    y = np.array([0, 1])
    W0 = np.array([[0.5, 0.5], [0.8, 0.5]])
    p = dict(rule="s4nn", ncg=False, neurons_per_class=1, non_target_neurons=0,
             class_inhibition=False, competition="none", threshold=0.45, threshold_lr=0.0,
             threshold_annealing=0.5, neuron="if", tau=1.0, max_time=1.0, w_min=0.0,
             w_max=1.0, weight_norm=True, stdp="additive", beta=1.0, t_gap=0.1, a_plus=0.0,
             a_minus=0.0, anti_a_plus=None, anti_a_minus=None, learning_rate=0.3,
             annealing=0.98, time_ranges=None, depress_silent=True, adaptive_rates=True,
             output_dropout=0.0, input_dropout=0.5, max_iter=1, shuffle=False,
             random_state=82)
    # the dropout draws this case relies on: sample 0 hides input 0, sample 1 hides both
    assert list(_estimator_rng(82).random(4) < 0.5) == [True, False, True, True]
    hist = ref_train(_dense_to_samples(X, 1.0), y, 2, W0, _ref_params(p), 1,
                     rng=_estimator_rng(82))
    np.testing.assert_allclose(hist["weights"][-1], [[0.5, 0.5], [1.3 / 1.26, 0.26 * 1.3 / 1.26]])
    clf = _fit_quiet(SpikingReadoutClassifier(**p), X, y, weights_init=W0)
    np.testing.assert_allclose(clf.weights_, hist["weights"][-1], rtol=0, atol=1e-6)


def test_fit_accepts_spike_lists_like_dense():
    """Sanity check of the harness: the dense route used above is the spike-list route."""
    from spikencg.encoding import spikes_from_dense

    rng = np.random.default_rng(3)
    k = rng.integers(0, _GRID + 3, size=(12, 5))
    X = _times(k, 1.0)
    y = np.arange(12) % 3
    W0 = rng.uniform(0.1, 0.9, size=(6, 5)).astype(np.float32).astype(np.float64)
    p = dict(neurons_per_class=2, non_target_neurons=1, threshold=0.8, max_iter=2,
             random_state=0, shuffle=True, output_dropout=0.2)
    a = _fit_quiet(SpikingReadoutClassifier(**p), X, y, weights_init=W0)
    b = _fit_quiet(SpikingReadoutClassifier(**p), spikes_from_dense(X), y, weights_init=W0)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    np.testing.assert_array_equal(a.train_accuracy_, b.train_accuracy_)


# ---------------------------------------------------------------------------------------
# 3. random initialisation
# ---------------------------------------------------------------------------------------


def _expected_init(p, N, n_in):
    """Initial weights and the Generator state right after drawing them."""
    rng = _estimator_rng(p["random_state"])
    if p["w_init"] == "uniform":
        W = rng.uniform(p["w_min"], p["w_max"], size=(N, n_in))
    else:
        W = rng.normal(p["w_init_mean"], p["w_init_std"], size=(N, n_in))
    return np.clip(W, p["w_min"], p["w_max"]).astype(np.float32), rng


@st.composite
def init_cases(draw):
    C = draw(st.integers(2, 3))
    M = draw(st.integers(1, 3))
    n_in = draw(st.integers(1, 6))
    n_train = draw(st.integers(C, 6))
    w_range = draw(st.sampled_from([(0.0, 1.0), (0.2, 0.8), (-0.5, 1.0)]))
    p = dict(
        rule=draw(st.sampled_from(_RULES)),
        neurons_per_class=M,
        non_target_neurons=0,
        class_inhibition=M > 1,
        competition=draw(st.sampled_from(["two-compartment", "none"])),
        w_init=draw(st.sampled_from(["uniform", "normal"])),
        w_init_mean=draw(st.sampled_from([0.3, 0.5, 0.9])),
        w_init_std=draw(st.sampled_from([0.01, 0.3])),  # 0.3: clipping matters
        w_min=w_range[0],
        w_max=w_range[1],
        weight_norm=False,
        threshold=draw(st.sampled_from([0.4, 1.0, 2.0])),
        threshold_lr=0.1,
        shuffle=draw(st.booleans()),
        output_dropout=draw(st.sampled_from([0.0, 0.3])),
        input_dropout=draw(st.sampled_from([0.0, 0.3])),
        max_iter=draw(st.integers(1, 2)),
        random_state=draw(st.integers(0, 2**31 - 2)),
    )
    k = draw(arrays(np.int64, (n_train + 3, n_in), elements=st.integers(0, _GRID + 2)))
    y = np.array(draw(st.permutations([j % C for j in range(n_train)])), dtype=np.int64)
    return p, k[:n_train], k[n_train:], y, C


@settings(max_examples=_n(30), **_SETTINGS)
@given(case=init_cases())
def test_random_init_is_the_documented_draw(case):
    p, k_train, k_test, y, C = case
    M = p["neurons_per_class"]
    X, X_test = _times(k_train, 1.0), _times(k_test, 1.0)
    labels = _LABELS[:C][y]
    W_exp, rng_after = _expected_init(p, C * M, X.shape[1])

    # zero learning rates, one epoch: the weights are the initial draw, bit for bit
    frozen = dict(p, a_plus=0.0, a_minus=0.0, learning_rate=0.0, max_iter=1)
    clf0 = _fit_quiet(SpikingReadoutClassifier(**frozen), X, labels)
    np.testing.assert_array_equal(clf0.weights_, W_exp)

    # with learning: the oracle trained from that draw, with the same Generator continued
    # (shuffle and dropout draws come after the initial weights)
    rule = p["rule"]
    full = dict(
        p,
        ncg=True,
        a_plus={"s2stdp": 0.05, "sstdp": 0.1, "rstdp": 0.05, "s4nn": 0.0}[rule],
        a_minus={"s2stdp": -0.02, "sstdp": -0.01, "rstdp": -0.01, "s4nn": 0.0}[rule],
        anti_a_plus=None,
        anti_a_minus=None,
        learning_rate=0.1,
        annealing=0.98,
        threshold_annealing=0.5,
        neuron="if",
        tau=1.0,
        max_time=1.0,
        stdp="additive",
        beta=1.0,
        t_gap=0.1,
        time_ranges=None,
        depress_silent=True,
        adaptive_rates=True,
    )
    clf = _fit_quiet(SpikingReadoutClassifier(**full), X, labels)
    # The oracle gets the draw clipped in float64: a weight clipped to w_max = 0.8 is
    # float32(0.8) > 0.8 in the kernel's copy, and the oracle would otherwise hold both
    # float32(0.8) (initial) and 0.8 (clipped by an update), turning the exact potential
    # ties of identical clipped rows into float64-only differences (not a model property).
    W_ref0 = np.clip(W_exp.astype(np.float64), p["w_min"], p["w_max"])
    hist = ref_train(_dense_to_samples(X, 1.0), y, C, W_ref0, _ref_params(full),
                     full["max_iter"], rng=rng_after)
    _check_against_reference(clf, hist, X_test, full, C)
