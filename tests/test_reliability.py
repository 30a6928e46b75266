"""Bad and unusual inputs: each gives the right result or a clear error, never a crash, a
hang or a silently wrong answer. Cases that used to crash the interpreter run in a
subprocess, so that a regression fails its test instead of ending the test run."""

import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits

import spikencg
from spikencg import SpikingReadoutClassifier, STDPConvFeatures, TTFSEncoder

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


# ---------------------------------------------------------------- sparse formats
CRASH_CASES = """
    import warnings
    import numpy as np
    import scipy.sparse as sp
    from spikencg import SpikingReadoutClassifier, TTFSEncoder

    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    X = rng.random((60, 12))
    y = np.arange(60) % 3
    S = TTFSEncoder(encoding="intensity").fit_transform(X)
    clf = SpikingReadoutClassifier(max_iter=1, random_state=0).fit(S, y)

    def corrupt(fmt, attr, value):
        M = S.tobsr(blocksize=(1, 1)) if fmt == "bsr" else S.asformat(fmt).copy()
        getattr(M, attr)[3] = value
        return M

    cases = {f"{fmt}.{attr}={value}": corrupt(fmt, attr, value)
             for fmt, attr in (("csc", "indices"), ("coo", "row"), ("coo", "col"),
                               ("bsr", "indices"), ("csr", "indices"))
             for value in (10**5, 10**7, -1)}
    M = S.tocsc().copy(); M.indptr[2] = 10**6
    cases["csc.indptr"] = M
    for name, M in cases.items():
        for call in ("predict", "fit", "partial_fit"):
            try:
                if call == "predict":
                    clf.predict(M)
                elif call == "fit":
                    SpikingReadoutClassifier(max_iter=1).fit(M, y)
                else:
                    SpikingReadoutClassifier(max_iter=1).partial_fit(M, y, classes=[0, 1, 2])
            except ValueError as exc:
                assert "not a valid" in str(exc), (name, call, exc)
            else:
                raise AssertionError(f"{name} accepted by {call}")
    print("checked", len(cases))
"""


def test_sparse_matrices_with_indices_outside_their_shape_raise():
    # scipy checks no index range at construction; its conversion of such a CSC or COO
    # matrix to CSR wrote out of bounds (segfault, "double free or corruption", abort)
    proc = run_python(CRASH_CASES)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "checked 16"


@pytest.fixture(scope="module")
def fitted():
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    S = TTFSEncoder(encoding="intensity").fit_transform(X)
    clf = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(S, y)
    return clf, S, y


@pytest.mark.parametrize("fmt", ["csc", "coo", "bsr", "dok", "lil"])
def test_every_lossless_format_gives_the_csr_result(fitted, fmt):
    clf, S, y = fitted
    assert S.data.size > np.count_nonzero(S.data)  # spikes at t = 0 (explicit zeros)
    M = S.tobsr(blocksize=(1, 1)) if fmt == "bsr" else S.asformat(fmt)
    np.testing.assert_array_equal(clf.predict(M), clf.predict(S))
    a = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(M, y)
    np.testing.assert_array_equal(a.weights_, clf.weights_)


def test_formats_that_lose_spikes_at_time_zero_are_refused(fitted):
    # DIA's conversion to CSR dropped every explicit zero (accuracy 0.948 -> 0.597,
    # silently); BSR blocks are filled with zeros that would read as spikes at t = 0
    clf, S, y = fitted
    with warnings.catch_warnings():  # (scipy: a DIA matrix of many diagonals is slow)
        warnings.simplefilter("ignore", sp.SparseEfficiencyWarning)
        D = S.todia()
    with pytest.raises(TypeError, match="DIA sparse matrix, which cannot hold a spike list"):
        clf.score(D, y)
    with pytest.raises(TypeError, match="DIA sparse matrix"):
        SpikingReadoutClassifier(max_iter=1).fit(D, y)
    with pytest.raises(TypeError, match="BSR sparse matrix of blocks 1x4"):
        clf.predict(S.tobsr(blocksize=(1, 4)))


def test_invalid_sparse_structure_of_each_format_is_named(fitted):
    clf, S, _ = fitted
    L = S[:3].tolil()
    L.rows[0], L.data[0] = [1.5], [0.5]
    with pytest.raises(ValueError, match=r"Input X \(LIL\) has input indices that are not"):
        clf.predict(L)
    C = S[:3].tocoo()
    C.data = C.data[:-1]
    with pytest.raises(ValueError, match=r"Input X \(COO\) holds .* they must be as many"):
        clf.predict(C)
    R = S[:3].copy()
    R.indices = R.indices.astype(np.float64)  # would be truncated to other inputs
    with pytest.raises(ValueError, match="invalid indices array"):
        clf.predict(R)
    with pytest.raises(ValueError, match="3-D sparse array"):
        clf.predict(sp.coo_array(np.ones((2, 2, 64))))


def test_complex_input_gives_a_short_message(fitted):
    clf, S, _ = fitted
    Z = np.ones((5, 64), dtype=complex)
    for X in (Z, Z.tolist(), sp.csr_matrix(Z)):
        with pytest.raises(ValueError, match="Complex data not supported") as info:
            clf.predict(X)
        assert len(str(info.value)) < 200
    with pytest.raises(ValueError, match="Complex data not supported: input X"):
        TTFSEncoder().fit(Z)
    with pytest.raises(ValueError, match="Complex data not supported: input X"):
        STDPConvFeatures(n_maps=2).fit(np.ones((3, 8, 8), dtype=complex))


def test_invalid_validation_set_is_named_x_val(fitted):
    _, S, y = fitted
    bad = S[:50].copy()
    bad.data[0] = np.nan
    with pytest.raises(ValueError, match="Input X_val contains NaN"):
        SpikingReadoutClassifier(max_iter=1).fit(S, y, X_val=bad, y_val=y[:50])
    dense = np.ones((50, 64))
    dense[4, 2] = -1.0
    with pytest.raises(ValueError, match="as X_val"):
        SpikingReadoutClassifier(max_iter=1).fit(S, y, X_val=dense, y_val=y[:50])
    bad = S[:50].copy()
    bad.indices[0] = 99
    with pytest.raises(ValueError, match="Input X_val stores input indices"):
        SpikingReadoutClassifier(max_iter=1).fit(S, y, X_val=bad, y_val=y[:50])
