"""The benchmark suite: throughput, memory, compile times and the machine's ceiling.

Every case runs in its own subprocess (so that its peak memory is its own) and prints
one JSON line; the parent prints a table and saves everything to a JSON file.

Cases (inputs x configuration):
- ``digits``: scikit-learn digits, 64 inputs, intensity code ``t = 1 - x / 16``;
- ``mnist``: MNIST pixels (784 inputs) from ``../shared/data``, ``t = 1 - x / 255``;
- ``feat4608``: the STDP-CSNN features of the paper's size (6x6x128 = 4,608 spike
  times per image) made by this library's extractor,
  ``STDPConvFeatures(random_state=0)`` (the STDP-CSNN's settings: 128 maps 5x5, target
  firing time 0.8), fitted on the first 10,000 Fashion-MNIST training images (500 with
  ``--quick``), applied to the first 20,000 (4,000); computed once per run before the
  cases, or read from ``--cache-dir`` (the file name carries a digest of the
  extractor's parameters). About 40 % of the features spike per image (against 15 % in
  the synthetic cases);
- ``syn4608`` / ``feat13824``: synthetic first-spike features of the sizes of STDP-CSNN
  and SoftHebb-CNN (3x3x1536; the library has no SoftHebb extractor), 20,000 samples,
  15 % of the inputs spike per sample, times uniform in [0, 1) on a 1/256 grid;
- configurations: ``s2stdp+ncg`` (10 classes x 5 neurons), ``s2stdp`` (10 x 1),
  ``rstdp-5n`` (10 x 5), and ``s2stdp+ncg-100`` (100 classes x 5 = 500 neurons).

Measured per case: training samples/s and synaptic events/s (input spikes x output
neurons: every input spike of a sample reaching every neuron, an upper bound of the
kernel's work since a training pass stops once every neuron fired), prediction
samples/s and events/s (threads over samples), peak resident memory of the case's
process, and the ceiling: a compiled loop adding float32 weight rows (contiguous, N
wide) into a potential vector, i.e. the same float adds with no spiking logic. The
training is timed five times (once with ``--quick``), each fit followed by the ceiling
loop run for as long, because the machine's speed drifts by tens of percent within
seconds; ``train_fraction_of_ceiling`` is the median over these pairs of training
events/s over ceiling events/s (``train_samples_per_s``: the fastest fit). Once per
run: numba compile time, cold (empty cache) and cached (import + first fit on digits;
Python's bytecode cache is written and used too, as by default, even where the
environment sets ``PYTHONDONTWRITEBYTECODE``).

    python benchmarks/bench_suite.py [--quick] [--json benchmarks/results/suite.json]
        [--arithmetic {original,fast}]
        [--cache-dir DIR]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[1] / "shared" / "data"

CONFIGS = {
    "s2stdp+ncg": dict(rule="s2stdp", ncg=True),
    "s2stdp": dict(rule="s2stdp", ncg=False),
    "rstdp-5n": dict(rule="rstdp", ncg=False, neurons_per_class=5),
}

CASES = [
    ("digits", "s2stdp+ncg"),
    ("digits", "s2stdp"),
    ("digits", "rstdp-5n"),
    ("mnist", "s2stdp+ncg"),
    ("mnist", "s2stdp"),
    ("mnist", "rstdp-5n"),
    ("feat4608", "s2stdp+ncg"),
    ("feat4608", "s2stdp"),
    ("feat4608", "s2stdp+ncg-100"),
    ("syn4608", "s2stdp+ncg"),
    ("feat13824", "s2stdp+ncg"),
]


def _feature_sizes(quick):
    """(images transformed, images the extractor is fitted on)."""
    return (4000, 500) if quick else (20000, 10000)


def _features_path(cache_dir, quick):
    """Cache file of the features; named by the sizes and the extractor's parameters."""
    import hashlib

    from spikencg.features import STDPConvFeatures
    from spikencg.table1 import _extractor_params

    n, n_fit = _feature_sizes(quick)
    # (the parameters as table1's feature cache writes them; the tag changes when the
    # extractor gains a parameter, e.g. the colour images' whitening, even where the
    # features stay the same: a new file is then made once)
    params = json.dumps(_extractor_params(STDPConvFeatures(random_state=0)), sort_keys=True)
    tag = hashlib.sha1(params.encode()).hexdigest()[:10]
    return Path(cache_dir) / f"bench_fmnist_stdpcsnn_fit{n_fit}_n{n}_{tag}.npz"


def make_features(data_dir, cache_dir, quick):
    """Fit the STDP-CSNN extractor and save the ``feat4608`` features (once)."""
    from spikencg.datasets import load_mnist
    from spikencg.features import STDPConvFeatures, save_features

    path = _features_path(cache_dir, quick)
    if path.is_file():
        print(f"feat4608: features read from {path}")
        return
    n, n_fit = _feature_sizes(quick)
    X, y = load_mnist(data_dir, name="fashion-mnist", subset="train")
    t0 = time.perf_counter()
    ext = STDPConvFeatures(max_train_samples=n_fit, random_state=0).fit(X[:n_fit])
    F = ext.transform(X[:n])
    path.parent.mkdir(parents=True, exist_ok=True)
    save_features(path, F, y[:n])
    print(f"feat4608: STDPConvFeatures fitted on {n_fit} Fashion-MNIST images, {n} "
          f"transformed in {time.perf_counter() - t0:.0f} s; {(F < 1).mean():.0%} of the "
          f"features spike; saved to {path}")


def _load(name, data_dir, quick, cache_dir=None):
    import numpy as np

    from spikencg import TTFSEncoder

    if name == "feat4608":
        from spikencg.features import load_features

        F, y, _ = load_features(_features_path(cache_dir, quick))
        return TTFSEncoder().fit_transform(F), y
    if name == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return TTFSEncoder(encoding="intensity", x_max=16.0).fit_transform(X), y
    if name == "mnist":
        from spikencg.datasets import load_mnist

        X, y = load_mnist(data_dir, name="mnist", subset="train")
        if quick:
            X, y = X[:6000], y[:6000]
        return TTFSEncoder(encoding="intensity", x_max=255.0).fit_transform(X), y
    n_in = int(name.removeprefix("syn").removeprefix("feat"))  # syn4608 / feat13824
    n = 4000 if quick else 20000
    rng = np.random.default_rng(0)
    T = np.full((n, n_in), np.inf)
    mask = rng.random((n, n_in)) < 0.15
    T[mask] = np.floor(rng.random(mask.sum()) * 256) / 256
    y = rng.integers(0, 10, n)
    return TTFSEncoder().fit_transform(T), y


class _Ceiling:
    """The machine's ceiling for a case's work: a compiled loop adding float32 rows of
    width N (random rows of an ``n_rows x N`` matrix) into a potential vector."""

    def __init__(self, n_rows, N):
        import numpy as np
        from numba import njit

        @njit(cache=False, nogil=True)
        def add_rows(W, idx, acc):
            for k in range(idx.shape[0]):
                row = W[idx[k]]
                for n in range(acc.shape[0]):
                    acc[n] += row[n]
            return acc[0]

        rng = np.random.default_rng(0)
        self.add_rows = add_rows
        self.W = rng.random((n_rows, N)).astype(np.float32)
        self.idx = rng.integers(0, n_rows, 2_000_000 // max(N // 16, 1)).astype(np.int64)
        self.acc = np.zeros(N, np.float32)
        add_rows(self.W, self.idx[:10], self.acc)  # compile

    def events_per_s(self, seconds):
        """Events/s of the loop run back to back for about ``seconds`` (at least once)."""
        n = 0
        t0 = time.perf_counter()
        while True:
            self.add_rows(self.W, self.idx, self.acc)
            n += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= seconds:
                return n * self.idx.shape[0] * self.W.shape[1] / elapsed


def _threads():
    """Threads that prediction may use (numba's, for versions before spikencg._parallel)."""
    try:
        from spikencg._parallel import num_threads
    except ImportError:
        import numba

        return numba.get_num_threads()
    return num_threads()


def run_case(inputs, config, data_dir, quick, cache_dir, arithmetic=None):
    import resource

    import numpy as np

    from spikencg import SpikingReadoutClassifier

    S, y = _load(inputs, data_dir, quick, cache_dir)
    params = dict(CONFIGS.get(config, CONFIGS["s2stdp+ncg"]))
    if arithmetic is not None:
        params["arithmetic"] = arithmetic
    if config.endswith("-100"):
        y = np.arange(S.shape[0]) % 100
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    epochs = 1 if S.shape[0] > 10000 else (3 if quick else 20)
    clf = SpikingReadoutClassifier(max_iter=1, random_state=0, **params)
    clf.fit(S[:200], y[:200])  # compile/load outside the timing
    clf.set_params(max_iter=epochs)
    N = clf.weights_.shape[0]
    # each timed fit is followed by the ceiling loop run for as long: the machine's
    # speed drifts by tens of percent within seconds, so the fraction is taken per pair
    # (the median of the rounds), not from two measurements made at different times
    ceiling = _Ceiling(S.shape[1], N)
    fit_s, ceilings = [], []
    for _ in range(1 if quick else 5):
        t0 = time.perf_counter()
        clf.fit(S, y)
        fit_s.append(time.perf_counter() - t0)
        ceilings.append(ceiling.events_per_s(fit_s[-1]))
    fractions = [epochs * S.nnz * N / d / c for d, c in zip(fit_s, ceilings, strict=True)]
    best = min(fit_s)
    train_sps = epochs * S.shape[0] / best
    train_eps = epochs * S.nnz * N / best
    reps = max(1, (200_000 if inputs == "digits" else 20_000) // S.shape[0])
    from scipy import sparse

    Sp = sparse.vstack([S] * reps, format="csr") if reps > 1 else S
    clf.predict(Sp[:100])
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        clf.predict(Sp)
        best = min(best, time.perf_counter() - t0)
    pred_sps = Sp.shape[0] / best
    pred_eps = Sp.nnz * N / best
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return dict(
        inputs=inputs, config=config, n_samples=S.shape[0], n_inputs=S.shape[1],
        n_neurons=N, mean_spikes=S.nnz / S.shape[0], epochs=epochs,
        train_samples_per_s=train_sps, train_events_per_s=train_eps,
        predict_samples=Sp.shape[0], predict_samples_per_s=pred_sps,
        predict_events_per_s=pred_eps, threads=_threads(),
        peak_rss_mb=peak / 1024, rss_above_data_mb=(peak - base_rss) / 1024,
        train_seconds_runs=fit_s,
        ceiling_events_per_s=float(np.median(ceilings)),
        ceiling_events_per_s_runs=ceilings,
        train_fraction_of_ceiling=float(np.median(fractions)),
        train_fraction_of_ceiling_runs=fractions,
    )


def compile_times():
    """Seconds for import + first digits fit with an empty and with a warm numba cache.

    Cold: one run with an empty cache; cached: the median of 5 runs after it.
    """
    import numpy as np

    code = (
        "import time; t0 = time.perf_counter();"
        "from sklearn.datasets import load_digits;"
        "from spikencg import SpikingReadoutClassifier;"
        "X, y = load_digits(return_X_y=True);"
        "SpikingReadoutClassifier(max_iter=1, random_state=0).fit(1 - X / 16, y)"
        ".predict(1 - X / 16);"
        "print(time.perf_counter() - t0)"
    )
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        # Python's own compile cache as well: the first run writes the modules'
        # bytecode, as any default Python does (an environment that sets
        # PYTHONDONTWRITEBYTECODE would otherwise recompile spikencg's sources each time)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for label, runs in (("cold", 1), ("cached", 5)):
            times = []
            for _ in range(runs):
                res = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                     capture_output=True, text=True)
                times.append(float(res.stdout.strip().splitlines()[-1]))
            out[f"import_and_first_fit_{label}_s"] = float(np.median(times))
            out[f"import_and_first_fit_{label}_runs_s"] = times
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA))
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    ap.add_argument("--json", default=str(HERE / "results" / "suite.json"))
    ap.add_argument("--cache-dir", default=None,
                    help="where the feat4608 features are kept between runs (default: a "
                         "temporary folder, removed at the end)")
    ap.add_argument("--arithmetic", choices=("original", "fast"), default=None,
                    help="the classifier's arithmetic (default: its default, 'fast')")
    ap.add_argument("--case", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        inputs, config = args.case.split(":")
        print(json.dumps(run_case(inputs, config, args.data_dir, args.quick,
                                  args.cache_dir, args.arithmetic)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        if args.cache_dir is None:
            args.cache_dir = tmp
        run_all(args)


def run_all(args):
    """Run every case in its own process, print the table, save the JSON."""
    make_features(args.data_dir, args.cache_dir, args.quick)
    rows = []
    header = (f"{'inputs':10s} {'config':16s} {'N':>4s} {'train/s':>10s} {'train ev/s':>11s} "
              f"{'ceiling':>10s} {'frac':>5s} {'predict/s':>11s} {'pred ev/s':>11s} "
              f"{'peak MB':>8s}")
    print(header)
    for inputs, config in CASES:
        cmd = [sys.executable, __file__, "--case", f"{inputs}:{config}", "--data-dir",
               args.data_dir, "--cache-dir", args.cache_dir] + (["--quick"] if args.quick
                                                                 else [])
        if args.arithmetic is not None:
            cmd += ["--arithmetic", args.arithmetic]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            print(f"{inputs:10s} {config:16s} FAILED: {res.stderr.strip().splitlines()[-1]}")
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(f"{inputs:10s} {config:16s} {r['n_neurons']:4d} {r['train_samples_per_s']:10,.0f} "
              f"{r['train_events_per_s']:11.3g} {r['ceiling_events_per_s']:10.3g} "
              f"{r['train_fraction_of_ceiling']:5.0%} {r['predict_samples_per_s']:11,.0f} "
              f"{r['predict_events_per_s']:11.3g} {r['peak_rss_mb']:8.0f}", flush=True)
    ct = compile_times()
    print(f"import + first fit: cold cache {ct['import_and_first_fit_cold_s']:.2f} s, "
          f"cached {ct['import_and_first_fit_cached_s']:.2f} s")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"cases": rows, "compile": ct,
                               "load_average": os.getloadavg()}, indent=1))
    print(f"saved {out}")


if __name__ == "__main__":
    main()
