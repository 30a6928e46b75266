"""GridSearchCV on a Dask LocalCluster (joblib's dask backend) equals the local run."""

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, cross_val_score

from spikencg import SpikingReadoutClassifier

distributed = pytest.importorskip("distributed", reason="the 'distributed' extra is needed")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_gridsearch_on_local_dask_cluster_equals_local_run():
    X, y = load_digits(return_X_y=True)
    X = 1.0 - X / 16.0
    grid = {"threshold": [3.0, 4.5], "a_plus": [0.01, 0.02]}
    est = SpikingReadoutClassifier(max_iter=2, random_state=0)
    local = GridSearchCV(est, grid, cv=3).fit(X[:450], y[:450])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        with joblib.parallel_backend("dask"):
            dist = GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X[:450], y[:450])
    np.testing.assert_array_equal(local.cv_results_["mean_test_score"],
                                  dist.cv_results_["mean_test_score"])
    assert local.best_params_ == dist.best_params_


def test_cross_val_score_n_jobs_2_identical():
    X, y = load_digits(return_X_y=True)
    X = 1.0 - X / 16.0
    est = SpikingReadoutClassifier(max_iter=2, random_state=0)
    a = cross_val_score(est, X[:600], y[:600], cv=4, n_jobs=1)
    b = cross_val_score(est, X[:600], y[:600], cv=4, n_jobs=2)
    np.testing.assert_array_equal(a, b)
