"""The ``spikencg table1`` command and :mod:`spikencg.table1`, on tiny synthetic data."""

import csv
import gzip
import json
import struct

import numpy as np
import pytest

from spikencg import table1
from spikencg._results import table1_fold_path
from spikencg.cli import main
from spikencg.features import STDPConvFeatures


def _idx_bytes(a):
    code = {1: 0x08}[a.dtype.itemsize]
    head = struct.pack(">HBB", 0, code, a.ndim) + struct.pack(f">{a.ndim}I", *a.shape)
    return head + a.tobytes()


def _write_fashion(folder, n_train=40, n_test=20, seed=0):
    """A tiny Fashion-MNIST look-alike: two classes of 28x28 images (bars), IDX files."""
    rng = np.random.default_rng(seed)
    d = folder / "fashion-mnist"
    d.mkdir(parents=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        y = np.arange(n, dtype=np.uint8) % 2
        X = rng.integers(0, 40, size=(n, 28, 28)).astype(np.uint8)
        for i, label in enumerate(y):
            if label:
                X[i, 8:20, 12:16] = 250  # vertical bar
            else:
                X[i, 12:16, 8:20] = 250  # horizontal bar
        with gzip.open(d / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
            f.write(_idx_bytes(X))
        with gzip.open(d / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(_idx_bytes(y))
    return folder


@pytest.fixture
def tiny_extractor():
    """A small STDP-CSNN variant (4 maps, 2 epochs) that uses the STDP-CSNN presets."""

    def factory(dataset, random_state):
        return STDPConvFeatures(n_maps=4, max_iter=2, random_state=random_state)

    table1.register_extractor("tiny", factory, "test extractor", presets="STDP-CSNN")
    yield "tiny"
    del table1.EXTRACTORS["tiny"]


def _args(data, out, *extra):
    return ["table1", str(out), "--data-dir", str(data), "--folds", "2", "--max-iter", "2",
            "--quiet", *extra]


def _csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_table1_command_writes_the_table_and_resumes(tmp_path, capsys, tiny_extractor):
    data = _write_fashion(tmp_path / "data")
    out = tmp_path / "out"
    argv = _args(data, out, "--extractors", tiny_extractor, "--configs", "s2stdp,sstdp")
    assert main(argv) == 0
    rows = _csv(out / "table1.csv")
    assert [r["config"] for r in rows] == ["s2stdp", "sstdp"]
    for r in rows:
        assert set(table1._COLUMNS) <= set(r)
        assert (r["dataset"], r["extractor"], r["extractor_mode"]) == (
            "fashion-mnist", "tiny", "once")
        assert r["folds"] == r["k"] == "2" and r["max_iter"] == "2"
        assert 0.0 <= float(r["mean"]) <= 1.0 and float(r["std"]) >= 0.0
        assert r["n_features"] == str(4 * 6 * 6)
    assert "| Fashion-MNIST | tiny (once) | S2-STDP | 2, ≤2 epochs |" in (
        out / "table1.md").read_text(encoding="utf-8")
    folds = sorted((out / "runs" / "fashion-mnist" / "tiny" / "once").glob("*/fold_*.json"))
    assert len(folds) == 4
    fold0 = json.loads(folds[0].read_text())
    assert fold0["random_state"] == fold0["fold"] and fold0["epochs"] <= 2
    # the readouts train with the original framework's arithmetic (not the estimator's
    # default), which is not part of the fold keys (the folds before it was a parameter)
    assert fold0["params"]["arithmetic"] == "original"
    assert "arithmetic" not in table1._readout_params("STDP-CSNN", "fashion-mnist",
                                                       "s2stdp", None)[0]
    assert len(fold0["validation_history"]) == fold0["epochs"]
    assert np.asarray(fold0["updates_own_class"]).shape == (fold0["epochs"], 2)
    # a rerun does nothing; a lost fold file is redone alone; other epochs redo all
    capsys.readouterr()
    assert main([a for a in argv if a != "--quiet"]) == 0
    assert "4 fold run(s) already done, 0 to do" in capsys.readouterr().out
    folds[1].unlink()
    assert main([a for a in argv if a != "--quiet"]) == 0
    assert "3 fold run(s) already done, 1 to do" in capsys.readouterr().out
    assert main([a if a != "2" or i != argv.index("--max-iter") + 1 else "1"
                 for i, a in enumerate(argv) if a != "--quiet"]) == 0
    assert "0 fold run(s) already done, 4 to do" in capsys.readouterr().out
    # the features were extracted once, and read from the cache since
    assert len(list((out / "cache").iterdir())) == 1


def test_table1_per_fold_mode_fits_one_extractor_per_fold(tmp_path, tiny_extractor):
    data = _write_fashion(tmp_path / "data")
    out = tmp_path / "out"
    assert main(_args(data, out, "--extractors", tiny_extractor, "--configs", "s2stdp",
                      "--extractor-mode", "per-fold", "--cache-dir",
                      str(tmp_path / "cache"))) == 0
    caches = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(caches) == 2 and "fold0of2" in caches[0] and "fold1of2" in caches[1]
    metas = [json.loads((tmp_path / "cache" / c / "meta.json").read_text()) for c in caches]
    assert [m["params"]["random_state"] for m in metas] == [0, 1]
    assert [m["n_fit"] for m in metas] == [20, 20]  # each fold's training part
    (row,) = _csv(out / "table1.csv")
    assert row["extractor_mode"] == "per-fold" and row["folds"] == "2"


def test_table1_stdp_csnn_on_a_tiny_subset(tmp_path):
    """The registered STDP-CSNN extractor with the paper's F-MNIST preset, in seconds."""
    data = _write_fashion(tmp_path / "data", n_train=30, n_test=10)
    out = tmp_path / "out"
    assert main(_args(data, out, "--configs", "s2stdp", "--train-samples", "20",
                      "--results-dir", str(tmp_path / "res"))) == 0
    (row,) = _csv(tmp_path / "res" / "table1.csv")
    assert (row["extractor"], row["n_features"], row["paper_mean"]) == (
        "STDP-CSNN", "4608", "0.8589")
    meta = json.loads(next((out / "cache").glob("*/meta.json")).read_text())
    assert meta["params"]["target_time"] == 0.8 and meta["n_train"] == 20


@pytest.mark.parametrize("extra, message", [
    (["--datasets", "svhn"], "--datasets 'svhn': choose among"),
    (["--extractors", "VGG"], "--extractors 'VGG': choose among"),
    (["--folds", "1"], "--folds 1: must be >= 2"),
    (["--configs", ","], "--configs: no configuration given"),
    (["--configs", "s2stdp+nope"], "none of the requested cells has a preset"),
    (["--n-jobs", "0"], "--n-jobs 0"),
])
def test_table1_user_errors(tmp_path, capsys, extra, message):
    data = _write_fashion(tmp_path / "data")
    assert main(_args(data, tmp_path / "out", *extra)) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_table1_missing_data_and_unsupported_dataset(tmp_path, capsys, tiny_extractor):
    (tmp_path / "empty").mkdir()
    assert main(_args(tmp_path / "empty", tmp_path / "out")) == 2
    assert "not found" in capsys.readouterr().err

    def no_cifar(dataset, random_state):
        raise ValueError(f"no {dataset} here")

    table1.register_extractor("grey-only", no_cifar, presets="STDP-CSNN")
    try:
        assert main(_args(tmp_path / "empty", tmp_path / "out", "--datasets", "cifar10",
                          "--extractors", "grey-only")) == 2
        assert "no cifar10 here" in capsys.readouterr().err
    finally:
        del table1.EXTRACTORS["grey-only"]


def test_table1_list(capsys):
    assert main(["table1", "--list"]) == 0
    out = capsys.readouterr().out
    assert "STDP-CSNN" in out and "SoftHebb-CNN" in out
    assert "M-5+CR-2 = s2stdp+ncg-no-nt" in out


def test_expand_configs_and_labels():
    assert table1.expand_configs("main,s2stdp") == ["s2stdp+ncg", "sstdp+ncg", "s2stdp",
                                                    "sstdp"]
    assert table1.expand_configs(["ablation"])[:2] == ["s2stdp", "s2stdp+ncg-no-cr-no-nt"]
    assert table1.config_label("s2stdp+ncg-cr-drop") == "M-5+Drop+L"
    assert table1.config_label("sstdp+ncg") == "SSTDP+NCG"
    with pytest.raises(ValueError, match="no configuration"):
        table1.expand_configs(" , ")
    with pytest.raises(TypeError, match="factory must be callable"):
        table1.register_extractor("x", 3)


def test_paper_values_match_the_reference_table():
    assert table1.PAPER_RESULTS[("fashion-mnist", "STDP-CSNN", "s2stdp+ncg")][:2] == (
        0.8872, 0.0023)
    assert table1.PAPER_RESULTS[("cifar100", "SoftHebb-CNN", "s2stdp+ncg")][:2] == (
        0.5349, 0.0018)
    # the predecessor's values only where the NCG paper gives none
    assert "S2-STDP paper" in table1.PAPER_RESULTS[("mnist", "STDP-CSNN", "s2stdp")][2]
    for (d, e, c), (m, s, _) in table1.PAPER_RESULTS.items():
        assert d in table1.DATASETS and e in ("STDP-CSNN", "SoftHebb-CNN")
        assert c in table1.CONFIG_GROUPS["table1"]
        assert 0.2 < m < 1 and 0 < s < 0.02


def _fake_fold(out, config, fold, acc, updates=None, M=1, L=0, dataset="fashion-mnist"):
    path = table1_fold_path(out, dataset, "STDP-CSNN", "once", config, fold)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "key": "k", "dataset": dataset, "extractor": "STDP-CSNN",
        "extractor_mode": "once", "config": config, "fold": fold, "k": 3,
        "test_accuracy": acc, "epochs": 5, "fit_seconds": 1.5, "params": {"max_iter": 100},
        "features": {"key": "f", "n_features": 4608, "firing_fraction": 0.4, "seconds": 9.0},
        "updates_own_class": updates if updates is not None else [[1] * 10 * M] * 5,
        "neurons_per_class": M, "non_target_neurons": L}))


def test_collect_results_statistics_and_paper_check(tmp_path):
    for k, acc in enumerate([0.885, 0.887, 0.889]):
        _fake_fold(tmp_path, "s2stdp+ncg", k, acc, M=5, L=1)
    for k, acc in enumerate([0.80, 0.81]):  # an unfinished cell: 2 of 3 folds
        _fake_fold(tmp_path, "s2stdp", k, acc)
    rows = table1.collect_results(tmp_path)
    assert [r["config"] for r in rows] == ["s2stdp+ncg", "s2stdp"]
    ncg, s2 = rows
    assert ncg["folds"] == 3 and ncg["mean"] == pytest.approx(0.887)
    assert ncg["std"] == pytest.approx(np.std([0.885, 0.887, 0.889]))
    assert ncg["delta_points"] == pytest.approx(-0.02) and ncg["within_2std"] is True
    assert s2["folds"] == 2 and s2["within_2std"] is False
    assert ncg["seconds"] == pytest.approx(4.5) and ncg["extractor_seconds"] == 9.0
    md = table1.markdown_table(rows)
    assert "| 88.70 ± 0.16 | 88.72 ± 0.23 | -0.02 |" in md and "| 2/3 |" in md


def test_ablation_table_and_competition_runs(tmp_path):
    M = 5
    for config, L in (("s2stdp+ncg-no-cr-no-nt", 0), ("s2stdp+ncg-no-nt", 0),
                      ("s2stdp+ncg", 1), ("s2stdp", 0)):
        m = M if config != "s2stdp" else 1
        upd = [[e * 10 + n for n in range(10 * m)] for e in range(4)]
        _fake_fold(tmp_path, config, 0, 0.85, updates=upd, M=m, L=L)
    rows = table1.collect_results(tmp_path)
    md = table1.markdown_table(rows, ablation=True)
    labels = [line.split(" | ")[2] for line in md.splitlines()[2:]]
    assert labels == ["M-1", "M-5", "M-5+CR-2", "M-5+CR-2+L"]
    runs = table1.competition_runs(rows)
    assert [name.rsplit(": ", 1)[1] for name in runs] == ["M-5", "M-5+CR-2", "M-5+CR-2+L"]
    assert np.asarray(runs[next(iter(runs))]["updates_own_class"]).shape == (4, 50)
    pytest.importorskip("matplotlib")
    written = table1.write_results(rows, tmp_path / "res")
    assert {p.name for p in written} == {"table1.csv", "table1.md", "ablation.md",
                                         "table1.png", "ablation.png", "competition.png"}


def test_ablation_rows_only_where_the_study_was_run(tmp_path):
    # Fashion-MNIST: the study (M-5 is only in the ablation); MNIST: Table 1's two cells
    for config, M, L in (("s2stdp", 1, 0), ("s2stdp+ncg-no-cr-no-nt", 5, 0),
                         ("s2stdp+ncg", 5, 1)):
        _fake_fold(tmp_path, config, 0, 0.85, M=M, L=L)
    for config, M, L in (("s2stdp", 1, 0), ("s2stdp+ncg", 5, 1), ("sstdp", 1, 0)):
        _fake_fold(tmp_path, config, 0, 0.97, M=M, L=L, dataset="mnist")
    rows = table1.collect_results(tmp_path)
    picked = table1.ablation_rows(rows)
    assert {(r["dataset"], r["config"]) for r in picked} == {
        ("fashion-mnist", "s2stdp"), ("fashion-mnist", "s2stdp+ncg-no-cr-no-nt"),
        ("fashion-mnist", "s2stdp+ncg")}
    md = table1.markdown_table(rows, ablation=True)
    assert "MNIST | STDP" not in md.replace("Fashion-MNIST", "")
    # without any ablation-only configuration: the ablation's configurations everywhere
    only_table1 = [r for r in rows if r["config"] != "s2stdp+ncg-no-cr-no-nt"]
    assert len(table1.ablation_rows(only_table1)) == 4
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from spikencg.plot import plot_table1

    fig = plot_table1(rows, ablation=True)
    assert len(fig.axes) == 1
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["M-1", "M-5",
                                                                      "M-5+CR-2+L"]
    plt.close("all")


def test_table1_on_cifar_files(tmp_path, tiny_extractor):
    """CIFAR-10 in its "python version" files: colour images through the whitening."""
    import pickle

    folder = tmp_path / "data" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name, n in [(f"data_batch_{i}", 4) for i in range(1, 6)] + [("test_batch", 4)]:
        batch = {b"labels": [i % 2 for i in range(n)],
                 b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f, protocol=2)
    out = tmp_path / "out"
    assert main(_args(tmp_path / "data", out, "--datasets", "cifar10", "--extractors",
                      tiny_extractor, "--configs", "s2stdp")) == 0
    (row,) = _csv(out / "table1.csv")
    assert (row["dataset"], row["n_features"], row["folds"]) == ("cifar10", "196", "2")


def test_import_features_fills_the_cache(tmp_path, capsys, tiny_extractor):
    from spikencg.features import save_features

    data = _write_fashion(tmp_path / "data")
    X, y, X_te, y_te = table1.load_table_dataset("fashion-mnist", data)
    ext = table1.EXTRACTORS[tiny_extractor].factory("fashion-mnist", 0).fit(X)
    params = json.dumps(ext.get_params())
    save_features(tmp_path / "tr.npz", ext.transform(X), params=params)
    save_features(tmp_path / "te.npz", ext.transform(X_te), params=params)
    folder = table1.import_features(tmp_path / "out" / "cache", "fashion-mnist",
                                    tiny_extractor, tmp_path / "tr.npz",
                                    tmp_path / "te.npz", data_dir=data)
    assert json.loads((folder / "meta.json").read_text())["n_features"] == 144
    argv = _args(data, tmp_path / "out", "--extractors", tiny_extractor, "--configs",
                 "s2stdp")
    assert main([a for a in argv if a != "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "read from" in out and "fitting" not in out
    # features of other parameters are refused
    other = json.dumps({**ext.get_params(), "n_maps": 8})
    save_features(tmp_path / "bad.npz", ext.transform(X), params=other)
    with pytest.raises(ValueError, match="differing: n_maps"):
        table1.import_features(tmp_path / "c2", "fashion-mnist", tiny_extractor,
                               tmp_path / "bad.npz", tmp_path / "te.npz", data_dir=data)


def test_pictures_of_the_table(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from spikencg.plot import plot_competition_runs, plot_table1

    for k, acc in enumerate([0.885, 0.887]):
        _fake_fold(tmp_path, "s2stdp+ncg", k, acc, M=5, L=1)
        _fake_fold(tmp_path, "s2stdp+ncg-no-nt", k, acc - 0.01, M=5)
    rows = table1.collect_results(tmp_path)
    table1.write_results(rows, tmp_path)
    fig = plot_table1(tmp_path / "table1.csv")  # from the CSV: the main configurations
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["S2-STDP+NCG"]
    fig = plot_table1(rows, ablation=True)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["M-5+CR-2",
                                                                      "M-5+CR-2+L"]
    plt.close("all")
    with pytest.raises(ValueError, match="no result row"):
        plot_table1([r for r in rows if r["config"] == "s2stdp+ncg-no-nt"])
    runs = {"a": {"updates_own_class": [[1, 2, 3, 4]], "neurons_per_class": 2,
                  "non_target_neurons": 1}}
    fig = plot_competition_runs(runs, class_index=1)
    assert [line.get_ydata()[0] for line in fig.axes[0].lines] == [3, 4]
    plt.close("all")
    with pytest.raises(ValueError, match="class_index 2"):
        plot_competition_runs(runs, class_index=2)
    with pytest.raises(ValueError, match="must hold"):
        plot_competition_runs({"a": {"updates_own_class": [[1]]}})
    with pytest.raises(ValueError, match="shape"):
        plot_competition_runs({"a": {**runs["a"], "updates_own_class": [[1, 2, 3]]}})
    with pytest.raises(ValueError, match="non-empty"):
        plot_competition_runs({})


def test_table1_collect_only(tmp_path, capsys):
    assert main(["table1", str(tmp_path), "--collect"]) == 2
    assert "no runs/ folder" in capsys.readouterr().err
    _fake_fold(tmp_path, "s2stdp", 0, 0.86)
    assert main(["table1", str(tmp_path), "--collect", "--results-dir",
                 str(tmp_path / "res")]) == 0
    assert "| 86.00 ± 0.00 | 85.89 ± 0.27 | +0.11 |" in capsys.readouterr().out
    assert _csv(tmp_path / "res" / "table1.csv")[0]["folds"] == "1"


def test_parallel_readouts_limited_by_memory(tmp_path, monkeypatch, tiny_extractor):
    # as many readouts at once as the available memory holds, with a warning, rather
    # than workers killed by the system
    assert table1._jobs_for_memory(4, 9 * 2**30, 23 * 2**30) == 2
    assert table1._jobs_for_memory(4, 9 * 2**30, 8 * 2**30) == 1
    assert table1._jobs_for_memory(2, 10**9, None) == 2
    data = _write_fashion(tmp_path / "data")
    out = tmp_path / "out"
    monkeypatch.setattr(table1, "_available_memory", lambda: 1)
    with pytest.warns(RuntimeWarning, match=r"1 readout\(s\) at a time instead of 2"):
        assert main(_args(data, out, "--extractors", tiny_extractor, "--configs",
                          "s2stdp", "--n-jobs", "2")) == 0
    (row,) = _csv(out / "table1.csv")
    assert row["folds"] == "2"
    folder = next((out / "cache").iterdir())
    n_spikes = int(np.load(folder / "train_indptr.npy")[-1])
    assert table1._fold_memory(folder) == 16 * n_spikes


def test_features_encoded_block_by_block_as_float32():
    # the feature cache's spike arrays, encoded by blocks of rows into arrays allocated
    # once, are those of the whole spike list with the times as float32
    from spikencg.encoding import TTFSEncoder

    rng = np.random.default_rng(0)
    F = rng.random((23, 7)).astype(np.float32) * 1.3  # some values >= 1: no spike
    enc = TTFSEncoder().fit(F)
    S = enc.transform(F)
    for rows in (1, 5, 23, 100):
        data, indices, indptr = table1._encode_float32(enc, F, rows=rows)
        assert data.dtype == np.float32 and indices.dtype == np.int32
        np.testing.assert_array_equal(indptr, S.indptr)
        np.testing.assert_array_equal(indices, S.indices)
        np.testing.assert_array_equal(data, S.data.astype(np.float32))
        assert np.array_equal(data.astype(np.float64), S.data)  # exact: float32 times


def test_fold_rows_keep_the_time_order(tmp_path):
    # the rows a fold reads from the feature cache keep their time order (scipy's astype
    # sorts them by input index, and the readout would sort every row again)
    from spikencg._kernels import _spikes
    from spikencg.encoding import TTFSEncoder
    from spikencg.spikes import float64_csr

    F = np.random.default_rng(1).random((12, 30)).astype(np.float32)
    enc = TTFSEncoder().fit(F)
    table1._save_spike_arrays(tmp_path, "train", table1._encode_float32(enc, F), np.zeros(12))
    (tmp_path / "meta.json").write_text(json.dumps({"n_features": 30}))
    S, _ = table1._spike_set(tmp_path, "train")
    for rows in (np.array([3, 0, 7]), slice(None)):
        X = float64_csr(S[rows])
        ref = enc.transform(F[rows])
        assert X.dtype == np.float64
        np.testing.assert_array_equal(X.indices, ref.indices)
        np.testing.assert_array_equal(X.data, ref.data)
        flags = np.empty(X.shape[0], np.int64)
        _spikes.scan_csr(X.indptr.astype(np.int64), X.indices, X.data, 30, 1.0, 1,
                         np.empty(X.shape[0], np.int64), flags)
        assert not flags.any()
