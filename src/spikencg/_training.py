"""The training state of :class:`~spikencg.SpikingReadoutClassifier`, as one object.

What training carries from epoch to epoch besides the public fitted arrays
(``weights_``, ``thresholds_``, ``training_thresholds_``, which a user may edit and
which are checked before each use): the resolved configuration of the layer, the
weight-normalisation targets, the rates and their annealing, the random generator, and
the per-epoch history. :class:`TrainingState` is created by
``SpikingReadoutClassifier._start_training``, the one path that ``fit``, ``partial_fit``
and a warm start share, and is pickled with the estimator.
"""

import dataclasses

import numpy as np

from ._kernels import _train

__all__ = ["HISTORY", "HISTORY_PER_NEURON", "Annealed", "TrainingConfig", "TrainingState",
           "row_sums"]

HISTORY_PER_NEURON = ("updates_own_class", "updates_other_class", "threshold_history",
                      "mean_firing_time", "min_firing_time", "firing_rate")
HISTORY = ("train_accuracy", "validation_accuracy", "silent_fraction",
           "all_first_fraction", "weight_stats") + HISTORY_PER_NEURON


def row_sums(W):
    """Each row's sum, the target of weight normalisation: in float32, as numpy sums a
    contiguous float32 row (the original normalised its weights to these sums)."""
    return np.ascontiguousarray(W, dtype=np.float32).sum(axis=1).astype(np.float64)


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """The estimator's parameters that shape the layer and its rule, resolved: every
    None replaced by the value the rule's defaults give (see ``_resolve``).

    ``rule`` and ``competition`` are names (keys of ``rules.RULES`` and
    ``competition.MODES``); the rates are those set, before any annealing.
    """

    n_classes: int
    neurons_per_class: int
    non_target_neurons: int
    class_inhibition: bool
    competition: str
    rule: str
    time_ranges: bool
    w_init_mean: float
    w_min: float
    w_max: float
    weight_norm: bool
    t_gap: float
    a_plus: float
    a_minus: float
    anti_a_plus: float
    anti_a_minus: float

    @property
    def n_neurons(self):
        """Number of output neurons."""
        return self.n_classes * self.neurons_per_class


class Annealed:
    """Values multiplied once per epoch by an annealing factor.

    ``value`` holds the current values, ``base`` the values set (before annealing) and
    ``factor`` the product of the factors applied so far. A value set anew takes effect
    annealed as far as the others (:meth:`set_base`).

    Parameters
    ----------
    base : array-like of float
        The values set.
    """

    def __init__(self, base):
        self.base = np.array(base, dtype=np.float64)
        self.value = self.base.copy()
        self.factor = 1.0

    def anneal(self, multiplier):
        """Multiply the current values by ``multiplier`` (at an epoch end)."""
        self.value = self.value * multiplier
        self.factor *= multiplier

    def set_base(self, base):
        """Take up newly set values: those that changed become ``new * factor``."""
        base = np.array(base, dtype=np.float64)
        changed = base != self.base
        if changed.any():
            self.value[changed] = base[changed] * self.factor
            self.base = base

    @classmethod
    def restored(cls, value, base, factor):
        """Values ``value`` set to ``base`` and annealed by ``factor`` so far."""
        self = cls(base)
        self.value = np.array(value, dtype=np.float64)
        self.factor = float(factor)
        return self

    @classmethod
    def resumed(cls, value, multiplier, n_epochs):
        """Values annealed ``n_epochs`` times by ``multiplier`` to ``value``, whose base
        was not recorded: ``value / factor`` (``value`` if the factor is 0)."""
        factor = float(multiplier) ** n_epochs
        value = np.array(value, dtype=np.float64)
        return cls.restored(value, value / factor if factor > 0 else value, factor)


class TrainingState:
    """Everything training carries from epoch to epoch besides the public arrays.

    Parameters
    ----------
    config : TrainingConfig
        The resolved parameters of the layer.
    norm_target : ndarray of shape (n_neurons,)
        Row sums kept by weight normalisation (ones without it).
    threshold : float or str
        The ``threshold`` parameter the thresholds were initialised with.
    threshold_floor : float
        CR-2's floor: the smallest threshold training starts from.
    rates : Annealed
        ``a_plus, a_minus, anti_a_plus, anti_a_minus, learning_rate``.
    threshold_lr : Annealed
        The competition regulation's threshold rate (one value).
    rng : numpy.random.Generator
        Shuffling and dropout.
    accuracy : float
        The last epoch's training accuracy (R-STDP's adaptive rates); before the first
        epoch, chance level.
    history : dict or None
        Per-epoch lists, keyed by :data:`HISTORY` (None: empty).
    """

    def __init__(self, config, norm_target, threshold, threshold_floor, rates,
                 threshold_lr, rng, accuracy, history=None):
        self.config = config
        self.norm_target = norm_target
        self.threshold = threshold
        self.threshold_floor = threshold_floor
        self.rates = rates
        self.threshold_lr = threshold_lr
        self.rng = rng
        self.accuracy = accuracy
        self.history = {k: [] for k in HISTORY} if history is None else history

    @staticmethod
    def rate_values(config, learning_rate):
        """The STDP rates set by ``config`` and the S4NN ``learning_rate``, in the order
        of :attr:`rates`."""
        return [config.a_plus, config.a_minus, config.anti_a_plus, config.anti_a_minus,
                float(learning_rate)]

    def check_layer(self, config):
        """Raise a ValueError when ``config``'s layer differs from the trained one."""
        old = self.config
        changed = [f"{name} {getattr(old, key)} -> {getattr(config, key)}"
                   for key, name in (("n_classes", "classes"),
                                     ("neurons_per_class", "neurons per class"),
                                     ("non_target_neurons", "non-target neurons"))
                   if getattr(old, key) != getattr(config, key)]
        if changed:
            raise ValueError(
                "cannot continue training (warm_start / partial_fit): the layer changed ("
                + ", ".join(changed) + "; neurons_per_class and non_target_neurons left "
                "to None follow ncg and rule); refit with warm_start=False."
            )

    def take_up(self, config, learning_rate, threshold_lr, weights):
        """Continue with ``config`` and the current rates (see the estimator's
        ``warm_start``): changed rates take effect annealed by the epochs already run;
        turning weight normalisation on keeps the rows' current sums (of ``weights``)."""
        self.rates.set_base(self.rate_values(config, learning_rate))
        self.threshold_lr.set_base([threshold_lr])
        if config.weight_norm and not self.config.weight_norm:
            self.norm_target = row_sums(weights)
        self.config = config

    def epoch_rates(self):
        """This epoch's :data:`~spikencg._kernels._train.Rates` for the kernel."""
        a_plus, a_minus, anti_a_plus, anti_a_minus, learning_rate = self.rates.value
        return _train.rates(a_plus, a_minus, anti_a_plus, anti_a_minus, learning_rate,
                            self.threshold_lr.value[0], self.accuracy)

    def end_epoch(self, accuracy, annealing, threshold_annealing):
        """Epoch end: keep the training accuracy, anneal the rates."""
        self.accuracy = accuracy
        self.rates.anneal(annealing)
        self.threshold_lr.anneal(threshold_annealing)

    def record_epoch(self, accuracy, record, n_samples, phi, weights):
        """Append an epoch's figures to the history (the validation accuracy apart).

        ``record`` is the epoch's :data:`~spikencg._kernels._train.EpochRecord`,
        ``phi`` the training thresholds and ``weights`` the weights at its end.
        """
        h = self.history
        n = max(n_samples, 1)
        fcount, fmin = record.fire_count, record.fire_min
        h["train_accuracy"].append(accuracy)
        h["silent_fraction"].append(record.stats[_train.STAT_SILENT] / n)
        h["all_first_fraction"].append(record.stats[_train.STAT_ALL_FIRST] / n)
        h["updates_own_class"].append(record.updates_own)
        h["updates_other_class"].append(record.updates_other)
        h["threshold_history"].append(phi.copy())
        with np.errstate(invalid="ignore", divide="ignore"):
            h["mean_firing_time"].append(np.where(fcount > 0, record.fire_sum
                                                  / np.maximum(fcount, 1), np.nan))
        h["min_firing_time"].append(np.where(np.isfinite(fmin), fmin, np.nan))
        h["firing_rate"].append(fcount / n)
        # (in float64: the float32 squares of weights above about 1.8e19 overflow)
        h["weight_stats"].append(np.array([weights.mean(dtype=np.float64),
                                           weights.std(dtype=np.float64), weights.min(),
                                           weights.max()], dtype=np.float64))

    def history_arrays(self, n_neurons):
        """The history as arrays, one row per epoch, keyed by :data:`HISTORY`."""
        out = {}
        for key in HISTORY:
            vals = self.history[key]
            if key in HISTORY_PER_NEURON:
                dtype = np.int64 if key.startswith("updates") else np.float64
                out[key] = np.asarray(vals, dtype=dtype).reshape(len(vals), n_neurons)
            elif key == "weight_stats":
                out[key] = np.asarray(vals, dtype=np.float64).reshape(len(vals), 4)
            else:
                out[key] = np.asarray(vals, dtype=np.float64)
        return out
