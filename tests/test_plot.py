"""spikencg.plot draws from fitted models (Agg backend, no screen)."""

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import load_digits

from spikencg import SpikingReadoutClassifier
from spikencg.plot import plot_competition, plot_history, plot_raster, plot_weights

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def fitted():
    X, y = load_digits(return_X_y=True)
    X = 1.0 - X / 16.0
    clf = SpikingReadoutClassifier(max_iter=3, random_state=0)
    clf.fit(X[:500], y[:500], X_val=X[500:700], y_val=y[500:700])
    return clf, X


def test_raster_marks_the_decision(fitted):
    clf, X = fitted
    fig = plot_raster(clf, X[0], title="sample 0")
    ax_out = fig.axes[1]
    legend = [t.get_text() for t in ax_out.get_legend().get_texts()]
    assert any(f"class {clf.predict(X[:1])[0]}" in t for t in legend)
    with pytest.raises(ValueError, match="one sample"):
        plot_raster(clf, X[:2])


def test_weights_as_images_and_heatmap(fitted):
    clf, _ = fitted
    fig = plot_weights(clf, image_shape=(8, 8))
    assert len(fig.axes) == 50
    assert sum(ax.get_title() == "NT" for ax in fig.axes) == 10
    fig2 = plot_weights(clf)
    assert fig2.axes[0].get_images()[0].get_array().shape == (50, 64)
    with pytest.raises(ValueError, match="image_shape"):
        plot_weights(clf, image_shape=(7, 7))


def test_competition_and_history(fitted):
    clf, _ = fitted
    fig = plot_competition([clf, clf], class_index=3, labels=["a", "b"])
    lines = fig.axes[0].get_lines()
    assert len(lines) == 5
    np.testing.assert_array_equal(lines[1].get_ydata(), clf.updates_own_class_[:, 16])
    fig = plot_history(clf)
    assert len(fig.axes[0].get_lines()) == 2
