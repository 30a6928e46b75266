"""NumPy ``.npy`` and ``.npz`` files read and written without pickle.

The package's internal interface to NumPy files, shared by the spike-list files
(:mod:`spikencg.spikes`), the feature files (:mod:`spikencg.features`), the dataset
readers (:mod:`spikencg.datasets`) and the command line: headers are read before the
data, so that a damaged file that announces more data than it holds, or an array of
Python objects (which only pickle could read), is refused with a clear message.
"""

import contextlib
import math
import os
import struct
import tokenize
import zipfile
import zlib

import numpy as np

__all__ = [
    "DAMAGED_NUMPY_FILE",
    "NPY_MAGIC",
    "array_summary",
    "check_entry_size",
    "check_file_path",
    "check_npy_size",
    "labels_to_store",
    "npy_header",
    "numpy_file_kind",
    "open_npz",
    "reason",
]

# the first bytes of a .npy file and of an .npz archive (a zip file, possibly empty)
NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# what NumPy, zipfile and zlib raise on reading a damaged or truncated .npy/.npz file
# (once the file is open: an OSError then means a bad offset, a TokenError a bad header)
DAMAGED_NUMPY_FILE = (ValueError, EOFError, OSError, zipfile.BadZipFile, zlib.error,
                      NotImplementedError, struct.error, OverflowError, tokenize.TokenError)


def reason(exc):
    """First line of an exception's message.

    NumPy's further lines advise options (``allow_pickle``, ``max_header_size``) that
    the readers do not offer.

    Parameters
    ----------
    exc : BaseException
        The exception raised on reading a file.

    Returns
    -------
    text : str
        The first line of its message, or its type's name when it has none.
    """
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def numpy_file_kind(head):
    """Tell a ``.npy`` file from an ``.npz`` archive by its first bytes.

    Parameters
    ----------
    head : bytes
        The first 6 bytes of the file (fewer for a shorter file).

    Returns
    -------
    kind : {"npy", "npz"} or None
        None for anything else.
    """
    if head.startswith(NPY_MAGIC):
        return "npy"
    if head.startswith(_ZIP_MAGICS):
        return "npz"
    return None


def npy_header(stream):
    """Read the header of the ``.npy`` data at the start of ``stream``.

    Reads the header only: arrays of pickled objects can be refused with a message of
    our own instead of NumPy's advice to pass ``allow_pickle``, and a header that
    announces more data than the file holds before NumPy allocates it
    (:func:`check_npy_size`).

    Parameters
    ----------
    stream : binary file object
        Positioned at the start of the ``.npy`` data; left after the header.

    Returns
    -------
    header : tuple of (tuple of int, numpy.dtype) or None
        ``(shape, dtype)`` announced by the header; None when it is not a readable
        header.
    """
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version in ((2, 0), (3, 0)):
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            return None
    except DAMAGED_NUMPY_FILE:
        return None
    return shape, dtype


def check_npy_size(header, n_bytes, where):
    """Refuse a ``.npy`` header that announces more data than its file holds.

    Reading such an array would ask for that much memory first (a damaged header
    announcing 10**12 values ended in a MemoryError).

    Parameters
    ----------
    header : tuple of (tuple of int, numpy.dtype) or None
        What :func:`npy_header` returned (None: nothing is checked).
    n_bytes : int
        The bytes that the file, or the archive entry, holds after its header.
    where : str
        The file (and entry) named in the message.

    Raises
    ------
    ValueError
        If the header announces more than ``n_bytes`` bytes.
    """
    if header is None:
        return
    shape, dtype = header
    if dtype.hasobject:
        return  # (refused by the callers, with their message)
    need = math.prod(shape) * dtype.itemsize
    if need > n_bytes:
        raise ValueError(
            f"{where}: damaged or truncated file: its header announces an array of shape "
            f"{shape} and dtype {dtype} ({need} bytes), but it holds {n_bytes} bytes."
        )


def check_entry_size(archive, key, where):
    """Refuse an entry of an open ``.npz`` archive that announces more data than it holds.

    Parameters
    ----------
    archive : numpy.lib.npyio.NpzFile
        The open archive.
    key : str
        The entry's name (with or without ``.npy``); an absent entry is not checked.
    where : str
        The file and entry named in the message.

    Returns
    -------
    header : tuple of (tuple of int, numpy.dtype) or None
        The entry's header (see :func:`npy_header`); None when the entry is absent or
        its header cannot be read.

    Raises
    ------
    ValueError
        If the header announces more data than the entry holds.
    """
    names = archive.zip.namelist()
    member = key + ".npy" if key + ".npy" in names else key
    try:
        size = archive.zip.getinfo(member).file_size
        with archive.zip.open(member) as stream:
            header = npy_header(stream)
            offset = stream.tell()
    except DAMAGED_NUMPY_FILE + (KeyError,):
        return None
    check_npy_size(header, size - offset, where)
    return header


def check_file_path(path, example):
    """Refuse a destination of :func:`numpy.savez` that names a folder.

    ``"some/dir/"`` would write the hidden file ``some/dir/.npz``.

    Parameters
    ----------
    path : str, bytes, path-like or file-like object
        The destination (a file object is not checked).
    example : str
        A file name suggested in the message (``"spikes.npz"``).

    Raises
    ------
    ValueError
        If ``path`` ends with a separator, is an existing folder or is empty.
    """
    if not isinstance(path, (str, bytes, os.PathLike)):
        return  # a file object
    text = os.fsdecode(path)
    seps = tuple(sep for sep in (os.sep, os.altsep) if sep)
    if text.endswith(seps) or os.path.isdir(text) or text == "":
        raise ValueError(
            f"path {text!r} names a folder, not a file; give the file to write, e.g. "
            f"{os.path.join(text, example)!r}."
        )


def labels_to_store(y, n_samples):
    """Labels as an array that :func:`numpy.savez` stores without pickle.

    Parameters
    ----------
    y : array-like of shape (n_samples, ...)
        Labels of any dtype NumPy stores without objects; an object array of strings
        becomes a unicode array.
    n_samples : int
        The number of samples the labels belong to.

    Returns
    -------
    y : ndarray
        The labels to store.

    Raises
    ------
    ValueError
        If ``y`` holds objects other than strings, or has not one label per sample.
    """
    y = np.asarray(y)
    if y.dtype.hasobject:
        if y.dtype == object and all(isinstance(v, str) for v in y.ravel()):
            y = y.astype(str)
        else:
            raise ValueError(
                f"y has dtype {y.dtype} holding non-string objects, which cannot be "
                "saved without pickle; convert the labels to numbers or strings."
            )
    if y.ndim == 0 or y.shape[0] != n_samples:
        raise ValueError(
            f"y has shape {y.shape}, but X has {n_samples} samples; y must have one "
            "label per sample."
        )
    return y


def _describe(path):
    """The quoted name of ``path`` (a path or a file object) for error messages."""
    if isinstance(path, (str, bytes, os.PathLike)):
        return repr(os.fspath(path))
    name = getattr(path, "name", None)
    return repr(name) if isinstance(name, str) else "the given file object"


def array_summary(a):
    """A short description of an array entry (never its possibly huge contents).

    Parameters
    ----------
    a : ndarray
        An entry read from a file.

    Returns
    -------
    text : str
        ``"an array of dtype ... and shape ..."``.
    """
    return f"an array of dtype {a.dtype} and shape {a.shape}"


def _entry(archive, key, name, corrupt):
    """The entry ``key`` of an open spikencg archive, after the checks of its header."""
    header = check_entry_size(archive, key, f"{name}: entry {key!r}")
    try:
        value = archive[key]
    except DAMAGED_NUMPY_FILE as exc:
        dtype = None if header is None else header[1]
        if dtype is not None and dtype.hasobject:
            raise ValueError(
                f"{name}: entry {key!r} holds Python objects (dtype {dtype}), which "
                "are refused because reading them would unpickle the file."
            ) from None
        raise ValueError(
            f"{name}: damaged or truncated file: cannot read its entry {key!r} "
            f"({reason(exc)})."
        ) from exc
    if not isinstance(value, np.ndarray):
        raise ValueError(f"{corrupt}: its entry {key!r} is not a NumPy array.")
    return value


def open_npz(path, format_name, what, writer, *, version, required=()):
    """Read all entries of a spikencg ``.npz`` file, never unpickling.

    Checks, before reading the other entries, that the file is an ``.npz`` archive whose
    ``spikencg_format`` entry is ``format_name`` and whose ``format_version`` entry is
    ``version``, then that the ``required`` entries are present.

    Parameters
    ----------
    path : str, path-like or file-like object
        The file (a file object is read from its position, as :func:`numpy.load` does).
    format_name : str
        The expected ``spikencg_format`` entry (``"spikencg.spikes"``, ...).
    what : str
        The kind of file in the messages (``"spike"``, ``"feature"``).
    writer : str
        The function that writes such files, named in the messages.
    version : int
        The format version this reader reads.
    required : tuple of str, default=()
        Entries that must be present.

    Returns
    -------
    entries : dict of str to ndarray
        Every entry of the archive (the archive is closed).
    corrupt : str
        The prefix of the caller's messages for inconsistent entries
        (``"'name.npz': corrupt spikencg <what> file"``).

    Raises
    ------
    FileNotFoundError
        If ``path`` is a path to no file.
    ValueError
        If the file is not such an archive, is damaged or truncated, holds Python
        objects, or has another format version or missing entries.
    """
    name = _describe(path)
    not_ours = f"{name} is not a spikencg {what} file (write one with {writer})"
    corrupt = f"{name}: corrupt spikencg {what} file"
    if isinstance(path, (str, bytes, os.PathLike)) and not os.path.isfile(path):
        hint = ""
        if isinstance(path, (str, os.PathLike)) and os.path.isfile(f"{os.fspath(path)}.npz"):
            hint = f" (did you mean {os.fspath(path)}.npz? {writer} appends '.npz')"
        raise FileNotFoundError(f"{what} file not found: {os.fspath(path)!s}{hint}")

    with contextlib.ExitStack() as stack:
        # opened here, not by numpy.load, which leaves the file open when the zip
        # directory is damaged
        fid = path if hasattr(path, "read") else stack.enter_context(open(path, "rb"))
        start = fid.tell()  # a file object is read from its position, as numpy.load does
        head = fid.read(6)
        fid.seek(start)
        kind = numpy_file_kind(head)
        if kind == "npy":
            raise ValueError(f"{not_ours}: it holds a single array, not an .npz archive.")
        if kind is None:
            raise ValueError(
                f"{not_ours}: it is {'empty' if not head else 'not a NumPy .npz archive'}."
            )
        try:
            archive = stack.enter_context(np.load(fid, allow_pickle=False))
        except DAMAGED_NUMPY_FILE as exc:
            raise ValueError(
                f"{name}: damaged or truncated .npz archive ({reason(exc)})."
            ) from exc
        if "spikencg_format" not in archive.files:
            raise ValueError(f"{not_ours}: it has no 'spikencg_format' entry.")
        marker = _entry(archive, "spikencg_format", name, corrupt)
        if marker.ndim != 0 or marker.dtype.kind != "U" or str(marker) != format_name:
            raise ValueError(
                f"{not_ours}: its 'spikencg_format' entry is not {format_name!r}."
            )
        if "format_version" not in archive.files:
            raise ValueError(f"{corrupt}: it has no 'format_version' entry.")
        found = _entry(archive, "format_version", name, corrupt)
        if found.ndim != 0 or found.dtype.kind not in "iu":
            raise ValueError(
                f"{corrupt}: 'format_version' must be an integer, got "
                f"{array_summary(found)}."
            )
        if int(found) != version:
            raise ValueError(
                f"{name} is a spikencg {what} file of format version {int(found)}; this "
                f"version of spikencg reads format version {version}."
            )
        missing = set(required) - set(archive.files)
        if missing:
            raise ValueError(f"{corrupt}: missing entries {sorted(missing)}.")
        entries = {key: _entry(archive, key, name, corrupt) for key in archive.files}
    return entries, corrupt
