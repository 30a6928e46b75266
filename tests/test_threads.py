"""Threads: the thread count's settings, the chunk runner, several Python threads at once,
and forks after parallel work (in subprocesses, with a timeout: a hang fails the test)."""

import os
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numba
import numpy as np
import pytest

from spikencg import SpikingReadoutClassifier, TTFSEncoder, _parallel

SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.fixture(scope="module")
def digits_times():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return 1.0 - X / 16.0, y


@pytest.fixture
def no_thread_env(monkeypatch):
    for name in ("SPIKENCG_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)


def test_num_threads_settings(no_thread_env, monkeypatch):
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert _parallel.num_threads() == min(cpus, numba.get_num_threads(),
                                          _parallel._openmp_effective_n_threads())
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # as joblib's and Dask's workers set it
    assert _parallel.num_threads() == 1
    monkeypatch.setenv("SPIKENCG_NUM_THREADS", "3")  # explicit: wins over everything
    assert _parallel.num_threads() == 3
    monkeypatch.delenv("SPIKENCG_NUM_THREADS")
    monkeypatch.delenv("OMP_NUM_THREADS")
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        assert _parallel.num_threads() == 1
    finally:
        numba.set_num_threads(old)


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_invalid_thread_variable_is_named(monkeypatch, value, digits_times):
    X, y = digits_times
    clf = SpikingReadoutClassifier(max_iter=1, random_state=0).fit(X[:200], y[:200])
    monkeypatch.setenv("SPIKENCG_NUM_THREADS", value)
    with pytest.raises(ValueError, match="SPIKENCG_NUM_THREADS"):
        clf.predict(X[:3])


def _worker_threads(_):
    return _parallel.num_threads()


def test_one_thread_in_process_pool_workers(no_thread_env):
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    env = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = SRC + (os.pathsep + env if env else "")
    try:
        with ctx.Pool(1) as pool:
            assert pool.map(_worker_threads, [0]) == [1]
    finally:
        if env is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = env


def test_one_thread_in_dask_workers(no_thread_env, monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setenv("SPIKENCG_NUM_THREADS", "")  # (empty: unset)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert client.submit(_parallel.num_threads, pure=False).result() == 1


def _chunked(n, out, slow_helper=None, marker=None):
    """A chunk function writing ``arange`` into ``out``; a helper's copy writes ``marker``
    instead when given (to catch a helper's copy that should have been dropped)."""

    def fn(lo, hi, direct):
        vals = np.arange(lo, hi, dtype=np.int64)
        if direct:
            out[lo:hi] = vals
            return None
        helper = threading.current_thread().name == "spikencg-helper"
        if helper and slow_helper is not None:
            slow_helper.wait(10)

        def commit():
            out[lo:hi] = marker if (helper and marker is not None) else vals

        return commit

    return fn


def test_run_chunks_splits_and_covers(monkeypatch):
    monkeypatch.setenv("SPIKENCG_NUM_THREADS", "3")
    for n in (0, 1, 2, 7, 100, 1001):
        out = np.full(n, -1, dtype=np.int64)
        _parallel.run_chunks(_chunked(n, out), n, 1e9 * n)
        np.testing.assert_array_equal(out, np.arange(n))
    assert _parallel.chunk_bounds(1000, 10.0, 2, min_ns=100.0) == [0, 1000]
    assert _parallel.chunk_bounds(1000, 1e6, 1, min_ns=100.0) == [0, 1000]
    b = _parallel.chunk_bounds(1000, 1e6, 2, min_ns=100.0)
    assert b == [1000 * c // 8 for c in range(9)]
    # 3 chunks' worth on 2 threads: 2 chunks (3 would take 2 chunks' time)
    assert _parallel.chunk_bounds(1000, 330.0, 2, min_ns=100.0, min_chunk_ns=110.0) == [
        0, 500, 1000]
    assert len(_parallel.chunk_bounds(1000, 1e6, 3, min_ns=100.0)) - 1 == 12


def test_run_chunks_never_waits_for_a_stalled_helper(monkeypatch):
    # a helper that the system does not run (here: blocked) holds a chunk; the calling
    # thread redoes it, returns, and the helper's late copy is dropped
    monkeypatch.setenv("SPIKENCG_NUM_THREADS", "2")
    n = 64
    out = np.full(n, -1, dtype=np.int64)
    release = threading.Event()
    _parallel.run_chunks(_chunked(n, out, slow_helper=release, marker=-7), n, 1e9)
    np.testing.assert_array_equal(out, np.arange(n))
    release.set()
    # the helper finishes its chunk, finds the call closed and writes nothing
    for _ in range(200):
        if not _parallel._get_helpers().calls:
            break
        threading.Event().wait(0.005)
    threading.Event().wait(0.05)
    np.testing.assert_array_equal(out, np.arange(n))


def test_run_chunks_raises_the_kernels_error(monkeypatch):
    monkeypatch.setenv("SPIKENCG_NUM_THREADS", "2")

    def fn(lo, hi, direct):
        if lo <= 50 < hi:
            raise ZeroDivisionError("chunk 50")
        return None if direct else (lambda: None)

    with pytest.raises(ZeroDivisionError, match="chunk 50"):
        _parallel.run_chunks(fn, 100, 1e9)


@pytest.fixture
def fitted(digits_times):
    X, y = digits_times
    clf = SpikingReadoutClassifier(max_iter=2, random_state=0).fit(X[:500], y[:500])
    X = np.tile(X, (2, 1))
    return clf, X, TTFSEncoder().fit_transform(X)


def _outputs(clf, X, S):
    return (TTFSEncoder().fit_transform(X).toarray(), clf.predict(S),
            clf.decision_function(X), clf.predict_proba(S))


def test_results_equal_whatever_the_thread_count(fitted, monkeypatch):
    # every batch in chunks (the threshold at zero), with 1, 2 and 5 threads
    clf, X, S = fitted
    monkeypatch.setattr(_parallel, "PARALLEL_MIN_NS", 0)
    results = []
    for k in ("1", "2", "5"):
        monkeypatch.setenv("SPIKENCG_NUM_THREADS", k)
        results.append(_outputs(clf, X, S))
    for other in results[1:]:
        for a, b in zip(results[0], other, strict=True):
            np.testing.assert_array_equal(a, b)


def test_python_threads_predicting_at_once(fitted, monkeypatch):
    # several Python threads use the estimators at once (in chunks, sharing the helpers):
    # each gets what it gets alone
    clf, X, S = fitted
    monkeypatch.setattr(_parallel, "PARALLEL_MIN_NS", 0)
    monkeypatch.setenv("SPIKENCG_NUM_THREADS", "3")
    parts = [(X[i::4], S[i::4]) for i in range(4)]
    alone = [_outputs(clf, Xi, Si) for Xi, Si in parts]
    with ThreadPoolExecutor(4) as ex:
        for _ in range(3):
            futures = [ex.submit(_outputs, clf, Xi, Si) for Xi, Si in parts * 2]
            for f, expected in zip(futures, alone * 2, strict=True):
                for a, b in zip(f.result(), expected, strict=True):
                    np.testing.assert_array_equal(a, b)


_FORK_SCRIPT = """
import os, sys
os.environ["SPIKENCG_NUM_THREADS"] = "2"  # helper threads even on one CPU
import multiprocessing
import numpy as np
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from spikencg import SpikingReadoutClassifier, TTFSEncoder

X, y = load_digits(return_X_y=True)
Xb, yb = np.vstack([X] * 8), np.concatenate([y] * 8)
pipe = make_pipeline(TTFSEncoder(encoding="intensity"),
                     SpikingReadoutClassifier(max_iter=1, random_state=0))
pipe.fit(Xb[:600], yb[:600])
expected = pipe.predict(Xb)  # large enough for the parallel path: helpers started
from spikencg import _parallel
assert _parallel._helpers is not None and _parallel._helpers.threads, "no helper started"
from numba.np.ufunc import parallel
assert not parallel._is_initialized, "a numba threading layer was started"


def part(i):
    return pipe.predict(Xb[i::2])


if sys.argv[1] == "pool":
    with multiprocessing.get_context("fork").Pool(2) as pool:
        parts = pool.map(part, range(2))
    assert np.array_equal(parts[0], expected[0::2]) and np.array_equal(parts[1], expected[1::2])
else:
    from joblib import parallel_backend
    from sklearn.model_selection import cross_val_score

    with parallel_backend("multiprocessing", n_jobs=2):
        scores = cross_val_score(pipe, Xb[:1200], yb[:1200], cv=2)
    assert np.all(scores > 0.5), scores
print("ok")
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.parametrize("how", ["pool", "joblib"])
def test_no_hang_when_forking_after_parallel_work(how, tmp_path):
    script = tmp_path / "fork_after_predict.py"
    script.write_text(textwrap.dedent(_FORK_SCRIPT))
    env = dict(os.environ, PYTHONPATH=SRC)
    env.pop("NUMBA_NUM_THREADS", None)
    try:
        res = subprocess.run([sys.executable, str(script), how], env=env, timeout=120,
                             capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        pytest.fail(f"fork after a parallel prediction hangs ({how})")
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip().endswith("ok")
    assert "OpenMP" not in res.stderr


def test_threadpoolctl_limits_are_honoured(no_thread_env):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1):
        assert _parallel.num_threads() == 1


@pytest.mark.skipif(not hasattr(os, "SCHED_BATCH"), reason="Linux scheduling policies")
def test_helpers_do_not_preempt_the_calling_thread(monkeypatch):
    # helpers are SCHED_BATCH threads: waking one never takes the calling thread's CPU
    monkeypatch.setenv("SPIKENCG_NUM_THREADS", "2")
    out = np.full(64, -1, dtype=np.int64)
    _parallel.run_chunks(_chunked(64, out), 64, 1e9)
    helpers = _parallel._get_helpers().threads
    assert helpers
    for t in helpers:
        assert os.sched_getscheduler(t.native_id) == os.SCHED_BATCH
    assert os.sched_getscheduler(0) != os.SCHED_BATCH  # the caller keeps its policy
