"""Readers for the standard dataset files."""

import gzip
import os
from pathlib import Path

import numpy as np

__all__ = ["load_idx", "load_mnist"]

_IDX_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def load_idx(path):
    """Read an IDX file (the MNIST distribution format), gzip-compressed or not.

    Parameters
    ----------
    path : str or path-like
        File to read; a name ending in ``.gz`` is decompressed.

    Returns
    -------
    array : ndarray
        The stored array, with the shape given in the file's header.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is not a valid IDX file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number).")
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header.")
    shape = tuple(int.from_bytes(raw[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    count = int(np.prod(shape)) if shape else 1
    if len(raw) - header != count * dtype.itemsize:
        raise ValueError(
            f"{path}: IDX header announces shape {shape} ({count * dtype.itemsize} bytes) "
            f"but the file holds {len(raw) - header} bytes of data."
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header, count=count).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _find_dir(name, data_dir):
    candidates = []
    if data_dir is not None:
        candidates += [Path(data_dir) / name, Path(data_dir)]
    env = os.environ.get("SPIKENCG_DATA")
    if env:
        candidates += [Path(env) / name, Path(env)]
    candidates += [Path.home() / "spikencg_data" / name, Path("..") / "shared" / "data" / name]
    for c in candidates:
        if (c / "train-images-idx3-ubyte.gz").is_file() or (
            c / "train-images-idx3-ubyte"
        ).is_file():
            return c
    raise FileNotFoundError(
        f"{name} IDX files not found; looked in: {', '.join(str(c) for c in candidates)}. "
        "Pass data_dir or set SPIKENCG_DATA."
    )


def load_mnist(data_dir=None, *, name="mnist", subset="train"):
    """Load MNIST or Fashion-MNIST from the standard IDX files.

    Parameters
    ----------
    data_dir : str or path-like, default=None
        Folder holding the files, or a folder containing a ``name`` sub-folder.
        None: ``$SPIKENCG_DATA``, then ``~/spikencg_data``, then ``../shared/data``.
    name : {"mnist", "fashion-mnist"}, default="mnist"
        Sub-folder name.
    subset : {"train", "test"}, default="train"
        Training (``train-*``) or test (``t10k-*``) files.

    Returns
    -------
    X : ndarray of shape (n_samples, 28, 28), uint8
        Images.
    y : ndarray of shape (n_samples,), uint8
        Labels.
    """
    if subset not in ("train", "test"):
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")
    folder = _find_dir(name, data_dir)
    prefix = "train" if subset == "train" else "t10k"

    def one(kind):
        for suffix in (".gz", ""):
            p = folder / f"{prefix}-{kind}{suffix}"
            if p.is_file():
                return load_idx(p)
        raise FileNotFoundError(f"{folder}/{prefix}-{kind}[.gz] not found.")

    X = one("images-idx3-ubyte")
    y = one("labels-idx1-ubyte")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{folder}: {X.shape[0]} images but {y.shape[0]} labels.")
    return X, y
