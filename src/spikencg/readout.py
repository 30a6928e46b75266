"""The spiking readout classifier: a scikit-learn estimator over the numba kernels."""

import numbers
import warnings

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets

from ._compat import Interval, StrOptions, _fit_context, check_is_fitted, validate_data
from ._kernels import _train
from ._kernels._forward import predict_batch
from .encoding import spike_arrays

__all__ = ["SpikingReadoutClassifier"]

RULES = ("s2stdp", "sstdp", "rstdp", "s4nn")
COMPETITIONS = ("two-compartment", "one-threshold", "dropout", "none")

# Per-rule defaults, from the paper's configurations (see docs/parameters.md).
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

_AUTO_THRESHOLD_FACTOR = 0.5


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
        ``0.5 * w_init_mean * mean number of input spikes per training sample``.
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
    w_init : {"normal", "uniform"}, default="normal"
        Weight initialisation [``w_init_normal``]: Normal(``w_init_mean``,
        ``w_init_std``) or Uniform(``w_min``, ``w_max``), then clipped.
    w_init_mean : float or None, default=None
        [``w_init_mean``] None: 0.3 (S2-STDP), 0.5 (SSTDP, S4NN), 0.8 (R-STDP).
    w_init_std : float, default=0.01
        [``w_init_std``]
    w_min, w_max : float or None, default=None
        Weight range [``w_min``, ``w_max``]. None: [0, 1]; R-STDP [0.2, 0.8];
        S4NN [-1000, 1000].
    weight_norm : bool or None, default=None
        Keep each neuron's weight sum at its initial value [``w_norm``].
        None: True for S2-STDP, else False.
    stdp : {"additive", "multiplicative"}, default="additive"
        [``stdp``] Multiplicative STDP scales each increment by a soft bound
        ``exp(-beta * distance to the bound)``.
    beta : float, default=1.0
        [``beta``] Multiplicative STDP soft-bound strength.
    t_gap : float or None, default=None
        Gap between target and non-target desired times [``t_gap``].
        None: 0.1 (S2-STDP), 0.08 (SSTDP), 0.125 (S4NN).
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
        Number of epochs [``trainer.epochs``].
    shuffle : bool, default=False
        Visit the training samples in a new random order every epoch (the paper used
        one fixed order).
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, shuffling and dropout.

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
        Decision thresholds (used by predict).
    training_thresholds_ : ndarray of shape (n_neurons,)
        Training thresholds at the end of the last epoch (CR-2: the adaptive
        thresholds; CR-1: the single thresholds; otherwise equal to ``thresholds_``).
    neurons_per_class_ : int
        ``M``.
    non_target_neurons_ : int
        ``L``.
    neuron_class_ : ndarray of shape (n_neurons,)
        Index into ``classes_`` of every output neuron.
    n_iter_ : int
        Epochs run.
    train_accuracy_ : ndarray of shape (n_iter_,)
        Online training accuracy of each epoch (training thresholds).
    silent_fraction_ : ndarray of shape (n_iter_,)
        Fraction of training samples on which no output neuron fired, per epoch.
    updates_own_class_, updates_other_class_ : ndarray of shape (n_iter_, n_neurons)
        Weight updates each neuron received per epoch on samples of its own class / of
        other classes.

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
        "threshold": [Interval(numbers.Real, 0, None, closed="left"), StrOptions({"auto"})],
        "threshold_lr": [Interval(numbers.Real, 0, None, closed="left"), None],
        "threshold_annealing": [Interval(numbers.Real, 0, None, closed="left")],
        "neuron": [StrOptions({"if", "lif"})],
        "tau": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_time": [Interval(numbers.Real, 0, None, closed="neither")],
        "w_init": [StrOptions({"normal", "uniform"})],
        "w_init_mean": [numbers.Real, None],
        "w_init_std": [Interval(numbers.Real, 0, None, closed="left")],
        "w_min": [numbers.Real, None],
        "w_max": [numbers.Real, None],
        "weight_norm": ["boolean", None],
        "stdp": [StrOptions({"additive", "multiplicative"})],
        "beta": [Interval(numbers.Real, 0, None, closed="left")],
        "t_gap": [Interval(numbers.Real, 0, None, closed="left"), None],
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
        "shuffle": ["boolean"],
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
        shuffle=False,
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
        self.shuffle = shuffle
        self.random_state = random_state

    # ------------------------------------------------------------------ helpers
    def _resolve(self, n_classes):
        """Resolve every None parameter into the value the kernels use."""
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
        a_plus = float(pick(self.a_plus, d["a_plus"]))
        a_minus = float(pick(self.a_minus, d["a_minus"]))
        p = dict(
            n_classes=n_classes,
            M=int(M),
            L=int(L),
            class_inhib=bool(pick(self.class_inhibition, self.ncg)),
            comp={"two-compartment": _train.COMP_CR2, "one-threshold": _train.COMP_CR1}.get(
                comp, _train.COMP_NONE
            ),
            rule={"s2stdp": _train.RULE_S2STDP, "sstdp": _train.RULE_S2STDP,
                  "rstdp": _train.RULE_RSTDP, "s4nn": _train.RULE_S4NN}[self.rule],
            time_ranges=bool(pick(self.time_ranges, d["time_ranges"])),
            w_init_mean=float(pick(self.w_init_mean, d["w_init_mean"])),
            w_min=w_min,
            w_max=w_max,
            w_norm=bool(pick(self.weight_norm, d["weight_norm"])),
            t_gap=float(pick(self.t_gap, d["t_gap"])),
            ap=a_plus,
            am=a_minus,
            anti_ap=float(pick(self.anti_a_plus, -a_plus)),
            anti_am=float(pick(self.anti_a_minus, -a_minus)),
        )
        return p

    def _spikes(self, X, reset):
        """Validate X and return the kernels' spike arrays."""
        X = validate_data(
            self, X, reset=reset, accept_sparse="csr", dtype=np.float64,
            ensure_all_finite=False,
        )
        indptr, indices, times = spike_arrays(X, max_time=float(self.max_time))
        return indptr, indices, times

    def _initial_weights(self, p, n_in, rng):
        N = p["n_classes"] * p["M"]
        if self.w_init == "normal":
            W = rng.normal(p["w_init_mean"], self.w_init_std, size=(N, n_in))
        else:
            W = rng.uniform(p["w_min"], p["w_max"], size=(N, n_in))
        return np.clip(W, p["w_min"], p["w_max"])

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, weights_init=None):
        """Train the readout on spike lists or dense timestamps.

        Parameters
        ----------
        X : {sparse matrix, array-like} of shape (n_samples, n_features)
            Spike lists (CSR, as made by :class:`~spikencg.TTFSEncoder`) or dense
            first-spike times (``>= max_time`` or ``+inf``: no spike).
        y : array-like of shape (n_samples,)
            Class labels, of any type.
        weights_init : array-like of shape (n_neurons, n_features), default=None
            Initial weights, used as given (not clipped); the weight-normalisation
            targets are their row sums. ``n_neurons = n_classes * neurons_per_class``,
            neurons of class ``k`` being rows ``k*M`` to ``(k+1)*M - 1``.

        Returns
        -------
        self : SpikingReadoutClassifier
            The fitted estimator.
        """
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=np.float64, ensure_all_finite=False,
        )
        indptr, indices, times = spike_arrays(X, max_time=float(self.max_time))
        check_classification_targets(y)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        n_classes = self.classes_.shape[0]
        n_in = self.n_features_in_
        p = self._resolve(n_classes)
        M = p["M"]
        N = n_classes * M
        rs = check_random_state(self.random_state)
        rng = np.random.default_rng(rs.randint(np.iinfo(np.int32).max))

        if weights_init is None:
            W0 = self._initial_weights(p, n_in, rng)
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
        norm_target = W.astype(np.float64).sum(axis=0) if p["w_norm"] else np.ones(N)

        n_samples = indptr.shape[0] - 1
        if self.threshold == "auto":
            mean_spikes = times.shape[0] / max(n_samples, 1)
            theta0 = max(_AUTO_THRESHOLD_FACTOR * p["w_init_mean"] * mean_spikes, 1e-6)
        else:
            theta0 = float(self.threshold)
        theta = np.full(N, theta0, dtype=np.float64)
        phi = theta.copy()
        phi_floor = float(theta.min())
        eta = float(self.threshold_lr) if self.threshold_lr is not None else 0.05 * theta0

        y_enc = y_enc.astype(np.int64)
        rates = np.array([p["ap"], p["am"], p["anti_ap"], p["anti_am"],
                          float(self.learning_rate)])
        t_ltd = np.inf if self.depress_silent else float(self.max_time)
        T = float(self.max_time)
        acc_prev = 1.0 / n_classes
        train_pred = np.empty(n_samples, dtype=np.int64)
        history = {"acc": [], "silent": [], "own": [], "other": []}

        for epoch in range(self.max_iter):
            if p["comp"] == _train.COMP_CR2:
                phi[:] = theta
            order = rng.permutation(n_samples) if self.shuffle else np.arange(n_samples)
            ap, am, anti_ap, anti_am, lr = rates
            if p["rule"] == _train.RULE_RSTDP and self.adaptive_rates:
                ap, am = ap * (1.0 - acc_prev), am * (1.0 - acc_prev)
                anti_ap, anti_am = anti_ap * acc_prev, anti_am * acc_prev
            own = np.zeros(N, dtype=np.int64)
            other = np.zeros(N, dtype=np.int64)
            stats = np.zeros(_train.N_STATS, dtype=np.int64)
            _train.train_epoch(
                indptr, indices, times, y_enc, order.astype(np.int64), W, theta, phi,
                norm_target, n_classes, M, p["L"], p["class_inhib"], p["comp"], eta,
                phi_floor, p["rule"], p["time_ranges"], self.neuron == "lif",
                float(self.tau), T, p["w_min"], p["w_max"], p["w_norm"],
                self.stdp == "multiplicative" and p["rule"] != _train.RULE_S4NN,
                float(self.beta), p["t_gap"], ap, am, anti_ap, anti_am, lr, t_ltd,
                float(self.output_dropout), float(self.input_dropout), rng,
                train_pred, own, other, stats,
            )
            acc = stats[_train.STAT_CORRECT] / max(n_samples, 1)
            history["acc"].append(acc)
            history["silent"].append(stats[_train.STAT_SILENT] / max(n_samples, 1))
            history["own"].append(own)
            history["other"].append(other)
            acc_prev = acc
            # epoch end: annealing, then CR-1 copies its thresholds into the decision ones
            rates = rates * self.annealing
            eta *= self.threshold_annealing
            if p["comp"] == _train.COMP_CR1:
                theta[:] = phi

        self.weights_ = W.T
        self.thresholds_ = theta
        self.training_thresholds_ = phi
        self.neurons_per_class_ = M
        self.non_target_neurons_ = p["L"]
        self.neuron_class_ = np.repeat(np.arange(n_classes), M)
        self.n_iter_ = self.max_iter
        self.train_accuracy_ = np.asarray(history["acc"], dtype=np.float64)
        self.silent_fraction_ = np.asarray(history["silent"], dtype=np.float64)
        self.updates_own_class_ = np.asarray(history["own"], dtype=np.int64)
        self.updates_other_class_ = np.asarray(history["other"], dtype=np.int64)
        if self.silent_fraction_[-1] > 0.5:
            warnings.warn(
                f"No output neuron fired on {self.silent_fraction_[-1]:.0%} of the training "
                "samples in the last epoch: the threshold is probably too high for these "
                "inputs; lower `threshold`.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    # ------------------------------------------------------------------ inference
    def _forward(self, X, full):
        check_is_fitted(self)
        indptr, indices, times = self._spikes(X, reset=False)
        n = indptr.shape[0] - 1
        C = self.classes_.shape[0]
        W = self.weights_.T
        if not W.flags.c_contiguous or W.dtype != np.float32:
            W = np.ascontiguousarray(W, dtype=np.float32)
        winner = np.empty(n, dtype=np.int64)
        if full:
            s_class = np.empty((n, C), dtype=np.float64)
            V_class = np.empty((n, C), dtype=np.float32)
        else:
            s_class = np.empty((0, 0), dtype=np.float64)
            V_class = np.empty((0, 0), dtype=np.float32)
        predict_batch(indptr, indices, times, W, np.ascontiguousarray(self.thresholds_,
                      dtype=np.float64), C, self.neurons_per_class_, float(self.max_time),
                      self.neuron == "lif", float(self.tau), full, winner, s_class, V_class,
                      256)
        return winner, s_class, V_class

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
        winner, _, _ = self._forward(X, full=False)
        return self.classes_[winner // self.neurons_per_class_]

    def decision_function(self, X):
        """Confidence score of every class: how early its first neuron fired.

        The score of class ``k`` is ``(T - s_k) / T`` in ``[0, 1]``, where ``s_k`` is the
        firing time of the class's best neuron (``s_k = T`` if none fired), plus a term
        below ``1e-7`` that grows with that neuron's potential, so that equal times are
        ordered by potential as the model orders them. The predicted class always has the
        strictly largest score: ``predict(X) == classes_[argmax(decision_function(X))]``.

        Parameters
        ----------
        X : {sparse matrix, array-like} of shape (n_samples, n_features)
            Spike lists or dense first-spike times.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,) for two classes
            For two classes, the score of ``classes_[1]`` minus that of ``classes_[0]``.
        """
        winner, s_class, V_class = self._forward(X, full=True)
        T = float(self.max_time)
        V = V_class.astype(np.float64)
        scores = (T - s_class) / T + 1e-7 * (0.5 + 0.5 * V / (1.0 + np.abs(V)))
        rows = np.arange(scores.shape[0])
        wc = winner // self.neurons_per_class_
        others = scores.copy()
        others[rows, wc] = -np.inf
        top = others.max(axis=1) if scores.shape[1] > 1 else np.full(len(rows), -np.inf)
        fix = scores[rows, wc] <= top
        scores[rows[fix], wc[fix]] = np.nextafter(top[fix], np.inf)
        if scores.shape[1] == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.input_tags.allow_nan = False
        return tags
