"""Prediction time with the default threads against one thread, quiet and busy machine.

For each input size (64: scikit-learn digits; 784: MNIST pixels; 4,608: STDP-CSNN
features of 4,000 Fashion-MNIST images, as in bench_suite.py's ``--quick`` case) a
``SpikingReadoutClassifier`` with S2-STDP+NCG (10 classes x 5 neurons) is trained one
epoch on (up to) 10,000 samples, then ``predict`` is timed on spike lists of 1, 100,
2,000, 10,000 and 100,000 samples (the data set's rows repeated) with the default threads
and with one thread (``numba.set_num_threads(1)``, which spikencg honours), alternately,
in pairs; the table gives the medians of the pairs. Small batches are timed over several
calls (about ``--min-time`` seconds with one thread), the two settings alternating call
by call; each line also gives the ratio of the calls' median times, which preemptions by
other processes disturb less. The "busy" condition runs the same pairs while another
process keeps one core busy (a Python loop). Each line gives the CPU time that other
processes took meanwhile, in cores (about 0 on a quiet machine; the spinner is not
counted), and how much of it ran with a positive nice value; on a shared machine,
``--wait`` and ``--retries`` wait for quiet moments and repeat the blocks that were
disturbed.

``--min-ns 0`` shares every batch between the threads, however small (to measure where
sharing starts to pay: spikencg._parallel.PARALLEL_MIN_NS). ``--what`` times
``decision_function`` or ``predict_proba`` instead, or the encoder's ``transform`` of
the dense data (``encode``), or ``STDPConvFeatures.transform`` of Fashion-MNIST images
(``features``, an extractor of 128 maps fitted on 500 images).

    python benchmarks/bench_predict.py [--data-dir ../shared/data] [--pairs 15]
        [--inputs 64,784,4608] [--sizes 1,100,2000,10000,100000] [--conditions quiet,busy]
        [--what predict] [--wait 600 --retries 3] [--cache-dir DIR] [--json out.json]
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np
from scipy import sparse

from spikencg import SpikingReadoutClassifier, STDPConvFeatures, TTFSEncoder

_HZ = os.sysconf("SC_CLK_TCK")


def _jiffies():
    """CPU time (clock ticks) of the whole machine, all cores: (not idle, of processes
    with a positive nice value)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7], v[1]  # user nice system irq softirq steal


def _proc_jiffies(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            v = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(v[11]) + int(v[12])  # utime stime (all threads)


class OtherLoad:
    """CPU time taken by other processes than this one (and the spinner) meanwhile."""

    def __init__(self, exclude=()):
        self.exclude = [os.getpid(), *exclude]
        self.t0 = time.monotonic()
        self.busy0, self.nice0 = _jiffies()
        self.own0 = sum(_proc_jiffies(p) for p in self.exclude)

    def cores(self):
        """(all other processes, those of them with a positive nice value), in cores."""
        dt = (time.monotonic() - self.t0) * _HZ
        busy, nice = _jiffies()
        own = sum(_proc_jiffies(p) for p in self.exclude) - self.own0
        return max(0.0, (busy - self.busy0 - own) / dt), (nice - self.nice0) / dt


def _digits():
    """Digits: (dense intensities, labels)."""
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


def _mnist(data_dir):
    """MNIST training images: (dense intensities (60,000, 784) uint8, labels)."""
    from spikencg.datasets import load_mnist

    X, y = load_mnist(data_dir, subset="train")
    return X.reshape(len(X), -1), y


def _fashion(data_dir):
    from spikencg.datasets import load_mnist

    return load_mnist(data_dir, name="fashion-mnist", subset="train")


def _features(data_dir, cache_dir):
    """STDP-CSNN features of 4,000 Fashion-MNIST images: (dense times, labels)."""
    from spikencg.features import STDPConvFeatures, load_features, save_features

    path = Path(cache_dir) / "bench_predict_feat4608.npz" if cache_dir else None
    if path is not None and path.is_file():
        F, y, _ = load_features(path)
        return F, y
    X, y = _fashion(data_dir)
    t0 = time.perf_counter()
    ext = STDPConvFeatures(max_train_samples=500, random_state=0).fit(X[:500])
    F, y = ext.transform(X[:4000]), y[:4000]
    print(f"# feat4608: features of 4,000 images made in {time.perf_counter() - t0:.0f} s",
          flush=True)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_features(path, F, y)
    return F, y


def _case(what, n_in, args):
    """``(function of a batch, function making a batch of n samples)``."""
    if what == "features":
        X, _ = _fashion(args.data_dir)
        ext = STDPConvFeatures(max_train_samples=500, random_state=0).fit(X[:500])
        return ext.transform, lambda n: _repeat_rows(X, n)
    if n_in == 64:
        X, y = _digits()
    elif n_in == 784:
        X, y = _mnist(args.data_dir)
    elif n_in == 4608:
        X, y = _features(args.data_dir, args.cache_dir)
    else:
        raise SystemExit(f"--inputs: 64, 784 or 4608, got {n_in}")
    enc = TTFSEncoder(encoding="time" if n_in == 4608 else "intensity").fit(X)
    if what == "encode":
        return enc.transform, lambda n: _repeat_rows(X, n)
    S = enc.transform(X)
    clf = SpikingReadoutClassifier(rule="s2stdp", ncg=True, max_iter=1, random_state=0)
    clf.fit(S[:10000], y[:10000])
    return getattr(clf, what), lambda n: _repeat_rows(S, n)


def _repeat_rows(S, n):
    """The first ``n`` rows of ``S`` (a spike list or an array), repeated as needed."""
    reps = math.ceil(n / S.shape[0])
    if sparse.issparse(S):
        out = sparse.vstack([S] * reps, format="csr") if reps > 1 else S
        return out[:n]
    return np.concatenate([S] * reps)[:n] if reps > 1 else S[:n].copy()


def _per_call(fn, k):
    t0 = time.perf_counter()
    for _ in range(k):
        fn()
    return (time.perf_counter() - t0) / k


def _spinner():
    p = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    time.sleep(0.5)
    return p


def _wait_quiet(max_cores, max_wait):
    """Wait (at most ``max_wait`` seconds) until other processes use less than
    ``max_cores`` cores over 3 s; return the last reading."""
    deadline = time.monotonic() + max_wait
    while True:
        load = OtherLoad()
        time.sleep(3)
        other, niced = load.cores()
        if other < max_cores or time.monotonic() > deadline:
            return other
        print(f"#   waiting: other processes use {other:.2f} cores ({niced:.2f} niced)",
              flush=True)


def _block(method, X, calls, pairs, default_threads):
    """``pairs`` pairs of timings (each the mean of ``calls`` calls) with the default threads
    and with one thread; the calls of a pair alternate between the two settings one by
    one, so that both see the same load. Also returns every call's time."""
    d, o = [], []
    each = ([], [])
    for i in range(pairs):
        for j in range(calls):
            for one in ((0, 1) if (i + j) % 2 == 0 else (1, 0)):
                numba.set_num_threads(1 if one else default_threads)
                t0 = time.perf_counter()
                method(X)
                each[one].append(time.perf_counter() - t0)
        d.append(np.mean(each[0][-calls:]))
        o.append(np.mean(each[1][-calls:]))
    numba.set_num_threads(default_threads)
    return np.array(d), np.array(o), np.median(each[0]), np.median(each[1])


def run(args):
    sizes = [int(s) for s in args.sizes.split(",")]
    default_threads = numba.get_num_threads()
    rows = []
    inputs = [784] if args.what == "features" else [int(s) for s in args.inputs.split(",")]
    for n_in in inputs:
        method, make = _case(args.what, n_in, args)
        for n in sizes:
            X = make(n)
            method(X)
            # calls per timing: about args.min_time seconds with one thread
            numba.set_num_threads(1)
            t = _per_call(lambda X=X, m=method: m(X), 1)
            numba.set_num_threads(default_threads)
            calls = max(1, math.ceil(args.min_time / max(t, 1e-6)))
            for cond in args.conditions.split(","):
                for attempt in range(args.retries + 1):
                    if args.wait:
                        _wait_quiet(args.quiet_max, args.wait)
                    spin = _spinner() if cond == "busy" else None
                    load = OtherLoad(exclude=[spin.pid] if spin else [])
                    try:
                        d, o, d_call, o_call = _block(method, X, calls, args.pairs,
                                                      default_threads)
                    finally:
                        other, niced = load.cores()
                        if spin is not None:
                            spin.kill()
                            spin.wait()
                    if other < args.quiet_max or attempt == args.retries:
                        break
                    print(f"#   {n_in} {cond} {n}: other processes used {other:.2f} "
                          "cores: again", flush=True)
                row = dict(inputs=n_in, condition=cond, batch=n, calls=calls,
                           threads=default_threads, other_cores=other, other_niced=niced,
                           default_ms=1e3 * np.median(d), one_ms=1e3 * np.median(o),
                           ratio=float(np.median(o / d)),
                           default_ms_call=1e3 * d_call, one_ms_call=1e3 * o_call,
                           default_ms_q=[1e3 * np.quantile(d, q) for q in (0.25, 0.75)],
                           one_ms_q=[1e3 * np.quantile(o, q) for q in (0.25, 0.75)],
                           loadavg=os.getloadavg())
                rows.append(row)
                print(f"{n_in:5d} {cond:5s} {n:7d}  default {row['default_ms']:10.3f} ms  "
                      f"one thread {row['one_ms']:10.3f} ms  speed-up {row['ratio']:5.2f}x"
                      f"  (calls' medians {o_call / d_call:5.2f}x; others: {other:.2f} cores, "
                      f"{niced:.2f} niced)", flush=True)
            del X
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--cache-dir", default=None,
                    help="where the 4,608-input features are kept between runs")
    ap.add_argument("--pairs", type=int, default=15)
    ap.add_argument("--inputs", default="64,784,4608")
    ap.add_argument("--sizes", default="1,100,2000,10000,100000")
    ap.add_argument("--conditions", default="quiet,busy")
    ap.add_argument("--what", default="predict",
                    choices=["predict", "decision_function", "predict_proba", "encode",
                             "features"],
                    help="the readout's methods on spike lists; encode: TTFSEncoder."
                    "transform of the dense data; features: STDPConvFeatures.transform of "
                    "Fashion-MNIST images (784 pixels)")
    ap.add_argument("--min-time", type=float, default=0.03,
                    help="seconds per timing with one thread (small batches: several calls)")
    ap.add_argument("--wait", type=float, default=0,
                    help="before each timing block, wait up to this many seconds until "
                    "other processes use less than --quiet-max cores")
    ap.add_argument("--quiet-max", type=float, default=0.15)
    ap.add_argument("--retries", type=int, default=0,
                    help="repeat a block (up to this many times) when other processes "
                    "used --quiet-max cores or more during it")
    ap.add_argument("--min-ns", type=float, default=None,
                    help="set spikencg._parallel.PARALLEL_MIN_NS (0: every batch shared "
                    "between the threads, to measure where sharing starts to pay)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.min_ns is not None:
        from spikencg import _parallel

        _parallel.PARALLEL_MIN_NS = args.min_ns
    print(f"# {args.what}, default {numba.get_num_threads()} threads against 1; "
          f"medians of {args.pairs} pairs", flush=True)
    rows = run(args)
    print()
    print("| inputs | batch | quiet: default / 1 thread (ms) | speed-up | busy: default / "
          "1 thread (ms) | speed-up |")
    print("|---|---|---|---|---|---|")
    keys = sorted({(r["inputs"], r["batch"]) for r in rows})
    for n_in, n in keys:
        cells = []
        for cond in ("quiet", "busy"):
            r = [r for r in rows if (r["inputs"], r["batch"], r["condition"]) == (n_in, n, cond)]
            if r:
                r = r[0]
                cells += [f"{r['default_ms']:.3g} / {r['one_ms']:.3g}", f"{r['ratio']:.2f}x"]
            else:
                cells += ["", ""]
        print(f"| {n_in:,} | {n:,} | " + " | ".join(cells) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
