"""Memory of prediction on a million samples: peak resident memory beyond the data.

Predicts 1,000,000 MNIST-pixel spike lists (the training set repeated) and 200,000 dense
float64 timestamp rows, then encodes 1,000,000 raw MNIST images with ``TTFSEncoder``,
resetting the process's peak-RSS counter (Linux ``/proc/self/clear_refs``) just before
each call.

    python benchmarks/bench_memory.py [--data-dir ../shared/data]
"""

import argparse
import re
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import sparse

from spikencg import SpikingReadoutClassifier, TTFSEncoder
from spikencg.datasets import load_mnist


def peak_mb():
    """Peak resident memory of this process since the last reset, in MB."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def reset_peak():
    """Reset the peak-RSS counter (Linux)."""
    Path("/proc/self/clear_refs").write_text("5")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared"
                                              / "data"))
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    X, y = load_mnist(args.data_dir, subset="train")
    S = TTFSEncoder(encoding="intensity", per_feature=False).fit_transform(X)
    clf = SpikingReadoutClassifier(max_iter=1, random_state=0).fit(S[:5000], y[:5000])
    reps = -(-1_000_000 // S.shape[0])
    big = sparse.vstack([S] * reps, format="csr")[:1_000_000]
    data_mb = (big.data.nbytes + big.indices.nbytes + big.indptr.nbytes) / 2**20
    clf.predict(big[:1000])
    reset_peak()
    before = peak_mb()
    t0 = time.perf_counter()
    clf.predict(big)
    dt = time.perf_counter() - t0
    print(f"1,000,000 x 784 spike list ({data_mb:.0f} MB): peak RSS +{peak_mb() - before:.0f} "
          f"MB during predict, {1e6 / dt:,.0f} samples/s")
    del big
    Xt = load_mnist(args.data_dir, subset="test")[0].reshape(10000, -1)
    T = np.repeat(1.0 - Xt / 255.0, 20, axis=0)
    reset_peak()
    before = peak_mb()
    t0 = time.perf_counter()
    clf.predict(T)
    dt = time.perf_counter() - t0
    print(f"200,000 x 784 dense float64 timestamps ({T.nbytes / 2**20:.0f} MB): peak RSS "
          f"+{peak_mb() - before:.0f} MB during predict, {T.shape[0] / dt:,.0f} samples/s")
    del T
    # the encoder on a million raw images: its output (the spike list) is unavoidable;
    # the rest is scratch memory, bounded by the block-by-block conversion
    images = np.tile(X, (reps, 1, 1))[:1_000_000]
    enc = TTFSEncoder(encoding="intensity").fit(images[:1000])
    enc.transform(images[:1000])
    reset_peak()
    before = peak_mb()
    t0 = time.perf_counter()
    out = enc.transform(images)
    dt = time.perf_counter() - t0
    out_mb = (out.data.nbytes + out.indices.nbytes + out.indptr.nbytes) / 2**20
    print(f"1,000,000 x 28 x 28 uint8 images ({images.nbytes / 2**20:.0f} MB): peak RSS "
          f"+{peak_mb() - before:.0f} MB during TTFSEncoder.transform, of which "
          f"{out_mb:.0f} MB the output spike list; {1e6 / dt:,.0f} samples/s")


if __name__ == "__main__":
    main()
