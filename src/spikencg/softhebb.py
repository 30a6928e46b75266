"""Non-spiking convolutional feature extractor trained with SoftHebb (SoftHebb-CNN).

:class:`SoftHebbFeatures` is the paper's second feature extractor: a three-block CNN
trained without labels by SoftHebb (Journé et al., ICLR 2023), whose output activations
become first-spike times in ``[0, 1]`` (1 = no spike), ready for
:class:`~spikencg.TTFSEncoder` in time mode. It runs on NumPy: the convolutions are
float32 matrix products (im2col, BLAS), the rest compiled numba kernels
(:mod:`spikencg._kernels._softhebb`).
"""

import math
import numbers
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from ._compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_finite_params,
    check_is_fitted,
    deprecated_constraint,
    image_rows,
    renamed_param,
    validate_data,
)
from ._kernels import _softhebb as _k
from ._parallel import num_threads

__all__ = ["SoftHebbFeatures"]

# batch normalisation: variance offset and (default) running-average momentum, as in
# PyTorch's BatchNorm2d
_BN_EPS = 1e-5
# fixed work partitions (they never depend on the number of threads, so neither does the
# result): maps per matrix-product task, images per transform task, positions per
# soft-winner-take-all task
_MAPS_PER_TASK = 256
_IMAGES_PER_TASK = 32
_ROWS_PER_TASK = 512
# images converted per step of transform (bounds the float32 input copy of a chunk)
_CHUNK = 4096


def _parts(n, size):
    """``ceil(n / size)`` consecutive ranges of nearly equal length covering ``range(n)``."""
    k = max(1, -(-n // size))
    edges = [n * i // k for i in range(k + 1)]
    return [(edges[i], edges[i + 1]) for i in range(k) if edges[i + 1] > edges[i]]


class _Workers:
    """Run lists of tasks on ``n_threads`` threads, each task with single-threaded BLAS.

    The tasks of one call write disjoint parts of the arrays; which thread runs a task
    never changes what it computes.
    """

    def __init__(self, n_threads):
        self.n_threads = int(n_threads)
        self._pool = None
        self._limits = None

    def __enter__(self):
        self._limits = threadpool_limits(limits=1, user_api="blas")
        if self.n_threads > 1:
            self._pool = ThreadPoolExecutor(self.n_threads)
        return self

    def __exit__(self, *exc):
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._limits.restore_original_limits()
        return False

    def run(self, fn, items):
        """``[fn(item) for item in items]``, in parallel."""
        if self._pool is None or len(items) < 2:
            return [fn(item) for item in items]
        return list(self._pool.map(fn, items))


def _soft_wta(u, beta, y):
    """Signed softmax of the rows of ``u`` (positions, maps) over the maps, into ``y``.

    ``y = softmax(beta * u)``, negated for every map but the first largest ``u``.
    """
    np.subtract(u, u.max(axis=1, keepdims=True), out=y)
    y *= np.float32(beta)
    np.exp(y, out=y)
    _k.signed_softmax(u, y)


def _pool_out(n, size, stride, pad):
    """Output length of a pooling along an axis of length ``n``."""
    return (n + 2 * pad - size) // stride + 1


class SoftHebbFeatures(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Convolutional feature extractor trained with SoftHebb, output as spike times.

    The SoftHebb-CNN of the paper (after the SoftHebb repository's demo network):
    ``len(n_maps)`` blocks, each

    1. batch normalisation without affine parameters (over images and positions, per
       channel; the statistics of each mini-batch while learning, running averages of
       them afterwards, updated with momentum ``bn_momentum`` and the unbiased variance
       as by PyTorch's ``BatchNorm2d``, but starting from the first mini-batch's
       statistics rather than 0 and 1, so that they do not depend on the input's scale
       after a few steps);
    2. a convolution of ``n_maps[l]`` maps of ``kernel_size[l]`` x ``kernel_size[l]``
       (odd), stride 1, reflect padding ``kernel_size[l] // 2`` ("same" size), no bias:
       pre-activations ``u``;
    3. the "triangle" activation: at each position, ``u`` minus its mean over the maps,
       clipped at 0, raised to the power ``triangle_power[l]``;
    4. pooling: ``pool_type[l]`` (``"max"``, padding ignored, or ``"avg"``, padding
       counted as zeros) over ``pool_size[l]`` windows, stride ``pool_stride[l]``,
       padding ``pool_padding[l]``.

    The defaults are the paper's: 96 maps 5x5 (inverse temperature 1, power 0.7, max
    pooling 4, stride 2, padding 1), 384 maps 3x3 (0.65, 1.4, the same pooling), 1,536
    maps 3x3 (0.25, 1.0, average pooling 2, stride 2): 3 x 3 x 1,536 = 13,824 features
    for 28 x 28 images, 4 x 4 x 1,536 = 24,576 for 32 x 32.

    Learning (:meth:`fit`, no labels; all blocks learn together, each from its input in
    the current network): ``max_iter`` passes over the training images in a random
    order, in mini-batches of ``batch_size``. The weights start normal with standard
    deviation ``weight_scale / sqrt(fan_in)``. For each mini-batch and block, at each
    position of each image, a soft winner-take-all over the maps,
    ``y = softmax(inverse_temperature[l] * u)``, negated for all maps but the winner (the
    largest ``u``); the update of map ``k`` (weights ``W_k``, input patches ``x``) is
    ``dW_k = sum (y_k x) - (sum y_k u_k) W_k``, summed over images and positions, divided
    by the largest ``|dW|`` of the block and applied as
    ``W_k += learning_rate[l] * sqrt(| ||W_k|| - 1 |) * dW_k`` (the norm before the
    update): the learning slows down as each map's norm converges to 1.

    Output (:meth:`transform`, the running statistics): the last block's pooled
    activations ``o >= 0`` of each image become spike times ``t = 1 - o / max(o)``
    (``max`` over the image's features): the strongest feature fires at 0, a feature
    of 0 does not fire (``t = 1``); an image whose features are all 0 gives all ones.

    Per-block parameters take one value for all blocks or a sequence with (at least) one
    value per block, ``len(n_maps)`` of them; extra values are ignored, so that the
    defaults also describe networks of one or two blocks (``n_maps=(16, 64)``: the
    paper's first two blocks with fewer maps).

    Parameters
    ----------
    n_maps : int or sequence of int, default=(96, 384, 1536)
        Maps of each block; its length is the number of blocks.
    kernel_size : int or sequence of int, default=(5, 3, 3)
        Side of each block's (odd) convolution kernels.
    inverse_temperature : float or sequence of float, default=(1.0, 0.65, 0.25)
        Softmax inverse temperature of each block's soft winner-take-all (> 0).
    triangle_power : float or sequence of float, default=(0.7, 1.4, 1.0)
        Power of each block's triangle activation (> 0).
    pool_type : {"max", "avg"} or sequence of them, default=("max", "max", "avg")
        Pooling of each block.
    pool_size : int or sequence of int, default=(4, 4, 2)
        Pooling window side.
    pool_stride : int or sequence of int, default=(2, 2, 2)
        Pooling stride.
    pool_padding : int or sequence of int, default=(1, 1, 0)
        Pooling padding (at most half the window side).
    learning_rate : float or sequence of float, default=(0.08, 0.005, 0.01)
        Base learning rate of each block (>= 0; 0 freezes the block's random weights).
    weight_scale : float, default=25.0
        Initial weights: normal, standard deviation ``weight_scale / sqrt(fan_in)``
        (``fan_in = in_channels * kernel_size**2``).
    batch_size : int, default=10
        Images per learning step (the batch statistics are over these images).
    max_iter : int, default=1
        Passes (epochs) over the training images (0: the weights stay random; the
        running statistics are then still measured on one pass).
    max_train_samples : int or None, default=None
        Learn from a random subset of at most this many images (None: all).
    bn_momentum : float, default=0.1
        Weight of each mini-batch's statistics in the running averages, in ``(0, 1]``.
    verbose : int, default=0
        1: progress bars (tqdm) while learning and transforming.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the training subset and the order of the images.
    n_epochs : int, default="deprecated"
        The passes over the training images under their name before 0.2 (it wins over
        ``max_iter`` when given).

        .. deprecated:: 0.2
           Renamed ``max_iter``, as in the other estimators; removed in 0.3.

    Attributes
    ----------
    filters_ : list of ndarray
        Learned weights of each block, shape (n_maps[l], in_channels, k, k), float32.
    running_mean_, running_var_ : lists of ndarray
        Each block's batch-normalisation statistics, shape (in_channels,), float64.
    n_updates_ : int
        Learning steps (mini-batches) taken.
    image_shape_ : tuple of int
        ``(height, width, channels)`` of the training images.
    block_shapes_ : list of tuple of int
        ``(n_maps, pooled_height, pooled_width)`` after each block.
    output_shape_ : tuple of int
        The last of ``block_shapes_``: the output features are this array flattened
        map-major.
    n_features_in_ : int
        Values per image, ``height * width * channels``.

    See Also
    --------
    spikencg.TTFSEncoder : Turns the output (time mode) into spike lists.
    spikencg.STDPConvFeatures : The paper's spiking feature extractor.
    spikencg.save_features : Cache the output to disk.

    Notes
    -----
    Input: ``(n, height, width)`` grayscale or ``(n, height, width, channels)`` images
    (channels last: a CIFAR array of shape ``(n, 3, 32, 32)`` needs
    ``X.transpose(0, 2, 3, 1)``), or square grayscale images flattened to
    ``(n, height * width)`` (after :meth:`fit`: any image of the fitted shape flattened
    in C order); any real values (batch normalisation removes the scale).

    The work runs on the package's thread count (``SPIKENCG_NUM_THREADS``, else the
    usable CPUs, ``numba.set_num_threads`` and the OpenMP limit; 1 in a process-pool
    worker; see :ref:`threads`), each thread calling BLAS single-threaded, in a
    partition of the work that does not depend on the number of threads: the result
    does not either. A row of :meth:`transform`
    does depend, at the level of float32 rounding, on the other images processed with
    it (its group of 32), as BLAS sums in an order that depends on the matrix shapes.

    The output is float32: 60,000 images x 13,824 features = 3.3 GB.

    Examples
    --------
    >>> import numpy as np
    >>> from spikencg import SoftHebbFeatures
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(20, 28, 28)).astype(np.uint8)
    >>> ext = SoftHebbFeatures(n_maps=(8, 16), random_state=0).fit(X)
    >>> F = ext.transform(X)
    >>> F.shape, ext.output_shape_, ext.block_shapes_
    ((20, 784), (16, 7, 7), [(8, 14, 14), (16, 7, 7)])
    >>> bool(F.min() == 0.0 and F.max() <= 1.0)
    True
    """

    _parameter_constraints: dict = {
        "n_maps": [Interval(numbers.Integral, 1, None, closed="left"), tuple, list],
        "kernel_size": [Interval(numbers.Integral, 1, None, closed="left"), tuple, list],
        "inverse_temperature": [Interval(numbers.Real, 0, None, closed="neither"), tuple,
                                list],
        "triangle_power": [Interval(numbers.Real, 0, None, closed="neither"), tuple, list],
        "pool_type": [StrOptions({"max", "avg"}), tuple, list],
        "pool_size": [Interval(numbers.Integral, 1, None, closed="left"), tuple, list],
        "pool_stride": [Interval(numbers.Integral, 1, None, closed="left"), tuple, list],
        "pool_padding": [Interval(numbers.Integral, 0, None, closed="left"), tuple, list],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="left"), tuple, list],
        "weight_scale": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
        "max_train_samples": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "bn_momentum": [Interval(numbers.Real, 0, 1, closed="right")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "n_epochs": deprecated_constraint(Interval(numbers.Integral, 0, None,
                                                   closed="left")),
    }

    def __init__(self, n_maps=(96, 384, 1536), kernel_size=(5, 3, 3),
                 inverse_temperature=(1.0, 0.65, 0.25), triangle_power=(0.7, 1.4, 1.0),
                 pool_type=("max", "max", "avg"), pool_size=(4, 4, 2),
                 pool_stride=(2, 2, 2), pool_padding=(1, 1, 0),
                 learning_rate=(0.08, 0.005, 0.01), weight_scale=25.0, batch_size=10,
                 max_iter=1, max_train_samples=None, bn_momentum=0.1, verbose=0,
                 random_state=None, n_epochs="deprecated"):
        self.n_maps = n_maps
        self.kernel_size = kernel_size
        self.inverse_temperature = inverse_temperature
        self.triangle_power = triangle_power
        self.pool_type = pool_type
        self.pool_size = pool_size
        self.pool_stride = pool_stride
        self.pool_padding = pool_padding
        self.learning_rate = learning_rate
        self.weight_scale = weight_scale
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.max_train_samples = max_train_samples
        self.bn_momentum = bn_momentum
        self.verbose = verbose
        self.random_state = random_state
        self.n_epochs = n_epochs

    # ------------------------------------------------------------------ parameters

    def _per_block(self, name, n_blocks, check, what):
        """The values of a per-block parameter, one per block, each checked."""
        value = getattr(self, name)
        values = list(value) if isinstance(value, (tuple, list)) else [value] * n_blocks
        if len(values) < n_blocks:
            raise ValueError(
                f"{name} has {len(values)} value(s), but n_maps defines {n_blocks} blocks: "
                f"give one value per block, or one value for all."
            )
        values = values[:n_blocks]
        for v in values:
            if not check(v):
                raise ValueError(f"{name} must hold {what}, got {value!r}.")
        return values

    def _blocks(self, image_shape):
        """Per-block settings and shapes for images of ``image_shape`` (h, w, c)."""
        if isinstance(self.n_maps, (tuple, list)):
            if len(self.n_maps) == 0:
                raise ValueError("n_maps must hold at least one block, got an empty sequence.")
            n_blocks = len(self.n_maps)
        else:
            n_blocks = 1

        def integer(lo):
            return lambda v: (isinstance(v, numbers.Integral) and not isinstance(v, bool)
                              and v >= lo)

        def positive(v):
            return (isinstance(v, numbers.Real) and not isinstance(v, bool)
                    and math.isfinite(v) and v > 0)

        def non_negative(v):
            return (isinstance(v, numbers.Real) and not isinstance(v, bool)
                    and math.isfinite(v) and v >= 0)

        maps = self._per_block("n_maps", n_blocks, integer(1), "integers >= 1")
        ks = self._per_block("kernel_size", n_blocks,
                             lambda v: integer(1)(v) and v % 2 == 1, "odd integers >= 1")
        betas = self._per_block("inverse_temperature", n_blocks, positive, "numbers > 0")
        powers = self._per_block("triangle_power", n_blocks, positive, "numbers > 0")
        types = self._per_block("pool_type", n_blocks, lambda v: v in ("max", "avg"),
                                "'max' or 'avg'")
        sizes = self._per_block("pool_size", n_blocks, integer(1), "integers >= 1")
        strides = self._per_block("pool_stride", n_blocks, integer(1), "integers >= 1")
        pads = self._per_block("pool_padding", n_blocks, integer(0), "integers >= 0")
        lrs = self._per_block("learning_rate", n_blocks, non_negative, "numbers >= 0")
        H, W, C = image_shape
        blocks = []
        for i in range(n_blocks):
            k, size, stride, pad = int(ks[i]), int(sizes[i]), int(strides[i]), int(pads[i])
            if 2 * pad > size:
                raise ValueError(
                    f"pool_padding must be at most half of pool_size; block {i + 1} has "
                    f"padding {pad} and size {size}."
                )
            p = k // 2
            if p >= H or p >= W:
                raise ValueError(
                    f"Images of shape {image_shape[:2]} are too small for the network: "
                    f"block {i + 1} gets {H} x {W} inputs, less than its reflect padding "
                    f"{p} + 1 (kernel_size {k})."
                )
            PH, PW = _pool_out(H, size, stride, pad), _pool_out(W, size, stride, pad)
            if PH < 1 or PW < 1:
                raise ValueError(
                    f"Images of shape {image_shape[:2]} are too small for the network: "
                    f"block {i + 1} gets {H} x {W} inputs, fewer than its pooling window "
                    f"{size} (padding {pad})."
                )
            # conv positions that some pooling window reads (transform computes only
            # these; learning uses them all)
            need_h = min(H, (PH - 1) * stride - pad + size)
            need_w = min(W, (PW - 1) * stride - pad + size)
            blocks.append(dict(
                in_shape=(H, W, C), maps=int(maps[i]), k=k, pad=p, beta=float(betas[i]),
                power=float(powers[i]), pool=types[i], size=size, stride=stride,
                pool_pad=pad, lr=float(lrs[i]), out_shape=(PH, PW, int(maps[i])),
                need=(need_h, need_w),
            ))
            H, W, C = PH, PW, int(maps[i])
        return blocks

    # ------------------------------------------------------------------ input handling

    def _validate_images(self, X, *, reset):
        """Return ``X`` as (n, H, W, C) float32 images after all the checks."""
        name = type(self).__name__
        X2, img_shape, shape = image_rows(X, name, channels_last=True,
                                          fitted=None if reset else self.image_shape_)
        if len(shape) == 4 and shape[1] in (1, 3, 4) and shape[3] > 4:
            raise ValueError(
                f"{name} expects channels last, (n_samples, height, width, channels); "
                f"the array of shape {tuple(shape)} looks channels-first: pass "
                f"X.transpose(0, 2, 3, 1)."
            )
        if not reset and len(shape) >= 3 and img_shape != self.image_shape_:
            raise ValueError(
                f"X has images of shape {img_shape}, but {name} was fitted on images of "
                f"shape {self.image_shape_} (height, width, channels)."
            )
        X2 = validate_data(self, X2, reset=reset, dtype=np.float32, order="C")
        return X2.reshape(X2.shape[0], *img_shape)

    # ------------------------------------------------------------------ learning

    def _learn_step(self, x, blocks, weights, stats, bufs, workers):
        """One mini-batch: every block learns from its input; ``x`` is (B, H, W, C)."""
        for blk, W, st, buf in zip(blocks, weights, stats, bufs, strict=True):
            x = self._learn_block(x, blk, W, st, buf, workers)

    def _learn_block(self, x, blk, W, st, buf, workers):
        """One block's learning step on a mini-batch ``x``; returns the block's output.

        ``W`` (maps, k * k * C) is updated in place, ``st`` holds the running mean and
        variance and whether they have started; ``buf`` the work arrays.
        """
        B = x.shape[0]
        m = float(self.bn_momentum)
        H, Wd, C = blk["in_shape"]
        K, k = blk["maps"], blk["k"]
        n_pos = B * H * Wd
        # batch statistics (float64) and their running averages
        flat = x.reshape(-1, C)
        mean = flat.mean(axis=0, dtype=np.float64)
        var = np.square(flat - mean.astype(np.float32), dtype=np.float64).mean(axis=0)
        unbiased = var * (n_pos / max(n_pos - 1, 1))
        if st[2]:
            st[0] *= 1.0 - m
            st[0] += m * mean
            st[1] *= 1.0 - m
            st[1] += m * unbiased
        else:  # the first mini-batch's statistics start the running averages
            st[0][:], st[1][:] = mean, unbiased
            st[2] = True
        mean32 = mean.astype(np.float32)
        inv32 = (1.0 / np.sqrt(var + _BN_EPS)).astype(np.float32)
        cols, u, y, yx = buf["cols"][:n_pos], buf["u"][:n_pos], buf["y"][:n_pos], buf["yx"]
        per_image = H * Wd

        def patches(r):
            _k.im2col(x[r[0]:r[1]], mean32, inv32, k, blk["pad"], H, Wd,
                      cols[r[0] * per_image:r[1] * per_image])

        def forward(r):
            np.matmul(cols, W[r[0]:r[1]].T, out=u[:, r[0]:r[1]])

        def wta(r):
            _soft_wta(u[r[0]:r[1]], blk["beta"], y[r[0]:r[1]])

        def hebb(r):
            np.matmul(y[:, r[0]:r[1]].T, cols, out=yx[r[0]:r[1]])
            return _k.update_rows(yx[r[0]:r[1]], y[:, r[0]:r[1]], u[:, r[0]:r[1]],
                                  W[r[0]:r[1]])

        workers.run(patches, _parts(B, max(1, -(-B // workers.n_threads))))
        map_parts = _parts(K, _MAPS_PER_TASK)
        workers.run(forward, map_parts)
        if blk["lr"] > 0:
            workers.run(wta, _parts(n_pos, _ROWS_PER_TASK))
            inv_scale = 1.0 / (float(max(workers.run(hebb, map_parts))) + 1e-30)

            def apply(r):
                _k.apply_update(W[r[0]:r[1]], yx[r[0]:r[1]], blk["lr"], inv_scale)

            workers.run(apply, map_parts)
        # the block's activation (u was computed with the weights before the update)
        return self._activate(u, blk, B, H, Wd, workers)

    def _activate(self, u, blk, n, oh, ow, workers):
        """Triangle activation and pooling of ``u`` (n * oh * ow, K) -> (n, PH, PW, K)."""
        K = blk["maps"]
        a = u.reshape(n, oh, ow, K)
        PH, PW, _ = blk["out_shape"]
        out = np.empty((n, PH, PW, K), dtype=np.float32)
        power = blk["power"]

        def act(r, a=a, out=out):
            part = a[r[0]:r[1]]
            _k.triangle(part.reshape(-1, K))
            if blk["pool"] == "max":
                # max pooling commutes with the (increasing) power: pool first
                _k.max_pool(part, blk["size"], blk["stride"], blk["pool_pad"],
                            out[r[0]:r[1]])
                if power != 1.0:
                    np.power(out[r[0]:r[1]], np.float32(power), out=out[r[0]:r[1]])
            else:
                if power != 1.0:
                    np.power(part, np.float32(power), out=part)
                _k.avg_pool(part, blk["size"], blk["stride"], blk["pool_pad"],
                            out[r[0]:r[1]])

        workers.run(act, _parts(n, max(1, -(-n // workers.n_threads))))
        return out

    # ------------------------------------------------------------------ API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the weights and batch-normalisation statistics from images, without labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, height, width[, channels]) or (n_samples, side**2)
            Images (grayscale and square when flattened).
        y : None
            Ignored.

        Returns
        -------
        self : SoftHebbFeatures
            The fitted extractor.

        Raises
        ------
        ValueError
            If a parameter is invalid or inconsistent with the others, ``X`` has the
            wrong number of dimensions or contains NaN or infinite values, or its images
            are too small for the network.
        """
        check_finite_params(self)
        max_iter = int(renamed_param(self, "n_epochs", "max_iter"))
        images = self._validate_images(X, reset=True)
        blocks = self._blocks(images.shape[1:])
        rng = check_random_state(self.random_state)
        weights, stats = [], []
        for blk in blocks:
            C = blk["in_shape"][2]
            fan_in = C * blk["k"] ** 2
            std = float(self.weight_scale) / math.sqrt(fan_in)
            W = rng.standard_normal((blk["maps"], blk["k"], blk["k"], C)) * std
            weights.append(np.ascontiguousarray(W.reshape(blk["maps"], fan_in),
                                                dtype=np.float32))
            stats.append([np.zeros(C), np.ones(C), False])
        n = images.shape[0]
        subset = np.arange(n)
        if self.max_train_samples is not None and n > self.max_train_samples:
            subset = np.sort(rng.choice(n, size=self.max_train_samples, replace=False))
        # the weights are frozen when there is no epoch, but the statistics are measured
        passes = max(max_iter, 1)
        orders = [rng.permutation(subset) for _ in range(passes)]
        B = int(self.batch_size)
        bufs = []
        for blk in blocks:
            H, Wd, C = blk["in_shape"]
            rows = min(B, subset.shape[0]) * H * Wd
            K, fan_in = blk["maps"], C * blk["k"] ** 2
            bufs.append(dict(cols=np.empty((rows, fan_in), np.float32),
                             u=np.empty((rows, K), np.float32),
                             y=np.empty((rows, K), np.float32),
                             yx=np.empty((K, fan_in), np.float32)))
        if max_iter == 0:
            for blk in blocks:
                blk["lr"] = 0.0
        bar = None
        if self.verbose:
            from tqdm.auto import tqdm  # imported when used: keeps `import spikencg` light

            bar = tqdm(total=passes * subset.shape[0], unit="image", desc="SoftHebb learning",
                       leave=self.verbose > 1, disable=None)
        n_updates = 0
        try:
            with _Workers(num_threads()) as workers:
                for order in orders:
                    for lo in range(0, order.shape[0], B):
                        idx = order[lo:lo + B]
                        self._learn_step(images[idx], blocks, weights, stats, bufs,
                                         workers)
                        n_updates += 1
                        if bar is not None:
                            bar.update(idx.shape[0])
        finally:
            if bar is not None:
                bar.close()
        self.filters_ = [
            np.ascontiguousarray(
                W.reshape(blk["maps"], blk["k"], blk["k"], blk["in_shape"][2])
                .transpose(0, 3, 1, 2))
            for W, blk in zip(weights, blocks, strict=True)
        ]
        self.running_mean_ = [st[0] for st in stats]
        self.running_var_ = [st[1] for st in stats]
        self.n_updates_ = n_updates if max_iter > 0 else 0
        self.image_shape_ = tuple(int(s) for s in images.shape[1:])
        self.block_shapes_ = [(b["maps"], b["out_shape"][0], b["out_shape"][1])
                              for b in blocks]
        self.output_shape_ = self.block_shapes_[-1]
        self._n_features_out = math.prod(self.output_shape_)
        return self

    # ------------------------------------------------------------------ forward pass

    def _fitted_arrays(self, blocks):
        """The fitted weights (maps, k * k * C) and statistics, checked."""
        weights, stats = [], []
        n = len(blocks)
        for name in ("filters_", "running_mean_", "running_var_"):
            value = getattr(self, name)
            if not isinstance(value, (list, tuple)) or len(value) != n:
                raise ValueError(f"{name} must be a list of {n} arrays (one per block).")
        for i, blk in enumerate(blocks):
            H, Wd, C = blk["in_shape"]
            want = (blk["maps"], C, blk["k"], blk["k"])
            arrays = []
            for name, shape in (("filters_", want), ("running_mean_", (C,)),
                                ("running_var_", (C,))):
                try:
                    a = np.asarray(getattr(self, name)[i], dtype=np.float64)
                except (TypeError, ValueError) as exc:
                    raise ValueError(f"{name}[{i}] must be a numeric array of shape "
                                     f"{shape}: {exc}") from None
                if a.shape != shape:
                    raise ValueError(f"{name}[{i}] must have the fitted shape {shape}, "
                                     f"got {a.shape}.")
                if not np.all(np.isfinite(a)):
                    raise ValueError(f"{name}[{i}] contains NaN or infinite values.")
                arrays.append(a)
            if np.any(arrays[2] < 0):
                raise ValueError(f"running_var_[{i}] must be >= 0.")
            W = np.ascontiguousarray(arrays[0].transpose(0, 2, 3, 1).reshape(want[0], -1),
                                     dtype=np.float32)
            weights.append(W)
            stats.append((arrays[1].astype(np.float32),
                          (1.0 / np.sqrt(arrays[2] + _BN_EPS)).astype(np.float32)))
        return weights, stats

    def _forward(self, x, blocks, weights, stats):
        """Output activations (n, PH, PW, K) of images ``x`` (n, H, W, C); one thread."""
        for blk, W, st in zip(blocks, weights, stats, strict=True):
            x = self._forward_block(x, blk, W, st)
        return x

    def _forward_block(self, x, blk, W, st):
        """One block's output for its input ``x`` (running statistics ``st``); one thread."""
        n = x.shape[0]
        oh, ow = blk["need"]
        cols = np.empty((n * oh * ow, W.shape[1]), np.float32)
        _k.im2col(x, st[0], st[1], blk["k"], blk["pad"], oh, ow, cols)
        u = cols @ W.T
        del cols
        return self._activate(u, blk, n, oh, ow, _Serial())

    def _times(self, X_images, out, workers, bar):
        """Spike times of ``X_images`` into ``out`` (n, n_features_out)."""
        blocks = self._blocks(self.image_shape_)
        weights, stats = self._fitted_arrays(blocks)
        n = X_images.shape[0]

        def task(r):
            o = self._forward(X_images[r[0]:r[1]], blocks, weights, stats)
            o = o.transpose(0, 3, 1, 2).reshape(r[1] - r[0], -1)
            top = o.max(axis=1, keepdims=True)
            dest = out[r[0]:r[1]]
            np.divide(o, np.where(top > 0, top, np.float32(1.0)), out=dest)
            np.subtract(np.float32(1.0), dest, out=dest)
            if bar is not None:
                bar.update(r[1] - r[0])

        workers.run(task, _parts(n, _IMAGES_PER_TASK))

    def transform(self, X):
        """Spike times of the last block's pooled activations.

        Parameters
        ----------
        X : array-like of shape (n_samples, height, width[, channels]) or (n_samples, n_pixels)
            Images of the fitted shape (``n_pixels = n_features_in_`` when flattened).

        Returns
        -------
        times : ndarray of shape (n_samples, n_maps[-1] * pooled_height * pooled_width), float32
            ``1 - o / max(o)`` per image, in ``[0, 1]`` (1 = no spike), map-major (see
            ``output_shape_``).

        Raises
        ------
        ValueError
            For input of the wrong shape or with NaN or infinite values.
        """
        check_is_fitted(self)
        name = type(self).__name__
        if sp.issparse(X):
            raise ValueError(f"{name} expects dense images, got a sparse {type(X).__name__}.")
        if getattr(X, "shape", None) is None:
            X = np.asarray(X)
        if X.ndim == 0:
            raise ValueError(f"{name} expects an array of images, got a scalar.")
        n = int(X.shape[0])
        out = np.empty((n, self._n_features_out), dtype=np.float32)
        bar = None
        if self.verbose:
            from tqdm.auto import tqdm

            bar = tqdm(total=n, unit="image", desc=f"{name} transform",
                       leave=self.verbose > 1, disable=None)
        try:
            with _Workers(num_threads()) as workers:
                for lo in range(0, max(n, 1), _CHUNK):
                    hi = min(n, lo + _CHUNK)
                    images = self._validate_images(X[lo:hi], reset=False)
                    self._times(images, out[lo:hi], workers, bar)
        finally:
            if bar is not None:
                bar.close()
        return out

    def __sklearn_tags__(self):
        """Declare dense image input (3-D and 4-D arrays too) and float32 output."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = []
        return tags


class _Serial:
    """The ``run`` of :class:`_Workers` in the calling thread."""

    n_threads = 1

    @staticmethod
    def run(fn, items):
        return [fn(item) for item in items]
