"""Event-driven convolutional layer of single-spike IF neurons, STDP training, pooling.

Used by :class:`spikencg.features.STDPConvFeatures`.

Layout
------
- Input spike times of one image: a flat float64 array of length ``C * H * W``
  (channel-major, row-major), ``T`` (or more) meaning "no spike".
- Weights are stored input-major, ``Wt[c, dy, dx, m]`` (float32): one input spike adds
  one contiguous row of ``M`` weights to the potentials of every output position whose
  receptive field contains it.
- Potentials and first-spike times are stored ``(oy, ox, m)``: ``OH = H - k + 1``,
  ``OW = W - k + 1`` (stride 1, no padding).

Simulation
----------
The input spikes of an image are sorted by time (stable sort of the flat input index,
so ties go by increasing index) and integrated group by group (one group = all spikes of
one timestamp). A neuron fires at most once, at the time of the group after which its
potential is strictly above its map's threshold; its "firing potential" is the potential
at the end of that group (used to break ties between neurons that fire at the same time).
There is no leak and no reset: only the first spike matters. Neurons that never fire get
the time ``T``.
"""

import numpy as np

from ._jit import njit
from ._order import better
from ._spikes import _insertion_sort

__all__ = ["simulate_image", "train_epoch", "train_patches", "transform_batch"]


@njit(cache=True, nogil=True)
def _sorted_spikes(times, T):
    """Indices of the inputs with ``times < T``, sorted by time (ties by index)."""
    n = 0
    for i in range(times.shape[0]):
        if times[i] < T:
            n += 1
    idx = np.empty(n, np.int64)
    tv = np.empty(n, np.float64)
    j = 0
    for i in range(times.shape[0]):
        if times[i] < T:
            idx[j] = i
            tv[j] = times[i]
            j += 1
    order = np.argsort(tv, kind="mergesort")
    return idx[order]


@njit(cache=True, nogil=True)
def simulate_image(times, C, H, W, Wt, thr, T, need_potential, V, fire_t, fire_v):
    """Run one image through the convolutional layer.

    Parameters
    ----------
    times : ndarray of shape (C * H * W,), float64
        Input spike times, ``>= T`` meaning no spike.
    C, H, W : int
        Input channels and image size.
    Wt : ndarray of shape (C, k, k, M), float32
        Weights, input-major.
    thr : ndarray of shape (M,), float32
        Threshold of each map (strict test ``V > thr``).
    T : float
        End of the time window.
    need_potential : bool
        Record the firing potentials in ``fire_v`` (training only).
    V : scratch ndarray of shape (OH, OW, M), float32
        Potentials; a neuron that has fired gets ``-inf`` (at the end of its firing
        group when ``need_potential``), which keeps it out of the threshold tests of the
        later spikes (its potential no longer matters, and it fires only once).
    fire_t : ndarray of shape (OH, OW, M), float64, output
        First-spike time of every neuron, ``T`` if it does not fire.
    fire_v : ndarray of shape (OH, OW, M), float32, output
        Potential at the end of the firing group (only when ``need_potential``).

    Returns
    -------
    n_fired : int
        Number of neurons that fired.
    """
    k = Wt.shape[1]
    M = Wt.shape[3]
    OH = H - k + 1
    OW = W - k + 1
    V[:] = 0.0
    fire_t[:] = T
    order = _sorted_spikes(times, T)
    n_sp = order.shape[0]
    HW = H * W
    # neurons that crossed during the current group, to read their end-of-group potential
    pend_y = np.empty(OH * OW * M if need_potential else 0, np.int64)
    pend_x = np.empty_like(pend_y)
    pend_m = np.empty_like(pend_y)
    n_fired = 0
    neg_inf = np.float32(-np.inf)
    q = 0
    while q < n_sp:
        t = times[order[q]]
        g_end = q + 1
        while g_end < n_sp and times[order[g_end]] == t:
            g_end += 1
        n_pend = 0
        for r in range(q, g_end):
            i = order[r]
            c = i // HW
            rem = i - c * HW
            y = rem // W
            x = rem - y * W
            # output positions (oy, ox) whose field holds (y, x): oy = y - dy, 0 <= oy < OH
            dy_lo = max(0, y - OH + 1)
            dy_hi = min(k - 1, y)
            dx_lo = max(0, x - OW + 1)
            dx_hi = min(k - 1, x)
            for dy in range(dy_lo, dy_hi + 1):
                oy = y - dy
                for dx in range(dx_lo, dx_hi + 1):
                    ox = x - dx
                    row = Wt[c, dy, dx]
                    v = V[oy, ox]
                    ft = fire_t[oy, ox]
                    over = False
                    for m in range(M):
                        a = v[m] + row[m]
                        v[m] = a
                        over |= a > thr[m]
                    if over and need_potential:
                        for m in range(M):
                            if v[m] > thr[m] and ft[m] >= T:
                                ft[m] = t
                                n_fired += 1
                                pend_y[n_pend] = oy
                                pend_x[n_pend] = ox
                                pend_m[n_pend] = m
                                n_pend += 1
                    elif over:
                        # a fired neuron's potential is -inf: every neuron above its
                        # threshold fires now (selects, no branch: the loop vectorises)
                        for m in range(M):
                            hit = v[m] > thr[m]
                            ft[m] = t if hit else ft[m]
                            v[m] = neg_inf if hit else v[m]
                            n_fired += hit
        if need_potential:
            for p in range(n_pend):
                fire_v[pend_y[p], pend_x[p], pend_m[p]] = V[pend_y[p], pend_x[p], pend_m[p]]
                V[pend_y[p], pend_x[p], pend_m[p]] = neg_inf
        q = g_end
    return n_fired


@njit(cache=True, nogil=True, inline="always")
def _window_first(fire_t, m, py, px, pool, T):
    """First spike of map ``m`` in the pooling window ``(py, px)`` (``pool x pool``,
    stride ``pool``), ``T`` when none of its neurons fires."""
    best = T
    for oy in range(py * pool, py * pool + pool):
        for ox in range(px * pool, px * pool + pool):
            t = fire_t[oy, ox, m]
            if t < best:
                best = t
    return best


@njit(cache=True, nogil=True)
def _stdp(times, C, H, W, Wt, m, oy, ox, t_out, a_plus, a_minus, beta):
    """Multiplicative STDP of the filter of map ``m`` on the field at ``(oy, ox)``.

    The weights of the inputs that spiked at or before ``t_out`` change by
    ``a_plus * exp(-beta * w)``, the others (later or silent) by
    ``a_minus * exp(-beta * (1 - w))`` (``a_minus < 0``: depression, as the readout's
    ``a_minus``); weights stay in ``[0, 1]``.
    """
    k = Wt.shape[1]
    HW = H * W
    for c in range(C):
        for dy in range(k):
            for dx in range(k):
                t_in = times[c * HW + (oy + dy) * W + (ox + dx)]
                w = np.float64(Wt[c, dy, dx, m])
                if t_in <= t_out:
                    w += a_plus * np.exp(-beta * w)
                else:
                    w += a_minus * np.exp(-beta * (1.0 - w))
                if w > 1.0:
                    w = 1.0
                elif w < 0.0:
                    w = 0.0
                Wt[c, dy, dx, m] = np.float32(w)


@njit(cache=True, nogil=True)
def train_epoch(X, order, C, H, W, Wt, thr, T, a_plus, a_minus, beta, n_winners,
                radius, target_time, threshold_lr, homeostasis, threshold_min, pool,
                win_counts):
    """One unsupervised training pass over the images ``X[order]`` (sequential).

    For each image: simulate the layer; pick up to ``n_winners`` winners, each the
    earliest-firing neuron (ties: larger firing potential, then smaller position and map
    index) whose map has not won yet in this image (a map learns from one position per
    image) and whose position is farther than ``radius`` (Chebyshev distance) from the
    positions of the previous winners (lateral inhibition between maps); apply STDP to
    each winner's filter on its receptive field; then move every map's threshold towards
    firing at ``target_time``: ``thr += threshold_lr * (target_time - t_map)``, and
    clip it at ``threshold_min``. With ``pool > 0``, ``t_map`` is the mean over the
    ``pool x pool`` pooling windows (stride ``pool``) of each window's first spike
    (``T`` if silent), i.e. the mean output feature of the map; with ``pool == 0`` it is
    the map's earliest spike over all positions. With ``homeostasis > 0``, each
    winner's threshold also rises by ``homeostasis`` and every map's falls by
    ``homeostasis * n_winners / M`` (zero sum), which evens out how often the maps win.

    Parameters
    ----------
    X : ndarray of shape (n, C * H * W), float64
        Input spike times of the images.
    order : ndarray of shape (n_steps,), int64
        Image visited at each step.
    Wt : ndarray of shape (C, k, k, M), float32, updated in place
    thr : ndarray of shape (M,), float32, updated in place
    win_counts : ndarray of shape (M,), int64, updated in place
        Number of STDP updates of each map.

    Returns
    -------
    n_updates : int
    """
    k = Wt.shape[1]
    M = Wt.shape[3]
    OH = H - k + 1
    OW = W - k + 1
    PH = (OH - pool) // pool + 1 if pool > 0 else 0
    PW = (OW - pool) // pool + 1 if pool > 0 else 0
    V = np.empty((OH, OW, M), np.float32)
    fire_t = np.empty((OH, OW, M), np.float64)
    fire_v = np.empty((OH, OW, M), np.float32)
    # flat views of the neurons' firing times and potentials, for the decision order
    ft = fire_t.reshape(OH * OW * M)
    fv = fire_v.reshape(OH * OW * M)
    won = np.zeros(M, np.bool_)
    win_y = np.empty(max(n_winners, 1), np.int64)
    win_x = np.empty(max(n_winners, 1), np.int64)
    win_m = np.empty(max(n_winners, 1), np.int64)
    win_t = np.empty(max(n_winners, 1), np.float64)
    first = np.empty(M, np.float64)
    n_updates = 0
    for step in range(order.shape[0]):
        times = X[order[step]]
        n_fired = simulate_image(times, C, H, W, Wt, thr, T, True, V, fire_t, fire_v)
        won[:] = False
        n_win = 0
        while n_win < n_winners and n_fired > 0:
            best = np.int64(-1)  # (flat index (oy * OW + ox) * M + m)
            for oy in range(OH):
                for ox in range(OW):
                    blocked = False
                    for p in range(n_win):
                        if abs(oy - win_y[p]) <= radius and abs(ox - win_x[p]) <= radius:
                            blocked = True
                            break
                    if blocked:
                        continue
                    for m in range(M):
                        q = (oy * OW + ox) * M + m
                        if ft[q] >= T or won[m]:
                            continue
                        if best < 0 or better(q, best, ft, fv):
                            best = q
            if best < 0:
                break
            bm = best % M
            won[bm] = True
            win_y[n_win] = best // (OW * M)
            win_x[n_win] = (best // M) % OW
            win_m[n_win] = bm
            win_t[n_win] = ft[best]
            n_win += 1
        for p in range(n_win):
            _stdp(times, C, H, W, Wt, win_m[p], win_y[p], win_x[p], win_t[p], a_plus,
                  a_minus, beta)
            win_counts[win_m[p]] += 1
            n_updates += 1
        if homeostasis > 0.0 and n_win > 0:
            for m in range(M):
                thr[m] = np.float32(np.float64(thr[m]) - homeostasis * n_win / M)
            for p in range(n_win):
                thr[win_m[p]] = np.float32(np.float64(thr[win_m[p]]) + homeostasis)
        if threshold_lr > 0.0:
            if pool > 0:
                # mean over the pooling windows of the window's first spike
                first[:] = 0.0
                for py in range(PH):
                    for px in range(PW):
                        for m in range(M):
                            first[m] += _window_first(fire_t, m, py, px, pool, T) / (PH * PW)
            else:
                first[:] = T
                for oy in range(OH):
                    for ox in range(OW):
                        for m in range(M):
                            if fire_t[oy, ox, m] < first[m]:
                                first[m] = fire_t[oy, ox, m]
            for m in range(M):
                th = np.float64(thr[m]) + threshold_lr * (target_time - first[m])
                thr[m] = np.float32(th)
        for m in range(M):
            if thr[m] < threshold_min:
                thr[m] = np.float32(threshold_min)
    return n_updates


@njit(cache=True, nogil=True)
def train_patches(X, order, pos_y, pos_x, C, H, W, Wt, thr, T, a_plus, a_minus, beta,
                  target_time, threshold_lr, homeostasis, threshold_min, win_counts):
    """One unsupervised training pass on random patches (sequential).

    Step ``s`` takes the ``k x k`` patch (all channels) of image ``X[order[s]]`` whose
    top-left pixel is ``(pos_y[s], pos_x[s])``: the ``M`` maps, seen as one neuron each
    at that position, integrate the patch's spikes group by group (one group = one
    timestamp; ties by input index). After the first group that puts some potential
    strictly above its map's threshold, the map with the largest potential among those
    above (ties: smaller index) wins at that group's time ``t``; the other maps are
    inhibited. The winner's filter learns by :func:`_stdp` on the patch; then every
    threshold moves towards firing at ``target_time``, ``thr -= threshold_lr * (t -
    target_time)``, the winner's rises by ``homeostasis`` and the others' fall by
    ``homeostasis / (M - 1)``; thresholds are clipped at ``threshold_min``. A patch on
    which no map fires changes nothing.

    Parameters
    ----------
    X : ndarray of shape (n, C * H * W), float64
        Input spike times of the images.
    order : ndarray of shape (n_steps,), int64
        Image of each step.
    pos_y, pos_x : ndarrays of shape (n_steps,), int64
        Patch position of each step, in ``[0, H - k]`` and ``[0, W - k]``.
    Wt : ndarray of shape (C, k, k, M), float32, updated in place
    thr : ndarray of shape (M,), float32, updated in place
    win_counts : ndarray of shape (M,), int64, updated in place

    Returns
    -------
    n_updates : int
    """
    k = Wt.shape[1]
    M = Wt.shape[3]
    HW = H * W
    KK = C * k * k
    pt = np.empty(KK, np.float64)
    st = np.empty(KK + 1, np.float64)  # the patch's spikes (t < T): times, positions
    srt = np.empty(KK + 1, np.int64)
    V = np.empty(M, np.float32)
    fired_at = np.empty(M, np.float64)  # (the group's time: for the decision order)
    n_updates = 0
    for step in range(order.shape[0]):
        img = X[order[step]]
        y0 = pos_y[step]
        x0 = pos_x[step]
        j = 0
        for c in range(C):
            for dy in range(k):
                for dx in range(k):
                    pt[j] = img[c * HW + (y0 + dy) * W + x0 + dx]
                    j += 1
        # the spikes in (time, position) order: gathered branch-free, then sorted by
        # insertion (a patch holds few), by a stable argsort of the times when many
        n_sp = 0
        for j in range(KK):
            st[n_sp] = pt[j]
            srt[n_sp] = j
            n_sp += pt[j] < T
        if n_sp <= 64:
            _insertion_sort(st, srt, np.int64(0), n_sp)
        else:
            by_time = np.argsort(st[:n_sp], kind="mergesort")
            pos = srt[:n_sp].copy()
            for r in range(n_sp):
                srt[r] = pos[by_time[r]]
        V[:] = 0.0
        win = np.int64(-1)
        t_win = T
        r = 0
        while r < n_sp and win < 0:
            t = pt[srt[r]]
            while r < n_sp and pt[srt[r]] == t:
                i = srt[r]
                c = i // (k * k)
                rem = i - c * k * k
                dy = rem // k
                row = Wt[c, dy, rem - dy * k]
                for m in range(M):
                    V[m] += row[m]
                r += 1
            # (most groups put no map above its threshold: a count, which vectorises,
            # before the search for the winner)
            n_over = 0
            for m in range(M):
                n_over += V[m] > thr[m]
            if n_over > 0:
                fired_at[:] = t
                for m in range(M):
                    if V[m] > thr[m] and (win < 0 or better(m, win, fired_at, V)):
                        win = m
            t_win = t
        if win < 0:
            continue
        _stdp(img, C, H, W, Wt, win, y0, x0, t_win, a_plus, a_minus, beta)
        win_counts[win] += 1
        n_updates += 1
        shift = threshold_lr * (t_win - target_time)
        others = homeostasis / (M - 1) if M > 1 else 0.0
        for m in range(M):
            th = np.float64(thr[m]) - shift
            if m == win:
                th += homeostasis
            else:
                th -= others
            if th < threshold_min:
                th = threshold_min
            thr[m] = np.float32(th)
    return n_updates


@njit(cache=True, nogil=True)
def _transform_one(times, C, H, W, Wt, thr, T, pool, V, fire_t, fire_v, out):
    """First-spike times of one image, min-pooled ``pool x pool`` with stride ``pool``.

    ``out`` has shape (M * PH * PW,), map-major: ``out[m * PH * PW + py * PW + px]``.
    """
    k = Wt.shape[1]
    M = Wt.shape[3]
    OH = H - k + 1
    OW = W - k + 1
    PH = (OH - pool) // pool + 1
    PW = (OW - pool) // pool + 1
    simulate_image(times, C, H, W, Wt, thr, T, False, V, fire_t, fire_v)
    for m in range(M):
        for py in range(PH):
            for px in range(PW):
                out[m * PH * PW + py * PW + px] = _window_first(fire_t, m, py, px, pool, T)


@njit(cache=True, nogil=True)
def transform_batch(X, C, H, W, Wt, thr, T, pool, out):
    """Pooled first-spike times of every image.

    One thread, without the GIL: :class:`spikencg.features.STDPConvFeatures` runs it on
    chunks of images in several threads (deterministic: every image is simulated
    independently into its own output row).

    Parameters
    ----------
    X : ndarray of shape (n, C * H * W), float64
        Input spike times.
    out : ndarray of shape (n, M * PH * PW), float32, output
    """
    n = X.shape[0]
    k = Wt.shape[1]
    M = Wt.shape[3]
    OH = H - k + 1
    OW = W - k + 1
    V = np.empty((OH, OW, M), np.float32)
    fire_t = np.empty((OH, OW, M), np.float64)
    fire_v = np.empty((0, 0, 0), np.float32)
    row = np.empty(out.shape[1], np.float64)
    for r in range(n):
        _transform_one(X[r], C, H, W, Wt, thr, T, pool, V, fire_t, fire_v, row)
        for j in range(row.shape[0]):
            out[r, j] = np.float32(row[j])
