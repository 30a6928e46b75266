"""Private scikit-learn helpers used by spikencg, imported in one place."""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["Interval", "Options", "StrOptions", "_fit_context", "check_is_fitted", "validate_data"]
