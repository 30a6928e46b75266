"""One training epoch of the spiking readout, compiled as a single call.

Everything of ALGORITHM.md sections 3 to 7 that happens per sample is driven from here:
dropout masks, training thresholds, forward pass, training prediction, competition
regulation, intra-class winner-takes-all, the learning rule, then clipping and weight
normalisation. The competition modes live in :mod:`.competition`, the learning rules in
:mod:`.rules`, the update forms (additive, multiplicative) and the constraints on the
weights in :mod:`._stdp`; each is chosen by a code of :data:`Settings`. What happens per
epoch beyond the competition mode's own bookkeeping (annealing, validation, history) is
done by the caller.

The kernel's arguments are grouped in named tuples (numba compiles them as plain
values): :data:`Settings` (constant over a fit), :data:`Rates` (one epoch's rates),
:data:`Layer` (the arrays trained in place) and :data:`EpochRecord` (the statistics
accumulated). Build them with :func:`settings`, :func:`rates`, :func:`new_record`, so that
every field has the type the compiled code expects (another type would compile another
copy of the kernel). Inside, the tuples of arrays are unpacked once, and the per-sample
steps receive arrays one by one (see ``rules`` for why).
"""

from collections import namedtuple

import numpy as np

from . import competition, rules
from ._forward import (
    best_of_range,
    better,
    round_f32,
    sample_groups,
    simulate,
    simulate_nm,
    simulate_nm_monotone,
)
from ._jit import borrow, keep_alive, njit
from ._stdp import RowState, apply_updates, copy_back, row_state
from .competition import competition_range, count_active, regulate, training_thresholds
from .rules import apply_rule

__all__ = [
    "EpochRecord",
    "Layer",
    "N_STATS",
    "Rates",
    "Settings",
    "begin_epoch",
    "end_epoch",
    "new_record",
    "rates",
    "settings",
    "train_epoch",
]

# epoch statistics accumulated in ``EpochRecord.stats``
STAT_CORRECT = 0
STAT_SILENT = 1  # samples on which no output neuron fired
STAT_ALL_FIRST = 2  # samples on which every active neuron fired at the first input group
N_STATS = 3

# Settings of a fit, and the type of each (see :func:`settings`):
# n_classes, neurons_per_class (M), non_target_neurons (L): the layer; neuron n belongs
#   to class n // M and is a target neuron when n % M >= L
# class_inhibition: intra-class winner-takes-all in learning
# competition: a code of competition.MODES; threshold_floor: CR-2's floor
# rule: a code of rules.RULES; time_ranges, adaptive_rates: their options
# leak, tau, max_time: LIF neurons (else IF), their time constant, T
# w_min, w_max, weight_norm: the constraints on the weights
# multiplicative, beta: the STDP update form; t_ltd: inputs at or after it are not
#   depressed; t_gap: the rules' gap between desired times
# output_dropout, input_dropout: probabilities
# row_major: the layout of the forward pass (see train_epoch)
# exact: the original's clipping and normalisation of every row in float32 after every
#   step; False: only the updated rows rescaled, in float64 (see _stdp.apply_updates)
_SETTINGS = (
    ("n_classes", int), ("neurons_per_class", int), ("non_target_neurons", int),
    ("class_inhibition", bool), ("competition", int), ("threshold_floor", float),
    ("rule", int), ("time_ranges", bool), ("adaptive_rates", bool),
    ("leak", bool), ("tau", float), ("max_time", float),
    ("w_min", float), ("w_max", float), ("weight_norm", bool),
    ("multiplicative", bool), ("beta", float), ("t_ltd", float), ("t_gap", float),
    ("output_dropout", float), ("input_dropout", float), ("row_major", bool),
    ("exact", bool),
)
Settings = namedtuple("Settings", [name for name, _ in _SETTINGS])

# One epoch's rates (annealed by the caller): the STDP and anti-STDP rates, S4NN's
# learning rate, the competition regulation's threshold rate, and the previous epoch's
# training accuracy (R-STDP's adaptive rates)
Rates = namedtuple("Rates", ["a_plus", "a_minus", "anti_a_plus", "anti_a_minus",
                             "learning_rate", "threshold_lr", "accuracy"])

# The arrays trained in place: W (n_in, N) float32 input-major weights; theta (N,)
# float64 decision thresholds; phi (N,) float64 training thresholds; norm_target (N,)
# float64 row sums kept by weight normalisation
Layer = namedtuple("Layer", ["W", "theta", "phi", "norm_target"])

# Accumulated by train_epoch: prediction (n_samples,) int64, the training prediction of
# every sample visited; updates_own, updates_other (N,) int64, the updates each neuron
# received on samples of its own class / of another class; fire_count, fire_sum,
# fire_min (N,) int64 / float64 / float64, per neuron the number of samples on which it
# fired, the sum and minimum of its firing times (training pass, before intra-class
# inhibition); stats (N_STATS,) int64
EpochRecord = namedtuple("EpochRecord", ["prediction", "updates_own", "updates_other",
                                         "fire_count", "fire_sum", "fire_min", "stats"])

# A sample's forward-pass arrays: x (n_in,) dense input times (T between samples);
# hidden (n_in,) inputs hidden by input dropout; active (N,) neurons not dropped out;
# theta32 (N,) the decision thresholds as float32; thr32 (N,) the training thresholds as
# float32 (named by the competition mode), thr (N,) the same as float64 (neuron-major
# pass); s, V (N,) firing times and potentials; acc, alive: the row-by-row pass's
# scratch; g_lo, g_f: the neuron-major pass's groups of equal timestamps
Forward = namedtuple("Forward", ["x", "hidden", "active", "theta32", "thr32", "thr", "s",
                                 "V", "acc", "alive", "g_lo", "g_f"])


def settings(**values):
    """A :data:`Settings`, every field converted to its type (int, float or bool).

    Parameters
    ----------
    **values
        Every field of :data:`Settings`.

    Returns
    -------
    Settings
    """
    missing = [name for name, _ in _SETTINGS if name not in values]
    extra = sorted(set(values) - set(Settings._fields))
    if missing or extra:
        raise TypeError(f"settings: missing {missing}, unknown {extra}")
    cfg = Settings(*(kind(values[name]) for name, kind in _SETTINGS))
    # (the compiled dispatch runs the last rule / mode for any other code)
    if cfg.rule not in rules.RULES.values():
        raise ValueError(f"settings: unknown learning rule code {cfg.rule}")
    if cfg.competition not in competition.MODES.values():
        raise ValueError(f"settings: unknown competition mode code {cfg.competition}")
    return cfg


def rates(a_plus, a_minus, anti_a_plus, anti_a_minus, learning_rate, threshold_lr,
          accuracy):
    """A :data:`Rates` of floats (see :data:`Rates` for the fields)."""
    return Rates(float(a_plus), float(a_minus), float(anti_a_plus), float(anti_a_minus),
                 float(learning_rate), float(threshold_lr), float(accuracy))


def new_record(n_samples, n_neurons):
    """An :data:`EpochRecord` of zeros (``fire_min``: +inf) for ``n_samples`` samples and
    ``n_neurons`` neurons."""
    return EpochRecord(np.empty(n_samples, np.int64), np.zeros(n_neurons, np.int64),
                       np.zeros(n_neurons, np.int64), np.zeros(n_neurons, np.int64),
                       np.zeros(n_neurons, np.float64), np.full(n_neurons, np.inf),
                       np.zeros(N_STATS, np.int64))


@njit(cache=True, nogil=True, inline="always")
def _forward_arrays(theta, n_in, max_len, T):
    """The :data:`Forward` arrays of a layer with thresholds ``theta``, ``n_in`` inputs,
    for samples of up to ``max_len`` spikes."""
    N = theta.shape[0]
    # thresholds are float32 numbers, as in the original (``theta`` and ``phi`` hold
    # float64 values; the kernel uses them rounded to float32)
    theta32 = np.empty(N, np.float32)
    round_f32(theta, theta32)
    return Forward(np.full(n_in, T, np.float64), np.zeros(n_in, np.bool_),
                   np.ones(N, np.bool_), theta32, np.empty(N, np.float32),
                   np.empty(N, np.float64), np.empty(N, np.float64),
                   np.empty(N, np.float32), np.empty(N, np.float32), np.empty(N, np.bool_),
                   np.empty(max_len + 1, np.int64), np.empty(max_len + 1, np.float32))


@njit(cache=True, nogil=True)
def begin_epoch(layer, cfg):
    """The competition mode's work before an epoch, on the :data:`Layer` ``layer`` (in
    place) under the :data:`Settings` ``cfg``: the training thresholds it names are reset
    to the decision thresholds (CR-2 and none: all)."""
    lo, hi, _ = competition_range(cfg.competition, competition.EPOCH_START, 0, cfg)
    layer.phi[lo:hi] = layer.theta[lo:hi]


@njit(cache=True, nogil=True)
def end_epoch(layer, cfg):
    """After an epoch (see :func:`begin_epoch`), the decision thresholds that the
    competition mode names take the values of the training thresholds (CR-1: all)."""
    lo, hi, _ = competition_range(cfg.competition, competition.EPOCH_END, 0, cfg)
    layer.theta[lo:hi] = layer.phi[lo:hi]


@njit(cache=True, nogil=True, inline="always")
def _longest_sample(indptr, order):
    """The largest number of spikes of a sample of ``order``."""
    max_len = 0
    for pos in range(order.shape[0]):
        r = order[pos]
        if indptr[r + 1] - indptr[r] > max_len:
            max_len = indptr[r + 1] - indptr[r]
    return max_len


@njit(cache=True, nogil=True, inline="always")
def _is_monotone(cfg, WT, norm_target):
    """Whether the potentials never decrease through the epoch.

    They never decrease when there is no leak and every weight is >= 0; the weights stay
    >= 0 through the epoch when clipping keeps them above ``w_min >= 0`` and
    normalisation rescales by positive factors: then the neuron-major pass may test the
    thresholds less often (simulate_nm_monotone, same results).
    """
    monotone = (not cfg.row_major) and (not cfg.leak) and cfg.w_min >= 0.0 and WT.min() >= 0.0
    if monotone and cfg.weight_norm:
        monotone = norm_target.min() >= 0.0
    return monotone


# The per-sample steps below are inlined into the epoch loop. Each uses every array it
# takes on every path through it (the choices between paths are made in the loop): numba
# counts the references of the arrays passed to an inlined function, and drops the
# counting only then (an array left unused on some path costs about 10 instructions per
# sample).


@njit(cache=True, nogil=True, inline="always")
def _any(active):
    """Whether any neuron is active."""
    found = False
    for n in range(active.shape[0]):
        if active[n]:
            found = True
            break
    return found


@njit(cache=True, nogil=True, inline="always")
def _class_winners(n_classes, M, s, V, active, cbest):
    """Each class's best neuron (-1: none active), into ``cbest``, and the best of them
    (ties to the smallest index; 0 when none is active): the training prediction's
    neuron under intra-class inhibition."""
    gw = np.int64(-1)  # (np.int64: no extra compiled copy of better for -1)
    for c in range(n_classes):
        b = best_of_range(c * M, (c + 1) * M, s, V, active)
        cbest[c] = b
        if b >= 0 and (gw < 0 or better(b, gw, s, V)):
            gw = b
    return gw if gw >= 0 else np.int64(0)


@njit(cache=True, nogil=True, inline="always")
def _fire_stats(fire_count, fire_sum, fire_min, s, T):
    """Per neuron: samples on which it fired, sum and minimum of its firing times."""
    for n in range(s.shape[0]):
        if s[n] < T:
            fire_count[n] += 1
            fire_sum[n] += s[n]
            if s[n] < fire_min[n]:
                fire_min[n] = s[n]


@njit(cache=True, nogil=True, inline="always")
def _all_fired_at(s, active, t0):
    """Whether every active neuron fired at ``t0``."""
    all_first = True
    for n in range(s.shape[0]):
        if active[n] and s[n] != t0:
            all_first = False
            break
    return all_first


@njit(cache=True, nogil=True, inline="always")
def _class_learners(cbest, cand):
    """Intra-class winner-takes-all: each class's best neuron (``cbest``) takes part in
    learning. Lists those neurons in ``cand``, in increasing order; returns their
    number."""
    n_cand = 0
    for c in range(cbest.shape[0]):
        if cbest[c] >= 0:
            cand[n_cand] = cbest[c]
            n_cand += 1
    return n_cand


@njit(cache=True, nogil=True, inline="always")
def _active_learners(active, cand):
    """Without intra-class inhibition every active neuron takes part in learning (see
    :func:`_class_learners`)."""
    n_cand = 0
    for n in range(active.shape[0]):
        if active[n]:
            cand[n_cand] = n
            n_cand += 1
    return n_cand


@njit(cache=True, nogil=True, inline="always")
def _count_updates(upd_own, upd_other, upd_n, n_upd, label, M):
    """Who was updated, on a sample of its own class or of another."""
    lo_c = label * M
    hi_c = lo_c + M
    for j in range(n_upd):
        n = upd_n[j]
        if lo_c <= n < hi_c:
            upd_own[np.uint64(n)] += 1
        else:
            upd_other[np.uint64(n)] += 1


@njit(cache=True, nogil=True)
def train_epoch(spikes, y, order, layer, cfg, rates, rng, record):
    """Train on every sample of ``order`` once, updating ``layer`` in place.

    Parameters
    ----------
    spikes : tuple (indptr, indices, times), the spike lists (CSR layout, each row
        sorted by time).
    y : int64 array, class index of every sample.
    order : int64 array, the samples to visit, in order.
    layer : Layer
        ``W`` (input-major weights) and the training thresholds ``phi`` are updated in
        place (and the decision thresholds ``theta`` by a competition mode that trains
        them).
    cfg : Settings
        ``cfg.row_major``: how the forward pass reads the weights (the results are the
        same either way). True: input spike by input spike, adding a row of the
        input-major ``W`` to all potentials at once; the learning rules update a
        neuron-major copy whose changed rows are written back into ``W``'s columns after
        each update. False: neuron by neuron from the neuron-major copy alone (each
        neuron stops at its own first spike), written back into ``W`` once, at the end
        of the epoch. Writing updated rows back into ``W``'s columns is costly when many
        neurons are updated per sample (S2-STDP: neuron-major is faster, measured on 64
        to 4,608 inputs); with one updated neuron (R-STDP) or few (S4NN) the faster
        row-by-row pass wins.
    rates : Rates, this epoch's rates (already annealed).
    rng : numpy.random.Generator, used only when a dropout probability is positive.
    record : EpochRecord, accumulated.

    Returns
    -------
    n_correct : int, ``record.stats[STAT_CORRECT]``.
    """
    # (the named tuples are unpacked once: passed into the per-sample steps, they would
    # make numba count the references of every array they carry at every call)
    indptr, indices, times = spikes
    W, theta, phi, norm_target = layer
    prediction, upd_own, upd_other, fire_count, fire_sum, fire_min, stats = record
    n_in, N = W.shape
    M = cfg.neurons_per_class
    T = cfg.max_time
    x, hidden, active, theta32, thr32, thr, s, V, acc, alive, g_lo, g_f = _forward_arrays(
        theta, n_in, _longest_sample(indptr, order), T)
    rs = row_state(W, norm_target, cfg.w_min, cfg.w_max, cfg.weight_norm)
    WT = rs.WT
    monotone = _is_monotone(cfg, WT, norm_target)
    cbest = np.empty(cfg.n_classes, np.int64)  # each class's best neuron
    cand = np.empty(N, np.int64)  # neurons taking part in learning, increasing
    upd_n = np.empty(N, np.int64)  # the learning rule's updates (see rules)
    upd_c = np.empty(N, np.float64)
    upd_nc = np.empty(N, np.float64)
    upd_s = np.empty(N, np.float64)
    use_hidden = cfg.input_dropout > 0.0
    # the per-sample loop works on views without reference counting (see _jit.borrow):
    # its steps take arrays at no atomic cost; the local arrays stay alive in ``owners``
    # until keep_alive below
    owners = (x, hidden, active, theta32, thr32, thr, s, V, acc, alive, g_lo, g_f, cbest,
              cand, upd_n, upd_c, upd_nc, upd_s, rs)
    x, hidden, active, theta32 = borrow(x), borrow(hidden), borrow(active), borrow(theta32)
    thr32, thr, s, V, acc = borrow(thr32), borrow(thr), borrow(s), borrow(V), borrow(acc)
    alive, g_lo, g_f, cbest = borrow(alive), borrow(g_lo), borrow(g_f), borrow(cbest)
    cand, upd_n, upd_c = borrow(cand), borrow(upd_n), borrow(upd_c)
    upd_nc, upd_s = borrow(upd_nc), borrow(upd_s)
    rs = RowState(borrow(rs.WT), borrow(rs.nextf), borrow(rs.inrange), borrow(rs.touched),
                  borrow(rs.rows), borrow(rs.leaves), borrow(rs.pairs), borrow(rs.part))
    WT = rs.WT
    indptr, indices, times, y = borrow(indptr), borrow(indices), borrow(times), borrow(y)
    order, W, theta, phi = borrow(order), borrow(W), borrow(theta), borrow(phi)
    norm_target, prediction = borrow(norm_target), borrow(prediction)
    upd_own, upd_other = borrow(upd_own), borrow(upd_other)
    fire_count, fire_sum = borrow(fire_count), borrow(fire_sum)
    fire_min, stats = borrow(fire_min), borrow(stats)
    for pos in range(order.shape[0]):
        r = order[pos]
        label = y[r]
        start = indptr[r]
        end = indptr[r + 1]
        # 1. dropout masks
        if cfg.output_dropout > 0.0:
            for n in range(N):
                active[n] = rng.random() >= cfg.output_dropout
        if use_hidden:
            for i in range(n_in):
                hidden[i] = rng.random() < cfg.input_dropout
        # 2. training thresholds (float64 for the neuron-major pass)
        lo, hi, _ = competition_range(cfg.competition, competition.THRESHOLDS, label, cfg)
        training_thresholds(lo, hi, theta32, phi, thr32)
        if not cfg.row_major:
            for n in range(N):
                thr[n] = thr32[n]
        # 3. forward pass; dense input times (x holds T everywhere between samples: only
        # this sample's spikes are written, then reset; unsigned positions and indices:
        # no negative-index wraparound code)
        for q in range(np.uint64(start), np.uint64(end)):
            x[np.uint64(indices[q])] = times[q]
        if cfg.row_major:
            n_fired = simulate(start, end, indices, times, W, thr32, active, T, cfg.leak,
                               cfg.tau, np.bool_(False), s, V, acc, alive)
        elif monotone:
            n_fired = simulate_nm_monotone(start, end, indices, times, WT, thr, active, T,
                                           s, V)
        else:
            G = sample_groups(start, end, times, cfg.leak, cfg.tau, g_lo, g_f)
            n_fired = simulate_nm(G, g_lo, g_f, indices, times, WT, thr, active, T,
                                  cfg.leak, s, V)
        # 4. training prediction (with intra-class inhibition, each class's best neuron,
        # needed again in step 6, is found first) and statistics
        any_active = _any(active) if cfg.output_dropout > 0.0 else True
        if cfg.class_inhibition:
            gw = _class_winners(cfg.n_classes, M, s, V, active, cbest)
        elif any_active:
            gw = best_of_range(np.int64(0), N, s, V, active)
        else:
            gw = np.int64(0)
        prediction[r] = gw // M
        if gw // M == label:
            stats[STAT_CORRECT] += 1
        _fire_stats(fire_count, fire_sum, fire_min, s, T)
        if n_fired == 0:
            stats[STAT_SILENT] += 1
        elif end > start and _all_fired_at(s, active, times[start]):
            stats[STAT_ALL_FIRST] += 1
        # 5. competition regulation, on the outputs before intra-class inhibition
        lo, hi, floor = competition_range(cfg.competition, competition.REGULATE, label, cfg)
        K = count_active(active, lo, hi)
        if K >= 2:
            regulate(lo, hi, K, floor, cfg, rates, phi, s, V, active)
        # 6. intra-class winner-takes-all: the neurons that take part in learning
        if cfg.class_inhibition:
            n_cand = _class_learners(cbest, cand)
        else:
            n_cand = _active_learners(active, cand)
        # 7. learning rule, then the updates, clipping and normalisation of every row
        # that they change; 8. statistics of who was updated
        n_upd, t_ltd, multiplicative = apply_rule(cfg.rule, label, cfg, rates, s, cand, n_cand,
                                                  gw, any_active, upd_n, upd_c, upd_nc, upd_s)
        apply_updates(W, rs, x, hidden, use_hidden, n_upd, upd_n, upd_c, upd_nc, upd_s,
                      t_ltd, multiplicative, cfg.beta, cfg.w_min, cfg.w_max,
                      cfg.weight_norm, norm_target, cfg.row_major, cfg.exact)
        _count_updates(upd_own, upd_other, upd_n, n_upd, label, M)
        for q in range(np.uint64(start), np.uint64(end)):
            x[np.uint64(indices[q])] = T
    if not cfg.row_major:
        copy_back(W, WT)
    keep_alive(owners)
    return stats[STAT_CORRECT]
