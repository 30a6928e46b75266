"""Dataset readers: CIFAR python-version batches, .npy pairs, data-folder resolution."""

import gzip
import os
import pickle
import tarfile

import numpy as np
import pytest

from spikencg.datasets import (
    data_home,
    load_cifar,
    load_cifar_batch,
    load_idx,
    load_mnist,
    load_npy,
)


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
    (tmp_path / "env").mkdir()
    (tmp_path / "arg").mkdir()
    # an explicit folder is the only one searched
    assert data_home(tmp_path / "arg") == [tmp_path / "arg"]
    assert data_home()[0] == tmp_path / "env"
    assert data_home()[1].name == "spikencg_data"
    monkeypatch.delenv("SPIKENCG_DATA")
    assert data_home()[0].name == "spikencg_data"


def _idx_bytes(a):
    """An uint8 array in the IDX format."""
    return bytes([0, 0, 8, a.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in a.shape) \
        + a.tobytes()


def _write_mnist(d):
    d.mkdir(parents=True)
    imgs = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    with gzip.open(d / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(_idx_bytes(imgs))
    with gzip.open(d / "train-labels-idx1-ubyte.gz", "wb") as f:
        f.write(_idx_bytes(np.array([3, 7], dtype=np.uint8)))
    return imgs


def test_mnist_env_var(tmp_path, monkeypatch):
    imgs = _write_mnist(tmp_path / "mnist")
    monkeypatch.setenv("SPIKENCG_DATA", str(tmp_path))
    X, y = load_mnist()
    np.testing.assert_array_equal(X, imgs)
    assert y.tolist() == [3, 7]


def test_explicit_data_dir_is_the_only_folder_searched(tmp_path, monkeypatch):
    # the datasets are found through $SPIKENCG_DATA ...
    home = tmp_path / "home"
    _write_mnist(home / "mnist")
    cifar = home / "cifar-10-batches-py"
    cifar.mkdir()
    for f in ["test_batch"] + [f"data_batch_{i}" for i in range(1, 6)]:
        _write_batch(cifar / f, 1, 0)
    monkeypatch.setenv("SPIKENCG_DATA", str(home))
    assert load_mnist()[0].shape == (2, 28, 28)
    assert load_cifar(subset="test")[0].shape == (1, 3, 32, 32)
    # ... but never instead of a misspelled data_dir
    for load in (load_mnist, load_cifar):
        with pytest.raises(FileNotFoundError, match="data_dir does not exist: .*misspelled"):
            load(tmp_path / "misspelled")
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileNotFoundError, match="data_dir is not a folder: .*file"):
        load_mnist(tmp_path / "file")
    # nor instead of an existing folder without the dataset
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="mnist IDX files not found; looked in: .*empty"):
        load_mnist(empty)
    with pytest.raises(FileNotFoundError, match="cifar10 python-version batches"):
        load_cifar(empty, subset="test")
    # the folder of another MNIST-format dataset is named in the error
    with pytest.raises(FileNotFoundError, match="skipped .*mnist: named after another"):
        load_mnist(home / "mnist", name="fashion-mnist")


def test_load_idx_damaged_or_misnamed_files(tmp_path):
    raw = _idx_bytes(np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28))
    packed = gzip.compress(raw)
    (tmp_path / "ok.gz").write_bytes(packed)
    assert load_idx(tmp_path / "ok.gz").shape == (2, 28, 28)
    (tmp_path / "truncated.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match="truncated.gz: truncated or damaged gzip file"):
        load_idx(tmp_path / "truncated.gz")
    crc = bytearray(packed)
    crc[-6] ^= 0xFF  # the CRC-32 of the trailer
    (tmp_path / "crc.gz").write_bytes(bytes(crc))
    with pytest.raises(ValueError, match="crc.gz: truncated or damaged gzip file"):
        load_idx(tmp_path / "crc.gz")
    (tmp_path / "plain.gz").write_bytes(raw)
    with pytest.raises(ValueError, match="plain.gz is not gzip-compressed"):
        load_idx(tmp_path / "plain.gz")
    (tmp_path / "packed").write_bytes(packed)
    with pytest.raises(ValueError, match="packed is not an IDX file.*gzip-compressed"):
        load_idx(tmp_path / "packed")
    # load_mnist passes the errors on
    d = tmp_path / "mnist"
    d.mkdir()
    (d / "train-images-idx3-ubyte.gz").write_bytes(packed[:-10])
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: truncated"):
        load_mnist(d)


def _cifar100_archive(tmp_path, members=("train", "test")):
    src = tmp_path / "src" / "cifar-100-python"
    src.mkdir(parents=True)
    for m in members:
        _write_batch(src / m, 2, 0, label_key=b"fine_labels")
    archive = tmp_path / "cifar-100-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src, arcname="cifar-100-python")
    return archive


def test_cifar_archive_errors(tmp_path):
    archive = _cifar100_archive(tmp_path, members=("train",))
    # the archive itself may be given as data_dir
    assert load_cifar(archive, name="cifar100")[0].shape == (2, 3, 32, 32)
    with pytest.raises(ValueError, match="no cifar-100-python/test in the archive"):
        load_cifar(tmp_path, name="cifar100", subset="test")
    raw = archive.read_bytes()
    archive.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="cifar-100-python.tar.gz: truncated, damaged"):
        load_cifar(tmp_path, name="cifar100")
    archive.write_bytes(b"not an archive")
    with pytest.raises(ValueError, match="not a .tar.gz archive"):
        load_cifar(archive, name="cifar100")


def test_load_npy_rejects_other_files_without_pickle_advice(tmp_path):
    np.save(tmp_path / "X.npy", np.ones((3, 2)))
    cases = {
        "text.npy": (b"hello, world", "not a .npy file"),
        "empty.npy": (b"", "not a .npy file"),
        "truncated.npy": ((tmp_path / "X.npy").read_bytes()[:-8], "damaged or truncated"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=message) as info:
            load_npy(tmp_path / name)
        assert name in str(info.value) and "allow_pickle" not in str(info.value)
    np.save(tmp_path / "obj.npy", np.array([{}, {}, {}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="obj.npy: holds Python objects") as info:
        load_npy(tmp_path / "X.npy", tmp_path / "obj.npy")
    assert "allow_pickle" not in str(info.value)
    np.savez(tmp_path / "a.npz", X=np.ones((3, 2)))
    with pytest.raises(ValueError, match="got an .npz archive"):
        load_npy(tmp_path / "a.npz")


@pytest.mark.parametrize("folder", ["fmnist", "FashionMNIST", "fashion_mnist"])
def test_fashion_mnist_under_its_other_folder_names(tmp_path, folder):
    # another name of the same dataset is no other dataset: the folder is used
    imgs = _write_mnist(tmp_path / folder)
    X, _ = load_mnist(tmp_path / folder, name="fashion-mnist")
    np.testing.assert_array_equal(X, imgs)
    with pytest.raises(FileNotFoundError, match="another dataset"):
        load_mnist(tmp_path / folder, name="mnist")


def test_misspelled_data_env_var_raises(tmp_path, monkeypatch):
    monkeypatch.setenv("SPIKENCG_DATA", str(tmp_path / "no-such-folder"))
    with pytest.raises(FileNotFoundError, match=r"\$SPIKENCG_DATA is set to .*no-such"):
        load_mnist()
    _write_mnist(tmp_path / "d")  # an explicit data_dir does not look at it
    assert load_mnist(tmp_path / "d")[0].shape == (2, 28, 28)
