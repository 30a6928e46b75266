"""SoftHebbFeatures on Fashion-MNIST: each block's time against the machine's matmul rate.

1. The machine: the BLAS that NumPy uses (threadpoolctl), the load average, and the
   float32 matrix-multiply rate, median of 7 products of 2,048 x 2,048 matrices with
   BLAS's own threads (the "machine rate"), and one thread's rate.
2. Learning: ``--steps`` mini-batches of 10 images of the paper's network, each block's
   learning step timed (batch statistics, im2col, the two products, the soft
   winner-take-all and the update, activation and pooling); its useful work is
   ``4 * positions * fan_in * maps`` flops (forward and Hebbian products).
3. Transform: ``--images`` images, block by block (the extractor's own task partition and
   threads), ``2 * positions * fan_in * maps`` flops per block (only the positions that
   the pooling reads).

Each block's rate is reported as a fraction of the machine rate, and, as the machine may
be shared, its work per CPU-second (all threads) as a fraction of one BLAS thread's
(which load from other processes affects little); the times are extrapolated to the
workload of fitting on 60,000 images and transforming 70,000.
``--full`` then times that workload itself end to end, with the peak resident memory.

    python benchmarks/bench_softhebb.py [--data-dir ../shared/data] [--steps 100]
        [--images 2048] [--full]

Setting ``OPENBLAS_CORETYPE`` before the run (e.g. ``SkylakeX``) changes the kernels
OpenBLAS picks; see benchmarks/README.md.
"""

import argparse
import os
import re
import time
from pathlib import Path

import numba
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from spikencg import SoftHebbFeatures
from spikencg import softhebb as sh
from spikencg.datasets import load_mnist


def peak_mb():
    """Peak resident memory of this process so far, in MB (Linux)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def matmul_rate(n=2048, repeats=7, threads=None):
    """Median float32 GFLOP/s of ``n x n`` products: per second, and per CPU-second."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), np.float32)
    with threadpool_limits(threads, user_api="blas"):
        np.matmul(a, b, out=c)
        wall, cpu = [], []
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            np.matmul(a, b, out=c)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return 2 * n**3 / np.median(wall) / 1e9, 2 * n**3 / np.median(cpu) / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared"
                                              / "data"))
    ap.add_argument("--steps", type=int, default=100, help="learning steps timed")
    ap.add_argument("--images", type=int, default=2048, help="images transformed")
    ap.add_argument("--full", action="store_true",
                    help="also time fit on 60,000 images + transform of 70,000")
    args = ap.parse_args()
    info = [(i["internal_api"], i.get("version"), i.get("architecture"), i["num_threads"])
            for i in threadpool_info() if i["user_api"] == "blas"]
    threads = numba.get_num_threads()
    print(f"BLAS: {info}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}; "
          f"{threads} worker threads; load average {os.getloadavg()}")
    rate, rate_cpu = matmul_rate()
    rate1, rate1_cpu = matmul_rate(threads=1)
    print(f"machine float32 matmul rate: {rate:.0f} GFLOP/s with BLAS's threads "
          f"({rate_cpu:.0f} per CPU-second), {rate1:.0f} GFLOP/s on one thread "
          f"({rate1_cpu:.0f} per CPU-second)")

    X, _ = load_mnist(args.data_dir, name="fashion-mnist", subset="train")
    ext = SoftHebbFeatures(random_state=0)
    ext.fit(X[:20])  # compiles the kernels (or loads them from numba's cache)
    blocks = ext._blocks(ext.image_shape_)
    rng = np.random.default_rng(0)

    # ---------------------------------------------------------------- learning
    weights, st_fit, bufs = [], [], []
    for blk, f in zip(blocks, ext.filters_, strict=True):
        H, W, C = blk["in_shape"]
        K, fan_in = blk["maps"], C * blk["k"] ** 2
        weights.append(np.ascontiguousarray(f.transpose(0, 2, 3, 1).reshape(K, -1)))
        st_fit.append([np.zeros(C), np.ones(C), False])
        rows = 10 * H * W
        bufs.append(dict(cols=np.empty((rows, fan_in), np.float32),
                         u=np.empty((rows, K), np.float32), y=np.empty((rows, K), np.float32),
                         yx=np.empty((K, fan_in), np.float32)))
    images = ext._validate_images(X[:10 * args.steps], reset=False)
    seconds, cpu = np.zeros(len(blocks)), np.zeros(len(blocks))
    with sh._Workers(threads) as workers:
        for s in range(args.steps):
            x = images[10 * s:10 * s + 10]
            for i, blk in enumerate(blocks):
                t0, c0 = time.perf_counter(), time.process_time()
                x = ext._learn_block(x, blk, weights[i], st_fit[i], bufs[i], workers)
                seconds[i] += time.perf_counter() - t0
                cpu[i] += time.process_time() - c0
    print(f"\nlearning, {args.steps} mini-batches of 10 images:")
    fit_total = 0.0
    for i, blk in enumerate(blocks):
        H, W, C = blk["in_shape"]
        flops = 4 * 10 * H * W * C * blk["k"] ** 2 * blk["maps"]
        per_step = seconds[i] / args.steps
        fit_total += per_step * 6000
        per_cpu = flops * args.steps / cpu[i] / 1e9
        print(f"  block {i + 1} ({blk['maps']} maps {blk['k']}x{blk['k']} on {H}x{W}x{C}): "
              f"{1e3 * per_step:6.1f} ms/step, {flops / per_step / 1e9:5.0f} GFLOP/s = "
              f"{flops / per_step / 1e9 / rate:.0%} of the machine rate; {per_cpu:4.0f} "
              f"GFLOP per CPU-second = {per_cpu / rate1_cpu:.0%} of one thread's")
    print(f"  extrapolated to 6,000 steps (60,000 images): {fit_total:.0f} s")

    # ---------------------------------------------------------------- transform
    weights, stats = ext._fitted_arrays(blocks)
    x = ext._validate_images(X[rng.permutation(len(X))[:args.images]], reset=False)
    parts = sh._parts(len(x), sh._IMAGES_PER_TASK)
    print(f"\ntransform, {len(x)} images in tasks of {sh._IMAGES_PER_TASK}:")
    tr_total = 0.0
    with sh._Workers(threads) as workers:
        for i, blk in enumerate(blocks):
            out = [None] * len(parts)

            def task(j, x=x, i=i, blk=blk, out=out):
                r = parts[j]
                out[j] = ext._forward_block(x[r[0]:r[1]], blk, weights[i], stats[i])

            t0, c0 = time.perf_counter(), time.process_time()
            workers.run(task, list(range(len(parts))))
            dt = time.perf_counter() - t0
            dc = time.process_time() - c0
            x = np.concatenate(out)
            oh, ow = blk["need"]
            C = blk["in_shape"][2]
            flops = 2 * len(x) * oh * ow * C * blk["k"] ** 2 * blk["maps"]
            tr_total += dt / len(x) * 70000
            print(f"  block {i + 1}: {1e3 * dt / len(x):6.2f} ms/image, "
                  f"{flops / dt / 1e9:5.0f} GFLOP/s = {flops / dt / 1e9 / rate:.0%} of the "
                  f"machine rate; {flops / dc / 1e9:4.0f} GFLOP per CPU-second = "
                  f"{flops / dc / 1e9 / rate1_cpu:.0%} of one thread's")
    print(f"  extrapolated to 70,000 images: {tr_total:.0f} s")
    print(f"extrapolated fit (60,000) + transform (70,000): {(fit_total + tr_total) / 60:.1f} "
          f"min (the spike times and the BLAS-free work between blocks not counted in "
          f"transform)")

    if args.full:
        X_te, _ = load_mnist(args.data_dir, name="fashion-mnist", subset="test")
        t0 = time.perf_counter()
        ext = SoftHebbFeatures(random_state=0).fit(X)
        t_fit = time.perf_counter() - t0
        F = ext.transform(X)
        F_te = ext.transform(X_te)
        t_tr = time.perf_counter() - t0 - t_fit
        print(f"\nfull: fit on 60,000 images {t_fit:.0f} s, transform of 70,000 {t_tr:.0f} s, "
              f"in all {(t_fit + t_tr) / 60:.1f} min; peak resident memory "
              f"{peak_mb() / 1024:.2f} GB (features {(F.nbytes + F_te.nbytes) / 2**30:.2f} GiB)"
              f"; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
