"""The training kernel's fast paths give bitwise the results of its plain ones.

``train_epoch`` has two layouts (``row_major``) and, in the neuron-major one, a forward
pass for layers whose potentials never decrease (``simulate_nm_monotone``: thresholds
tested once per chunk of input spikes, then the crossing neuron replayed) and a weight
normalisation whose float32 row sums follow numpy's pairwise order. These tests draw
problems large enough to cross many chunks (hundreds of spikes, ties on a coarse time
grid so that groups straddle chunk boundaries) and check that every path gives exactly
the same spike times, potentials and trained weights.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spikencg._kernels import _f32sum, _train, competition, rules
from spikencg._kernels._forward import (
    MONOTONE_CHUNK,
    sample_groups,
    simulate_nm,
    simulate_nm_monotone,
)

_SETTINGS = dict(deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow])


def _sample(rng, n_in, grid, density):
    """One sample's spike list (indices, times), sorted by time, ties in random order."""
    spikes = rng.random(n_in) < density
    idx = rng.permutation(np.flatnonzero(spikes))
    t = rng.integers(0, grid, idx.size) / grid
    order = np.argsort(t, kind="stable")
    return idx[order].astype(np.int64), t[order].astype(np.float64)


@settings(max_examples=60, **_SETTINGS)
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 11), n_in=st.integers(1, 300),
       grid=st.sampled_from([2, 7, 64, 10**6]), density=st.sampled_from([0.1, 0.5, 1.0]),
       zeros=st.booleans(), p_drop=st.sampled_from([0.0, 0.3]))
def test_monotone_forward_is_bitwise_the_neuron_major_one(seed, N, n_in, grid, density,
                                                          zeros, p_drop):
    rng = np.random.default_rng(seed)
    WT = rng.random((N, n_in)).astype(np.float32)
    if zeros:
        WT[rng.random((N, n_in)) < 0.5] = 0.0
    idx, t = _sample(rng, n_in, grid, density)
    # thresholds from below zero to above the largest reachable potential
    thr = rng.uniform(-0.5, 1.1, N) * WT.sum(axis=1) * density
    thr[rng.random(N) < 0.2] = 0.0
    active = rng.random(N) >= p_drop
    T = 1.0
    g_lo = np.empty(idx.size + 1, np.int64)
    g_f = np.empty(idx.size + 1, np.float32)
    G = sample_groups(0, idx.size, t, False, 1.0, g_lo, g_f)
    s_ref = np.empty(N)
    V_ref = np.empty(N, np.float32)
    n_ref = simulate_nm(G, g_lo, g_f, idx, t, WT, thr, active, T, False, s_ref, V_ref)
    s = np.full(N, -1.0)
    V = np.full(N, -1.0, np.float32)
    n = simulate_nm_monotone(0, idx.size, idx, t, WT, thr, active, T, s, V)
    np.testing.assert_array_equal(s, s_ref)
    np.testing.assert_array_equal(V, V_ref)
    assert n == n_ref


def test_monotone_forward_replays_a_crossing_inside_a_group_that_straddles_chunks():
    # one group of 3 * MONOTONE_CHUNK equal timestamps after a first group: the
    # threshold is crossed in the middle of a chunk that ends inside the group, so the
    # neuron fires at the group's time with the potential of the whole group
    n_in = 4 * MONOTONE_CHUNK
    WT = np.ones((2, n_in), np.float32)
    idx = np.arange(n_in, dtype=np.int64)
    t = np.full(n_in, 0.5)
    t[:MONOTONE_CHUNK // 2] = 0.25
    thr = np.array([MONOTONE_CHUNK + 0.5, n_in - 0.5])
    s = np.empty(2)
    V = np.empty(2, np.float32)
    n = simulate_nm_monotone(0, n_in, idx, t, WT, thr, np.ones(2, np.bool_), 1.0, s, V)
    assert n == 2
    np.testing.assert_array_equal(s, [0.5, 0.5])
    np.testing.assert_array_equal(V, [n_in, n_in])


def _epoch(W, indptr, idx, t, y, row_major, *, w_norm, w_min, M=3, L=1,
           comp=competition.TWO_COMPARTMENT, class_inhib=True, p_in=0.0):
    """One S2-STDP epoch (NCG options) on a copy of the input-major W; returns the copy."""
    W = W.copy()
    n_in, N = W.shape
    C = N // M
    theta = np.full(N, 0.2 * n_in * 0.4)
    phi = theta.copy()
    norm_target = W.astype(np.float64).sum(axis=0)
    n = indptr.size - 1
    cfg = _train.settings(
        n_classes=C, neurons_per_class=M, non_target_neurons=L,
        class_inhibition=class_inhib, competition=comp, threshold_floor=0.5 * theta[0],
        rule=rules.S2STDP, time_ranges=True, adaptive_rates=False, leak=False, tau=1.0,
        max_time=1.0, w_min=w_min, w_max=1.0, weight_norm=w_norm, multiplicative=False,
        beta=1.0, t_ltd=np.inf, t_gap=0.1, output_dropout=0.0, input_dropout=p_in,
        row_major=row_major, exact=True)
    _train.train_epoch((indptr, idx, t), y, np.arange(n, dtype=np.int64),
                       _train.Layer(W, theta, phi, norm_target), cfg,
                       _train.rates(0.02, -0.015, -0.02, 0.015, 0.0, 0.05 * theta[0], 0.1),
                       np.random.default_rng(0), _train.new_record(n, N))
    return W, phi


@pytest.mark.parametrize("w_norm", [True, False])
@pytest.mark.parametrize("w_min", [0.0, -0.2])  # monotone path on / off
@pytest.mark.parametrize("p_in", [0.0, 0.3])
def test_training_layouts_are_bitwise_equal(w_norm, w_min, p_in):
    rng = np.random.default_rng(7)
    n_in, N, n = 200, 12, 60
    samples = [_sample(rng, n_in, 16, 0.4) for _ in range(n)]
    indptr = np.zeros(n + 1, np.int64)
    indptr[1:] = np.cumsum([s[0].size for s in samples])
    idx = np.concatenate([s[0] for s in samples])
    t = np.concatenate([s[1] for s in samples])
    y = rng.integers(0, N // 3, n).astype(np.int64)
    W = rng.uniform(0.1, 0.5, (n_in, N)).astype(np.float32)
    results = [_epoch(W, indptr, idx, t, y, row_major, w_norm=w_norm, w_min=w_min, p_in=p_in)
               for row_major in (True, False)]
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert not np.array_equal(results[0][0], W)  # it did learn


@pytest.mark.parametrize("scale", [1.0, 1e-3, 1e4])
def test_row_sums_are_numpys_float32_sums(scale):
    """The normalisation's ``sum |w|`` is, bit for bit, what numpy computes for a
    contiguous float32 row (pairwise, in float32): the original's normalisation."""
    rng = np.random.default_rng(int(scale * 7))
    lengths = list(range(0, 300)) + [511, 784, 1000, 4608, 8191, 8192, 8193, 13824, 24576]
    for n in lengths:
        row = (rng.standard_normal(n) * scale).astype(np.float32)
        row[rng.random(n) < 0.2] = 0.0
        leaves, pairs = _f32sum.pairwise_plan(n)
        part = np.empty(2 * len(leaves), np.float32)
        assert _f32sum.abs_sum_f32(row[None], 0, leaves, pairs, part) == np.abs(row).sum(), n
    # values whose sum depends on the order of the additions
    row = np.full(4608, np.float32(2.0**-25))  # below half a unit of 1.0 in float32
    row[0] = 1.0
    leaves, pairs = _f32sum.pairwise_plan(row.size)
    in_order = np.float32(0.0)
    for v in row:
        in_order = np.float32(in_order + v)
    part = np.empty(2 * len(leaves), np.float32)
    assert _f32sum.abs_sum_f32(row[None], 0, leaves, pairs, part) == row.sum() != in_order


@pytest.mark.parametrize("scale", [1.0, 1e-3, 1e4])
def test_rescaling_pass_gives_numpys_products_and_sums(scale):
    """The normalisation's rescaling pass: float32 products, then numpy's sum of their
    absolute values, and whether one lies outside the weight range, in one pass."""
    rng = np.random.default_rng(int(scale * 11))
    for n in list(range(1, 300)) + [784, 4608, 8193, 13824]:
        row = (rng.standard_normal(n) * scale).astype(np.float32)
        f = np.float32(rng.uniform(0.5, 2.0))
        expected = row * f
        w_min, w_max = np.sort(rng.choice(expected, 2))
        leaves, pairs = _f32sum.pairwise_plan(n)
        total, out = _f32sum.scale_abs_sum_f32(row[None], 0, f, w_min, w_max, leaves, pairs,
                                               np.empty(2 * len(leaves), np.float32))
        np.testing.assert_array_equal(row, expected)
        assert total == np.abs(expected).sum()
        assert out == bool(np.any((expected < w_min) | (expected > w_max)))
