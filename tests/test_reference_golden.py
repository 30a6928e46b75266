"""The plain-Python reference (tests/_reference.py) against the golden vectors of the
original implementation (../shared/golden)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from _reference import ref_forward, ref_predict, ref_train


def shared_dir() -> Path:
    """The project's shared folder: $SPIKENCG_SHARED if set, else ../shared beside the repo."""
    env = os.environ.get("SPIKENCG_SHARED")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared"


GOLDEN = shared_dir() / "golden"

pytestmark = pytest.mark.skipif(
    not (GOLDEN / "forward.npz").is_file(), reason=f"golden vectors not found in {GOLDEN}"
)


def _item(archive, name, k):
    ptr = archive[name + "_ptr"]
    return archive[name][ptr[k] : ptr[k + 1]]


def _load(name):
    with np.load(GOLDEN / name) as archive:
        return {key: archive[key] for key in archive.files}


def _samples(data, split):
    index, time = data[f"{split}_spike_index"], data[f"{split}_spike_time"]
    ip, tp = data[f"{split}_spike_index_ptr"], data[f"{split}_spike_time_ptr"]
    n = len(ip) - 1
    return [(index[ip[k] : ip[k + 1]], time[tp[k] : tp[k + 1]]) for k in range(n)]


# ---------------------------------------------------------------------------------------
# Forward cases
# ---------------------------------------------------------------------------------------

if (GOLDEN / "forward.npz").is_file():
    _FORWARD = _load("forward.npz")
    _N_FORWARD = len(_FORWARD["shape"])
else:  # pragma: no cover - skipped by pytestmark
    _FORWARD, _N_FORWARD = None, 0


@pytest.mark.parametrize("case", range(_N_FORWARD))
def test_forward_golden(case):
    g = _FORWARD
    n_in, n_out = (int(v) for v in g["shape"][case])
    W = _item(g, "weights", case).reshape(n_out, n_in)
    s, V, x = ref_forward(
        _item(g, "spike_index", case),
        _item(g, "spike_time", case),
        W,
        _item(g, "thresholds", case),
        _item(g, "active", case).astype(bool),
        max_time=1.0,
    )
    np.testing.assert_array_equal(s.astype(np.float32), _item(g, "out_time", case))
    np.testing.assert_allclose(V, _item(g, "out_potential", case), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(x.astype(np.float32), _item(g, "in_time", case))


# ---------------------------------------------------------------------------------------
# Training variants
# ---------------------------------------------------------------------------------------

if (GOLDEN / "train_configs.json").is_file():
    _CONFIGS = json.loads((GOLDEN / "train_configs.json").read_text())
else:  # pragma: no cover - skipped by pytestmark
    _CONFIGS = {}


def params_from_config(cfg: dict, n_classes: int = 10) -> dict:
    """Map one original-format configuration onto ref_train's params."""
    net = cfg["network"][0]
    opt = cfg["optimizer"]
    reg = cfg.get("regularizer")
    trainer = cfg.get("trainer", {})
    method = opt["method"]
    if reg is None:
        competition = "none"
    elif reg.get("use_two_thr", True):
        competition = "cr2"
    else:
        competition = "cr1"
    ap = float(opt.get("ap", 0.0))
    am = float(opt.get("am", 0.0))
    return {
        "M": net["n_neurons"] // n_classes,
        "L": int(trainer.get("nt_neurons", 0)),
        "class_inhib": bool(opt.get("class_inhib", False)),
        "competition": competition,
        "theta": float(net["firing_threshold"]),
        "thr_lr": float(reg.get("thr_lr", 0.0)) if reg else 0.0,
        "thr_anneal": float(reg.get("thr_anneal", 1.0)) if reg else 1.0,
        "rule": method,
        "time_ranges": bool(opt.get("use_time_ranges", method == "s4nn")),
        "neuron": "if",
        "tau": 1.0,
        "max_time": 1.0,
        "w_min": float(net["w_min"]),
        "w_max": float(net["w_max"]),
        "w_norm": bool(net.get("w_norm", False)),
        "stdp": opt.get("stdp", "additive"),
        "beta": float(opt.get("beta", 1.0)),
        "t_gap": float(opt.get("t_gap", 0.0)),
        "ap": ap,
        "am": am,
        "anti_ap": float(opt["anti_ap"]) if opt.get("anti_ap") is not None else -ap,
        "anti_am": float(opt["anti_am"]) if opt.get("anti_am") is not None else -am,
        "lr": float(opt.get("lr", 0.0)),
        "annealing": float(opt.get("annealing", 1.0)),
        "depress_silent": True,
        "adaptive_rates": True,
        "output_dropout": 0.0,
        "input_dropout": 0.0,
        "shuffle": False,
    }


@pytest.fixture(scope="module")
def digits():
    return _load("digits_subset.npz")


@pytest.mark.parametrize("variant", sorted(_CONFIGS))
def test_train_golden(variant, digits):
    cfg = _CONFIGS[variant]
    golden = _load(f"train_{variant}.npz")
    params = params_from_config(cfg)
    n_epochs = len(golden["train_accuracy"])
    train = _samples(digits, "train")
    test = _samples(digits, "test")
    y_train = digits["train_label"]

    hist = ref_train(train, y_train, 10, golden["initial_weights"], params, n_epochs)

    for e in range(n_epochs):
        where = f"{variant}, epoch {e}"
        n_correct = int(round(hist["train_accuracy"][e] * len(train)))
        g_correct = int(round(golden["train_accuracy"][e] * len(train)))
        assert n_correct == g_correct, f"{where}: train accuracy"
        np.testing.assert_array_equal(
            np.mean(hist["train_prediction"][e] == y_train), hist["train_accuracy"][e]
        )
        pred = ref_predict(
            test, hist["weights"][e], hist["decision_thresholds"][e], 10, params["M"]
        )
        np.testing.assert_array_equal(pred, golden["test_prediction"][e], err_msg=where)
        np.testing.assert_allclose(
            hist["weights"][e], golden["weights"][e], rtol=0, atol=1e-4, err_msg=where
        )
        np.testing.assert_allclose(
            hist["decision_thresholds"][e],
            golden["decision_thresholds"][e],
            rtol=0,
            atol=1e-5,
            err_msg=where,
        )
        np.testing.assert_allclose(
            hist["training_thresholds"][e],
            golden["training_thresholds"][e],
            rtol=0,
            atol=1e-5,
            err_msg=where,
        )


# ---------------------------------------------------------------------------------------
# Options the golden vectors do not cover: small hand-checked cases of the oracle itself
# ---------------------------------------------------------------------------------------


def test_reference_lif_hand_computed():
    W = np.array([[1.0, 1.0, 1.0], [0.5, 0.5, 2.0]])
    s, V, x = ref_forward(
        [0, 1, 2], [0.1, 0.3, 0.3], W, [10.0, 1.0], np.array([True, True]), neuron="lif", tau=0.5
    )
    decay = np.exp(-0.2 / 0.5)
    # neuron 0 never fires: decays once between the groups, then integrates both spikes
    # neuron 1 stays at 0.5 after the first group, then reaches 0.5 * decay + 2.5 > 1 at 0.3
    # (float32 potentials and decay factor: exact up to float32 rounding)
    np.testing.assert_allclose(V, [decay + 2.0, 0.5 * decay + 2.5], rtol=1e-6)
    f = np.float32(decay)
    np.testing.assert_array_equal(V, [np.float32(np.float32(np.float32(1) * f) + 1) + 1,
                                      np.float32(np.float32(0.5) * f + np.float32(0.5)) + 2])
    np.testing.assert_array_equal(s, [1.0, 0.3])
    np.testing.assert_array_equal(x, [0.1, 0.3, 0.3])


def test_reference_full_dropout_changes_nothing(digits):
    params = params_from_config(_CONFIGS["s2stdp+ncg"])
    W0 = _load("train_s2stdp+ncg.npz")["initial_weights"]
    train = _samples(digits, "train")[:20]
    y = digits["train_label"][:20]
    for key in ("output_dropout", "input_dropout"):
        p = dict(params, **{key: 1.0}, shuffle=True)
        hist = ref_train(train, y, 10, W0, p, 2, rng=np.random.default_rng(0))
        np.testing.assert_allclose(hist["weights"][-1], W0, rtol=0, atol=1e-6)
        assert hist["train_accuracy"][-1] == np.mean(hist["train_prediction"][-1] == y)
