"""Regenerate the pictures of the documentation (``docs/_static/*.png``).

Runs the examples with their full settings into a temporary folder and copies the
pictures the documentation and the README show (a few minutes on 2 cores)::

    python docs/make_pictures.py
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "docs" / "_static"
# example -> pictures it writes that the documentation uses (name in _static)
PICTURES = {
    "digits_pipeline.py": {"raster.png": "raster.png", "firing_times.png": "firing_times.png",
                           "history.png": "history.png"},
    "plot_what_was_learned.py": {"competition.png": "competition.png",
                                 "thresholds.png": "thresholds.png",
                                 "weights.png": "weights_ncg.png"},
    "ncg_vs_single_neuron.py": {"ncg_vs_single.png": "ncg_vs_single.png"},
    "compare_rules.py": {"rules.png": "rules.png"},
    "gridsearch_thresholds.py": {"gridsearch.png": "gridsearch.png"},
    "kfold_paper.py": {"kfold.png": "kfold.png"},
    "tabular_data.py": {"receptive_fields.png": "receptive_fields.png"},
}


def main():
    """Run every example listed in ``PICTURES`` and copy its pictures into _static."""
    STATIC.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for script, pictures in PICTURES.items():
            out = Path(tmp) / Path(script).stem
            print(f"== {script}", flush=True)
            subprocess.run([sys.executable, str(ROOT / "examples" / script), str(out)],
                           check=True)
            for src, dst in pictures.items():
                shutil.copyfile(out / src, STATIC / dst)
    print(f"pictures written to {STATIC}")


if __name__ == "__main__":
    main()
