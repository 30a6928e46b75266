"""Readers for the standard dataset files."""

import gzip
import io
import math
import os
import pickle
import struct
import tarfile
import zlib
from pathlib import Path

import numpy as np

from ._npz import (
    DAMAGED_NUMPY_FILE,
    NPY_MAGIC,
    check_npy_size,
    npy_header,
    numpy_file_kind,
    reason,
)

__all__ = ["data_home", "load_cifar", "load_cifar_batch", "load_idx", "load_mnist", "load_npy"]

_IDX_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


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
        If the file is not a valid IDX file, or its name ends in ``.gz`` but it is not
        gzip-compressed or is truncated or damaged.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    with open(path, "rb") as f:
        compressed = f.read(2) == _GZIP_MAGIC
    if path.suffix == ".gz":
        if not compressed:
            raise ValueError(
                f"{path} is not gzip-compressed although its name ends in .gz (remove the "
                "suffix if it is an uncompressed IDX file)."
            )
        try:
            with gzip.open(path, "rb") as f:
                raw = f.read()
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise ValueError(f"{path}: truncated or damaged gzip file ({exc}).") from exc
    else:
        raw = path.read_bytes()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        hint = " It is gzip-compressed: name it *.gz." if compressed else ""
        raise ValueError(f"{path} is not an IDX file (bad magic number).{hint}")
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header.")
    shape = tuple(int.from_bytes(raw[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    count = math.prod(shape)  # (Python integers: a product of header values never wraps)
    if len(raw) - header != count * dtype.itemsize:
        raise ValueError(
            f"{path}: IDX header announces shape {shape} ({count * dtype.itemsize} bytes) "
            f"but the file holds {len(raw) - header} bytes of data."
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header, count=count).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def data_home(data_dir=None):
    """Folders searched for datasets, in order of priority.

    Parameters
    ----------
    data_dir : str or path-like, default=None
        Folder given by the caller. When given, it is the only folder searched: a
        misspelled folder raises instead of letting a dataset load from elsewhere.

    Returns
    -------
    folders : list of pathlib.Path
        ``[data_dir]`` when it is given; otherwise ``$SPIKENCG_DATA`` (when set), then
        ``~/spikencg_data`` and ``../shared/data`` (relative to the working directory).

    Raises
    ------
    FileNotFoundError
        If ``data_dir`` is given but is not an existing folder, or (``data_dir`` not
        given) ``$SPIKENCG_DATA`` is set to something else than an existing folder.
    """
    if data_dir is not None:
        folder = Path(data_dir)
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise FileNotFoundError(
                f"data_dir {what}: {folder}. Pass an existing folder, or leave data_dir "
                "unset to search $SPIKENCG_DATA, ~/spikencg_data and ../shared/data."
            )
        return [folder]
    roots = []
    env = os.environ.get("SPIKENCG_DATA")
    if env:
        if not Path(env).is_dir():
            # set on purpose, so a misspelling must not load data from elsewhere
            raise FileNotFoundError(
                f"$SPIKENCG_DATA is set to {env}, which is not an existing folder. Fix or "
                "unset it, or pass data_dir."
            )
        roots.append(Path(env))
    roots += [Path.home() / "spikencg_data", Path("..") / "shared" / "data"]
    return roots


# datasets stored in the same IDX files as MNIST, by the usual names of their folders
# (compared lower-cased, without "-" and "_")
_MNIST_DATASETS = {"mnist": "mnist", "fashionmnist": "fashion", "fmnist": "fashion",
                   "kmnist": "kmnist", "emnist": "emnist"}


def _mnist_dataset(folder_name):
    """The MNIST-format dataset a folder name stands for, or None (unknown name)."""
    return _MNIST_DATASETS.get(folder_name.lower().replace("-", "").replace("_", ""))


def _find_dir(name, data_dir, marker=("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"),
              what="IDX files"):
    candidates, skipped = [], []
    for root in data_home(data_dir):
        candidates += [root / name, root]
    wanted = _mnist_dataset(name)
    for c in candidates:
        found = _mnist_dataset(c.name)
        if found is not None and wanted is not None and found != wanted:
            # holds another dataset in the same format: MNIST is no Fashion-MNIST
            skipped.append(c)
            continue
        if any((c / m).is_file() for m in marker):
            return c
    looked = [str(c) for c in candidates if c not in skipped]
    note = (f" (skipped {', '.join(str(c) for c in skipped)}: named after another "
            "dataset of the same format)" if skipped else "")
    advice = (f"data_dir must hold the files or a '{name}' sub-folder" if data_dir is not None
              else "Pass data_dir or set SPIKENCG_DATA")
    raise FileNotFoundError(
        f"{name} {what} not found; looked in: {', '.join(looked)}{note}. {advice}."
    )


def _latin1_encode(text, encoding="latin1", errors="strict"):
    """``_codecs.encode`` restricted to latin-1 (how protocol-2 pickles store bytes)."""
    if str(encoding).lower().replace("_", "-") not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"refusing _codecs.encode with encoding {encoding!r}.")
    return str(text).encode("latin1", errors)


def _ndarray_reconstruct(cls, shape, dtype_code):
    """``numpy.core.multiarray._reconstruct`` restricted to plain ndarrays."""
    if cls is not np.ndarray:
        raise pickle.UnpicklingError("refusing to reconstruct a non-ndarray class.")
    return np.ndarray.__new__(np.ndarray, shape, dtype_code)


# The only globals a CIFAR batch may name: plain-array reconstruction and latin-1 bytes.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _ndarray_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _ndarray_reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickler for CIFAR batches: refuses every global except plain-array rebuilding.

    The batches are dicts of bytes, lists of ints and one uint8 array; nothing else is
    importable, so a crafted file cannot run code.
    """

    def find_class(self, module, name):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: a CIFAR batch holds only dicts, "
                "lists, bytes, numbers and uint8 arrays."
            ) from None


def _safe_unpickle(raw, source):
    try:
        obj = _RestrictedUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError,
            IndexError, KeyError, OverflowError, struct.error) as exc:
        # no foreign code runs here: these (an APPEND on a dict raises AttributeError,
        # ...) mean a damaged or foreign stream
        raise ValueError(f"{source}: not a CIFAR python-version batch ({exc}).") from exc
    if not isinstance(obj, dict):
        raise ValueError(f"{source}: not a CIFAR python-version batch (not a dict).")
    return {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in obj.items()}


def _batch_arrays(batch, source, label_key):
    if "data" not in batch:
        raise ValueError(f"{source}: no 'data' entry in the CIFAR batch.")
    keys = [label_key] if label_key else ["labels", "fine_labels"]
    key = next((k for k in keys if k in batch), None)
    if key is None:
        raise ValueError(f"{source}: no {' or '.join(repr(k) for k in keys)} entry.")
    data = batch["data"]
    if isinstance(data, (bytes, bytearray)):
        data = np.frombuffer(data, dtype=np.uint8)
    data = _integers(data, source, "'data'", 0, 255).astype(np.uint8)
    y = _integers(batch[key], source, repr(key), 0, np.iinfo(np.int64).max).astype(np.int64)
    if y.ndim != 1:
        raise ValueError(f"{source}: the {key!r} entry must be a list of labels, got an array "
                         f"of shape {y.shape}.")
    if data.size != y.shape[0] * 3072:
        raise ValueError(
            f"{source}: {data.size} bytes of images for {y.shape[0]} labels "
            "(expected 3072 per image)."
        )
    return data.reshape(y.shape[0], 3, 32, 32), y


def _integers(values, source, what, lo, hi):
    """``values`` (an entry of a CIFAR batch) as an integer array after checking that it
    holds integers in ``[lo, hi]``; a ValueError naming ``source`` otherwise."""
    try:
        a = np.asarray(values)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ValueError(f"{source}: not a CIFAR python-version batch: its {what} entry is "
                         f"not an array of integers ({reason(exc)}).") from None
    if a.dtype.kind not in "iu":
        raise ValueError(f"{source}: not a CIFAR python-version batch: its {what} entry "
                         f"must hold integers, got {a.dtype} values.")
    if a.size and (a.min() < lo or a.max() > hi):
        raise ValueError(f"{source}: not a CIFAR python-version batch: its {what} entry "
                         f"holds values outside [{lo}, {hi}] (from {a.min()} to {a.max()}).")
    return a


def load_cifar_batch(path, label_key=None):
    """Read one batch file of CIFAR-10/100 "python version", without running any code.

    The file is a pickled dict of plain values and one uint8 array; it is read
    (``encoding="bytes"``) with an unpickler that refuses every class or function
    reference except the rebuilding of a plain NumPy array and latin-1 byte strings, so a
    crafted file cannot execute code.

    Parameters
    ----------
    path : str or path-like
        Batch file (``data_batch_1``, ..., ``test_batch`` for CIFAR-10; ``train``,
        ``test`` for CIFAR-100).
    label_key : str, default=None
        Entry holding the labels. None: ``"labels"`` (CIFAR-10), else ``"fine_labels"``
        (CIFAR-100).

    Returns
    -------
    X : ndarray of shape (n_samples, 3, 32, 32), uint8
        Images, channel-first as stored.
    y : ndarray of shape (n_samples,), int64
        Labels.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is not a CIFAR batch (or references any Python class).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CIFAR batch not found: {path}")
    return _batch_arrays(_safe_unpickle(path.read_bytes(), path), path, label_key)


_CIFAR = {
    "cifar10": ("cifar-10-batches-py", [f"data_batch_{i}" for i in range(1, 6)],
                ["test_batch"], "labels", "cifar-10-python.tar.gz"),
    "cifar100": ("cifar-100-python", ["train"], ["test"], "fine_labels",
                 "cifar-100-python.tar.gz"),
}


def load_cifar(data_dir=None, *, name="cifar10", subset="train", label_key=None):
    """Load CIFAR-10 or CIFAR-100 from the "python version" distribution.

    Parameters
    ----------
    data_dir : str or path-like, default=None
        Folder holding the batch files; or a folder holding the extracted
        ``cifar-10-batches-py`` / ``cifar-100-python`` folder or the unextracted
        ``cifar-10-python.tar.gz`` / ``cifar-100-python.tar.gz`` archive (directly or in
        a ``name`` sub-folder); or the archive itself. When given, nothing else is
        searched. None: ``$SPIKENCG_DATA``, then ``~/spikencg_data``, then
        ``../shared/data`` (see :func:`data_home`).
    name : {"cifar10", "cifar100"}, default="cifar10"
        Dataset.
    subset : {"train", "test"}, default="train"
        Training batches (concatenated in order) or the test batch.
    label_key : str, default=None
        CIFAR-100: ``"fine_labels"`` (None) or ``"coarse_labels"``.

    Returns
    -------
    X : ndarray of shape (n_samples, 3, 32, 32), uint8
        Images.
    y : ndarray of shape (n_samples,), int64
        Labels.

    Raises
    ------
    FileNotFoundError
        If ``data_dir`` is given but does not exist, or the files are not found.
    ValueError
        For an invalid name or subset, a batch file that is not a CIFAR batch, or an
        archive that is damaged, truncated or lacks a batch.
    """
    if name not in _CIFAR:
        raise ValueError(f"name must be 'cifar10' or 'cifar100', got {name!r}.")
    if subset not in ("train", "test"):
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")
    folder, train, test, default_key, archive = _CIFAR[name]
    files = train if subset == "train" else test
    key = label_key or default_key
    if data_dir is not None and Path(data_dir).is_file():
        return _load_cifar_archive(Path(data_dir), folder, files, key)
    roots = data_home(data_dir)
    for root in roots:
        for c in (root / folder, root / name / folder, root / name, root):
            if all((c / f).is_file() for f in files):
                parts = [load_cifar_batch(c / f, key) for f in files]
                return (np.concatenate([p[0] for p in parts]),
                        np.concatenate([p[1] for p in parts]))
        for a in (root / archive, root / name / archive):
            if a.is_file():
                return _load_cifar_archive(a, folder, files, key)
    advice = ("data_dir must hold them, their folder or the archive" if data_dir is not None
              else "Pass data_dir or set SPIKENCG_DATA")
    raise FileNotFoundError(
        f"{name} python-version batches ({', '.join(files)}) or {archive} not found under "
        f"{', '.join(str(r) for r in roots)}. {advice}."
    )


def _load_cifar_archive(archive, folder, files, key):
    parts = []
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for f in files:
                name = f"{folder}/{f}"
                try:
                    member = tar.getmember(name)
                except KeyError:
                    raise ValueError(f"{archive}: no {name} in the archive.") from None
                if not member.isfile():
                    kind = ("a link" if member.issym() or member.islnk()
                            else "a folder" if member.isdir() else "not a regular file")
                    raise ValueError(f"{archive}: {name} is {kind} in the archive, not a "
                                     "batch file.")
                stream = tar.extractfile(member)
                if stream is None:
                    raise ValueError(f"{archive}: {name} is not a file in the archive.")
                source = f"{archive}:{name}"
                parts.append(_batch_arrays(_safe_unpickle(stream.read(), source), source,
                                           key))
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise ValueError(
            f"{archive}: truncated, damaged or not a .tar.gz archive ({exc})."
        ) from exc
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])




def load_npy(x_path, y_path=None):
    """Load a dataset stored as a pair of ``.npy`` files (samples and labels).

    Parameters
    ----------
    x_path : str or path-like
        ``.npy`` file of shape (n_samples, d1, ...). Never unpickled: files holding
        Python objects are refused.
    y_path : str or path-like, default=None
        ``.npy`` file of shape (n_samples,) with the labels; None: no labels.

    Returns
    -------
    X : ndarray of shape (n_samples, d1, ...)
        Samples.
    y : ndarray of shape (n_samples,) or None
        Labels.

    Raises
    ------
    FileNotFoundError
        If a file does not exist.
    ValueError
        If a file is not a ``.npy`` file (an ``.npz`` archive, any other file), is
        damaged or truncated, holds Python objects, or if the shapes are wrong or the
        numbers of samples and labels differ.
    """
    def one(p, what):
        p = Path(p)
        if not p.is_file():
            raise FileNotFoundError(f"{what} file not found: {p}")
        with open(p, "rb") as f:
            kind = numpy_file_kind(f.read(len(NPY_MAGIC)))
            f.seek(0)
            header = npy_header(f) if kind == "npy" else None
            dtype = None if header is None else header[1]
            if header is not None:
                check_npy_size(header, os.fstat(f.fileno()).st_size - f.tell(), p)
        if kind == "npz":
            raise ValueError(f"{p}: expected one .npy array, got an .npz archive.")
        if kind is None:
            raise ValueError(f"{p}: not a .npy file (it does not start with a NumPy header).")
        if dtype is not None and dtype.hasobject:
            raise ValueError(
                f"{p}: holds Python objects (dtype {dtype}), which are refused because "
                "reading them would unpickle the file; store numbers or strings."
            )
        try:
            return np.load(p, allow_pickle=False)
        except DAMAGED_NUMPY_FILE as exc:
            raise ValueError(f"{p}: damaged or truncated .npy file ({reason(exc)}).") from exc

    X = one(x_path, "data")
    if X.ndim < 2:
        raise ValueError(f"{x_path}: samples must have shape (n_samples, d1, ...), got {X.shape}.")
    if y_path is None:
        return X, None
    y = one(y_path, "label")
    if y.ndim != 1:
        raise ValueError(f"{y_path}: labels must have shape (n_samples,), got {y.shape}.")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{y_path} holds {y.shape[0]} labels but {x_path} holds {X.shape[0]} samples."
        )
    return X, y


def load_mnist(data_dir=None, *, name="mnist", subset="train"):
    """Load MNIST or Fashion-MNIST from the standard IDX files.

    Parameters
    ----------
    data_dir : str or path-like, default=None
        Folder holding the files, or a folder containing a ``name`` sub-folder. When
        given, nothing else is searched. None: ``$SPIKENCG_DATA``, then
        ``~/spikencg_data``, then ``../shared/data`` (see :func:`data_home`). A folder
        that holds the files itself is not taken when its name is that of another
        dataset of the same format (``mnist`` when ``name="fashion-mnist"``, and so on).
    name : {"mnist", "fashion-mnist"}, default="mnist"
        Sub-folder name (any other MNIST-format dataset's folder name works too).
    subset : {"train", "test"}, default="train"
        Training (``train-*``) or test (``t10k-*``) files.

    Returns
    -------
    X : ndarray of shape (n_samples, 28, 28), uint8
        Images.
    y : ndarray of shape (n_samples,), uint8
        Labels.

    Raises
    ------
    FileNotFoundError
        If the files are not found, or ``data_dir`` is given but does not exist.
    ValueError
        For an invalid subset, a file that is not a valid (gzip-compressed) IDX file, or
        numbers of images and labels that differ.
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
