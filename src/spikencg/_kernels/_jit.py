"""numba's ``njit`` for the kernels (falling back to no disk cache where none can be
written), and borrowed array views that numba does not reference-count.

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
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

__all__ = ["njit", "borrow", "keep_alive"]

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


@intrinsic
def borrow(typingctx, arr):
    """A view of the array ``arr`` that numba does not reference-count.

    numba counts the references to an array's memory with atomic operations: every
    compiled helper that takes an array increments and decrements its count, and in a
    loop that calls helpers once per sample these atomic operations can cost more than
    the helpers' work. The borrowed view has no owner, so the helpers skip them. The
    caller must keep ``arr`` itself alive while the view is used (an argument of the
    calling function is; a local array must be used again after the last use of its
    view, e.g. passed to :func:`keep_alive`).
    """
    if not isinstance(arr, types.Array):
        return None

    def codegen(context, builder, signature, args):
        a = context.make_array(signature.args[0])(context, builder, args[0])
        a.meminfo = ir.Constant(a.meminfo.type, None)
        a.parent = ir.Constant(a.parent.type, None)
        return a._getvalue()

    return arr(arr), codegen


@intrinsic
def keep_alive(typingctx, owners):
    """Do nothing with ``owners`` (a tuple of arrays), so that numba keeps them alive
    until this call: place it after the last use of their :func:`borrow` views."""
    if not isinstance(owners, types.BaseTuple):
        return None

    def codegen(context, builder, signature, args):
        return context.get_dummy_value()

    return types.void(owners), codegen
