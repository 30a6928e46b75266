"""numpy's float32 sums, bit for bit, in compiled code: the weight normalisation's sums.

numpy adds a contiguous float32 array pairwise, in float32: a run of more than 128
values is split in two halves (the first rounded down to a multiple of eight) summed
separately; a run of at most 128 values (a leaf) is summed in eight running sums, lane
``j`` holding the values ``j, j + 8, j + 16, ...`` of the multiples of eight, combined as
``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))``, then the remaining values are
added one by one. The original framework normalised its weights with these sums
(``w * (target / np.abs(w).sum())``), so the kernels compute exactly the same numbers.

The eight running sums are one 8-lane vector: the helpers below write that loop in LLVM
IR (numba leaves LLVM's SLP vectoriser off, and scalar code runs several times slower).
A leaf's structure depends only on the row length, so :func:`pairwise_plan` lists the
leaves and their combination once per length; :func:`abs_sum_f32` and
:func:`scale_abs_sum_f32` follow it. (numba does not cache recursive functions safely,
hence a program rather than a recursion.)
"""

import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from ._jit import njit

__all__ = ["pairwise_plan", "abs_sum_f32", "scale_abs_sum_f32"]

_I32 = ir.IntType(32)
_I64 = ir.IntType(64)
_F32 = ir.FloatType()
_V8 = ir.VectorType(_F32, 8)


def _is_f32_vector(row):
    return isinstance(row, types.Array) and row.dtype == types.float32 and row.ndim == 1


def _vector_fn(builder, name):
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(_V8, [_V8]),
                                          f"llvm.{name}.v8f32")


def _tree(builder, acc):
    """((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)) of an 8-lane vector."""
    r = [builder.extract_element(acc, ir.Constant(_I32, j)) for j in range(8)]
    left = builder.fadd(builder.fadd(r[0], r[1]), builder.fadd(r[2], r[3]))
    right = builder.fadd(builder.fadd(r[4], r[5]), builder.fadd(r[6], r[7]))
    return builder.fadd(left, right)


def _block_pointer(builder, base, k):
    p = builder.gep(base, [builder.mul(k, ir.Constant(_I64, 8))])
    return builder.bitcast(p, _V8.as_pointer())


@intrinsic
def _lanes_abs_sum(typingctx, row, lo, nb):
    """Leaf sum of ``|row[lo:lo + 8 * nb]|`` (``nb >= 1``): eight running float32 sums,
    combined as a tree."""
    if not _is_f32_vector(row):
        return None
    sig = types.float32(row, types.int64, types.int64)

    def codegen(context, builder, signature, args):
        arr = context.make_array(signature.args[0])(context, builder, args[0])
        base = builder.gep(arr.data, [args[1]])
        fabs = _vector_fn(builder, "fabs")
        acc = cgutils.alloca_once(builder, _V8)
        first = builder.load(_block_pointer(builder, base, ir.Constant(_I64, 0)), align=4)
        builder.store(builder.call(fabs, [first]), acc)
        one = ir.Constant(_I64, 1)
        with cgutils.for_range(builder, builder.sub(args[2], one)) as loop:
            v = builder.load(_block_pointer(builder, base, builder.add(loop.index, one)),
                             align=4)
            builder.store(builder.fadd(builder.load(acc), builder.call(fabs, [v])), acc)
        return _tree(builder, builder.load(acc))

    return sig, codegen


@intrinsic
def _lanes_scale_abs_sum(typingctx, row, lo, nb, f, w_min, w_max):
    """Multiply ``row[lo:lo + 8 * nb]`` (``nb >= 1``) by the float32 ``f`` in place;
    return the leaf sum of the new ``|values|`` and whether one of them lies outside
    ``[w_min, w_max]``."""
    if not _is_f32_vector(row):
        return None
    ret = types.Tuple((types.float32, types.boolean))
    sig = ret(row, types.int64, types.int64, types.float32, types.float32, types.float32)

    def splat(builder, value):
        v = ir.Constant(_V8, [ir.Undefined] * 8)
        for j in range(8):
            v = builder.insert_element(v, value, ir.Constant(_I32, j))
        return v

    def codegen(context, builder, signature, args):
        arr = context.make_array(signature.args[0])(context, builder, args[0])
        base = builder.gep(arr.data, [args[1]])
        fabs = _vector_fn(builder, "fabs")
        fv, lo_b, hi_b = (splat(builder, a) for a in args[3:6])
        mask_t = ir.VectorType(_I32, 8)  # compare results as lanes of 0 / -1
        acc = cgutils.alloca_once(builder, _V8)
        out = cgutils.alloca_once(builder, mask_t)

        def scaled(k):
            p = _block_pointer(builder, base, k)
            v = builder.fmul(builder.load(p, align=4), fv)
            builder.store(v, p, align=4)
            bad = builder.or_(builder.fcmp_ordered("<", v, lo_b),
                              builder.fcmp_ordered(">", v, hi_b))
            return v, builder.sext(bad, mask_t)

        v0, bad0 = scaled(ir.Constant(_I64, 0))
        builder.store(builder.call(fabs, [v0]), acc)
        builder.store(bad0, out)
        one = ir.Constant(_I64, 1)
        with cgutils.for_range(builder, builder.sub(args[2], one)) as loop:
            v, bad = scaled(builder.add(loop.index, one))
            builder.store(builder.fadd(builder.load(acc), builder.call(fabs, [v])), acc)
            builder.store(builder.or_(builder.load(out), bad), out)
        any_bad = builder.icmp_unsigned(
            "!=", builder.bitcast(builder.load(out), ir.IntType(256)),
            ir.Constant(ir.IntType(256), 0))
        vals = [_tree(builder, builder.load(acc)), any_bad]
        return context.make_tuple(builder, ret, vals)

    return sig, codegen


@njit(cache=True, nogil=True)
def pairwise_plan(n):
    """How numpy sums ``n`` contiguous float32 values, as a program for
    :func:`abs_sum_f32` and :func:`scale_abs_sum_f32`.

    The plan lists numpy's tree in post-order: rows ``(0, lo, m)`` (a leaf: push the sum
    of ``m`` values from ``lo``) and ``(1, 0, 0)`` (pop two partial sums, push their
    float32 sum).

    Returns
    -------
    plan : ndarray of shape (n_ops, 3), int64
    depth : int
        Largest number of partial sums held at once (the size of the ``part`` scratch
        array the sums need).
    """
    cap = 2 * (n // 64) + 3
    plan = np.zeros((cap, 3), np.int64)
    st_lo = np.empty(130, np.int64)  # the tree is at most about 60 levels deep
    st_n = np.empty(130, np.int64)
    st_v = np.empty(130, np.bool_)
    st_lo[0], st_n[0], st_v[0] = 0, n, False
    sp = 1
    k = 0
    held = 0
    depth = 1
    while sp > 0:
        sp -= 1
        lo, m, visited = st_lo[sp], st_n[sp], st_v[sp]
        if m <= 128:
            plan[k, 0], plan[k, 1], plan[k, 2] = 0, lo, m
            held += 1
            depth = max(depth, held)
        elif visited:
            plan[k, 0] = 1
            held -= 1
        else:
            m2 = m // 2
            m2 -= m2 % 8
            st_lo[sp], st_n[sp], st_v[sp] = lo, m, True
            st_lo[sp + 1], st_n[sp + 1], st_v[sp + 1] = lo + m2, m - m2, False
            st_lo[sp + 2], st_n[sp + 2], st_v[sp + 2] = lo, m2, False
            sp += 3
            continue
        k += 1
    return plan[:k], depth


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _leaf_abs_sum(row, lo, n):
    """numpy's sum of ``|row[lo:lo + n]|`` for ``n <= 128``."""
    if n < 8:
        r = np.float32(0.0)
        for i in range(lo, lo + n):
            r += abs(row[i])
        return r
    nb = n // 8
    r = _lanes_abs_sum(row, lo, nb)
    for i in range(lo + 8 * nb, lo + n):
        r += abs(row[i])
    return r


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def abs_sum_f32(row, plan, part):
    """``sum |row|`` of a contiguous float32 row, bit for bit as numpy computes
    ``np.abs(row).sum()``.

    ``plan`` comes from :func:`pairwise_plan` for ``row``'s length; ``part`` is float32
    scratch of its depth.
    """
    sp = 0
    for k in range(plan.shape[0]):
        if plan[k, 0] == 0:
            part[sp] = _leaf_abs_sum(row, plan[k, 1], plan[k, 2])
            sp += 1
        else:
            part[sp - 2] = part[sp - 2] + part[sp - 1]
            sp -= 1
    return part[0]


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def scale_abs_sum_f32(row, f, w_min, w_max, plan, part):
    """Multiply ``row`` by the float32 ``f`` in place (each product rounded to float32),
    and return numpy's ``np.abs(row).sum()`` of the result and whether a value of it
    lies outside ``[w_min, w_max]`` (float32 bounds), in one pass (see
    :func:`abs_sum_f32`)."""
    sp = 0
    lo_b = np.float32(w_min)
    hi_b = np.float32(w_max)
    out = False
    for k in range(plan.shape[0]):
        if plan[k, 0] == 1:
            part[sp - 2] = part[sp - 2] + part[sp - 1]
            sp -= 1
            continue
        lo = plan[k, 1]
        n = plan[k, 2]
        nb = n // 8
        r = np.float32(0.0)
        if nb > 0:
            r, bad = _lanes_scale_abs_sum(row, lo, nb, f, lo_b, hi_b)
            out = out or bad
        for i in range(lo + 8 * nb, lo + n):
            v = row[i] * f
            row[i] = v
            r += abs(v)
            out = out or v < lo_b or v > hi_b
        part[sp] = r
        sp += 1
    return part[0], out
