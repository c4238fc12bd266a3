"""The matmul family beyond the plain products: addmm, addmv, addbmm, baddbmm, addr (``beta * input +
alpha * product``), einsum, tensordot, kron, inner, vdot, multi_dot, trace, linalg.cross, vecdot.

Factors are multiples of 1/2 in [-2, 2]: every product and sum is exact in float32 (and integers
exact), so results do not depend on the order of summation and numpy's float64 result is exact.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from .core import Domain, OpInfo, Sizes, doc

GRID = Domain(-2.0, 2.0, grid=0.5, integers=(-3, 3))
KINDS = ("float", "int")  # integral grid values: complex entries would need a grid of their own
REF_KINDS = ("float", "int")
SCALES = st.sampled_from([{}, {"beta": 2, "alpha": -1}, {"beta": 0, "alpha": 3}])


@st.composite
def _sides(draw, sizes: Sizes, count: int):
    return draw(sizes.sides(count, 1, 3), label="sides")


@st.composite
def _addmm(draw, sizes: Sizes, batch: str):
    """input broadcasting to the product's shape; mat1 (b, n, k) @ mat2 (b, k, m)."""
    n, k, m = draw(_sides(sizes, 3))
    b = (draw(st.integers(1, 3), label="batch"),) if batch != "none" else ()
    result = (b + (n, m)) if batch == "batched" else (n, m)
    input_shape = draw(st.sampled_from([result, result[-1:], (1,) * len(result)]), label="input shape")
    return (input_shape, b + (n, k), b + (k, m)), draw(SCALES, label="beta, alpha")


def _addmm_ref(batch):
    def ref(c, a, b, beta=1, alpha=1):
        product = a @ b
        if batch == "reduced":
            product = product.sum(0)
        return (beta * c if beta else 0) + alpha * product
    return ref


@st.composite
def _addmv(draw, sizes: Sizes):
    n, k = draw(_sides(sizes, 2))
    return (draw(st.sampled_from([(n,), (1,)]), label="input shape"), (n, k), (k,)), draw(SCALES, label="scales")


@st.composite
def _addr(draw, sizes: Sizes):
    n, m = draw(_sides(sizes, 2))
    return (draw(st.sampled_from([(n, m), (m,), (1, 1)]), label="input shape"), (n,), (m,)), draw(SCALES,
                                                                                                 label="scales")


def _addr_ref(c, u, v, beta=1, alpha=1):
    return (beta * c if beta else 0) + alpha * np.outer(u, v)


EINSUMS = [("ij,jk->ik", 2), ("bij,bjk->bik", 2), ("ii->i", 1), ("ij->", 1), ("i,i->", 2), ("i,j->ij", 2),
           ("ij,ij->ij", 2), ("...ij->...ji", 1), ("bn,anm,bm->ba", 3)]


@st.composite
def _einsum(draw, sizes: Sizes):
    """An equation from a list covering contraction, diagonal, trace, outer and ellipsis forms;
    each letter gets one size."""
    equation, count = draw(st.sampled_from(EINSUMS), label="equation")
    letters = sorted(set(equation) - set(",->."))
    side = dict(zip(letters, draw(sizes.sides(len(letters), 1, 3), label="letter sizes")))
    operands = equation.split("->")[0].split(",")
    shapes = []
    for term in operands:
        lead = (draw(st.integers(0, 2), label="ellipsis side"),) if "..." in term else ()
        shapes.append(lead + tuple(side[c] for c in term.replace("...", "")))
    return tuple(shapes), {"equation": equation}


def _einsum_call(*operands, equation):
    return torch.einsum(equation, *operands)


def _einsum_ref(*operands, equation):
    return np.einsum(equation, *operands)


@st.composite
def _tensordot(draw, sizes: Sizes):
    k = draw(st.integers(0, 2), label="contracted dims")
    contracted = tuple(draw(st.integers(1, 3), label="contracted side") for _ in range(k))
    a = tuple(draw(st.lists(st.integers(1, 3), max_size=2), label="free a"))
    b = tuple(draw(st.lists(st.integers(1, 3), max_size=2), label="free b"))
    return (a + contracted, contracted + b), {"dims": k}


@st.composite
def _kron(draw, sizes: Sizes):
    a = draw(sizes.shape(max_dims=3, max_numel=8), label="a")
    b = draw(sizes.shape(max_dims=3, max_numel=8), label="b")
    return (a, b), {}


@st.composite
def _inner(draw, sizes: Sizes):
    k = draw(st.integers(1, 3), label="k")
    a = tuple(draw(st.lists(st.integers(1, 3), max_size=2), label="a")) + (k,)
    b = tuple(draw(st.lists(st.integers(1, 3), max_size=2), label="b")) + (k,)
    return (a, b), {}


@st.composite
def _multi_dot(draw, sizes: Sizes):
    count = draw(st.integers(2, 4), label="matrices")
    sides = draw(sizes.sides(count + 1, 1, 3), label="sides")
    shapes = [(sides[i], sides[i + 1]) for i in range(count)]
    if draw(st.booleans(), label="first is a vector"):
        shapes[0] = shapes[0][1:]
    if draw(st.booleans(), label="last is a vector"):
        shapes[-1] = shapes[-1][:1]
    return tuple(shapes), {}


def _multi_dot_ref(*arrays):
    return np.linalg.multi_dot(arrays)


@st.composite
def _cross(draw, sizes: Sizes):
    batch = draw(sizes.shape(max_dims=2, max_numel=6), label="batch")
    dim = draw(st.integers(0, len(batch)), label="dim")
    shape = batch[:dim] + (3,) + batch[dim:]
    return (shape, shape), {"dim": dim - len(shape) if draw(st.booleans(), label="negative dim") else dim}


@st.composite
def _vecdot(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=1, max_numel=12), label="shape")
    dim = draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    return (shape, shape), {"dim": dim}


def _product(name, arguments, ref, function=None, method=None, kinds=KINDS, **extra):
    return OpInfo(name, doc(function or f"torch.{name}"), arguments, function=function or f"torch.{name}",
                  method=method, kinds=kinds, domains=(GRID,), ref=ref, ref_kinds=REF_KINDS, grad=2,
                  zero_dim=False, **extra)


OPS = [
    _product("addmm", lambda sizes: _addmm(sizes, "none"), _addmm_ref("none"), method="addmm", inplace=None,
             out=True),
    _product("baddbmm", lambda sizes: _addmm(sizes, "batched"), _addmm_ref("batched"), method="baddbmm", out=True),
    _product("addbmm", lambda sizes: _addmm(sizes, "reduced"), _addmm_ref("reduced"), method="addbmm", out=True),
    _product("addmv", _addmv, lambda c, a, v, beta=1, alpha=1: (beta * c if beta else 0) + alpha * (a @ v),
             method="addmv", out=True),
    _product("addr", _addr, _addr_ref, method="addr", out=True),
    OpInfo("einsum", doc("torch.einsum"), _einsum, call=_einsum_call, kinds=KINDS, domains=(GRID,), ref=_einsum_ref,
           ref_kinds=REF_KINDS, grad=2, zero_dim=False),
    _product("tensordot", _tensordot, lambda a, b, dims: np.tensordot(a, b, dims), out=True),
    _product("kron", _kron, lambda a, b: np.kron(a, b), method="kron", out=True),
    _product("inner", _inner, lambda a, b: np.inner(a, b), method="inner", out=True),
    _product("vdot", lambda sizes: _inner(sizes).map(lambda c: (((c[0][0][-1],), (c[0][1][-1],)), {})),
             lambda a, b: np.vdot(a, b), method="vdot", out=True),
    OpInfo("multi_dot", doc("torch.linalg.multi_dot"), _multi_dot, function="torch.linalg.multi_dot",
           list_input=True, out=True, kinds=KINDS, domains=(GRID,), ref=_multi_dot_ref, ref_kinds=REF_KINDS, grad=2,
           zero_dim=False),
    OpInfo("trace", doc("torch.trace"), lambda sizes: sizes.shape(min_dims=2, max_dims=2).map(lambda s: ((s,), {})),
           function="torch.trace", method="trace", kinds=KINDS, domains=(GRID,), ref=np.trace, ref_kinds=REF_KINDS,
           grad=2, zero_dim=False),
    _product("linalg.cross", _cross, lambda a, b, dim: np.cross(a, b, axis=dim), function="torch.linalg.cross",
             out=True, aliases=()),
    _product("linalg.vecdot", _vecdot, lambda a, b, dim: np.sum(np.conj(a) * b, axis=dim),
             function="torch.linalg.vecdot", out=True, kinds=("float",)),
]
