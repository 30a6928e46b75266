"""The four learning rules side by side: S2-STDP, SSTDP, R-STDP and S4NN on digits.

Each rule in the setting the paper uses it in: S2-STDP and SSTDP with Neuronal
Competition Groups, R-STDP with 5 neurons per class (no NCG), and the S4NN baseline with
one neuron per class, each scored by 10-fold cross-validation (R-STDP and S4NN with
``threshold=8``, the best of a few tried; "auto" leaves S4NN silent on most samples).
Saves ``rules.png`` (mean +/- std per rule) and ``rules_thresholds.png`` (the
adaptive thresholds of one NCG of the S2-STDP model, epoch by epoch).

Measured (full settings, seed 0, 10 folds, 30 epochs): S2-STDP+NCG 0.895 +/- 0.037,
SSTDP+NCG 0.758 +/- 0.053, R-STDP (5/class) 0.833 +/- 0.048, S4NN 0.549 +/- 0.074.

    python examples/compare_rules.py [OUTPUT_DIR] [--quick]

``--quick`` (or ``SPIKENCG_EXAMPLE_QUICK=1``) runs 3 folds of 3 epochs on 600 samples.
"""

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import _example_args  # noqa: E402  (examples/ is on sys.path)
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.model_selection import cross_validate  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from spikencg import SpikingReadoutClassifier, TTFSEncoder  # noqa: E402
from spikencg.plot import plot_kfold, plot_thresholds  # noqa: E402

RULES = {
    "S2-STDP+NCG": dict(rule="s2stdp", ncg=True),
    "SSTDP+NCG": dict(rule="sstdp", ncg=True),
    "R-STDP, 5/class": dict(rule="rstdp", ncg=False, neurons_per_class=5, threshold=8.0),
    "S4NN": dict(rule="s4nn", ncg=False, threshold=8.0),
}


def main(argv=None):
    """Run the example: train, print the accuracies, save the pictures.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments (``[OUTPUT_DIR] [--quick]``); None: ``sys.argv[1:]``.
    """
    args = _example_args.parse_args(__doc__.splitlines()[0], argv)
    out = Path(args.output_dir)
    X, y, epochs, folds = _example_args.digits(args)
    results, first = {}, {}
    for name, params in RULES.items():
        t0 = time.perf_counter()
        pipe = make_pipeline(TTFSEncoder(encoding="intensity"),
                             SpikingReadoutClassifier(max_iter=epochs, random_state=0,
                                                      **params))
        cv = cross_validate(pipe, X, y, cv=folds, return_estimator=True)
        results[name] = cv
        first[name] = cv["estimator"][0][-1]
        print(f"{name}: {folds}-fold accuracy {cv['test_score'].mean():.4f} +/- "
              f"{cv['test_score'].std():.4f} ({time.perf_counter() - t0:.1f} s)")
    plot_kfold(results, title=f"digits, {folds}-fold accuracy per rule").savefig(
        out / "rules.png", dpi=70)
    plot_thresholds(first["S2-STDP+NCG"], class_index=0).savefig(
        out / "rules_thresholds.png", dpi=70)
    plt.close("all")
    print(f"wrote rules.png, rules_thresholds.png in {out}")


if __name__ == "__main__":
    main()
