"""Competition regulation on and off: the paper's Figure 2 on digits.

Trains S2-STDP with NCGs (5 neurons per class, 1 non-target) twice, without competition
regulation and with two-compartment regulation (CR-2), and saves:
``competition.png`` (updates per epoch received by each neuron of class 0's NCG: without
regulation one neuron takes nearly all of them, with it they spread over the four target
neurons), ``thresholds.png`` (the adaptive thresholds that do it), ``weights.png``
(what each neuron learned; non-target neurons framed), ``raster.png`` (input and output
spikes of one test sample) and ``history.png`` (training and validation accuracy).

Measured (full settings, seed 0, 1,500 training / 297 test samples, 20 epochs): test
accuracy with regulation 0.859, without 0.838.

    python examples/plot_what_was_learned.py [OUTPUT_DIR] [--quick]

``--quick`` (or ``SPIKENCG_EXAMPLE_QUICK=1``) trains 3 epochs on 600 samples.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import _example_args  # noqa: E402  (examples/ is on sys.path)
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from spikencg import SpikingReadoutClassifier, TTFSEncoder  # noqa: E402
from spikencg.plot import (  # noqa: E402
    plot_competition,
    plot_history,
    plot_raster,
    plot_thresholds,
    plot_weights,
)


def main(argv=None):
    """Run the example: train, print the accuracies, save the pictures.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments (``[OUTPUT_DIR] [--quick]``); None: ``sys.argv[1:]``.
    """
    args = _example_args.parse_args(__doc__.splitlines()[0], argv)
    out = Path(args.output_dir)
    X, y = load_digits(return_X_y=True)
    S = TTFSEncoder(encoding="intensity").fit_transform(X)
    n_train, epochs = 1500, 20
    if args.quick:
        n_train, epochs = 450, 3
        S, y = S[:600], y[:600]
    S_train, y_train, S_test, y_test = S[:n_train], y[:n_train], S[n_train:], y[n_train:]
    common = dict(max_iter=epochs, random_state=0, threshold_lr=0.5, threshold_annealing=0.9)
    with_cr = SpikingReadoutClassifier(**common).fit(S_train, y_train,
                                                     X_val=S_test, y_val=y_test)
    without = SpikingReadoutClassifier(competition="none", **common).fit(S_train, y_train)
    plot_competition([without, with_cr], class_index=0,
                     labels=["no regulation", "two-compartment regulation"]).savefig(
        out / "competition.png", dpi=70)
    plot_thresholds(with_cr, class_index=0).savefig(out / "thresholds.png", dpi=70)
    plot_weights(with_cr, image_shape=(8, 8)).savefig(out / "weights.png", dpi=70)
    plot_raster(with_cr, S_test[0], title=f"test sample, label {y_test[0]}").savefig(
        out / "raster.png", dpi=70)
    plot_history(with_cr).savefig(out / "history.png", dpi=70)
    print(f"test accuracy: with regulation {with_cr.score(S_test, y_test):.4f}, "
          f"without {without.score(S_test, y_test):.4f}")
    plt.close("all")
    print(f"wrote competition.png, thresholds.png, weights.png, raster.png, history.png "
          f"in {out}")


if __name__ == "__main__":
    main()
