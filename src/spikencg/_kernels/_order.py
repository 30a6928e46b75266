"""The decision order of single-spike neurons: one tie rule for every kernel.

A neuron ranks before another when it fires earlier; at equal firing times, when its
potential (at the end of the input group that made it fire) is larger; at equal times
and potentials, when its index is smaller. The readout's decision and its training
winners (:mod:`._forward`, :mod:`._train`), the STDP winners of the convolutional
layer (:mod:`._conv`) and the pictures of :mod:`spikencg.plot` all rank neurons with
the functions of this module.
"""

import numpy as np

from ._jit import njit

__all__ = ["best_of_range", "better"]


# inline="always" (better, best_of_range): inlined in numba's IR, the calls cost no
# argument marshalling (each array is passed as several values); measured 3 % faster
# training on digits, where best_of_range runs 11 times per sample. better reads the
# potentials only when the times are equal: loading them first made prediction on
# digits 30 % slower
@njit(cache=True, nogil=True, inline="always")
def better(a, b, s, V):
    """Whether neuron ``a`` ranks strictly before neuron ``b``.

    Earliest spike first, then larger potential. Ties that remain go to the smaller
    index, which the callers keep by scanning neurons in index order and replacing the
    current best only by a strictly better one (see :func:`best_of_range`).

    Parameters
    ----------
    a, b : int
        The neurons.
    s : ndarray of shape (N,), float64
        Firing times (the end of the time window for a silent neuron).
    V : ndarray of shape (N,), float32
        Potentials at the firing time (compared as float32 numbers).

    Returns
    -------
    bool
    """
    if s[a] < s[b]:
        return True
    if s[a] > s[b]:
        return False
    return V[a] > V[b]


@njit(cache=True, nogil=True, inline="always")
def best_of_range(lo, hi, s, V, active):
    """Best active neuron in ``[lo, hi)`` under the decision order, or -1 if none is active.

    Remaining ties go to the smallest index (only a strictly better neuron replaces the
    current best).
    """
    best = np.int64(-1)  # np.int64: no extra compiled copy of better for a literal -1
    for n in range(lo, hi):
        if not active[n]:
            continue
        if best < 0 or better(n, best, s, V):
            best = n
    return best
