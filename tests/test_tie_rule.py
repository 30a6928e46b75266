"""One tie rule (earliest spike, then larger potential, then smaller index) for every
kernel that ranks neurons, and for the pictures."""

import numpy as np
import pytest

from spikencg._kernels import _conv, _forward, _order, _train


def test_every_kernel_uses_the_rule_of_order():
    assert _forward.better is _order.better
    assert _forward.best_of_range is _order.best_of_range
    assert _train.better is _order.better
    assert _train.best_of_range is _order.best_of_range
    assert _conv.better is _order.better


@pytest.mark.parametrize(
    ("t1", "v1", "t2", "v2", "before"),
    [(0.1, 1.0, 0.2, 5.0, True),  # earlier wins whatever the potentials
     (0.2, 5.0, 0.1, 1.0, False),
     (0.1, 2.0, 0.1, 1.0, True),  # same time: the larger potential
     (0.1, 1.0, 0.1, 2.0, False),
     (0.1, 1.0, 0.1, 1.0, False)],  # a full tie: not strictly before (index decides)
)
def test_better(t1, v1, t2, v2, before):
    s = np.array([t1, t2])
    V = np.array([v1, v2], dtype=np.float32)
    assert _order.better(0, 1, s, V) is before


def test_best_of_range_breaks_full_ties_by_index():
    s = np.array([0.5, 0.2, 0.2, 0.2, 1.0])
    V = np.array([9.0, 1.0, 3.0, 3.0, 0.0], dtype=np.float32)
    active = np.ones(5, dtype=bool)
    assert _order.best_of_range(np.int64(0), 5, s, V, active) == 2
    active[2] = False
    assert _order.best_of_range(np.int64(0), 5, s, V, active) == 3
    assert _order.best_of_range(np.int64(4), 5, s, V, np.zeros(5, dtype=bool)) == -1


def test_simulate_batch_agrees_with_predict_batch():
    rng = np.random.default_rng(0)
    n, n_in, C, M = 30, 20, 3, 4
    N = C * M
    counts = rng.integers(0, n_in, n)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    indices = np.concatenate([rng.permutation(n_in)[:c] for c in counts]).astype(np.int32)
    # few distinct times and weights: many ties in time and in potential
    times = np.concatenate([np.sort(rng.integers(0, 4, c) / 4.0) for c in counts])
    W = (rng.integers(0, 4, (n_in, N)) / 4.0).astype(np.float32)
    thr = np.full(N, 1.0)
    for leak in (False, True):
        s = np.empty((n, N))
        V = np.empty((n, N), np.float32)
        winner = np.empty(n, np.int64)
        _forward.simulate_batch(indptr[:-1], indptr[1:], indices, times, W, thr, 1.0, leak,
                                0.5, s, V, winner)
        ref = np.empty(n, np.int64)
        s_class = np.empty((n, C))
        V_class = np.empty((n, C), np.float32)
        _forward.predict_batch(indptr[:-1], indptr[1:], indices, times, W, thr, C, M, 1.0,
                               leak, 0.5, True, ref, s_class, V_class)
        np.testing.assert_array_equal(winner, ref)
        np.testing.assert_array_equal(s.reshape(n, C, M).min(axis=2), s_class)
        for r in range(n):  # the winner: earliest, then largest potential, then index
            order = np.lexsort((np.arange(N), -V[r].astype(np.float64), s[r]))
            assert winner[r] == order[0]
