"""Training and prediction throughput of the spiking readout.

Prints, for digits (64 inputs) and MNIST pixels (784 inputs), with S2-STDP+NCG
(50 neurons): training samples/s, prediction samples/s (threads over samples),
and synaptic events/s (input spikes processed x output neurons, counted as every input
spike of a sample reaching every neuron: an upper bound of the kernel's real work, since
the training pass stops once every neuron has fired and a prediction after the first
output spike).

    python benchmarks/bench_core.py [--data-dir ../shared/data] [--epochs 3]
        [--arithmetic {original,fast}]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from spikencg import SpikingReadoutClassifier, TTFSEncoder
from spikencg.datasets import load_mnist


def _threads():
    """Threads that prediction may use (numba's, for versions before spikencg._parallel:
    the benchmark also runs on older versions, for comparisons)."""
    try:
        from spikencg._parallel import num_threads
    except ImportError:
        import numba

        return numba.get_num_threads()
    return num_threads()


def _time(fn, repeat):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench(name, X_spikes, y, epochs, predict_copies, **params):
    n = X_spikes.shape[0]
    nnz = X_spikes.nnz
    clf = SpikingReadoutClassifier(max_iter=1, random_state=0, **params)
    clf.fit(X_spikes[:200], y[:200])  # compile / load the cache outside the timing
    clf.set_params(max_iter=epochs)
    t_fit = _time(lambda: clf.fit(X_spikes, y), repeat=2)
    N = clf.weights_.shape[0]
    train_sps = epochs * n / t_fit
    train_eps = epochs * nnz * N / t_fit

    from scipy import sparse

    Xp = sparse.vstack([X_spikes] * predict_copies, format="csr") if predict_copies > 1 \
        else X_spikes
    clf.predict(Xp[:100])
    t_pred = _time(lambda: clf.predict(Xp), repeat=3)
    pred_sps = Xp.shape[0] / t_pred
    pred_eps = Xp.nnz * N / t_pred
    row = dict(case=name, n_samples=n, n_inputs=X_spikes.shape[1], n_neurons=N,
               mean_spikes=nnz / n, epochs=epochs, train_samples_per_s=train_sps,
               train_events_per_s=train_eps, predict_samples=Xp.shape[0],
               predict_samples_per_s=pred_sps, predict_events_per_s=pred_eps,
               threads=_threads(), train_accuracy=float(clf.train_accuracy_[-1]))
    print(f"{name:28s} train {train_sps:12,.0f} samples/s {train_eps:14,.0f} events/s | "
          f"predict {pred_sps:12,.0f} samples/s {pred_eps:14,.0f} events/s "
          f"({_threads()} threads)")
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared"
                                              / "data"))
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--json", default=None, help="also write the figures to this JSON file")
    ap.add_argument("--arithmetic", choices=("original", "fast"), default=None,
                    help="the classifier's arithmetic (default: its default, 'fast')")
    args = ap.parse_args()
    extra = {} if args.arithmetic is None else {"arithmetic": args.arithmetic}

    rows = []
    X, y = load_digits(return_X_y=True)
    S = TTFSEncoder(encoding="intensity").fit_transform(X)
    rows.append(bench("digits s2stdp+ncg", S, y, args.epochs * 10, 50, rule="s2stdp",
                      ncg=True, **extra))

    Xm, ym = load_mnist(args.data_dir, name="mnist", subset="train")
    Sm = TTFSEncoder(encoding="intensity", x_max=255.0).fit_transform(Xm)
    rows.append(bench("mnist-pixels s2stdp+ncg", Sm, ym, args.epochs, 1, rule="s2stdp",
                      ncg=True, **extra))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
