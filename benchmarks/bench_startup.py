"""Where the time of a fresh process's import and first fit goes (caches warm).

Runs, in ``--runs`` fresh Python processes, the same work as ``bench_suite.py``'s
"cached import + first fit" (import scikit-learn's digits loader and spikencg, load
digits, fit one epoch, predict), timing each step separately, with numba's one-time
initialisation (the refresh of its typing and lowering registries, which the first
compiled call of any numba function triggers) measured on its own before the fit, and
numba's import apart from spikencg's own modules. Prints the median of every step.
A first run fills both compile caches, numba's (in a temporary folder) and Python's
bytecode cache (``__pycache__``; ``PYTHONDONTWRITEBYTECODE`` is removed from the runs'
environment so that it is written, as by default).

With ``--without pandas`` (any module names), the runs import scikit-learn as if those
packages were not installed: scikit-learn imports pandas at start-up when it is
installed (it is, with the ``test`` extra), which shows what that costs.

With ``--isolated``, the runs use a new virtual environment (in a temporary folder)
holding only spikencg and its declared dependencies, installed from this checkout with
pip (which must reach a package index or have them cached): the start-up a user who
installs spikencg alone gets, without the other packages of a development environment
(pandas, or cffi, which numba's initialisation imports whenever it is installed).

    python benchmarks/bench_startup.py [--runs 5] [--without pandas] [--isolated]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout (holds pyproject.toml)

STEPS = ("import sklearn.datasets", "import numba", "import spikencg",
         "numba initialisation",
         "load_digits", "first fit (1 epoch)", "first predict")

CODE = """
import time
t = [time.perf_counter()]
from sklearn.datasets import load_digits
t.append(time.perf_counter())
import numba
t.append(time.perf_counter())
from spikencg import SpikingReadoutClassifier
t.append(time.perf_counter())
from numba.core.registry import cpu_target
cpu_target.typing_context.refresh()
cpu_target.target_context.refresh()
t.append(time.perf_counter())
X, y = load_digits(return_X_y=True)
t.append(time.perf_counter())
clf = SpikingReadoutClassifier(max_iter=1, random_state=0).fit(1 - X / 16, y)
t.append(time.perf_counter())
clf.predict(1 - X / 16)
t.append(time.perf_counter())
print(" ".join(repr(b - a) for a, b in zip(t, t[1:])))
"""


def _isolated_python(folder):
    """A new virtual environment in ``folder`` with spikencg (from this checkout) and its
    dependencies only; returns its Python executable."""
    subprocess.run([sys.executable, "-m", "venv", folder], check=True)
    python = str(Path(folder) / ("Scripts" if os.name == "nt" else "bin") / "python")
    res = subprocess.run([python, "-m", "pip", "install", "--quiet", str(ROOT)],
                         capture_output=True, text=True)
    if res.returncode:
        sys.exit(f"installing spikencg into the isolated environment failed:\n{res.stderr}")
    listing = subprocess.run([python, "-m", "pip", "list", "--format=freeze"],
                             capture_output=True, text=True, check=True).stdout.split()
    print(f"isolated environment: {len(listing)} packages ({' '.join(sorted(listing))})")
    return python


def run(runs, env, without=(), python=sys.executable, cwd=None):
    """Per-step seconds of ``runs`` fresh processes (list of lists)."""
    # a module set to None in sys.modules cannot be imported: as if not installed
    hide = "".join(f"import sys; sys.modules[{name!r}] = None\n" for name in without)
    out = []
    for _ in range(runs):
        res = subprocess.run([python, "-c", hide + CODE], env=env, cwd=cwd,
                             capture_output=True, text=True)
        if res.returncode:
            sys.exit(f"a timed run failed (exit {res.returncode}):\n{res.stderr}")
        out.append([float(v) for v in res.stdout.split()])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--without", nargs="*", default=(), metavar="MODULE",
                    help="modules to hide from the runs, as if not installed")
    ap.add_argument("--isolated", action="store_true",
                    help="run in a new virtual environment holding only spikencg and its "
                         "dependencies (installed with pip from this checkout)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as venv:
        python = sys.executable
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cwd = None
        if args.isolated:
            python = _isolated_python(venv)
            # nothing from the checkout or the outer environment on the module path
            env.pop("PYTHONPATH", None)
            cwd = venv
        # Python's own compile cache as well: the first run writes the modules'
        # bytecode, as any default Python does (an environment that sets
        # PYTHONDONTWRITEBYTECODE would otherwise recompile spikencg's sources each time)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        run(1, env, python=python, cwd=cwd)  # fills the numba cache (compiles it all once)
        rows = run(args.runs, env, args.without, python, cwd)
    med = [statistics.median(col) for col in zip(*rows, strict=True)]
    totals = [sum(r) for r in rows]
    for name, m, col in zip(STEPS, med, zip(*rows, strict=True), strict=True):
        print(f"{name:24s} median {m:6.3f} s   runs {' '.join(f'{v:.3f}' for v in col)}")
    print(f"{'total':24s} median {statistics.median(totals):6.3f} s   runs "
          f"{' '.join(f'{v:.3f}' for v in totals)}")


if __name__ == "__main__":
    main()
