"""Bad and unusual inputs: each gives the right result or a clear error, never a crash, a
hang or a silently wrong answer. Cases that used to crash the interpreter run in a
subprocess, so that a regression fails its test instead of ending the test run."""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import spikencg

SRC = Path(spikencg.__file__).resolve().parents[1]


def run_python(code, *, env=None, cwd=None, timeout=300):
    """Run ``code`` in a fresh interpreter that imports spikencg from this checkout."""
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(SRC), full_env.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full_env,
                          cwd=cwd, capture_output=True, text=True, timeout=timeout)


# ---------------------------------------------------------------- numba cache
def test_import_without_any_writable_cache_folder(tmp_path):
    # a read-only installation run by another user: the package's __pycache__ folders,
    # $NUMBA_CACHE_DIR and the user's cache folder cannot be created (here: regular files
    # stand where the folders would be); numba raised "no locator available" at import
    pkg = tmp_path / "site"
    shutil.copytree(SRC / "spikencg", pkg / "spikencg",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for folder in [pkg / "spikencg", *(p for p in (pkg / "spikencg").rglob("*") if p.is_dir())]:
        (folder / "__pycache__").write_text("")
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(NUMBA_CACHE_DIR=str(blocker / "numba"), XDG_CACHE_HOME=str(blocker / "xdg"),
               HOME=str(blocker), PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(pkg))
    code = """
        import warnings
        warnings.simplefilter("always")
        with warnings.catch_warnings(record=True) as caught:
            import numpy as np
            import spikencg
            from spikencg.cli import main
            S = spikencg.spikes_from_dense(np.array([[0.5, 0.0, np.inf]]))
        import os
        assert spikencg.__file__.startswith(os.environ["PYTHONPATH"]), spikencg.__file__
        print(S.indices.tolist(), S.data.tolist())
        for w in caught:
            print("warning:", w.message)
    """
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "[1, 0] [0.0, 0.5]"
    cache_warnings = [line for line in lines[1:] if "cannot cache the compiled kernels" in line]
    assert len(cache_warnings) == 1, proc.stdout
    assert "NUMBA_CACHE_DIR" in cache_warnings[0]
