"""Command-line arguments shared by the example scripts (not an example itself)."""

import argparse
import os
from pathlib import Path


def parse_args(description, argv=None, jobs=None, options=None):
    """Output folder and the reduced-settings switch, plus an example's own options.

    Parameters
    ----------
    description : str
        The example's one-line description.
    argv : list of str, default=None
        Command-line arguments; None: ``sys.argv[1:]``.
    jobs : str, default=None
        When given, an ``--n-jobs`` option (what runs in parallel, for its help text):
        default 2, or 1 with ``--quick``.
    options : callable, default=None
        Called with the ``argparse.ArgumentParser`` to add an example's own options.

    Returns
    -------
    args : argparse.Namespace
        ``output_dir`` (created), ``quick`` (from ``--quick`` or
        ``SPIKENCG_EXAMPLE_QUICK=1``) and ``n_jobs`` when asked for.
    """
    p = argparse.ArgumentParser(description=description)
    p.add_argument("output_dir", nargs="?", default=".", help="where outputs go")
    p.add_argument("--quick", action="store_true",
                   help="reduced settings (also SPIKENCG_EXAMPLE_QUICK=1)")
    if jobs is not None:
        p.add_argument("--n-jobs", type=int, default=None,
                       help=f"{jobs} in parallel (default: 2, 1 with --quick)")
    if options is not None:
        options(p)
    args = p.parse_args(argv)
    args.quick = args.quick or os.environ.get("SPIKENCG_EXAMPLE_QUICK") == "1"
    if jobs is not None and args.n_jobs is None:
        args.n_jobs = 1 if args.quick else 2
    Path(args.output_dir).mkdir(parents=True, exist_ok=True)
    return args


def digits(args, epochs=30, folds=10):
    """scikit-learn's digits with an example's epochs and folds, reduced by ``--quick``.

    Parameters
    ----------
    args : argparse.Namespace
        As returned by :func:`parse_args`.
    epochs, folds : int
        The full settings; ``--quick`` uses the first 600 images, 3 epochs and 3 folds.

    Returns
    -------
    X, y : ndarray
        Images (8x8 pixels, flattened, values 0 to 16) and labels.
    epochs, folds : int
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    if args.quick:
        return X[:600], y[:600], 3, 3
    return X, y, epochs, folds
