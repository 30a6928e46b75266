"""Configurations in the original framework's format, as estimator parameters."""

__all__ = ["params_from_config"]

# original flattened key -> estimator parameter (values copied unchanged)
_DIRECT = {
    "firing_threshold": "threshold",
    "w_init_mean": "w_init_mean",
    "w_init_std": "w_init_std",
    "w_min": "w_min",
    "w_max": "w_max",
    "w_norm": "weight_norm",
    "stdp": "stdp",
    "beta": "beta",
    "t_gap": "t_gap",
    "ap": "a_plus",
    "am": "a_minus",
    "anti_ap": "anti_a_plus",
    "anti_am": "anti_a_minus",
    "lr": "learning_rate",
    "annealing": "annealing",
    "class_inhib": "class_inhibition",
    "regularizer.thr_lr": "threshold_lr",
    "regularizer.thr_anneal": "threshold_annealing",
    "trainer.nt_neurons": "non_target_neurons",
    "trainer.dropout_out": "output_dropout",
    "trainer.epochs": "max_iter",
}
# keys understood but not estimator parameters (protocol settings)
_PROTOCOL = {"trainer.early_stopping", "trainer.gridsearch_stop_acc", "uses_regularizer"}
_KNOWN = set(_DIRECT) | _PROTOCOL | {
    "n_neurons", "w_init_normal", "method", "use_time_ranges", "regularizer.use_two_thr",
}


def _flatten(config):
    """Flatten a nested original config ({network: [...], optimizer, regularizer, trainer})."""
    if "network" not in config and "optimizer" not in config:
        return dict(config)
    flat = {}
    layers = config.get("network", [])
    if len(layers) != 1:
        raise ValueError(
            f"config: spikencg trains one fully-connected layer, the config has {len(layers)}."
        )
    flat.update(layers[0])
    flat.update(config.get("optimizer", {}))
    if "regularizer" in config:
        flat["uses_regularizer"] = True
        for k, v in config["regularizer"].items():
            flat[f"regularizer.{k}"] = v
    for k, v in config.get("trainer", {}).items():
        flat[f"trainer.{k}"] = v
    return flat


def params_from_config(config, n_classes=10):
    """Translate a configuration of the original framework into estimator parameters.

    Parameters
    ----------
    config : dict
        Either the original nested format (``network``, ``optimizer``, ``regularizer``,
        ``trainer`` blocks) or the flattened one of the paper's ``configs.json``
        (layer and optimizer keys, ``regularizer.*``, ``trainer.*``).
    n_classes : int, default=10
        Number of classes of the dataset, to turn ``n_neurons`` into neurons per class.

    Returns
    -------
    params : dict
        Keyword arguments of :class:`~spikencg.SpikingReadoutClassifier`. Protocol keys
        (``trainer.early_stopping``, ``trainer.gridsearch_stop_acc``) are returned under
        the keys ``"_patience"`` and ``"_stop_acc"`` when present.

    Raises
    ------
    ValueError
        For an unknown key, or a number of neurons not divisible by ``n_classes``.
    """
    flat = _flatten(config)
    unknown = sorted(set(flat) - _KNOWN)
    if unknown:
        raise ValueError(f"config: unknown key(s) {unknown}; known keys: {sorted(_KNOWN)}.")
    params = {"ncg": False}
    method = flat.get("method", "s2stdp")
    if method not in ("s2stdp", "rstdp", "s4nn"):
        raise ValueError(f"config: unknown method {method!r}.")
    if method == "s2stdp" and flat.get("use_time_ranges", False):
        params["rule"] = "sstdp"
    else:
        params["rule"] = method
        if method == "s4nn" and "use_time_ranges" in flat:
            params["time_ranges"] = bool(flat["use_time_ranges"])
    if "n_neurons" in flat:
        n = int(flat["n_neurons"])
        if n % n_classes:
            raise ValueError(f"config: n_neurons={n} is not a multiple of n_classes={n_classes}.")
        params["neurons_per_class"] = n // n_classes
    if "w_init_normal" in flat:
        params["w_init"] = "normal" if flat["w_init_normal"] else "uniform"
    for key, name in _DIRECT.items():
        if key in flat:
            params[name] = flat[key]
    params.setdefault("class_inhibition", False)
    params.setdefault("non_target_neurons", 0)
    if flat.get("uses_regularizer", any(k.startswith("regularizer.") for k in flat)):
        two = flat.get("regularizer.use_two_thr", True)
        params["competition"] = "two-compartment" if two else "one-threshold"
    elif flat.get("trainer.dropout_out", 0) and params["class_inhibition"]:
        params["competition"] = "dropout"
    else:
        params["competition"] = "none"
    if "trainer.early_stopping" in flat:
        params["_patience"] = flat["trainer.early_stopping"]
    if "trainer.gridsearch_stop_acc" in flat:
        params["_stop_acc"] = flat["trainer.gridsearch_stop_acc"]
    return params
