"""Unsupervised spiking feature extractor (STDP-CSNN) and a pickle-free feature cache.

:class:`STDPConvFeatures` is the paper's feature extractor for MNIST and Fashion-MNIST:
on/off difference-of-Gaussians filtering, latency coding, one convolutional layer of
single-spike IF neurons trained without labels by multiplicative STDP with
winner-takes-all and threshold adaptation towards a target firing time, then first-spike
pooling. Its output is dense first-spike times in ``[0, 1]`` (1 = no spike), ready for
:class:`~spikencg.TTFSEncoder` in time mode.

:func:`save_features` and :func:`load_features` store such feature arrays (and labels)
in a ``.npz`` file read back without pickle.
"""

import math
import numbers
import warnings

import numpy as np
import scipy.ndimage as ndi
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state

from . import _parallel
from ._compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_finite_params,
    check_is_fitted,
    check_params,
    deprecated_constraint,
    image_rows,
    renamed_param,
    validate_data,
)
from ._kernels import _conv
from ._npz import check_file_path, labels_to_store, open_npz

__all__ = ["STDPConvFeatures", "WHOLE_IMAGE_SETTINGS", "dog_on_off", "load_features",
           "save_features", "whiten_on_off", "whitening_filters"]

_FEATURES_FORMAT = "spikencg.features"
_FEATURES_VERSION = 1
# images converted to spike times per call of the compiled transform (bounds the memory
# of the float64 input times: 2048 x 2 x 784 x 8 bytes = 26 MB for 28 x 28 images)
_CHUNK = 2048
# one thread's time (ns) of transform per input value and synapse it reaches (measured
# on 28 x 28 Fashion-MNIST images, 128 maps: 0.15): sizes a batch for the threads
_TRANSFORM_NS_PER_EVENT = 0.15
# on/off responses below this fraction of the image's strongest response are not spikes
# (removes the rounding noise of the DoG on uniform regions)
_REL_EPS = 1e-6

#: Settings of :class:`STDPConvFeatures` for its whole-image training mode, as measured on
#: Fashion-MNIST (the extractor's defaults before patch training was added):
#: ``STDPConvFeatures(**WHOLE_IMAGE_SETTINGS, target_time=0.9)`` for example.
WHOLE_IMAGE_SETTINGS = dict(training="image", input_scaling="image", max_iter=1,
                            a_plus=0.05, a_minus=-0.05, beta=3.0, annealing=1.0,
                            threshold_lr=0.1, homeostasis=0.2, threshold_min=0.1)


def _dog_kernel(size, sigma_center, sigma_surround):
    """Difference of two normalised Gaussians on a ``size x size`` grid."""
    r = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    d2 = r[:, None] ** 2 + r[None, :] ** 2
    g1 = np.exp(-d2 / (2.0 * sigma_center**2))
    g2 = np.exp(-d2 / (2.0 * sigma_surround**2))
    return g1 / g1.sum() - g2 / g2.sum()


def dog_on_off(images, size=7, sigmas=(1.0, 2.0)):
    """On/off difference-of-Gaussians filtering of a batch of images.

    Parameters
    ----------
    images : ndarray of shape (n_samples, height, width)
        Non-negative images, any scale.
    size : int, default=7
        Side of the (square) filter.
    sigmas : tuple of two floats, default=(1.0, 2.0)
        Standard deviations of the centre and of the surround Gaussian; each Gaussian
        is normalised to sum 1 on the grid, so the filter sums to 0.

    Returns
    -------
    on_off : ndarray of shape (n_samples, 2, height, width), float64
        Channel 0: the positive part of the filtered image (on-centre), channel 1: the
        negative part, negated (off-centre). Zero padding at the borders ("same" size).

    Examples
    --------
    >>> import numpy as np
    >>> from spikencg.features import dog_on_off
    >>> img = np.zeros((1, 9, 9)); img[0, 4, 4] = 1.0
    >>> r = dog_on_off(img)
    >>> r.shape, bool(r[0, 0, 4, 4] > 0), bool(r[0, 1, 4, 4] == 0)
    ((1, 2, 9, 9), True, True)
    """
    images = np.asarray(images, dtype=np.float64)
    kern = _dog_kernel(int(size), float(sigmas[0]), float(sigmas[1]))
    f = ndi.correlate(images, kern[None, :, :], mode="constant", cval=0.0)
    out = np.empty((images.shape[0], 2) + images.shape[1:], dtype=np.float64)
    np.maximum(f, 0.0, out=out[:, 0])
    np.maximum(-f, 0.0, out=out[:, 1])
    return out


def _latency(on_off, max_time=1.0):
    """Per-image latency code of on/off responses: ``t = T * (1 - v / v_max)``.

    ``v_max`` is the image's strongest response over both channels; responses of 0 (or
    below ``_REL_EPS * v_max``) get ``t = T`` (no spike). Returns (n, C * H * W) float64.
    """
    n = on_off.shape[0]
    v = on_off.reshape(n, -1)
    vmax = v.max(axis=1, keepdims=True)
    safe = np.where(vmax > 0.0, vmax, 1.0)
    t = max_time * (1.0 - v / safe)
    t[v <= _REL_EPS * vmax] = max_time
    t[np.broadcast_to(vmax <= 0.0, t.shape)] = max_time
    np.clip(t, 0.0, max_time, out=t)
    return np.ascontiguousarray(t)


def _latency_scaled(on_off, v_min, v_max, max_time=1.0):
    """Latency code with a fixed per-input range: ``t = T * (1 - (v - v_min) / (v_max - v_min))``.

    ``v_min`` and ``v_max`` (shape ``on_off.shape[1:]``) are each input's smallest and
    largest response over the training images; the scaled value is clipped to
    ``[0, 1]``, and inputs at (or within rounding noise of) their minimum, or whose
    range is empty, get ``t = T`` (no spike). Returns (n, C * H * W) float64.
    """
    n = on_off.shape[0]
    v = on_off.reshape(n, -1)
    lo = np.asarray(v_min, dtype=np.float64).ravel()
    span = np.asarray(v_max, dtype=np.float64).ravel() - lo
    ok = span > 0.0
    x = (v - lo) / np.where(ok, span, 1.0)
    np.clip(x, 0.0, 1.0, out=x)
    t = max_time * (1.0 - x)
    t[(x <= _REL_EPS) | ~ok[None, :]] = max_time
    return np.ascontiguousarray(t)


def _patches(images, size, stride):
    """All ``size x size`` patches (every channel) at ``stride``: (n * P, C * size**2)."""
    n, C, H, W = images.shape
    win = np.lib.stride_tricks.sliding_window_view(images, (size, size), axis=(2, 3))
    win = win[:, :, ::stride, ::stride]  # (n, C, PY, PX, size, size)
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(-1, C * size * size)


def whitening_filters(images, size=9, eps=0.01, stride=2, max_patches=100000,
                      random_state=None):
    """ZCA whitening of image patches, as one ``size x size`` filter per channel.

    The covariance of the (mean-centred) ``size x size`` patches of all channels is
    decomposed, ``cov = U diag(s) U^T``, and the whitening matrix is ``Z = U diag(1 /
    sqrt(s + eps)) U^T``. The filter of output channel ``c`` is the row of ``Z`` of the
    pixel at the patch's centre in channel ``c`` (its response to a unit impulse there),
    reshaped to ``(C, size, size)`` and made zero-mean; :func:`whiten_on_off` applies
    the filters by correlation. (The STDP-CSNN's colour pre-processing: patch whitening
    before the on/off split.)

    Parameters
    ----------
    images : ndarray of shape (n_samples, n_channels, height, width)
        Training images (any scale; ``eps`` is relative to the scale of the pixels).
    size : int, default=9
        Side of the patches and of the filters (odd).
    eps : float, default=0.01
        Added to the variances before the inverse square root (regularisation).
    stride : int, default=2
        Step between the patches collected in each image.
    max_patches : int, default=100000
        At most this many patches (drawn at random when there are more).
    random_state : int, RandomState instance or None, default=None
        Seeds the draw of the patches.

    Returns
    -------
    filters : ndarray of shape (n_channels, n_channels, size, size), float64
        ``filters[c_out, c_in]``.

    Raises
    ------
    ValueError
        If ``images`` is not 4-D, ``size`` is not an odd integer no larger than the
        images, or ``eps`` is not > 0.

    Examples
    --------
    >>> import numpy as np
    >>> from spikencg.features import whitening_filters
    >>> X = np.random.default_rng(0).random((20, 3, 12, 12))
    >>> whitening_filters(X, size=3).shape
    (3, 3, 3, 3)
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (n_samples, n_channels, height, width), "
                         f"got shape {images.shape}.")
    if (isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1
            or size % 2 == 0 or size > min(images.shape[2:])):
        raise ValueError(f"size must be an odd integer >= 1 and at most the images' side, "
                         f"got {size!r} for images of {images.shape[2:]}.")
    if not (isinstance(eps, numbers.Real) and eps > 0):
        raise ValueError(f"eps must be a number > 0, got {eps!r}.")
    C = images.shape[1]
    rng = check_random_state(random_state)
    P = _patches(images, int(size), int(stride))
    if P.shape[0] > max_patches:
        P = P[np.sort(rng.choice(P.shape[0], size=int(max_patches), replace=False))]
    P = P - P.mean(axis=0)
    cov = P.T @ P / P.shape[0]
    s, U = np.linalg.eigh(cov)
    s = np.clip(s, 0.0, None)
    Z = (U / np.sqrt(s + eps)) @ U.T
    c = size // 2
    filters = np.empty((C, C, size, size))
    for ch in range(C):
        row = Z[ch * size * size + c * size + c].reshape(C, size, size)
        filters[ch] = row - row.mean()
    return filters


def whiten_on_off(images, filters):
    """Whitened images split into on (positive) and off (negative) channels.

    Parameters
    ----------
    images : ndarray of shape (n_samples, n_channels, height, width)
        Images, of the scale the filters were computed on.
    filters : ndarray of shape (n_channels, n_channels, size, size)
        From :func:`whitening_filters`.

    Returns
    -------
    on_off : ndarray of shape (n_samples, 2 * n_channels, height, width), float64
        Channel ``2 c``: the positive part of whitened channel ``c``, ``2 c + 1``: its
        negative part, negated. Borders are extended by repeating the edge pixels
        ("same" size).
    """
    images = np.asarray(images, dtype=np.float64)
    n, C = images.shape[:2]
    out = np.empty((n, 2 * C) + images.shape[2:], dtype=np.float64)
    for co in range(C):
        f = np.zeros(images.shape[:1] + images.shape[2:], dtype=np.float64)
        for ci in range(C):
            f += ndi.correlate(images[:, ci], filters[co, ci][None], mode="nearest")
        np.maximum(f, 0.0, out=out[:, 2 * co])
        np.maximum(-f, 0.0, out=out[:, 2 * co + 1])
    return out


class STDPConvFeatures(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Spiking convolutional feature extractor trained with unsupervised STDP.

    The STDP-CSNN of the paper for MNIST and Fashion-MNIST (28 x 28 images to
    6 x 6 x 128 = 4,608 first-spike times) and its variant for colour images (CIFAR,
    32 x 32 x 3 to 7 x 7 x 128 = 6,272):

    1. grey-level images: on/off difference-of-Gaussians filtering (see
       :func:`dog_on_off`): 2 channels; colour images: ZCA whitening of
       ``whiten_size`` x ``whiten_size`` patches learned in :meth:`fit` (see
       :func:`whitening_filters`), then the on/off split of each whitened channel (see
       :func:`whiten_on_off`): 6 channels for RGB (``preprocessing``);
    2. latency coding of each pixel-channel, stronger is earlier, a response of 0 emits
       no spike: ``t = 1 - (v - v_min) / (v_max - v_min)`` with each input's range over
       the training images (``input_scaling="dataset"``), or ``t = 1 - v / v_max`` with
       each image's strongest response (``"image"``);
    3. one convolutional layer of ``n_maps`` maps of single-spike IF neurons
       (``kernel_size`` x ``kernel_size`` x 2 filters, stride 1, no padding), each map
       with one threshold; the input spikes are integrated event by event, in time
       order (groups of equal timestamps at once), and a neuron's output time is the
       time of the group after which its potential is strictly above the threshold;
    4. first-spike pooling (minimum time) over ``pool_size`` x ``pool_size`` windows
       with stride ``pool_size``.

    Training (:meth:`fit`, no labels), ``max_iter`` passes over the training images in
    a random order, the learning rates multiplied by ``annealing`` after each pass. Both
    training modes use multiplicative STDP: the inputs of the winner's receptive field
    that spiked no later than the winner change by ``a_plus * exp(-beta * w)``, the
    others (later or silent) by ``a_minus * exp(-beta * (1 - w))`` (``a_plus > 0``,
    ``a_minus < 0``: potentiation and depression; weights in ``[0, 1]``); thresholds
    never go below ``threshold_min``.

    - ``training="patch"`` (the STDP-CSNN's scheme; default): each image gives one
      patch of the receptive field's size at a random position; the maps integrate it
      (one neuron per map) and the first to fire wins (ties: the larger potential, then
      the smaller index); the others are inhibited. The winner learns by STDP, then
      every map's threshold moves towards firing at ``target_time``,
      ``theta -= threshold_lr * (t_winner - target_time)``, and a win-balancing term
      raises the winner's threshold by ``homeostasis`` and lowers each other map's by
      ``homeostasis / (n_maps - 1)``.
    - ``training="image"``: the layer is simulated on the whole image; up to
      ``n_winners`` winners are chosen in firing order (ties: the larger potential),
      each from a map that has not won yet in this image and at a position farther than
      ``inhibition_radius`` from the previous winners (lateral inhibition between maps),
      and each learns by STDP on its receptive field. Then each map's threshold moves
      towards firing at ``target_time``: ``theta += threshold_lr * (target_time -
      t_map)``, ``t_map`` being the map's mean pooled first-spike time (its mean output
      feature, 1 for a silent window) or its earliest spike over all positions (see
      ``adapt_on``); with ``homeostasis``, each winner's threshold also rises by
      ``homeostasis`` and every map's falls by ``homeostasis * n_winners_of_the_image /
      n_maps``. Settings measured for this mode on Fashion-MNIST:
      :data:`WHOLE_IMAGE_SETTINGS` (the defaults before patch training was added).

    Parameters
    ----------
    n_maps : int, default=128
        Number of feature maps (filters).
    kernel_size : int, default=5
        Side of the convolution filters.
    pool_size : int, default=4
        Side and stride of the first-spike pooling windows.
    dog_size : int, default=7
        Side of the difference-of-Gaussians filter.
    dog_sigmas : tuple of two floats, default=(1.0, 2.0)
        Centre and surround standard deviations of the difference of Gaussians.
    preprocessing : {"auto", "dog", "whiten"}, default="auto"
        ``"dog"``: on/off DoG of each image channel; ``"whiten"``: patch whitening and
        on/off split; ``"auto"``: ``"dog"`` for grey-level images (one channel),
        ``"whiten"`` for colour images (the STDP-CSNN's settings for each).
    whiten_size : int, default=9
        Side (odd) of the whitening patches and filters.
    whiten_eps : float, default=0.01
        Regularisation of the whitening (pixels scaled to ``[0, 1]`` by the training
        images' largest value).
    whiten_patches : int, default=100000
        Patches (taken every 2 pixels, at most this many, drawn at random) whose
        covariance the whitening is learned from.
    input_scaling : {"dataset", "image"}, default="dataset"
        How on/off responses become spike times (see above). ``"dataset"`` learns each
        input's range in :meth:`fit` (``input_min_``, ``input_max_``).
    training : {"patch", "image"}, default="patch"
        Training scheme (see above).
    max_iter : int, default=100
        Passes (epochs) over the training images (0: the filters stay random).
    max_train_samples : int or None, default=10000
        Train on a random subset of at most this many images (None: all). The input
        ranges of ``input_scaling="dataset"`` are measured on all the images given.
    a_plus : float, default=0.1
        Rate of the causal inputs (> 0: potentiation).
    a_minus : float, default=-0.1
        Rate of the other inputs (< 0: depression), signed as the ``a_minus`` of
        :class:`~spikencg.SpikingReadoutClassifier`.

        .. versionchanged:: 0.2
           Signed; until 0.2 it was the size of the depression (0.1 then meant -0.1
           now). A value > 0 is still read that way, with a FutureWarning, until 0.3.
    beta : float, default=1.0
        Soft-bound strength of the multiplicative STDP. Small values let the filters
        become binary with very few strong weights. With ``training="image"`` and the
        winners' threshold rise, such a map's threshold settles at the sum of its
        weights and the map may end up silent; measured on Fashion-MNIST in that mode
        (target time 0.8, fitted on 5,000 images): 33 of 128 maps silent on 10,000
        training images with ``beta=1`` (LinearSVC on the features, 10,000 training /
        5,000 test images: 0.861), 16 with 2 (0.868), 2 with 3 (0.877), none with 5
        (0.864). With the patch training (defaults otherwise) a map whose filter became
        binary may also end just above its weight sum: 1 silent map of 128 when fitted on
        10,000 images drawn from the 60,000 (LinearSVC 0.875), 8 on the first 10,000,
        13 on 3,000; ``beta=3`` gives 2 (0.873).
    annealing : float, default=0.95
        After each pass over the training images, ``a_plus``, ``a_minus``,
        ``threshold_lr`` and ``homeostasis`` are multiplied by this factor.
    n_winners : int, default=8
        ``training="image"`` only: maximum number of filters that learn from one image.
    inhibition_radius : int, default=2
        ``training="image"`` only: winners' positions must be more than this many
        positions apart (Chebyshev distance) in the output grid; 0 only forbids the same
        position.
    threshold_init : float, default=8.0
        Initial threshold of every map.
    target_time : float, default=0.8
        Firing time, in ``(0, 1)``, that threshold adaptation aims at (paper: 0.75 for
        MNIST, 0.80 for Fashion-MNIST).
    threshold_lr : float, default=1.0
        Threshold adaptation rate (0 disables it).
    adapt_on : {"pooled", "earliest"}, default="pooled"
        ``training="image"`` only: firing time of a map that threshold adaptation drives
        to ``target_time``: ``"pooled"``, the mean over the pooling windows of each
        window's first spike (the mean output feature of the map: dense features);
        ``"earliest"``, the map's earliest spike over all positions (sparse features).
    homeostasis : float, default=1.0
        Win-balancing threshold rate (see above; 0 disables it).
    threshold_min : float, default=1.0
        Lower bound of the thresholds.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights (uniform in ``[0, 1)``), the training subset, the
        order of the training images and the patch positions.
    n_epochs : int, default="deprecated"
        Former name of ``max_iter``.

        .. deprecated:: 0.2
           Use ``max_iter``; ``n_epochs`` will be removed in 0.3.

    Attributes
    ----------
    filters_ : ndarray of shape (n_maps, 2 * n_colors, kernel_size, kernel_size), float32
        Learned filters (channel ``2 c``: on, ``2 c + 1``: off response of image channel
        ``c``).
    initial_filters_ : ndarray of shape (n_maps, 2 * n_colors, kernel_size, kernel_size)
        Filters before training (float32).
    input_min_, input_max_ : ndarrays of shape (2 * n_colors, height, width), float64
        Each on/off input's smallest and largest response over the training images
        (``input_scaling="dataset"`` only).
    n_colors_ : int
        Channels of the training images (1: grey levels, 3: RGB).
    whitening_ : ndarray of shape (n_colors, n_colors, whiten_size, whiten_size)
        The whitening filters (``preprocessing`` resolved to ``"whiten"`` only).
    pixel_scale_ : float
        Largest pixel value of the training images (whitening only: the images are
        divided by it).
    thresholds_ : ndarray of shape (n_maps,), float32
        Learned thresholds.
    win_counts_ : ndarray of shape (n_maps,), int64
        Number of STDP updates of each map during training.
    n_updates_ : int
        Total number of STDP updates.
    image_shape_ : tuple of int
        ``(height, width)`` of the training images.
    output_shape_ : tuple of int
        ``(n_maps, pooled_height, pooled_width)``: the output features are this array
        flattened map-major.
    n_features_in_ : int
        Values per image, ``n_colors * height * width``.

    See Also
    --------
    spikencg.TTFSEncoder : Turns the output (time mode) into spike lists.
    save_features : Cache the output to disk.

    Notes
    -----
    :meth:`transform` runs in several threads over images when the batch is large enough
    (see :ref:`threads`); the result does not depend on the number of threads.
    The output is float32 (60,000 Fashion-MNIST images x 4,608 features = 1.1 GB).
    The input may be ``(n, height, width)`` grey-level images, ``(n, n_colors, height,
    width)`` channel-first images (as :func:`spikencg.datasets.load_cifar` returns
    them), or ``(n, height * width)`` square grey-level images flattened row-major (or
    images flattened to the fitted ``n_features_in_``), of any dtype and non-negative
    range (with ``input_scaling="dataset"``, of the same range as the training images).

    Examples
    --------
    >>> import numpy as np
    >>> from spikencg.features import STDPConvFeatures
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(20, 28, 28)).astype(np.uint8)
    >>> ext = STDPConvFeatures(n_maps=4, random_state=0).fit(X)
    >>> F = ext.transform(X)
    >>> F.shape, ext.output_shape_
    ((20, 144), (4, 6, 6))
    """

    _parameter_constraints: dict = {
        "n_maps": [Interval(numbers.Integral, 1, None, closed="left")],
        "kernel_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "pool_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "dog_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "dog_sigmas": [tuple, list],
        "preprocessing": [StrOptions({"auto", "dog", "whiten"})],
        "whiten_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "whiten_eps": [Interval(numbers.Real, 0, None, closed="neither")],
        "whiten_patches": [Interval(numbers.Integral, 1, None, closed="left")],
        "input_scaling": [StrOptions({"dataset", "image"})],
        "training": [StrOptions({"patch", "image"})],
        "max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
        "max_train_samples": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "a_plus": [Interval(numbers.Real, 0, None, closed="left")],
        "a_minus": [Interval(numbers.Real, None, None, closed="neither")],
        "beta": [Interval(numbers.Real, 0, None, closed="left")],
        "annealing": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_winners": [Interval(numbers.Integral, 1, None, closed="left")],
        "inhibition_radius": [Interval(numbers.Integral, 0, None, closed="left")],
        "threshold_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "target_time": [Interval(numbers.Real, 0, 1, closed="neither")],
        "threshold_lr": [Interval(numbers.Real, 0, None, closed="left")],
        "adapt_on": [StrOptions({"pooled", "earliest"})],
        "homeostasis": [Interval(numbers.Real, 0, None, closed="left")],
        "threshold_min": [Interval(numbers.Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "n_epochs": deprecated_constraint(Interval(numbers.Integral, 0, None,
                                                   closed="left")),
    }

    def __init__(self, n_maps=128, kernel_size=5, pool_size=4, dog_size=7,
                 dog_sigmas=(1.0, 2.0), preprocessing="auto", whiten_size=9,
                 whiten_eps=0.01, whiten_patches=100000, input_scaling="dataset",
                 training="patch", max_iter=100, max_train_samples=10000, a_plus=0.1,
                 a_minus=-0.1, beta=1.0, annealing=0.95, n_winners=8, inhibition_radius=2,
                 threshold_init=8.0, target_time=0.8, threshold_lr=1.0, adapt_on="pooled",
                 homeostasis=1.0, threshold_min=1.0, random_state=None,
                 n_epochs="deprecated"):
        self.n_maps = n_maps
        self.kernel_size = kernel_size
        self.pool_size = pool_size
        self.dog_size = dog_size
        self.dog_sigmas = dog_sigmas
        self.preprocessing = preprocessing
        self.whiten_size = whiten_size
        self.whiten_eps = whiten_eps
        self.whiten_patches = whiten_patches
        self.input_scaling = input_scaling
        self.training = training
        self.max_iter = max_iter
        self.max_train_samples = max_train_samples
        self.a_plus = a_plus
        self.a_minus = a_minus
        self.beta = beta
        self.annealing = annealing
        self.n_winners = n_winners
        self.inhibition_radius = inhibition_radius
        self.threshold_init = threshold_init
        self.target_time = target_time
        self.threshold_lr = threshold_lr
        self.adapt_on = adapt_on
        self.homeostasis = homeostasis
        self.threshold_min = threshold_min
        self.random_state = random_state
        self.n_epochs = n_epochs

    # ------------------------------------------------------------------ input handling

    def _validate_images(self, X, *, reset):
        """Return ``X`` as (n, C, H, W) float64 images after all the checks."""
        name = type(self).__name__
        fitted_colors = 1 if reset else getattr(self, "n_colors_", 1)
        X2, (*img_shape, n_colors), shape = image_rows(
            X, name, channels_last=False,
            fitted=None if reset else (*self.image_shape_, fitted_colors))
        img_shape = tuple(img_shape)
        if n_colors < 1:
            raise ValueError(f"{name} got images with 0 colour channels (shape "
                             f"{tuple(shape)}).")
        if not reset and len(shape) >= 3 and (img_shape != self.image_shape_
                                              or n_colors != fitted_colors):
            raise ValueError(
                f"X has images of shape {img_shape} with {n_colors} channel(s), but {name} "
                f"was fitted on images of shape {self.image_shape_} with "
                f"{fitted_colors} channel(s)."
            )
        X2 = validate_data(self, X2, reset=reset, dtype=np.float64, order="C")
        if X2.size and X2.min() < 0:
            raise ValueError(
                f"Negative values in data passed to {name}: pixel intensities must be >= 0."
            )
        k = int(self.kernel_size)
        small = min(img_shape) - k + 1 < self.pool_size
        if reset and small:
            raise ValueError(
                f"Images of shape {img_shape} are too small for kernel_size={k} and "
                f"pool_size={self.pool_size}."
            )
        return X2.reshape(X2.shape[0], n_colors, *img_shape)

    def _whitens(self, n_colors):
        """Whether the pre-processing is the patch whitening (else: DoG)."""
        if self.preprocessing == "auto":
            return n_colors > 1
        return self.preprocessing == "whiten"

    def _on_off(self, images):
        """On/off responses (n, 2 * C, H, W) of a batch of (n, C, H, W) images (or
        (n, H, W) grey-level ones)."""
        if images.ndim == 3:
            images = images[:, None]
        n, C, H, W = images.shape
        if hasattr(self, "whitening_"):
            return whiten_on_off(images / self.pixel_scale_, self.whitening_)
        if C == 1:
            return dog_on_off(images[:, 0], self.dog_size, self.dog_sigmas)
        r = dog_on_off(images.reshape(n * C, H, W), self.dog_size, self.dog_sigmas)
        return r.reshape(n, 2 * C, H, W)

    def _input_times(self, images):
        """Input spike times (n, 2 * C * H * W) of a batch of images (fitted input ranges)."""
        if self.input_scaling == "dataset":
            return _latency_scaled(self._on_off(images), self.input_min_, self.input_max_)
        return _latency(self._on_off(images))

    # ------------------------------------------------------------------ API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the filters and thresholds from images, without labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, height, width) or (n_samples, height * width)
            Non-negative images (square when flattened).
        y : None
            Ignored.

        Returns
        -------
        self : STDPConvFeatures
            The fitted extractor.

        Raises
        ------
        ValueError
            If ``X`` has the wrong number of dimensions, contains NaN, infinite or
            negative values, or its images are too small for the kernel and pooling.
        """
        check_finite_params(self)
        if len(self.dog_sigmas) != 2 or not min(self.dog_sigmas) > 0:
            raise ValueError(
                f"dog_sigmas must be two positive numbers, got {self.dog_sigmas!r}."
            )
        if self.whiten_size % 2 == 0:
            raise ValueError(f"whiten_size must be odd, got {self.whiten_size}.")
        max_iter = int(renamed_param(self, "n_epochs", "max_iter"))
        a_minus = float(self.a_minus)
        if a_minus > 0:
            warnings.warn(
                f"{type(self).__name__}: a_minus={self.a_minus!r} > 0 is read as the size "
                f"of the depression (a_minus={-a_minus!r}), as before spikencg 0.2; from "
                "0.3 a_minus is signed as in SpikingReadoutClassifier, and a value > 0 "
                f"potentiates. Pass a_minus={-a_minus!r} instead.",
                FutureWarning,
                stacklevel=3,  # fit, scikit-learn's fit wrapper, the caller
            )
            a_minus = -a_minus
        images = self._validate_images(X, reset=True)
        rng = check_random_state(self.random_state)
        n, n_colors = images.shape[:2]
        H, W = images.shape[2:]
        k, M, C = int(self.kernel_size), int(self.n_maps), 2 * n_colors
        for name in ("whitening_", "pixel_scale_"):
            if hasattr(self, name):
                delattr(self, name)
        if self._whitens(n_colors):
            if self.whiten_size > min(H, W):
                raise ValueError(f"whiten_size={self.whiten_size} is larger than the "
                                 f"images ({H}x{W}).")
            scale = float(images.max()) if images.size and images.max() > 0 else 1.0
            filters = whitening_filters(images / scale, int(self.whiten_size),
                                        float(self.whiten_eps), 2,
                                        int(self.whiten_patches), rng)
            self.pixel_scale_, self.whitening_ = scale, filters
        Wt = rng.uniform(0.0, 1.0, size=(C, k, k, M)).astype(np.float32)
        self.initial_filters_ = np.ascontiguousarray(Wt.transpose(3, 0, 1, 2))
        thr = np.full(M, self.threshold_init, dtype=np.float32)
        subset = np.arange(n)
        if self.max_train_samples is not None and n > self.max_train_samples:
            subset = np.sort(rng.choice(n, size=self.max_train_samples, replace=False))
        if self.input_scaling == "dataset":
            # each input's range over all the images given (in chunks: bounded memory)
            lo = np.full((C, H, W), np.inf)
            hi = np.full((C, H, W), -np.inf)
            for start in range(0, n, _CHUNK):
                r = self._on_off(images[start : start + _CHUNK])
                np.minimum(lo, r.min(axis=0), out=lo)
                np.maximum(hi, r.max(axis=0), out=hi)
            self.input_min_, self.input_max_ = lo, hi
        else:
            for name in ("input_min_", "input_max_"):
                if hasattr(self, name):
                    delattr(self, name)
        times = self._input_times(images[subset])
        orders = [rng.permutation(subset.shape[0]).astype(np.int64)
                  for _ in range(max_iter)]
        win_counts = np.zeros(M, dtype=np.int64)
        n_updates = 0
        a_plus = float(self.a_plus)
        th_lr, hom = float(self.threshold_lr), float(self.homeostasis)
        OH, OW = H - k + 1, W - k + 1
        for order in orders:
            if self.training == "patch":
                pos_y = rng.randint(0, OH, size=order.shape[0]).astype(np.int64)
                pos_x = rng.randint(0, OW, size=order.shape[0]).astype(np.int64)
                n_updates += _conv.train_patches(
                    times, order, pos_y, pos_x, C, H, W, Wt, thr, 1.0, a_plus, a_minus,
                    float(self.beta), float(self.target_time), th_lr, hom,
                    float(self.threshold_min), win_counts,
                )
            else:
                n_updates += _conv.train_epoch(
                    times, order, C, H, W, Wt, thr, 1.0, a_plus, a_minus,
                    float(self.beta), int(self.n_winners), int(self.inhibition_radius),
                    float(self.target_time), th_lr, hom, float(self.threshold_min),
                    int(self.pool_size) if self.adapt_on == "pooled" else 0, win_counts,
                )
            a_plus *= self.annealing
            a_minus *= self.annealing
            th_lr *= self.annealing
            hom *= self.annealing
        self.filters_ = np.ascontiguousarray(Wt.transpose(3, 0, 1, 2))
        self.thresholds_ = thr
        self.win_counts_ = win_counts
        self.n_updates_ = int(n_updates)
        if n_updates == 0 and max_iter > 0 and subset.shape[0] > 0:
            warnings.warn(
                f"No STDP update took place in fit: no map's potential reached its "
                f"threshold (threshold_init={self.threshold_init:g}) on the training "
                f"images, so the filters are still random; lower threshold_init (a "
                f"{k}x{k} kernel collects at most {C * k * k} input spikes).",
                UserWarning,
                stacklevel=3,  # fit, scikit-learn's fit wrapper, the caller
            )
        self.image_shape_ = (int(H), int(W))
        self.n_colors_ = int(n_colors)
        p = int(self.pool_size)
        self.output_shape_ = (M, (H - k + 1 - p) // p + 1, (W - k + 1 - p) // p + 1)
        self._n_features_out = math.prod(self.output_shape_)
        return self

    def transform(self, X):
        """Pooled first-spike times of the convolutional layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, height, width) or (n_samples, height * width)
            Non-negative images of the fitted shape.

        Returns
        -------
        times : ndarray of shape (n_samples, n_maps * pooled_height * pooled_width), float32
            First-spike time in ``[0, 1]`` of each pooled unit (1 = no spike), map-major
            (see ``output_shape_``).

        Raises
        ------
        ValueError
            For input of the wrong shape or with NaN, infinite or negative values.
        """
        check_is_fitted(self)
        check_params(self)  # (set_params may have changed them since fit)
        images = self._validate_images(X, reset=False)
        n = images.shape[0]
        H, W = self.image_shape_
        # the filters as the kernel takes them (from the public attributes, so that
        # edits of filters_ / thresholds_ take effect; their shapes are those fitted)
        shape = self.initial_filters_.shape
        arrays = []
        for name, want in (("filters_", shape), ("thresholds_", shape[:1])):
            try:
                a = np.asarray(getattr(self, name), dtype=np.float32)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name} must be a numeric array of shape {want}: {exc}"
                                 ) from None
            if a.shape != want:
                raise ValueError(f"{name} must have the fitted shape {want}, got {a.shape}.")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{name} contains NaN or infinite values.")
            arrays.append(a)
        Wt = np.ascontiguousarray(arrays[0].transpose(1, 2, 3, 0))
        thr = np.ascontiguousarray(arrays[1])
        out = np.empty((n, self._n_features_out), dtype=np.float32)
        for lo in range(0, n, _CHUNK):
            hi = min(n, lo + _CHUNK)
            times = self._input_times(images[lo:hi])
            _transform(times, 2 * getattr(self, "n_colors_", 1), H, W, Wt, thr,
                       int(self.pool_size), out[lo:hi])
        return out

    def __sklearn_tags__(self):
        """Declare non-negative dense input (images: 3-D arrays too) and float32
        output whatever the input's dtype."""
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = []
        return tags


def _transform(times, C, H, W, Wt, thr, pool, out):
    """:func:`_conv.transform_batch` on the rows of ``times`` (``C`` input channels), in
    several threads when the batch is large enough for it to pay."""

    def run(lo, hi, direct):
        o = out[lo:hi] if direct else np.empty((hi - lo, out.shape[1]), dtype=out.dtype)
        _conv.transform_batch(times[lo:hi], C, H, W, Wt, thr, 1.0, pool, o)
        if not direct:
            def commit():
                out[lo:hi] = o

            return commit
        return None

    # events: input values x the synapses each one reaches (only the values that spike
    # reach them, but the cost per event was measured so)
    n = times.shape[0]
    events = float(n) * times.shape[1] * Wt.shape[1] * Wt.shape[2] * Wt.shape[3]
    _parallel.run_chunks(run, n, events * _TRANSFORM_NS_PER_EVENT)


# --------------------------------------------------------------------------------------
# feature cache
# --------------------------------------------------------------------------------------


def save_features(path, X, y=None, *, compressed=False, **metadata):
    """Save a dense feature array (and labels) to a ``.npz`` file without pickle.

    Parameters
    ----------
    path : str, path-like or file-like object
        Destination; as with :func:`numpy.savez`, ``".npz"`` is appended to a path that
        does not end with it.
    X : array-like of shape (n_samples, ...)
        Numeric features (e.g. the output of :meth:`STDPConvFeatures.transform`); the
        dtype is kept.
    y : array-like of shape (n_samples,), default=None
        Labels (numbers or strings).
    compressed : bool, default=False
        Use :func:`numpy.savez_compressed`.
    **metadata : scalars or strings
        Extra entries stored as 0-d arrays (e.g. the extractor's settings as a JSON
        string) and returned by :func:`load_features`.

    Raises
    ------
    ValueError
        If ``X`` is sparse, a scalar (0-d) or not numeric, ``y`` has the wrong length or
        holds objects other than strings, a metadata value is not a number or a
        string, or ``path`` names a folder.

    See Also
    --------
    load_features : Read the file back.
    """
    check_file_path(path, "features.npz")
    if sp.issparse(X):
        raise ValueError(
            f"X must be a dense numeric array of shape (n_samples, ...), got a sparse "
            f"{type(X).__name__}; convert it with X.toarray()."
        )
    X = np.asarray(X)
    if X.ndim < 1:
        raise ValueError(
            f"X must be a numeric array of shape (n_samples, ...), got a scalar (0-d "
            f"array of dtype {X.dtype})."
        )
    if X.dtype.kind not in "biuf":
        raise ValueError(
            f"X must be a numeric array of shape (n_samples, ...), got dtype {X.dtype}."
        )
    contents = {
        "spikencg_format": np.array(_FEATURES_FORMAT),
        "format_version": np.array(_FEATURES_VERSION, dtype=np.int64),
        "X": X,
    }
    if y is not None:
        contents["y"] = labels_to_store(y, X.shape[0])
    for key, value in metadata.items():
        v = np.asarray(value)
        if v.ndim != 0 or v.dtype.kind not in "biufU":
            raise ValueError(f"metadata {key!r} must be a number or a string, got {value!r}.")
        contents["meta_" + key] = v
    (np.savez_compressed if compressed else np.savez)(path, **contents)


def load_features(path):
    """Load features saved by :func:`save_features` (never unpickles).

    Parameters
    ----------
    path : str, path-like or file-like object
        A file written by :func:`save_features`.

    Returns
    -------
    X : ndarray
        The features, with the saved dtype and shape.
    y : ndarray or None
        The labels, or None when none were saved.
    metadata : dict
        The extra entries given to :func:`save_features`, as Python scalars/strings.

    Raises
    ------
    FileNotFoundError
        If ``path`` is a path to no file.
    ValueError
        If the file is not a spikencg feature file, is damaged or truncated, holds
        Python objects, has an unsupported format version, or is inconsistent.

    See Also
    --------
    save_features : Write such a file.
    """
    f, corrupt = open_npz(path, _FEATURES_FORMAT, "feature", "save_features",
                           version=_FEATURES_VERSION, required=("X",))
    X = f["X"]
    if X.ndim < 1 or X.dtype.kind not in "biuf":
        raise ValueError(
            f"{corrupt}: 'X' must be a numeric array of samples, got an array of dtype "
            f"{X.dtype} and shape {X.shape}."
        )
    y = f.get("y")
    if y is not None and (y.ndim == 0 or y.shape[0] != X.shape[0]):
        raise ValueError(
            f"{corrupt}: 'y' must hold one label per sample ({X.shape[0]}), got shape "
            f"{y.shape}."
        )
    metadata = {}
    for key, value in f.items():
        if key.startswith("meta_"):
            if value.ndim != 0:
                raise ValueError(
                    f"{corrupt}: metadata {key[5:]!r} must be a scalar, got shape "
                    f"{value.shape}."
                )
            metadata[key[5:]] = value.item()
    return X, y, metadata
