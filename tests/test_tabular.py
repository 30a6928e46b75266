"""Tables of numbers through one Pipeline: the untuned population code and readout
against a linear model (the defaults' measurements are in benchmarks/tabular_defaults.py
and the user guide)."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from threadpoolctl import threadpool_limits

from spikencg import SpikingReadoutClassifier, TTFSEncoder


@pytest.mark.parametrize("load", [load_iris, load_wine, load_breast_cancer, load_digits])
def test_untuned_population_pipeline_competes_with_logistic_regression(load):
    # the target, for one classifier seed (the example and the benchmark run all
    # five): at least 0.95 times the 5-fold accuracy of a min-max-scaled linear model
    X, y = load(return_X_y=True)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    with threadpool_limits(limits=1, user_api="blas"):  # (two threads: 100x slower on a
        # busy 2-core machine)
        linear = cross_val_score(make_pipeline(MinMaxScaler(),
                                               LogisticRegression(max_iter=1000)),
                                 X, y, cv=cv).mean()
    spiking = cross_val_score(make_pipeline(TTFSEncoder(encoding="population"),
                                            SpikingReadoutClassifier(random_state=0)),
                              X, y, cv=cv).mean()
    assert spiking >= 0.95 * linear, (spiking, linear)


def test_negative_and_shifted_tables_give_the_same_model():
    # the range is learned: shifting and scaling a feature changes nothing (to rounding
    # of the spike times, which may reorder spikes that tie exactly)
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(TTFSEncoder(encoding="population"),
                         SpikingReadoutClassifier(max_iter=5, random_state=0))
    base = pipe.fit(X, y).predict(X)
    moved = pipe.fit(X * 4.0 - 100.0, y).predict(X * 4.0 - 100.0)
    assert np.mean(base == moved) > 0.95
    assert pipe.score(X * 4.0 - 100.0, y) > 0.9
