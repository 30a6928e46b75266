"""Digits through one scikit-learn Pipeline: encoder + NCG spiking readout.

Runs 10-fold cross-validation of S2-STDP with Neuronal Competition Groups on
scikit-learn's digits, then a GridSearchCV over the firing threshold and the STDP rates.

    python examples/digits_pipeline.py
"""

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline

from spikencg import SpikingReadoutClassifier, TTFSEncoder


def main():
    X, y = load_digits(return_X_y=True)
    pipe = Pipeline([
        ("enc", TTFSEncoder(encoding="intensity")),  # pixel 16 fires at t=0, pixel 0 never
        ("clf", SpikingReadoutClassifier(rule="s2stdp", ncg=True, random_state=0)),
    ])

    t0 = time.perf_counter()
    scores = cross_val_score(pipe, X, y, cv=10, n_jobs=1)
    print(f"10-fold accuracy: {scores.mean():.4f} +/- {scores.std():.4f} "
          f"({time.perf_counter() - t0:.1f} s)")

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                        stratify=y, random_state=0)
    grid = GridSearchCV(
        pipe,
        {
            "clf__threshold": [3.0, 4.5, 6.0],
            "clf__a_plus": [0.005, 0.01, 0.02],
            "clf__a_minus": [-0.01, -0.02, -0.05],
        },
        cv=5,
        n_jobs=2,
    )
    t0 = time.perf_counter()
    grid.fit(X_train, y_train)
    print(f"grid search: {len(grid.cv_results_['params'])} candidates x 5 folds "
          f"in {time.perf_counter() - t0:.1f} s")
    print(f"best parameters: {grid.best_params_}")
    print(f"best 5-fold accuracy: {grid.best_score_:.4f}")
    print(f"test accuracy of the refitted best model: {grid.score(X_test, y_test):.4f}")

    clf = grid.best_estimator_.named_steps["clf"]
    per_class = np.bincount(clf.neuron_class_)
    print(f"{clf.weights_.shape[0]} output neurons ({per_class[0]} per class), "
          f"training accuracy per epoch: {np.round(clf.train_accuracy_, 3)}")


if __name__ == "__main__":
    main()
