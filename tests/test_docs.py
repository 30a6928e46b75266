"""The documentation builds without a single warning (the documented command)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEEDED = ("sphinx", "numpydoc", "myst_parser")
MISSING = [m for m in NEEDED if importlib.util.find_spec(m) is None]


@pytest.mark.skipif(bool(MISSING), reason=f"documentation tools not installed: "
                    f"{', '.join(MISSING)} (pip install -e '.[docs]')")
def test_sphinx_build_has_no_warnings(tmp_path):
    # the command of docs/conf.py and the README, into a temporary folder
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
           str(ROOT / "docs"), str(tmp_path / "html")]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    html = tmp_path / "html"
    for page in ("index", "getting-started", "model", "user-guide", "examples", "paper",
                 "api", "algorithm-notes"):
        assert (html / f"{page}.html").is_file(), page
    api = (html / "api.html").read_text(encoding="utf-8")
    for name in ("SpikingReadoutClassifier", "plot_kfold", "plot_gridsearch",
                 "plot_thresholds", "plot_firing_times", "list_presets"):
        assert name in api
    model = (html / "model.html").read_text(encoding="utf-8")
    assert "competition.png" in model and (html / "_images" / "competition.png").is_file()


def test_pictures_referenced_by_the_docs_exist():
    import re

    static = ROOT / "docs" / "_static"
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md")]
    texts.append((ROOT / "README.md").read_text(encoding="utf-8"))
    names = {m for t in texts for m in re.findall(r"_static/([\w.-]+\.png)", t)}
    assert names, "no picture referenced"
    for name in names:
        assert (static / name).is_file(), name
        assert (static / name).stat().st_size < 150_000, f"{name}: keep pictures small"
