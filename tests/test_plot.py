"""spikencg.plot draws from fitted models (Agg backend, no screen)."""

import json

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import load_digits

from spikencg import SpikingReadoutClassifier
from spikencg.plot import (
    plot_competition,
    plot_firing_times,
    plot_gridsearch,
    plot_history,
    plot_kfold,
    plot_raster,
    plot_thresholds,
    plot_weights,
)

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


# --------------------------------------------------------------------------------------
# pictures whose content must follow the input: render to RGBA and compare
# --------------------------------------------------------------------------------------


def _pixels(fig):
    """The rendered figure as an RGBA array (and the figure closed)."""
    import matplotlib.pyplot as plt

    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba()).copy()
    plt.close(fig)
    return img


def _assert_drawn_and_differ(fig_a, fig_b):
    a, b = _pixels(fig_a), _pixels(fig_b)
    for img in (a, b):
        assert img.ndim == 3 and img.shape[2] == 4 and img.size > 0
        assert (img[..., :3] < 250).any(), "blank picture"
        assert len(np.unique(img.reshape(-1, 4), axis=0)) > 10
    assert a.shape != b.shape or not np.array_equal(a, b), "picture ignores its input"


@pytest.fixture(autouse=True)
def _close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted_other(fitted):
    _, X = fitted
    _, y = load_digits(return_X_y=True)
    clf = SpikingReadoutClassifier(max_iter=4, random_state=1, threshold_lr=0.5)
    clf.fit(X[700:1200], y[700:1200], X_val=X[1200:1400], y_val=y[1200:1400])
    return clf


def test_thresholds_follow_the_history(fitted, fitted_other):
    clf, _ = fitted
    fig = plot_thresholds(clf, class_index=2)
    lines = fig.axes[0].get_lines()
    np.testing.assert_array_equal(lines[3].get_ydata(), clf.threshold_history_[:, 13])
    _assert_drawn_and_differ(plot_thresholds(clf), plot_thresholds(fitted_other))
    _assert_drawn_and_differ(plot_thresholds(clf, class_index=0),
                             plot_thresholds(clf, class_index=5))
    with pytest.raises(ValueError, match="class_index"):
        plot_thresholds(clf, class_index=10)


def test_firing_times_over_a_dataset(fitted, fitted_other):
    clf, X = fitted
    _, y = load_digits(return_X_y=True)
    fig = plot_firing_times(clf, X[1400:], y[1400:])
    assert len(fig.axes) == 2
    # the per-class histograms count every sample of each class once
    assert len(fig.axes[0].patches) == 10
    _assert_drawn_and_differ(plot_firing_times(clf, X[1400:], y[1400:]),
                             plot_firing_times(fitted_other, X[1400:], y[1400:]))
    _assert_drawn_and_differ(plot_firing_times(clf, X[1400:1500]),
                             plot_firing_times(clf, X[1500:1797]))
    # spike lists give the same picture as dense times
    from spikencg import TTFSEncoder

    S = TTFSEncoder().fit_transform(X[1400:1500])
    np.testing.assert_array_equal(_pixels(plot_firing_times(clf, S)),
                                  _pixels(plot_firing_times(clf, X[1400:1500])))
    with pytest.raises(ValueError, match="labels"):
        plot_firing_times(clf, X[:10], y[:9])
    with pytest.raises(ValueError, match="classes_"):
        plot_firing_times(clf, X[:3], [0, 1, 42])


def test_firing_times_from_the_training_history(fitted, fitted_other):
    clf, _ = fitted
    fig = plot_firing_times(clf)
    med = np.nanmedian(clf.mean_firing_time_, axis=1)
    np.testing.assert_allclose(fig.axes[1].get_lines()[0].get_ydata(), med)
    _assert_drawn_and_differ(plot_firing_times(clf), plot_firing_times(fitted_other))


def test_raster_winner_is_the_prediction(fitted):
    clf, X = fitted
    for i in range(8):
        fig = plot_raster(clf, X[i])
        legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
        assert f"decision: class {clf.predict(X[i : i + 1])[0]}" in legend
        plt_close(fig)


def plt_close(fig):
    import matplotlib.pyplot as plt

    plt.close(fig)


def _fake_kfold(folder, accs, with_test=True):
    folder.mkdir(parents=True)
    folds = [{"fold": i, "validation_accuracy": a,
              "test_accuracy": a - 0.01 if with_test else None, "epochs": 5,
              "fit_seconds": 0.1, "warnings": []} for i, a in enumerate(accs)]
    summary = {"k": len(accs), "folds": folds}
    (folder / "kfold.json").write_text(json.dumps(summary))
    return summary


def test_kfold_summary_from_cli_outputs(tmp_path):
    a = _fake_kfold(tmp_path / "a", [0.80, 0.82, 0.84])
    _fake_kfold(tmp_path / "b", [0.90, 0.91, 0.95])
    fig = plot_kfold([tmp_path / "a", str(tmp_path / "b")])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == sorted(round(v, 6) for v in (0.82, 0.81, 0.92, 0.91))
    # the dict of kfold.json, folds.csv, cross_validate output and raw arrays all work
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "folds.csv").write_text(
        "fold,validation_accuracy,test_accuracy\n0,0.5,\n1,0.7,\n")
    fig = plot_kfold({"json": a, "csv": tmp_path / "c", "cv": {"test_score": [0.6, 0.7]},
                      "raw": np.array([0.3, 0.4])})
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["json", "csv", "cv",
                                                                      "raw"]
    _assert_drawn_and_differ(plot_kfold(tmp_path / "a"), plot_kfold(tmp_path / "b"))
    _assert_drawn_and_differ(plot_kfold([0.8, 0.9]), plot_kfold([0.5, 0.6]))
    with pytest.raises(ValueError, match="labels"):
        plot_kfold([a, a], labels=["x"])
    with pytest.raises(FileNotFoundError):
        plot_kfold(tmp_path / "nothing-here")


def _fake_grid(folder, score):
    runs = folder / "runs"
    runs.mkdir(parents=True)
    k = 0
    for thr in (3.0, 4.5):
        for ap in (0.01, 0.02):
            r = {"key": str(k), "status": "done", "epochs": 5,
                 "params": {"threshold": thr, "a_plus": ap, "rule": "s2stdp",
                            "_patience": 10},
                 "validation_accuracy": score(thr, ap), "best_validation_accuracy": 0.99}
            (runs / f"{k}.json").write_text(json.dumps(r))
            k += 1
    (runs / ".unfinished.json.123.tmp").write_text("{")  # an interrupted run
    (runs / "broken.json").write_text("{")
    return folder


def test_gridsearch_summary_from_cli_outputs(tmp_path):
    a = _fake_grid(tmp_path / "a", lambda thr, ap: 0.5 + thr / 10 + ap)
    b = _fake_grid(tmp_path / "b", lambda thr, ap: 0.9 - thr / 10 + 5 * ap)
    fig = plot_gridsearch(a)
    assert len(fig.axes) == 3  # best runs, then a_plus and threshold
    assert fig.axes[2].get_xlabel() == "threshold"
    bars = [p.get_height() for p in fig.axes[2].patches]
    np.testing.assert_allclose(bars, [0.5 + 0.3 + 0.015, 0.5 + 0.45 + 0.015])
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "a_plus=0.02, threshold=4.5"  # the best first (on top)
    _assert_drawn_and_differ(plot_gridsearch(a), plot_gridsearch(b))
    assert len(plot_gridsearch(a, params=["threshold"], top=2).axes) == 2
    with pytest.raises(ValueError, match="unknown parameter"):
        plot_gridsearch(a, params=["nope"])
    with pytest.raises(FileNotFoundError):
        plot_gridsearch(tmp_path)


def test_gridsearch_summary_from_sklearn():
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    from spikencg import TTFSEncoder

    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(TTFSEncoder(encoding="intensity"),
                         SpikingReadoutClassifier(max_iter=2, random_state=0))
    grid = {"spikingreadoutclassifier__threshold": [3.0, 5.0]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X[:300], y[:300])
    fig = plot_gridsearch(search.cv_results_)
    assert fig.axes[1].get_xlabel() == "threshold"
    widths = sorted(p.get_width() for p in fig.axes[0].patches)
    np.testing.assert_allclose(widths, sorted(search.cv_results_["mean_test_score"]))
    other = dict(search.cv_results_, mean_test_score=[0.2, 0.9])
    _assert_drawn_and_differ(fig, plot_gridsearch(other))
