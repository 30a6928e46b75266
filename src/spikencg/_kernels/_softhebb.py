"""Element-wise parts of the SoftHebb convolutional blocks (the products go to BLAS).

Used by :class:`spikencg.softhebb.SoftHebbFeatures`, which calls these kernels from its
own worker threads on disjoint slices of the arrays (hence ``nogil`` and no ``prange``:
two threads may never share a numba parallel region).

Layout
------
- Activations are stored channel-last, ``(n, H, W, C)`` float32: the rows of a
  convolution's output ``u = cols @ W.T`` (one row per image position, one column per
  map) are already in this order.
- ``cols`` (im2col) has one row per output position, ``(n, oh, ow)`` row-major, and one
  column per weight, ``(dy, dx, c)`` row-major; the weights of a block are stored
  ``W[m, (dy, dx, c)]`` (float32, one row per map).
"""

import numpy as np

from ._jit import njit

__all__ = ["apply_update", "avg_pool", "im2col", "max_pool", "signed_softmax",
           "update_rows", "triangle"]


@njit(cache=True, nogil=True)
def _reflect(i, n):
    """Index ``i`` of a reflect-padded axis of length ``n`` (edge not repeated)."""
    if i < 0:
        return -i
    if i >= n:
        return 2 * (n - 1) - i
    return i


@njit(cache=True, nogil=True)
def im2col(x, mean, inv_std, k, pad, oh, ow, out):
    """Patches of the normalised, reflect-padded images, one row per output position.

    Parameters
    ----------
    x : ndarray of shape (n, H, W, C), float32
        Block input.
    mean, inv_std : ndarrays of shape (C,), float32
        Batch normalisation: each value becomes ``(x - mean[c]) * inv_std[c]``.
    k, pad : int
        Kernel side and reflect padding (``pad < H`` and ``pad < W``).
    oh, ow : int
        Output rows and columns computed (the first ``oh`` x ``ow`` positions of the
        ``(H + 2 pad - k + 1) x (W + 2 pad - k + 1)`` output grid).
    out : ndarray of shape (n * oh * ow, k * k * C), float32
        Written.
    """
    n, H, W, C = x.shape
    r = 0
    for b in range(n):
        for oy in range(oh):
            for ox in range(ow):
                col = 0
                for dy in range(k):
                    yy = _reflect(oy + dy - pad, H)
                    for dx in range(k):
                        xx = _reflect(ox + dx - pad, W)
                        for c in range(C):
                            out[r, col] = (x[b, yy, xx, c] - mean[c]) * inv_std[c]
                            col += 1
                r += 1


@njit(cache=True, nogil=True)
def triangle(u):
    """In place, each row: subtract its mean (over the maps), then clip at 0.

    ``u`` has shape (n_positions, n_maps), float32; the mean is accumulated in float64.
    """
    N, K = u.shape
    for r in range(N):
        s = 0.0
        for c in range(K):
            s += u[r, c]
        m = np.float32(s / K)
        for c in range(K):
            v = u[r, c] - m
            u[r, c] = v if v > 0 else np.float32(0.0)


@njit(cache=True, nogil=True, inline="always")
def _window(p, size, stride, pad, n):
    """Rows (or columns) ``lo:hi`` of pooling window ``p`` along an axis of length ``n``:
    from ``p * stride - pad``, ``size`` long, clipped to ``[0, n)``."""
    lo = p * stride - pad
    return max(lo, 0), min(lo + size, n)


@njit(cache=True, nogil=True)
def max_pool(a, size, stride, pad, out):
    """Max pooling of ``a`` (n, H, W, K) into ``out`` (n, PH, PW, K).

    Window ``(py, px)`` covers rows ``py * stride - pad`` to ``py * stride - pad + size - 1``
    (and likewise columns), clipped to the array: the padding never wins (-inf).
    """
    n, H, W, K = a.shape
    PH, PW = out.shape[1], out.shape[2]
    for b in range(n):
        for py in range(PH):
            y0, y1 = _window(py, size, stride, pad, H)
            for px in range(PW):
                x0, x1 = _window(px, size, stride, pad, W)
                for c in range(K):
                    out[b, py, px, c] = -np.inf
                for yy in range(y0, y1):
                    for xx in range(x0, x1):
                        for c in range(K):
                            v = a[b, yy, xx, c]
                            if v > out[b, py, px, c]:
                                out[b, py, px, c] = v


@njit(cache=True, nogil=True)
def avg_pool(a, size, stride, pad, out):
    """Average pooling of ``a`` (n, H, W, K) into ``out`` (n, PH, PW, K).

    The mean over ``size * size`` values, padding counted as zeros.
    """
    n, H, W, K = a.shape
    PH, PW = out.shape[1], out.shape[2]
    acc = np.empty(K, np.float64)
    scale = 1.0 / (size * size)
    for b in range(n):
        for py in range(PH):
            y0, y1 = _window(py, size, stride, pad, H)
            for px in range(PW):
                x0, x1 = _window(px, size, stride, pad, W)
                acc[:] = 0.0
                for yy in range(y0, y1):
                    for xx in range(x0, x1):
                        for c in range(K):
                            acc[c] += a[b, yy, xx, c]
                for c in range(K):
                    out[b, py, px, c] = acc[c] * scale


@njit(cache=True, nogil=True)
def signed_softmax(u, y):
    """Soft winner-take-all of each row of ``u`` (n_positions, n_maps), in place in ``y``.

    ``y`` holds ``exp(beta * (u - max(u)))`` on entry (computed by NumPy's vectorised
    ``exp``) and, on return, these values normalised to sum 1 over the row (the softmax
    of ``beta * u``), negated for every map but the row's first largest ``u`` (the
    winner, which keeps ``+softmax``).
    """
    N, K = u.shape
    for r in range(N):
        best = 0
        for c in range(1, K):
            if u[r, c] > u[r, best]:
                best = c
        s = 0.0
        for c in range(K):
            s += y[r, c]
        inv = np.float32(1.0 / s)
        for c in range(K):
            y[r, c] = -y[r, c] * inv
        y[r, best] = -y[r, best]


@njit(cache=True, nogil=True)
def update_rows(yx, y, u, W):
    """The SoftHebb update of a block of maps, in place in ``yx``; returns its max |.|.

    ``yx`` (maps, weights) holds ``sum_positions y x`` on entry and
    ``yx - (sum_positions y u) W`` on return; ``y`` and ``u`` are the (positions, maps)
    columns of these maps, ``W`` (maps, weights) their rows.
    """
    N, K = y.shape
    top = np.float32(0.0)
    for m in range(K):
        s = 0.0
        for r in range(N):
            s += y[r, m] * u[r, m]
        yu = np.float32(s)
        for j in range(yx.shape[1]):
            v = yx[m, j] - yu * W[m, j]
            yx[m, j] = v
            if abs(v) > top:
                top = abs(v)
    return top


@njit(cache=True, nogil=True)
def apply_update(W, delta, lr, inv_scale):
    """``W[m] += lr * sqrt(| ||W[m]|| - 1 | + 1e-10) * inv_scale * delta[m]`` for each row.

    The norm is the row's before the update; returns nothing.
    """
    for m in range(W.shape[0]):
        s = 0.0
        for j in range(W.shape[1]):
            s += np.float64(W[m, j]) * W[m, j]
        rate = np.float32(lr * np.sqrt(abs(np.sqrt(s) - 1.0) + 1e-10) * inv_scale)
        for j in range(W.shape[1]):
            W[m, j] += rate * delta[m, j]
