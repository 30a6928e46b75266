"""Pictures of a trained NCG readout on digits: weights, a spike raster, the paper's
Figure 2 (updates per neuron of one NCG with and without competition regulation) and
the training curves. Saves PNG files in the current folder.

    pip install -e ".[plot]"
    python examples/plot_what_was_learned.py
"""

import matplotlib

matplotlib.use("Agg")

from sklearn.datasets import load_digits  # noqa: E402

from spikencg import SpikingReadoutClassifier, TTFSEncoder  # noqa: E402
from spikencg.plot import (  # noqa: E402
    plot_competition,
    plot_history,
    plot_raster,
    plot_weights,
)


def main():
    X, y = load_digits(return_X_y=True)
    S = TTFSEncoder(encoding="intensity").fit_transform(X)
    common = dict(max_iter=20, random_state=0, threshold_lr=0.5, threshold_annealing=0.9)
    with_cr = SpikingReadoutClassifier(**common).fit(S[:1500], y[:1500],
                                                     X_val=S[1500:], y_val=y[1500:])
    without = SpikingReadoutClassifier(competition="none", **common).fit(S[:1500], y[:1500])
    plot_weights(with_cr, image_shape=(8, 8)).savefig("weights.png", dpi=80)
    plot_raster(with_cr, S[1500], title=f"test sample, label {y[1500]}").savefig(
        "raster.png", dpi=80)
    plot_competition([without, with_cr], class_index=0,
                     labels=["no regulation", "two-compartment regulation"]).savefig(
        "competition.png", dpi=80)
    plot_history(with_cr).savefig("history.png", dpi=80)
    print(f"test accuracy: with regulation {with_cr.score(S[1500:], y[1500:]):.4f}, "
          f"without {without.score(S[1500:], y[1500:]):.4f}")
    print("wrote weights.png, raster.png, competition.png, history.png")


if __name__ == "__main__":
    main()
