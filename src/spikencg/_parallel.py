"""Threads for the per-sample kernels (prediction, encoding, feature extraction).

The compiled kernels run on one thread and release the GIL (``nogil``). A large batch
is cut into chunks of samples that the calling thread and helper threads take in turn
until none is left (:func:`run_chunks`). No numba threading layer is involved, so:

* a process that forks afterwards (``multiprocessing`` with ``fork``, joblib's
  ``multiprocessing`` backend) does not hang: the helpers are plain Python threads,
  forgotten in the child, which starts its own when it needs them;
* several Python threads may predict at once: each call is independent, the helpers are
  shared, and the calling thread always works on its own call;
* a helper that the operating system does not run at once (another process holds the
  core) delays nothing: the calling thread takes the chunks the helper has not started,
  and redoes the one it holds when nothing else is left.

Work is measured in estimated nanoseconds of one thread (each caller converts its
sizes with costs measured for its kernel); a batch below :data:`PARALLEL_MIN_NS` runs in
the calling thread alone, where waking helpers would cost more than they save.
"""

import itertools
import os
import sys
import threading

import numba

from ._compat import _openmp_effective_n_threads

__all__ = ["PARALLEL_MIN_NS", "available_memory", "chunk_bounds", "num_threads",
           "run_chunks"]

# estimated one-thread time (ns) from which a call is shared between threads; measured
# with benchmarks/bench_predict.py (see benchmarks/README.md)
PARALLEL_MIN_NS = 2_000_000


def _numba_threads():
    """numba's thread count for the calling thread (``numba.set_num_threads``,
    ``NUMBA_NUM_THREADS``), without starting numba's threading layer when nothing has
    started it yet (a started GNU OpenMP layer breaks parallel regions in forked
    children)."""
    from numba.np.ufunc import parallel

    if getattr(parallel, "_is_initialized", True):
        return numba.get_num_threads()
    return numba.config.NUMBA_NUM_THREADS


def _env_int(name):
    """The positive integer in environment variable ``name``, None when unset or empty."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        n = int(value)
    except ValueError:
        raise ValueError(
            f"The environment variable {name} must be a positive integer, got {value!r}."
        ) from None
    if n < 1:
        raise ValueError(
            f"The environment variable {name} must be a positive integer, got {value!r}."
        )
    return n


def _in_worker_process():
    """Whether this process is a worker of a process pool (multiprocessing, joblib's
    ``multiprocessing`` backend, a Dask worker), which already keeps the cores busy."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        return True
    dist = sys.modules.get("distributed")
    if dist is not None:
        try:
            dist.get_worker()
        except (ValueError, AttributeError):
            return False
        return True
    return False


def num_threads():
    """Number of threads a parallel kernel call may use (the calling one included).

    ``SPIKENCG_NUM_THREADS`` when set. Otherwise the smallest of: the CPUs this process
    may use; numba's thread count for the calling thread (``numba.set_num_threads``,
    ``NUMBA_NUM_THREADS``); the OpenMP limit that scikit-learn sees
    (``OMP_NUM_THREADS``, ``threadpoolctl.threadpool_limits``); and 1 in a worker of a
    process pool (``multiprocessing``, joblib's ``multiprocessing`` backend) or of Dask.
    joblib's ``loky`` workers get ``OMP_NUM_THREADS`` and ``NUMBA_NUM_THREADS`` from
    joblib (the CPUs divided by the workers).

    Raises
    ------
    ValueError
        If ``SPIKENCG_NUM_THREADS`` is set to something else than a positive integer.
    """
    n = _env_int("SPIKENCG_NUM_THREADS")
    if n is not None:
        return n
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    n = min(n, _numba_threads(), _openmp_effective_n_threads())
    omp = os.environ.get("OMP_NUM_THREADS", "").strip()
    if omp.isdigit() and int(omp) >= 1:  # (set after OpenMP started)
        n = min(n, int(omp))
    if n > 1 and _in_worker_process():
        n = 1
    return max(n, 1)


_DONE = 1  # chunk state: results in the output


class _Call:
    """One parallel call: chunks of ``fn``'s items taken in turn by the calling thread and
    the helpers.

    ``fn(lo, hi, direct)`` computes items ``lo:hi``: into the output when ``direct``
    (only the calling thread does that), else into scratch arrays, returning a function
    that copies them into the output. A helper's results are copied, under the lock, only
    if the chunk is not done yet and the call not closed, so that nothing is written into
    the output after the call has returned. When no chunk is left to take, the calling
    thread redoes the chunks that helpers still hold, piece by piece, and stops as soon as
    the helper's copy arrives: it never waits for a helper that the operating system does
    not schedule.
    """

    def __init__(self, fn, bounds):
        self.fn = fn
        self.bounds = bounds  # chunk c: items bounds[c]:bounds[c + 1]
        self.n_chunks = len(bounds) - 1
        self.take = itertools.count().__next__  # atomic under the GIL
        self.lock = threading.Lock()
        self.state = bytearray(self.n_chunks)
        self.closed = False

    def help(self):
        """A helper's work: chunks into scratch, copied in if still wanted."""
        while not self.closed:
            c = self.take()
            if c >= self.n_chunks:
                return
            try:
                commit = self.fn(self.bounds[c], self.bounds[c + 1], False)
            except Exception:  # the calling thread redoes the chunk (and raises)
                return
            with self.lock:
                if not self.closed and self.state[c] == 0:
                    commit()
                    self.state[c] = _DONE

    def run(self, piece):
        """The calling thread's work: its chunks, then the helpers' unfinished ones
        (in pieces of about ``piece`` items)."""
        try:
            while True:
                c = self.take()
                if c >= self.n_chunks:
                    break
                self.fn(self.bounds[c], self.bounds[c + 1], True)
                self.state[c] = _DONE  # (a helper never writes a chunk it did not take)
            for c in range(self.n_chunks):
                if self.state[c] == _DONE:
                    continue
                commits = []
                lo, hi = self.bounds[c], self.bounds[c + 1]
                while lo < hi and self.state[c] != _DONE:
                    commits.append(self.fn(lo, min(hi, lo + piece), False))
                    lo += piece
                with self.lock:
                    if self.state[c] != _DONE:
                        for commit in commits:
                            commit()
                        self.state[c] = _DONE
        finally:
            with self.lock:
                self.closed = True


def _batch_policy():
    """Schedule the calling thread as SCHED_BATCH where the system has it (Linux).

    A batch thread that wakes up does not preempt the thread running on its CPU: on a
    busy machine, waking a helper otherwise often hands the calling thread's CPU to the
    helper, which at once waits for the GIL that the calling thread holds, and the
    calling thread waits milliseconds for the CPU to come back (measured: 40 % of the
    parallel calls of 100 samples of 4,608 inputs stalled 2.5-5 ms). Needs no privilege.
    """
    try:
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or not allowed: the default policy
        pass


class _Helpers:
    """Helper threads of one process, started on demand, waiting for calls."""

    def __init__(self):
        self.pid = os.getpid()
        self.cond = threading.Condition(threading.Lock())
        self.calls = []  # one entry per helper wanted by an open call
        self.threads = []
        self.active = 0  # parallel calls running

    def open(self, call, threads):
        """Offer ``call`` to at most ``threads - 1`` helpers, fewer while other parallel
        calls run (their calling threads already use cores); returns how many."""
        with self.cond:
            n = max(0, min(threads - 1 - self.active, call.n_chunks - 1))
            self.active += 1
            try:
                while len(self.threads) < n:
                    t = threading.Thread(target=self._loop, name="spikencg-helper",
                                         daemon=True)
                    t.start()
                    self.threads.append(t)
            except RuntimeError:  # no more threads: fewer helpers
                n = len(self.threads)
            self.calls.extend([call] * n)
            self.cond.notify(n)
            return n

    def close(self, call):
        with self.cond:
            self.active -= 1
            self.calls = [c for c in self.calls if c is not call]

    def _loop(self):
        _batch_policy()
        while True:
            with self.cond:
                while not self.calls:
                    self.cond.wait()
                call = self.calls.pop(0)
            call.help()


_helpers = None
_helpers_lock = threading.Lock()


def _after_fork_in_child():
    # the parent's helper threads do not exist here, and its locks may be held
    global _helpers, _helpers_lock
    _helpers = None
    _helpers_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _get_helpers():
    global _helpers
    with _helpers_lock:
        if _helpers is None or _helpers.pid != os.getpid():
            _helpers = _Helpers()
        return _helpers


def chunk_bounds(n_items, cost_ns, threads, min_ns=None, min_chunk_ns=0):
    """Chunk boundaries (items) for ``n_items`` items of estimated total ``cost_ns``.

    One chunk when the batch runs in one thread (``threads == 1``, or ``cost_ns`` below
    ``min_ns``, by default :data:`PARALLEL_MIN_NS`); else equal chunks of about
    ``cost_ns / (4 * threads)``, at least ``min_ns / 8`` and ``min_chunk_ns``, their number
    a multiple of ``threads`` when above it (the items are taken to cost the same).
    """
    if min_ns is None:
        min_ns = PARALLEL_MIN_NS
    if threads <= 1 or cost_ns < min_ns or n_items < 2:
        return [0, n_items]
    # few chunks: each costs a helper some 10-20 us holding the GIL (the call's
    # arguments, the copy), and a helper that the system preempts while it holds the GIL
    # stops the calling thread until it runs again; but not fewer than 4 per thread down
    # to min_ns / 8: while a helper wakes up (up to about 1 ms on the 2-core machine) the
    # calling thread takes chunks, so small ones balance the work (quiet machine, 10,000
    # samples of 64 inputs: 1.40x one thread with chunks of min_ns / 2, 1.46x)
    chunk_ns = max(min_ns / 8, min_chunk_ns, cost_ns / (4 * threads), 1e-300)
    n_chunks = max(1, min(n_items, int(cost_ns / chunk_ns)))
    # a multiple of the threads: 3 chunks on 2 threads take 2 chunks' time (measured,
    # quiet machine: 10,000 samples of 64 inputs at 1.33x one thread in 3 chunks)
    if n_chunks > threads:
        n_chunks -= n_chunks % threads
    return [n_items * c // n_chunks for c in range(n_chunks + 1)]


def run_chunks(fn, n_items, cost_ns, *, min_chunk_ns=0):
    """Run ``fn`` over items ``0 .. n_items - 1``, in several threads when the work pays
    for it.

    Parameters
    ----------
    fn : callable
        ``fn(lo, hi, direct)`` computes items ``lo:hi``. When ``direct`` it writes the
        results into the output and returns nothing; otherwise it writes them into
        scratch arrays of its own and returns a function of no argument that copies them
        into the output. Items are independent: the output does not depend on how they
        are split.
    n_items : int
        Number of items.
    cost_ns : float
        Estimated time of the whole work in one thread, in nanoseconds. Below
        :data:`PARALLEL_MIN_NS`, or with one thread (:func:`num_threads`), ``fn`` runs
        once, on all items, in the calling thread.
    min_chunk_ns : float, default=0
        Least estimated time of a chunk.

    Raises
    ------
    ValueError
        If ``SPIKENCG_NUM_THREADS`` is not a positive integer.
    """
    if cost_ns < PARALLEL_MIN_NS or n_items < 2:
        _env_int("SPIKENCG_NUM_THREADS")  # (a bad value is an error whatever the size)
        fn(0, n_items, True)
        return
    threads = num_threads()
    bounds = chunk_bounds(n_items, cost_ns, threads, min_chunk_ns=min_chunk_ns)
    if len(bounds) <= 2:
        fn(0, n_items, True)
        return
    call = _Call(fn, bounds)
    helpers = _get_helpers()
    helpers.open(call, threads)
    try:
        call.run(piece=max(1, (bounds[1] - bounds[0]) // 4))
    finally:
        helpers.close(call)


def available_memory():
    """Bytes of memory available to a new allocation (Linux: MemAvailable), or None
    where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None
