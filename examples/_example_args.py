"""Command-line arguments shared by the example scripts (not an example itself)."""

import argparse
import os
from pathlib import Path


def parse_args(description, argv=None, configure=None):
    """Output folder and the reduced-settings switch, plus an example's own options.

    Parameters
    ----------
    description : str
        The example's one-line description.
    argv : list of str, default=None
        Command-line arguments; None: ``sys.argv[1:]``.
    configure : callable, default=None
        ``configure(parser)`` adds the example's own options.

    Returns
    -------
    args : argparse.Namespace
        ``output_dir`` (created), ``quick`` (from ``--quick`` or
        ``SPIKENCG_EXAMPLE_QUICK=1``) and the example's own options.
    """
    p = argparse.ArgumentParser(description=description)
    p.add_argument("output_dir", nargs="?", default=".", help="where outputs go")
    p.add_argument("--quick", action="store_true",
                   help="reduced settings (also SPIKENCG_EXAMPLE_QUICK=1)")
    if configure is not None:
        configure(p)
    args = p.parse_args(argv)
    args.quick = args.quick or os.environ.get("SPIKENCG_EXAMPLE_QUICK") == "1"
    Path(args.output_dir).mkdir(parents=True, exist_ok=True)
    return args
