"""More elementwise math and tensor methods: inverse hyperbolics, bitwise and logical ops, isinf/isnan,
clamp with tensor bounds, lerp/addcmul/addcdiv, fill, dtype conversion, clone, item; flips, rolls,
repeats, squeeze, select, diagonal, as_strided, view, triangles; var/std with ``unbiased``.

numpy is the reference (float64, or exact for integers and bools).
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from . import args
from .core import Domain, OpInfo, Sizes, doc

EVERY_KIND = ("float", "complex", "int", "uint", "bool")
INTEGRAL = ("int", "uint", "bool")
SMOOTH = Domain(-3.0, 3.0)
BITS = Domain(-0.49, 15.49, integers=(0, 15), grid=1.0)
# Not registered with out=: tril/triu(out=) into a batched out whose size-1 dim has an odd stride (e.g.
# zeros(2, 3, 4, 1).transpose(1, 3)) write the wrong cells and can corrupt the heap (the process aborts),
# which would take a test worker down; the repro is in the breadth report (issue 13).
TRIANGLE_OUT = "out= not exercised: it writes outside a batched strided out (see TRIANGLE_OUT's comment)"


def _unary(name, ref, domain, kinds=("float",), grad=2, inplace=True, out=True, **extra):
    return OpInfo(name, doc(f"torch.{name}"), args.unary(), function=f"torch.{name}", method=name,
                  inplace=f"{name}_" if inplace else None, out=out, kinds=kinds, domains=(domain,), ref=ref,
                  grad=grad, elementwise=True, **extra)


def _binary(name, ref, kinds, domains, scalars=False, operator=None, grad=0, **extra):
    return OpInfo(name, doc(f"torch.{name}"), args.broadcasting(2), function=f"torch.{name}", method=name,
                  inplace=f"{name}_", out=True, kinds=kinds, domains=domains, ref=ref, exact=grad == 0,
                  scalars=scalars, operator=operator, grad=grad, elementwise=True, **extra)


def _ternary(name, ref, kwargs=None, **extra):
    return OpInfo(name, doc(f"torch.{name}"), args.broadcasting(3, kwargs), function=f"torch.{name}", method=name,
                  inplace=f"{name}_", out=True, kinds=("float", "complex"), domains=(SMOOTH,), ref=ref,
                  ref_kinds=("float",), grad=2, elementwise=True, **extra)


CONVERSIONS = st.sampled_from([torch.float64, torch.float32, torch.float16, torch.int64, torch.int16, torch.uint8,
                               torch.bool])


def _numpy_dtype(dtype):
    return {torch.float64: np.float64, torch.float32: np.float32, torch.float16: np.float16,
            torch.int64: np.int64, torch.int16: np.int16, torch.uint8: np.uint8, torch.bool: np.bool_}[dtype]


@st.composite
def _one_element(draw, sizes: Sizes):
    return (draw(st.sampled_from([(), (1,), (1, 1)]), label="shape"),), {}


@st.composite
def _dims(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=1), label="shape")
    dims = draw(st.sets(st.integers(0, len(shape) - 1), min_size=1), label="dims")
    return (shape,), {"dims": tuple(d - len(shape) if draw(st.booleans(), label="negative") else d for d in dims)}


@st.composite
def _roll(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=1), label="shape")
    count = draw(st.integers(1, len(shape)), label="rolled dims")
    dims = tuple(draw(st.permutations(range(len(shape))), label="dims")[:count])
    return (shape,), {"shifts": tuple(draw(st.integers(-6, 6), label="shift") for _ in dims), "dims": dims}


@st.composite
def _repeat(draw, sizes: Sizes):
    shape = draw(sizes.shape(max_numel=12), label="shape")
    extra = draw(st.integers(0, 2), label="new dims")
    return (shape,), {"repeats": tuple(draw(st.integers(0, 3), label="repeat") for _ in range(len(shape) + extra))}


@st.composite
def _squeeze(draw, sizes: Sizes, how: str):
    shape = list(draw(sizes.shape(min_dims=1), label="shape"))
    for d in draw(st.sets(st.integers(0, len(shape) - 1)), label="size-1 dims"):
        shape[d] = 1
    if how == "all":
        return (tuple(shape),), {}
    dims = sorted(draw(st.sets(st.integers(0, len(shape) - 1), min_size=1), label="dims"))
    return (tuple(shape),), {"dim": dims[0] if how == "dim" else tuple(dims)}


@st.composite
def _select(draw, sizes: Sizes):
    shape = list(draw(sizes.shape(min_dims=1), label="shape"))
    dim = draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    shape[dim] = max(shape[dim], 1)
    return (tuple(shape),), {"dim": dim, "index": draw(st.integers(-shape[dim], shape[dim] - 1), label="index")}


@st.composite
def _diagonal(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=2), label="shape")
    dim1, dim2 = draw(st.lists(st.integers(0, len(shape) - 1), min_size=2, max_size=2, unique=True), label="dims")
    return (shape,), {"offset": draw(st.integers(-3, 3), label="offset"), "dim1": dim1, "dim2": dim2}


@st.composite
def _as_strided(draw, sizes: Sizes):
    """A contiguous input and a view of it: sizes and strides that stay inside its storage."""
    numel = draw(st.integers(1, 12), label="numel")
    ndim = draw(st.integers(0, 3), label="view dims")
    size = tuple(draw(st.integers(1, 3), label="size") for _ in range(ndim))
    stride = tuple(draw(st.integers(0, 3), label="stride") for _ in range(ndim))
    offset = draw(st.integers(0, 2), label="offset")
    numel = max(numel, offset + sum((s - 1) * t for s, t in zip(size, stride)) + 1)
    return ((numel,),), {"size": size, "stride": stride, "storage_offset": offset}


def _as_strided_call(x, size, stride, storage_offset):
    """as_strided of a contiguous copy: the view addresses the storage as documented."""
    return torch.as_strided(x.clone(memory_format=torch.contiguous_format), size, stride, storage_offset).clone()


def _as_strided_ref(a, size, stride, storage_offset):
    out = np.empty(size, a.dtype)
    for pos in np.ndindex(*size):
        out[pos] = a[storage_offset + sum(p * t for p, t in zip(pos, stride))]
    return out


@st.composite
def _resize(draw, sizes: Sizes):
    shape = draw(sizes.shape(), label="shape")
    numel = int(np.prod(shape))
    size = draw(sizes.shape(max_numel=max(numel, 1)).filter(lambda s: int(np.prod(s)) <= numel), label="new size")
    return (shape,), {"size": size}


def _resize_call(x, size):
    """``resize_`` of a contiguous copy to at most its number of elements: "the storage is
    reinterpreted as C-contiguous", so the result holds the first elements in C order."""
    return x.clone(memory_format=torch.contiguous_format).resize_(size)


@st.composite
def _view(draw, sizes: Sizes):
    from strategies import reshapes
    shape = draw(sizes.shape(), label="shape")
    return (shape,), {"shape": draw(reshapes(shape), label="new shape")}


@st.composite
def _triangle(draw, sizes: Sizes):
    return (draw(sizes.shape(min_dims=2), label="shape"),), {"diagonal": draw(st.integers(-2, 2), label="diagonal")}


def _shift_domain():
    return (Domain(-0.49, 15.49, integers=(-16, 16), grid=1.0), Domain(-0.49, 3.49, integers=(0, 3), grid=1.0))


OPS = [
    _unary("acosh", np.arccosh, Domain(1.1, 5.0), aliases=("torch.arccosh",)),
    _unary("asinh", np.arcsinh, SMOOTH, aliases=("torch.arcsinh",)),
    _unary("atanh", np.arctanh, Domain(-0.9, 0.9), aliases=("torch.arctanh",)),
    _unary("frac", lambda a: a - np.trunc(a), Domain(-3.0, 3.0, min_abs=0.1), grad=1),
    _unary("bitwise_not", lambda a: ~a if a.dtype != np.bool_ else np.logical_not(a), BITS, INTEGRAL, grad=0,
           exact=True, operator="__invert__"),
    _unary("isnan", np.isnan, Domain(-1e5, 1e5), ("float",), grad=0, inplace=False, out=False, exact=True),
    _unary("isinf", np.isinf, Domain(-1e5, 1e5), ("float",), grad=0, inplace=False, out=False, exact=True,
           notes="values up to 1e5: infinite in float16 (max 65504), finite in the others"),
    _unary("isfinite", np.isfinite, Domain(-1e5, 1e5), ("float",), grad=0, inplace=False, out=False, exact=True),
    _unary("sgn", np.sign, Domain(-3.0, 3.0, min_abs=0.25), ("float",), grad=1),
    _binary("bitwise_and", np.bitwise_and, INTEGRAL, (BITS,), scalars=True, operator="__and__"),
    _binary("bitwise_or", np.bitwise_or, INTEGRAL, (BITS,), scalars=True, operator="__or__"),
    _binary("bitwise_xor", np.bitwise_xor, INTEGRAL, (BITS,), scalars=True, operator="__xor__"),
    _binary("bitwise_left_shift", np.left_shift, ("int",), _shift_domain(), operator="__lshift__"),
    _binary("bitwise_right_shift", np.right_shift, ("int",), _shift_domain(), operator="__rshift__"),
    _binary("logical_and", np.logical_and, ("float", "int", "bool"), (Domain(-0.49, 1.49, integers=(0, 1), grid=1.0),)),
    _binary("logical_or", np.logical_or, ("float", "int", "bool"), (Domain(-0.49, 1.49, integers=(0, 1), grid=1.0),)),
    _binary("logical_xor", np.logical_xor, ("float", "int", "bool"), (Domain(-0.49, 1.49, integers=(0, 1), grid=1.0),)),
    _binary("copysign", np.copysign, ("float",), (SMOOTH, Domain(-3.0, 3.0, min_abs=0.25)), grad=1),
    OpInfo("logaddexp", doc("torch.logaddexp"), args.broadcasting(2), function="torch.logaddexp", method="logaddexp",
           out=True, kinds=("float",), domains=(SMOOTH,), ref=np.logaddexp, grad=2, elementwise=True),
    OpInfo("logaddexp2", doc("torch.logaddexp2"), args.broadcasting(2), function="torch.logaddexp2",
           method="logaddexp2", out=True, kinds=("float",), domains=(SMOOTH,), ref=np.logaddexp2, grad=2,
           elementwise=True),
    OpInfo("fmax", doc("torch.fmax"), args.same_shape(2), function="torch.fmax", method="fmax", out=True,
           kinds=("float", "int"), domains=(Domain(-10.0, 10.0, unique=True),), distinct=True, ref=np.fmax,
           exact=True, grad=2),
    OpInfo("fmin", doc("torch.fmin"), args.same_shape(2), function="torch.fmin", method="fmin", out=True,
           kinds=("float", "int"), domains=(Domain(-10.0, 10.0, unique=True),), distinct=True, ref=np.fmin,
           exact=True, grad=2),
    OpInfo("clamp-tensor", doc("torch.clamp"), args.broadcasting(3), function="torch.clamp", method="clamp",
           inplace="clamp_", out=True, kinds=("float", "int"), domains=(Domain(-10.0, 10.0, unique=True),),
           distinct=True, ref=lambda a, lo, hi: np.minimum(np.maximum(a, lo), hi), exact=True, grad=2,
           zero_size=False, notes="tensor bounds (clamp.Tensor); distinct values keep inputs off the kinks"),
    _ternary("lerp", lambda a, b, w: a + w * (b - a)),
    _ternary("addcmul", lambda a, b, c, value=1: a + value * b * c, args.maybe(value=st.sampled_from([2, -0.5]))),
    OpInfo("addcdiv", doc("torch.addcdiv"), args.broadcasting(3, args.maybe(value=st.sampled_from([2, -0.5]))),
           function="torch.addcdiv", method="addcdiv", inplace="addcdiv_", out=True, kinds=("float", "complex"),
           domains=(SMOOTH, SMOOTH, Domain(-3.0, 3.0, min_abs=0.5)),
           ref=lambda a, b, c, value=1: a + value * b / c, ref_kinds=("float",), grad=2, elementwise=True),
    OpInfo("float_power", doc("torch.float_power"), args.broadcasting(2), function="torch.float_power",
           method="float_power", out=True, kinds=("float", "int"), domains=(Domain(0.5, 3.0, integers=(1, 3)),
                                                                            Domain(-2.0, 2.0, integers=(0, 2))),
           ref=np.power, grad=2, elementwise=True),
    OpInfo("heaviside", doc("torch.heaviside"), args.broadcasting(2), function="torch.heaviside",
           method="heaviside", out=True, kinds=("float", "int"),
           domains=(Domain(-1.49, 1.49, integers=(-1, 1), grid=1.0),), ref=np.heaviside, exact=True),
    OpInfo("nan_to_num", doc("torch.nan_to_num"), args.unary(nan=0.5, posinf=2.0, neginf=-2.0),
           function="torch.nan_to_num", method="nan_to_num", inplace="nan_to_num_", out=True, kinds=("float",),
           domains=(Domain(-1e5, 1e5),), ref=np.nan_to_num, exact=True, grad=0),
    OpInfo("fill", doc("torch.Tensor.fill_"), args.unary(value=st.sampled_from([-2, 3])), function="torch.fill",
           inplace="fill_", kinds=EVERY_KIND, domains=(SMOOTH,),
           ref=lambda a, value: np.full_like(a, value), ref_kinds=("float", "int", "uint", "bool"), exact=True,
           notes="torch.fill(x, v) is the function behind x.fill_(v)"),
    OpInfo("to-dtype", doc("torch.Tensor.to"), args.unary(dtype=CONVERSIONS), call=lambda x, dtype: x.to(dtype),
           extra_routes={"type": lambda x, dtype: x.type(dtype), "to-keyword": lambda x, dtype: x.to(dtype=dtype)},
           kinds=("float", "int", "uint", "bool"), domains=(Domain(-100.0, 100.0, integers=(0, 100)),),
           ref=lambda a, dtype: a.astype(_numpy_dtype(dtype)), exact=True,
           notes="float to integer rounds toward zero, as numpy's astype; values in [0, 100] fit every integer dtype"),
    OpInfo("clone", doc("torch.clone"), args.unary(), function="torch.clone", method="clone", kinds=EVERY_KIND,
           domains=(SMOOTH,), ref=np.copy, exact=True, grad=2),
    OpInfo("item", doc("torch.Tensor.item"), _one_element,
           call=lambda x: torch.tensor(x.item(), dtype=x.dtype, device=x.device), kinds=EVERY_KIND,
           domains=(SMOOTH,), ref=lambda a: a.reshape(()), exact=True, meta=False, vmap=False, zero_size=False,
           zero_dim=False, notes="the Python number of a one-element tensor, made a tensor again to compare"),
    OpInfo("flip", doc("torch.flip"), _dims, function="torch.flip", method="flip", kinds=EVERY_KIND,
           domains=(SMOOTH,), ref=lambda a, dims: np.flip(a, dims), exact=True, zero_dim=False, grad=2),
    OpInfo("roll", doc("torch.roll"), _roll, function="torch.roll", method="roll", kinds=EVERY_KIND,
           domains=(SMOOTH,), ref=lambda a, shifts, dims: np.roll(a, shifts, dims), exact=True, zero_dim=False, grad=2),
    OpInfo("repeat", doc("torch.Tensor.repeat"), _repeat, call=lambda x, repeats: x.repeat(repeats),
           extra_routes={"tile": lambda x, repeats: torch.tile(x, repeats)}, kinds=EVERY_KIND, domains=(SMOOTH,),
           ref=lambda a, repeats: np.tile(a, repeats), exact=True, grad=2),
    OpInfo("squeeze", doc("torch.squeeze"), lambda sizes: _squeeze(sizes, "all"), function="torch.squeeze",
           method="squeeze", kinds=EVERY_KIND, domains=(SMOOTH,), ref=np.squeeze, exact=True, zero_dim=False, grad=2),
    OpInfo("squeeze-dim", doc("torch.squeeze"), lambda sizes: _squeeze(sizes, "dim"), function="torch.squeeze",
           method="squeeze", kinds=EVERY_KIND, domains=(SMOOTH,),
           ref=lambda a, dim: np.squeeze(a, dim) if a.shape[dim] == 1 else a, exact=True, zero_dim=False, grad=2),
    OpInfo("squeeze-dims", doc("torch.squeeze"), lambda sizes: _squeeze(sizes, "dims"), function="torch.squeeze",
           method="squeeze", kinds=EVERY_KIND, domains=(SMOOTH,),
           ref=lambda a, dim: np.squeeze(a, tuple(d for d in dim if a.shape[d] == 1)), exact=True, zero_dim=False, grad=2),
    OpInfo("select", doc("torch.select"), _select, function="torch.select", method="select", kinds=EVERY_KIND,
           domains=(SMOOTH,), ref=lambda a, dim, index: np.take(a, index, dim), exact=True, zero_dim=False, grad=2, zero_size=False),
    OpInfo("diagonal", doc("torch.diagonal"), _diagonal, function="torch.diagonal", method="diagonal",
           kinds=EVERY_KIND, domains=(SMOOTH,), ref=lambda a, offset, dim1, dim2: np.diagonal(a, offset, dim1, dim2),
           exact=True, zero_dim=False, grad=2),
    OpInfo("as_strided", doc("torch.as_strided"), _as_strided, call=_as_strided_call, kinds=EVERY_KIND,
           domains=(SMOOTH,), ref=_as_strided_ref, exact=True, grad=2, vmap=False,
           notes="on a contiguous copy: as_strided addresses the storage itself"),
    OpInfo("view", doc("torch.Tensor.view"), _view, call=lambda x, shape: x.contiguous().view(shape),
           kinds=EVERY_KIND, domains=(SMOOTH,), ref=lambda a, shape: a.reshape(shape), exact=True, grad=2),
    OpInfo("tril", doc("torch.tril"), _triangle, function="torch.tril", method="tril", inplace="tril_",
           kinds=EVERY_KIND, domains=(SMOOTH,), ref=lambda a, diagonal: np.tril(a, diagonal), exact=True, zero_dim=False, grad=2,
           notes=TRIANGLE_OUT),
    OpInfo("triu", doc("torch.triu"), _triangle, function="torch.triu", method="triu", inplace="triu_",
           kinds=EVERY_KIND, domains=(SMOOTH,), ref=lambda a, diagonal: np.triu(a, diagonal), exact=True, zero_dim=False, grad=2,
           notes=TRIANGLE_OUT),
    OpInfo("resize_", doc("torch.Tensor.resize_"), _resize, call=_resize_call, kinds=EVERY_KIND, domains=(SMOOTH,),
           ref=lambda a, size: a.reshape(-1)[:int(np.prod(size))].reshape(size), exact=True, vmap=False,
           notes="shrinking only: elements beyond the old storage would be uninitialized"),
    OpInfo("any-dim", doc("torch.any"), args.reduction("int"), function="torch.any", method="any", out=True,
           kinds=("float", "int", "bool"), domains=(Domain(-0.49, 1.49, integers=(0, 1), grid=1.0),),
           ref=lambda a, dim=None, keepdim=False: np.any(a, axis=dim if a.ndim else None, keepdims=keepdim),
           exact=True, notes="one int dim: the overload any.dim"),
    OpInfo("var-unbiased", doc("torch.var"), args.reduction("int", min_reduced=2, unbiased=st.booleans()),
           call=lambda x, dim=None, unbiased=True, keepdim=False: torch.var(x, dim, unbiased, keepdim)
           if dim is not None else torch.var(x, unbiased),
           kinds=("float",), domains=(Domain(-10.0, 10.0, unique=True),),
           ref=lambda a, dim=None, unbiased=True, keepdim=False: np.var(
               a, axis=dim if a.ndim else None, ddof=int(unbiased), keepdims=keepdim), grad=2,
           notes="var(x, dim, unbiased): the overload var.dim"),
]
