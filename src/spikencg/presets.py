"""Configurations in the original framework's format, as estimator parameters."""

import difflib
import itertools
import json
import math
import numbers
import os
from importlib import resources
from pathlib import Path

__all__ = [
    "grid_from_config",
    "is_grid",
    "list_presets",
    "load_config_file",
    "load_preset",
    "n_classes_from_name",
    "original_keys",
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
# original keys that are not copied unchanged -> the estimator parameters (or protocol
# keys) that their translation sets
_TRANSLATED = {
    "n_neurons": ("neurons_per_class",),
    "method": ("rule",),
    "use_time_ranges": ("rule", "time_ranges"),
    "w_init_normal": ("w_init",),
    "regularizer.use_two_thr": ("competition",),
    "uses_regularizer": ("competition",),
    "trainer.early_stopping": ("_patience",),
    "trainer.gridsearch_stop_acc": ("_stop_acc",),
}
_HOW = {"n_neurons": " (n_neurons / n_classes)"}  # (in original_keys' descriptions)
_KNOWN = set(_DIRECT) | set(_TRANSLATED)
# the blocks of the original nested format; "network" is a list of layers
_BLOCKS = ("network", "optimizer", "regularizer", "trainer")


def original_keys():
    """The keys of the original framework that configurations may hold.

    Returns
    -------
    keys : dict
        Each flattened original key (``"firing_threshold"``, ``"regularizer.thr_lr"``,
        ``"trainer.epochs"``, ...) mapped to what it sets: the name of the estimator
        parameter it is copied to, or a short description for the keys that are
        translated (``"n_neurons"``, ``"method"``, ...) or are protocol settings
        (``"_patience"``, ``"_stop_acc"``).
    """
    keys = dict(_DIRECT)
    keys.update({k: ", ".join(v) + _HOW.get(k, "") for k, v in _TRANSLATED.items()})
    return dict(sorted(keys.items()))


def translated_targets(key):
    """What an original key sets when it is translated rather than copied.

    The command line hands such keys to the configuration before its translation (an
    override of one of these estimator parameters, given earlier, is then replaced).

    Parameters
    ----------
    key : str
        A flattened original key (``"method"``, ``"n_neurons"``, ...).

    Returns
    -------
    targets : tuple of str or None
        The estimator parameters (or the protocol keys ``"_patience"``,
        ``"_stop_acc"``) that the key sets; None for a key copied unchanged or unknown.
    """
    return _TRANSLATED.get(key)


def total_neurons_key(neurons_per_class, n_classes):
    """The original key and value that set ``neurons_per_class`` neurons per class for
    ``n_classes`` classes (the original configures the layer's total, ``n_neurons``).

    Parameters
    ----------
    neurons_per_class : int or list of int
        One value, or a list of them (a grid).
    n_classes : int

    Returns
    -------
    key : str
    value : int or list of int
    """
    if isinstance(neurons_per_class, list):
        return "n_neurons", [v * n_classes for v in neurons_per_class]
    return "n_neurons", neurons_per_class * n_classes


def estimator_name(key):
    """The estimator parameter that an original key is copied to.

    Parameters
    ----------
    key : str
        A flattened original key (``"firing_threshold"``, ...) or any other name.

    Returns
    -------
    name : str
        The parameter (``"threshold"``, ...); ``key`` itself when it is not an original
        key copied unchanged (an estimator parameter's own name, say).
    """
    return _DIRECT.get(key, key)


def original_name(param):
    """The original key copied unchanged to an estimator parameter.

    Parameters
    ----------
    param : str
        An estimator parameter (``"threshold"``, ...).

    Returns
    -------
    key : str or None
        The original key (``"firing_threshold"``, ...), or None when none maps to it.
    """
    return next((k for k, v in _DIRECT.items() if v == param), None)


def _check_n_classes(n_classes):
    """Return ``n_classes`` as an int after checking it is an integer >= 1."""
    if (isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral)
            or n_classes < 1):
        raise ValueError(f"n_classes must be an integer >= 1, got {n_classes!r}.")
    return int(n_classes)


def _describe(value):
    """A short description of a value for error messages: its JSON type and value."""
    kind = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value))
    if kind is None:
        kind = "a number" if isinstance(value, numbers.Number) else type(value).__name__
    text = repr(value)
    return kind if len(text) > 60 or value is None else f"{kind} ({text})"


def _check_block(where, name, block):
    if not isinstance(block, dict):
        raise ValueError(
            f"{where}: {name!r} must be a JSON object (a dict of settings), got "
            f"{_describe(block)}."
        )
    return block


def _flatten(config, where="config"):
    """Flatten a nested original config ({network: [...], optimizer, regularizer, trainer})."""
    if not isinstance(config, dict):
        raise TypeError(
            f"{where}: a configuration must be a dict (a JSON object), got "
            f"{_describe(config)}."
        )
    if not any(b in config for b in _BLOCKS):
        return dict(config)
    extra = sorted(str(k) for k in set(config) - set(_BLOCKS))
    if extra:
        raise ValueError(
            f"{where}: unknown top-level key(s) {extra} in a configuration of the nested "
            f"format, whose settings belong to the blocks {list(_BLOCKS)}."
        )
    flat = {}
    layers = config.get("network", [])
    if not isinstance(layers, list):
        raise ValueError(
            f"{where}: 'network' must be a list of layers (JSON objects), got "
            f"{_describe(layers)}."
        )
    if len(layers) != 1:
        raise ValueError(
            f"{where}: spikencg trains one fully-connected layer, the config has "
            f"{len(layers)} in 'network'."
        )
    flat.update(_check_block(where, "network[0]", layers[0]))
    flat.update(_check_block(where, "optimizer", config.get("optimizer", {})))
    if "regularizer" in config:
        flat["uses_regularizer"] = True
        for k, v in _check_block(where, "regularizer", config["regularizer"]).items():
            flat[f"regularizer.{k}"] = v
    for k, v in _check_block(where, "trainer", config.get("trainer", {})).items():
        flat[f"trainer.{k}"] = v
    return flat


def _positive_int(where, key, value, minimum=1):
    """``value`` as an int when it is an integral number >= ``minimum``, else a
    ValueError."""
    n = minimum - 1
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        n = int(value)
    elif (isinstance(value, numbers.Real) and not isinstance(value, bool)
          and math.isfinite(value) and float(value).is_integer()):
        n = int(value)
    if n < minimum:
        raise ValueError(
            f"{where}: {key} must be an integer >= {minimum}, got {_describe(value)}."
        )
    return n


def _flag(where, key, value):
    """``value`` as a bool when it is a boolean (or the number 0 or 1)."""
    if isinstance(value, (bool, numbers.Integral)) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{where}: {key} must be true or false, got {_describe(value)}.")


def _check_unknown(flat, where):
    unknown = sorted(str(k) for k in set(flat) - _KNOWN)
    if unknown:
        hints = [m for k in unknown for m in difflib.get_close_matches(k, _KNOWN, n=1)]
        hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
        raise ValueError(
            f"{where}: unknown key(s) {unknown}{hint}; known keys: {sorted(_KNOWN)}."
        )


def _translate(flat, n_classes, where):
    """Estimator parameters of a flattened configuration holding no list."""
    _check_unknown(flat, where)
    for key, value in flat.items():
        if isinstance(value, list):
            raise ValueError(
                f"{where}: {key} is a list of values {value!r}; lists declare the values "
                "of a gridsearch: translate such a configuration with grid_from_config "
                "(load_config_file and load_preset do so by themselves)."
            )
    params = {"ncg": False}
    method = flat.get("method", "s2stdp")
    if not isinstance(method, str) or method not in ("s2stdp", "rstdp", "s4nn"):
        raise ValueError(
            f"{where}: method must be 's2stdp', 'rstdp' or 's4nn', got {_describe(method)}."
        )
    time_ranges = None
    if "use_time_ranges" in flat:
        time_ranges = _flag(where, "use_time_ranges", flat["use_time_ranges"])
    if method == "s2stdp" and time_ranges:
        params["rule"] = "sstdp"
    else:
        params["rule"] = method
        if method == "s4nn" and time_ranges is not None:
            params["time_ranges"] = time_ranges
    if "n_neurons" in flat:
        n = _positive_int(where, "n_neurons", flat["n_neurons"])
        if n % n_classes:
            k = max(1, round(n / n_classes))
            raise ValueError(
                f"{where}: n_neurons={n} is not a multiple of n_classes={n_classes} (the "
                f"number of classes of the data); choose the number of neurons per class "
                f"yourself: --set neurons_per_class={k} on the command line, "
                f"overrides={{'n_neurons': {k * n_classes}}} in load_preset or "
                "load_config_file."
            )
        params["neurons_per_class"] = n // n_classes
    if "w_init_normal" in flat:
        normal = _flag(where, "w_init_normal", flat["w_init_normal"])
        params["w_init"] = "normal" if normal else "uniform"
    for key, name in _DIRECT.items():
        if key in flat:
            params[name] = flat[key]
    params.setdefault("class_inhibition", False)
    params.setdefault("non_target_neurons", 0)
    if "uses_regularizer" in flat:
        regularizer = _flag(where, "uses_regularizer", flat["uses_regularizer"])
    else:
        regularizer = any(k.startswith("regularizer.") for k in flat)
    if regularizer:
        two = _flag(where, "regularizer.use_two_thr",
                    flat.get("regularizer.use_two_thr", True))
        params["competition"] = "two-compartment" if two else "one-threshold"
    elif flat.get("trainer.dropout_out", 0) and params["class_inhibition"]:
        params["competition"] = "dropout"
    else:
        params["competition"] = "none"
    if "trainer.early_stopping" in flat:
        # (the patience of early stopping; 0: no early stopping, as in the original)
        params["_patience"] = _positive_int(where, "trainer.early_stopping",
                                            flat["trainer.early_stopping"], minimum=0)
    if "trainer.gridsearch_stop_acc" in flat:
        acc = flat["trainer.gridsearch_stop_acc"]
        if (isinstance(acc, bool) or not isinstance(acc, numbers.Real)
                or not math.isfinite(acc)):
            raise ValueError(
                f"{where}: trainer.gridsearch_stop_acc must be a number (an accuracy), "
                f"got {_describe(acc)}."
            )
        params["_stop_acc"] = acc
    return params


def params_from_config(config, n_classes=10):
    """Translate a configuration of the original framework into estimator parameters.

    Parameters
    ----------
    config : dict
        Either the original nested format (``network``, ``optimizer``, ``regularizer``,
        ``trainer`` blocks) or the flattened one of the paper's ``configs.json``
        (layer and optimizer keys, ``regularizer.*``, ``trainer.*``). No value may be a
        list: lists declare the values of a gridsearch (see
        :func:`~spikencg.presets.grid_from_config`).
    n_classes : int, default=10
        Number of classes of the dataset, to turn ``n_neurons`` into neurons per class.

    Returns
    -------
    params : dict
        Keyword arguments of :class:`~spikencg.SpikingReadoutClassifier`. Protocol keys
        (``trainer.early_stopping``, ``trainer.gridsearch_stop_acc``) are returned under
        the keys ``"_patience"`` (0: no early stopping) and ``"_stop_acc"`` when present.

    Raises
    ------
    TypeError
        If ``config`` is not a dict.
    ValueError
        If ``n_classes`` is not an integer >= 1, or for an unknown key, a block of the
        nested format of the wrong type, a list of values, an ``n_neurons`` that is not
        an integer >= 1 divisible by ``n_classes``, or an invalid ``method``, flag or
        protocol value. The message names the key.
    """
    n_classes = _check_n_classes(n_classes)
    return _translate(_flatten(config), n_classes, "config")


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

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    """
    if not isinstance(name, str):
        raise TypeError(f"preset name must be a string, got {_describe(name)}.")
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

    Raises
    ------
    TypeError
        If ``params`` is neither a dict nor a list.
    """
    if isinstance(params, list):
        return True
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict or a list of dicts, got {_describe(params)}.")
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
    TypeError
        If ``config`` is not a dict.
    ValueError
        For an unknown key or invalid value, as :func:`params_from_config`, or a
        searched key with an empty list of values.
    """
    n_classes = _check_n_classes(n_classes)
    return _grid(_flatten(config), n_classes, "config")


def _grid(flat, n_classes, where):
    """The grid of a flattened configuration (see :func:`grid_from_config`)."""
    _check_unknown(flat, where)
    searched = {k: v for k, v in flat.items() if isinstance(v, list)}
    for k, v in searched.items():
        if not v:
            raise ValueError(f"{where}: searched key {k!r} has an empty list of values.")
        if any(isinstance(x, list) for x in v):
            raise ValueError(
                f"{where}: searched key {k!r} holds a list inside its list of values "
                f"{v!r}; each value tried must be a single value."
            )
    base_flat = {k: (v[0] if isinstance(v, list) else v) for k, v in flat.items()}
    base = _translate(base_flat, n_classes, where)
    simple = {}  # estimator param -> list of values, for keys mapping one-to-one
    joint = {}  # original key -> list of param dicts (the changed params), otherwise
    for key, values in searched.items():
        variants = [_translate({**base_flat, key: v}, n_classes, where) for v in values]
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


def _apply_overrides(flat, overrides, where):
    """``flat`` updated with ``overrides`` (original flattened keys), after checking them."""
    if overrides is None:
        return flat
    if not isinstance(overrides, dict):
        raise TypeError(
            f"overrides must be a dict of original keys, got {_describe(overrides)}."
        )
    try:
        _check_unknown(overrides, "overrides")
    except ValueError as exc:
        raise ValueError(f"{exc} (applied to {where})") from None
    return {**flat, **overrides}


def _from_flat(flat, n_classes, where, grid):
    """Parameters, or the grid when ``grid`` or when a value is a list."""
    if grid or any(isinstance(v, list) for v in flat.values()):
        return _grid(flat, n_classes, where)
    return _translate(flat, n_classes, where)


def load_preset(name, n_classes=None, *, kind=None, overrides=None):
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
    overrides : dict, default=None
        Values of original (flattened) keys, see :func:`original_keys`, that replace the
        configuration's before it is translated, e.g. ``{"n_neurons": 15}`` for 5
        neurons per class on 3 classes, or ``{"method": "rstdp"}``. A list of values
        makes the result a grid.

    Returns
    -------
    params : dict
        For a final configuration: keyword arguments of
        :class:`~spikencg.SpikingReadoutClassifier`, plus the protocol keys
        ``"_patience"`` (early-stopping patience) and ``"_stop_acc"`` when present
        (remove the keys starting with ``"_"`` before building the estimator).
        For a gridsearch configuration (or when ``overrides`` holds a list): a grid as
        returned by :func:`grid_from_config`.

    Raises
    ------
    TypeError
        If ``name`` is not a string or ``overrides`` not a dict.
    ValueError
        For an unknown name (the message lists the closest names) or kind, an invalid
        ``n_classes``, an unknown key in ``overrides``, or a configuration that cannot
        be translated (e.g. ``n_neurons`` not a multiple of ``n_classes``; the message
        names the preset and the key).
    """
    if not isinstance(name, str):
        raise TypeError(f"preset name must be a string, got {_describe(name)}.")
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
    n_classes = _check_n_classes(n_classes)
    where = f"preset {(_GRID_PREFIX if kind == 'gridsearch' else '') + key!r}"
    flat = _apply_overrides(_flatten(configs[key], where), overrides, where)
    return _from_flat(flat, n_classes, where, kind == "gridsearch")


def load_config_file(path, n_classes=10, *, overrides=None):
    """Read a configuration file of the original framework (JSON).

    Parameters
    ----------
    path : str or path-like
        JSON file in the original nested format (``network``, ``optimizer``,
        ``regularizer``, ``trainer`` blocks) or the flattened one of the paper's
        ``configs.json``. Lists of values (gridsearch configuration files) make a grid.
    n_classes : int, default=10
        Number of classes of the dataset.
    overrides : dict, default=None
        Values of original (flattened) keys that replace the file's, as in
        :func:`load_preset`.

    Returns
    -------
    params : dict or list of dict
        Estimator parameters as :func:`params_from_config`, or, when the file (or
        ``overrides``) holds lists of values, a grid as :func:`grid_from_config`.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    TypeError
        If ``path`` is not a string or path-like, or ``overrides`` not a dict.
    ValueError
        If the file is not UTF-8 JSON text, is not a JSON object, is nested too deeply,
        or holds an unknown key or invalid value (the message names the file and the
        key), or for an invalid ``n_classes``.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"config path must be a string or path-like, got {_describe(path)}.")
    n_classes = _check_n_classes(n_classes)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file not found: {path}")
    try:
        config = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a JSON text file (not UTF-8: {exc.reason} at byte "
                         f"{exc.start}).") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc}).") from None
    except RecursionError:
        raise ValueError(f"{path}: JSON nested too deeply to be a configuration.") from None
    where = str(path)
    if not isinstance(config, dict):
        raise ValueError(
            f"{where}: a configuration must be a JSON object, got {_describe(config)}."
        )
    try:
        flat = _apply_overrides(_flatten(config, where), overrides, where)
    except RecursionError:
        raise ValueError(f"{where}: nested too deeply to be a configuration.") from None
    return _from_flat(flat, n_classes, where, False)
