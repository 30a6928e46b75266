"""End-to-end tests of the ``spikencg`` command line on small digits subsets."""

import json
import os
import subprocess
import sys

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits

from spikencg import load_spikes
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
