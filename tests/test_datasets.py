"""Dataset readers: CIFAR python-version batches, .npy pairs, data-folder resolution."""

import os
import pickle
import tarfile

import numpy as np
import pytest

from spikencg.datasets import data_home, load_cifar, load_cifar_batch, load_mnist, load_npy


def _write_batch(path, n, seed, label_key=b"labels", extra=None):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).tolist()
    # the real files' layout: a dict with bytes keys, labels as a list of ints, data as
    # a uint8 numpy array of shape (n, 3072) (protocol 2, as written by Python 2)
    batch = {b"batch_label": b"testing batch", label_key: labels, b"data": data,
             b"filenames": [b"f%d.png" % i for i in range(n)]}
    if extra:
        batch.update(extra)
    with open(path, "wb") as f:
        pickle.dump(batch, f, protocol=2)
    return data.reshape(n, 3, 32, 32), np.array(labels)


def test_cifar10_folder(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    parts = [_write_batch(folder / f"data_batch_{i}", 3, i) for i in range(1, 6)]
    Xte, yte = _write_batch(folder / "test_batch", 4, 9)
    X, y = load_cifar(tmp_path)
    assert X.shape == (15, 3, 32, 32) and X.dtype == np.uint8
    np.testing.assert_array_equal(X, np.concatenate([p[0] for p in parts]))
    np.testing.assert_array_equal(y, np.concatenate([p[1] for p in parts]))
    X, y = load_cifar(folder, subset="test")
    np.testing.assert_array_equal(X, Xte)
    np.testing.assert_array_equal(y, yte)


def test_cifar100_archive_and_env(tmp_path, monkeypatch):
    src = tmp_path / "src" / "cifar-100-python"
    src.mkdir(parents=True)
    Xtr, ytr = _write_batch(src / "train", 5, 1, label_key=b"fine_labels",
                            extra={b"coarse_labels": [1] * 5})
    _write_batch(src / "test", 2, 2, label_key=b"fine_labels",
                 extra={b"coarse_labels": [0] * 2})
    home = tmp_path / "home"
    home.mkdir()
    with tarfile.open(home / "cifar-100-python.tar.gz", "w:gz") as tar:
        tar.add(src, arcname="cifar-100-python")
    monkeypatch.setenv("SPIKENCG_DATA", str(home))
    X, y = load_cifar(name="cifar100")
    np.testing.assert_array_equal(X, Xtr)
    np.testing.assert_array_equal(y, ytr)
    _, yc = load_cifar(name="cifar100", subset="test", label_key="coarse_labels")
    assert yc.tolist() == [0, 0]


def test_cifar_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    p = tmp_path / "data_batch_1"
    with open(p, "wb") as f:
        pickle.dump({b"data": Evil(), b"labels": [0]}, f)
    with pytest.raises(ValueError, match="refusing"):
        load_cifar_batch(p)
    # only plain-array rebuilding is allowed, no other numpy function
    with open(p, "wb") as f:
        pickle.dump({b"data": np.ma.masked_array(np.zeros(3072, np.uint8)), b"labels": [0]},
                    f)
    with pytest.raises(ValueError, match="refusing"):
        load_cifar_batch(p)
    # raw bytes instead of an array are accepted
    with open(p, "wb") as f:
        pickle.dump({b"data": bytes(3072), b"labels": [4]}, f, protocol=2)
    X, y = load_cifar_batch(p)
    assert X.shape == (1, 3, 32, 32) and y.tolist() == [4]


def test_cifar_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_cifar_batch(tmp_path / "nope")
    p = tmp_path / "b"
    p.write_bytes(b"not a pickle")
    with pytest.raises(ValueError):
        load_cifar_batch(p)
    with open(p, "wb") as f:
        pickle.dump({b"data": b"\0" * 100, b"labels": [1, 2]}, f)
    with pytest.raises(ValueError, match="3072"):
        load_cifar_batch(p)
    with pytest.raises(FileNotFoundError, match="SPIKENCG_DATA"):
        load_cifar(tmp_path / "empty")
    with pytest.raises(ValueError):
        load_cifar(tmp_path, name="cifar1000")


def test_load_npy(tmp_path):
    X = np.arange(24.0).reshape(4, 2, 3)
    y = np.array([0, 1, 0, 1])
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    Xl, yl = load_npy(tmp_path / "X.npy", tmp_path / "y.npy")
    np.testing.assert_array_equal(Xl, X)
    np.testing.assert_array_equal(yl, y)
    assert load_npy(tmp_path / "X.npy")[1] is None
    np.save(tmp_path / "y3.npy", y[:3])
    with pytest.raises(ValueError, match="3 labels"):
        load_npy(tmp_path / "X.npy", tmp_path / "y3.npy")
    np.save(tmp_path / "obj.npy", np.array([{}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        load_npy(tmp_path / "X.npy", tmp_path / "obj.npy")
    with pytest.raises(FileNotFoundError):
        load_npy(tmp_path / "missing.npy")


def test_data_home_order(tmp_path, monkeypatch):
    monkeypatch.setenv("SPIKENCG_DATA", str(tmp_path / "env"))
    roots = data_home(tmp_path / "arg")
    assert roots[:2] == [tmp_path / "arg", tmp_path / "env"]
    monkeypatch.delenv("SPIKENCG_DATA")
    assert data_home()[0].name == "spikencg_data"


def test_mnist_env_var(tmp_path, monkeypatch):
    import gzip

    d = tmp_path / "mnist"
    d.mkdir()
    imgs = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    hdr = bytes([0, 0, 8, 3]) + b"".join(int(s).to_bytes(4, "big") for s in imgs.shape)
    with gzip.open(d / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(hdr + imgs.tobytes())
    with gzip.open(d / "train-labels-idx1-ubyte.gz", "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + (2).to_bytes(4, "big") + bytes([3, 7]))
    monkeypatch.setenv("SPIKENCG_DATA", str(tmp_path))
    X, y = load_mnist()
    np.testing.assert_array_equal(X, imgs)
    assert y.tolist() == [3, 7]
