"""Training throughput of several source trees (or options) measured in rotation.

The machine's speed drifts by tens of percent within minutes, so two kernels are
compared only within a round: each round runs every variant once, in its own process, in
an order that rotates from round to round, and the figures are the medians of the
per-round ratios to the first variant, with their ranges.

    python benchmarks/compare_kernels.py --rounds 7 --bench suite \\
        base=/path/to/old/checkout fast=. original=.:--arithmetic:original

A variant is ``NAME=ROOT`` (a checkout of the project: its ``src`` and its benchmark
script are used, and its own numba cache folder under ``--cache-root``), optionally
followed by ``:``-separated extra arguments for the benchmark. ``--bench suite`` runs
``bench_suite.py --case CASE`` (default ``feat4608:s2stdp+ncg``; its features are made
once in ``--features-dir``), ``--bench core`` runs ``bench_core.py`` (digits and MNIST
pixels).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _variant(text):
    name, _, rest = text.partition("=")
    if not name or not rest:
        raise argparse.ArgumentTypeError(f"variant {text!r}: expected NAME=ROOT[:ARG...]")
    root, *extra = rest.split(":")
    return name, Path(root).resolve(), extra


def _run(root, extra, args, cache):
    env = dict(os.environ, PYTHONPATH=str(root / "src"), NUMBA_CACHE_DIR=str(cache))
    if args.bench == "suite":
        cmd = [sys.executable, str(root / "benchmarks" / "bench_suite.py"), "--case",
               args.case, "--cache-dir", args.features_dir, "--data-dir", args.data_dir]
        out = subprocess.run(cmd + extra, env=env, check=True, capture_output=True,
                             text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        return {args.case: r["train_samples_per_s"]}
    with tempfile.TemporaryDirectory() as tmp:
        js = Path(tmp) / "core.json"
        cmd = [sys.executable, str(root / "benchmarks" / "bench_core.py"), "--data-dir",
               args.data_dir, "--json", str(js)]
        subprocess.run(cmd + extra, env=env, check=True, capture_output=True, text=True)
        return {r["case"]: r["train_samples_per_s"] for r in json.loads(js.read_text())}


def _make_features(root, args):
    """The suite's cached features, made by the variant's own benchmark if missing."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import bench_suite; "
            "bench_suite.make_features(sys.argv[2], sys.argv[3], False)")
    env = dict(os.environ, PYTHONPATH=str(root / "src"))
    subprocess.run([sys.executable, "-c", code, str(root / "benchmarks"), args.data_dir,
                    args.features_dir], env=env, check=True, capture_output=True)


def main():
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("variants", nargs="+", type=_variant)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--bench", choices=("suite", "core"), default="suite")
    ap.add_argument("--case", default="feat4608:s2stdp+ncg")
    ap.add_argument("--data-dir", default=str(here.parents[1] / "shared" / "data"))
    ap.add_argument("--features-dir", default=str(Path(tempfile.gettempdir())
                                                   / "spikencg_bench_features"))
    ap.add_argument("--cache-root", default=str(Path(tempfile.gettempdir())
                                                / "spikencg_bench_numba"))
    args = ap.parse_args()
    names = [v[0] for v in args.variants]
    if len(set(names)) != len(names):
        ap.error("variant names must differ")
    Path(args.features_dir).mkdir(parents=True, exist_ok=True)
    caches = {name: Path(args.cache_root) / name for name in names}
    for name, root, extra in args.variants:  # features, compilation: not timed
        if args.bench == "suite":
            _make_features(root, args)
        _run(root, extra, args, caches[name])
    res = {name: [] for name in names}
    for i in range(args.rounds):
        k = i % len(names)
        for name, root, extra in args.variants[k:] + args.variants[:k]:
            res[name].append(_run(root, extra, args, caches[name]))
        print(f"round {i}: {time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.2f} "
              + "; ".join(f"{n} " + ", ".join(f"{v:,.0f}" for v in res[n][-1].values())
                          for n in names), flush=True)
    base = names[0]
    for case in res[base][0]:
        print(f"{case}: training samples/s, median [range]; per-round ratio to {base}")
        for n in names:
            vals = [r[case] for r in res[n]]
            line = f"  {n:12s} {statistics.median(vals):12,.0f} [{min(vals):,.0f}-{max(vals):,.0f}]"
            if n != base:
                ratios = [b[case] / a[case] for a, b in zip(res[base], res[n], strict=True)]
                line += (f"  {statistics.median(ratios):.3f} "
                         f"[{min(ratios):.3f}-{max(ratios):.3f}]")
            print(line)


if __name__ == "__main__":
    main()
