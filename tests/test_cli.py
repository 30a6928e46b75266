"""End-to-end tests of the ``spikencg`` command line on small digits subsets."""

import json
import os
import subprocess
import sys

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits

from spikencg import load_spikes, spikes_to_dense
from spikencg.cli import main

GRID = {
    "network": [{"n_neurons": 20, "firing_threshold": [3, 4.5], "w_init_normal": True,
                 "w_init_mean": 0.3, "w_init_std": 0.01, "w_norm": True, "w_min": 0,
                 "w_max": 1, "method": "s2stdp", "stdp": "additive", "class_inhib": True,
                 "t_gap": [0.03, 0.1], "ap": 0.05, "am": -0.1, "annealing": 0.98}],
    "regularizer": {"thr_lr": 0.2, "thr_anneal": 0.5},
    "trainer": {"epochs": 3, "nt_neurons": 1, "early_stopping": 2,
                "gridsearch_stop_acc": 0.3},
}
FAST = ["--set", "threshold=auto", "--set", "max_iter=2", "--set", "neurons_per_class=2"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """trainset/valset/testset.npz made by `spikencg convert` from digits subsets."""
    root = tmp_path_factory.mktemp("digits")
    X, y = load_digits(return_X_y=True)
    X = X.reshape(-1, 8, 8)
    parts = {"trainset": slice(0, 300), "valset": slice(300, 400), "testset": slice(400, 500)}
    data = root / "data"
    for name, sl in parts.items():
        np.save(root / f"X_{name}.npy", X[sl])
        np.save(root / f"y_{name}.npy", y[sl])
        assert main(["convert", str(root / f"X_{name}.npy"), str(root / f"y_{name}.npy"),
                     str(data / name), "--intensity", "--x-max", "16"]) == 0
    return data


def _one_error_line(capsys):
    err = capsys.readouterr().err.strip()
    assert err.startswith("spikencg: error:")
    assert "\n" not in err and "Traceback" not in err
    return err


def test_convert(data_dir, tmp_path, capsys):
    X, y, max_time = load_spikes(data_dir / "trainset.npz")
    assert X.shape == (300, 64) and y.shape == (300,) and max_time == 1.0
    # spike times (no --intensity), custom window
    np.save(tmp_path / "T.npy", np.array([[0.5, np.inf], [1.0, 3.0]]))
    np.save(tmp_path / "l.npy", np.array([0, 1]))
    assert main(["convert", str(tmp_path / "T.npy"), str(tmp_path / "l.npy"),
                 str(tmp_path / "out.npz"), "--max-time", "2"]) == 0
    S, lab, mt = load_spikes(tmp_path / "out.npz")
    assert mt == 2.0 and S.nnz == 2 and lab.tolist() == [0, 1]
    assert "wrote" in capsys.readouterr().out


def test_run(data_dir, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(data_dir), str(out), "--preset", "STDP-CSNN/MNIST/s2stdp+ncg",
                 "--quiet", "--seed", "1", *FAST]) == 0
    assert {p.name for p in out.iterdir()} >= {"log.txt", "metrics.csv", "scores.json",
                                                 "model.joblib"}
    scores = json.loads((out / "scores.json").read_text())
    assert 0 <= scores["test_accuracy"] <= 1 and scores["epochs"] <= 2
    assert scores["params"]["early_stopping"] is True  # valset + preset patience
    assert scores["params"]["restore_best"] is False
    lines = (out / "metrics.csv").read_text().splitlines()
    assert lines[0] == "epoch,train_accuracy,validation_accuracy,silent_fraction"
    assert len(lines) == 1 + scores["epochs"]
    clf = joblib.load(out / "model.joblib")
    X, y, _ = load_spikes(data_dir / "testset.npz")
    assert np.mean(clf.predict(X) == y) == pytest.approx(scores["test_accuracy"])
    assert "test accuracy" in capsys.readouterr().out
    assert main(["summary", str(out)]) == 0
    assert "test accuracy" in capsys.readouterr().out


def test_run_config_file(data_dir, tmp_path):
    cfg = json.loads(json.dumps(GRID))
    cfg["network"][0]["firing_threshold"] = 4
    cfg["network"][0]["t_gap"] = 0.05
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    assert main(["run", str(data_dir), str(tmp_path / "o"), "--config",
                 str(tmp_path / "c.json"), "--quiet", "--set", "max_iter=1"]) == 0
    assert json.loads((tmp_path / "o" / "scores.json").read_text())["epochs"] == 1


def test_kfold_and_summary(data_dir, tmp_path, capsys):
    out = tmp_path / "kf"
    assert main(["kfold", str(data_dir), str(out), "--preset", "STDP-CSNN/MNIST/s2stdp+ncg",
                 "--k", "3", *FAST]) == 0
    text = capsys.readouterr().out
    assert text.count("fold ") >= 3 and "±" in text
    summary = json.loads((out / "kfold.json").read_text())
    accs = [f["test_accuracy"] for f in summary["folds"]]
    assert len(accs) == 3
    assert summary["test_accuracy_mean"] == pytest.approx(np.mean(accs))
    assert summary["test_accuracy_std"] == pytest.approx(np.std(accs))
    assert len((out / "folds.csv").read_text().splitlines()) == 4
    assert all((out / f"fold_{i}.json").is_file() for i in range(3))
    assert main(["summary", str(out)]) == 0
    assert "± " in capsys.readouterr().out


def _runs(out):
    return sorted(p for p in (out / "runs").glob("*.json"))


def test_gridsearch_resume(data_dir, tmp_path, capsys):
    cfg = tmp_path / "grid.json"
    cfg.write_text(json.dumps(GRID))
    out = tmp_path / "gs"
    args = ["gridsearch", str(data_dir), str(out), "--config", str(cfg), "--quiet",
            "--set", "neurons_per_class=2"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "4 runs, 0 already done, 4 to do" in first and "4/4 runs finished" in first
    runs = _runs(out)
    assert len(runs) == 4
    results = [json.loads(p.read_text()) for p in runs]
    assert {r["status"] for r in results} <= {"done", "aborted"}
    # simulate a kill -9: one result missing, one half-written temporary file left
    runs[0].unlink()
    (out / "runs" / f".{runs[1].name}.123.tmp").write_text('{"half": ')
    mtimes = {p.name: os.stat(p).st_mtime_ns for p in runs[1:]}
    assert main(args) == 0
    second = capsys.readouterr().out
    assert "4 runs, 3 already done, 1 to do" in second and "4/4 runs finished" in second
    assert {p.name: os.stat(p).st_mtime_ns for p in runs[1:]} == mtimes
    assert len(_runs(out)) == 4 and not list((out / "runs").glob(".*.tmp"))
    assert json.loads(runs[0].read_text())["params"] == results[0]["params"]
    # a third run has nothing to do; summary prints the complete table
    assert main(args) == 0
    assert "4 already done, 0 to do" in capsys.readouterr().out
    assert main(["summary", str(out), "--top", "4"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("4/4 runs finished") and len(table) == 2 + 4
    assert "threshold" in table[1] and "t_gap" in table[1]


def test_gridsearch_early_abort(data_dir, tmp_path, capsys):
    cfg = json.loads(json.dumps(GRID))
    cfg["network"][0]["firing_threshold"] = 4
    cfg["network"][0]["t_gap"] = [0.05]
    cfg["trainer"]["epochs"] = 5
    cfg["trainer"]["gridsearch_stop_acc"] = 1.01  # nothing reaches it: abort at epoch 2
    (tmp_path / "g.json").write_text(json.dumps(cfg))
    out = tmp_path / "gs"
    assert main(["gridsearch", str(data_dir), str(out), "--config", str(tmp_path / "g.json"),
                 "--quiet"]) == 0
    (r,) = [json.loads(p.read_text()) for p in _runs(out)]
    assert r["status"] == "aborted" and r["epochs"] == 2
    assert "1 aborted" in capsys.readouterr().out


def test_demo(tmp_path, capsys):
    assert main(["demo", "--epochs", "3", "--output-dir", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "test accuracy: 0." in out and str(tmp_path / "d") in out
    assert "3 epochs, trained in " in out and "setup: " in out
    assert json.loads((tmp_path / "d" / "scores.json").read_text())["test_accuracy"] > 0.5


def test_closed_output_pipe_stops_quietly():
    # ``spikencg demo | head -1``: the reader leaves before the output ends
    code = "import sys; from spikencg.cli import main; sys.exit(main(['demo', '--epochs', '1']))"
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdout.close()
    with p.stderr:
        err = p.stderr.read().decode()
    assert p.wait(timeout=300) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err


@pytest.mark.parametrize("case", ["missing_dir", "unknown_preset", "unknown_key", "bad_set",
                                  "grid_in_run", "no_config", "label_length", "bad_shape",
                                  "missing_file", "bad_command", "summary_empty", "bad_k"])
def test_user_errors(case, data_dir, tmp_path, capsys):
    np.save(tmp_path / "X.npy", np.zeros((4, 3)))
    np.save(tmp_path / "y.npy", np.zeros(5))
    np.save(tmp_path / "y2.npy", np.zeros((4, 2)))
    (tmp_path / "g.json").write_text(json.dumps(GRID))
    d, o = str(data_dir), str(tmp_path / "o")
    argv = {
        "missing_dir": ["run", str(tmp_path / "nope"), o, "--preset", "x"],
        "unknown_preset": ["run", d, o, "--preset", "STDP-CSNN/FMNIST/s2stdp+ncg"],
        "unknown_key": ["run", d, o, "--preset", "STDP-CSNN/MNIST/s2stdp", "--set",
                        "treshold=3"],
        "bad_set": ["run", d, o, "--preset", "STDP-CSNN/MNIST/s2stdp", "--set", "max_iter"],
        "grid_in_run": ["run", d, o, "--config", str(tmp_path / "g.json")],
        "no_config": ["kfold", d, o],
        "label_length": ["convert", str(tmp_path / "X.npy"), str(tmp_path / "y.npy"), o],
        "bad_shape": ["convert", str(tmp_path / "X.npy"), str(tmp_path / "y2.npy"), o],
        "missing_file": ["convert", str(tmp_path / "X.npy"), str(tmp_path / "no.npy"), o],
        "bad_command": ["frobnicate"],
        "summary_empty": ["summary", str(tmp_path)],
        "bad_k": ["kfold", d, o, "--preset", "STDP-CSNN/MNIST/s2stdp", "--k", "1000"],
    }[case]
    assert main(argv) == 2
    err = _one_error_line(capsys)
    if case == "unknown_preset":
        assert "did you mean" in err and "STDP-CSNN/F-MNIST/s2stdp+ncg" in err
    if case == "unknown_key":
        assert "treshold" in err and "threshold" in err
    if case == "label_length":
        assert "5 labels" in err


def test_set_accepts_original_names(data_dir, tmp_path):
    out = tmp_path / "orig"
    assert main(["run", str(data_dir), str(out), "--preset", "STDP-CSNN/MNIST/s2stdp+ncg",
                 "--quiet", "--set", "trainer.epochs=1", "--set", "firing_threshold=5.5",
                 "--set", "regularizer.thr_lr=0.3", "--set", "threshold=auto"]) == 0
    params = json.loads((out / "scores.json").read_text())["params"]
    assert params["max_iter"] == 1 and params["threshold_lr"] == 0.3
    assert params["threshold"] == "auto"  # the later --set wins
    assert main(["run", str(data_dir), str(out), "--preset", "STDP-CSNN/MNIST/s2stdp+ncg",
                 "--quiet", "--set", "no_such_key=1"]) == 2


# --------------------------------------------------------------------------------------
# convert: validation and test sets scaled as the training set
# --------------------------------------------------------------------------------------


def test_convert_reuses_training_scaling(tmp_path, capsys):
    from spikencg import TTFSEncoder

    X, y = load_digits(return_X_y=True)
    X_tr, y_tr, X_te, y_te = X[:300], y[:300], X[300:400], y[300:400]
    for name, arr in {"Xtr": X_tr, "ytr": y_tr, "Xte": X_te, "yte": y_te,
                      "X1": X_te[:1], "y1": y_te[:1]}.items():
        np.save(tmp_path / f"{name}.npy", arr)
    d = tmp_path / "data"
    assert main(["convert", str(tmp_path / "Xtr.npy"), str(tmp_path / "ytr.npy"),
                 str(d / "trainset.npz"), "--intensity"]) == 0
    assert main(["convert", str(tmp_path / "Xte.npy"), str(tmp_path / "yte.npy"),
                 str(d / "testset.npz"), "--intensity", "--x-max-from",
                 str(d / "trainset.npz")]) == 0
    assert "x_max of" in capsys.readouterr().out
    # one x_max per feature; the latency code t = 1 - x / x_max (x_min = 0)
    enc = TTFSEncoder(encoding="intensity", x_min=0).fit(X_tr)
    S, labels, _ = load_spikes(d / "testset.npz")
    assert labels.tolist() == y_te.tolist()
    assert abs(S - enc.transform(X_te)).max() == 0
    # converted on its own, the test set is scaled by its own maxima
    assert main(["convert", str(tmp_path / "Xte.npy"), str(tmp_path / "yte.npy"),
                 str(tmp_path / "own.npz"), "--intensity"]) == 0
    assert abs(load_spikes(tmp_path / "own.npz")[0] - enc.transform(X_te)).max() > 0
    # one sample: exactly the training set's code too
    assert main(["convert", str(tmp_path / "X1.npy"), str(tmp_path / "y1.npy"),
                 str(tmp_path / "one.npz"), "--intensity", "--x-max-from",
                 str(d / "trainset.npz")]) == 0
    assert abs(load_spikes(tmp_path / "one.npz")[0] - enc.transform(X_te[:1])).max() == 0
    # a global --x-max is stored and reused as well
    assert main(["convert", str(tmp_path / "Xtr.npy"), str(tmp_path / "ytr.npy"),
                 str(tmp_path / "g.npz"), "--intensity", "--x-max", "20"]) == 0
    assert main(["convert", str(tmp_path / "Xte.npy"), str(tmp_path / "yte.npy"),
                 str(tmp_path / "g2.npz"), "--intensity", "--x-max-from",
                 str(tmp_path / "g.npz")]) == 0
    want = TTFSEncoder(encoding="intensity", x_min=0, x_max=20).fit_transform(X_te)
    assert abs(load_spikes(tmp_path / "g2.npz")[0] - want).max() == 0
    # the files keep the classic code t = 1 - x / x_max even where no input is 0
    np.save(tmp_path / "Xp.npy", X_tr + 1.0)
    assert main(["convert", str(tmp_path / "Xp.npy"), str(tmp_path / "ytr.npy"),
                 str(tmp_path / "p.npz"), "--intensity"]) == 0
    x_max = X_tr.max(axis=0) + 1.0
    np.testing.assert_array_equal(spikes_to_dense(load_spikes(tmp_path / "p.npz")[0]),
                                  np.where(X_tr + 1.0 >= x_max, 0.0,
                                           1.0 - (X_tr + 1.0) / x_max))
    assert not list(tmp_path.glob(".*.tmp*")) and not list(d.glob(".*.tmp*"))


@pytest.mark.parametrize("case", ["not_intensity", "both", "missing", "no_scaling",
                                  "npy", "other_inputs"])
def test_convert_x_max_from_errors(case, tmp_path, capsys):
    np.save(tmp_path / "X.npy", np.ones((4, 3)))
    np.save(tmp_path / "X5.npy", np.ones((4, 5)))
    np.save(tmp_path / "y.npy", np.arange(4))
    x, y = str(tmp_path / "X.npy"), str(tmp_path / "y.npy")
    assert main(["convert", x, y, str(tmp_path / "train.npz"), "--intensity"]) == 0
    assert main(["convert", x, y, str(tmp_path / "times.npz")]) == 0
    capsys.readouterr()
    out = str(tmp_path / "o.npz")
    ref = ["--x-max-from", str(tmp_path / "train.npz")]
    argv = {
        "not_intensity": ["convert", x, y, out, *ref],
        "both": ["convert", x, y, out, "--intensity", "--x-max", "2", *ref],
        "missing": ["convert", x, y, out, "--intensity", "--x-max-from",
                    str(tmp_path / "nope.npz")],
        "no_scaling": ["convert", x, y, out, "--intensity", "--x-max-from",
                       str(tmp_path / "times.npz")],
        "npy": ["convert", x, y, out, "--intensity", "--x-max-from", x],
        "other_inputs": ["convert", str(tmp_path / "X5.npy"), y, out, "--intensity", *ref],
    }[case]
    assert main(argv) == 2
    err = _one_error_line(capsys)
    assert "--x-max" in err
    if case in ("missing", "no_scaling", "npy"):
        assert argv[-1] in err
    assert not (tmp_path / "o.npz").exists()


def test_convert_help_describes_x_max_default(capsys):
    with pytest.raises(SystemExit):
        main(["convert", "-h"])
    text = " ".join(capsys.readouterr().out.split())
    assert "one value per input" in text and "--x-max-from" in text
    assert "max of X" not in text


# --------------------------------------------------------------------------------------
# output paths that cannot be written: one line, before any training
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "kfold", "gridsearch", "demo", "convert"])
@pytest.mark.parametrize("where", ["under_file", "is_file", "system"])
def test_unwritable_outputs(command, where, data_dir, tmp_path, capsys):
    if where == "system" and not os.path.isdir("/sys/kernel"):
        pytest.skip("needs Linux's read-only /sys")
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    target = {"under_file": str(blocker / "out"), "is_file": str(blocker),
              "system": "/sys/spikencg-test/out"}[where]
    np.save(tmp_path / "X.npy", np.ones((4, 3)))
    np.save(tmp_path / "y.npy", np.arange(4))
    cfg = ["--preset", "STDP-CSNN/MNIST/s2stdp+ncg", *FAST]
    argv = {
        "run": ["run", str(data_dir), target, *cfg, "--quiet"],
        "kfold": ["kfold", str(data_dir), target, "--k", "2", *cfg],
        "gridsearch": ["gridsearch", str(data_dir), target, *cfg, "--quiet"],
        "demo": ["demo", "--epochs", "1", "--output-dir", target],
        "convert": ["convert", str(tmp_path / "X.npy"), str(tmp_path / "y.npy"),
                    target + ("/x.npz" if where == "is_file" else ".npz")],
    }[command]
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("spikencg: error:") and "\n" not in err
    assert str(blocker) in err or "/sys" in err
    assert "accuracy" not in captured.out  # failed before training
    assert blocker.read_text() == "x"


def test_convert_into_existing_folder(tmp_path, capsys):
    np.save(tmp_path / "X.npy", np.ones((4, 3)))
    np.save(tmp_path / "y.npy", np.arange(4))
    (tmp_path / "data" / "trainset.npz").mkdir(parents=True)
    for out in (tmp_path / "data", tmp_path / "data" / "trainset.npz"):
        assert main(["convert", str(tmp_path / "X.npy"), str(tmp_path / "y.npy"),
                     str(out)]) == 2
        assert "existing folder" in _one_error_line(capsys)
    assert not (tmp_path / "data.npz").exists()


def test_os_errors_are_user_errors(monkeypatch, capsys):
    import spikencg.cli as cli

    def fail(args):
        raise PermissionError(13, "Permission denied", "/some/where/scores.json")

    monkeypatch.setattr(cli, "_cmd_summary", fail)
    assert main(["summary", "x"]) == 2
    assert _one_error_line(capsys).endswith("/some/where/scores.json: Permission denied")


# --------------------------------------------------------------------------------------
# configuration files, presets and --set
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("content,key", [
    ('{"network":[{"n_neurons":50}],"regularizer":[1]}', "regularizer"),
    ('{"network":[{"n_neurons":50}],"trainer":5}', "trainer"),
    ('{"network":{"n_neurons":50}}', "network"),
    ('{"network":[1]}', "network"),
    ('{"n_neurons":"abc"}', "n_neurons"),
    ('{"n_neurons":null}', "n_neurons"),
    ('{"n_neurons":20.5}', "n_neurons"),
    ('{"n_neurons":20,"trainer.early_stopping":"x"}', "trainer.early_stopping"),
    ('{"network":[{"n_neurons":20}],"seed":1}', "seed"),
    ("[]", "JSON object"),
    (b"\x89PNG\r\n\x1a\n\x00\xff\xfe", "UTF-8"),
])
def test_malformed_config_files(content, key, data_dir, tmp_path, capsys):
    cfg = tmp_path / "bad.json"
    if isinstance(content, bytes):
        cfg.write_bytes(content)
    else:
        cfg.write_text(content)
    out = tmp_path / "o"
    assert main(["run", str(data_dir), str(out), "--config", str(cfg)]) == 2
    err = _one_error_line(capsys)
    assert str(cfg) in err and key in err
    assert not out.exists()


def _three_classes(root):
    X, y = load_digits(return_X_y=True)
    keep = y < 3
    np.save(root / "X3.npy", X[keep][:150])
    np.save(root / "y3.npy", y[keep][:150])
    assert main(["convert", str(root / "X3.npy"), str(root / "y3.npy"),
                 str(root / "d3" / "trainset.npz"), "--intensity"]) == 0
    return root / "d3"


def test_preset_on_other_class_count(tmp_path, capsys):
    d = _three_classes(tmp_path)
    base = ["run", str(d), str(tmp_path / "o"), "--preset", "STDP-CSNN/F-MNIST/s2stdp+ncg",
            "--quiet", "--set", "max_iter=1", "--set", "threshold=auto"]
    capsys.readouterr()
    assert main(base) == 2  # 50 neurons on 3 classes
    err = _one_error_line(capsys)
    assert "n_neurons=50" in err and "--set neurons_per_class=17" in err
    assert main([*base, "--set", "neurons_per_class=5"]) == 0
    params = json.loads((tmp_path / "o" / "scores.json").read_text())["params"]
    assert params["neurons_per_class"] == 5
    assert main([*base, "--set", "n_neurons=6"]) == 0
    params = json.loads((tmp_path / "o" / "scores.json").read_text())["params"]
    assert params["neurons_per_class"] == 2
    # the later of n_neurons / neurons_per_class wins
    assert main([*base, "--set", "n_neurons=6", "--set", "neurons_per_class=3"]) == 0
    assert json.loads((tmp_path / "o" / "scores.json").read_text())["params"][
        "neurons_per_class"] == 3
    capsys.readouterr()
    assert main([*base, "--set", "neurons_per_class=0"]) == 2
    assert "neurons_per_class" in _one_error_line(capsys)


def test_set_accepts_config_keys(data_dir, tmp_path, capsys):
    out = tmp_path / "o"
    base = ["run", str(data_dir), str(out), "--preset", "STDP-CSNN/MNIST/s2stdp+ncg",
            "--quiet", "--set", "trainer.epochs=1", "--set", "threshold=auto"]
    assert main([*base, "--set", "n_neurons=20", "--set", "method=rstdp",
                 "--set", "regularizer.use_two_thr=false", "--set", "w_init_normal=false",
                 "--set", "trainer.early_stopping=3"]) == 0
    params = json.loads((out / "scores.json").read_text())["params"]
    assert params["neurons_per_class"] == 2 and params["rule"] == "rstdp"
    assert params["competition"] == "one-threshold" and params["w_init"] == "uniform"
    assert params["n_iter_no_change"] == 3
    # of two settings of one parameter, by either name, the later wins
    assert main([*base, "--set", "rule=sstdp", "--set", "method=rstdp"]) == 0
    assert json.loads((out / "scores.json").read_text())["params"]["rule"] == "rstdp"
    assert main([*base, "--set", "method=rstdp", "--set", "rule=sstdp"]) == 0
    assert json.loads((out / "scores.json").read_text())["params"]["rule"] == "sstdp"
    capsys.readouterr()
    assert main([*base, "--set", "n_neuron=20"]) == 2
    assert "did you mean n_neurons" in _one_error_line(capsys)
    assert main([*base, "--set", "method=nope"]) == 2
    assert "method" in _one_error_line(capsys)
    assert main([*base, "--set", "firing_threshold=abc"]) == 2
    assert "firing_threshold" in _one_error_line(capsys)


def test_set_list_makes_a_grid(data_dir, tmp_path, capsys):
    argv = ["--preset", "STDP-CSNN/MNIST/s2stdp+ncg", "--set", "max_iter=1",
            "--set", "neurons_per_class=2", "--set", "threshold=[3,4]"]
    assert main(["run", str(data_dir), str(tmp_path / "r"), *argv]) == 2
    assert "gridsearch" in _one_error_line(capsys)
    assert main(["gridsearch", str(data_dir), str(tmp_path / "g"), *argv, "--quiet"]) == 0
    assert "2 runs, 0 already done" in capsys.readouterr().out


# --------------------------------------------------------------------------------------
# summary, gridsearch and kfold options; hand-edited result files
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["summary_top0", "summary_top_neg", "grid_top0",
                                  "kfold_jobs0", "grid_jobs0", "fraction_2", "fraction_0",
                                  "fraction_tiny", "demo_epochs0"])
def test_options_checked_before_work(case, data_dir, tmp_path, capsys):
    # a data folder without valset.npz: gridsearch holds out --validation-fraction
    X, y, _ = load_spikes(data_dir / "trainset.npz")
    from spikencg import save_spikes

    d = tmp_path / "d"
    d.mkdir()
    save_spikes(d / "trainset.npz", X, y)
    (tmp_path / "s").mkdir()
    out = tmp_path / "o"
    cfg = ["--preset", "STDP-CSNN/MNIST/s2stdp+ncg", *FAST]
    argv = {
        "summary_top0": ["summary", str(tmp_path / "s"), "--top", "0"],
        "summary_top_neg": ["summary", str(tmp_path / "s"), "--top", "-1"],
        "grid_top0": ["gridsearch", str(d), str(out), *cfg, "--top", "0"],
        "kfold_jobs0": ["kfold", str(d), str(out), *cfg, "--k", "2", "--n-jobs", "0"],
        "grid_jobs0": ["gridsearch", str(d), str(out), *cfg, "--n-jobs", "0"],
        "fraction_2": ["gridsearch", str(d), str(out), *cfg, "--validation-fraction", "2"],
        "fraction_0": ["gridsearch", str(d), str(out), *cfg, "--validation-fraction", "0"],
        "fraction_tiny": ["gridsearch", str(d), str(out), *cfg,
                          "--validation-fraction", "0.01"],
        "demo_epochs0": ["demo", "--epochs", "0"],
    }[case]
    assert main(argv) == 2
    err = _one_error_line(capsys)
    option = {"summary": "--top", "grid_top0": "--top", "kfold_jobs0": "--n-jobs",
              "grid_jobs0": "--n-jobs", "fraction": "--validation-fraction",
              "demo": "--epochs"}
    assert next(v for k, v in option.items() if case.startswith(k)) in err
    assert not out.exists()


@pytest.mark.parametrize("command", ["kfold", "gridsearch"])
def test_n_jobs_help_shows_default(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "-h"])
    text = " ".join(capsys.readouterr().out.split())
    assert "all cores; default 1)" in text


@pytest.mark.parametrize("name,content,expect", [
    ("kfold.json", "{}", "folds"),
    ("kfold.json", "[]", "JSON object"),
    ("kfold.json", '{"folds": [{"fold": 0}]}', "validation_accuracy"),
    ("kfold.json", "{not json", "not valid JSON"),
    ("scores.json", '"text"', "JSON object"),
    ("scores.json", '{"epochs": "many"}', "epochs"),
    ("runs/x.json", '{"validation_accuracy": 0.5, "epochs": 2, "status": "done"}',
     "no finished gridsearch run"),
])
def test_summary_of_edited_files(name, content, expect, tmp_path, capsys):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    assert main(["summary", str(tmp_path)]) == 2
    err = _one_error_line(capsys)
    assert expect in err and str(tmp_path) in err


def test_summary_tolerates_missing_entries(tmp_path, capsys):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "scores.json").write_text('{"test_accuracy": 0.5}')  # no epochs
    assert main(["summary", str(tmp_path / "r")]) == 0
    assert "test accuracy: 0.5000" in capsys.readouterr().out
    # kfold.json without its means: recomputed from the folds
    (tmp_path / "k").mkdir()
    (tmp_path / "k" / "kfold.json").write_text(json.dumps({"folds": [
        {"fold": 0, "validation_accuracy": 0.5, "test_accuracy": 0.25},
        {"fold": 1, "validation_accuracy": 0.7, "test_accuracy": 0.75}]}))
    assert main(["summary", str(tmp_path / "k")]) == 0
    assert "test accuracy: 50.00 ± 25.00 % over 2 folds" in capsys.readouterr().out
    # a run file without params is left out, with a warning, and the others shown
    runs = tmp_path / "g" / "runs"
    runs.mkdir(parents=True)
    good = {"params": {"threshold": 3}, "status": "done", "validation_accuracy": 0.5,
            "epochs": 2}
    (runs / "a.json").write_text(json.dumps(good))
    (runs / "b.json").write_text(json.dumps({**good, "params": None}))
    assert main(["summary", str(tmp_path / "g")]) == 0
    captured = capsys.readouterr()
    assert "1 runs finished" in captured.out and "b.json" in captured.err


def test_data_file_errors_print_plain_paths(tmp_path, capsys):
    d = tmp_path / "d"
    d.mkdir()
    (d / "trainset.npz").write_text("not a zip")
    assert main(["run", str(d), str(tmp_path / "o"), "--preset",
                 "STDP-CSNN/MNIST/s2stdp"]) == 2
    err = _one_error_line(capsys)
    assert "PosixPath" not in err and str(d / "trainset.npz") in err


def test_patience_zero_means_no_early_stopping(data_dir, tmp_path, capsys):
    cfg = ["--preset", "STDP-CSNN/MNIST/s2stdp+ncg", *FAST, "--set",
           "trainer.early_stopping=0"]
    assert main(["run", str(data_dir), str(tmp_path / "r"), "--quiet", *cfg]) == 0
    params = json.loads((tmp_path / "r" / "scores.json").read_text())["params"]
    assert params["early_stopping"] is False
    assert main(["kfold", str(data_dir), str(tmp_path / "k"), "--k", "2", *cfg]) == 0
    assert all(f["epochs"] == 2 for f in
               json.loads((tmp_path / "k" / "kfold.json").read_text())["folds"])
    capsys.readouterr()
    assert main(["run", str(data_dir), str(tmp_path / "r"), *cfg[:-1],
                 "trainer.early_stopping=-1"]) == 2
    assert "trainer.early_stopping" in _one_error_line(capsys)


def test_set_neurons_per_class_null_means_the_default():
    from spikencg.cli import _overrides

    config_over, est_over = _overrides(["neurons_per_class=null"], n_classes=3)
    assert config_over == {} and est_over == {"neurons_per_class": None}
    config_over, _ = _overrides(["neurons_per_class=4"], n_classes=3)
    assert config_over == {"n_neurons": 12}


def test_parameter_combinations_checked_before_any_output(tmp_path):
    # one neuron per class leaves no target neuron next to the preset's non-target one:
    # refused before the output folder is made
    X, y = load_digits(return_X_y=True)
    np.save(tmp_path / "X.npy", X[:100])
    np.save(tmp_path / "y.npy", y[:100])
    data = tmp_path / "data"
    assert main(["convert", str(tmp_path / "X.npy"), str(tmp_path / "y.npy"),
                 str(data / "trainset.npz"), "--intensity"]) == 0
    out = tmp_path / "out"
    assert main(["run", str(data), str(out), "--preset", "STDP-CSNN/F-MNIST/s2stdp+ncg",
                 "--set", "neurons_per_class=1"]) == 2
    assert not out.exists()
