"""Private scikit-learn helpers used by spikencg, imported in one place, and the
parameter checks the estimators share.

``validate_data`` and ``check_array`` are scikit-learn's, with shorter errors for complex
input (scikit-learn's message prints the whole array) and for numbers too large for
float64. ``_fit_context`` is scikit-learn's, which also runs :func:`check_params` on every
call, ``partial_fit`` on a fitted estimator included (scikit-learn skips the validation
there, so a parameter changed by ``set_params`` after the first call went unchecked).
"""

import functools
import math
import numbers
import os
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn import config_context, get_config
from sklearn.utils import check_array as _sklearn_check_array
from sklearn.utils._param_validation import (
    Hidden,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils._set_output import ADAPTERS_MANAGER, _get_output_config
from sklearn.utils.validation import check_is_fitted
from sklearn.utils.validation import validate_data as _sklearn_validate_data

try:  # the threads scikit-learn's OpenMP code would use (threadpoolctl's limits)
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
except ImportError:  # pragma: no cover
    def _openmp_effective_n_threads():
        return os.cpu_count() or 1

__all__ = ["DEPRECATED", "Hidden", "Interval", "Options", "StrOptions", "_fit_context",
           "_openmp_effective_n_threads", "check_array", "check_finite_params",
           "check_is_fitted", "check_params", "deprecated_constraint", "image_rows",
           "renamed_param",
           "validate_data", "validate_parameter_constraints", "wrap_dense_output"]

#: The default of a parameter kept for one release under its former name.
DEPRECATED = "deprecated"
# the releases of the renames of issue 27 (epochs as max_iter, STDPConvFeatures' signed
# a_minus) and of the end of their deprecation
_RENAMED_IN, _REMOVED_IN = "0.2", "0.3"


def deprecated_constraint(*constraints):
    """The constraints of a parameter kept under its former name for one release.

    Parameters
    ----------
    *constraints
        The constraints of the values it still accepts.

    Returns
    -------
    constraints : list
        Those, and the hidden default ``"deprecated"``.
    """
    return [*constraints, Hidden(StrOptions({DEPRECATED}))]


def renamed_param(estimator, old, new, *, stacklevel=4):
    """The value of a renamed parameter, taken from its former name when that is set.

    scikit-learn's way of renaming a parameter: for one release the former name is
    still accepted (its default is ``"deprecated"``), with a FutureWarning, and wins
    over the new one.

    Parameters
    ----------
    estimator : estimator
        The estimator.
    old, new : str
        The former and the new name of the parameter.
    stacklevel : int, default=4
        Of the warning: 4 points at the caller of a ``fit`` wrapped by
        :func:`_fit_context` that calls this function.

    Returns
    -------
    value : object
        ``getattr(estimator, old)`` when it is not ``"deprecated"``, else
        ``getattr(estimator, new)``.
    """
    value = getattr(estimator, old)
    if isinstance(value, str) and value == DEPRECATED:
        return getattr(estimator, new)
    warnings.warn(
        f"{type(estimator).__name__}: the parameter '{old}' was renamed to '{new}' in "
        f"spikencg {_RENAMED_IN}; '{old}' will be removed in {_REMOVED_IN}. Use "
        f"{new}={value!r} instead.",
        FutureWarning,
        stacklevel=stacklevel,
    )
    return value


def wrap_dense_output(estimator, data, original_input):
    """``data`` (a dense transform output) in the container that ``estimator``'s
    ``set_output`` or the global ``transform_output`` setting asks for, with the
    estimator's output feature names as columns."""
    container = _get_output_config("transform", estimator)["dense"]
    if container == "default":
        return data
    return ADAPTERS_MANAGER.adapters[container].create_container(
        data, original_input, columns=estimator.get_feature_names_out)


# how the feature extractors' messages describe the images they take: channels first
# (STDPConvFeatures) or last (SoftHebbFeatures): the shapes, the shapes to pass instead
# of rows that are not square, and what a row is
_IMAGE_WORDS = {
    False: ("images of shape (n_samples, height, width), colour images of shape "
            "(n_samples, n_colors, height, width) or square images flattened to "
            "(n_samples, height * width)",
            "(n_samples, height, width) (or (n_samples, n_colors, height, width))", "image"),
    True: ("images of shape (n_samples, height, width), (n_samples, height, width, "
           "channels) or square grayscale images flattened to (n_samples, height * width)",
           "(n_samples, height, width) or (n_samples, height, width, channels)",
           "grayscale image"),
}


def image_rows(X, whom, *, channels_last, fitted=None):
    """Images given to a feature extractor, as rows, and their shape.

    The checks the feature extractors share: dense input of 2 to 4 dimensions; images
    of shape ``(n, height, width)``, ``(n, height, width, channels)`` (channels last) or
    ``(n, channels, height, width)`` (channels first), or rows of ``d`` values: images
    of the fitted shape flattened, or square single-channel images.

    Parameters
    ----------
    X : array-like
        The images given to the extractor.
    whom : str
        The extractor named in the messages.
    channels_last : bool
        Where 4-D input has its channels.
    fitted : tuple of (int, int, int), default=None
        ``(height, width, channels)`` of the fitted images, for rows of that many
        values; None: rows are square single-channel images.

    Returns
    -------
    X2 : array-like of shape (n_samples, height * width * channels)
        The images as rows (``X`` itself when it is 2-D).
    image_shape : tuple of (int, int, int)
        ``(height, width, channels)``.
    shape : tuple of int
        The shape of ``X``.

    Raises
    ------
    ValueError
        If ``X`` is sparse, has another number of dimensions, or has rows that are
        neither of the fitted size nor square.
    """
    expected, shapes, image = _IMAGE_WORDS[bool(channels_last)]
    if sp.issparse(X):
        raise ValueError(f"{whom} expects dense images, got a sparse {type(X).__name__}.")
    shape = getattr(X, "shape", None)
    if shape is None:
        X = np.asarray(X)
        shape = X.shape
    if len(shape) not in (2, 3, 4):
        raise ValueError(f"{whom} expects {expected}; got an array of shape {tuple(shape)}.")
    if len(shape) == 2:
        d = int(shape[1])
        if fitted is not None and d == math.prod(fitted):
            return X, tuple(fitted), shape
        side = math.isqrt(d)
        if side * side != d:
            raise ValueError(f"{whom} got 2-D input with {d} features, not a square "
                             f"{image}; pass the images with shape {shapes}.")
        return X, (side, side, 1), shape
    C = int(shape[-1 if channels_last else 1]) if len(shape) == 4 else 1
    H, W = (int(shape[1]), int(shape[2])) if channels_last else (int(shape[-2]),
                                                                   int(shape[-1]))
    return np.asarray(X).reshape(shape[0], H * W * C), (H, W, C), shape


def check_finite_params(estimator):
    """Raise a ValueError naming the first parameter of ``estimator`` that is a NaN or
    infinite number (or a tuple or list holding one).

    scikit-learn's parameter constraints accept them wherever a real number is allowed
    without bounds (and ``inf`` even with a lower bound); no parameter of spikencg's
    estimators has a meaning for them.
    """
    for name, value in estimator.get_params(deep=False).items():
        values = value if isinstance(value, (tuple, list)) else (value,)
        for v in values:
            if (isinstance(v, numbers.Real) and not isinstance(v, bool)
                    and not math.isfinite(v)):
                raise ValueError(f"{name} must be finite, got {value!r}.")


def _reject_bool_numbers(estimator):
    """Raise an InvalidParameterError naming the first parameter that is a bool where a
    number is expected: ``bool`` is a subclass of ``int``, so scikit-learn's numeric
    constraints take ``True`` for 1."""
    constraints = getattr(estimator, "_parameter_constraints", {})
    for name, value in estimator.get_params(deep=False).items():
        values = value if isinstance(value, (tuple, list)) else (value,)
        allowed = constraints.get(name, ())
        if (any(isinstance(v, (bool, np.bool_)) for v in values)
                and "boolean" not in allowed and "verbose" not in allowed):
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(estimator).__name__} must be a number "
                f"or one of its other allowed values, not a bool; got {value!r}."
            )


def check_params(estimator):
    """Validate every parameter of ``estimator``, whatever scikit-learn's configuration.

    scikit-learn's constraints (``_validate_params``), then: no bool where a number is
    expected, no NaN or infinite number.

    Parameters
    ----------
    estimator : estimator
        A spikencg estimator.

    Raises
    ------
    InvalidParameterError
        (A ValueError and a TypeError.) For a value outside a parameter's constraints.
    ValueError
        For a NaN or infinite number.
    """
    estimator._validate_params()
    _reject_bool_numbers(estimator)
    check_finite_params(estimator)


def _fit_context(*, prefer_skip_nested_validation):
    """scikit-learn's ``_fit_context`` (the same configuration for nested estimators),
    with :func:`check_params` on every call instead of scikit-learn's validation.

    One wrapper frame, as scikit-learn's: the estimators' warnings count their
    ``stacklevel`` through it.
    """

    def decorator(fit_method):
        @functools.wraps(fit_method)
        def wrapper(estimator, *args, **kwargs):
            global_skip = get_config()["skip_parameter_validation"]
            check_params(estimator)
            with config_context(
                skip_parameter_validation=prefer_skip_nested_validation or global_skip
            ):
                return fit_method(estimator, *args, **kwargs)

        return wrapper

    return decorator


def _is_complex(a):
    """Whether ``a`` (an array-like, sparse matrix or data frame) holds complex numbers."""
    if sp.issparse(a):
        return a.dtype.kind == "c"
    dtypes = getattr(a, "dtypes", None)
    if dtypes is not None and not isinstance(dtypes, np.dtype):
        return any(getattr(t, "kind", "") == "c" for t in dtypes)
    try:
        return bool(np.iscomplexobj(a))
    except (TypeError, ValueError):
        return False


def _shorter_errors(func, input_names):
    """``func`` (validate_data or check_array) with one-line errors for complex input and
    for numbers that do not fit a float64; ``input_names(args, kwargs)`` gives
    ``[(name, value), ...]`` of the inputs it checks."""

    @functools.wraps(func)
    def checked(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValueError as exc:
            if not str(exc).startswith("Complex data not supported"):
                raise
            inputs = input_names(args, kwargs)
            name = next((n for n, v in inputs if _is_complex(v)), inputs[0][0])
            raise ValueError(
                f"Complex data not supported: input {name} holds complex numbers; "
                "spike times and intensities are real numbers."
            ) from None
        except OverflowError as exc:
            name = input_names(args, kwargs)[0][0]
            raise ValueError(
                f"Input {name} holds a number that does not fit a float64 ({exc})."
            ) from None

    return checked


def _validate_data_inputs(args, kwargs):
    X = args[1] if len(args) > 1 else kwargs.get("X", "no_validation")
    y = args[2] if len(args) > 2 else kwargs.get("y", "no_validation")
    inputs = [] if isinstance(X, str) else [("X", X)]
    if not isinstance(y, str) and y is not None:
        inputs.append(("y", y))
    return inputs or [("X", None)]


def _check_array_inputs(args, kwargs):
    return [(kwargs.get("input_name") or "X", args[0] if args else kwargs.get("array"))]


validate_data = _shorter_errors(_sklearn_validate_data, _validate_data_inputs)
check_array = _shorter_errors(_sklearn_check_array, _check_array_inputs)
