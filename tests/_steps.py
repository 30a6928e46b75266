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

from spikencg._kernels import _train

_RULES = {"s2stdp": _train.RULE_S2STDP, "rstdp": _train.RULE_RSTDP, "s4nn": _train.RULE_S4NN}
_COMPS = {"none": _train.COMP_NONE, "cr2": _train.COMP_CR2, "cr1": _train.COMP_CR1}


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
    indptr, indices, times = arrays
    y = np.asarray(y, dtype=np.int64)
    C = int(n_classes)
    M, L = int(p["M"]), int(p["L"])
    N = C * M
    T = float(p["max_time"])
    W0 = np.asarray(W0, dtype=np.float32)
    W = np.ascontiguousarray(W0.T)
    theta = np.full(N, np.float32(p["theta"]), dtype=np.float64)
    phi = theta.copy()
    floor = float(theta.min())
    target = W0.sum(axis=1).astype(np.float64) if p["w_norm"] else np.ones(N)
    comp = _COMPS[p["competition"]]
    rule = _RULES[p["rule"]]
    rates = np.array([p["ap"], p["am"], p["anti_ap"], p["anti_am"], p["lr"]], np.float64)
    eta = float(p["thr_lr"])
    acc_prev = 1.0 / C
    t_ltd = np.inf if p["depress_silent"] else T
    rng = np.random.default_rng(0) if rng is None else rng
    n = y.shape[0]
    record = {"out_time": [], "row_sum": [], "training_thresholds": [],
              "train_prediction": []}
    for _ in range(n_epochs):
        if comp != _train.COMP_CR1:
            phi[:] = theta
        ap, am, aap, aam, lr = rates
        if rule == _train.RULE_RSTDP and p["adaptive_rates"]:
            ap, am = ap * (1.0 - acc_prev), am * (1.0 - acc_prev)
            aap, aam = aap * acc_prev, aam * acc_prev
        epoch = {key: [] for key in record}
        pred = np.empty(n, np.int64)
        correct = 0
        for k in range(n):
            fcount = np.zeros(N, np.int64)
            fsum = np.zeros(N)
            stats = np.zeros(_train.N_STATS, np.int64)
            correct += _train.train_epoch(
                indptr, indices, times, y, np.array([k], np.int64), W, theta, phi, target,
                C, M, L, bool(p["class_inhib"]), comp, eta, floor, rule,
                bool(p["time_ranges"]), p["neuron"] == "lif", float(p["tau"]), T,
                float(p["w_min"]), float(p["w_max"]), bool(p["w_norm"]),
                p["stdp"] == "multiplicative" and rule != _train.RULE_S4NN, float(p["beta"]),
                float(p["t_gap"]), ap, am, aap, aam, lr, t_ltd,
                float(p["output_dropout"]), float(p["input_dropout"]), rng, row_major, pred,
                np.zeros(N, np.int64), np.zeros(N, np.int64), fcount, fsum,
                np.full(N, np.inf), stats,
            )
            epoch["out_time"].append(np.where(fcount > 0, fsum, T))
            epoch["row_sum"].append(np.ascontiguousarray(W.T).astype(np.float64).sum(axis=1))
            epoch["training_thresholds"].append(
                theta.copy() if comp == _train.COMP_NONE else phi.copy())
            epoch["train_prediction"].append(pred[k])
        for key, values in epoch.items():
            record[key].append(np.array(values))
        acc_prev = correct / max(n, 1)
        rates *= p["annealing"]
        eta *= p["thr_anneal"]
        if comp == _train.COMP_CR1:
            theta[:] = phi
    return record, np.ascontiguousarray(W.T)
