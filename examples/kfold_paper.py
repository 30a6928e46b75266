"""K-fold as in the paper, with the ``spikencg kfold`` command, on digits.

Writes digits as spike lists into a data folder (75 % ``trainset.npz``, 25 %
``testset.npz``, as ``spikencg convert`` does), then runs the paper's protocol for four
of its configurations (presets ``STDP-CSNN/F-MNIST/{s2stdp,s2stdp+ncg,sstdp,sstdp+ncg}``):
stratified 10 folds of the training set, the held-out fold drives early stopping
(patience 10, at most 100 epochs), every fold's model is scored on the test set, and the
mean +/- std is reported. The presets' thresholds and rates were tuned on 4,608
STDP-CSNN features; for the 64 pixels of digits they are reset to the estimator's
defaults (``--set threshold=auto`` ...). Each run writes ``kfold.json``, ``folds.csv``
and ``fold_*.json`` in ``OUTPUT_DIR/kfold/<config>``; ``kfold.png`` draws them with
:func:`spikencg.plot.plot_kfold`.

Measured (full settings, seed 0), test accuracy over 10 folds: S2-STDP 0.840 +/- 0.009,
S2-STDP+NCG 0.916 +/- 0.008, SSTDP 0.738 +/- 0.012, SSTDP+NCG 0.780 +/- 0.011.

    python examples/kfold_paper.py [OUTPUT_DIR] [--quick] [--n-jobs N]

The same from a shell::

    spikencg kfold DATA OUT --preset "STDP-CSNN/F-MNIST/s2stdp+ncg" --k 10 \\
        --set threshold=auto --set threshold_lr=null --set t_gap=null \\
        --set a_plus=null --set a_minus=null --set threshold_annealing=0.5

``--quick`` (or ``SPIKENCG_EXAMPLE_QUICK=1``) runs 3 folds of at most 3 epochs on 600
samples, for two configurations.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import _example_args  # noqa: E402  (examples/ is on sys.path)
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from spikencg import TTFSEncoder, save_spikes  # noqa: E402
from spikencg.cli import main as spikencg  # noqa: E402
from spikencg.plot import plot_kfold  # noqa: E402

# the presets' values tuned for 4,608 features, back to the estimator's defaults
DIGITS = ["threshold=auto", "threshold_lr=null", "t_gap=null", "a_plus=null",
          "a_minus=null", "threshold_annealing=0.5"]


def main(argv=None):
    """Run the example: train, print the accuracies, save the pictures.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments (``[OUTPUT_DIR] [--quick]``); None: ``sys.argv[1:]``.
    """
    args = _example_args.parse_args(__doc__.splitlines()[0], argv, jobs="folds")
    out = Path(args.output_dir)
    X, y = load_digits(return_X_y=True)
    configs, k, extra = ["s2stdp", "s2stdp+ncg", "sstdp", "sstdp+ncg"], 10, []
    if args.quick:
        X, y, configs, k, extra = X[:600], y[:600], ["s2stdp", "s2stdp+ncg"], 3, [
            "max_iter=3"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                        stratify=y, random_state=0)
    enc = TTFSEncoder(encoding="intensity").fit(X_train)
    data = out / "data"
    data.mkdir(exist_ok=True)
    save_spikes(data / "trainset.npz", enc.transform(X_train), y_train)
    save_spikes(data / "testset.npz", enc.transform(X_test), y_test)
    folders = {}
    for name in configs:
        folders[name] = out / "kfold" / name
        argv = ["kfold", str(data), str(folders[name]), "--preset",
                f"STDP-CSNN/F-MNIST/{name}", "--k", str(k), "--n-jobs", str(args.n_jobs)]
        for setting in DIGITS + extra:
            argv += ["--set", setting]
        print(f"== {name}")
        if spikencg(argv) != 0:
            raise SystemExit(f"spikencg kfold failed for {name}")
    plot_kfold(folders, title=f"digits, {k}-fold protocol of the paper").savefig(
        out / "kfold.png", dpi=70)
    plt.close("all")
    print(f"wrote kfold.png in {out}")


if __name__ == "__main__":
    main()
