"""Bad and unusual inputs: each gives the right result or a clear error, never a crash, a
hang or a silently wrong answer. Cases that used to crash the interpreter run in a
subprocess, so that a regression fails its test instead of ending the test run."""

import io
import json
import math
import os
import pickle
import shutil
import subprocess
import sys
import tarfile
import textwrap
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_digits

import spikencg
from spikencg import (
    SpikingReadoutClassifier,
    STDPConvFeatures,
    TTFSEncoder,
    load_spikes,
    save_features,
    save_spikes,
    spikes_from_dense,
)
from spikencg.cli import main
from spikencg.datasets import load_cifar, load_cifar_batch, load_idx

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


# ---------------------------------------------------------------- command line
def _one_error_line(capsys):
    err = capsys.readouterr().err.strip()
    assert err.startswith("spikencg: error:"), err
    assert "\n" not in err and "Traceback" not in err
    return err


def _write_set(path, S, y, max_time=1.0):
    save_spikes(path, S, y, max_time=max_time)


@pytest.fixture(scope="module")
def spike_sets(tmp_path_factory):
    """A data folder of digits spike sets (train 240, val 80, test 80)."""
    X, y = load_digits(return_X_y=True)
    S = TTFSEncoder(encoding="intensity", x_max=16.0).fit_transform(X[:400])
    root = tmp_path_factory.mktemp("sets")
    data = root / "data"
    data.mkdir()
    _write_set(data / "trainset.npz", S[:240], y[:240])
    _write_set(data / "valset.npz", S[240:320], y[240:320])
    _write_set(data / "testset.npz", S[320:], y[320:400])
    return data, S, y[:400]


FAST = ["--preset", "STDP-CSNN/MNIST/s2stdp+ncg", "--quiet", "--set", "max_iter=1",
        "--set", "neurons_per_class=2"]


@pytest.mark.parametrize("name", ["testset", "valset"])
def test_run_refuses_sets_of_another_time_window(spike_sets, tmp_path, capsys, name):
    data, S, y = spike_sets
    folder = tmp_path / "d"
    shutil.copytree(data, folder)
    _write_set(folder / f"{name}.npz", S[320:] * 3.0, y[320:], max_time=3.0)
    assert main(["run", str(folder), str(tmp_path / "o"), *FAST]) == 2
    assert f"{name}.npz was saved with max_time=3" in _one_error_line(capsys)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("name", ["testset", "valset"])
def test_run_refuses_labels_unseen_in_training(spike_sets, tmp_path, capsys, name):
    data, S, y = spike_sets
    folder = tmp_path / "d"
    shutil.copytree(data, folder)
    _write_set(folder / f"{name}.npz", S[320:], y[320:] + 10)  # shifted labels
    assert main(["run", str(folder), str(tmp_path / "o"), *FAST]) == 2
    err = _one_error_line(capsys)
    assert f"{name}.npz holds 80 samples of labels that trainset.npz does not have" in err


def _grid(data, out, *extra):
    return main(["gridsearch", str(data), str(out), "--preset", "STDP-CSNN/MNIST/s2stdp+ncg",
                 "--quiet", "--set", "max_iter=1", "--set", "neurons_per_class=2",
                 "--set", "threshold=[3, 4]", *extra])


def test_gridsearch_runs_are_keyed_by_everything_that_changes_them(spike_sets, tmp_path,
                                                                     capsys):
    # rerunning in the same folder with another seed, other data or another validation
    # split used to report "2 runs, 2 already done" and print the old results
    data, S, y = spike_sets
    no_val = tmp_path / "noval"
    no_val.mkdir()
    shutil.copy(data / "trainset.npz", no_val / "trainset.npz")
    other = tmp_path / "other"
    other.mkdir()
    _write_set(other / "trainset.npz", S[80:320], y[80:320])
    out = tmp_path / "gs"
    assert _grid(no_val, out) == 0
    assert "2 runs, 0 already done, 2 to do" in capsys.readouterr().out
    assert _grid(no_val, out) == 0
    assert "2 runs, 2 already done, 0 to do" in capsys.readouterr().out
    for source, extra in ((no_val, ["--seed", "1"]),
                          (no_val, ["--validation-fraction", "0.3"]),
                          (other, [])):
        assert _grid(source, out, *extra) == 0
        text = capsys.readouterr().out
        assert "2 runs, 0 already done, 2 to do" in text, (source, extra)
        assert "2/2 runs finished" in text
    assert len(list((out / "runs").glob("*.json"))) == 8
    # the same data in a re-converted file: the runs are found again
    copy = tmp_path / "copy"
    copy.mkdir()
    _write_set(copy / "trainset.npz", S[80:320], y[80:320])
    assert _grid(copy, out) == 0
    assert "2 runs, 2 already done, 0 to do" in capsys.readouterr().out
    # summary shows the grid of grid.json only, and says that others were left out
    assert main(["summary", str(out)]) == 0
    captured = capsys.readouterr()
    assert "2/2 runs finished" in captured.out
    assert "6 finished run(s)" in captured.err
    seeds = {json.loads(p.read_text())["setup"]["seed"] for p in (out / "runs").glob("*.json")}
    assert seeds == {0, 1}


def test_npz_entry_announcing_more_data_than_it_holds(spike_sets, tmp_path, capsys):
    data, _, _ = spike_sets
    folder = tmp_path / "d"
    shutil.copytree(data, folder)
    target = folder / "trainset.npz"
    with zipfile.ZipFile(data / "trainset.npz") as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            raw = src.read(item)
            if item.filename == "times.npy":
                header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
                header["shape"] = (10**12,)
                buf = io.BytesIO()
                np.lib.format.write_array_header_1_0(buf, header)
                raw = buf.getvalue() + b"\0" * 64
            dst.writestr(item, raw)
    with pytest.raises(ValueError, match=r"entry 'times'.* announces an array of shape "
                                         r"\(1000000000000,\)"):
        load_spikes(target)
    assert main(["run", str(folder), str(tmp_path / "o"), *FAST]) == 2
    assert "announces an array" in _one_error_line(capsys)
    np.save(tmp_path / "X.npy", np.zeros((3, 4)))
    raw = (tmp_path / "X.npy").read_bytes().replace(b"(3, 4)", b"(3000000, 4000000)")
    (tmp_path / "X.npy").write_bytes(raw)
    np.save(tmp_path / "y.npy", np.zeros(3))
    assert main(["convert", str(tmp_path / "X.npy"), str(tmp_path / "y.npy"),
                 str(tmp_path / "out.npz")]) == 2
    assert "announces an array of shape (3000000, 4000000)" in _one_error_line(capsys)


def test_deeply_nested_configuration(spike_sets, tmp_path, capsys):
    data, _, _ = spike_sets
    cfg = tmp_path / "deep.json"
    cfg.write_text("[" * 100_000 + "]" * 100_000)
    assert main(["run", str(data), str(tmp_path / "o"), "--config", str(cfg)]) == 2
    assert "nested too deeply" in _one_error_line(capsys)
    for depth, message in ((900, "'network' must be a list"), (5000, "nested too deeply")):
        cfg.write_text('{"network": ' + '{"a": ' * depth + "{}" + "}" * (depth + 1))
        assert main(["run", str(data), str(tmp_path / "o"), "--config", str(cfg)]) == 2
        assert message in _one_error_line(capsys)
    assert main(["run", str(data), str(tmp_path / "o"), *FAST,
                 "--set", "threshold=" + "[" * 100_000]) == 2
    assert "nested too deeply" in _one_error_line(capsys)


def test_run_in_folders_whose_names_are_not_utf8(spike_sets, tmp_path):
    # the log used to stay empty and the command end with status 2
    data, _, _ = spike_sets
    root = os.fsencode(tmp_path)
    folder = os.path.join(root, b"data-\xff")
    shutil.copytree(data, os.fsdecode(folder))
    out = os.path.join(root, b"out-\xfe")
    code = """
        import sys
        from spikencg.cli import main
        sys.exit(main(sys.argv[1:]))
    """
    env = dict(os.environ, LC_ALL="C.UTF-8", PYTHONUTF8="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code), "run", folder, out,
                           *FAST], env=env, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    log = Path(os.fsdecode(out), "log.txt").read_text(encoding="utf-8")
    assert log.startswith("spikencg run ") and "data-\\xff" in log
    assert "test_accuracy" in log
    assert b"out-\\xfe" in proc.stdout


# ---------------------------------------------------------------- file readers and writers
def test_idx_header_whose_product_overflows_names_the_file(tmp_path):
    # dimensions whose product wrapped around in int64 ("-8589934591 bytes", or a
    # reshape error without the file name)
    for dims in ((2**32 - 1, 2**32 - 1, 2), (111620, 429509837, 384773)):
        raw = bytes([0, 0, 0x08, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)
        path = tmp_path / "bad-idx3-ubyte"
        path.write_bytes(raw + b"\0" * 16)
        with pytest.raises(ValueError, match=r"bad-idx3-ubyte: IDX header announces shape") as info:
            load_idx(path)
        assert f"({math.prod(dims)} bytes)" in str(info.value)


def _pickled_batch(path, data, labels):
    with open(path, "wb") as f:
        pickle.dump({b"data": data, b"labels": labels}, f, protocol=2)
    return path


@pytest.mark.parametrize("data, labels, match", [
    (bytes(3072), [2**70], r"'labels' entry must hold integers"),
    (bytes(3072), [-1], r"'labels' entry holds values outside \[0, "),
    ([300] * 3072, [0], r"'data' entry holds values outside \[0, 255\]"),
    (np.full(3072, 300, dtype=np.int64), [0], r"'data' entry holds values outside"),
    (np.zeros(3072, dtype=np.float32), [0], r"'data' entry must hold integers"),
    (bytes(3072), [[0]], "must be a list of labels"),
    (bytes(3072), "self", "not an array of integers|must hold integers"),
], ids=["label_2**70", "label_-1", "pixel_300_list", "pixel_300_array", "float_pixels",
        "nested_labels", "self_referencing_labels"])
def test_cifar_batch_with_impossible_values_names_the_file(tmp_path, data, labels, match):
    if isinstance(labels, str):
        labels = [0]
        labels.append(labels)  # a list that holds itself
    path = _pickled_batch(tmp_path / "data_batch_1", data, labels)
    with pytest.raises(ValueError, match=match) as info:
        load_cifar_batch(path)
    assert "data_batch_1" in str(info.value)


def test_cifar_archive_whose_member_is_a_link(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _pickled_batch(src / "real", bytes(3072), [1])
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for i in range(1, 6):
            info = tarfile.TarInfo(f"cifar-10-batches-py/data_batch_{i}")
            info.type = tarfile.SYMTYPE
            info.linkname = "/nonexistent/elsewhere"
            tar.addfile(info)
    with pytest.raises(ValueError, match="data_batch_1 is a link in the archive"):
        load_cifar(archive)


def test_save_spikes_into_a_folder_path_is_refused(tmp_path):
    S = spikes_from_dense(np.array([[0.5, 0.0]]))
    folder = tmp_path / "some"
    folder.mkdir()
    for path in (f"{folder}{os.sep}", folder, str(folder)):
        with pytest.raises(ValueError, match="names a folder, not a file"):
            save_spikes(path, S)
        with pytest.raises(ValueError, match="names a folder, not a file"):
            save_features(path, np.zeros((1, 2)))
    assert list(folder.iterdir()) == []


def test_very_wide_spike_lists_need_no_memory_per_declared_input(tmp_path):
    # a declared width of 2**31 - 1 inputs used to fill 16 GB of duplicate markers
    # (43 s) before a MemoryError
    d = 2**31 - 1
    S = sp.csr_matrix((np.array([0.5, 0.0, 0.25]), np.array([d - 1, 7, 7]),
                       np.array([0, 2, 3])), shape=(2, d))
    save_spikes(tmp_path / "wide.npz", S, [0, 1])
    X, y, _ = load_spikes(tmp_path / "wide.npz")
    assert X.shape == (2, d) and X.indices.tolist() == [7, d - 1, 7]
    dup = sp.csr_matrix((np.array([0.5, 0.25]), np.array([d - 1, d - 1]),
                         np.array([0, 2, 2])), shape=(2, d))
    with pytest.raises(ValueError, match="more than one spike for the same input"):
        save_spikes(tmp_path / "dup.npz", dup)
    bad = sp.csr_matrix((np.array([0.5]), np.array([5]), np.array([0, 0, 1])), shape=(2, d))
    bad.indices[0] = -3
    with pytest.raises(ValueError, match=r"outside \[0, n_features\) \(first in sample 1\)"):
        save_spikes(tmp_path / "bad.npz", bad)
    # a layer of that width cannot be trained: the memory it needs is said first
    with pytest.raises(MemoryError, match=r"needs about .* GB to initialise and train"):
        SpikingReadoutClassifier(max_iter=1).fit(X, y)


# ---------------------------------------------------------------- property
def test_no_input_crashes_the_process_or_gives_another_error():
    # hypothesis (derandomized, no database): sparse matrices of every scipy format with
    # arbitrary, also invalid, index arrays, pointers, shapes and values, and dense
    # arrays of arbitrary dtypes, shapes and values, through fit, partial_fit, predict,
    # predict_proba, decision_function, transform and inverse_transform of each
    # estimator; in a subprocess, so that a crash fails this test
    script = Path(__file__).with_name("_input_properties.py")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run([sys.executable, str(script), "150"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.returncode, proc.stdout[-3000:], proc.stderr[-5000:])
    assert "no crash" in proc.stdout


# ---------------------------------------------------------------- parameters and state
@pytest.mark.parametrize("change, match", [
    (dict(tau=-1), "'tau' parameter"),
    (dict(neuron="xyz"), "'neuron' parameter"),
    (dict(neurons_per_class=True), "not a bool"),
    (dict(threshold=True), "not a bool"),
])
def test_partial_fit_on_a_fitted_model_validates_the_parameters(fitted, change, match):
    # scikit-learn skips the validation of partial_fit on a fitted estimator
    clf, S, y = fitted
    clf = clone(clf).set_params(max_iter=1).fit(S, y).set_params(**change)
    with pytest.raises(ValueError, match=match):
        clf.partial_fit(S, y)


@pytest.mark.parametrize("neuron, change, match", [
    ("if", dict(max_time=0.5), "max_time was changed from 1.0 to 0.5 after the model"),
    ("lif", dict(tau=0.5), "tau was changed from 1.0 to 0.5"),
    ("lif", dict(tau=0), "'tau' parameter"),  # (was: SystemError from the kernel)
    ("if", dict(neuron="lif"), "neuron was changed from 'if' to 'lif'"),
    ("if", dict(max_time=True), "not a bool"),
])
def test_prediction_refuses_settings_changed_after_fit(fitted, neuron, change, match):
    # set_params(max_time=0.5) after fit silently changed the predictions (0.90 -> 0.79)
    _, S, y = fitted
    clf = SpikingReadoutClassifier(neuron=neuron, max_iter=1, random_state=0).fit(S, y)
    expected = clf.predict(S)
    old = clf.get_params()
    clf.set_params(**change)
    for method in ("predict", "predict_proba", "decision_function", "score"):
        with pytest.raises(ValueError, match=match):
            getattr(clf, method)(S, y) if method == "score" else getattr(clf, method)(S)
    clf.set_params(**{k: old[k] for k in change})
    np.testing.assert_array_equal(clf.predict(S), expected)
    # an IF neuron has no time constant: changing it changes nothing
    clf.set_params(tau=3.0)
    if neuron == "if":
        np.testing.assert_array_equal(clf.predict(S), expected)


def test_continued_training_refuses_another_max_time(fitted):
    _, S, y = fitted
    clf = SpikingReadoutClassifier(max_iter=1, warm_start=True, random_state=0).fit(S, y)
    clf.set_params(max_time=2.0)
    with pytest.raises(ValueError, match="cannot continue training .* with max_time=2.0"):
        clf.fit(S, y)
    with pytest.raises(ValueError, match="cannot continue training .* with max_time=2.0"):
        clf.partial_fit(S, y)


def test_edited_fitted_state_is_checked(fitted):
    clf, S, _ = fitted
    clf = clone(clf).set_params(max_iter=1).fit(S, fitted[2])
    thresholds = clf.thresholds_.copy()
    clf.thresholds_ = np.full_like(thresholds, np.inf)
    with pytest.raises(ValueError, match="thresholds_ contains NaN or infinite values"):
        clf.predict(S)
    clf.thresholds_ = thresholds
    coef = clf.proba_coef_.copy()
    for bad in ([np.nan, 1e308], [-1.0, 2.0], [1.0], "x"):
        clf.proba_coef_ = bad
        with pytest.raises(ValueError, match="proba_coef_ must hold 2 finite numbers >= 0"):
            clf.predict_proba(S)
    clf.proba_coef_ = coef
    weights = clf.weights_.copy()
    clf.weights_ = np.full_like(weights, 1e37)  # finite, but their sum overflows float32
    with pytest.raises(ValueError, match="weights_ holds values of magnitude up to 1e"):
        clf.predict(S)
    clf.weights_ = weights
    P = clf.predict_proba(S)
    assert np.all(np.isfinite(P)) and np.allclose(P.sum(axis=1), 1.0)


@pytest.mark.parametrize("params, match", [
    (dict(w_init_mean=1e308), "'w_init_mean' parameter"),  # (failed only after training)
    (dict(max_time=5e307), "'max_time' parameter"),  # (overflowed inside: another model)
    (dict(t_gap=1e301), "'t_gap' parameter"),
    (dict(w_max=1e37), r"\[w_min, w_max\] = \[0, 1e\+37\]: with 64 inputs"),
    (dict(threshold=1e39), "'threshold' parameter"),
    (dict(neurons_per_class=True), "'neurons_per_class' parameter .* not a bool"),
    (dict(threshold=True), "'threshold' parameter .* not a bool"),
    (dict(max_iter=np.True_), "'max_iter' parameter"),
])
def test_parameters_that_overflow_or_are_bools_are_refused(fitted, params, match):
    _, S, y = fitted
    with pytest.raises(ValueError, match=match):
        SpikingReadoutClassifier(**{"max_iter": 1, **params}).fit(S, y)


def test_encoder_parameters_are_checked_when_transforming():
    X = np.random.default_rng(0).random((4, 3))
    with pytest.raises(ValueError, match="'max_time' parameter of TTFSEncoder .* not a bool"):
        TTFSEncoder(max_time=True).fit(X)
    enc = TTFSEncoder().fit(X)
    for bad in (True, -1.0, np.nan):
        enc.set_params(max_time=bad)
        with pytest.raises(ValueError, match="max_time"):
            enc.transform(X)
    enc.set_params(max_time=2.0)  # a valid change applies
    assert enc.transform(X).nnz == X.size


def test_time_scale_up_to_the_bound_trains_the_same_model(fitted):
    # spike times and max_time scaled by a power of two: bitwise the same model, up to
    # the largest max_time accepted
    _, S, y = fitted
    a = SpikingReadoutClassifier(rule="sstdp", max_iter=2, random_state=0).fit(S, y)
    scale = 2.0**996  # (1e300 > 2**996)
    b = SpikingReadoutClassifier(rule="sstdp", max_iter=2, random_state=0,
                                 max_time=scale).fit(S * scale, y)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    np.testing.assert_array_equal(a.predict(S), b.predict(S * scale))
