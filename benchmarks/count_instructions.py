"""Instructions (and mispredicted branches) per sample of one training epoch, counted by
valgrind's callgrind: figures repeatable to about 0.5 % (30 epochs) for comparing kernel
variants on a machine whose speed drifts by tens of percent (see benchmarks/README.md,
"Measuring reliably").

Records the arguments of the third epoch of a fit on scikit-learn's digits
(intensity-coded, 1,797 samples; ``--config`` as in ``profile_training.py``), then runs
the compiled epoch in a small process that loads only the kernels (not scikit-learn),
once natively to fill a numba cache, then under callgrind with 1 and with
``1 + --epochs`` epochs: the difference, per epoch and sample, is the epoch's own count
(the process's start-up cancels out). numba is told the host CPU's name and features
(``NUMBA_CPU_NAME``, ``NUMBA_CPU_FEATURES``), so that the run under valgrind, whose
emulated CPU reports other features, loads the natively compiled code instead of
compiling other code.

Needs valgrind (Debian: ``apt-get install valgrind``); a run takes 3-4 minutes.

    python benchmarks/count_instructions.py [--config s2stdp+ncg] [--epochs 30]
        [--data digits|mnist|FEATURES.npz] [--samples N] [--branch-sim]
"""

import argparse
import copy
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from profile_training import CONFIGS  # benchmarks/ is on sys.path when run as a script

KERNELS = Path(__file__).resolve().parents[1] / "src" / "spikencg" / "_kernels"

# the measured process: imports the kernels as a package of its own (so that neither
# spikencg's __init__ nor scikit-learn is loaded), and runs the recorded epoch
CHILD = r"""
import copy, importlib, importlib.util, pickle, sys
root, args_file, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
spec = importlib.util.spec_from_file_location(
    "_kernels_alone", root + "/__init__.py", submodule_search_locations=[root])
package = importlib.util.module_from_spec(spec)
sys.modules["_kernels_alone"] = package
spec.loader.exec_module(package)
train = importlib.import_module("_kernels_alone._train")
with open(args_file, "rb") as f:
    args = pickle.load(f)


def fresh():
    # a copy of the recorded arguments; the kernel's named tuples were pickled as
    # (name, fields), and are rebuilt (with this package's classes) from copied fields
    return [getattr(train, a[1])(*copy.deepcopy(a[2]))
            if isinstance(a, tuple) and len(a) == 3 and isinstance(a[0], str)
            else copy.deepcopy(a) for a in args]


for _ in range(reps):
    train.train_epoch(*fresh())
"""


def _spikes(data, samples):
    """Spike lists and labels of the counted data set (see ``--data``)."""
    from spikencg import TTFSEncoder

    if data == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        S = TTFSEncoder(encoding="intensity").fit_transform(X)
    elif data == "mnist":
        from spikencg.datasets import load_mnist

        X, y = load_mnist(Path(__file__).resolve().parents[2] / "shared" / "data")
        S = TTFSEncoder(encoding="intensity", x_max=255.0).fit_transform(X[:samples or 2000])
        y = y[:samples or 2000]
    else:
        from spikencg import load_features

        F, y, _ = load_features(data)
        S = TTFSEncoder().fit_transform(F[:samples or 2000])
        y = y[:samples or 2000]
    if samples:
        S, y = S[:samples], y[:samples]
    return S, y


def _record_epoch(config, path, data="digits", samples=None):
    """Pickle the arguments of the third training epoch of a fit to ``path``."""
    from spikencg import SpikingReadoutClassifier
    from spikencg._kernels import _train

    S, y = _spikes(data, samples)
    calls = []
    kernel = _train.train_epoch

    def record(*a):
        if len(calls) == 2:  # copies: the epoch updates its arrays in place
            calls.append([("namedtuple", type(v).__name__, copy.deepcopy(tuple(v)))
                          if hasattr(v, "_fields") else copy.deepcopy(v) for v in a])
        else:
            calls.append(None)
        return kernel(*a)

    _train.train_epoch = record  # the estimator calls _train.train_epoch
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            SpikingReadoutClassifier(max_iter=3, random_state=0, **CONFIGS[config]).fit(S, y)
    finally:
        _train.train_epoch = kernel
    with open(path, "wb") as f:
        pickle.dump(calls[2], f)
    return S.shape[0]


def _collected(out):
    """The event totals of callgrind's 'Collected :' line."""
    m = re.search(r"Collected : ([\d ]+)", out)
    if m is None:
        sys.exit(f"callgrind printed no totals:\n{out[-2000:]}")
    return [int(v) for v in m.group(1).split()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="s2stdp+ncg", choices=sorted(CONFIGS))
    ap.add_argument("--data", default="digits",
                    help="digits (all 1,797 samples), mnist (pixels, intensity-coded) or "
                         "a features file of save_features (e.g. bench_suite.py's feat4608)")
    ap.add_argument("--samples", type=int, default=None,
                    help="samples of the data set (default: digits all, others 2,000)")
    ap.add_argument("--epochs", type=int, default=30,
                    help="epochs counted (beyond the one that the difference removes)")
    ap.add_argument("--branch-sim", action="store_true",
                    help="also count mispredicted conditional branches (callgrind's "
                         "simple predictor: an upper bound of a modern CPU's)")
    args = ap.parse_args()
    if args.epochs < 10:
        # the processes' start-ups differ by a few million instructions: fewer epochs
        # leave the per-sample figure in that noise (10 epochs: 7 % spread)
        ap.error(f"--epochs must be at least 10 (30 repeat to 0.5 %), got {args.epochs}")
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("count_instructions.py needs valgrind (Debian: apt-get install valgrind)")
    import llvmlite.binding as ll

    with tempfile.TemporaryDirectory() as tmp:
        args_file = os.path.join(tmp, "epoch.pkl")
        n = _record_epoch(args.config, args_file, args.data, args.samples)
        # a fixed hash seed: with a random one, the two processes' start-ups (dict and
        # set layouts of the imports) differ by tens of millions of instructions
        # (and one BLAS thread: the idle worker threads of an OpenBLAS that an import
        # loads spin, under valgrind, for as long as the run lasts: instructions that
        # grow with the epochs counted but vary from run to run)
        env = dict(os.environ, NUMBA_CACHE_DIR=os.path.join(tmp, "numba"), PYTHONHASHSEED="0",
                   OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   NUMBA_CPU_NAME=ll.get_host_cpu_name(),
                   NUMBA_CPU_FEATURES=ll.get_host_cpu_features().flatten())
        if "+avx512f" in env["NUMBA_CPU_FEATURES"]:
            # valgrind (3.19) does not decode AVX-512: count the code numba makes for the
            # host without it (AVX2), natively and under valgrind alike (features given
            # explicitly: detected under valgrind they would differ, and the cache miss)
            env["NUMBA_CPU_FEATURES"] = ",".join(
                "-" + f[1:] if f[1:].startswith(("avx512", "evex512", "avx10")) else f
                for f in env["NUMBA_CPU_FEATURES"].split(","))
            print("(the host has AVX-512, which valgrind cannot run: counting code "
                  "compiled without it)")
        child = [sys.executable, "-c", CHILD, str(KERNELS), args_file]
        subprocess.run(child + ["1"], env=env, check=True)  # compiles, fills the cache
        tool = [valgrind, "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.%p"]
        if args.branch_sim:
            tool.append("--branch-sim=yes")
        totals = []
        for reps in (1, 1 + args.epochs):
            res = subprocess.run(tool + child + [str(reps)], env=env, capture_output=True,
                                 text=True)
            if res.returncode:
                sys.exit(f"the run under valgrind failed:\n{res.stderr[-2000:]}")
            totals.append(_collected(res.stderr))
    per = [(b - a) / args.epochs / n for a, b in zip(*totals, strict=True)]
    print(f"{args.data}, {args.config}: {n} samples, {args.epochs} epochs counted")
    print(f"instructions per sample: {per[0]:,.0f}")
    if args.branch_sim:
        # events: Ir Bc Bcm Bi Bim
        print(f"conditional branches per sample: {per[1]:,.0f}, mispredicted: {per[2]:,.1f}")
        print(f"indirect branches per sample: {per[3]:,.1f}, mispredicted: {per[4]:,.1f}")


if __name__ == "__main__":
    main()
