"""Where a training epoch's time goes, next to the machine's ceilings for the same work.

For one case (default: 4,608 synthetic first-spike features, S2-STDP+NCG, 50 neurons,
as in ``bench_suite.py``), trains a model, then times each part of a training step with
the package's own compiled kernels, per sample:

- the whole epoch (``fit`` with ``max_iter=1``), and the part spent in the compiled
  epoch kernel (the rest: input checks and the probability model fitted at the end);
- the forward pass alone, both layouts of the training kernel: input-major (one weight
  row added to all potentials per input spike, :func:`~spikencg._kernels._forward.simulate`)
  and neuron-major (one neuron at a time, ``simulate_nm``; with weights >= 0 and no leak
  the kernel uses ``simulate_nm_monotone``, which tests the thresholds once per chunk of
  input spikes), with the model's training thresholds;
- the learning rule's weight updates for the measured mean number of updated neurons per
  sample: STDP increments with clipping, then the float64 row sums and rescaling of the
  weight normalisation, then (input-major layout only) writing the updated rows back
  into the input-major weights;
- the neuron-major forward's memory access alone: every input spike's weight gathered
  from four neurons' rows at a time (four addition chains, no threshold test), with the
  spikes in time order (the order the potentials must be summed in) and in input order
  (the same loads and adds, the rows read from start to end): the difference is the
  cost of reading each 18 KB row (at 4,608 inputs) in random order;
- ceilings: ``bench_suite.py``'s compiled loop adding contiguous float32 weight rows
  into a potential vector (the forward's float adds), and one
  adding a constant to the same number of contiguous float32 weights (the smallest
  possible update pass).

It prints the table and the fraction of the forward ceiling that the measured epoch
reaches, and the fraction that an epoch would reach if the forward pass ran exactly at
its ceiling and the updates at theirs: the bound for any kernel that applies the rule
weight by weight.

    python benchmarks/profile_training.py [--inputs 4608] [--samples 3000]
        [--density 0.15] [--config s2stdp+ncg] [--features FILE | --digits]

``--digits`` profiles scikit-learn's digits (64 inputs, intensity-coded, all 1,797
samples), the case of ``bench_core.py``'s digits training target.
"""

import argparse
import time

import numpy as np
from bench_core import _time  # benchmarks/ is on sys.path when run as a script
from bench_suite import _Ceiling
from numba import njit

from spikencg import SpikingReadoutClassifier, TTFSEncoder
from spikencg._kernels import _f32sum, _train
from spikencg._kernels._forward import (
    round_f32,
    sample_groups,
    simulate,
    simulate_nm,
    simulate_nm_monotone,
)
from spikencg._kernels._stdp import RowState, _update_column, apply_updates

CONFIGS = {
    "s2stdp+ncg": dict(rule="s2stdp", ncg=True),
    "s2stdp": dict(rule="s2stdp", ncg=False),
    "rstdp-5n": dict(rule="rstdp", ncg=False, neurons_per_class=5),
    "sstdp+ncg": dict(rule="sstdp", ncg=True),
    "s4nn": dict(rule="s4nn", ncg=False),
}


@njit(cache=False, nogil=True)
def _forward_all(indptr, indices, times, W, WT, thr, mode):
    N = thr.shape[0]
    thr32 = np.empty(N, np.float32)  # the row-by-row pass tests float32 thresholds
    round_f32(thr, thr32)
    s = np.empty(N)
    V = np.empty(N, np.float32)
    acc = np.empty(N, np.float32)
    alive = np.empty(N, np.bool_)
    active = np.ones(N, np.bool_)
    g_lo = np.empty(W.shape[0] + 1, np.int64)
    g_f = np.empty(W.shape[0] + 1, np.float32)
    fired = 0
    for r in range(indptr.shape[0] - 1):
        if mode == 2:
            fired += simulate_nm_monotone(indptr[r], indptr[r + 1], indices, times, WT, thr,
                                          active, 1.0, s, V)
        elif mode == 1:
            G = sample_groups(indptr[r], indptr[r + 1], times, False, 1.0, g_lo, g_f)
            fired += simulate_nm(G, g_lo, g_f, indices, times, WT, thr, active, 1.0, False,
                                 s, V)
        else:
            fired += simulate(indptr[r], indptr[r + 1], indices, times, W, thr32, active, 1.0,
                              False, 1.0, False, s, V, acc, alive)
    return fired


@njit(cache=False, nogil=True, boundscheck=False)
def _gathers(indptr, indices, WT, out):
    """Every spike's weight gathered from the rows of four neurons at a time and added
    (in the spikes' order), for all neurons; the sums go to ``out``."""
    N = WT.shape[0]
    for r in range(indptr.shape[0] - 1):
        for n in range(0, N, 4):
            r0, r1 = WT[n], WT[min(n + 1, N - 1)]
            r2, r3 = WT[min(n + 2, N - 1)], WT[min(n + 3, N - 1)]
            a0 = a1 = a2 = a3 = np.float32(0.0)
            for q in range(np.uint64(indptr[r]), np.uint64(indptr[r + 1])):
                i = np.uint64(indices[q])
                a0 += r0[i]
                a1 += r1[i]
                a2 += r2[i]
                a3 += r3[i]
            out[n] += a0 + a1 + a2 + a3


@njit(cache=False, nogil=True)
def _updates(reps, W, WT, copy_back, x, upd_n, w_norm, norm_target, stdp_only):
    n_upd = upd_n.shape[0]
    hidden = np.zeros(x.shape[0], np.bool_)
    c = np.full(n_upd, 1e-4)
    nc = np.full(n_upd, -1e-4)
    s_n = np.full(n_upd, 0.5)
    N = WT.shape[0]
    leaves, pairs = _f32sum.pairwise_plan(WT.shape[1])
    rs = RowState(WT, np.ones(N, np.float32), np.ones(N, np.bool_), np.zeros(N, np.bool_),
                  np.empty(N, np.int64), leaves, pairs,
                  np.empty(2 * leaves.shape[0], np.float32))
    for _ in range(reps):
        if stdp_only:
            for j in range(n_upd):
                _update_column(WT, upd_n[j], x, hidden, False, 1e-4, -1e-4, 0.5, np.inf,
                               0.0, 1.0, False, 0.0, 1.0)
        else:
            apply_updates(W, rs, x, hidden, False, n_upd, upd_n, c, nc, s_n, np.inf, False,
                          0.0, 0.0, 1.0, w_norm, norm_target, copy_back)


@njit(cache=False, nogil=True)
def _ceiling_update(WT, rows, reps):
    for _ in range(reps):
        for j in range(rows.shape[0]):
            r = WT[rows[j]]
            for i in range(r.shape[0]):
                r[i] += np.float32(1e-7)


def _best(fn, repeat=5):
    fn()  # compile / warm up outside the timing
    return _time(fn, repeat)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=4608)
    ap.add_argument("--samples", type=int, default=3000)
    ap.add_argument("--density", type=float, default=0.15,
                    help="fraction of inputs that spike per sample")
    ap.add_argument("--config", default="s2stdp+ncg", choices=sorted(CONFIGS))
    ap.add_argument("--features", default=None,
                    help="a features file (spikencg.features.save_features, e.g. the "
                         "feat4608 cache of bench_suite.py) to use instead of synthetic "
                         "features; its first --samples rows")
    ap.add_argument("--digits", action="store_true",
                    help="scikit-learn's digits, intensity-coded, instead (all samples)")
    args = ap.parse_args()
    if args.digits and args.features:
        ap.error("--digits and --features are exclusive")

    rng = np.random.default_rng(0)
    n = args.samples
    if args.digits:
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        S = TTFSEncoder(encoding="intensity").fit_transform(X)
        n, n_in = S.shape
        args.density = S.nnz / (n * n_in)
    elif args.features:
        from spikencg.features import load_features

        F, y, _ = load_features(args.features)
        S = TTFSEncoder().fit_transform(F[:n])
        y = y[:n]
        n_in = S.shape[1]
        args.density = S.nnz / (n * n_in)
        del F
    else:
        n_in = args.inputs
        T = np.full((n, n_in), np.inf)
        mask = rng.random((n, n_in)) < args.density
        T[mask] = np.floor(rng.random(mask.sum()) * 256) / 256
        y = rng.integers(0, 10, n)
        S = TTFSEncoder().fit_transform(T)
        del T, mask

    clf = SpikingReadoutClassifier(max_iter=1, random_state=0, **CONFIGS[args.config])
    clf.fit(S[:100], y[:100])
    kernel = _train.train_epoch
    in_kernel = [0.0]

    def timed_kernel(*a):
        t0 = time.perf_counter()
        out = kernel(*a)
        in_kernel[0] += time.perf_counter() - t0
        return out

    _train.train_epoch = timed_kernel  # the estimator calls _train.train_epoch
    t_epoch, t_kernel = np.inf, np.inf
    for _ in range(3):
        in_kernel[0] = 0.0
        t0 = time.perf_counter()
        clf.fit(S, y)
        t_epoch = min(t_epoch, (time.perf_counter() - t0) / n)
        t_kernel = min(t_kernel, in_kernel[0] / n)
    _train.train_epoch = kernel
    N = clf.weights_.shape[0]
    n_upd = (clf.updates_own_class_[-1] + clf.updates_other_class_[-1]).sum() / n
    WT = np.ascontiguousarray(clf.weights_, dtype=np.float32)
    W = np.ascontiguousarray(WT.T)
    thr = np.asarray(clf.training_thresholds_, dtype=np.float64).copy()
    ip = S.indptr.astype(np.int64)
    ix = S.indices.astype(np.int64)
    tt = S.data.astype(np.float64)

    t_fwd_row = _best(lambda: _forward_all(ip, ix, tt, W, WT, thr, 0)) / n
    t_fwd_nm = _best(lambda: _forward_all(ip, ix, tt, W, WT, thr, 1)) / n
    monotone = bool(WT.min() >= 0)  # what train_epoch checks (no leak here, w_min >= 0)
    t_fwd_mono = _best(lambda: _forward_all(ip, ix, tt, W, WT, thr, 2)) / n if monotone else None

    ix_sorted = ix.copy()
    for r in range(n):
        ix_sorted[ip[r]:ip[r + 1]].sort()
    acc = np.zeros(N, np.float32)
    t_gat_time = _best(lambda: _gathers(ip, ix, WT, acc)) / n
    t_gat_index = _best(lambda: _gathers(ip, ix_sorted, WT, acc)) / n
    blocks = (N + 3) // 4 * 4

    k = max(1, int(round(n_upd)))
    upd_n = np.sort(rng.choice(N, k, replace=False)).astype(np.int64)
    x = np.full(n_in, 1.0)
    x[rng.random(n_in) < args.density] = 0.5
    norm_target = WT.astype(np.float64).sum(axis=1)
    reps = max(1, 200_000 // (k * n_in // 64 + 1))
    w_norm = clf._resolve(len(clf.classes_)).weight_norm

    def upd(copy_back, stdp_only):
        return _best(lambda: _updates(reps, W.copy(), WT.copy(), copy_back, x, upd_n,
                                      w_norm, norm_target, stdp_only)) / reps

    t_stdp = upd(False, True)
    t_upd_nm = upd(False, False)
    t_upd_row = upd(True, False)

    nnz = S.nnz / n
    ceiling = _Ceiling(n_in, N)  # bench_suite.py's loop; the best of 5 short runs, as
    t_ceil = 1.0 / max(ceiling.events_per_s(0.2) for _ in range(5))  # for each part
    t_ceil_fwd = t_ceil * nnz * N
    t_ceil_upd = _best(lambda: _ceiling_update(WT, upd_n, reps)) / reps
    t_ceil_upd *= n_upd / k

    us = 1e6
    events = nnz * N
    print(f"case: {n_in} inputs ({nnz:.0f} spikes per sample), {args.config}, {N} neurons, "
          f"{n_upd:.2f} neurons updated per sample")
    print(f"{'per sample':52s} {'us':>8s}")
    print(f"{'training epoch (fit, max_iter=1)':52s} {t_epoch * us:8.1f}")
    print(f"{'  of which the compiled epoch (train_epoch)':52s} {t_kernel * us:8.1f}")
    print(f"{'forward pass, input-major (row per input spike)':52s} {t_fwd_row * us:8.1f}")
    print(f"{'forward pass, neuron-major (neuron by neuron)':52s} {t_fwd_nm * us:8.1f}")
    if monotone:
        print(f"{'  tested per chunk (weights >= 0: used in training)':52s} "
              f"{t_fwd_mono * us:8.1f}")
    print(f"gathers alone (every spike x {blocks} rows, 4 rows at a time):")
    print(f"{'  spikes in time order (the forward pass)':52s} {t_gat_time * us:8.1f}")
    print(f"{'  spikes in input order (rows read in order)':52s} {t_gat_index * us:8.1f}")
    print(f"{'STDP increments + clipping':52s} {t_stdp * us * n_upd / k:8.1f}")
    print(f"{'  + normalisation (float64 row sums, rescaling)':52s} "
          f"{t_upd_nm * us * n_upd / k:8.1f}")
    print(f"{'  + write-back into input-major weights':52s} "
          f"{t_upd_row * us * n_upd / k:8.1f}")
    print(f"{'ceiling: forward adds (contiguous rows)':52s} {t_ceil_fwd * us:8.1f}")
    print(f"{'ceiling: one add per updated weight (contiguous)':52s} {t_ceil_upd * us:8.1f}")
    bound = t_ceil_fwd / (t_ceil_fwd + t_ceil_upd)
    print(f"training events/s: fit {events / t_epoch:.3g} ({t_ceil_fwd / t_epoch:.0%} of the "
          f"forward ceiling, {1 / t_ceil:.3g} events/s), compiled epoch {events / t_kernel:.3g} "
          f"({t_ceil_fwd / t_kernel:.0%})")
    print(f"an epoch doing its forward adds and one add per updated weight, both at the "
          f"ceiling, would reach {bound:.0%}")


if __name__ == "__main__":
    main()
