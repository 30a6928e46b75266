"""Early stopping, online learning, probabilities and the training history, on digits.

Saves ``training_history.png`` (training and validation accuracy per epoch and the
share of silent samples) and ``training_firing_times.png`` (the neurons' mean firing
times during training).

Measured (full settings, seed 0, 70 % / 30 % split): early stopping ends after 20
epochs (best epoch 10, validation accuracy 0.913), test accuracy 0.924; 5
``partial_fit`` epochs reach 0.889.

    python examples/training_options.py [OUTPUT_DIR] [--quick]

``--quick`` (or ``SPIKENCG_EXAMPLE_QUICK=1``) uses 600 samples and at most 3 epochs.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import _example_args  # noqa: E402  (examples/ is on sys.path)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.metrics import log_loss, roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from spikencg import SpikingReadoutClassifier, TTFSEncoder  # noqa: E402
from spikencg.plot import plot_firing_times, plot_history  # noqa: E402


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
    max_iter, online_epochs = 100, 5
    if args.quick:
        X, y, max_iter, online_epochs = X[:600], y[:600], 3, 2
    enc = TTFSEncoder(encoding="intensity").fit(X)
    S = enc.transform(X)
    S_train, S_test, y_train, y_test = train_test_split(S, y, test_size=0.3, stratify=y,
                                                        random_state=0)

    # 1. early stopping on a stratified 10 % validation split, best epoch restored
    clf = SpikingReadoutClassifier(early_stopping=True, n_iter_no_change=10,
                                   max_iter=max_iter, verbose=0 if args.quick else 1,
                                   random_state=0)
    clf.fit(S_train, y_train)
    print(f"stopped after {clf.n_iter_} epochs, best epoch {clf.best_iteration_} "
          f"(validation accuracy {clf.best_score_:.4f}); test accuracy "
          f"{clf.score(S_test, y_test):.4f}")

    # 2. probabilities from spike times and potentials
    P = clf.predict_proba(S_test)
    print(f"log loss {log_loss(y_test, P, labels=clf.classes_):.3f}, ROC AUC (ovr) "
          f"{roc_auc_score(y_test, P, multi_class='ovr', labels=clf.classes_):.4f}")

    # 3. online learning: one epoch per partial_fit call, state carried over
    online = SpikingReadoutClassifier(random_state=0)
    for _ in range(online_epochs):
        online.partial_fit(S_train, y_train, classes=np.unique(y))
    print(f"{online_epochs} partial_fit epochs: test accuracy "
          f"{online.score(S_test, y_test):.4f}")

    # 4. the history: updates received per epoch by the 5 neurons of class 0's NCG
    #    (the first is its non-target neuron), as in the paper's Figure 2
    print("updates per epoch, class 0 NCG (own-class samples):")
    print(clf.updates_own_class_[:5, :5])
    print(f"silent samples per epoch: {np.round(clf.silent_fraction_[:5], 3)}")
    plot_history(clf).savefig(out / "training_history.png", dpi=70)
    plot_firing_times(clf).savefig(out / "training_firing_times.png", dpi=70)
    plt.close("all")
    print(f"wrote training_history.png, training_firing_times.png in {out}")


if __name__ == "__main__":
    main()
