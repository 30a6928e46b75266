"""The spiking readout classifier: a scikit-learn estimator over the numba kernels."""

import dataclasses
import inspect
import numbers
import warnings

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets

from . import _parallel, presets
from ._compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_finite_params,
    check_is_fitted,
    validate_data,
    validate_parameter_constraints,
)
from ._kernels import _proba, _train, competition, rules
from ._kernels import _spikes as _spikes_kernels
from ._kernels._forward import predict_batch
from ._training import (
    Annealed,
    TrainingConfig,
    TrainingState,
    row_sums,
)
from .spikes import check_csr_rows as _check_csr_rows
from .spikes import check_sparse_structure as _check_sparse_structure
from .spikes import float64_csr as _float64_csr
from .spikes import row_block as _rows
from .spikes import row_chunks as _row_chunks
from .spikes import spike_arrays_and_shape as _spike_arrays_and_shape
from .spikes import unchecked_csr_arrays as _unchecked_csr_arrays

__all__ = ["SpikingReadoutClassifier", "ThresholdWarning"]


class _UncheckedSpikes:
    """A CSR input whose spikes are checked block by block, by the threads that predict
    them (see ``SpikingReadoutClassifier._simulate``): ``arrays`` as the kernels read
    them, ``X`` the input, ``check_rows(lo, hi)`` whether rows ``lo:hi`` may be read as
    they are."""

    def __init__(self, X, arrays, max_time):
        self.X = X
        self.arrays = arrays
        self.max_time = max_time

    @classmethod
    def of(cls, X, max_time):
        """The unchecked input of a validated CSR ``X``, or None where the rows cannot
        be checked block by block (:func:`spikencg.spikes.unchecked_csr_arrays`)."""
        arrays = _unchecked_csr_arrays(X)
        return None if arrays is None else cls(X, arrays, max_time)

    def check_rows(self, lo, hi):
        return _check_csr_rows(self.arrays, self.X.shape[1], self.max_time, lo, hi)


class ThresholdWarning(UserWarning):
    """The firing threshold does not suit the data: most samples are silent, or every
    neuron fires at the first input spike."""


# the names of the learning rules and competition modes (their registries: the
# kernels' rules.RULES and competition.MODES)
RULES = tuple(rules.RULES)
COMPETITIONS = tuple(competition.MODES)

# Per-rule defaults, from the paper's configurations (docs/paper.md, presets.py): one
# entry per name of RULES.
_RULE_DEFAULTS = {
    "s2stdp": dict(w_init_mean=0.3, w_min=0.0, w_max=1.0, weight_norm=True, t_gap=0.1,
                   a_plus=0.01, a_minus=-0.02, time_ranges=False),
    "sstdp": dict(w_init_mean=0.5, w_min=0.0, w_max=1.0, weight_norm=False, t_gap=0.08,
                  a_plus=0.1, a_minus=-0.001, time_ranges=True),
    "rstdp": dict(w_init_mean=0.8, w_min=0.2, w_max=0.8, weight_norm=False, t_gap=0.0,
                  a_plus=0.05, a_minus=-0.001, time_ranges=False),
    "s4nn": dict(w_init_mean=0.5, w_min=-1000.0, w_max=1000.0, weight_norm=False, t_gap=0.125,
                 a_plus=0.0, a_minus=0.0, time_ranges=True),
}

# rules whose training pass reads the weights neuron by neuron (see _train.train_epoch),
# from this many inputs on: the same results either way, the faster layout as measured
# (S2-STDP: neuron-major faster on 196, 784 and 4,608 inputs, input-major on 64)
_NEURON_MAJOR_RULES = (rules.S2STDP,)
_NEURON_MAJOR_MIN_INPUTS = 128

# one thread's time per synaptic event (input spike x neuron) of a prediction, in ns, up
# to the first output spike / to the end (measured on digits, MNIST pixels and 4,608
# features: 0.14-0.22 and 0.15-0.37): sizes a batch for _parallel.run_chunks
_PREDICT_NS_PER_EVENT = (0.2, 0.3)
_PROGRESS_CHUNK = 20000  # samples per kernel call when a progress bar is shown
_PROBA_SAMPLES = 2000
# prior standard deviation of the probability model's two coefficients: on digits they
# come out near (140, 35), unchanged by it; on 60 samples of two classes the test
# log-loss of four seeds fell from 0.54-1.89 to 0.25-0.47 (coefficients were in the
# thousands)
_PROBA_PRIOR_STD = 300.0
# Parameters whose default changed after they were added: their first default, what a
# model pickled before the parameter existed was trained with (``__setstate__``)
_LEGACY_PARAMS = {"arithmetic": "original"}

# Bounds of the parameters beyond which the kernels' arithmetic would overflow: weights,
# thresholds and potentials are float32 (a threshold above float32's largest number is
# never reached), and the kernels add and subtract times of the order of max_time and
# t_gap (from max_time = 2**1021 on, a scaled copy of a dataset trained another model)
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_MAX_TIME = 1e300
# the relative potential min(V / mean threshold, 2) of the probability model is also
# bounded below, so that a tiny edited threshold cannot make it -inf (NaN scores)
_RHO_MIN = -1e6
# parameters that prediction reads: they must not change between fit and predict
_PREDICT_SETTINGS = ("neuron", "tau", "max_time")
# the private attributes of the training state of models saved before it was one object
_LEGACY_STATE = ("_p", "_rates", "_eta", "_norm_target", "_phi_floor", "_acc_prev", "_rng",
                 "_history", "_threshold_param", "_rate_base", "_anneal", "_eta_base",
                 "_eta_anneal")


def _row_major_training(rule, n_inputs):
    """Whether the training kernel's forward pass reads input-major rows (see train_epoch)."""
    return rules.RULES[rule] not in _NEURON_MAJOR_RULES or n_inputs < _NEURON_MAJOR_MIN_INPUTS


class SpikingReadoutClassifier(ClassifierMixin, BaseEstimator):
    """One fully-connected layer of single-spike neurons trained with supervised STDP.

    Inputs are first-spike times (one spike per input at most, earlier = stronger), given
    either as the spike lists produced by :class:`~spikencg.TTFSEncoder` (a CSR matrix of
    spike times) or as a dense array of timestamps (``>= max_time`` or ``+inf``: no spike).
    Each class owns ``neurons_per_class`` output neurons; the class of the first output
    neuron to fire is the prediction (ties: larger potential, then smaller index).
    The model is described precisely in ``docs/algorithm-notes.md`` and the project's
    ALGORITHM contract; the original framework's parameter names are given in brackets.

    Parameters
    ----------
    rule : {"s2stdp", "sstdp", "rstdp", "s4nn"}, default="s2stdp"
        Learning rule [``method``; "sstdp" is ``method="s2stdp"`` with
        ``use_time_ranges=true``]: S2-STDP, SSTDP, reward-modulated STDP, or the S4NN
        backpropagation-style baseline.
    ncg : bool, default=True
        Neuronal Competition Groups as in the paper: 5 neurons per class, intra-class
        winner-takes-all, two-compartment competition regulation and, for S2-STDP,
        1 non-target neuron per class. Each part can be overridden by the next four
        parameters. ``False``: one neuron per class, no competition.
    neurons_per_class : int or None, default=None
        ``M`` [``n_neurons / n_classes``]. None: 5 with ``ncg``, else 1.
    non_target_neurons : int or None, default=None
        ``L``, neurons of each class labelled non-target [``trainer.nt_neurons``].
        None: 1 with ``ncg`` and ``rule="s2stdp"``, else 0. Must be < ``M``.
    class_inhibition : bool or None, default=None
        Intra-class winner-takes-all during learning [``class_inhib``]. None: ``ncg``.
    competition : {"two-compartment", "one-threshold", "dropout", "none"} or None
        Competition regulation [``regularizer`` block; ``use_two_thr=false`` is
        "one-threshold"; "dropout" is the paper's Drop ablation: no regulation, output
        dropout]. None: "two-compartment" with ``ncg``, else "none".
    threshold : float or "auto", default="auto"
        Firing threshold of every neuron [``firing_threshold``]. "auto":
        ``w_init_mean * max(n - 1, 1) / 2`` (with ``weights_init`` given to ``fit``, the
        mean of those weights instead of ``w_init_mean``) with ``n`` the mean number of
        input spikes per training sample: with the initial weights, a neuron fires after
        about half of a sample's spikes (the paper's thresholds grow with the number of
        inputs and the initial weights in the same way; on its digits configuration
        this rule gives 4.7 where the paper used 4.5).
    threshold_lr : float or None, default=None
        Competition-regulation threshold rate ``eta`` [``regularizer.thr_lr``].
        None: 5 % of the threshold.
    threshold_annealing : float, default=0.5
        Per-epoch multiplier of ``threshold_lr`` [``regularizer.thr_anneal``].
    neuron : {"if", "lif"}, default="if"
        Integrate-and-fire, or leaky integrate-and-fire with time constant ``tau``.
    tau : float, default=1.0
        LIF membrane time constant, in the units of ``max_time``.
    max_time : float, default=1.0
        ``T``: inputs at ``t >= T`` are silent; neurons that do not fire get ``s = T``.
        At most 1e300 (the kernels add and subtract times; the model does not depend on
        the time unit). Prediction refuses a ``max_time`` (and a ``neuron``, and a LIF
        model's ``tau``) changed since the fit.
    w_init : {"normal", "uniform"}, default="normal"
        Weight initialisation [``w_init_normal``]: Normal(``w_init_mean``,
        ``w_init_std``) or Uniform(``w_min``, ``w_max``), then clipped.
    w_init_mean : float or None, default=None
        [``w_init_mean``] None: 0.3 (S2-STDP), 0.5 (SSTDP, S4NN), 0.8 (R-STDP).
    w_init_std : float, default=0.01
        [``w_init_std``]
    w_min, w_max : float or None, default=None
        Weight range [``w_min``, ``w_max``]. None: [0, 1]; R-STDP [0.2, 0.8];
        S4NN [-1000, 1000]. The weights are float32: these (and ``w_init_mean``,
        ``threshold`` and ``threshold_lr``) must lie within float32's range,
        ``+-3.4e38``.
    weight_norm : bool or None, default=None
        Keep each neuron's weight sum at its initial value [``w_norm``]: after each
        update a row is rescaled by ``initial sum / sum |w|`` (ALGORITHM.md), which
        keeps the sum only while the weights are ``>= 0`` (with ``w_min < 0`` a
        warning is given). None: True for S2-STDP, else False.
    arithmetic : {"fast", "original"}, default="fast"
        How clipping and normalisation round (the two differ only with
        ``weight_norm``). "fast": after a training step only the updated rows are
        clipped and rescaled, by a float64 factor from an exact float64 sum, as
        ALGORITHM.md (section 2) allows; the weights part from the original
        framework's at rounding level and drift from them over training, to the same
        accuracy (measured on Table 1's folds), and training runs 22-30 % more samples
        per second than with "original" (measured on 64 to 4,608 inputs). "original":
        as the original framework, bit for bit: after every step every row is clipped
        and rescaled by a float32 factor from numpy's float32 sums, rows not updated
        included (they change at rounding level); use it to reproduce the original's
        runs exactly (``spikencg table1`` does). Without ``weight_norm`` both train the
        same model (unless ``w_min`` or ``w_max`` changes between continued fits:
        "fast" clips a row to the new range at the row's next update).
    stdp : {"additive", "multiplicative"}, default="additive"
        [``stdp``] Multiplicative STDP scales each increment by a soft bound
        ``exp(-beta * distance to the bound)``.
    beta : float, default=1.0
        [``beta``] Multiplicative STDP soft-bound strength.
    t_gap : float or None, default=None
        Gap between target and non-target desired times [``t_gap``], in the units of
        ``max_time``. None: 0.1 (S2-STDP), 0.08 (SSTDP), 0.125 (S4NN) times
        ``max_time`` (the paper's values, for ``max_time=1``). At most 1e300.
    a_plus, a_minus : float or None, default=None
        STDP rates on causal / other inputs [``ap``, ``am``] (``a_plus > 0``,
        ``a_minus <= 0`` for the usual STDP). None: 0.01 / -0.02 (S2-STDP),
        0.1 / -0.001 (SSTDP), 0.05 / -0.001 (R-STDP).
    anti_a_plus, anti_a_minus : float or None, default=None
        Anti-STDP rates [``anti_ap``, ``anti_am``]. None: ``-a_plus``, ``-a_minus``.
    learning_rate : float, default=0.005
        S4NN learning rate [``lr``].
    annealing : float, default=0.98
        Per-epoch multiplier of every learning rate [``annealing``].
    time_ranges : bool or None, default=None
        Desired times bounded by the actual ones [``use_time_ranges``]. None: True for
        "sstdp" and "s4nn", False for "s2stdp". Setting it True with "s2stdp" is SSTDP.
    depress_silent : bool, default=True
        Depress the weights of inputs that did not spike (``T_ltd = +inf``); False
        leaves them unchanged (``T_ltd = T``).
    adaptive_rates : bool, default=True
        R-STDP: scale rewarded rates by ``1 - acc`` and punished ones by ``acc``, the
        previous epoch's training accuracy.
    output_dropout : float, default=0.0
        Probability that an output neuron sits out a training sample
        [``trainer.dropout_out``].
    input_dropout : float, default=0.0
        Probability that an input is hidden from a training sample's weight update.
    max_iter : int, default=30
        Maximum number of epochs [``trainer.epochs``].
    early_stopping : bool, default=False
        Stop when the validation accuracy has not improved by more than ``tol`` for
        ``n_iter_no_change`` epochs [``trainer.early_stopping`` > 0]. The validation set
        is ``X_val, y_val`` given to :meth:`fit`, else a stratified
        ``validation_fraction`` of the training data (split with ``random_state``).
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Patience in epochs [the value of ``trainer.early_stopping``; paper: 10].
    tol : float or None, default=None
        Minimum accuracy gain that counts as an improvement (None: any strict gain).
        Without early stopping, a float makes training stop when the *training*
        accuracy stalls, as in :class:`~sklearn.linear_model.SGDClassifier`; None
        then runs all ``max_iter`` epochs (the paper's protocol without validation).
    restore_best : bool, default=True
        With early stopping, end with the model of the best validation epoch; False
        keeps the last one (what the paper reports).
    warm_start : bool, default=False
        Continue training the fitted model on the next :meth:`fit` (weights,
        thresholds, annealed rates), instead of starting anew. Early-stopping patience
        counts from the best epoch of the whole history; ``restore_best`` can restore
        only an epoch of the current call. Between continued fits (and
        :meth:`partial_fit` calls) the STDP rates, ``learning_rate`` and
        ``threshold_lr`` may change: a new value takes effect annealed by the epochs
        already run; other settings apply from the next epoch. Turning
        ``weight_norm`` on keeps the rows' current sums. The layer (neurons per class,
        non-target neurons, also through ``rule`` or ``ncg`` when those are None) and
        ``threshold`` cannot change, nor can labels unseen in the first fit appear
        (ValueError); ``w_init*`` only set the initial weights. ``weights_`` and the
        thresholds may be edited or replaced (shapes and values are checked).
    shuffle : bool, default=False
        Visit the training samples in a new random order every epoch (the paper used
        one fixed order).
    verbose : int, default=0
        1: a progress bar (tqdm) over the samples of all epochs and one line per epoch
        (training and validation accuracy, share of silent samples); 2: also keep the
        bar on screen when done.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the validation split, shuffling and dropout
        (with one NumPy Generator seeded from it).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of inputs.
    weights_ : ndarray of shape (n_neurons, n_features_in_), float32
        Synaptic weights, one row per output neuron (a transposed view of the input-major
        array the kernels use).
    thresholds_ : ndarray of shape (n_neurons,)
        Decision thresholds (used by predict). Thresholds are float32 numbers, like the
        potentials they are compared with (as in the original framework): values
        assigned here are used rounded to the nearest float32.
    training_thresholds_ : ndarray of shape (n_neurons,)
        Training thresholds at the end of the last epoch (CR-2: the adaptive
        thresholds; CR-1: the single thresholds; otherwise equal to ``thresholds_``).
    neurons_per_class_ : int
        ``M``.
    non_target_neurons_ : int
        ``L``.
    neuron_class_ : ndarray of shape (n_neurons,)
        Index into ``classes_`` of every output neuron.
    threshold_ : float
        The initial threshold (the value of ``threshold``, or what "auto" chose).
    n_iter_ : int
        Epochs run (in total, over warm starts and partial_fit calls).
    best_iteration_ : int
        With early stopping (or ``tol``): the epoch (1-based) of the best score.
    best_score_ : float
        With early stopping (or ``tol``): the best validation (or training) accuracy.
    proba_coef_ : ndarray of shape (2,)
        Coefficients of spike-time advance and potential in :meth:`predict_proba`.

    History, one row per epoch (plain arrays; enough to redraw the paper's Figure 2):

    train_accuracy_ : ndarray of shape (n_iter_,)
        Online training accuracy (winner of each training pass, training thresholds).
    validation_accuracy_ : ndarray of shape (n_iter_,)
        Accuracy on the validation set with the decision thresholds (NaN without one).
    silent_fraction_ : ndarray of shape (n_iter_,)
        Share of training samples on which no output neuron fired.
    all_first_fraction_ : ndarray of shape (n_iter_,)
        Share of training samples on which every neuron fired at the first input group.
    updates_own_class_, updates_other_class_ : ndarray of shape (n_iter_, n_neurons)
        Weight updates each neuron received on samples of its own class / of other
        classes (for S2-STDP with NCG: as its class's winner).
    threshold_history_ : ndarray of shape (n_iter_, n_neurons)
        Training (adaptive) thresholds at each epoch end.
    mean_firing_time_, min_firing_time_ : ndarray of shape (n_iter_, n_neurons)
        Mean and earliest firing time of each neuron over the training samples on which
        it fired (NaN if it never did).
    firing_rate_ : ndarray of shape (n_iter_, n_neurons)
        Share of training samples on which each neuron fired.
    weight_stats_ : ndarray of shape (n_iter_, 4)
        Mean, standard deviation, minimum and maximum of the weights at epoch end.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from spikencg import TTFSEncoder, SpikingReadoutClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = make_pipeline(TTFSEncoder(encoding="intensity"),
    ...                     SpikingReadoutClassifier(max_iter=5, random_state=0))
    >>> clf.fit(X[:1000], y[:1000]).score(X[1000:], y[1000:]) > 0.8
    True
    """

    _parameter_constraints = {
        "rule": [StrOptions(set(RULES))],
        "ncg": ["boolean"],
        "neurons_per_class": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "non_target_neurons": [Interval(numbers.Integral, 0, None, closed="left"), None],
        "class_inhibition": ["boolean", None],
        "competition": [StrOptions(set(COMPETITIONS)), None],
        "threshold": [Interval(numbers.Real, 0, _FLOAT32_MAX, closed="both"),
                      StrOptions({"auto"})],
        "threshold_lr": [Interval(numbers.Real, 0, _FLOAT32_MAX, closed="both"), None],
        "threshold_annealing": [Interval(numbers.Real, 0, None, closed="left")],
        "neuron": [StrOptions({"if", "lif"})],
        "tau": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_time": [Interval(numbers.Real, 0, _MAX_TIME, closed="right")],
        "w_init": [StrOptions({"normal", "uniform"})],
        "w_init_mean": [Interval(numbers.Real, -_FLOAT32_MAX, _FLOAT32_MAX, closed="both"),
                        None],
        "w_init_std": [Interval(numbers.Real, 0, None, closed="left")],
        "w_min": [Interval(numbers.Real, -_FLOAT32_MAX, _FLOAT32_MAX, closed="both"), None],
        "w_max": [Interval(numbers.Real, -_FLOAT32_MAX, _FLOAT32_MAX, closed="both"), None],
        "weight_norm": ["boolean", None],
        "arithmetic": [StrOptions({"fast", "original"})],
        "stdp": [StrOptions({"additive", "multiplicative"})],
        "beta": [Interval(numbers.Real, 0, None, closed="left")],
        "t_gap": [Interval(numbers.Real, 0, _MAX_TIME, closed="both"), None],
        "a_plus": [numbers.Real, None],
        "a_minus": [numbers.Real, None],
        "anti_a_plus": [numbers.Real, None],
        "anti_a_minus": [numbers.Real, None],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="left")],
        "annealing": [Interval(numbers.Real, 0, None, closed="left")],
        "time_ranges": ["boolean", None],
        "depress_silent": ["boolean"],
        "adaptive_rates": ["boolean"],
        "output_dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "input_dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left"), None],
        "restore_best": ["boolean"],
        "warm_start": ["boolean"],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        rule="s2stdp",
        *,
        ncg=True,
        neurons_per_class=None,
        non_target_neurons=None,
        class_inhibition=None,
        competition=None,
        threshold="auto",
        threshold_lr=None,
        threshold_annealing=0.5,
        neuron="if",
        tau=1.0,
        max_time=1.0,
        w_init="normal",
        w_init_mean=None,
        w_init_std=0.01,
        w_min=None,
        w_max=None,
        weight_norm=None,
        arithmetic="fast",
        stdp="additive",
        beta=1.0,
        t_gap=None,
        a_plus=None,
        a_minus=None,
        anti_a_plus=None,
        anti_a_minus=None,
        learning_rate=0.005,
        annealing=0.98,
        time_ranges=None,
        depress_silent=True,
        adaptive_rates=True,
        output_dropout=0.0,
        input_dropout=0.0,
        max_iter=30,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=None,
        restore_best=True,
        warm_start=False,
        shuffle=False,
        verbose=0,
        random_state=None,
    ):
        self.rule = rule
        self.ncg = ncg
        self.neurons_per_class = neurons_per_class
        self.non_target_neurons = non_target_neurons
        self.class_inhibition = class_inhibition
        self.competition = competition
        self.threshold = threshold
        self.threshold_lr = threshold_lr
        self.threshold_annealing = threshold_annealing
        self.neuron = neuron
        self.tau = tau
        self.max_time = max_time
        self.w_init = w_init
        self.w_init_mean = w_init_mean
        self.w_init_std = w_init_std
        self.w_min = w_min
        self.w_max = w_max
        self.weight_norm = weight_norm
        self.arithmetic = arithmetic
        self.stdp = stdp
        self.beta = beta
        self.t_gap = t_gap
        self.a_plus = a_plus
        self.a_minus = a_minus
        self.anti_a_plus = anti_a_plus
        self.anti_a_minus = anti_a_minus
        self.learning_rate = learning_rate
        self.annealing = annealing
        self.time_ranges = time_ranges
        self.depress_silent = depress_silent
        self.adaptive_rates = adaptive_rates
        self.output_dropout = output_dropout
        self.input_dropout = input_dropout
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.restore_best = restore_best
        self.warm_start = warm_start
        self.shuffle = shuffle
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------------ helpers
    def _resolve(self, n_classes):
        """Resolve every None parameter: the :class:`~spikencg._training.TrainingConfig`
        of a layer for ``n_classes`` classes."""
        check_finite_params(self)
        d = _RULE_DEFAULTS[self.rule]

        def pick(value, default):
            return default if value is None else value

        M = pick(self.neurons_per_class, 5 if self.ncg else 1)
        L = pick(self.non_target_neurons, 1 if (self.ncg and self.rule == "s2stdp") else 0)
        if L >= M:
            raise ValueError(
                f"non_target_neurons={L} must be smaller than neurons_per_class={M}: "
                "every class needs at least one target neuron."
            )
        comp = pick(self.competition, "two-compartment" if self.ncg else "none")
        if comp == "dropout" and self.output_dropout <= 0:
            raise ValueError(
                "competition='dropout' (the Drop ablation) needs output_dropout > 0."
            )
        w_min = float(pick(self.w_min, d["w_min"]))
        w_max = float(pick(self.w_max, d["w_max"]))
        if not w_min < w_max:
            raise ValueError(f"w_min={w_min} must be smaller than w_max={w_max}.")
        weight_norm = bool(pick(self.weight_norm, d["weight_norm"]))
        if w_min < 0 and weight_norm:
            warnings.warn(
                f"weight_norm with w_min={w_min:g} < 0: normalisation rescales an updated "
                "row by its initial sum over the sum of |w|, which keeps the sum only for "
                "weights >= 0; with negative weights the sums change, and a row whose "
                "initial sum is negative flips sign at every update. Use w_min >= 0 or "
                "weight_norm=False.",
                UserWarning,
                # _resolve, _training_data, fit (or partial_fit), sklearn's wrapper, caller
                stacklevel=5,
            )
        a_plus = float(pick(self.a_plus, d["a_plus"]))
        a_minus = float(pick(self.a_minus, d["a_minus"]))
        return TrainingConfig(
            n_classes=int(n_classes),
            neurons_per_class=int(M),
            non_target_neurons=int(L),
            class_inhibition=bool(pick(self.class_inhibition, self.ncg)),
            competition=comp,
            rule=self.rule,
            time_ranges=bool(pick(self.time_ranges, d["time_ranges"])),
            w_init_mean=float(pick(self.w_init_mean, d["w_init_mean"])),
            w_min=w_min,
            w_max=w_max,
            weight_norm=weight_norm,
            t_gap=float(pick(self.t_gap, d["t_gap"] * float(self.max_time))),
            a_plus=a_plus,
            a_minus=a_minus,
            anti_a_plus=float(pick(self.anti_a_plus, -a_plus)),
            anti_a_minus=float(pick(self.anti_a_minus, -a_minus)),
        )

    def _initial_weights(self, config, n_in, rng):
        """Draw the initial weights ``(n_neurons, n_in)`` (float64), clipped to range."""
        N = config.n_neurons
        if self.w_init == "normal":
            W = rng.normal(config.w_init_mean, self.w_init_std, size=(N, n_in))
        else:
            W = rng.uniform(config.w_min, config.w_max, size=(N, n_in))
        return np.clip(W, config.w_min, config.w_max)

    def _threshold_lr(self, theta0):
        """The competition regulation's threshold rate set (5 % of ``theta0`` when
        ``threshold_lr`` is None)."""
        return float(self.threshold_lr) if self.threshold_lr is not None else 0.05 * theta0

    # ------------------------------------------------------------------ state
    def _start_training(self, config, classes, arrays, continuing, weights_init=None):
        """Create the training state (``_state``) and the fitted attributes, or take the
        state up to continue training: the one path of fit, partial_fit and warm
        starts."""
        if continuing:
            if weights_init is not None:
                raise ValueError(
                    "weights_init cannot be used to continue training (warm_start=True on "
                    "a fitted model): set warm_start=False to start from it, or assign "
                    "weights_ to continue from other weights."
                )
            self._continue_with(config)
            return
        self.classes_ = classes
        rs = check_random_state(self.random_state)
        rng = np.random.default_rng(rs.randint(np.iinfo(np.int32).max))
        _check_layer_memory(config.n_neurons, self.n_features_in_)
        self._init_state(config, arrays, rng, weights_init)

    def _init_state(self, config, arrays, rng, weights_init):
        """Create the trained state: weights, thresholds, rates, history."""
        N = config.n_neurons
        n_in = self.n_features_in_
        if weights_init is None:
            W0 = self._initial_weights(config, n_in, rng)
        else:
            W0 = np.asarray(weights_init, dtype=np.float64)
            if W0.shape != (N, n_in):
                raise ValueError(
                    f"weights_init must have shape (n_neurons, n_features) = ({N}, {n_in}), "
                    f"got {W0.shape}."
                )
            if not np.all(np.isfinite(W0)):
                raise ValueError("weights_init contains NaN or infinite values.")
        W = np.ascontiguousarray(W0.T, dtype=np.float32)
        n_samples = arrays[0].shape[0] - 1
        n_spikes = arrays[1].shape[0]
        if self.threshold == "auto":
            mean_spikes = n_spikes / max(n_samples, 1)
            # the mean initial weight: the drawn weights' expected one, or the given one's
            w_mean = (config.w_init_mean if weights_init is None
                      else float(W.mean(dtype=np.float64)))
            theta0 = max(w_mean * max(mean_spikes - 1.0, 1.0) / 2.0, 1e-6)
        else:
            theta0 = float(self.threshold)
        self.weights_ = W.T
        # thresholds are float32 numbers, like the potentials they are compared with
        self.thresholds_ = np.full(N, np.float32(theta0), dtype=np.float64)
        self.training_thresholds_ = self.thresholds_.copy()
        self.threshold_ = theta0
        self.neurons_per_class_ = config.neurons_per_class
        self.non_target_neurons_ = config.non_target_neurons
        self.neuron_class_ = np.repeat(np.arange(config.n_classes), config.neurons_per_class)
        self.n_iter_ = 0
        for name in ("best_iteration_", "best_score_"):  # of an earlier fit
            if hasattr(self, name):
                delattr(self, name)
        self._state = TrainingState(
            config,
            norm_target=row_sums(W.T) if config.weight_norm else np.ones(N),
            threshold=self.threshold,
            threshold_floor=float(np.float32(theta0)),
            rates=Annealed(TrainingState.rate_values(config, self.learning_rate)),
            threshold_lr=Annealed([self._threshold_lr(theta0)]),
            rng=rng,
            accuracy=1.0 / config.n_classes,
        )

    def _continue_with(self, config):
        """Take up the current parameters to continue training the fitted state.

        Raises if the layer's structure or the initial threshold changed (the
        thresholds are trained state). Changed learning rates take effect, annealed by
        the epochs already run; turning ``weight_norm`` on keeps the current row sums.
        """
        state = self._state
        state.check_layer(config)
        if self.threshold != state.threshold:
            raise ValueError(
                f"cannot continue training (warm_start / partial_fit) with threshold="
                f"{self.threshold!r} (the model was initialised with "
                f"{state.threshold!r}): the thresholds are trained state; refit with "
                "warm_start=False, or assign thresholds_ and training_thresholds_."
            )
        fitted = getattr(self, "_fit_settings", None)
        if fitted is not None and self.max_time != fitted["max_time"]:
            raise ValueError(
                f"cannot continue training (warm_start / partial_fit) with max_time="
                f"{self.max_time!r} (the model was trained with {fitted['max_time']!r}): "
                "the weights and thresholds were learned on that time scale; refit with "
                "warm_start=False."
            )
        _, theta, _ = self._fitted_arrays(store=True)
        # CR-2's floor is the smallest threshold the training starts from: that of the
        # (possibly edited) decision thresholds now (the same when they were not edited)
        state.threshold_floor = float(np.float32(theta.min()))
        state.take_up(config, self.learning_rate, self._threshold_lr(self.threshold_),
                      self.weights_)

    def __setstate__(self, state):
        """Restore a pickled model; one saved before the training state was one object
        gets its state from the loose attributes it had, and one saved before a
        parameter existed gets the value that gives the behaviour it was trained with
        (the parameter's default; for ``arithmetic``, "original", its default when it
        was added)."""
        super().__setstate__(state)
        for name, param in inspect.signature(type(self).__init__).parameters.items():
            if param.default is not inspect.Parameter.empty and name not in self.__dict__:
                setattr(self, name, _LEGACY_PARAMS.get(name, param.default))
        if "_state" not in self.__dict__ and "_p" in self.__dict__:
            self._state = self._legacy_training_state()

    def _legacy_training_state(self):
        """The :class:`~spikencg._training.TrainingState` of a model pickled before the
        state was one object, from its loose private attributes (which are removed)."""
        d = {name: self.__dict__.pop(name) for name in _LEGACY_STATE if name in self.__dict__}
        # its layer settings were a dict keyed by the original framework's names (and the
        # rule and competition as codes, which the next fit resolves again)
        keys = presets.original_keys()
        old = {keys.get(k, k): v for k, v in d["_p"].items()}
        config = TrainingConfig(**{
            **{f.name: old[f.name] for f in dataclasses.fields(TrainingConfig)
               if f.name in old},
            "n_classes": int(self.classes_.shape[0]),
            "neurons_per_class": int(self.neurons_per_class_),
            "non_target_neurons": int(self.non_target_neurons_),
            "rule": self.rule,
            "competition": self.competition or ("two-compartment" if self.ncg else "none"),
        })
        if "_threshold_param" in d:
            rates = Annealed.restored(d["_rates"], d["_rate_base"], d["_anneal"])
            eta = Annealed.restored([d["_eta"]], [d["_eta_base"]], d["_eta_anneal"])
        else:
            # saved before these were recorded: what they were, as far as the state
            # tells (rates and threshold rate annealed n_iter_ times)
            rates = Annealed.resumed(d["_rates"], self.annealing, self.n_iter_)
            eta = Annealed.resumed([d["_eta"]], self.threshold_annealing, self.n_iter_)
        return TrainingState(config, d["_norm_target"],
                             d.get("_threshold_param", self.threshold), d["_phi_floor"],
                             rates, eta, d["_rng"], d["_acc_prev"], d["_history"])

    def _fitted_arrays(self, store=False):
        """``weights_`` and the thresholds, checked against the fitted model.

        They are public, so a user may have replaced or edited them: their shapes are
        checked (``(n_neurons, n_features_in_)`` and ``(n_neurons,)``, with
        ``n_neurons = len(classes_) * neurons_per_class_``) and their values must be
        finite, before a kernel reads or writes them. Returns
        ``(W, thresholds, training_thresholds)`` with ``W`` the input-major float32
        array of the kernels (``weights_.T``). With ``store`` (training), converted
        arrays replace the attributes, which the kernels then update in place.
        """
        N = self.classes_.shape[0] * self.neurons_per_class_
        n_in = self.n_features_in_
        out = []
        for name, shape, dtype in (("weights_", (N, n_in), np.float32),
                                   ("thresholds_", (N,), np.float64),
                                   ("training_thresholds_", (N,), np.float64)):
            value = getattr(self, name)
            try:
                arr = np.asarray(value, dtype=dtype)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name} must be a numeric array of shape {shape}: {exc}"
                                 ) from None
            if arr.shape != shape:
                raise ValueError(
                    f"{name} must have shape {shape} (n_neurons = n_classes * "
                    f"neurons_per_class_ = {N}" + (f", n_features_in_ = {n_in}"
                                                   if len(shape) == 2 else "")
                    + f"), got {arr.shape}."
                )
            if arr.ndim == 2:
                # the potentials are float32 sums of up to n_features_in_ weights
                bound = _FLOAT32_MAX / max(n_in, 1)
                if arr.size and not (-bound <= arr.min() and arr.max() <= bound):
                    if not np.all(np.isfinite(arr)):
                        raise ValueError(f"{name} contains NaN or infinite values.")
                    raise ValueError(
                        f"{name} holds values of magnitude up to {np.abs(arr).max():.3g}: "
                        f"the sum of {n_in} of them overflows the neurons' float32 "
                        f"potentials; keep |weights_| <= {bound:.3g}."
                    )
            elif not np.all(np.isfinite(arr)):
                # (negative thresholds are valid: CR-1 lowers thresholds without a
                # floor, and a neuron whose threshold is below its potential fires at
                # its next input)
                raise ValueError(f"{name} contains NaN or infinite values.")
            # the kernels' layout: weights_ is the transpose of a C-contiguous
            # input-major array; the kernels update the arrays in place when training
            kernel = arr.T if arr.ndim == 2 else arr
            if not (arr is value and kernel.flags.c_contiguous
                    and (kernel.flags.writeable or not store)):
                kernel = np.array(kernel, order="C")  # a copy in that layout
                if store:
                    setattr(self, name, kernel.T if arr.ndim == 2 else kernel)
            arr = kernel
            out.append(arr)
        return tuple(out)

    # ------------------------------------------------------------------ epochs
    def _kernel_settings(self, config, n_inputs):
        """The training kernel's :data:`~spikencg._kernels._train.Settings`."""
        T = float(self.max_time)
        return _train.settings(
            n_classes=config.n_classes,
            neurons_per_class=config.neurons_per_class,
            non_target_neurons=config.non_target_neurons,
            class_inhibition=config.class_inhibition,
            competition=competition.MODES[config.competition],
            threshold_floor=self._state.threshold_floor,
            rule=rules.RULES[config.rule],
            time_ranges=config.time_ranges,
            adaptive_rates=self.adaptive_rates,
            leak=self.neuron == "lif",
            tau=self.tau,
            max_time=T,
            w_min=config.w_min,
            w_max=config.w_max,
            weight_norm=config.weight_norm,
            multiplicative=self.stdp == "multiplicative",
            beta=self.beta,
            t_ltd=np.inf if self.depress_silent else T,
            t_gap=config.t_gap,
            output_dropout=self.output_dropout,
            input_dropout=self.input_dropout,
            row_major=_row_major_training(config.rule, n_inputs),
            exact=self.arithmetic == "original",
        )

    def _run_epoch(self, arrays, y_enc, order, bar):
        """One training epoch (one kernel call per chunk of samples); returns the
        training accuracy."""
        state = self._state
        W = self.weights_.T
        layer = _train.Layer(W, self.thresholds_, self.training_thresholds_,
                             state.norm_target)
        cfg = self._kernel_settings(state.config, W.shape[0])
        rates = state.epoch_rates()
        record = _train.new_record(arrays[0].shape[0] - 1, W.shape[1])
        n = order.shape[0]
        chunk = n if bar is None else max(1, min(n, _PROGRESS_CHUNK))
        _train.begin_epoch(layer, cfg)
        for lo in range(0, n, chunk):
            _train.train_epoch(arrays, y_enc, order[lo : lo + chunk], layer, cfg, rates,
                               state.rng, record)
            if bar is not None:
                bar.update(min(chunk, n - lo))
        _train.end_epoch(layer, cfg)
        acc = record.stats[_train.STAT_CORRECT] / max(n, 1)
        state.end_epoch(acc, self.annealing, self.threshold_annealing)
        self.n_iter_ += 1
        state.record_epoch(acc, record, n, self.training_thresholds_, self.weights_)
        return acc

    def _publish_history(self):
        """Set the history attributes (``train_accuracy_``, ...) from the state's."""
        for key, values in self._state.history_arrays(self.weights_.shape[0]).items():
            setattr(self, key + "_", values)

    def _snapshot(self):
        return (self.weights_.T.copy(), self.thresholds_.copy(),
                self.training_thresholds_.copy())

    def _restore(self, snap):
        W, theta, phi = snap
        self.weights_.T[...] = W
        self.thresholds_[:] = theta
        self.training_thresholds_[:] = phi

    def _train(self, arrays, y_enc, n_epochs, val, stopping):
        """Run up to ``n_epochs`` epochs with optional early stopping."""
        n = arrays[0].shape[0] - 1
        bar = None
        if self.verbose:
            from tqdm.auto import tqdm  # imported when used: keeps `import spikencg` light

            bar = tqdm(total=n_epochs * n, unit="sample", desc="training",
                       leave=self.verbose > 1, disable=None)
        best, best_epoch, snap, no_change = -np.inf, -1, None, 0
        past = self._state.history["validation_accuracy" if stopping == "validation"
                             else "train_accuracy"]
        if stopping is not None and len(past) and np.isfinite(past).any():
            # continuing (warm start / partial_fit history): patience counts from the
            # best epoch so far, as if training had never been interrupted
            best_epoch = int(np.nanargmax(past)) + 1
            best = float(past[best_epoch - 1])
            no_change = len(past) - best_epoch
        stopped = False
        try:
            for _ in range(n_epochs):
                if self.shuffle:
                    order = self._state.rng.permutation(n).astype(np.int64)
                else:
                    order = np.arange(n, dtype=np.int64)
                acc = self._run_epoch(arrays, y_enc, order, bar)
                val_acc = np.nan
                if val is not None:
                    val_acc = float(np.mean(self._winner_classes(val[0]) == val[1]))
                self._state.history["validation_accuracy"].append(val_acc)
                if self.verbose:
                    msg = (f"epoch {self.n_iter_}: train acc {acc:.4f}"
                           + (f", validation acc {val_acc:.4f}" if val is not None else "")
                           + f", silent samples {self._state.history['silent_fraction'][-1]:.1%}")
                    bar.write(msg)
                if stopping is None:
                    continue
                score = val_acc if stopping == "validation" else acc
                tol = 0.0 if self.tol is None else float(self.tol)
                if score > best + tol:
                    best, best_epoch, no_change = score, self.n_iter_, 0
                    if stopping == "validation" and self.restore_best:
                        snap = self._snapshot()
                else:
                    no_change += 1
                if no_change >= self.n_iter_no_change:
                    stopped = True
                    break
        finally:
            if bar is not None:
                bar.close()
        if stopping == "validation" and self.restore_best and snap is not None:
            self._restore(snap)
            self.best_iteration_ = best_epoch
        elif stopping is not None:
            self.best_iteration_ = best_epoch
        if stopping is not None:
            self.best_score_ = float(best)
        if stopping is not None and not stopped:
            which = "validation" if stopping == "validation" else "training"
            warnings.warn(
                f"Maximum number of epochs ({n_epochs}) reached before early stopping: "
                f"the best {which} accuracy ({best:.4f}, epoch {best_epoch}) was "
                f"followed by {no_change} epoch(s) without improvement, fewer than "
                f"n_iter_no_change={self.n_iter_no_change}; increase max_iter.",
                ConvergenceWarning,
                stacklevel=4,  # _train, fit, scikit-learn's fit wrapper, the caller
            )
        self._publish_history()
        self._warn_thresholds(np.count_nonzero(np.diff(arrays[0]) == 0) / max(n, 1))

    def _warn_thresholds(self, empty):
        """Warn when most training samples were silent or fired at once; ``empty``: the
        fraction of training samples without any input spike (before ``max_time``)."""
        silent = self.silent_fraction_[-1]
        first = self.all_first_fraction_[-1]
        # stacklevel 5: here, _train, fit (or partial_fit), scikit-learn's wrapper, caller
        if silent > 0.5 and empty >= 0.5 * silent:
            warnings.warn(
                f"No output neuron fired on {silent:.0%} of the training samples in the "
                f"last epoch, and {empty:.0%} of them have no input spike before "
                f"max_time={float(self.max_time):g} (times >= max_time are no spike): "
                "check that the inputs and max_time match (the encoder's and the "
                "classifier's max_time).",
                ThresholdWarning,
                stacklevel=5,
            )
        elif silent > 0.5:
            warnings.warn(
                f"No output neuron fired on {silent:.0%} of the training samples in the "
                f"last epoch: the threshold ({self.threshold_:.4g}) is too high for these "
                "inputs; lower `threshold` (or use threshold='auto'). If the inputs were "
                f"encoded with another max_time than {float(self.max_time):g}, spikes at "
                "or after it were dropped: use the same max_time.",
                ThresholdWarning,
                stacklevel=5,
            )
        elif first > 0.5:
            warnings.warn(
                f"Every output neuron fired at the first input spike on {first:.0%} of the "
                f"training samples in the last epoch: the threshold ({self.threshold_:.4g}) "
                "is too low for these inputs; raise `threshold`.",
                ThresholdWarning,
                stacklevel=5,
            )

    # ------------------------------------------------------------------ fit
    def _training_data(self, X, y, classes, continuing):
        """Validate the training data of fit and partial_fit.

        ``classes``: the classes of the layer (None: those of ``y``). Returns ``(X,
        y_enc, classes, config)``: the validated X, the labels as class indices, the
        classes, and the :class:`~spikencg._training.TrainingConfig` of the parameters.
        """
        _check_sparse_structure(X)
        X, y = validate_data(self, _float64_csr(X), y, accept_sparse="csr", dtype=np.float64,
                             ensure_all_finite=False, reset=not continuing)
        check_classification_targets(y)
        if classes is None:
            classes = np.unique(y)
        unknown = ~np.isin(y, classes)
        if unknown.any():
            raise ValueError(
                f"y holds labels that are not in classes: {np.unique(y[unknown])[:5]} "
                f"(classes = {classes}, set by the first fit or partial_fit call; refit "
                "with warm_start=False to train on other labels)."
            )
        config = self._resolve(classes.shape[0])
        _check_weight_range(config, X.shape[1])
        return X, np.searchsorted(classes, y).astype(np.int64), classes, config

    def _validation(self, X, y_enc, classes, X_val, y_val):
        """The validation set and the stopping criterion of a fit.

        Returns ``(X, y_enc, val, stopping)``: the training part of ``X`` and
        ``y_enc`` (all of it unless a validation set is split off for early stopping),
        the validation set ``(spike arrays, y_enc)`` or None, and "validation",
        "training" or None.
        """
        if X_val is not None:
            val = self._validation_arrays(X_val, y_val, classes)
            return X, y_enc, val, "validation" if self.early_stopping else None
        if not self.early_stopping:
            return X, y_enc, None, None if self.tol is None else "training"
        if X.shape[0] < 2 * classes.shape[0]:
            raise ValueError(
                "early_stopping needs at least two samples per class to split off a "
                "validation set; pass X_val, y_val or set early_stopping=False."
            )
        rs = check_random_state(self.random_state)
        from sklearn.model_selection import train_test_split  # (import cost: 50 ms)

        try:
            idx_tr, idx_va = train_test_split(
                np.arange(X.shape[0]), test_size=self.validation_fraction,
                stratify=y_enc if np.bincount(y_enc).min() >= 2 else None,
                random_state=rs.randint(np.iinfo(np.int32).max),
            )
        except ValueError as exc:
            raise ValueError(
                f"early_stopping: cannot split a validation set of "
                f"validation_fraction={self.validation_fraction} off {X.shape[0]} "
                f"samples of {classes.shape[0]} classes ({exc}); change "
                "validation_fraction or pass X_val, y_val."
            ) from None
        idx_tr.sort()
        idx_va.sort()
        val = (self._arrays(X[idx_va]), y_enc[idx_va])
        return X[idx_tr], y_enc[idx_tr], val, "validation"

    def _finish_fit(self, arrays, y_enc):
        """After training: the probability model (fitted on ``arrays``, ``y_enc``) and the
        settings that prediction must find unchanged."""
        self._fit_proba(arrays, y_enc)
        self._fit_settings = {k: getattr(self, k) for k in _PREDICT_SETTINGS}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, X_val=None, y_val=None, weights_init=None):
        """Train the readout on spike lists or dense timestamps.

        Parameters
        ----------
        X : {sparse matrix, array-like} of shape (n_samples, n_features)
            Spike lists (CSR, as made by :class:`~spikencg.TTFSEncoder`) or dense
            first-spike times (``>= max_time`` or ``+inf``: no spike).
        y : array-like of shape (n_samples,)
            Class labels, of any type.
        X_val, y_val : validation set, default=None
            Scored after every epoch (``validation_accuracy_``). With
            ``early_stopping=True`` it drives early stopping instead of a split of the
            training data (the paper's K-fold protocol uses the held-out fold).
        weights_init : array-like of shape (n_neurons, n_features), default=None
            Initial weights, used as given (not clipped); the weight-normalisation
            targets are their row sums. ``n_neurons = n_classes * neurons_per_class``,
            neurons of class ``k`` being rows ``k*M`` to ``(k+1)*M - 1``.

        Returns
        -------
        self : SpikingReadoutClassifier
            The fitted estimator.
        """
        continuing = self.warm_start and hasattr(self, "classes_")
        X, y_enc, classes, config = self._training_data(
            X, y, self.classes_ if continuing else None, continuing)
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together.")
        X, y_enc, val, stopping = self._validation(X, y_enc, classes, X_val, y_val)
        arrays = self._arrays(X)
        self._start_training(config, classes, arrays, continuing, weights_init)
        self._train(arrays, y_enc, self.max_iter, val, stopping)
        self._finish_fit(*((arrays, y_enc) if val is None else val))
        return self

    def _arrays(self, X, offset=0, name="X"):
        """The kernels' spike arrays of validated input (errors name the estimator and
        the input, ``name``)."""
        return _spike_arrays_and_shape(X, float(self.max_time), copy=False, offset=offset,
                                       whom=type(self).__name__, name=name)[0]

    def _validation_arrays(self, X_val, y_val, classes):
        _check_sparse_structure(X_val, "X_val")
        try:
            X_val = validate_data(self, _float64_csr(X_val), reset=False, accept_sparse="csr",
                                  dtype=np.float64, ensure_all_finite=False)
        except ValueError as exc:
            raise ValueError(
                f"X_val: {exc} (in a Pipeline, X_val reaches the classifier untransformed "
                "unless the Pipeline is given transform_input=['X_val'], with metadata "
                "routing enabled)."
            ) from None
        y_val = np.asarray(y_val).reshape(-1)
        if y_val.shape[0] != X_val.shape[0]:
            raise ValueError(
                f"X_val has {X_val.shape[0]} samples but y_val has {y_val.shape[0]} labels."
            )
        known = np.isin(y_val, classes)
        if not known.all():
            raise ValueError(
                f"y_val holds labels that are not in the training labels: "
                f"{np.unique(y_val[~known])[:5]}."
            )
        return (self._arrays(X_val, name="X_val"),
                np.searchsorted(classes, y_val).astype(np.int64))

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Train for one epoch on a batch, continuing from the current state.

        Annealing, competition-regulation and R-STDP adaptive-rate state carry over
        between calls exactly as between the epochs of :meth:`fit`, so ``k`` calls on the
        same data equal ``fit`` with ``max_iter=k``.

        Parameters
        ----------
        X : {sparse matrix, array-like} of shape (n_samples, n_features)
            Spike lists or dense first-spike times.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            Every class of the problem; required on the first call, and must then be
            the same (or omitted) on later calls.

        Returns
        -------
        self : SpikingReadoutClassifier
            The estimator.
        """
        first = not hasattr(self, "classes_")
        if first and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if classes is not None:
            classes = np.unique(np.asarray(classes))
            if not first and not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"classes={classes} differs from the classes of the first call to "
                    f"partial_fit ({self.classes_})."
                )
        X, y_enc, classes, config = self._training_data(
            X, y, classes if first else self.classes_, not first)
        arrays = self._arrays(X)
        self._start_training(config, classes, arrays, not first)
        self._train(arrays, y_enc, 1, None, None)
        self._finish_fit(arrays, y_enc)
        return self

    # ------------------------------------------------------------------ inference
    def _simulate(self, arrays, full, rows=None):
        """Forward pass of every sample (or of samples ``rows``) with the decision
        thresholds.

        ``arrays`` may be an :class:`_UncheckedSpikes` (a CSR input from :meth:`_chunks`):
        each block of rows is then checked in the thread that predicts it, just before
        (so that the check shares the threads too); if a block is not a canonical spike
        list, the input is converted (or refused) as usual and predicted again.
        """
        if isinstance(arrays, _UncheckedSpikes):
            out = self._simulate_arrays(arrays.arrays, full, None, arrays.check_rows)
            if out is not None:
                return out
            arrays = self._arrays(arrays.X)  # (raises for an invalid spike list)
        return self._simulate_arrays(arrays, full, rows, None)

    def _simulate_arrays(self, arrays, full, rows, check_rows):
        """:meth:`_simulate` of checked arrays, or of arrays whose rows ``lo:hi``
        ``check_rows(lo, hi)`` checks (None when one of them fails)."""
        indptr, indices, times = arrays
        if rows is None:
            starts, ends = indptr[:-1], indptr[1:]
        else:
            starts, ends = indptr[rows], indptr[rows + 1]
        n = starts.shape[0]
        C = self.classes_.shape[0]
        W, theta, _ = self._fitted_arrays()
        winner = np.empty(n, dtype=np.int64)
        shape = (n, C) if full else (0, 0)
        s_class = np.empty(shape, dtype=np.float64)
        V_class = np.empty(shape, dtype=np.float32)
        M = self.neurons_per_class_
        T = float(self.max_time)
        leak = self.neuron == "lif"
        tau = float(self.tau)

        failed = []

        def run(lo, hi, direct):
            if check_rows is not None and (failed or not check_rows(lo, hi)):
                failed.append((lo, hi))
                return None if direct else (lambda: None)
            if direct:
                w, sc, vc = winner[lo:hi], s_class[lo:hi], V_class[lo:hi]
            else:
                w = np.empty(hi - lo, dtype=np.int64)
                sc = np.empty((hi - lo, C) if full else (0, 0), dtype=np.float64)
                vc = np.empty((hi - lo, C) if full else (0, 0), dtype=np.float32)
            predict_batch(starts[lo:hi], ends[lo:hi], indices, times, W, theta, C, M, T,
                          leak, tau, full, w, sc, vc)
            if not direct:
                def commit():
                    winner[lo:hi] = w
                    if full:
                        s_class[lo:hi] = sc
                        V_class[lo:hi] = vc
                return commit

        n_spikes = int(ends.sum() - starts.sum()) if n else 0
        cost = n_spikes * W.shape[1] * _PREDICT_NS_PER_EVENT[full]
        if check_rows is not None:
            cost += (n_spikes + n) * _spikes_kernels.NS_SCAN_CSR
        _parallel.run_chunks(run, n, cost)
        if failed:
            return None
        return winner, s_class, V_class

    def _winner_classes(self, arrays):
        winner, _, _ = self._simulate(arrays, full=False)
        return winner // self.neurons_per_class_

    def _chunks(self, X):
        """Validated spike arrays of X, chunk by chunk of rows (bounded memory)."""
        check_is_fitted(self)
        self._check_predict_settings()
        if not sparse.issparse(X) and not hasattr(X, "shape"):
            X = np.asarray(X)
        _check_sparse_structure(X)
        if sparse.issparse(X) or X.ndim != 2:
            # a spike list's kernel arrays are its own arrays (no copy, no chunking
            # needed)
            X = validate_data(self, _float64_csr(X), reset=False, accept_sparse="csr",
                              dtype=np.float64, ensure_all_finite=False)
            unchecked = _UncheckedSpikes.of(X, float(self.max_time))
            yield unchecked if unchecked is not None else self._arrays(X)
            return
        # dense input is converted block of rows by block of rows (bounded memory)
        for lo, hi in _row_chunks(X.shape[0], X.shape[1]):
            part = validate_data(self, _rows(X, lo, hi), reset=False, dtype=np.float64,
                                 ensure_all_finite=False)
            yield self._arrays(part, offset=lo)

    def _check_predict_settings(self):
        """Validate the parameters that prediction reads (``neuron``, ``tau``,
        ``max_time``), and raise if one was changed by ``set_params`` since the model was
        fitted (``tau`` only for a LIF model): the prediction would come from another
        model than the one trained."""
        now = {k: getattr(self, k) for k in _PREDICT_SETTINGS}
        validate_parameter_constraints(
            {k: self._parameter_constraints[k] for k in _PREDICT_SETTINGS}, now,
            caller_name=type(self).__name__)
        fitted = getattr(self, "_fit_settings", None)
        for name, value in now.items():
            if isinstance(value, (bool, np.bool_)) and name != "neuron":
                raise ValueError(f"{name} must be a number, not a bool; got {value!r}.")
            if fitted is None or (name == "tau" and fitted["neuron"] != "lif"):
                continue  # (a model saved before they were recorded; an IF neuron's tau)
            if value != fitted[name]:
                raise ValueError(
                    f"{name} was changed from {fitted[name]!r} to {value!r} after the model "
                    "was fitted: predicting with it would use another model than the one "
                    f"trained. Set {name} back, or fit again."
                )

    def _features(self, arrays, rows=None):
        """Per-class time advance, relative potential, and the winning class (of every
        sample, or of samples ``rows``)."""
        winner, s_class, V_class = self._simulate(arrays, full=True, rows=rows)
        T = float(self.max_time)
        rho = V_class.astype(np.float64) / (float(np.mean(self.thresholds_)) or 1.0)
        advance = (s_class.min(axis=1, keepdims=True) - s_class) / T
        return advance, rho, s_class < T, winner // self.neurons_per_class_

    def _scores(self, arrays):
        """Class scores (see decision_function) and the winning class of every sample."""
        advance, rho, _, wc = self._features(arrays)
        z = self._logits(advance, rho)
        # centred per sample: a class's score is comparable across samples (the
        # potentials' common level varies with the sample's number of input spikes),
        # which per-class calibration and stacking need; softmax and argmax unchanged
        z -= z.mean(axis=1, keepdims=True)
        return _strict_winner(z, wc), wc

    def predict(self, X):
        """Class of the first output neuron to fire on each sample.

        Ties in firing time go to the larger potential, then to the smaller neuron
        index; when no neuron fires the largest potential wins.

        Parameters
        ----------
        X : {sparse matrix, array-like} of shape (n_samples, n_features)
            Spike lists or dense first-spike times.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        idx = np.concatenate([self._winner_classes(a) for a in self._chunks(X)])
        return self.classes_[idx]

    def decision_function(self, X):
        """Confidence score of every class, from its first spike time and potential.

        The score of class ``k`` is ``z_k - mean_j z_j``, with
        ``z_k = a * (s_min - s_k) / T + b * min(V_k / theta, 2)``,
        where ``s_k`` and ``V_k`` are the firing time (``T`` if silent) and potential of
        the class's best neuron (earliest, then largest potential), ``s_min`` the
        sample's first output spike time and ``theta`` the mean decision threshold;
        ``(a, b) >= 0`` (``proba_coef_``) are fitted at the end of training by
        (weakly regularised) maximum likelihood (see :meth:`predict_proba`, the softmax
        of these scores). Centring
        each sample's scores (before the winner's adjustment below) removes their
        common level (the potentials grow with a
        sample's number of input spikes), so that a class's scores compare across
        samples, as per-class calibration (``CalibratedClassifierCV``) and stacking
        assume; it changes neither the softmax nor the argmax. Where this
        score would not single out the model's winner (a tie, or a much larger
        potential a little later), the winner's score is raised to just above the
        others, so that ``predict(X) == classes_[argmax(decision_function(X))]``, with
        the model's tie rule.

        Parameters
        ----------
        X : {sparse matrix, array-like} of shape (n_samples, n_features)
            Spike lists or dense first-spike times.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,) for two classes
            For two classes, the score of ``classes_[1]`` minus that of ``classes_[0]``.
        """
        scores = np.concatenate([self._scores(a)[0] for a in self._chunks(X)])
        if scores.shape[1] == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def _logits(self, advance, rho):
        try:
            coef = np.asarray(self.proba_coef_, dtype=np.float64)
        except (TypeError, ValueError):
            coef = None
        if (coef is None or coef.shape != (2,) or not np.all(np.isfinite(coef))
                or np.any(coef < 0)):
            raise ValueError(
                "proba_coef_ must hold 2 finite numbers >= 0 (the weights of the spike-time "
                f"advance and of the potential), got {self.proba_coef_!r}."
            )
        a, b = coef
        with np.errstate(over="ignore", invalid="ignore"):
            z = a * advance + b * _bounded_rho(rho)
        if not np.all(np.isfinite(z)):
            raise ValueError(
                f"proba_coef_ = {coef.tolist()} makes class scores overflow to infinity; "
                "use smaller coefficients."
            )
        return z

    def _fit_proba(self, arrays, y_enc):
        """Fit the probability model by maximum likelihood, with a weak prior (see
        :func:`_fit_softmax_coef`)."""
        n = arrays[0].shape[0] - 1
        rows = None
        if n > _PROBA_SAMPLES:
            rows = np.linspace(0, n - 1, _PROBA_SAMPLES).astype(np.int64)
            y_enc = y_enc[rows]
        advance, rho, _, _ = self._features(arrays, rows)
        r = _bounded_rho(rho)

        self.proba_coef_ = _fit_softmax_coef(advance, r, y_enc)

    def predict_proba(self, X):
        """Class probabilities: the softmax of :meth:`decision_function`'s scores.

        ``P(k) = softmax_k(a * (s_min - s_k) / T + b * min(V_k / theta, 2))``, where
        ``s_k`` and ``V_k`` are the firing time and potential of class ``k``'s best
        neuron, ``s_min`` the sample's first output spike time and ``theta`` the mean
        decision threshold. ``(a, b) >= 0`` (``proba_coef_``) are fitted at the end of
        training by maximum likelihood, with a weak Gaussian prior (standard deviation
        300) that keeps them finite when the scores separate a few samples, on (up to
        2,000 samples of) the validation set when there is one, else of the training
        data. Rows sum to 1 and the predicted class
        always has the largest probability (on an exact tie of the softmax the winner's
        probability is raised by a relative 1e-6).

        Parameters
        ----------
        X : {sparse matrix, array-like} of shape (n_samples, n_features)
            Spike lists or dense first-spike times.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        parts = [self._scores(a) for a in self._chunks(X)]
        z = np.concatenate([p[0] for p in parts])
        wc = np.concatenate([p[1] for p in parts])
        z = z - z.max(axis=1, keepdims=True)
        P = np.exp(z)
        P /= P.sum(axis=1, keepdims=True)
        rows = np.arange(P.shape[0])
        bad = np.argmax(P, axis=1) != wc
        if bad.any():
            P[rows[bad], wc[bad]] = P[bad].max(axis=1) * (1.0 + 1e-6)
            P[bad] /= P[bad].sum(axis=1, keepdims=True)
        return P

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Where two probabilities of a sample differ by a rounding, so that their
        logarithms would round to the same number, the larger one's is raised by a unit
        in the last place: each row is ordered as the row of :meth:`predict_proba`.

        Parameters
        ----------
        X : {sparse matrix, array-like} of shape (n_samples, n_features)
            Spike lists or dense first-spike times.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        return _log_keeping_order(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.input_tags.allow_nan = False
        return tags


def _log_keeping_order(P):
    """``log(P)``, raised by a few units in the last place where the logarithm would
    merge two different probabilities of a row (it maps values a rounding apart to the
    same number), so that every row of the result is ordered as the row of ``P``."""
    with np.errstate(divide="ignore"):
        L = np.log(P)
    order = np.argsort(P, axis=1, kind="stable")
    P_s = np.take_along_axis(P, order, axis=1)
    L_s = np.take_along_axis(L, order, axis=1)
    for j in range(1, P.shape[1]):
        merged = (P_s[:, j] > P_s[:, j - 1]) & (L_s[:, j] <= L_s[:, j - 1])
        if merged.any():
            L_s[merged, j] = np.nextafter(L_s[merged, j - 1], np.inf)
    np.put_along_axis(L, order, L_s, axis=1)
    return L


def _fit_softmax_coef(f1, f2, y_enc, n_iter=50):
    """Maximum a posteriori ``(a, b) >= 0`` of ``softmax(a * f1 + b * f2)`` (projected
    Newton), under a Gaussian prior of standard deviation :data:`_PROBA_PRIOR_STD` on
    each coefficient: on a few samples that the scores separate, the likelihood alone
    grows without bound (probabilities of 0.999 and more on wrong predictions)."""
    f1 = np.ascontiguousarray(f1, dtype=np.float64)
    f2 = np.ascontiguousarray(f2, dtype=np.float64)
    y_enc = np.ascontiguousarray(y_enc, dtype=np.int64)
    lam = 1.0 / (_PROBA_PRIOR_STD**2 * max(f1.shape[0], 1))  # (the loss is a mean)

    def loss_grad_hess(coef):
        grad = np.empty(2)
        h = np.empty(3)
        loss = _proba.softmax2_loss_grad_hess(float(coef[0]), float(coef[1]), f1, f2, y_enc,
                                              grad, h)
        return (loss + 0.5 * lam * float(coef @ coef), grad + lam * coef,
                np.array([[h[0] + lam, h[1]], [h[1], h[2] + lam]]))

    coef = np.array([10.0, 1.0])
    loss, grad, hess = loss_grad_hess(coef)
    for _ in range(n_iter):
        try:
            step = np.linalg.solve(hess + 1e-9 * np.eye(2), grad)
        except np.linalg.LinAlgError:
            step = grad
        t = 1.0
        while t > 1e-6:
            new = np.maximum(coef - t * step, 0.0)
            new_loss, new_grad, new_hess = loss_grad_hess(new)
            if new_loss <= loss - 1e-12 or np.allclose(new, coef):
                break
            t *= 0.5
        if np.allclose(new, coef, rtol=1e-7, atol=1e-10) or abs(loss - new_loss) < 1e-10:
            coef = new
            break
        coef, loss, grad, hess = new, new_loss, new_grad, new_hess
    return coef


def _check_weight_range(config, n_inputs):
    """Raise a ValueError naming ``w_min`` / ``w_max`` when weights of their size could
    make a neuron's float32 potential, a sum of ``n_inputs`` weights, overflow (the fitted
    weights would then be refused at prediction, after the training)."""
    bound = _FLOAT32_MAX / max(n_inputs, 1)
    if max(abs(config.w_min), abs(config.w_max)) > bound:
        raise ValueError(
            f"[w_min, w_max] = [{config.w_min:g}, {config.w_max:g}]: with {n_inputs} inputs, a "
            "sum of weights of this size overflows the neurons' float32 potentials; keep "
            f"|w_min| and |w_max| <= {bound:.3g}."
        )


def _check_layer_memory(n_neurons, n_inputs):
    """Raise a MemoryError, before any allocation, when a layer of ``n_neurons`` x
    ``n_inputs`` weights cannot be initialised and trained in the memory available: its
    initialisation holds 24 bytes per weight (two float64 draws and the float32
    weights), which would otherwise be filled for minutes before failing."""
    need = 24 * n_neurons * n_inputs
    available = _parallel.available_memory()
    if available is not None and need > available:
        raise MemoryError(
            f"A layer of {n_neurons} neurons x {n_inputs} inputs needs about "
            f"{need / 1e9:.3g} GB to initialise and train ({4 * n_neurons * n_inputs / 1e9:.3g}"
            f" GB of float32 weights), more than the {available / 1e9:.3g} GB available; "
            "use fewer inputs (or fewer neurons per class)."
        )


def _bounded_rho(rho):
    """The probability model's relative potential: ``min(rho, 2)``, and at least
    :data:`_RHO_MIN`."""
    return np.clip(rho, _RHO_MIN, 2.0)


def _strict_winner(scores, wc):
    """Raise the winner's score just above the others where it is not strictly largest."""
    if scores.shape[1] > 1:
        rows = np.arange(scores.shape[0])
        others = scores.copy()
        others[rows, wc] = -np.inf
        top = others.max(axis=1)
        fix = scores[rows, wc] <= top
        scores[rows[fix], wc[fix]] = np.nextafter(top[fix], np.inf)
    return scores
