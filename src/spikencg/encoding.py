"""First-spike (time-to-first-spike, TTFS) encoding of dense data as spike lists.

:class:`TTFSEncoder` turns dense samples (spike times, intensities, or measurements
through a population code) into the spike-list format of :mod:`spikencg.spikes`. The
functions of the format (:func:`~spikencg.spikes.spike_arrays`,
:func:`~spikencg.spikes.spikes_from_dense`, :func:`~spikencg.spikes.spikes_to_dense`,
:func:`~spikencg.spikes.save_spikes`, :func:`~spikencg.spikes.load_spikes`) live in
:mod:`spikencg.spikes`; they are importable from here too, as before.
"""

import math
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin

from ._compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_array,
    check_is_fitted,
    check_params,
    validate_data,
    wrap_dense_output,
)
from ._kernels import _spikes
from .spikes import (
    fill_blocks,
    flatten_samples,
    load_spikes,
    reject_sparse,
    row_block,
    row_chunks,
    save_spikes,
    scan_dense,
    spike_arrays,
    spike_arrays_and_shape,
    spikes_from_dense,
    spikes_to_dense,
    to_csr,
    writable,
)

__all__ = [
    "TTFSEncoder",
    # the spike-list format, defined in spikencg.spikes (importable from here as before)
    "load_spikes",
    "save_spikes",
    "spike_arrays",
    "spikes_from_dense",
    "spikes_to_dense",
]


# --------------------------------------------------------------------------------------
# the transformer
# --------------------------------------------------------------------------------------


# default receptive fields of the population code: chosen from cross-validated accuracy
# of the untuned SpikingReadoutClassifier on iris, wine, breast cancer, digits and five
# synthetic tables (docs/user-guide.md, "Tables of numbers")
_N_FIELDS = 8
_FIELD_WIDTH = 0.9
_MIN_RESPONSE = 0.1


def _raise_for_non_finite(X2, offset, whom, encoding):
    """Raise a ValueError naming the first NaN or infinite value of the validated
    float64 rows ``X2`` (rows ``offset``, ... of the input), if any."""
    finite = np.isfinite(X2)
    if finite.all():
        return
    row = int(np.flatnonzero(~finite.all(axis=1))[0])
    values = X2[row][~finite[row]]
    what = ("NaN" if np.isnan(values).any()
            else "+inf" if (values == np.inf).any() else "-inf")
    raise ValueError(
        f"Input X contains {what} (first in sample {row + offset}): "
        f"{whom}(encoding={encoding!r}) needs finite values (only spike times, "
        "encoding='time', may be +inf, meaning 'no spike')."
    )


class TTFSEncoder(
    OneToOneFeatureMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Encode dense samples as first-spike (time-to-first-spike) spike lists.

    Each input fires at most once, at a time ``t`` in ``[0, max_time)``; earlier means
    stronger. By default (``sparse_output=True``) the output is the spike-list format of
    :mod:`spikencg.spikes`: a CSR matrix whose entries are spike times, rows in time
    order, spikes at ``t = 0`` kept as explicit zeros; otherwise the dense spike times.

    Parameters
    ----------
    max_time : float, default=1.0
        End of the time window, > 0. Times ``>= max_time`` are not spikes.
    encoding : {"time", "intensity", "population"}, default="time"
        How to read the input values:

        - ``"time"``: the values are first-spike timestamps; ``+inf`` (or any value
          ``>= max_time``) means "no spike". Negative values are errors.
        - ``"intensity"``: one input per feature, latency code over the feature's
          range ``[x_min, x_max]`` (learned in :meth:`fit` by default):
          ``t = max_time * (1 - (x - x_min) / (x_max - x_min))``. Values ``>= x_max``
          fire at ``t = 0``, values ``<= x_min`` do not fire, so any finite value is
          accepted, also outside the training range. ``x_min=0`` is the classic
          latency code of images, ``t = max_time * (1 - x / x_max)``.
        - ``"population"``: ``n_fields`` inputs per feature with Gaussian receptive
          fields spread evenly over the feature's range (population coding, as in
          Bohte, Kok and La Poutré 2002): the value, clipped to the range, excites
          field ``k`` by ``r = exp(-(u - k)**2 / (2 * field_width**2))``, with ``u``
          the value's position on the fields' scale (0 at ``x_min``, ``n_fields - 1``
          at ``x_max``); the field fires at ``t = max_time * (1 - r)`` when
          ``r >= min_response``. For tables of measurements (see Notes).
    x_max : float, default=None
        Intensity and population modes: the top of every feature's range. None
        learns it in :meth:`fit` as the training maximum (see ``per_feature``).
    per_feature : bool, default=True
        Intensity and population modes, for the bounds left to None: learn them per
        feature (the default: right for tabular data whose features have different
        scales, and as good on images: 10,000 MNIST training images, 5 epochs, test
        accuracy 0.854 against 0.848) instead of over all features (``False``: the
        usual latency code of images, ``t = 1 - x / 16`` on digits with
        ``x_min=0``). A feature whose training range is empty (a constant, or
        ``x_max <= x_min``) never fires.
    sparse_output : bool, default=True
        True: the output is a spike list (CSR), what :class:`SpikingReadoutClassifier`
        is made for. False: a dense float64 array of the spike times, ``max_time`` for
        inputs that do not fire (which the readout also reads as "no spike"): for
        tools that densify or read sparse zeros as values (``ColumnTransformer``, whose
        default ``sparse_threshold`` would turn the spike list into an array where a
        missing spike reads as a spike at ``t = 0``; linear models; pandas output).
    x_min : float, default=None
        Intensity and population modes: the bottom of every feature's range. None
        learns it in :meth:`fit` as the training minimum (see ``per_feature``); 0
        gives the classic latency code (``t = max_time * (1 - x / x_max)``, values
        ``<= 0`` silent), that of ``spikencg convert --intensity``.
    n_fields : int, default=8
        Population mode: receptive fields (inputs) per feature, >= 2.
    field_width : float, default=0.9
        Population mode: standard deviation of each Gaussian field, in units of the
        distance between neighbouring fields' centres (> 0). With the default
        ``min_response`` a field fires for values within ``2.15 * field_width``
        spacings of its centre: at 0.9, the three or four nearest fields.
    min_response : float, default=0.1
        Population mode: fields excited less than this (in ``[0, 1)``) stay silent,
        so a field fires before ``max_time * (1 - min_response)``.

    Attributes
    ----------
    n_features_in_ : int
        Number of features per sample, ``d1 * ... * dk``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in :meth:`fit`, defined only when ``X`` has feature
        names that are all strings.
    input_shape_ : tuple of int
        Shape ``(d1, ..., dk)`` of one sample seen in :meth:`fit`.
    x_min_, x_max_ : float, ndarray of shape ``input_shape_`` or None
        Intensity and population modes: the range of every feature (one value for
        all features, or one per feature when ``per_feature=True`` and the bound is
        learned). None in time mode.
    field_centers_ : ndarray of shape (n_features_in_, n_fields) or None
        Population mode: the centre of each receptive field, in the units of the
        feature (NaN for features whose range is empty). None otherwise.
    field_sigmas_ : ndarray of shape (n_features_in_,) or None
        Population mode: the standard deviation of each feature's fields, in the units
        of the feature (0 where the range is empty). None otherwise.

    See Also
    --------
    spikencg.spikes.spikes_from_dense : Time-mode encoding as a plain function.
    spikencg.spikes.spike_arrays : The canonical arrays the kernels take.

    Notes
    -----
    Which encoding: spike times made elsewhere (e.g. :class:`~spikencg.STDPConvFeatures`)
    need ``"time"``; images and other data with many features where larger means
    stronger suit ``"intensity"``; a table of a few to a few tens of measurements needs
    ``"population"``: one spike per feature carries little, and the readout, one layer
    of neurons, cannot use a feature whose effect is not monotonic, which several
    fields per feature allow. With the defaults, untuned,
    ``make_pipeline(TTFSEncoder(encoding="population"), SpikingReadoutClassifier())``
    comes within 4 % of a logistic regression's cross-validated accuracy on wine,
    breast cancer and digits, and above it on iris (the user guide gives the figures).

    Samples of more than one dimension (e.g. images of shape ``(28, 28)``) are flattened
    row-major; :meth:`transform` accepts samples of the fitted shape or already
    flattened. ``NaN`` is an error; so are negative values in time mode, and infinite
    values in intensity and population modes. In population mode the output has
    ``n_features_in_ * n_fields`` columns, feature by feature (names ``x0_f0``,
    ``x0_f1``, ...), and :meth:`inverse_transform` is approximate (see there).

    Examples
    --------
    >>> import numpy as np
    >>> from spikencg.encoding import TTFSEncoder
    >>> X = np.array([[0, 8, 16], [4, 0, 20]])
    >>> enc = TTFSEncoder(encoding="intensity", per_feature=False).fit(X)
    >>> enc.x_min_, enc.x_max_
    (0.0, 20.0)
    >>> S = enc.transform(X)
    >>> S.indices, S.data
    (array([2, 1, 2, 0], dtype=int32), array([0.2, 0.6, 0. , 0.8]))
    >>> enc.inverse_transform(S)
    array([[ 0.,  8., 16.],
           [ 4.,  0., 20.]])
    >>> pop = TTFSEncoder(encoding="population", n_fields=3).fit([[-1.0], [1.0]])
    >>> pop.get_feature_names_out()
    array(['x0_f0', 'x0_f1', 'x0_f2'], dtype=object)
    >>> pop.transform([[0.0]]).toarray().round(3)   # the middle field fires at t = 0
    array([[0.461, 0.   , 0.461]])
    """

    _parameter_constraints: dict = {
        "max_time": [Interval(numbers.Real, 0, math.inf, closed="neither")],
        "encoding": [StrOptions({"time", "intensity", "population"})],
        "x_max": [Interval(numbers.Real, None, None, closed="neither"), None],
        "per_feature": ["boolean"],
        "sparse_output": ["boolean"],
        "x_min": [Interval(numbers.Real, None, None, closed="neither"), None],
        "n_fields": [Interval(numbers.Integral, 2, None, closed="left")],
        "field_width": [Interval(numbers.Real, 0, math.inf, closed="neither")],
        "min_response": [Interval(numbers.Real, 0, 1, closed="left")],
    }

    def __init__(self, max_time=1.0, encoding="time", x_max=None, per_feature=True,
                 sparse_output=True, *, x_min=None, n_fields=_N_FIELDS,
                 field_width=_FIELD_WIDTH, min_response=_MIN_RESPONSE):
        self.max_time = max_time
        self.encoding = encoding
        self.x_max = x_max
        self.per_feature = per_feature
        self.sparse_output = sparse_output
        self.x_min = x_min
        self.n_fields = n_fields
        self.field_width = field_width
        self.min_response = min_response

    def set_output(self, *, transform=None):
        """Set the container of :meth:`transform`'s dense output.

        A spike list (``sparse_output=True``) stays a CSR matrix whatever is set here
        (pandas and polars hold no spike lists), so that ``Pipeline.set_output`` and
        ``sklearn.set_config(transform_output=...)`` work on pipelines that encode;
        with ``sparse_output=False`` the times come in the container asked for, with
        ``get_feature_names_out()``'s column names.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            ``"default"``: numpy arrays; None: leave the setting unchanged.

        Returns
        -------
        self : TTFSEncoder
            The encoder.
        """
        if transform is None:
            return self
        if transform not in ("default", "pandas", "polars"):
            raise ValueError(
                f"transform must be 'default', 'pandas', 'polars' or None, got "
                f"{transform!r}."
            )
        if not hasattr(self, "_sklearn_output_config"):
            self._sklearn_output_config = {}
        self._sklearn_output_config["transform"] = transform
        return self

    def _blocks(self, X, *, reset, width=1):
        """Return ``(sample_shape, n_samples, blocks)``: ``blocks`` yields ``(lo, X2)``
        for consecutive blocks of rows of ``X`` (at most ``spikes._CHUNK_VALUES`` values
        each, divided by ``width``: the number of outputs per value), ``X2`` the
        validated rows ``lo:...``: float64, C-contiguous, writable, 2-D.
        """
        reject_sparse(X, type(self).__name__)
        X_flat, sample_shape = flatten_samples(X)
        if not reset and len(sample_shape) > 1 and sample_shape != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {sample_shape}, but {type(self).__name__} was "
                f"fitted on samples of shape {self.input_shape_}."
            )

        def blocks():
            chunks = row_chunks(X_flat.shape[0], X_flat.shape[1] * width)
            for k, (lo, hi) in enumerate(chunks):
                X2 = validate_data(self, row_block(X_flat, lo, hi), reset=reset and k == 0,
                                   dtype=np.float64, order="C", ensure_all_finite=False)
                yield lo, writable(X2)

        return sample_shape, X_flat.shape[0], blocks()

    def _scan(self, X2, offset):
        """Check the values of ``X2`` (rows ``offset``, ... of the input); return the spike
        counts (time mode) or None."""
        if self.encoding == "time":
            return scan_dense(
                X2,
                float(self.max_time),
                name="X",
                whom=type(self).__name__,
                what="spike times",
                allow_posinf=True,
                offset=offset,
            )
        _raise_for_non_finite(X2, offset, type(self).__name__, self.encoding)
        return None

    def _fixed_bound(self, name):
        """The value of the bound parameter ``name`` ("x_min" or "x_max") or None."""
        value = getattr(self, name)  # (finite: checked by the parameter constraints)
        return None if value is None else float(value)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the input and, in intensity and population modes, learn the range.

        Parameters
        ----------
        X : array-like of shape (n_samples, d1, ..., dk)
            Training samples: timestamps (time mode) or values (intensity and
            population modes), dense, with ``k >= 1``.
        y : None
            Ignored.

        Returns
        -------
        self : TTFSEncoder
            The fitted encoder.
        """
        ranged = self.encoding != "time"
        fixed = {}
        if ranged:
            fixed = {name: self._fixed_bound(name) for name in ("x_min", "x_max")}
            if None not in fixed.values() and not fixed["x_min"] < fixed["x_max"]:
                raise ValueError(
                    f"x_min={self.x_min!r} must be smaller than x_max={self.x_max!r}."
                )
        learned = {"x_min": None, "x_max": None}
        reduce = {"x_min": (np.min, np.minimum), "x_max": (np.max, np.maximum)}
        sample_shape, _, blocks = self._blocks(X, reset=True)
        for lo, X2 in blocks:  # (min and max are exact: the same in any grouping)
            self._scan(X2, lo)
            for name, value in fixed.items():
                if value is not None:
                    continue
                one, two = reduce[name]
                m = one(X2, axis=0) if self.per_feature else one(X2)
                learned[name] = m if learned[name] is None else two(learned[name], m)
        self.input_shape_ = sample_shape
        self.x_min_ = self.x_max_ = None
        self.field_centers_ = self.field_sigmas_ = None
        if not ranged:
            return self
        for name, value in fixed.items():
            if value is not None:
                setattr(self, name + "_", value)
            elif self.per_feature:
                setattr(self, name + "_", learned[name].reshape(sample_shape))
            else:
                setattr(self, name + "_", float(learned[name]))
        if self.encoding == "population":
            lo, hi = self._range()
            a = np.arange(self.n_fields) / (self.n_fields - 1)  # (no overflow in lo + ...)
            centers = lo[:, None] * (1.0 - a) + hi[:, None] * a
            centers[~(hi > lo)] = np.nan
            self.field_centers_ = centers
            step = (hi * 0.5 - lo * 0.5) / (self.n_fields - 1) * 2.0
            self.field_sigmas_ = np.where(hi > lo, float(self.field_width) * step, 0.0)
        return self

    def _per_feature(self, value):
        """A bound (scalar or per feature) as a float64 array of n_features_in_ values."""
        value = np.asarray(value, dtype=np.float64).reshape(-1)
        if value.size == 1:
            return np.full(self.n_features_in_, value[0], dtype=np.float64)
        return value.copy()

    def _range(self):
        """``(x_min, x_max)`` per feature, float64 arrays of n_features_in_ values."""
        return self._per_feature(self.x_min_), self._per_feature(self.x_max_)

    def _population_times(self, X2, lo, hi, T, counts):
        """Spike times (``max_time``: silent) of the population code of the rows
        ``X2``, written to ``T`` of shape (n_rows, n_features_in_ * n_fields); spike
        counts per row to ``counts``."""
        m = int(self.n_fields)
        live = hi > lo
        # position on the fields' scale (field k is centred at u = k), from halves: the
        # same numbers as (x - lo) * (m - 1) / (hi - lo), without overflow where the
        # range is wider than the largest float
        half_span = hi * 0.5 - lo * 0.5
        scale = np.where(live, (m - 1) / np.where(live, half_span, 1.0), 0.0)
        u = np.clip(X2, lo, np.maximum(hi, lo))
        u *= 0.5
        u -= lo * 0.5
        u *= scale
        r = np.empty((X2.shape[0], X2.shape[1], m))
        np.subtract(u[:, :, None], np.arange(m, dtype=np.float64), out=r)
        r /= float(self.field_width)
        np.square(r, out=r)
        r *= -0.5
        np.exp(r, out=r)
        silent = ~(r >= float(self.min_response))
        silent |= ~live[:, None]
        t = T.reshape(r.shape)
        np.subtract(1.0, r, out=t)
        t *= float(self.max_time)
        t[silent] = float(self.max_time)
        np.sum(~silent, axis=(1, 2), out=counts)

    def transform(self, X):
        """Encode samples as a spike list (or dense spike times, ``sparse_output=False``).

        Parameters
        ----------
        X : array-like of shape (n_samples, d1, ..., dk) or (n_samples, n_features_in_)
            Samples of the fitted shape, or flattened.

        Returns
        -------
        X_spikes : scipy.sparse.csr_matrix or ndarray of shape (n_samples, n_features_out)
            The spike list (dtype float64): entries are spike times, rows in time order
            (ties by input index), spikes at ``t = 0`` stored as explicit zeros. With
            ``sparse_output=False``: the dense spike times, ``max_time`` where an input
            does not fire (in the container set by :meth:`set_output`).
            ``n_features_out`` is ``n_features_in_``, times ``n_fields`` in population
            mode.
        """
        check_is_fitted(self)
        check_params(self)  # (set_params may have changed them since fit)
        width = int(self.n_fields) if self.encoding == "population" else 1
        _, n, blocks = self._blocks(X, reset=False, width=width)
        max_time = float(self.max_time)
        n_out = self.n_features_in_ * width
        x_lo, x_hi = (None, None) if self.encoding == "time" else self._range()
        dense = None if self.sparse_output else np.empty((n, n_out))

        def timestamps():
            for lo, X2 in blocks:
                if self.encoding == "time":
                    counts = self._scan(X2, lo)
                    if dense is not None:
                        np.minimum(X2, max_time, out=dense[lo : lo + X2.shape[0]])
                    yield X2, counts
                    continue
                counts = np.empty(X2.shape[0], dtype=np.int64)
                if self.encoding == "population":
                    self._scan(X2, lo)
                    T = (np.empty((X2.shape[0], n_out)) if dense is None
                         else dense[lo : lo + X2.shape[0]])
                    self._population_times(X2, x_lo, x_hi, T, counts)
                    yield T, counts
                    continue
                T = np.empty_like(X2)
                flags = np.empty(X2.shape[0], dtype=np.int64)
                _spikes.intensity_to_times(X2, x_lo, x_hi, max_time, T, counts, flags)
                if flags.any():
                    self._scan(X2, lo)  # raises for the NaN or infinite value
                if dense is not None:
                    np.minimum(T, max_time, out=dense[lo : lo + T.shape[0]])
                yield T, counts

        if dense is not None:
            for _ in timestamps():
                pass
            return wrap_dense_output(self, dense, X)
        arrays = fill_blocks(n, timestamps(), max_time)
        return to_csr(arrays, (n, n_out))

    def inverse_transform(self, X):
        """Decode a spike list back to dense samples.

        Parameters
        ----------
        X : sparse CSR matrix/array of shape (n_samples, n_features_out)
            A spike list (entries of a row in any order); with ``sparse_output=False``
            also this encoder's dense output (times, ``>= max_time`` for no spike).

        Returns
        -------
        X_dense : ndarray of shape (n_samples, d1, ..., dk), dtype float64
            Time mode: the spike times, ``max_time`` for inputs that do not fire.
            Intensity mode: ``x_min + (x_max - x_min) * (1 - t / max_time)``, ``x_min``
            for inputs that do not fire (values outside the range come back clipped).
            Population mode, approximate: each feature's value is solved from its two
            strongest fields (the Gaussian fields make this exact, to rounding, for
            values inside the training range whenever two fields fire; values outside
            come back clipped); the centre of the only field that fired when one did;
            ``x_min`` for features whose range is empty; NaN where none fired.
        """
        check_is_fitted(self)
        check_params(self)  # (set_params may have changed them since fit)
        width = int(self.n_fields) if self.encoding == "population" else 1
        n_out = self.n_features_in_ * width
        if not sp.issparse(X) and not self.sparse_output:
            # this encoder's dense output: times, max_time (or more) where no spike
            X = check_array(X, dtype=np.float64, ensure_all_finite=False)
            if X.shape[1] != n_out:
                raise ValueError(
                    f"X has {X.shape[1]} features, but {type(self).__name__}."
                    f"inverse_transform is expecting {n_out} features as input."
                )
            X = to_csr(spike_arrays_and_shape(X, float(self.max_time),
                                                whom=type(self).__name__)[0], X.shape)
        if not sp.issparse(X):
            raise TypeError(
                f"{type(self).__name__}.inverse_transform expects a sparse CSR spike list "
                f"X, got {type(X).__name__}: a dense array cannot tell a spike at t = 0 "
                "from no spike (dense times are read with sparse_output=False)."
            )
        if X.ndim != 2 or X.shape[1] != n_out:
            raise ValueError(
                f"X has {X.shape[-1]} features, but {type(self).__name__} is expecting "
                f"{n_out} features as input."
            )
        max_time = float(self.max_time)
        out = spikes_to_dense(X, max_time)
        if self.encoding == "intensity":
            # x = x_min + (x_max - x_min) * a, a = 1 - t / max_time, as
            # x_min * (1 - a) + x_max * a: no overflow where the range is wider than the
            # largest float, and x_max * a exactly for x_min = 0
            lo, hi = self._range()
            out /= max_time
            np.subtract(1.0, out, out=out)
            empty = ~(hi > lo)
            x = lo * (1.0 - out)
            out *= hi
            out += x
            out[:, empty] = lo[empty]
        elif self.encoding == "population":
            out = self._decode_population(out)
        return out.reshape((X.shape[0], *self.input_shape_))

    def _decode_population(self, times):
        """Feature values from the dense spike times of the population code."""
        m = int(self.n_fields)
        n, d = times.shape[0], self.n_features_in_
        r = 1.0 - times.reshape(n, d, m) / float(self.max_time)  # silent: 0
        k = np.argmax(r, axis=2)
        rows, cols = np.indices((n, d))
        r_k = r[rows, cols, k]
        left = np.where(k > 0, r[rows, cols, np.maximum(k - 1, 0)], 0.0)
        right = np.where(k < m - 1, r[rows, cols, np.minimum(k + 1, m - 1)], 0.0)
        step = np.where(right > left, 1, -1)
        r_b = np.maximum(left, right)
        with np.errstate(divide="ignore", invalid="ignore"):
            # two Gaussian responses of width w at centres a and b fix the position:
            # u = (a + b) / 2 + w**2 * (ln r_a - ln r_b) / (a - b)
            w2 = float(self.field_width) ** 2
            u = np.where(r_b > 0,
                         k + step / 2.0 + w2 * (np.log(r_k) - np.log(r_b)) / -step,
                         k.astype(np.float64))
        u[r_k <= 0] = np.nan
        lo, hi = self._range()
        a = u / (m - 1)
        x = lo * (1.0 - a) + hi * a  # (no overflow where the range is wider than floats)
        empty = ~(hi > lo)
        x[:, empty] = lo[empty]
        return np.clip(x, lo, np.maximum(hi, lo))

    def get_feature_names_out(self, input_features=None):
        """Names of the output inputs (spike-list columns).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; None: ``feature_names_in_`` if defined, else
            ``x0``, ``x1``, ...

        Returns
        -------
        feature_names_out : ndarray of str objects
            The input names (time and intensity modes), or, in population mode, one
            name per receptive field: ``<name>_f0`` to ``<name>_f<n_fields - 1>``,
            feature by feature.
        """
        names = super().get_feature_names_out(input_features)
        if self.encoding != "population":
            return names
        return np.asarray([f"{name}_f{k}" for name in names
                           for k in range(int(self.n_fields))], dtype=object)

    def __sklearn_tags__(self):
        """Declare dense input (non-negative in time mode) and float64 output."""
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = self.encoding == "time"
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
