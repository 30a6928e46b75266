"""Tests of spikencg.softhebb.SoftHebbFeatures: a plain NumPy reference of SoftHebb
learning and of the forward pass, shapes, determinism, scikit-learn conventions."""

import math
import pickle

import numba
import numpy as np
import pytest
import scipy.sparse as sp

from spikencg import SoftHebbFeatures, TTFSEncoder, load_features, save_features
from spikencg._kernels import _softhebb as _k
from spikencg.softhebb import _soft_wta

# --------------------------------------------------------------------------------------
# the reference: SoftHebb-CNN from its definition, float64, channels first
# --------------------------------------------------------------------------------------

EPS = 1e-5


def ref_conv(x, W):
    """Reflect-padded "same" convolution: x (B, C, H, W), W (K, C, k, k) -> u, padded x."""
    k = W.shape[2]
    p = k // 2
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="reflect")
    B, C, H, Wd = x.shape
    u = np.zeros((B, W.shape[0], H, Wd))
    for dy in range(k):
        for dx in range(k):
            u += np.einsum("bchw,kc->bkhw", xp[:, :, dy:dy + H, dx:dx + Wd], W[:, :, dy, dx])
    return u, xp


def ref_triangle(u, power):
    return np.maximum(u - u.mean(axis=1, keepdims=True), 0.0) ** power


def ref_pool(a, kind, size, stride, pad):
    """Max pooling (padding never wins) or average pooling (padding counted as 0)."""
    B, K, H, W = a.shape
    fill = -np.inf if kind == "max" else 0.0
    ap = np.pad(a, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=fill)
    PH, PW = (H + 2 * pad - size) // stride + 1, (W + 2 * pad - size) // stride + 1
    out = np.empty((B, K, PH, PW))
    for py in range(PH):
        for px in range(PW):
            win = ap[:, :, py * stride:py * stride + size, px * stride:px * stride + size]
            out[:, :, py, px] = win.max(axis=(2, 3)) if kind == "max" else win.mean(axis=(2, 3))
    return out


def ref_update(xp, u, W, beta, lr):
    """One SoftHebb step of a block from its padded input and pre-activations."""
    k = W.shape[2]
    B, K, H, Wd = u.shape
    z = beta * u
    e = np.exp(z - z.max(axis=1, keepdims=True))
    soft = e / e.sum(axis=1, keepdims=True)
    win = u.argmax(axis=1)
    y = -soft
    for b in range(B):
        for h in range(H):
            for w in range(Wd):
                y[b, win[b, h, w], h, w] *= -1.0
    yx = np.zeros_like(W)
    for dy in range(k):
        for dx in range(k):
            yx[:, :, dy, dx] = np.einsum("bkhw,bchw->kc", y, xp[:, :, dy:dy + H, dx:dx + Wd])
    yu = (y * u).sum(axis=(0, 2, 3))
    delta = yx - yu[:, None, None, None] * W
    delta /= np.abs(delta).max() + 1e-30
    norms = np.sqrt((W**2).sum(axis=(1, 2, 3)))
    rate = lr * np.sqrt(np.abs(norms - 1.0) + 1e-10)
    return W + rate[:, None, None, None] * delta


def ref_block(x, W, mean, var, blk):
    """Forward pass of a block with given normalisation statistics; returns (out, u, xp)."""
    xn = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + EPS)
    u, xp = ref_conv(xn, W)
    a = ref_triangle(u, blk["power"])
    return ref_pool(a, blk["pool"], blk["size"], blk["stride"], blk["pad"]), u, xp


def ref_fit(X, blocks, seed, batch_size, scale=25.0, momentum=0.1):
    """SoftHebb learning, one pass; the random draws in the extractor's order."""
    rng = np.random.RandomState(seed)
    Ws, stats = [], []
    C = X.shape[1]
    for blk in blocks:
        k, K = blk["k"], blk["maps"]
        W = rng.standard_normal((K, k, k, C)) * scale / math.sqrt(C * k * k)
        Ws.append(W.transpose(0, 3, 1, 2).astype(np.float32).astype(np.float64))
        stats.append([np.zeros(C), np.ones(C)])
        C = K
    order = rng.permutation(X.shape[0])
    for lo in range(0, len(order), batch_size):
        x = X[order[lo:lo + batch_size]]
        for i, blk in enumerate(blocks):
            mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
            n = x.shape[0] * x.shape[2] * x.shape[3]
            if lo == 0:  # the first mini-batch's statistics start the running averages
                stats[i] = [mean, var * n / (n - 1)]
            else:
                stats[i][0] = (1 - momentum) * stats[i][0] + momentum * mean
                stats[i][1] = (1 - momentum) * stats[i][1] + momentum * var * n / (n - 1)
            out, u, xp = ref_block(x, Ws[i], mean, var, blk)
            Ws[i] = ref_update(xp, u, Ws[i], blk["beta"], blk["lr"])
            x = out
    return Ws, stats


def ref_transform(X, Ws, stats, blocks):
    x = X
    for W, (mean, var), blk in zip(Ws, stats, blocks, strict=True):
        x = ref_block(x, W, mean, var, blk)[0]
    o = x.reshape(len(x), -1)
    top = o.max(axis=1, keepdims=True)
    return 1.0 - o / np.where(top > 0, top, 1.0)


# two small blocks with the paper's per-block settings (fewer maps, 12 x 12 images)
TINY = dict(n_maps=(6, 10), kernel_size=(5, 3), inverse_temperature=(1.0, 0.65),
            triangle_power=(0.7, 1.4), pool_type=("max", "avg"), pool_size=(4, 2),
            pool_stride=(2, 2), pool_padding=(1, 0), learning_rate=(0.08, 0.05))
REF_BLOCKS = [dict(maps=6, k=5, beta=1.0, power=0.7, pool="max", size=4, stride=2, pad=1,
                   lr=0.08),
              dict(maps=10, k=3, beta=0.65, power=1.4, pool="avg", size=2, stride=2, pad=0,
                   lr=0.05)]


def _images(n=30, size=12, channels=None, seed=0):
    """Synthetic uint8 images: bright bars on a noisy background."""
    rng = np.random.default_rng(seed)
    shape = (n, size, size) + ((channels,) if channels else ())
    X = rng.integers(0, 60, size=shape)
    for i in range(n):
        y0, x0 = rng.integers(1, size - 4, size=2)
        if rng.random() < 0.5:
            X[i, y0:y0 + 4, x0:x0 + 1] = 255
        else:
            X[i, y0:y0 + 1, x0:x0 + 4] = 255
    return X.astype(np.uint8)


@pytest.fixture(scope="module")
def images():
    return _images()


@pytest.fixture(scope="module")
def fitted(images):
    return SoftHebbFeatures(**TINY, batch_size=5, random_state=0).fit(images)


# --------------------------------------------------------------------------------------
# the kernels against the definition
# --------------------------------------------------------------------------------------


def test_learning_step_matches_the_definition():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4, 7, 6)).astype(np.float32)  # (B, C, H, W)
    W = rng.standard_normal((5, 4, 3, 3)).astype(np.float32) * 3
    u, xp = ref_conv(x.astype(np.float64), W.astype(np.float64))
    want = ref_update(xp, u, W.astype(np.float64), 0.65, 0.01)
    # the kernels: im2col (no normalisation), product, soft WTA, update
    cols = np.empty((3 * 7 * 6, 4 * 9), np.float32)
    _k.im2col(np.ascontiguousarray(x.transpose(0, 2, 3, 1)), np.zeros(4, np.float32),
              np.ones(4, np.float32), 3, 1, 7, 6, cols)
    Wf = np.ascontiguousarray(W.transpose(0, 2, 3, 1).reshape(5, -1))
    uk = cols @ Wf.T
    np.testing.assert_allclose(uk, u.transpose(0, 2, 3, 1).reshape(-1, 5), rtol=1e-5,
                               atol=1e-4)
    y = np.empty_like(uk)
    _soft_wta(uk, 0.65, y)
    # the winner of each position gets +softmax, the others -softmax; |y| sums to 1
    assert (np.sign(y).sum(axis=1) == 2 - 5).all()
    assert (np.argmax(y, axis=1) == np.argmax(uk, axis=1)).all()
    np.testing.assert_allclose(np.abs(y).sum(axis=1), 1.0, rtol=1e-5)
    yx = y.T @ cols
    top = _k.update_rows(yx, y, uk, Wf)
    _k.apply_update(Wf, yx, 0.01, 1.0 / (top + 1e-30))
    got = Wf.reshape(5, 3, 3, 4).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # the step moves the weights (by at most lr * sqrt(|norm - 1|) per weight)
    step = np.abs(got - W).reshape(5, -1).max(axis=1)
    norms = np.sqrt((W.astype(np.float64) ** 2).reshape(5, -1).sum(axis=1))
    assert (step > 0).all()
    assert (step <= 0.01 * np.sqrt(np.abs(norms - 1)) * (1 + 1e-5)).all()


def test_hebbian_sign_winner_moves_towards_its_input():
    # one position, two maps: the winner's weights move towards the input, the loser's away
    x = np.array([[1.0, 0.5]], np.float32)
    W = np.array([[0.6, 0.2], [0.1, 0.3]], np.float32)
    u = x @ W.T  # map 0 wins
    y = np.empty_like(u)
    _soft_wta(u, 1.0, y)
    assert y[0, 0] > 0 > y[0, 1]
    yx = y.T @ x
    top = _k.update_rows(yx, y, u, W.copy())
    W2 = W.copy()
    _k.apply_update(W2, yx, 0.1, 1.0 / top)
    cos = (W2 @ x[0]) / np.linalg.norm(W2, axis=1) / np.linalg.norm(x)
    cos0 = (W @ x[0]) / np.linalg.norm(W, axis=1) / np.linalg.norm(x)
    assert cos[0] > cos0[0] and cos[1] < cos0[1]


@pytest.mark.parametrize(("kind", "size", "stride", "pad"),
                         [("max", 4, 2, 1), ("max", 3, 1, 0), ("avg", 2, 2, 0),
                          ("avg", 3, 2, 1)])
def test_pooling_kernels(kind, size, stride, pad):
    a = np.random.default_rng(2).random((2, 9, 7, 5)).astype(np.float32)
    PH, PW = (9 + 2 * pad - size) // stride + 1, (7 + 2 * pad - size) // stride + 1
    out = np.empty((2, PH, PW, 5), np.float32)
    (_k.max_pool if kind == "max" else _k.avg_pool)(a, size, stride, pad, out)
    want = ref_pool(a.transpose(0, 3, 1, 2).astype(np.float64), kind, size, stride, pad)
    np.testing.assert_allclose(out.transpose(0, 3, 1, 2), want, rtol=1e-6)


def test_triangle_kernel():
    u = np.random.default_rng(3).standard_normal((20, 7)).astype(np.float32)
    want = ref_triangle(u.astype(np.float64)[:, :, None, None], 1.0)[:, :, 0, 0]
    _k.triangle(u)
    np.testing.assert_allclose(u, want, atol=1e-6)


# --------------------------------------------------------------------------------------
# the extractor against the reference
# --------------------------------------------------------------------------------------


def test_fit_and_transform_match_the_reference(images, fitted):
    X = images.astype(np.float64)[:, None]  # (n, 1, H, W)
    Ws, stats = ref_fit(X, REF_BLOCKS, seed=0, batch_size=5)
    assert fitted.n_updates_ == 6
    for i in range(2):
        # learning moved the weights, and as the reference did
        assert np.abs(Ws[i] - fitted.filters_[i]).max() < 1e-3 * np.abs(Ws[i]).max()
        np.testing.assert_allclose(fitted.filters_[i], Ws[i], rtol=1e-3, atol=1e-4)
        # batch-normalisation running statistics
        np.testing.assert_allclose(fitted.running_mean_[i], stats[i][0], rtol=1e-4,
                                   atol=1e-6)
        np.testing.assert_allclose(fitted.running_var_[i], stats[i][1], rtol=1e-4)
    # the forward pass with the fitted weights and statistics
    Ws = [f.astype(np.float64) for f in fitted.filters_]
    stats = list(zip(fitted.running_mean_, fitted.running_var_, strict=True))
    want = ref_transform(X, Ws, stats, REF_BLOCKS)
    F = fitted.transform(images)
    np.testing.assert_allclose(F, want, atol=2e-5)


def test_weights_actually_learn(images, fitted):
    rng = np.random.RandomState(0)
    W0 = rng.standard_normal((6, 5, 5, 1)).transpose(0, 3, 1, 2) * 25 / 5
    frozen = SoftHebbFeatures(**{**TINY, "learning_rate": 0.0}, batch_size=5,
                              random_state=0).fit(images)
    np.testing.assert_allclose(frozen.filters_[0], W0, rtol=1e-6)
    moved = np.abs(fitted.filters_[0] - W0).reshape(6, -1).max(axis=1)
    assert (moved > 0.1).all()
    # norms move towards 1 (from about 25)
    norms0 = np.linalg.norm(W0.reshape(6, -1), axis=1)
    norms = np.linalg.norm(fitted.filters_[0].reshape(6, -1), axis=1)
    assert (np.abs(norms - 1) < np.abs(norms0 - 1)).all()


def test_batch_norm_statistics_of_the_first_block(images):
    # learning rate 0 and momentum 1: the statistics of the last mini-batch
    ext = SoftHebbFeatures(**{**TINY, "learning_rate": 0.0}, batch_size=30, bn_momentum=1.0,
                           random_state=0).fit(images)
    x = images.astype(np.float64)
    np.testing.assert_allclose(ext.running_mean_[0], [x.mean()], rtol=1e-6)
    np.testing.assert_allclose(ext.running_var_[0], [x.var(ddof=1)], rtol=1e-5)
    # the scale of the input does not matter (up to the variance offset)
    ext2 = SoftHebbFeatures(**TINY, batch_size=5, random_state=0).fit(images / 255.0)
    ext1 = SoftHebbFeatures(**TINY, batch_size=5, random_state=0).fit(images)
    np.testing.assert_allclose(ext2.transform(images / 255.0), ext1.transform(images),
                               atol=1e-3)


# --------------------------------------------------------------------------------------
# shapes, output, input forms
# --------------------------------------------------------------------------------------


def test_output_shape_range_and_dtype(fitted, images):
    F = fitted.transform(images)
    assert fitted.block_shapes_ == [(6, 6, 6), (10, 3, 3)]
    assert fitted.output_shape_ == (10, 3, 3)
    assert F.shape == (len(images), 90) and F.dtype == np.float32
    assert F.min() >= 0.0 and F.max() <= 1.0
    assert (F.min(axis=1) == 0.0).all()  # each image's strongest feature fires at 0
    assert (F == 1.0).any() and (F < 1.0).any()
    assert [f.shape for f in fitted.filters_] == [(6, 1, 5, 5), (10, 6, 3, 3)]
    assert fitted.n_features_in_ == 144
    assert fitted.get_feature_names_out().shape == (90,)


@pytest.mark.parametrize(("size", "channels", "want"),
                         [(28, None, [(96, 14, 14), (384, 7, 7), (1536, 3, 3)]),
                          (32, 3, [(96, 16, 16), (384, 8, 8), (1536, 4, 4)])])
def test_paper_network_shapes(size, channels, want):
    # the default network (learning rate 0: shapes only, a cheap pass)
    X = _images(2, size, channels)
    ext = SoftHebbFeatures(learning_rate=0.0, random_state=0).fit(X)
    assert ext.block_shapes_ == want
    assert ext.transform(X[:1]).shape == (1, math.prod(want[-1]))
    assert ext.image_shape_ == (size, size, channels or 1)


def test_colour_and_flat_input(images):
    Xc = _images(12, 12, 3, seed=1)
    ext = SoftHebbFeatures(**TINY, batch_size=4, random_state=0).fit(Xc)
    assert ext.filters_[0].shape == (6, 3, 5, 5) and ext.n_features_in_ == 432
    F = ext.transform(Xc)
    np.testing.assert_array_equal(ext.transform(Xc.reshape(12, -1)), F)
    with pytest.raises(ValueError, match="channels-first"):
        ext.transform(Xc.transpose(0, 3, 1, 2))
    g = SoftHebbFeatures(**TINY, batch_size=5, random_state=0)
    np.testing.assert_array_equal(g.fit(images.reshape(30, -1)).transform(images),
                                  g.fit(images).transform(images))


def test_uniform_image_gives_uniform_maps(fitted):
    # reflect padding: a uniform image looks the same from every position, so each map's
    # features are equal (zero padding would make the borders differ)
    F = fitted.transform(np.full((2, 12, 12), 7.0)).reshape(2, 10, 9)
    np.testing.assert_allclose(F, F[:, :, :1].repeat(9, axis=2), atol=1e-6)
    assert (F.min(axis=(1, 2)) == 0.0).all()


# --------------------------------------------------------------------------------------
# determinism, threads, scikit-learn conventions
# --------------------------------------------------------------------------------------


def test_determinism_random_state_and_thread_count(images, fitted):
    again = SoftHebbFeatures(**TINY, batch_size=5, random_state=0).fit(images)
    for a, b in zip(fitted.filters_, again.filters_, strict=True):
        np.testing.assert_array_equal(a, b)
    F = fitted.transform(images)
    np.testing.assert_array_equal(again.transform(images), F)
    other = SoftHebbFeatures(**TINY, batch_size=5, random_state=1).fit(images)
    assert not np.array_equal(other.filters_[0], fitted.filters_[0])
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = SoftHebbFeatures(**TINY, batch_size=5, random_state=0).fit(images)
        F1 = one.transform(images)
    finally:
        numba.set_num_threads(old)
    for a, b in zip(fitted.filters_, one.filters_, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(F1, F)


def test_thread_count_with_many_maps_and_images():
    # several matrix-product tasks per block (maps > 256) and transform tasks (> 32 images)
    X = _images(70, 8)
    params = dict(n_maps=(300,), kernel_size=3, pool_size=2, pool_stride=2, pool_padding=0,
                  batch_size=35, random_state=0)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        a = SoftHebbFeatures(**params).fit(X)
        Fa = a.transform(X)
    finally:
        numba.set_num_threads(old)
    b = SoftHebbFeatures(**params).fit(X)
    np.testing.assert_array_equal(a.filters_[0], b.filters_[0])
    np.testing.assert_array_equal(b.transform(X), Fa)
    # a row depends on its group of images only through float32 rounding
    np.testing.assert_allclose(b.transform(X[40:41]), Fa[40:41], atol=1e-5)


def test_max_train_samples_epochs_and_verbose(images, capsys):
    ext = SoftHebbFeatures(**TINY, batch_size=4, max_train_samples=8, max_iter=2,
                           random_state=0, verbose=1).fit(images)
    assert ext.n_updates_ == 4
    ext.transform(images)
    none = SoftHebbFeatures(**TINY, max_iter=0, random_state=0).fit(images)
    assert none.n_updates_ == 0
    frozen = SoftHebbFeatures(**{**TINY, "learning_rate": 0.0}, random_state=0).fit(images)
    np.testing.assert_array_equal(none.filters_[1], frozen.filters_[1])


def test_pickle_clone_and_conventions(fitted, images):
    from sklearn.base import clone

    F = fitted.transform(images)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).transform(images), F)
    ext = SoftHebbFeatures(**TINY, batch_size=5, random_state=0)
    params = ext.get_params()
    assert not hasattr(clone(fitted), "filters_")
    np.testing.assert_array_equal(ext.fit_transform(images), F)
    assert ext.get_params() == params
    for X2 in (images.astype(np.float32), images.astype(np.int64), np.asfortranarray(images)):
        np.testing.assert_allclose(ext.fit(X2).transform(X2), F, atol=1e-6)
    Xr = images.copy()
    Xr.flags.writeable = False
    np.testing.assert_array_equal(ext.fit(Xr).transform(Xr), F)
    np.testing.assert_array_equal(ext.transform(images.tolist()), F)
    pd = pytest.importorskip("pandas", reason="pandas is part of the test extra")
    out = clone(ext).set_output(transform="pandas").fit(images).transform(images)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(ext.get_feature_names_out())
    np.testing.assert_array_equal(out.to_numpy(), F)


def test_feeds_encoder_and_feature_cache(fitted, images, tmp_path):
    F = fitted.transform(images)
    S = TTFSEncoder().fit_transform(F)
    assert sp.issparse(S) and S.nnz == int((F < 1.0).sum())
    save_features(tmp_path / "f.npz", F, np.arange(len(F)) % 3, extractor="SoftHebbFeatures")
    F2, y2, meta = load_features(tmp_path / "f.npz")
    np.testing.assert_array_equal(F2, F)
    assert meta == {"extractor": "SoftHebbFeatures"}


# --------------------------------------------------------------------------------------
# errors a user can cause
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (dict(kernel_size=(5, 4)), "kernel_size must hold odd"),
        (dict(inverse_temperature=(1.0,)), "inverse_temperature has 1 value"),
        (dict(pool_type=("max", "min")), "pool_type must hold"),
        (dict(pool_size=(4, 2), pool_padding=(3, 0)), "pool_padding must be at most half"),
        (dict(n_maps=()), "n_maps must hold at least one block"),
        (dict(learning_rate=(0.1, -1.0)), "learning_rate must hold numbers >= 0"),
        (dict(triangle_power=(1.0, float("nan"))), "triangle_power must be finite"),
        (dict(bn_momentum=0.0), "bn_momentum"),
        (dict(batch_size=0), "batch_size"),
    ],
)
def test_bad_params(images, params, match):
    with pytest.raises(ValueError, match=match):
        SoftHebbFeatures(**{**TINY, **params}).fit(images)


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.full((2, 12, 12), np.nan), "NaN"),
        (np.full((2, 12, 12), np.inf), "infinity"),
        (np.ones(144), "shape"),
        (np.ones((2, 1, 1, 12, 12)), "shape"),
        (np.ones((2, 30)), "square"),
        (np.ones((2, 3, 3)), "too small"),
        (sp.csr_matrix(np.ones((2, 144))), "dense"),
    ],
)
def test_bad_input_fit(X, match):
    with pytest.raises(ValueError, match=match):
        SoftHebbFeatures(**TINY).fit(X)


def test_bad_input_transform(fitted):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SoftHebbFeatures().transform(np.ones((1, 12, 12)))
    X = np.ones((2, 12, 12))
    X[0, 3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.transform(X)
    with pytest.raises(ValueError, match="fitted on images of shape"):
        fitted.transform(np.ones((2, 12, 13)))
    with pytest.raises(ValueError, match="features"):
        fitted.transform(np.ones((2, 100)))
    with pytest.raises(ValueError, match="dense"):
        fitted.transform(sp.csr_matrix(np.ones((2, 144))))
    broken = pickle.loads(pickle.dumps(fitted))
    broken.filters_[1] = broken.filters_[1][:3]
    with pytest.raises(ValueError, match=r"filters_\[1\] must have the fitted shape"):
        broken.transform(np.ones((2, 12, 12)))
    broken = pickle.loads(pickle.dumps(fitted))
    broken.running_var_[0] = np.array([np.nan])
    with pytest.raises(ValueError, match=r"running_var_\[0\] contains NaN"):
        broken.transform(np.ones((2, 12, 12)))
    broken.running_var_[0] = np.array([-1.0])
    with pytest.raises(ValueError, match=r"running_var_\[0\] must be >= 0"):
        broken.transform(np.ones((2, 12, 12)))
    broken.filters_ = broken.filters_[:1]
    with pytest.raises(ValueError, match="filters_ must be a list of 2 arrays"):
        broken.transform(np.ones((2, 12, 12)))


def test_tags():
    from sklearn.utils import get_tags

    tags = get_tags(SoftHebbFeatures())
    assert tags.input_tags.three_d_array and not tags.input_tags.sparse
    assert tags.transformer_tags.preserves_dtype == []


def test_n_epochs_renamed_max_iter(images):
    # the former name still gives the same model, with a FutureWarning, until 0.3
    ref = SoftHebbFeatures(**TINY, batch_size=4, max_train_samples=8, max_iter=2,
                           random_state=0).fit(images)
    assert ref.get_params()["n_epochs"] == "deprecated"
    with pytest.warns(FutureWarning, match="'n_epochs' was renamed to 'max_iter'"):
        old = SoftHebbFeatures(**TINY, batch_size=4, max_train_samples=8, n_epochs=2,
                               random_state=0).fit(images)
    assert old.n_updates_ == ref.n_updates_ == 4
    for a, b in zip(old.filters_, ref.filters_, strict=True):
        np.testing.assert_array_equal(a, b)
