"""numba's ``njit`` for the kernels, falling back to no disk cache where none can be written.

``numba.njit(cache=True)`` raises ``RuntimeError: cannot cache function ...: no locator
available`` when it finds no writable folder for its cache: neither the kernels'
``__pycache__`` folder, nor ``$NUMBA_CACHE_DIR``, nor the user's cache folder (a read-only
installation used by another user, on a shared cluster or in a container). The kernels
then compile without a disk cache, in every new process, after one warning; a temporary
folder is not used instead, because numba's cache files are pickles that another user of
a shared folder could replace.
"""

import warnings

import numba

__all__ = ["njit"]

# False once numba has found no cache folder: the other kernels are compiled without
# trying again (and without a second warning)
_cache_usable = True


def _warn_no_cache(exc):
    warnings.warn(
        "spikencg: numba cannot cache the compiled kernels on disk: no writable folder "
        f"for its cache ({exc}). They are compiled again in every new process (about "
        "30 s on 2 cores). Set NUMBA_CACHE_DIR to a writable folder to keep them.",
        UserWarning,
        stacklevel=4,
    )


def njit(*args, cache=False, **options):
    """:func:`numba.njit`, whose ``cache=True`` compiles without a disk cache (after one
    warning) when numba has no writable cache folder, instead of raising.

    Parameters
    ----------
    *args
        A function to compile (as ``@njit``), or nothing (as ``@njit(...)``).
    cache : bool, default=False
        Cache the compiled code on disk when possible.
    **options
        Other options of :func:`numba.njit`.

    Returns
    -------
    dispatcher or decorator
        The compiled function, or a decorator that makes it.
    """

    def decorate(func):
        global _cache_usable
        if cache and _cache_usable:
            try:
                return numba.njit(cache=True, **options)(func)
            except RuntimeError as exc:
                if "no locator available" not in str(exc):
                    raise
                _cache_usable = False
                _warn_no_cache(exc)
        return numba.njit(**options)(func)

    if len(args) == 1 and callable(args[0]):
        return decorate(args[0])
    if args:
        raise TypeError("njit takes a function to compile, or keyword options only.")
    return decorate
