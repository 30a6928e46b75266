"""Likelihood of the two-coefficient softmax used by the readout's probability model."""

import numpy as np

from ._jit import njit

__all__ = ["softmax2_loss_grad_hess"]


@njit(cache=True, nogil=True)
def softmax2_loss_grad_hess(a, b, f1, f2, y, grad, hess):
    """Mean negative log-likelihood of ``softmax(a * f1 + b * f2)`` and its derivatives.

    Parameters
    ----------
    a, b : float, the coefficients.
    f1, f2 : float64 arrays (n_samples, n_classes), the two features of every class.
    y : int64 array (n_samples,), the true class of every sample.
    grad : float64 array (2,), receives the gradient in ``(a, b)``.
    hess : float64 array (3,), receives the Hessian's entries ``(aa, ab, bb)``.

    Returns
    -------
    loss : float
    """
    n, k = f1.shape
    loss = 0.0
    g1 = 0.0
    g2 = 0.0
    h11 = 0.0
    h12 = 0.0
    h22 = 0.0
    z = np.empty(k)
    for r in range(n):
        zmax = -np.inf
        for c in range(k):
            z[c] = a * f1[r, c] + b * f2[r, c]
            if z[c] > zmax:
                zmax = z[c]
        s = 0.0
        for c in range(k):
            z[c] = np.exp(z[c] - zmax)
            s += z[c]
        lse = zmax + np.log(s)
        yc = y[r]
        loss += lse - (a * f1[r, yc] + b * f2[r, yc])
        e1 = 0.0
        e2 = 0.0
        e11 = 0.0
        e12 = 0.0
        e22 = 0.0
        for c in range(k):
            p = z[c] / s
            u = f1[r, c]
            v = f2[r, c]
            e1 += p * u
            e2 += p * v
            e11 += p * u * u
            e12 += p * u * v
            e22 += p * v * v
        g1 += e1 - f1[r, yc]
        g2 += e2 - f2[r, yc]
        h11 += e11 - e1 * e1
        h12 += e12 - e1 * e2
        h22 += e22 - e2 * e2
    inv = 1.0 / max(n, 1)
    grad[0] = g1 * inv
    grad[1] = g2 * inv
    hess[0] = h11 * inv
    hess[1] = h12 * inv
    hess[2] = h22 * inv
    return loss * inv
