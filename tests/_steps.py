"""The compiled training kernel run one sample at a time, recording every step.

``kernel_train_steps`` drives ``spikencg._kernels._train.train_epoch`` with the same
per-epoch bookkeeping as the estimator (threshold resets, annealing, R-STDP's adaptive
rates, CR-1's copy) but one kernel call per training sample, so that the state after
every step can be compared with the plain-Python oracle (``ref_train(record=...)``) and
with the original's traces. The firing times of each step are the kernel's own training
pass: with fresh statistics arrays per call, ``fire_sum[n]`` is neuron ``n``'s firing
time on that sample when ``fire_count[n]`` is 1.
"""

from __future__ import annotations

import numpy as np

from spikencg._kernels import _train, competition, rules

_COMPS = {"none": competition.NONE, "cr2": competition.TWO_COMPARTMENT,
          "cr1": competition.ONE_THRESHOLD}


def spike_arrays(X, max_time=1.0):
    """CSR arrays (indptr, indices int32, times float64) of dense first-spike times,
    each row's spikes in time order, ties by input index."""
    X = np.asarray(X, dtype=np.float64)
    indptr = [0]
    indices, times = [], []
    for row in X:
        idx = np.flatnonzero(row < max_time)
        order = np.lexsort((idx, row[idx]))
        indices.append(idx[order])
        times.append(row[idx][order])
        indptr.append(indptr[-1] + idx.size)
    return (np.asarray(indptr, np.int64), np.concatenate(indices).astype(np.int32),
            np.concatenate(times).astype(np.float64))


def kernel_train_steps(arrays, y, n_classes, W0, params, n_epochs, row_major, rng=None):
    """Train with the kernel one sample per call; ``params`` as for ``ref_train``.

    Returns ``(record, W)``: ``record`` with the keys of ``ref_train``'s record
    ('out_time', 'row_sum', 'training_thresholds'; one array per epoch, one row per
    step) plus 'train_prediction', and the final weights ``(N, n_in)`` float32.
    """
    p = params
    y = np.asarray(y, dtype=np.int64)
    C = int(n_classes)
    N = C * int(p["M"])
    T = float(p["max_time"])
    W0 = np.asarray(W0, dtype=np.float32)
    theta = np.full(N, np.float32(p["theta"]), dtype=np.float64)
    layer = _train.Layer(np.ascontiguousarray(W0.T), theta, theta.copy(),
                         W0.sum(axis=1).astype(np.float64) if p["w_norm"] else np.ones(N))
    comp = _COMPS[p["competition"]]
    cfg = _train.settings(
        n_classes=C, neurons_per_class=p["M"], non_target_neurons=p["L"],
        class_inhibition=p["class_inhib"], competition=comp,
        threshold_floor=theta.min(), rule=rules.RULES[p["rule"]],
        time_ranges=p["time_ranges"], adaptive_rates=p["adaptive_rates"],
        leak=p["neuron"] == "lif", tau=p["tau"], max_time=T, w_min=p["w_min"],
        w_max=p["w_max"], weight_norm=p["w_norm"],
        multiplicative=p["stdp"] == "multiplicative", beta=p["beta"],
        t_ltd=np.inf if p["depress_silent"] else T, t_gap=p["t_gap"],
        output_dropout=p["output_dropout"], input_dropout=p["input_dropout"],
        row_major=row_major, exact=p.get("arithmetic", "original") == "original")
    rates = np.array([p["ap"], p["am"], p["anti_ap"], p["anti_am"], p["lr"]], np.float64)
    eta = float(p["thr_lr"])
    acc_prev = 1.0 / C
    rng = np.random.default_rng(0) if rng is None else rng
    n = y.shape[0]
    record = {"out_time": [], "row_sum": [], "training_thresholds": [],
              "train_prediction": []}
    for _ in range(n_epochs):
        epoch_rates = _train.rates(*rates, eta, acc_prev)
        _train.begin_epoch(layer, cfg)
        epoch = {key: [] for key in record}
        correct = 0
        for k in range(n):
            rec = _train.new_record(n, N)
            correct += _train.train_epoch(arrays, y, np.array([k], np.int64), layer, cfg,
                                          epoch_rates, rng, rec)
            epoch["out_time"].append(np.where(rec.fire_count > 0, rec.fire_sum, T))
            epoch["row_sum"].append(np.ascontiguousarray(layer.W.T).astype(np.float64)
                                    .sum(axis=1))
            epoch["training_thresholds"].append(
                layer.theta.copy() if comp == competition.NONE else layer.phi.copy())
            epoch["train_prediction"].append(rec.prediction[k])
        _train.end_epoch(layer, cfg)
        for key, values in epoch.items():
            record[key].append(np.array(values))
        acc_prev = correct / max(n, 1)
        rates *= p["annealing"]
        eta *= p["thr_anneal"]
    return record, np.ascontiguousarray(layer.W.T)
