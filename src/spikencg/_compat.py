"""Private scikit-learn helpers used by spikencg, imported in one place, and the
parameter check the estimators share."""

import math
import numbers

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils._set_output import ADAPTERS_MANAGER, _get_output_config
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["Interval", "Options", "StrOptions", "_fit_context", "check_finite_params",
           "check_is_fitted", "validate_data", "wrap_dense_output"]


def wrap_dense_output(estimator, data, original_input):
    """``data`` (a dense transform output) in the container that ``estimator``'s
    ``set_output`` or the global ``transform_output`` setting asks for, with the
    estimator's output feature names as columns."""
    container = _get_output_config("transform", estimator)["dense"]
    if container == "default":
        return data
    return ADAPTERS_MANAGER.adapters[container].create_container(
        data, original_input, columns=estimator.get_feature_names_out)


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
