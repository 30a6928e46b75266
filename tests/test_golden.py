"""The estimator reproduces the golden vectors of the original implementation."""

import json

import numpy as np
import pytest
from scipy import sparse

from spikencg import SpikingReadoutClassifier
from spikencg._kernels._forward import simulate
from spikencg.presets import params_from_config

VARIANTS = [
    "s2stdp",
    "s2stdp+ncg",
    "sstdp+ncg",
    "s2stdp+ncg-cr-1-thr",
    "s2stdp-multiplicative",
    "rstdp-5n",
    "s4nn",
    "s4nn+ncg",
]


def _item(d, name, k):
    p = d[name + "_ptr"]
    return d[name][p[k] : p[k + 1]]


def _spike_csr(d, prefix, n_in):
    idx = d[prefix + "_spike_index"]
    t = d[prefix + "_spike_time"].astype(np.float64)
    ptr = d[prefix + "_spike_index_ptr"]
    return sparse.csr_matrix((t, idx, ptr), shape=(len(ptr) - 1, n_in))


@pytest.fixture(scope="module")
def forward(golden_dir):
    return np.load(golden_dir / "forward.npz")


@pytest.fixture(scope="module")
def digits(golden_dir):
    return np.load(golden_dir / "digits_subset.npz")


def test_forward_all_300_cases(forward):
    n_ok = 0
    for c in range(len(forward["shape"])):
        n_in, N = forward["shape"][c]
        idx = _item(forward, "spike_index", c).astype(np.int32)
        t = _item(forward, "spike_time", c).astype(np.float64)
        W = np.ascontiguousarray(_item(forward, "weights", c).reshape(N, n_in).T)
        thr = _item(forward, "thresholds", c).astype(np.float64)
        active = _item(forward, "active", c).astype(bool)
        s = np.empty(N)
        V = np.empty(N, np.float32)
        simulate(0, len(idx), idx, t, W, thr, active, 1.0, False, 1.0, False, s, V,
                 np.empty(N, np.float32), np.empty(N, bool))
        np.testing.assert_array_equal(s.astype(np.float32), _item(forward, "out_time", c),
                                      err_msg=f"case {c}")
        np.testing.assert_allclose(V, _item(forward, "out_potential", c), rtol=1e-5,
                                   atol=1e-5, err_msg=f"case {c}")
        x = np.ones(n_in, np.float32)
        x[idx] = t
        np.testing.assert_array_equal(x, _item(forward, "in_time", c))
        n_ok += 1
    assert n_ok == 300


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("input_kind", ["spikes", "dense"])
@pytest.mark.parametrize("arithmetic", ["fast", "original"])
def test_three_epochs(golden_dir, digits, variant, input_kind, arithmetic):
    # both arithmetics reproduce the golden vectors on these 64 inputs (ALGORITHM.md
    # sections 2 and 9); on images only "original" does (tests/test_traces.py)
    cfg = json.loads((golden_dir / "train_configs.json").read_text())[variant]
    gold = np.load(golden_dir / f"train_{variant}.npz")
    params = params_from_config(cfg)
    params.pop("_patience", None)
    params["arithmetic"] = arithmetic
    if input_kind == "spikes":
        Xtr = _spike_csr(digits, "train", 64)
        Xte = _spike_csr(digits, "test", 64)
    else:
        Xtr = digits["train_dense_time"]
        Xte = digits["test_dense_time"]
    y = digits["train_label"]
    for epoch in range(3):
        params["max_iter"] = epoch + 1
        clf = SpikingReadoutClassifier(**params)
        clf.fit(Xtr, y, weights_init=gold["initial_weights"])
        assert clf.train_accuracy_[-1] == gold["train_accuracy"][epoch]
        np.testing.assert_array_equal(clf.predict(Xte), gold["test_prediction"][epoch])
        np.testing.assert_allclose(clf.weights_, gold["weights"][epoch], atol=1e-4, rtol=0)
        np.testing.assert_allclose(clf.thresholds_, gold["decision_thresholds"][epoch],
                                   atol=1e-4, rtol=0)
        np.testing.assert_allclose(clf.training_thresholds_,
                                   gold["training_thresholds"][epoch], atol=1e-4, rtol=0)
