"""numpy's float32 sums, bit for bit, in compiled code: the weight normalisation's sums.

numpy adds a contiguous float32 array pairwise, in float32: a run of more than 128
values is split in two halves (the first rounded down to a multiple of eight) summed
separately; a run of at most 128 values (a leaf) is summed in eight running sums, lane
``j`` holding the values ``j, j + 8, j + 16, ...`` of the multiples of eight, combined as
``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))``, then the remaining values are
added one by one (fewer than eight values: one by one from 0). The original framework
normalised its weights with these sums (``w * (target / np.abs(w).sum())``), so the
kernels compute exactly the same numbers.

The eight running sums are one 8-lane vector: the row passes below are written in LLVM
IR (numba leaves LLVM's SLP vectoriser off, and scalar code runs several times slower),
one call per row over all its leaves. The leaves depend only on the row length, and
every leaf but the last holds a multiple of eight values (halves are rounded down to
multiples of eight). :func:`pairwise_plan` lists them, with the additions that combine
their sums, once per length.
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
_M8 = ir.VectorType(_I32, 8)  # compare results as lanes of 0 / -1


def _rows_and_plan(mat, plan, out):
    return (isinstance(mat, types.Array) and mat.dtype == types.float32 and mat.ndim == 2
            and mat.layout == "C" and isinstance(plan, types.Array) and plan.dtype == types.int64
            and plan.ndim == 2 and isinstance(out, types.Array)
            and out.dtype == types.float32 and out.ndim == 1)


def _tree(builder, acc):
    """((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)) of an 8-lane vector."""
    r = [builder.extract_element(acc, ir.Constant(_I32, j)) for j in range(8)]
    left = builder.fadd(builder.fadd(r[0], r[1]), builder.fadd(r[2], r[3]))
    right = builder.fadd(builder.fadd(r[4], r[5]), builder.fadd(r[6], r[7]))
    return builder.fadd(left, right)


def _splat(builder, value):
    v = ir.Constant(_V8, [ir.Undefined] * 8)
    for j in range(8):
        v = builder.insert_element(v, value, ir.Constant(_I32, j))
    return v


def _leaf_passes(context, builder, signature, args, block):
    """Emit, for every leaf ``k`` of the plan (rows ``(lo, nb)``), the eight running
    sums of ``block(pointer)`` over its ``nb`` blocks of eight values of row ``r`` of
    ``mat``, their tree stored in ``out[k]``."""
    mat = context.make_array(signature.args[0])(context, builder, args[0])
    plan = context.make_array(signature.args[2])(context, builder, args[2])
    out = context.make_array(signature.args[3])(context, builder, args[3])
    n_cols = cgutils.unpack_tuple(builder, mat.shape)[1]
    row_data = builder.gep(mat.data, [builder.mul(args[1], n_cols)])
    n_leaves = cgutils.unpack_tuple(builder, plan.shape)[0]
    fabs = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_V8, [_V8]),
                                          "llvm.fabs.v8f32")
    acc = cgutils.alloca_once(builder, _V8)
    one = ir.Constant(_I64, 1)
    with cgutils.for_range(builder, n_leaves) as leaf:
        k2 = builder.mul(leaf.index, ir.Constant(_I64, 2))
        lo = builder.load(builder.gep(plan.data, [k2]))
        nb = builder.load(builder.gep(plan.data, [builder.add(k2, one)]))
        base = builder.gep(row_data, [lo])

        def pointer(b):
            p = builder.gep(base, [builder.mul(b, ir.Constant(_I64, 8))])
            return builder.bitcast(p, _V8.as_pointer())

        builder.store(builder.call(fabs, [block(pointer(ir.Constant(_I64, 0)))]), acc)
        with cgutils.for_range(builder, builder.sub(nb, one)) as loop:
            v = block(pointer(builder.add(loop.index, one)))
            builder.store(builder.fadd(builder.load(acc), builder.call(fabs, [v])), acc)
        builder.store(_tree(builder, builder.load(acc)), builder.gep(out.data, [leaf.index]))


@intrinsic
def _leaves_abs_sum(typingctx, mat, r, plan, out):
    """``out[k]`` = the eight-lane sum of ``|mat[r]|`` over the 8-blocks of leaf ``k``
    (``plan`` rows ``(lo, nb)``, ``nb >= 1``, one per leaf)."""
    if not _rows_and_plan(mat, plan, out):
        return None
    sig = types.void(mat, types.int64, plan, out)

    def codegen(context, builder, signature, args):
        _leaf_passes(context, builder, signature, args,
                     lambda p: builder.load(p, align=4))
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def _leaves_scale_abs_sum(typingctx, mat, r, plan, out, f, w_min, w_max):
    """As :func:`_leaves_abs_sum`, after multiplying each block by the float32 ``f`` in
    place; returns whether a new value lies outside ``[w_min, w_max]``."""
    if not _rows_and_plan(mat, plan, out):
        return None
    sig = types.boolean(mat, types.int64, plan, out, types.float32, types.float32,
                        types.float32)

    def codegen(context, builder, signature, args):
        fv, lo_b, hi_b = (_splat(builder, a) for a in args[4:7])
        bad = cgutils.alloca_once(builder, _M8)
        builder.store(ir.Constant(_M8, None), bad)

        def block(p):
            v = builder.fmul(builder.load(p, align=4), fv)
            builder.store(v, p, align=4)
            outside = builder.or_(builder.fcmp_ordered("<", v, lo_b),
                                  builder.fcmp_ordered(">", v, hi_b))
            builder.store(builder.or_(builder.load(bad), builder.sext(outside, _M8)), bad)
            return v

        _leaf_passes(context, builder, signature, args, block)
        return builder.icmp_unsigned("!=", builder.bitcast(builder.load(bad), ir.IntType(256)),
                                     ir.Constant(ir.IntType(256), 0))

    return sig, codegen


@njit(cache=True, nogil=True)
def pairwise_plan(n):
    """How numpy sums ``n`` contiguous float32 values (``n >= 8``).

    Returns
    -------
    leaves : ndarray of shape (n_leaves, 2), int64
        Each leaf's first value and number of 8-blocks, in order; the last leaf's
        ``n % 8`` remaining values come after its blocks.
    pairs : ndarray of shape (n_leaves - 1, 2), int64
        The additions, in order: addition ``j`` adds partial sums ``pairs[j]`` (ids
        ``0 .. n_leaves - 1`` for the leaves, ``n_leaves + i`` for addition ``i``); the
        last one is the total.
    """
    cap = n // 64 + 2
    leaves = np.zeros((cap, 2), np.int64)
    pairs = np.zeros((cap, 2), np.int64)
    st_lo = np.empty(130, np.int64)  # depth-first stack (the tree is < 60 levels deep)
    st_n = np.empty(130, np.int64)
    st_v = np.empty(130, np.bool_)
    ids = np.empty(130, np.int64)  # ids of the partial sums held
    st_lo[0], st_n[0], st_v[0] = 0, n, False
    sp = 1
    held = 0
    n_leaves = 0
    n_pairs = 0
    while sp > 0:
        sp -= 1
        lo, m, visited = st_lo[sp], st_n[sp], st_v[sp]
        if m <= 128:
            leaves[n_leaves, 0], leaves[n_leaves, 1] = lo, m // 8
            ids[held] = n_leaves
            held += 1
            n_leaves += 1
        elif visited:
            pairs[n_pairs, 0], pairs[n_pairs, 1] = ids[held - 2], ids[held - 1]
            held -= 1
            ids[held - 1] = -1 - n_pairs  # additions' ids, renumbered below
            n_pairs += 1
        else:
            m2 = m // 2
            m2 -= m2 % 8
            st_lo[sp], st_n[sp], st_v[sp] = lo, m, True
            st_lo[sp + 1], st_n[sp + 1], st_v[sp + 1] = lo + m2, m - m2, False
            st_lo[sp + 2], st_n[sp + 2], st_v[sp + 2] = lo, m2, False
            sp += 3
    for j in range(n_pairs):
        for c in range(2):
            if pairs[j, c] < 0:
                pairs[j, c] = n_leaves - 1 - pairs[j, c]
    return leaves[:n_leaves], pairs[:n_pairs]


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _combine(mat, r, leaves, pairs, part):
    """The total from the leaves' sums in ``part`` (the last leaf's remaining values
    of row ``r`` added to its sum first, one by one)."""
    n_leaves = leaves.shape[0]
    last = n_leaves - 1
    for i in range(leaves[last, 0] + 8 * leaves[last, 1], mat.shape[1]):
        part[last] += abs(mat[r, i])
    for j in range(pairs.shape[0]):
        part[n_leaves + j] = part[pairs[j, 0]] + part[pairs[j, 1]]
    return part[n_leaves + pairs.shape[0] - 1] if pairs.shape[0] else part[last]


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def abs_sum_f32(mat, r, leaves, pairs, part):
    """``sum |mat[r]|`` of row ``r`` of a C-contiguous float32 matrix, bit for bit as
    numpy computes ``np.abs(mat[r]).sum()``.

    The row is addressed by its index, not as a view: a view costs two atomic
    reference-count updates, more than a short row's sum. ``leaves`` and ``pairs`` come
    from :func:`pairwise_plan` for the row length (for rows of at least 8 values);
    ``part`` is float32 scratch of ``2 * n_leaves - 1`` values.
    """
    n = mat.shape[1]
    if n < 8:
        t = np.float32(0.0)
        for i in range(n):
            t += abs(mat[r, i])
        return t
    _leaves_abs_sum(mat, np.int64(r), leaves, part)
    return _combine(mat, r, leaves, pairs, part)


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def scale_abs_sum_f32(mat, r, f, w_min, w_max, leaves, pairs, part):
    """Multiply row ``r`` of ``mat`` by the float32 ``f`` in place (each product
    rounded to float32) and return numpy's ``np.abs(mat[r]).sum()`` of the result and
    whether a value of it lies outside ``[w_min, w_max]`` (float32 bounds), in one pass
    (see :func:`abs_sum_f32`)."""
    lo_b = np.float32(w_min)
    hi_b = np.float32(w_max)
    n = mat.shape[1]
    tail = 0 if n < 8 else leaves[-1, 0] + 8 * leaves[-1, 1]
    out = False
    for i in range(tail, n):  # the values after the last leaf's blocks
        v = mat[r, i] * f
        mat[r, i] = v
        out = out or v < lo_b or v > hi_b
    if n < 8:
        t = np.float32(0.0)
        for i in range(n):
            t += abs(mat[r, i])
        return t, out
    out = _leaves_scale_abs_sum(mat, np.int64(r), leaves, part, f, lo_b, hi_b) or out
    return _combine(mat, r, leaves, pairs, part), out
