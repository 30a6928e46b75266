"""The original's training on 784-input data, step by step (../shared/golden/traces).

Three cases where an implementation that differs from the original in the last bit of a
number parts from it after a few hundred samples: S2-STDP with one neuron per class, the
CR-1 ablation of S2-STDP+NCG, and S4NN with NCG. At every step of the three epochs the
compiled kernel (both weight layouts) and the plain-Python oracle must give the
original's output spike times (exactly, in float32), each neuron's weight sum after the
update (1e-9 relative) and the training thresholds (1e-6 relative); the estimator,
given the original's configuration and initial weights, must end on its final weights.
The causes of the differences these traces exposed are listed in
docs/algorithm-notes.md, "Numbers".
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from _reference import ref_train
from _steps import kernel_train_steps, spike_arrays
from conftest import shared_dir
from test_reference_golden import params_from_config

from spikencg import SpikingReadoutClassifier
from spikencg import params_from_config as estimator_params

TRACES = shared_dir() / "golden" / "traces"
CASES = ["fmnist_s2stdp", "fmnist_s2stdp+ncg-cr-1-thr", "mnist_s4nn+ncg"]


def _case(name):
    cfg = json.loads((TRACES / "trace_configs.json").read_text())[name]
    with np.load(TRACES / f"trace_{name}.npz") as f:
        data = {k: f[k] for k in f.files}
    return cfg, data


def _compare(record, trace, where):
    """First step where ``record`` parts from the original's ``trace``, if any."""
    n_epochs = trace["out_time"].shape[0]
    for e in range(n_epochs):
        for k in range(trace["out_time"].shape[1]):
            at = f"{where}: epoch {e}, step {k}"
            s = np.asarray(record["out_time"][e][k]).astype(np.float32)
            np.testing.assert_array_equal(s, trace["out_time"][e, k], err_msg=at)
            np.testing.assert_allclose(record["row_sum"][e][k], trace["row_sum"][e, k],
                                       rtol=1e-9, atol=0, err_msg=at)
            np.testing.assert_allclose(record["training_thresholds"][e][k],
                                       trace["training_thresholds"][e, k], rtol=1e-6,
                                       atol=0, err_msg=at)


@pytest.mark.parametrize("row_major", [True, False], ids=["input-major", "neuron-major"])
@pytest.mark.parametrize("name", CASES)
def test_kernel_follows_the_trace(name, row_major):
    cfg, d = _case(name)
    p = params_from_config(cfg)
    n_epochs = d["out_time"].shape[0]
    record, W = kernel_train_steps(spike_arrays(d["X_train"]), d["y_train"], 10,
                                   d["initial_weights"], p, n_epochs, row_major)
    _compare(record, d, f"kernel ({name})")
    np.testing.assert_allclose(W, d["final_weights"], rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", CASES)
def test_reference_follows_the_trace(name):
    cfg, d = _case(name)
    p = params_from_config(cfg)
    X = d["X_train"].astype(np.float64)
    samples = []
    for row in X:
        idx = np.flatnonzero(row < 1.0)
        order = np.lexsort((idx, row[idx]))
        samples.append((idx[order], row[idx][order]))
    record = {}
    hist = ref_train(samples, d["y_train"], 10, d["initial_weights"], p,
                     d["out_time"].shape[0], record=record)
    _compare(record, d, f"reference ({name})")
    # the potentials that decided every tie, bit for bit
    np.testing.assert_array_equal(np.array(record["out_potential"]), d["out_potential"])
    np.testing.assert_allclose(hist["weights"][-1], d["final_weights"], rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", CASES)
def test_estimator_ends_on_the_original_weights(name):
    cfg, d = _case(name)
    params = {k: v for k, v in estimator_params(cfg).items() if not k.startswith("_")}
    params.update(max_iter=d["out_time"].shape[0], shuffle=False, early_stopping=False,
                  arithmetic="original")
    clf = SpikingReadoutClassifier(**params)
    clf.fit(d["X_train"], d["y_train"], weights_init=d["initial_weights"])
    np.testing.assert_allclose(clf.weights_, d["final_weights"], rtol=0, atol=1e-5)
    # the training accuracy of the last epoch, from the trace's own forward passes
    M = clf.neurons_per_class_
    s, V = d["out_time"][-1], d["out_potential"][-1]
    winners = np.lexsort((-V, s), axis=-1)[:, 0]
    assert clf.train_accuracy_[-1] == np.mean(winners // M == d["y_train"])
