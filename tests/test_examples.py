"""Every example script runs in its reduced-settings mode and writes its pictures.

The examples are loaded as modules and their ``main`` called in this process (no new
interpreter, numba's compiled kernels are reused), with ``--quick`` and a temporary
output folder. ``examples/fashion_mnist_paper.py`` (the real dataset; hours at full
settings) runs once with tiny settings of its own options; left out:
``examples/distributed_gridsearch.py`` (starts a Dask cluster; what it does, a
GridSearchCV on a LocalCluster equal to the local run, is tested in
``tests/test_distributed.py``).
"""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SKIP = {"fashion_mnist_paper.py", "distributed_gridsearch.py"}
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py")
                 if p.name not in SKIP and not p.name.startswith("_"))


def _load(name):
    if str(EXAMPLES) not in sys.path:  # as when run as a script: examples/ is on sys.path
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"_example_{Path(name).stem}",
                                                  EXAMPLES / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_examples_are_found():
    assert {"digits_pipeline.py", "ncg_vs_single_neuron.py", "compare_rules.py",
            "plot_what_was_learned.py", "gridsearch_thresholds.py",
            "kfold_paper.py", "tabular_data.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_docstring_states_measured_accuracy(name):
    doc = _load(name).__doc__
    assert doc and "Measured" in doc, f"{name}: the docstring must state its accuracy"
    assert re.search(r"0\.\d{3}", doc), f"{name}: no accuracy figure in the docstring"
    assert "--quick" in doc


# quick runs of a few epochs on 600 samples may stop before convergence, and S4NN's
# weights have not yet grown enough for its neurons to fire on most samples: expected
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::spikencg.ThresholdWarning")
@pytest.mark.parametrize("name", SCRIPTS)
def test_example_runs_quick(name, tmp_path, capsys, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)  # anything written by mistake lands in the temporary folder
    out = tmp_path / "out"
    _load(name).main([str(out), "--quick"])
    printed = capsys.readouterr().out
    assert re.search(r"accuracy[^\n]*0\.\d{2}", printed), printed
    pngs = sorted(out.glob("*.png"))
    assert pngs, f"{name} saved no picture in {out}"
    assert all(p.stat().st_size > 1000 for p in pngs)
    assert not plt.get_fignums(), f"{name} left figures open"
    assert not list(tmp_path.glob("*.png")), "pictures written outside the output folder"


def test_quick_switch_from_the_environment(monkeypatch, tmp_path):
    _load("digits_pipeline.py")  # puts examples/ on sys.path, as a script run does
    import _example_args

    monkeypatch.setenv("SPIKENCG_EXAMPLE_QUICK", "1")
    args = _example_args.parse_args("x", [str(tmp_path / "o")], jobs="folds")
    assert args.quick and args.n_jobs == 1 and (tmp_path / "o").is_dir()
    monkeypatch.delenv("SPIKENCG_EXAMPLE_QUICK")
    args = _example_args.parse_args("x", [str(tmp_path / "o")], jobs="folds")
    assert not args.quick and args.n_jobs == 2


def test_fashion_mnist_paper_protocol_runs_end_to_end(data_dir, tmp_path, capsys):
    # the whole protocol on tiny settings: raw Fashion-MNIST images -> extractor (cached
    # on disk, then read back) -> tuning on fold 0 -> parallel folds -> LinearSVC
    module = _load("fashion_mnist_paper.py")
    argv = ["--data-dir", str(data_dir), "--cache-dir", str(tmp_path / "cache"),
            "--folds", "2", "--max-iter", "2", "--train-samples", "400",
            "--test-samples", "200", "--stdp-samples", "100", "--n-maps", "4",
            "--tune", "--tune-epochs", "1", "--n-jobs", "1",
            "--set", "s2stdp:threshold=20", "--set", "s2stdp+ncg:threshold=20"]
    module.main(argv)
    out = capsys.readouterr().out
    assert "features cached in" in out
    assert "chosen for s2stdp+ncg" in out and "chosen for s2stdp:" in out
    summary = out[out.index("summary"):]
    accs = [float(a) for a in re.findall(r"(\d\.\d{4}) \+- \d\.\d{4}  \(2 folds\)", summary)]
    assert len(accs) == 2 and all(0.0 <= a <= 1.0 for a in accs)
    assert "NCG gain" in summary and "LinearSVC" in out
    # the model is named (the presets spell NCG out rather than using the ncg shortcut)
    assert "== s2stdp+ncg: NCG: 5 neurons per class" in out
    assert "== s2stdp: 1 neuron per class" in out and '"ncg"' not in out
    module.main(argv + ["--no-svc"])  # second run: features read from the cache
    assert "features read from the cache" in capsys.readouterr().out


def test_softhebb_example_linear_svm_solves_linearsvc_problem():
    # the example's float32 L-BFGS solver (all 60,000 x 13,824 features would need about
    # 20 GB in liblinear) minimises LinearSVC's objective: the same coefficients
    import numpy as np
    from sklearn.svm import LinearSVC

    module = _load("softhebb_features.py")
    rng = np.random.default_rng(0)
    X = rng.random((300, 12)).astype(np.float32)
    y = (X[:, :3] @ np.array([2.0, -1.0, 1.0]) + rng.normal(0, 0.2, 300) > 1).astype(int)
    y[X[:, 5] > 0.8] = 2
    svc = LinearSVC(C=0.1, dual=False, tol=1e-10, max_iter=100000).fit(X, y)
    W, b, classes = module.linear_svm(X, y, 0.1, max_iter=2000)
    np.testing.assert_array_equal(classes, svc.classes_)
    np.testing.assert_allclose(W.T, svc.coef_, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(b, svc.intercept_, rtol=1e-3, atol=1e-4)
    # samples of weight 0 are left out: the same as fitting on the others
    weights = (np.arange(300) % 4 != 0).astype(float)
    W2, b2, _ = module.linear_svm(X, y, 0.1, weights=weights, max_iter=2000)
    W3, b3, _ = module.linear_svm(X[weights > 0], y[weights > 0], 0.1, max_iter=2000)
    np.testing.assert_allclose(W2, W3, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(b2, b3, rtol=1e-4, atol=1e-5)


def test_softhebb_example_reads_features_cached_before_max_iter(tmp_path, capsys):
    # features cached when SoftHebbFeatures still took ``n_epochs`` (its parameters were
    # stored that way) are the same features: read, not recomputed
    import argparse
    import json

    import numpy as np

    from spikencg import SoftHebbFeatures
    from spikencg.features import save_features

    module = _load("softhebb_features.py")
    params = dict(n_maps=(4, 8, 16))
    args = argparse.Namespace(seed=0, verbose=False, cache_dir=str(tmp_path))
    old = json.loads(json.dumps(SoftHebbFeatures(**params, random_state=0).get_params()))
    old["n_epochs"] = old.pop("max_iter")  # the former name, as stored then
    X_tr, X_te = np.zeros((3, 28, 28)), np.zeros((2, 28, 28))
    F_tr, F_te, filt = np.full((3, 5), 0.5), np.full((2, 5), 0.25), np.ones((4, 1, 5, 5))
    for part, arr in (("train", F_tr), ("test", F_te), ("filters", filt)):
        save_features(tmp_path / f"fmnist_softhebb_4-8-16_n3_t2_seed0_{part}.npz", arr,
                      params=json.dumps(old))
    got = module.extract(args, X_tr, X_te, params)
    assert "features read from the cache" in capsys.readouterr().out
    np.testing.assert_array_equal(got[0], F_tr)
    np.testing.assert_array_equal(got[1], F_te)
