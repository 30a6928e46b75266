"""Tests of spikencg.features: STDPConvFeatures and the pickle-free feature cache."""

import io
import pickle
import warnings

import numba
import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.sparse as sp

from spikencg.encoding import TTFSEncoder
from spikencg.features import (
    WHOLE_IMAGE_SETTINGS,
    STDPConvFeatures,
    _dog_kernel,
    _latency,
    _latency_scaled,
    dog_on_off,
    load_features,
    save_features,
    whiten_on_off,
    whitening_filters,
)


def _images(n=24, size=28, seed=0):
    """Synthetic uint8 images: a few random bright bars and blobs on a dark background."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, size, size), dtype=np.uint8)
    for i in range(n):
        for _ in range(3):
            y0, x0 = rng.integers(2, size - 8, size=2)
            if rng.random() < 0.5:
                X[i, y0 : y0 + 8, x0 : x0 + 2] = rng.integers(100, 256)
            else:
                X[i, y0 : y0 + 2, x0 : x0 + 8] = rng.integers(100, 256)
        noise = rng.integers(0, 40, size=(size, size)) * (rng.random((size, size)) < 0.1)
        X[i] = np.maximum(X[i], noise)
    return X


SMALL = dict(n_maps=8, max_train_samples=None, random_state=0)
# the whole-image training mode with the settings documented for it
IMAGE = WHOLE_IMAGE_SETTINGS


@pytest.fixture(scope="module")
def images():
    return _images()


@pytest.fixture(scope="module")
def fitted(images):
    return STDPConvFeatures(**SMALL).fit(images)


def _brute_force_first_spikes(times, filters, thr, T=1.0):
    """First-spike time of every conv neuron (M, OH, OW), straight from the definition."""
    C, H, W = times.shape
    M, _, k, _ = filters.shape
    OH, OW = H - k + 1, W - k + 1
    out = np.full((M, OH, OW), T)
    for m in range(M):
        for oy in range(OH):
            for ox in range(OW):
                field = times[:, oy : oy + k, ox : ox + k].ravel()
                w = filters[m].astype(np.float64).ravel()
                for t in np.unique(field[field < T]):
                    if w[field <= t].sum() > thr[m] + 1e-5:
                        out[m, oy, ox] = t
                        break
    return out


# --------------------------------------------------------------------------------------
# preprocessing
# --------------------------------------------------------------------------------------


def test_dog_kernel_sums_to_zero_and_is_centre_positive():
    k = _dog_kernel(7, 1.0, 2.0)
    assert k.shape == (7, 7)
    assert abs(k.sum()) < 1e-12
    assert k[3, 3] > 0 and k[0, 0] < 0
    np.testing.assert_allclose(k, k.T)


def test_on_off_channels_and_latency():
    img = np.zeros((1, 12, 12))
    img[0, 4:8, 4:8] = 50.0
    r = dog_on_off(img)
    assert r.shape == (1, 2, 12, 12)
    assert (r >= 0).all()
    assert not np.any((r[:, 0] > 0) & (r[:, 1] > 0))  # on and off never both
    t = _latency(r)
    assert t.shape == (1, 2 * 144)
    assert t.min() == 0.0 and t.max() == 1.0
    # the strongest response fires at 0, zero responses do not fire, stronger is earlier
    v = r.reshape(1, -1)
    assert t[0, np.argmax(v)] == 0.0
    assert (t[v == 0] == 1.0).all()
    nz = v[0] > 0
    order = np.argsort(-v[0, nz], kind="stable")
    assert np.all(np.diff(t[0, nz][order]) >= 0)
    # the intensity scale does not matter (each image is normalised)
    np.testing.assert_allclose(_latency(dog_on_off(img * 3.7)), t, atol=1e-12)


def test_latency_with_dataset_ranges():
    rng = np.random.default_rng(0)
    r = rng.random((5, 2, 6, 6)) * (rng.random((5, 2, 6, 6)) < 0.7)
    lo, hi = r.min(axis=0), r.max(axis=0)
    t = _latency_scaled(r, lo, hi)
    v = r.reshape(5, -1)
    lo_, span = lo.ravel(), (hi - lo).ravel()
    expect = 1.0 - (v - lo_) / np.where(span > 0, span, 1.0)
    expect[(v <= lo_) | (span[None] <= 0)] = 1.0
    np.testing.assert_allclose(t, expect, atol=1e-12)
    # each input's strongest training response fires at 0, its weakest never
    assert (t.min(axis=0)[span > 0] == 0.0).all()
    # responses beyond the training range are clipped: stronger fires at 0, weaker not
    t2 = _latency_scaled(np.stack([r[0] * 0 + hi * 2, lo - 1]), lo, hi)
    assert (t2[0][span > 0] == 0.0).all() and (t2[1] == 1.0).all()


def test_blank_image_emits_nothing(fitted):
    F = fitted.transform(np.zeros((2, 28, 28)))
    assert (F == 1.0).all()


# --------------------------------------------------------------------------------------
# the extractor
# --------------------------------------------------------------------------------------


def test_output_shape_range_and_dtype(fitted, images):
    F = fitted.transform(images)
    assert F.shape == (len(images), 8 * 6 * 6)
    assert fitted.output_shape_ == (8, 6, 6)
    assert F.dtype == np.float32
    assert F.min() >= 0.0 and F.max() <= 1.0
    assert (F < 1.0).any() and (F == 1.0).any()
    assert fitted.filters_.shape == (8, 2, 5, 5)
    assert fitted.thresholds_.shape == (8,)
    assert fitted.n_features_in_ == 784
    assert fitted.get_feature_names_out().shape == (288,)


def test_default_feature_count_is_4608():
    ext = STDPConvFeatures(random_state=0, max_train_samples=2, max_iter=2)
    F = ext.fit(_images(2)).transform(_images(1))
    assert F.shape == (1, 4608)


def test_flat_and_image_input_agree(fitted, images):
    F1 = fitted.transform(images)
    F2 = fitted.transform(images.reshape(len(images), -1))
    np.testing.assert_array_equal(F1, F2)
    # fitted input ranges: the intensity scale of the training images is learned, and
    # images on another scale give other spike times
    assert fitted.input_min_.shape == fitted.input_max_.shape == (2, 28, 28)
    assert not np.allclose(fitted.transform(images.astype(np.float64) / 255.0), F1)
    # per-image scaling: the intensity scale does not matter
    ext = STDPConvFeatures(**{**SMALL, **IMAGE}).fit(images)
    assert not hasattr(ext, "input_min_")
    np.testing.assert_allclose(
        ext.transform(images.astype(np.float64) / 255.0), ext.transform(images), atol=1e-6
    )


def test_transform_matches_brute_force(images):
    ext = STDPConvFeatures(n_maps=3, pool_size=1, random_state=1, max_train_samples=5)
    ext.fit(images[:5])
    F = ext.transform(images[:3]).reshape(3, 3, 24, 24)
    times = _latency_scaled(dog_on_off(images[:3]), ext.input_min_, ext.input_max_)
    times = times.reshape(3, 2, 28, 28)
    for i in range(3):
        ref = _brute_force_first_spikes(times[i], ext.filters_, ext.thresholds_)
        np.testing.assert_allclose(F[i], ref, atol=1e-6)


def test_first_spike_pooling(images):
    ext = STDPConvFeatures(n_maps=4, random_state=2, max_train_samples=6).fit(images[:6])
    full = STDPConvFeatures(n_maps=4, pool_size=1).set_params(random_state=2)
    with warnings.catch_warnings():  # (one image: maybe no STDP update, and a warning)
        warnings.simplefilter("ignore", UserWarning)
        full.fit(images[:1])  # only to get a fitted object; copy the learned state
    full.filters_, full.thresholds_ = ext.filters_, ext.thresholds_
    full.input_min_, full.input_max_ = ext.input_min_, ext.input_max_
    unpooled = full.transform(images[:4]).reshape(4, 4, 24, 24)
    pooled = ext.transform(images[:4]).reshape(4, 4, 6, 6)
    ref = unpooled.reshape(4, 4, 6, 4, 6, 4).min(axis=(3, 5))
    np.testing.assert_array_equal(pooled, ref)


@pytest.mark.parametrize("mode", ["patch", "image"])
def test_determinism_and_random_state(images, mode):
    params = {**SMALL, **(IMAGE if mode == "image" else {})}
    a = STDPConvFeatures(**params).fit(images)
    b = STDPConvFeatures(**params).fit(images)
    np.testing.assert_array_equal(a.filters_, b.filters_)
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)
    np.testing.assert_array_equal(a.transform(images), b.transform(images))
    c = STDPConvFeatures(**{**params, "random_state": 1}).fit(images)
    assert not np.array_equal(a.filters_, c.filters_)


def test_transform_twice_and_thread_count(fitted, images):
    F1 = fitted.transform(images)
    F2 = fitted.transform(images)
    np.testing.assert_array_equal(F1, F2)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        F3 = fitted.transform(images)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(F1, F3)
    # one image at a time gives the same rows
    np.testing.assert_array_equal(fitted.transform(images[3:4]), F1[3:4])


@pytest.mark.parametrize("mode", ["patch", "image"])
def test_filters_learn_and_differ(fitted, images, mode):
    if mode == "image":
        fitted = STDPConvFeatures(**{**SMALL, **IMAGE}).fit(images)
    W = fitted.filters_
    assert W.min() >= 0.0 and W.max() <= 1.0
    assert fitted.n_updates_ > 0
    assert fitted.win_counts_.sum() == fitted.n_updates_
    learned = fitted.win_counts_ > 0
    assert learned.sum() >= 2
    # filters that learned moved away from their initialisation
    diff = np.abs(W - fitted.initial_filters_).reshape(len(W), -1).max(axis=1)
    assert (diff[learned] > 0.05).all()
    # and differ from each other
    flat = W.reshape(len(W), -1)
    d = np.abs(flat[:, None, :] - flat[None, :, :]).max(axis=2)
    assert (d[np.triu_indices(len(W), 1)] > 1e-3).all()


@pytest.mark.parametrize("mode", ["patch", "image"])
def test_threshold_adaptation_moves_thresholds(images, mode):
    params = {**SMALL, **(IMAGE if mode == "image" else {})}
    ext = STDPConvFeatures(**params).fit(images)
    assert not np.allclose(ext.thresholds_, ext.threshold_init)
    frozen = STDPConvFeatures(**{**params, "threshold_lr": 0.0, "homeostasis": 0.0})
    frozen.fit(images)
    np.testing.assert_array_equal(frozen.thresholds_, np.float32(frozen.threshold_init))


def _patch_reference(times, order, pos, C, H, W, Wt, thr, a_plus, a_minus, beta, t_obj,
                     th_lr, hom, th_min):
    """Patch training, straight from the definition (float64 potentials)."""
    k, M = Wt.shape[1], Wt.shape[3]
    wins = np.zeros(M, dtype=np.int64)
    for s, (y0, x0) in zip(order, pos, strict=True):
        img = times[s].reshape(C, H, W)
        patch = img[:, y0 : y0 + k, x0 : x0 + k]
        winner, t_win = -1, None
        for t in np.unique(patch[patch < 1.0]):
            mask = patch <= t
            V = np.array([Wt[..., m][mask].astype(np.float64).sum() for m in range(M)])
            above = V > thr
            if above.any():
                winner, t_win = int(np.argmax(np.where(above, V, -np.inf))), t
                break
        if winner < 0:
            continue
        wins[winner] += 1
        w = Wt[..., winner].astype(np.float64)
        causal = patch <= t_win
        w = np.where(causal, w + a_plus * np.exp(-beta * w), w + a_minus * np.exp(-beta * (1 - w)))
        Wt[..., winner] = np.clip(w, 0.0, 1.0).astype(np.float32)
        th = thr.astype(np.float64) - th_lr * (t_win - t_obj) - hom / (M - 1)
        th[winner] += hom + hom / (M - 1)
        thr[:] = np.maximum(th, th_min).astype(np.float32)
    return wins


def test_patch_training_matches_its_definition(images):
    from spikencg._kernels import _conv

    ext = STDPConvFeatures(n_maps=5, max_train_samples=None, random_state=0)
    ext.fit(images[:2])  # fitted input ranges
    times = ext._input_times(images)
    rng = np.random.default_rng(3)
    order = rng.integers(0, len(images), 60).astype(np.int64)
    pos = rng.integers(0, 24, (60, 2)).astype(np.int64)
    Wt = rng.uniform(0, 1, (2, 5, 5, 5)).astype(np.float32)
    thr = np.full(5, 6.0, np.float32)
    Wt2, thr2 = Wt.copy(), thr.copy()
    wins = np.zeros(5, dtype=np.int64)
    args = (0.1, -0.1, 1.0, 0.8, 0.5, 0.3, 1.0)
    n = _conv.train_patches(times, order, pos[:, 0].copy(), pos[:, 1].copy(), 2, 28, 28,
                            Wt, thr, 1.0, *args, wins)
    ref = _patch_reference(times, order, pos, 2, 28, 28, Wt2, thr2, *args)
    assert n == ref.sum() > 30
    np.testing.assert_array_equal(wins, ref)
    np.testing.assert_allclose(Wt, Wt2, atol=1e-6)
    np.testing.assert_allclose(thr, thr2, atol=1e-4)


def test_patch_training_balances_wins_and_anneals(images):
    ext = STDPConvFeatures(**{**SMALL, "max_iter": 20}).fit(images)
    assert ext.n_updates_ == ext.win_counts_.sum() > 0.9 * 20 * len(images)
    # the win-balancing threshold term shares the wins among the maps
    assert ext.win_counts_.min() > 0.5 * ext.win_counts_.mean()
    # annealing changes the result; annealing=1 keeps the rates
    ext2 = STDPConvFeatures(**{**SMALL, "max_iter": 20, "annealing": 1.0}).fit(images)
    assert not np.array_equal(ext.filters_, ext2.filters_)
    with pytest.raises(ValueError, match="training"):
        STDPConvFeatures(training="layer").fit(images)
    with pytest.raises(ValueError, match="input_scaling"):
        STDPConvFeatures(input_scaling="none").fit(images)
    with pytest.raises(ValueError, match="annealing"):
        STDPConvFeatures(annealing=0.0).fit(images)


def test_max_train_samples_and_zero_epochs(images):
    ext = STDPConvFeatures(**{**IMAGE, "n_maps": 4, "max_train_samples": 3, "n_winners": 2,
                              "random_state": 0})
    ext.fit(images)
    assert ext.n_updates_ <= 3 * 2
    ext = STDPConvFeatures(n_maps=4, max_train_samples=3, max_iter=5, random_state=0)
    assert ext.fit(images).n_updates_ <= 3 * 5
    none = STDPConvFeatures(n_maps=4, max_iter=0, random_state=0).fit(images)
    np.testing.assert_array_equal(none.filters_, none.initial_filters_)
    assert none.n_updates_ == 0


def test_pickle_round_trip(fitted, images):
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.transform(images), fitted.transform(images))


def test_scikit_learn_conventions(images):
    """What scikit-learn's common checks test, on images (the checks' own data are 2-D
    arrays of a few features, which are not images: tests/test_estimator_checks.py)."""
    from sklearn.base import clone

    X = images[:12]
    ext = STDPConvFeatures(**SMALL)
    params = ext.get_params()
    F = ext.fit(X).transform(X)
    assert ext.get_params() == params  # fit leaves the parameters alone
    assert not hasattr(clone(ext), "filters_")
    np.testing.assert_array_equal(ext.fit(X).transform(X), F)  # refit: same model
    np.testing.assert_array_equal(STDPConvFeatures(**SMALL).fit_transform(X), F)
    # read-only memory, Fortran order, other dtypes, nested lists: the same features
    Xr = X.copy()
    Xr.flags.writeable = False
    np.testing.assert_array_equal(STDPConvFeatures(**SMALL).fit(Xr).transform(Xr), F)
    for X2 in (np.asfortranarray(X), X.astype(np.float32), X.astype(np.int64)):
        np.testing.assert_array_equal(STDPConvFeatures(**SMALL).fit(X2).transform(X2), F)
    np.testing.assert_array_equal(ext.transform(X.tolist()), F)
    # each sample's features do not depend on the others in the batch
    perm = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_array_equal(ext.transform(X[perm]), F[perm])
    assert ext.n_features_in_ == 784
    assert ext.get_feature_names_out().shape == (F.shape[1],)
    pd = pytest.importorskip("pandas", reason="pandas is part of the test extra")
    out = clone(ext).set_output(transform="pandas").fit(X).transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(ext.get_feature_names_out())
    np.testing.assert_array_equal(out.to_numpy(), F)


def test_feeds_ttfs_encoder(fitted, images):
    F = fitted.transform(images)
    S = TTFSEncoder().fit_transform(F)
    assert sp.issparse(S) and S.shape == F.shape
    assert S.nnz == int((F < 1.0).sum())


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.full((2, 28, 28), np.nan), "NaN"),
        (np.full((2, 28, 28), np.inf), "infinity"),
        (-np.ones((2, 28, 28)), "Negative"),
        (np.ones(784), "shape"),
        (np.ones((2, 1, 1, 28, 28)), "shape"),
        (np.ones((2, 30)), "square"),
        (np.ones((2, 6, 6)), "too small"),
    ],
)
def test_bad_input_fit(X, match):
    with pytest.raises(ValueError, match=match):
        STDPConvFeatures(n_maps=2).fit(X)


def test_bad_input_transform(fitted):
    X = _images(2).astype(np.float64)
    X[0, 3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.transform(X)
    with pytest.raises(ValueError, match="Negative"):
        fitted.transform(-_images(2).astype(np.float64))
    with pytest.raises(ValueError, match="shape"):
        fitted.transform(np.ones((2, 27, 29)))
    with pytest.raises(ValueError, match="features"):
        fitted.transform(np.ones((2, 900)))
    with pytest.raises(ValueError, match="dense"):
        fitted.transform(sp.csr_matrix(np.ones((2, 784))))


def test_bad_params():
    with pytest.raises(ValueError, match="target_time"):
        STDPConvFeatures(target_time=1.5).fit(_images(2))
    with pytest.raises(ValueError, match="dog_sigmas"):
        STDPConvFeatures(dog_sigmas=(1.0,)).fit(_images(2))


def test_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        STDPConvFeatures().transform(_images(1))


# --------------------------------------------------------------------------------------
# feature cache
# --------------------------------------------------------------------------------------


def test_save_load_features(tmp_path, fitted, images):
    F = fitted.transform(images)
    y = np.arange(len(images)) % 3
    path = tmp_path / "feat.npz"
    save_features(path, F, y, extractor="STDPConvFeatures", n_maps=8)
    X2, y2, meta = load_features(path)
    np.testing.assert_array_equal(X2, F)
    assert X2.dtype == F.dtype
    np.testing.assert_array_equal(y2, y)
    assert meta == {"extractor": "STDPConvFeatures", "n_maps": 8}
    # without labels, compressed, to a file object
    buf = io.BytesIO()
    save_features(buf, F, compressed=True)
    buf.seek(0)
    X3, y3, meta3 = load_features(buf)
    np.testing.assert_array_equal(X3, F)
    assert y3 is None and meta3 == {}


def test_load_features_rejects_other_files(tmp_path):
    np.savez(tmp_path / "other.npz", X=np.ones(3))
    with pytest.raises(ValueError, match="not a spikencg feature file"):
        load_features(tmp_path / "other.npz")
    np.save(tmp_path / "single.npy", np.ones(3))
    with pytest.raises(ValueError, match="single array"):
        load_features(tmp_path / "single.npy")
    # object arrays are never unpickled
    np.savez(
        tmp_path / "obj.npz",
        spikencg_format=np.array("spikencg.features"),
        format_version=np.array(1),
        X=np.array([object()], dtype=object),
    )
    with pytest.raises(ValueError):
        load_features(tmp_path / "obj.npz")


def test_save_features_bad_input(tmp_path):
    with pytest.raises(ValueError, match="samples"):
        save_features(tmp_path / "a.npz", np.ones((3, 2)), y=[1, 2])
    with pytest.raises(ValueError, match="numeric"):
        save_features(tmp_path / "a.npz", np.array(["a", "b"]))
    with pytest.raises(ValueError, match="metadata"):
        save_features(tmp_path / "a.npz", np.ones((3, 2)), bad=[1, 2])


def test_adapt_on_earliest_gives_sparser_features(images):
    dense = STDPConvFeatures(**SMALL, **IMAGE).fit(images)
    sparse_ = STDPConvFeatures(**SMALL, **IMAGE, adapt_on="earliest").fit(images)
    assert (sparse_.transform(images) < 1).mean() < (dense.transform(images) < 1).mean()
    with pytest.raises(ValueError, match="adapt_on"):
        STDPConvFeatures(adapt_on="mean").fit(images)


# --------------------------------------------------------------------------------------
# the Fashion-MNIST example, tiny settings (real data)
# --------------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.filterwarnings("ignore::spikencg.ThresholdWarning")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fashion_mnist_example_tiny(data_dir, tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    if not (data_dir / "fashion-mnist").is_dir():
        pytest.skip("Fashion-MNIST not available")
    path = Path(__file__).resolve().parents[1] / "examples" / "fashion_mnist_paper.py"
    spec = importlib.util.spec_from_file_location("_example_fashion_mnist_paper", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["--data-dir", str(data_dir), "--cache-dir", str(tmp_path / "cache"),
            "--folds", "2", "--max-iter", "1", "--train-samples", "200",
            "--test-samples", "100", "--stdp-samples", "20", "--n-maps", "4"]
    module.main(argv)
    out = capsys.readouterr().out
    assert "features cached" in out and "NCG gain" in out and "LinearSVC" in out
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 2
    module.main(argv + ["--no-svc", "--configs", "s2stdp"])
    out = capsys.readouterr().out
    assert "read from the cache" in out and "LinearSVC" not in out
    # the whole-image extractor (earlier runs) has its own cache entry
    module.main(argv + ["--no-svc", "--configs", "s2stdp", "--training", "image"])
    out = capsys.readouterr().out
    assert "features cached" in out and '"training": "image"' in out
    assert len(list((tmp_path / "cache").glob("*image*.npz"))) == 2


@pytest.mark.integration
def test_default_extractor_keeps_its_maps_alive_on_fashion_mnist(data_dir):
    # with beta=1 many filters become binary (a few weights at 1); such a map's threshold
    # hovers at its weight sum during training and the map may end up just above it,
    # silent: 13 of 128 maps when fitted on 3,000 images, 8 on these 10,000, 1 on 10,000
    # drawn from the 60,000
    from spikencg.datasets import load_mnist

    if not (data_dir / "fashion-mnist").is_dir():
        pytest.skip("Fashion-MNIST not available")
    X, _ = load_mnist(data_dir, name="fashion-mnist", subset="train")
    ext = STDPConvFeatures(random_state=0).fit(X[:10000])
    F = ext.transform(X[10000:10500])
    spiking = (F < 1).reshape(len(F), *ext.output_shape_).mean(axis=(0, 2, 3))
    assert (spiking < 0.01).sum() <= 16
    assert 0.3 < (F < 1).mean() < 0.6
    # the win-balancing term shares the 1,000,000 patches among the maps
    assert ext.win_counts_.min() > 0.8 * ext.win_counts_.mean()


def test_load_features_damaged_or_incomplete(tmp_path):
    import struct
    import zipfile

    path = tmp_path / "f.npz"
    save_features(path, np.ones((40, 3)), np.arange(40), note="x")
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("X.npy")
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:
                                                   info.header_offset + 30])
    at = info.header_offset + 30 + name_len + extra_len + info.compress_size - 3
    raw[at] ^= 0xFF
    raw[at + 1] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"f.npz': damaged or truncated file: .*'X'"):
        load_features(path)
    marker = {"spikencg_format": np.array("spikencg.features")}
    np.savez(tmp_path / "m.npz", **marker)
    with pytest.raises(ValueError, match="m.npz': corrupt .* no 'format_version' entry"):
        load_features(tmp_path / "m.npz")
    marker["format_version"] = np.array(1)
    np.savez(tmp_path / "m.npz", **marker)
    with pytest.raises(ValueError, match=r"missing entries \['X'\]"):
        load_features(tmp_path / "m.npz")
    for extra, message in [({"X": np.ones((2, 1)), "y": np.arange(3)}, "'y' must hold one"),
                           ({"X": np.ones((2, 1)), "meta_a": np.arange(2)}, "metadata 'a' must"),
                           ({"X": np.array(["a", "b"])}, "'X' must be a numeric array")]:
        np.savez(tmp_path / "m.npz", **marker, **extra)
        with pytest.raises(ValueError, match=f"m.npz': corrupt spikencg feature file: {message}"):
            load_features(tmp_path / "m.npz")


def test_save_features_rejects_scalar_and_sparse_x(tmp_path):
    with pytest.raises(ValueError, match=r"shape \(n_samples, ...\), got a scalar"):
        save_features(tmp_path / "a.npz", 3.0)
    with pytest.raises(ValueError, match="got a sparse csr_matrix; convert it with X.toarray"):
        save_features(tmp_path / "a.npz", sp.csr_matrix(np.ones((2, 2))))
    assert not (tmp_path / "a.npz").exists()


# ------------------------------------------------------------------ colour images


def _smooth_colour(n=40, size=32, seed=0):
    """Colour images whose neighbouring pixels and channels are strongly correlated."""
    rng = np.random.default_rng(seed)
    base = ndi.gaussian_filter(rng.random((n, size, size)), sigma=(0, 2, 2))
    base = (base - base.mean()) / base.std()
    X = base[:, None] + 0.1 * rng.standard_normal((n, 3, size, size))
    return (255 * (X - X.min()) / (X.max() - X.min())).astype(np.uint8)


def test_colour_images_give_the_cifar_variant_shapes():
    X = _smooth_colour(12)
    ext = STDPConvFeatures(max_iter=1, random_state=0).fit(X)
    F = ext.transform(X)
    assert F.shape == (12, 7 * 7 * 128) and ext.output_shape_ == (128, 7, 7)
    assert ext.filters_.shape == (128, 6, 5, 5) and ext.input_min_.shape == (6, 32, 32)
    assert ext.n_colors_ == 3 and ext.whitening_.shape == (3, 3, 9, 9)
    assert ext.n_features_in_ == 3 * 32 * 32 and ext.n_updates_ > 0
    assert F.dtype == np.float32 and 0.0 <= F.min() and F.max() <= 1.0
    # flattened colour images of the fitted size are the same images
    np.testing.assert_array_equal(ext.transform(X.reshape(12, -1)), F)
    with pytest.raises(ValueError, match="3 channel"):
        ext.transform(X[:, :1])
    # grey-level images keep the DoG pre-processing, no whitening
    grey = STDPConvFeatures(n_maps=4, max_iter=1, random_state=0).fit(X[:, 0])
    assert grey.n_colors_ == 1 and not hasattr(grey, "whitening_")
    assert grey.filters_.shape == (4, 2, 5, 5)
    # DoG on colour images: on/off of each channel
    dog = STDPConvFeatures(n_maps=4, max_iter=1, preprocessing="dog", random_state=0).fit(X)
    assert not hasattr(dog, "whitening_") and dog.filters_.shape == (4, 6, 5, 5)
    with pytest.raises(ValueError, match="whiten_size must be odd"):
        STDPConvFeatures(whiten_size=4).fit(X)


def test_whitening_decorrelates_pixels_and_channels():
    X = _smooth_colour(60).astype(np.float64) / 255
    filters = whitening_filters(X, size=9, eps=1e-4, random_state=0)
    on_off = whiten_on_off(X, filters)
    Z = on_off[:, 0::2] - on_off[:, 1::2]  # the whitened channels (before the split)
    assert on_off.shape == (60, 6, 32, 32) and on_off.min() >= 0

    def corr(a, b):
        return abs(np.corrcoef(a.ravel(), b.ravel())[0, 1])

    before = X[:, 0][:, 8:24, 8:24], X[:, 0][:, 8:24, 9:25]
    after = Z[:, 0][:, 8:24, 8:24], Z[:, 0][:, 8:24, 9:25]
    assert corr(*before) > 0.9 and corr(*after) < 0.2  # neighbouring pixels
    assert corr(X[:, 0], X[:, 1]) > 0.9 and corr(Z[:, 0], Z[:, 1]) < 0.2  # channels
    # each filter is zero-mean; on white noise the filters are centred impulses
    assert np.allclose(filters.sum(axis=(1, 2, 3)), 0.0)
    noise = np.random.default_rng(1).random((200, 3, 16, 16))
    f = whitening_filters(noise, size=5, eps=1e-6, random_state=0)
    centre = f[np.arange(3), np.arange(3), 2, 2]
    assert np.all(centre > 0.9 * np.abs(f).reshape(3, -1).max(axis=1))


@pytest.mark.parametrize("kwargs, message", [
    (dict(size=4), "odd"), (dict(size=41), "odd integer"), (dict(eps=0.0), "eps"),
])
def test_whitening_filters_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        whitening_filters(np.ones((2, 3, 32, 32)), **kwargs)
    with pytest.raises(ValueError, match="n_channels"):
        whitening_filters(np.ones((2, 32, 32)))


def test_renamed_parameters_keep_working_for_a_release(images):
    # n_epochs became max_iter and a_minus became signed (< 0: depression, as in
    # SpikingReadoutClassifier) in 0.2: the former name and convention still give the
    # same model, with a FutureWarning, until 0.3
    from sklearn.base import clone

    params = dict(n_maps=4, max_train_samples=6, random_state=0)
    ref = STDPConvFeatures(**params, max_iter=2, a_minus=-0.05).fit(images)
    assert ref.get_params()["n_epochs"] == "deprecated"
    with pytest.warns(FutureWarning, match="'n_epochs' was renamed to 'max_iter'"):
        old = STDPConvFeatures(**params, n_epochs=2, max_iter=7, a_minus=-0.05).fit(images)
    np.testing.assert_array_equal(old.filters_, ref.filters_)
    np.testing.assert_array_equal(old.thresholds_, ref.thresholds_)
    with pytest.warns(FutureWarning, match="a_minus=0.05 > 0 is read as the size"):
        old = clone(STDPConvFeatures(**params, max_iter=2, a_minus=0.05)).fit(images)
    np.testing.assert_array_equal(old.filters_, ref.filters_)
    np.testing.assert_array_equal(old.thresholds_, ref.thresholds_)
    assert STDPConvFeatures().a_minus == -0.1 and STDPConvFeatures().max_iter == 100
    assert WHOLE_IMAGE_SETTINGS["a_minus"] < 0 and "n_epochs" not in WHOLE_IMAGE_SETTINGS
    with pytest.raises(ValueError, match="n_epochs"):
        STDPConvFeatures(n_epochs=-1).fit(images)
