"""Tables of numbers: population coding and the untuned spiking readout against
LogisticRegression, SVC and MLPClassifier.

Any table of measurements (negative values, features of any scale) goes through one
Pipeline, without a scaler: ``TTFSEncoder(encoding="population")`` learns each feature's
range and encodes it with 8 overlapping Gaussian receptive fields (8 inputs per feature,
a strong response fires early), and ``SpikingReadoutClassifier()`` is used with its
defaults. The script prints 5-fold cross-validated accuracies (stratified, shuffled,
split seed 0) on iris, wine, breast cancer and digits: the spiking pipeline for
classifier seeds 0 to 4 (lowest-highest), its worst seed over LogisticRegression's
accuracy, and scikit-learn's models (LogisticRegression on min-max-scaled data, SVC and
MLPClassifier on standardised data), with the seconds of one 5-fold run. It saves
``receptive_fields.png``: the fields of one iris feature, and the input spikes of one
flower.

Measured (full settings; seconds per 5-fold run on 2 CPU cores, load average about 1;
scikit-learn's models with BLAS on one thread; 0.0: under 0.05 s):

=============  ===========  =====  ============  ======  ===  =====  ===  =====  ===
dataset        spiking      s      worst/LogReg  LogReg  s    SVC    s    MLP    s
=============  ===========  =====  ============  ======  ===  =====  ===  =====  ===
iris           0.947-0.967  0.1    1.02          0.927   0.0  0.953  0.0  0.953  0.5
wine           0.950-0.961  0.1    0.97          0.983   0.0  0.983  0.0  0.983  0.4
breast cancer  0.960-0.968  0.1    0.99          0.967   0.0  0.977  0.0  0.979  1.1
digits         0.948-0.952  1.5    0.98          0.969   0.2  0.981  0.2  0.977  2.3
=============  ===========  =====  ============  ======  ===  =====  ===  =====  ===

    python examples/tabular_data.py [OUTPUT_DIR] [--quick]

``--quick`` (or ``SPIKENCG_EXAMPLE_QUICK=1``) runs iris and wine, classifier seeds 0
and 1, 3 folds.
"""

import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import _example_args  # noqa: E402  (examples/ is on sys.path)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
)
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from spikencg import SpikingReadoutClassifier, TTFSEncoder  # noqa: E402

DATASETS = {"iris": load_iris, "wine": load_wine, "breast cancer": load_breast_cancer,
            "digits": load_digits}


def spiking(seed):
    """The untuned spiking pipeline: population code, then the default readout."""
    return make_pipeline(TTFSEncoder(encoding="population"),
                         SpikingReadoutClassifier(random_state=seed))


BASELINES = {
    "LogReg": lambda: make_pipeline(MinMaxScaler(), LogisticRegression(max_iter=1000)),
    "SVC": lambda: make_pipeline(StandardScaler(), SVC()),
    "MLP": lambda: make_pipeline(StandardScaler(),
                                 MLPClassifier(max_iter=2000, random_state=0)),
}


def timed_cv(model, X, y, cv):
    """Mean cross-validated accuracy and the seconds of the whole run."""
    t0 = time.perf_counter()
    score = cross_val_score(model, X, y, cv=cv).mean()
    return score, time.perf_counter() - t0


def draw_fields(X, names, feature, sample):
    """The receptive fields of one feature and the input spikes of one sample."""
    enc = TTFSEncoder(encoding="population").fit(X)
    spikes = enc.transform(X[sample : sample + 1])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    lo, hi = float(enc.x_min_[feature]), float(enc.x_max_[feature])
    x = np.linspace(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo), 400)
    xc = np.clip(x, lo, hi)  # values outside the range are clipped
    for a, b in ((x[0], lo), (hi, x[-1])):
        ax1.axvspan(a, b, color="0.92")
    for k, c in enumerate(enc.field_centers_[feature]):
        r = np.exp(-((xc - c) ** 2) / (2 * enc.field_sigmas_[feature] ** 2))
        ax1.plot(x, r, label=f"f{k}")
    ax1.axhline(enc.min_response, color="grey", ls=":", lw=1)
    value = X[sample, feature]
    ax1.axvline(value, color="k", lw=1.5)
    ax1.set(xlabel=f"{names[feature]} (grey: outside the training range)",
            ylabel="response r (spike at t = 1 - r)",
            title=f"the {enc.n_fields} receptive fields of one feature; sample {sample}")
    ax1.legend(fontsize=7, ncol=2)
    n_fields = enc.n_fields
    feat = spikes.indices // n_fields
    ax2.scatter(spikes.data, spikes.indices, c=[f"C{j}" for j in feat], s=25)
    ax2.set(xlim=(-0.03, 1.0), ylim=(-1, X.shape[1] * n_fields),
            xlabel="spike time", ylabel="input (feature x field)",
            title=f"sample {sample}: {spikes.nnz} input spikes")
    ax2.set_yticks([j * n_fields + n_fields / 2 - 0.5 for j in range(X.shape[1])])
    ax2.set_yticklabels(names, fontsize=7)
    fig.tight_layout()
    return fig


def main(argv=None):
    """Run the example: cross-validate, print the table, save the picture.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments (``[OUTPUT_DIR] [--quick]``); None: ``sys.argv[1:]``.
    """
    args = _example_args.parse_args(__doc__.splitlines()[0], argv)
    out = Path(args.output_dir)
    names = ["iris", "wine"] if args.quick else list(DATASETS)
    seeds = range(2) if args.quick else range(5)
    cv = StratifiedKFold(3 if args.quick else 5, shuffle=True, random_state=0)
    print(f"{cv.get_n_splits()}-fold accuracy (stratified, shuffled); spiking: "
          f"classifier seeds {seeds[0]}-{seeds[-1]}, lowest-highest; seconds per run")
    print(f"{'dataset':14s} {'spiking':>11s} {'s':>5s} {'worst/LogReg':>12s}"
          + "".join(f" {name:>7s} {'s':>5s}" for name in BASELINES))
    lowest = 1.0
    for name in names:
        X, y = DATASETS[name](return_X_y=True)
        runs = [timed_cv(spiking(seed), X, y, cv) for seed in seeds]
        accs = [a for a, _ in runs]
        base = {}
        # BLAS on one thread: with two threads on a busy 2-core machine, OpenBLAS made
        # LogisticRegression on digits 100 times slower (60 s for 5 folds instead of 0.5)
        with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
            # (MLPClassifier may stop before it converges on the smaller folds)
            warnings.simplefilter("ignore", category=UserWarning)
            for model, make in BASELINES.items():
                base[model] = timed_cv(make(), X, y, cv)
        lowest = min(lowest, min(accs))
        print(f"{name:14s} {min(accs):.3f}-{max(accs):.3f} "
              f"{np.mean([t for _, t in runs]):5.1f} {min(accs) / base['LogReg'][0]:12.2f}"
              + "".join(f" {a:7.3f} {t:5.1f}" for a, t in base.values()), flush=True)
    print(f"lowest accuracy of the spiking pipeline: {lowest:.3f}")

    X, y = load_iris(return_X_y=True)
    fig = draw_fields(X, load_iris().feature_names, feature=2, sample=0)
    fig.savefig(out / "receptive_fields.png", dpi=70)
    plt.close(fig)
    print(f"wrote receptive_fields.png in {out}")


if __name__ == "__main__":
    main()
