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
    # the fitted search itself draws the same picture as its cv_results_
    np.testing.assert_array_equal(_pixels(plot_gridsearch(search)),
                                  _pixels(plot_gridsearch(search.cv_results_)))
    other = dict(search.cv_results_, mean_test_score=[0.2, 0.9])
    _assert_drawn_and_differ(fig, plot_gridsearch(other))


# --------------------------------------------------------------------------------------
# wrong arguments give clear errors; a fitted Pipeline is drawn through its readout
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted_pipeline():
    from sklearn.pipeline import make_pipeline

    from spikencg import TTFSEncoder

    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(TTFSEncoder(encoding="intensity"),
                         SpikingReadoutClassifier(max_iter=2, random_state=0))
    pipe.fit(X[:300], y[:300])
    return pipe, X, y


def test_pipeline_is_drawn_through_its_readout(fitted_pipeline):
    pipe, X, y = fitted_pipeline
    readout, encoder = pipe[-1], pipe[0]
    np.testing.assert_array_equal(_pixels(plot_weights(pipe, image_shape=(8, 8))),
                                  _pixels(plot_weights(readout, image_shape=(8, 8))))
    # samples are the pipeline's input, encoded by its earlier steps
    np.testing.assert_array_equal(
        _pixels(plot_firing_times(pipe, X[300:400], y[300:400])),
        _pixels(plot_firing_times(readout, encoder.transform(X[300:400]), y[300:400])))
    for i in (300, 301, 302):
        fig = plot_raster(pipe, X[i])
        legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
        assert f"decision: class {pipe.predict(X[i : i + 1])[0]}" in legend
    np.testing.assert_array_equal(_pixels(plot_raster(pipe, X[300])),
                                  _pixels(plot_raster(readout, encoder.transform(X[300:301]))))
    lines = plot_competition([pipe, readout], class_index=1).axes[0].get_lines()
    np.testing.assert_array_equal(lines[0].get_ydata(), readout.updates_own_class_[:, 5])
    assert len(plot_history(pipe).axes) == 2
    assert len(plot_thresholds(pipe, class_index=0).axes) == 1


def test_models_that_are_not_readouts_are_refused(fitted_pipeline):
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipe, X, y = fitted_pipeline
    logreg = make_pipeline(pipe[0], LogisticRegression(max_iter=50)).fit(X[:100], y[:100])

    class FittedSearch:
        best_estimator_ = pipe

    for draw in (plot_weights, plot_history, plot_thresholds, plot_firing_times,
                 lambda m: plot_raster(m, X[0])):
        with pytest.raises(TypeError, match="clf must be a fitted SpikingReadoutClassifier"):
            draw(None)
        with pytest.raises(TypeError, match="got str .*joblib.load"):
            draw("model.joblib")
        with pytest.raises(TypeError, match="last step is LogisticRegression"):
            draw(logreg)
        with pytest.raises(TypeError, match=r"pass clf\.best_estimator_"):
            draw(FittedSearch())
        with pytest.raises(NotFittedError):
            draw(SpikingReadoutClassifier())
        with pytest.raises(NotFittedError):
            draw(make_pipeline(pipe[0], SpikingReadoutClassifier()))
    with pytest.raises(TypeError, match=r"models\[1\] must be"):
        plot_competition([pipe, None])


def test_raster_says_which_shape_it_expects(fitted):
    clf, X = fitted
    with pytest.raises(ValueError, match=r"one sample: an array of shape \(64,\) or "
                                         r"\(1, 64\).*got an array of shape \(8, 8\)"):
        plot_raster(clf, X[0].reshape(8, 8))
    with pytest.raises(ValueError, match=r"got an array of shape \(1, 8, 8\).*ravel"):
        plot_raster(clf, X[:1].reshape(1, 8, 8))
    with pytest.raises(ValueError, match=r"got an array of shape \(3, 64\).*X\[i\]"):
        plot_raster(clf, X[:3])
    from spikencg import TTFSEncoder

    with pytest.raises(ValueError, match=r"got a sparse matrix of shape \(2, 64\)"):
        plot_raster(clf, TTFSEncoder().fit_transform(X[:2]))
    with pytest.raises(ValueError, match="x has 10 values per sample, but the model has 64"):
        plot_raster(clf, np.zeros(10))
    with pytest.raises(TypeError, match="not numeric"):
        plot_raster(clf, ["a"] * 64)
    # one row, 1-D or 2-D, gives the same picture
    np.testing.assert_array_equal(_pixels(plot_raster(clf, X[5])),
                                  _pixels(plot_raster(clf, X[5:6])))


def test_weights_image_shape_is_checked(fitted):
    clf, _ = fitted
    for bad in (64, "8x8", (8.0, 8), (8, None), (True, 64)):
        with pytest.raises(TypeError, match="image_shape must be a pair of positive ints"):
            plot_weights(clf, image_shape=bad)
    for bad in ((64,), (4, 4, 4), (-8, -8), (0, 64)):
        with pytest.raises(ValueError, match=r"image_shape must be .* number of inputs, 64"):
            plot_weights(clf, image_shape=bad)
    with pytest.raises(ValueError, match=r"image_shape=\(7, 7\) holds 49 values"):
        plot_weights(clf, image_shape=(7, 7))
    np.testing.assert_array_equal(_pixels(plot_weights(clf, image_shape=[8, 8])),
                                  _pixels(plot_weights(clf, image_shape=np.array([8, 8]))))


def test_competition_checks_models_labels_and_class_index(fitted):
    clf, _ = fitted
    with pytest.raises(ValueError, match="models is empty"):
        plot_competition([])
    with pytest.raises(ValueError, match="labels has 1 entries for 2 models"):
        plot_competition([clf, clf], labels=["a"])
    with pytest.raises(ValueError, match="labels has 3 entries for 2 models"):
        plot_competition([clf, clf], labels=["a", "b", "c"])
    with pytest.raises(ValueError, match="labels has 0 entries for 1 models"):
        plot_competition(clf, labels=[])
    with pytest.raises(ValueError, match="class_index=10 .* 0 to 9"):
        plot_competition(clf, class_index=10)
    with pytest.raises(TypeError, match="class_index must be an int"):
        plot_competition(clf, class_index=1.5)
    with pytest.raises(TypeError, match="class_index must be an int"):
        plot_thresholds(clf, class_index="3")
    # a str is the title of a single model
    assert plot_competition(clf, labels="with CR").axes[0].get_title() == "with CR"


def test_firing_times_bins_are_checked(fitted):
    clf, X = fitted
    with pytest.raises(ValueError, match="bins must be >= 1, got 0"):
        plot_firing_times(clf, X[:5], bins=0)
    with pytest.raises(TypeError, match="bins must be an int"):
        plot_firing_times(clf, bins=2.5)


def test_kfold_checks_metrics_and_results(tmp_path):
    _fake_kfold(tmp_path / "a", [0.80, 0.82, 0.84])
    _fake_kfold(tmp_path / "v", [0.7, 0.8], with_test=False)
    with pytest.raises(ValueError, match=r"unknown metric 'accuracy'; the metrics are "
                                         r"\['validation_accuracy', 'test_accuracy'\]"):
        plot_kfold(tmp_path / "a", metrics=["accuracy"])
    with pytest.raises(ValueError, match=r"no result has 'test_accuracy'; the results have "
                                         r"\['validation_accuracy'\]"):
        plot_kfold(tmp_path / "v", metrics=["test_accuracy"])
    with pytest.raises(ValueError, match="no result has 'validation_accuracy'"):
        plot_kfold([0.8, 0.9], metrics=["validation_accuracy"])
    with pytest.raises(ValueError, match="metrics is empty"):
        plot_kfold(tmp_path / "a", metrics=[])
    for empty in ([], {}):
        with pytest.raises(ValueError, match="results is empty"):
            plot_kfold(empty)
    for empty in ({"test_score": []}, {"a": []}):
        with pytest.raises(ValueError, match="empty array"):
            plot_kfold(empty)
    with pytest.raises(TypeError, match="a K-fold result is"):
        plot_kfold(None)
    with pytest.raises(ValueError, match="plot_gridsearch"):
        plot_kfold(_fake_grid(tmp_path / "g", lambda thr, ap: 0.5))
    # a str metric is one metric
    fig = plot_kfold(tmp_path / "a", metrics="test_accuracy")
    np.testing.assert_allclose([p.get_height() for p in fig.axes[0].patches], [0.81])


def test_gridsearch_checks_top_metric_and_kind_of_results(tmp_path):
    a = _fake_grid(tmp_path / "a", lambda thr, ap: 0.5 + thr / 10 + ap)
    for top in (0, -1):
        with pytest.raises(ValueError, match="top must be >= 1"):
            plot_gridsearch(a, top=top)
    with pytest.raises(TypeError, match="top must be an int"):
        plot_gridsearch(a, top=2.5)
    available = r"\['best_validation_accuracy', 'validation_accuracy'\]"
    with pytest.raises(ValueError, match=f"unknown metric 'acc'.*have {available}"):
        plot_gridsearch(a, metric="acc")
    runs = [json.loads(p.read_text()) for p in sorted((a / "runs").glob("[0-9].json"))]
    with pytest.raises(ValueError, match=f"unknown metric 'acc'.*have {available}"):
        plot_gridsearch(runs, metric="acc")
    with pytest.raises(FileNotFoundError, match="no such folder"):
        plot_gridsearch(tmp_path / "nothing-here")
    with pytest.raises(TypeError, match="results must be an output folder"):
        plot_gridsearch(None)
    with pytest.raises(TypeError, match=r"results\[0\] is int"):
        plot_gridsearch([1, 2])
    # K-fold outputs point to plot_kfold instead of being drawn as configurations
    summary = _fake_kfold(tmp_path / "k", [0.8, 0.9])
    for i, fold in enumerate(summary["folds"]):
        (tmp_path / "k" / f"fold_{i}.json").write_text(json.dumps(fold))
    (tmp_path / "folds_only").mkdir()
    (tmp_path / "folds_only" / "fold_0.json").write_text(json.dumps(summary["folds"][0]))
    for kfold in (tmp_path / "k", str(tmp_path / "k" / "kfold.json"), summary,
                  summary["folds"], tmp_path / "folds_only", {"test_score": [0.5]}):
        with pytest.raises(ValueError, match="plot_kfold"):
            plot_gridsearch(kfold)
    # the runs given as a list draw the same picture as the folder; params may be a str
    np.testing.assert_array_equal(_pixels(plot_gridsearch(runs, top=3)),
                                  _pixels(plot_gridsearch(a, top=3)))
    assert plot_gridsearch(a, params="threshold").axes[1].get_xlabel() == "threshold"


def test_gridsearch_accepts_a_fitted_search():
    from sklearn.exceptions import NotFittedError
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    from spikencg import TTFSEncoder

    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(TTFSEncoder(encoding="intensity"),
                         SpikingReadoutClassifier(max_iter=1, random_state=0))
    grid = {"spikingreadoutclassifier__threshold": [3.0, 5.0]}
    with pytest.raises(NotFittedError):
        plot_gridsearch(GridSearchCV(pipe, grid, cv=2))
    with pytest.raises(TypeError, match="got the estimator Pipeline"):
        plot_gridsearch(pipe)
    search = GridSearchCV(pipe, grid, cv=2, scoring=["accuracy", "balanced_accuracy"],
                          refit="accuracy").fit(X[:200], y[:200])
    fig = plot_gridsearch(search, metric="balanced_accuracy")
    widths = sorted(p.get_width() for p in fig.axes[0].patches)
    np.testing.assert_allclose(widths,
                               sorted(search.cv_results_["mean_test_balanced_accuracy"]))
    np.testing.assert_array_equal(_pixels(fig), _pixels(plot_gridsearch(
        search.cv_results_, metric="mean_test_balanced_accuracy")))
    with pytest.raises(ValueError, match="several scores"):
        plot_gridsearch(search)
    with pytest.raises(ValueError, match=r"unknown metric 'acc'.*\['accuracy', "
                                         r"'balanced_accuracy'\]"):
        plot_gridsearch(search, metric="acc")


def test_raster_of_a_pipeline_takes_one_image():
    # a Pipeline fitted on images takes one image, alone or as a batch of one
    import matplotlib.pyplot as plt
    from sklearn.pipeline import make_pipeline

    from spikencg import TTFSEncoder

    Xd, yd = load_digits(return_X_y=True)
    images = Xd.reshape(-1, 8, 8)
    pipe = make_pipeline(TTFSEncoder(encoding="intensity"),
                         SpikingReadoutClassifier(max_iter=1, random_state=0))
    pipe.fit(images[:300], yd[:300])
    for x in (images[0], images[:1], images[0].ravel()):
        plt.close(plot_raster(pipe, x))
    with pytest.raises(ValueError, match="x must be one sample"):
        plot_raster(pipe, images[:2])
