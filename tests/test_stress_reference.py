"""The compiled kernel against the plain-Python oracle, step by step, on real 784-input data.

Differences in the last bit of a threshold, a weight sum or an error are rare on small
inputs and common on images: with 8-bit pixels most training steps start with ties in
time, decided by potentials, and one different decision makes two models part for good.
Here the kernel (both weight layouts) and ``tests/_reference.py`` train side by side on
1,000 MNIST images (``t = 1 - x / 255``) for 3 epochs, for every rule and competition
variant (with the original arithmetic, and with the fast one where it differs: weight
normalisation on), and every step is compared: the output spike times of the training pass, the
training prediction, every weight row's sum and the training thresholds, all bit for
bit, then the final weights. No reference from outside is needed.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from _reference import ref_train
from _steps import kernel_train_steps, spike_arrays
from conftest import shared_dir

from spikencg.datasets import load_mnist

pytestmark = pytest.mark.integration

N_SAMPLES = 1000
N_EPOCHS = 3

_BASE = dict(M=1, L=0, class_inhib=False, competition="none", thr_lr=0.0, thr_anneal=0.5,
             rule="s2stdp", time_ranges=False, neuron="if", tau=1.0, max_time=1.0,
             w_min=0.0, w_max=1.0, w_norm=True, stdp="additive", beta=1.0, t_gap=0.04,
             ap=0.005, am=-0.05, anti_ap=-0.005, anti_am=0.05, lr=0.005, annealing=0.98,
             depress_silent=True, adaptive_rates=True, output_dropout=0.0,
             input_dropout=0.0, shuffle=False)
_NCG = dict(M=5, L=1, class_inhib=True, competition="cr2")

# name: (changes to _BASE, initial weight mean, threshold as a fraction of the mean
# potential that all input spikes would give)
VARIANTS = {
    "s2stdp": ({}, 0.3, 0.5),
    "s2stdp+ncg (CR-2, L=1)": (_NCG, 0.3, 0.45),
    "sstdp+ncg (CR-2, L=0)": (dict(_NCG, L=0, time_ranges=True, ap=0.01, am=-0.02,
                                   anti_ap=-0.01, anti_am=0.02), 0.5, 0.45),
    "s2stdp+ncg CR-1": (dict(_NCG, competition="cr1", ap=0.05, am=-0.1, anti_ap=-0.05,
                             anti_am=0.1), 0.3, 0.4),
    "s2stdp+ncg, no regulation, L=1": (dict(_NCG, competition="none"), 0.3, 0.45),
    "s2stdp M=5 without WTA, L=0, silent inputs kept": (
        dict(M=5, depress_silent=False), 0.3, 0.5),
    "s2stdp multiplicative": (dict(stdp="multiplicative", beta=2.0, ap=0.02, am=-0.02,
                                   anti_ap=-0.02, anti_am=0.02), 0.3, 0.5),
    "s2stdp+ncg multiplicative, L=0": (dict(_NCG, L=0, stdp="multiplicative", beta=1.0),
                                       0.3, 0.45),
    "rstdp-5n": (dict(M=5, rule="rstdp", ap=0.01, am=-0.005, anti_ap=-0.005,
                      anti_am=0.0025), 0.3, 0.4),
    "rstdp M=1, fixed rates": (dict(rule="rstdp", adaptive_rates=False, ap=0.01,
                                    am=-0.005, anti_ap=-0.005, anti_am=0.0025), 0.3, 0.4),
    "s4nn": (dict(rule="s4nn", time_ranges=True, w_min=-1000.0, w_max=1000.0,
                  w_norm=False, t_gap=0.15), 0.5, 0.35),
    "s4nn+ncg (CR-2)": (dict(_NCG, L=0, rule="s4nn", time_ranges=True, w_min=-1000.0,
                             w_max=1000.0, w_norm=False, t_gap=0.15), 0.5, 0.35),
    "lif s2stdp+ncg (CR-2)": (dict(_NCG, neuron="lif", tau=2.0), 0.3, 0.35),
    "lif s4nn": (dict(rule="s4nn", neuron="lif", tau=0.5, time_ranges=False,
                      w_min=-1000.0, w_max=1000.0, w_norm=False, t_gap=0.15), 0.5, 0.25),
    # the fast arithmetic (only the updated rows clipped and rescaled, in float64)
    "fast s2stdp": (dict(arithmetic="fast"), 0.3, 0.5),
    "fast s2stdp+ncg (CR-2, L=1)": (dict(_NCG, arithmetic="fast"), 0.3, 0.45),
    "fast s2stdp+ncg multiplicative, L=0": (
        dict(_NCG, L=0, stdp="multiplicative", beta=1.0, arithmetic="fast"), 0.3, 0.45),
    "fast s4nn+ncg (CR-2), normalised": (
        dict(_NCG, L=0, rule="s4nn", time_ranges=True, w_min=0.0, w_max=1.0,
             t_gap=0.15, arithmetic="fast"), 0.5, 0.35),
}


@pytest.fixture(scope="module")
def mnist():
    X, y = load_mnist(shared_dir() / "data", name="mnist")
    X = 1.0 - X[:N_SAMPLES].reshape(N_SAMPLES, -1).astype(np.float32) / np.float32(255.0)
    return X.astype(np.float32), y[:N_SAMPLES].astype(np.int64)


def _params_and_weights(name, X):
    changes, w_mean, level = VARIANTS[name]
    p = dict(_BASE, **changes)
    N = 10 * p["M"]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    W0 = np.clip(rng.normal(w_mean, 0.01, size=(N, X.shape[1])), p["w_min"], p["w_max"])
    mean_spikes = float(np.mean(np.sum(X < 1.0, axis=1)))
    p["theta"] = level * w_mean * mean_spikes
    if p["competition"] != "none":
        p["thr_lr"] = 0.04 * p["theta"]
    return p, W0.astype(np.float32)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_kernel_and_reference_agree_at_every_step(name, mnist):
    X, y = mnist
    p, W0 = _params_and_weights(name, X)
    arrays = spike_arrays(X)
    samples = [(arrays[1][arrays[0][k]:arrays[0][k + 1]], arrays[2][arrays[0][k]:arrays[0][k + 1]])
               for k in range(len(y))]
    ref = {}
    hist = ref_train(samples, y, 10, W0, p, N_EPOCHS, record=ref)
    # the case is not degenerate: neurons fire, and learning changes the predictions
    fired = np.mean(np.concatenate(ref["out_time"]) < 1.0)
    assert 0.05 < fired, f"{name}: only {fired:.1%} of the neurons fire"
    assert max(hist["train_accuracy"]) > 0.11, f"{name}: chance level"
    for row_major in (True, False):
        rec, W = kernel_train_steps(arrays, y, 10, W0, p, N_EPOCHS, row_major)
        layout = "input-major" if row_major else "neuron-major"
        for e in range(N_EPOCHS):
            pred = np.asarray(hist["train_prediction"][e])
            for k in range(len(y)):
                at = f"{name}, {layout}: epoch {e}, step {k}"
                np.testing.assert_array_equal(rec["out_time"][e][k], ref["out_time"][e][k],
                                              err_msg=at)
                assert rec["train_prediction"][e][k] == pred[k], at
                np.testing.assert_array_equal(rec["row_sum"][e][k], ref["row_sum"][e][k],
                                              err_msg=at)
                np.testing.assert_array_equal(rec["training_thresholds"][e][k],
                                              ref["training_thresholds"][e][k], err_msg=at)
        np.testing.assert_array_equal(W, hist["weights"][-1].astype(np.float32))
