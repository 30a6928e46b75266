"""The paper's configurations shipped as presets."""

import json

import pytest
from sklearn.model_selection import ParameterGrid

from spikencg import SpikingReadoutClassifier
from spikencg.presets import (
    grid_from_config,
    is_grid,
    list_presets,
    load_config_file,
    load_preset,
    n_classes_from_name,
    original_keys,
    params_from_config,
)

ALL = list_presets("all")


def _estimator_params(params):
    return {k: v for k, v in params.items() if not k.startswith("_")}


def test_lists():
    final, grids = list_presets(), list_presets("gridsearch")
    assert len(final) == 128 and len(grids) == 69
    assert all(n.startswith("gridsearch:") for n in grids)
    assert sorted(final + grids) == sorted(ALL)
    with pytest.raises(ValueError):
        list_presets("nope")


@pytest.mark.parametrize("name", [n for n in ALL if not n.startswith("gridsearch:")])
def test_final_preset_builds_and_round_trips(name):
    params = load_preset(name)
    assert not is_grid(params)
    est = _estimator_params(params)
    clf = SpikingReadoutClassifier(**est)
    got = clf.get_params()
    assert {k: got[k] for k in est} == est
    assert SpikingReadoutClassifier(**got).get_params() == got
    assert params["_patience"] == 10


@pytest.mark.parametrize("name", list_presets("gridsearch"))
def test_grid_preset_builds_every_point(name):
    grid = load_preset(name)
    assert is_grid(grid)
    points = list(ParameterGrid(grid))
    assert len(points) >= 2
    for params in points[:: max(1, len(points) // 7)] + [points[-1]]:
        assert "_stop_acc" in params
        est = _estimator_params(params)
        clf = SpikingReadoutClassifier(**est)
        got = clf.get_params()
        assert {k: got[k] for k in est} == est


def test_grid_point_matches_final():
    name = "STDP-CSNN/F-MNIST/s2stdp+ncg"
    final = _estimator_params(load_preset(name))
    points = [_estimator_params(p) for p in ParameterGrid(load_preset("gridsearch:" + name))]
    assert final in points


def test_kind_argument_and_n_classes():
    a = load_preset("gridsearch:STDP-CSNN/CIFAR10/s2stdp+ncg")
    b = load_preset("STDP-CSNN/CIFAR10/s2stdp+ncg", kind="gridsearch")
    assert a == b
    assert load_preset("STDP-CSNN/CIFAR100/s2stdp+ncg")["neurons_per_class"] == 5
    assert load_preset("STDP-CSNN/CIFAR100/s2stdp+ncg", n_classes=50)["neurons_per_class"] == 10
    assert n_classes_from_name("SoftHebb-CNN/F-MNIST/s4nn") == 10
    assert n_classes_from_name("gridsearch:SoftHebb-CNN/CIFAR100/s4nn") == 100
    assert n_classes_from_name("x/y") is None


def test_joint_grid_is_a_list_of_grids():
    # output dropout 0 turns the Drop ablation's competition into "none"
    grid = load_preset("gridsearch:SoftHebb-CNN/CIFAR10/s2stdp+ncg-cr-drop")
    assert isinstance(grid, list)
    comps = {p["competition"]: p["output_dropout"] for p in ParameterGrid(grid)
             if p["output_dropout"] in (0, 0.1)}
    assert comps == {"dropout": 0.1, "none": 0}


def test_unknown_name_suggests():
    with pytest.raises(ValueError, match="did you mean: STDP-CSNN/F-MNIST/s2stdp"):
        load_preset("STDP-CSNN/FMNIST/s2stdp")
    with pytest.raises(ValueError, match="gridsearch"):
        load_preset("gridsearch:nothing/like/it")
    with pytest.raises(ValueError):
        load_preset("STDP-CSNN/MNIST/s2stdp", kind="other")


def test_load_config_file(tmp_path):
    nested = {
        "network": [{"n_neurons": 20, "firing_threshold": 4.5, "method": "s2stdp",
                     "class_inhib": True}],
        "optimizer": {"ap": 0.05, "am": -0.1},
        "regularizer": {"thr_lr": 0.2, "thr_anneal": 0.5},
        "trainer": {"epochs": 5, "nt_neurons": 1, "early_stopping": 3},
    }
    p = tmp_path / "c.json"
    p.write_text(json.dumps(nested))
    params = load_config_file(p)
    assert params["neurons_per_class"] == 2 and params["_patience"] == 3
    assert params["competition"] == "two-compartment"
    nested["network"][0]["firing_threshold"] = [3, 4]
    p.write_text(json.dumps(nested))
    grid = load_config_file(p)
    assert is_grid(grid) and grid["threshold"] == [3, 4]
    p.write_text("{not json")
    with pytest.raises(ValueError, match="JSON"):
        load_config_file(p)
    with pytest.raises(FileNotFoundError):
        load_config_file(tmp_path / "missing.json")
    p.write_text(json.dumps({"n_neurons": 10, "bogus": 1}))
    with pytest.raises(ValueError, match="bogus"):
        load_config_file(p)


@pytest.mark.parametrize("call,error,match", [
    (lambda: load_preset(None), TypeError, "preset name must be a string"),
    (lambda: n_classes_from_name(None), TypeError, "preset name"),
    (lambda: params_from_config([]), TypeError, "must be a dict"),
    (lambda: params_from_config(None), TypeError, "must be a dict"),
    (lambda: grid_from_config("x"), TypeError, "must be a dict"),
    (lambda: params_from_config({"network": {"n_neurons": 50}}), ValueError, "'network'"),
    (lambda: params_from_config({"network": [1]}), ValueError, "'network\\[0\\]'"),
    (lambda: params_from_config({"network": [{}], "regularizer": [1]}), ValueError,
     "'regularizer'"),
    (lambda: params_from_config({"network": [{}], "trainer": 5}), ValueError, "'trainer'"),
    (lambda: params_from_config({"network": [{}], "n_neurons": 5}), ValueError,
     "top-level key"),
    (lambda: params_from_config({"n_neurons": 50}, n_classes=0), ValueError, "n_classes"),
    (lambda: load_preset("STDP-CSNN/MNIST/s2stdp", n_classes=0), ValueError, "n_classes"),
    (lambda: params_from_config({"n_neurons": 20.5}), ValueError, "n_neurons"),
    (lambda: params_from_config({"n_neurons": "20"}), ValueError, "n_neurons"),
    (lambda: params_from_config({"n_neurons": True}), ValueError, "n_neurons"),
    (lambda: params_from_config({"n_neurons": 0}), ValueError, "n_neurons"),
    (lambda: params_from_config({"method": 3}), ValueError, "method"),
    (lambda: params_from_config({"w_init_normal": "yes"}), ValueError, "w_init_normal"),
    (lambda: params_from_config({"trainer.early_stopping": -1}), ValueError,
     "trainer.early_stopping"),
    (lambda: params_from_config({"trainer.early_stopping": 2.5}), ValueError,
     "trainer.early_stopping"),
    (lambda: params_from_config({"trainer.gridsearch_stop_acc": "x"}), ValueError,
     "gridsearch_stop_acc"),
    (lambda: params_from_config({"firing_threshold": [1, 2]}), ValueError,
     "firing_threshold.*grid_from_config"),
    (lambda: grid_from_config({"firing_threshold": [[1, 2]]}), ValueError,
     "firing_threshold"),
    (lambda: is_grid(None), TypeError, "dict or a list"),
])
def test_invalid_configurations_name_the_key(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_integral_values_accepted():
    assert params_from_config({"n_neurons": 20.0})["neurons_per_class"] == 2
    # patience 0: no early stopping (the original framework's golden configurations)
    assert params_from_config({"trainer.early_stopping": 0})["_patience"] == 0
    assert load_preset("STDP-CSNN/F-MNIST/s2stdp+ncg")["neurons_per_class"] == 5


def test_lists_declare_grids_consistently(tmp_path):
    config = {"n_neurons": 20, "firing_threshold": [1, 2]}
    grid = grid_from_config(config)
    assert grid["threshold"] == [1, 2] and grid["neurons_per_class"] == [2]
    p = tmp_path / "g.json"
    p.write_text(json.dumps(config))
    assert load_config_file(p) == grid


def test_n_neurons_not_a_multiple_suggests_override():
    name = "STDP-CSNN/F-MNIST/s2stdp+ncg"
    with pytest.raises(ValueError, match=r"preset .*n_neurons=50.*n_classes=3.*"
                                         r"neurons_per_class=17"):
        load_preset(name, n_classes=3)
    params = load_preset(name, n_classes=3, overrides={"n_neurons": 15})
    assert params["neurons_per_class"] == 5
    grid = load_preset("gridsearch:" + name, n_classes=3, overrides={"n_neurons": 6})
    points = list(ParameterGrid(grid))
    assert {p["neurons_per_class"] for p in points} == {2}


def test_overrides():
    name = "STDP-CSNN/MNIST/s2stdp+ncg"
    params = load_preset(name, overrides={"method": "rstdp",
                                          "regularizer.use_two_thr": False})
    assert params["rule"] == "rstdp" and params["competition"] == "one-threshold"
    grid = load_preset(name, overrides={"firing_threshold": [3, 4]})
    assert is_grid(grid) and grid["threshold"] == [3, 4]
    with pytest.raises(ValueError, match="overrides.*n_neuron"):
        load_preset(name, overrides={"n_neuron": 10})
    with pytest.raises(TypeError, match="overrides"):
        load_preset(name, overrides=[("n_neurons", 10)])


def test_original_keys():
    keys = original_keys()
    assert keys["firing_threshold"] == "threshold" and keys["trainer.epochs"] == "max_iter"
    assert {"n_neurons", "method", "regularizer.use_two_thr"} <= set(keys)


def test_config_file_errors_name_the_file(tmp_path):
    p = tmp_path / "c.json"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ValueError, match="c.json.*UTF-8"):
        load_config_file(p)
    p.write_text(json.dumps({"network": [{"n_neurons": "abc"}]}))
    with pytest.raises(ValueError, match="c.json: n_neurons"):
        load_config_file(p)
    p.write_text("[1]")
    with pytest.raises(ValueError, match="c.json.*JSON object"):
        load_config_file(p)
    with pytest.raises(TypeError, match="path"):
        load_config_file(None)
    with pytest.raises(ValueError, match="n_classes"):
        load_config_file(p, n_classes=-1)
