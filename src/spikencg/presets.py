"""Configurations in the original framework's format, as estimator parameters."""

import difflib
import itertools
import json
from importlib import resources
from pathlib import Path

__all__ = [
    "grid_from_config",
    "is_grid",
    "list_presets",
    "load_config_file",
    "load_preset",
    "n_classes_from_name",
    "params_from_config",
]

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


# --------------------------------------------------------------------------------------
# the paper's configurations, shipped with the package
# --------------------------------------------------------------------------------------

_GRID_PREFIX = "gridsearch:"
_N_CLASSES = {"MNIST": 10, "F-MNIST": 10, "CIFAR10": 10, "CIFAR100": 100}
_KINDS = ("final", "gridsearch")
_CACHE = {}


def _paper_configs():
    """Return the ``{"final": ..., "gridsearch": ...}`` dict of the shipped configs.json."""
    if "paper" not in _CACHE:
        text = (resources.files("spikencg") / "data" / "paper_configs.json").read_text(
            encoding="utf-8"
        )
        data = json.loads(text)
        _CACHE["paper"] = {k: data[k] for k in _KINDS}
    return _CACHE["paper"]


def list_presets(kind="final"):
    """List the names of the paper's configurations shipped with spikencg.

    Parameters
    ----------
    kind : {"final", "gridsearch", "all"}, default="final"
        ``"final"``: the tuned configurations (e.g. ``"STDP-CSNN/F-MNIST/s2stdp+ncg"``);
        ``"gridsearch"``: the searched grids, named with a ``"gridsearch:"`` prefix
        (e.g. ``"gridsearch:STDP-CSNN/F-MNIST/s2stdp+ncg"``); ``"all"``: both.

    Returns
    -------
    names : list of str
        Sorted preset names, each accepted by :func:`load_preset`.
    """
    if kind not in ("final", "gridsearch", "all"):
        raise ValueError(f"kind must be 'final', 'gridsearch' or 'all', got {kind!r}.")
    configs = _paper_configs()
    names = []
    if kind in ("final", "all"):
        names += sorted(configs["final"])
    if kind in ("gridsearch", "all"):
        names += sorted(_GRID_PREFIX + n for n in configs["gridsearch"])
    return names


def n_classes_from_name(name):
    """Number of classes of the dataset named in a preset name.

    Parameters
    ----------
    name : str
        Preset name ``"<extractor>/<dataset>/<config>"`` (optionally prefixed by
        ``"gridsearch:"``); the dataset is one of MNIST, F-MNIST, CIFAR10, CIFAR100.

    Returns
    -------
    n_classes : int or None
        10 or 100, or None when no known dataset appears in the name.
    """
    if name.startswith(_GRID_PREFIX):
        name = name[len(_GRID_PREFIX):]
    for part in name.split("/"):
        if part.upper() in _N_CLASSES:
            return _N_CLASSES[part.upper()]
    return None


def is_grid(params):
    """Tell a parameter grid from a single set of parameters.

    Parameters
    ----------
    params : dict or list of dict
        What :func:`load_preset` or :func:`load_config_file` returned.

    Returns
    -------
    bool
        True for a grid (a list of dicts, or a dict whose values are lists).
    """
    if isinstance(params, list):
        return True
    return any(isinstance(v, list) for v in params.values())


def grid_from_config(config, n_classes=10):
    """Translate a gridsearch configuration (lists = searched values) into a grid.

    Parameters
    ----------
    config : dict
        A configuration as accepted by :func:`params_from_config`, in which any value
        may be a list of values to try.
    n_classes : int, default=10
        Number of classes of the dataset.

    Returns
    -------
    grid : dict of lists, or list of dicts of lists
        Usable by :class:`sklearn.model_selection.ParameterGrid`: every value is a list,
        including the constant ones, so that each point of the grid is a complete set of
        estimator parameters (with the protocol keys ``"_patience"`` and
        ``"_stop_acc"`` when present). It is a list of such dicts when one searched
        original key changes several estimator parameters at once (e.g. an output
        dropout rate of 0 in a Drop-ablation grid, which also turns the competition to
        "none").

    Raises
    ------
    ValueError
        For an unknown key or invalid value, as :func:`params_from_config`.
    """
    flat = _flatten(config)
    searched = {k: v for k, v in flat.items() if isinstance(v, list)}
    for k, v in searched.items():
        if not v:
            raise ValueError(f"config: searched key {k!r} has an empty list of values.")
    base_flat = {k: (v[0] if isinstance(v, list) else v) for k, v in flat.items()}
    base = params_from_config(base_flat, n_classes)
    simple = {}  # estimator param -> list of values, for keys mapping one-to-one
    joint = {}  # original key -> list of param dicts (the changed params), otherwise
    for key, values in searched.items():
        variants = [params_from_config({**base_flat, key: v}, n_classes) for v in values]
        changed = sorted({p for var in variants for p in var if var.get(p) != base.get(p)}
                         | {p for var in variants for p in base if p not in var})
        if len(changed) <= 1 and all(set(var) == set(base) for var in variants):
            name = changed[0] if changed else _DIRECT.get(key, key)
            if name in base:
                simple[name] = _unique([var[name] for var in variants])
        else:
            joint[key] = [{p: var.get(p) for p in set(changed) | set(var)} for var in variants]
    grid = {p: [v] for p, v in base.items()}
    grid.update(simple)
    if not joint:
        return grid
    grids = []
    for combo in itertools.product(*joint.values()):
        sub = dict(grid)
        for part in combo:
            for p, v in part.items():
                if p not in simple:
                    sub[p] = [v]
        sub = {p: v for p, v in sub.items() if v != [None]}
        if sub not in grids:
            grids.append(sub)
    return _merge_grids(grids)


def _merge_grids(grids):
    """Merge sub-grids that differ in the values of one parameter only."""
    grids = [dict(g) for g in grids]
    merged = True
    while merged and len(grids) > 1:
        merged = False
        for i, j in itertools.combinations(range(len(grids)), 2):
            a, b = grids[i], grids[j]
            if set(a) != set(b):
                continue
            diff = [p for p in a if a[p] != b[p]]
            if len(diff) == 1:
                a[diff[0]] = _unique(a[diff[0]] + b[diff[0]])
                del grids[j]
                merged = True
                break
    return grids[0] if len(grids) == 1 else grids


def _unique(values):
    out = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def load_preset(name, n_classes=None, *, kind=None):
    """Estimator parameters of one of the paper's configurations.

    Parameters
    ----------
    name : str
        A name from :func:`list_presets`: ``"<extractor>/<dataset>/<config>"`` for a
        final (tuned) configuration, e.g. ``"STDP-CSNN/F-MNIST/s2stdp+ncg"``, or the
        same prefixed with ``"gridsearch:"`` for the grid searched for it.
    n_classes : int, default=None
        Number of classes of the dataset. None: inferred from the dataset in the name
        (MNIST, F-MNIST, CIFAR10: 10; CIFAR100: 100).
    kind : {"final", "gridsearch"}, default=None
        Alternative to the ``"gridsearch:"`` prefix. None: from the name ("final"
        without prefix).

    Returns
    -------
    params : dict
        For a final configuration: keyword arguments of
        :class:`~spikencg.SpikingReadoutClassifier`, plus the protocol keys
        ``"_patience"`` (early-stopping patience) and ``"_stop_acc"`` when present
        (remove the keys starting with ``"_"`` before building the estimator).
        For a gridsearch configuration: a grid as returned by :func:`grid_from_config`.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the closest names) or kind.
    """
    if kind is not None and kind not in _KINDS:
        raise ValueError(f"kind must be 'final' or 'gridsearch', got {kind!r}.")
    key = name
    if key.startswith(_GRID_PREFIX):
        if kind == "final":
            raise ValueError(f"preset {name!r} is a gridsearch name but kind='final'.")
        key, kind = key[len(_GRID_PREFIX):], "gridsearch"
    kind = kind or "final"
    configs = _paper_configs()[kind]
    if key not in configs:
        prefix = _GRID_PREFIX if kind == "gridsearch" else ""
        known = list_presets(kind)
        close = difflib.get_close_matches(prefix + key, known, n=5, cutoff=0.5)
        hint = f"; did you mean: {', '.join(close)}?" if close else (
            "; see spikencg.presets.list_presets()."
        )
        raise ValueError(f"unknown {kind} preset {name!r}{hint}")
    if n_classes is None:
        n_classes = n_classes_from_name(key) or 10
    config = configs[key]
    if kind == "gridsearch":
        return grid_from_config(config, n_classes)
    return params_from_config(config, n_classes)


def load_config_file(path, n_classes=10):
    """Read a configuration file of the original framework (JSON).

    Parameters
    ----------
    path : str or path-like
        JSON file in the original nested format (``network``, ``optimizer``,
        ``regularizer``, ``trainer`` blocks) or the flattened one of the paper's
        ``configs.json``. Lists of values (gridsearch configuration files) make a grid.
    n_classes : int, default=10
        Number of classes of the dataset.

    Returns
    -------
    params : dict or list of dict
        Estimator parameters as :func:`params_from_config`, or, when the file holds
        lists of values, a grid as :func:`grid_from_config`.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is not valid JSON or holds an unknown key or invalid value.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file not found: {path}")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc}).") from exc
    if not isinstance(config, dict):
        raise ValueError(f"{path}: a configuration must be a JSON object.")
    flat = _flatten(config)
    if any(isinstance(v, list) for v in flat.values()):
        return grid_from_config(config, n_classes)
    return params_from_config(config, n_classes)
