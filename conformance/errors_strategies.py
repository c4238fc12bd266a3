"""Strategies of the error catalogue: operands that make each catalogued call fail, and the
autograd state (graphs, in-place edits) some entries prepare from them.

Each strategy takes the device and draws the leaf operands (tensors from ``strategies.tensors``, plain
Python values) of one entry of ``conformance.errors_catalogue``; ops are looked up in the registry.
"""

from __future__ import annotations

import math

import torch
from hypothesis import reject
from hypothesis import strategies as st

from conformance import layout_model, ops
from strategies import WRITABLE_LAYOUTS, dtypes, shapes, supported, tensors

def floats(device, shape=None, **kwargs):
    return tensors(dtype=dtypes(device, ("float",)), shape=shape, device=device, **kwargs)


def grad_dtypes(device):
    return st.sampled_from([d for d in supported(device, ("float",)) if d in (torch.float32, torch.float64)])


def leaf(device, shape=None, **kwargs):
    """A float leaf that requires grad."""
    return tensors(dtype=grad_dtypes(device), shape=shape, device=device, layouts=WRITABLE_LAYOUTS,
                   requires_grad=True, **kwargs)


SOME_SHAPES = shapes(min_dims=1, max_dims=4, zero_size=False)
MANY_SHAPES = shapes(min_dims=1, max_dims=4, min_side=2, zero_size=False)  # at least 2 elements


def bad_dim(ndim: int, extra: int = 0):
    """A dim outside ``[-n, n - 1]`` with ``n = max(ndim, 1) + extra`` (0-d tensors accept 0 and -1)."""
    n = max(ndim, 1) + extra
    return st.one_of(st.integers(n, n + 3), st.integers(-n - 3, -n - 1))


@st.composite
def tensor_and_shape_of_other_numel(draw, device, method):
    x = draw(tensors(device=device), label="x")
    new = draw(shapes(max_dims=4), label="new shape")
    if math.prod(new) == x.numel():  # make the counts differ: no zero side, or twice the elements
        new = tuple(max(side, 1) for side in new) if x.numel() == 0 else new + (2,)
    return x, new, method


@st.composite
def unviewable(draw, device):
    """A non-contiguous tensor and a shape of its numel that ``view`` cannot reach."""
    x = draw(tensors(shape=shapes(min_dims=2, max_dims=4, min_side=2, zero_size=False), device=device,
                     layouts=("transpose", "permute", "slice", "narrow", "diagonal", "as_strided",
                              "channels_last")), label="x")
    new = draw(st.sampled_from([(-1,), (x.numel(),), (x.shape[0], -1), (-1, x.shape[-1])]), label="new shape")
    if layout_model.view_strides(x.shape, x.stride(), new) is not None:
        reject()
    return x, new


@st.composite
def expand_mismatch(draw, device):
    shape = list(draw(shapes(min_dims=1, max_dims=4, max_numel=32, zero_size=False), label="shape"))
    dim = draw(st.integers(0, len(shape) - 1), label="dim")
    shape[dim] = draw(st.integers(2, 4), label="non-singleton size")
    x = draw(tensors(shape=tuple(shape), device=device), label="x")
    size = draw(st.integers(0, 6).filter(lambda n: n != x.shape[dim]), label="target size")
    sizes = list(x.shape)
    sizes[dim] = size
    return x, tuple(sizes), dim


@st.composite
def permute_case(draw, device, kind):
    """A tensor and a dim list for ``permute``: duplicated, out of range or of the wrong length."""
    min_dims = 2 if kind == "duplicate" else 1
    x = draw(tensors(shape=shapes(min_dims=min_dims, max_dims=4), device=device), label="x")
    perm = list(draw(st.permutations(range(x.dim())), label="permutation"))
    at = draw(st.integers(0, x.dim() - 1), label="position")
    if kind == "duplicate":
        perm[at] = perm[(at + 1) % x.dim()]
    elif kind == "range":
        perm[at] = draw(bad_dim(x.dim()), label="bad dim")
    else:
        perm = perm + [x.dim()] if draw(st.booleans(), label="longer") or x.dim() == 1 else perm[:-1]
    return x, tuple(perm)


@st.composite
def tensor_and_bad_dim(draw, device, extra=0):
    x = draw(tensors(device=device), label="x")
    return x, draw(bad_dim(x.dim(), extra), label="dim")


@st.composite
def narrow_past_end(draw, device):
    x = draw(tensors(shape=shapes(min_dims=1, max_dims=4), device=device), label="x")
    dim = draw(st.integers(0, x.dim() - 1), label="dim")
    size = x.shape[dim]
    start = draw(st.integers(0, size), label="start")
    return x, dim, start, draw(st.integers(size - start + 1, size - start + 3), label="length")


@st.composite
def index_out_of_range(draw, device):
    x = draw(tensors(shape=SOME_SHAPES, device=device), label="x")
    dim = draw(st.integers(0, x.dim() - 1), label="dim")
    size = x.shape[dim]
    return x, dim, draw(st.one_of(st.integers(size, size + 3), st.integers(-size - 3, -size - 1)), label="index")


def index(x, dim, i):
    return x[(slice(None),) * dim + (i,)]


@st.composite
def mask_mismatch(draw, device):
    x = draw(tensors(shape=SOME_SHAPES, device=device), label="x")
    mask = draw(tensors(dtype=torch.bool, shape=tuple(x.shape), device=device, layouts=("contiguous",)), label="mask")
    dim = draw(st.integers(0, x.dim() - 1), label="dim")
    size = draw(st.integers(1, 6).filter(lambda n: n != x.shape[dim]), label="mask size")
    bad_shape = list(x.shape)
    bad_shape[dim] = size
    bad = draw(tensors(dtype=torch.bool, shape=tuple(bad_shape), device=device, layouts=("contiguous",)),
               label="bad mask")
    return x, mask, bad


@st.composite
def mismatched_pair(draw, device, dtype=None, min_dims=1, lead=True):
    """Two tensors whose shapes differ in one dim (neither size 1 there): they do not broadcast."""
    shape = list(draw(shapes(min_dims=min_dims, max_dims=4, max_numel=32), label="shape"))
    dim = draw(st.integers(0, len(shape) - 1), label="dim")
    m, n = draw(st.lists(st.sampled_from([0, 2, 3, 4]), min_size=2, max_size=2, unique=True), label="sizes")
    a_shape, b_shape = list(shape), list(shape)
    a_shape[dim], b_shape[dim] = m, n
    drop = draw(st.integers(0, dim), label="dropped leading dims of b") if lead else 0
    dtype = dtype or draw(dtypes(device, ("float",)), label="dtype")
    a = draw(tensors(dtype=dtype, shape=tuple(a_shape), device=device), label="a")
    b = draw(tensors(dtype=dtype, shape=tuple(b_shape[drop:]), device=device), label="b")
    return a, b, dim, dim - drop


BINARY = ("add", "sub", "mul", "maximum", "eq")  # registry op names


@st.composite
def broadcast_mismatch(draw, device):
    a, b, dim, b_dim = draw(mismatched_pair(device))
    return a, b, b_dim, draw(st.sampled_from(BINARY), label="op")


@st.composite
def matmul_pair(draw, device, batch=False):
    dtype = draw(dtypes(device, ("float",)), label="dtype")
    n, m = draw(st.integers(1, 4), label="n"), draw(st.integers(1, 4), label="m")
    k, k2 = draw(st.lists(st.integers(1, 5), min_size=2, max_size=2, unique=True), label="inner sizes")
    lead = (draw(st.integers(1, 3), label="batch"),) if batch else ()
    a = draw(tensors(dtype=dtype, shape=lead + (n, k), device=device), label="a")
    b = draw(tensors(dtype=dtype, shape=lead + (k2, m), device=device), label="b")
    return a, b


def trimmed_product(a, b):
    """``a @ b`` over the inner size both share."""
    k = min(a.shape[-1], b.shape[-2])
    return a[..., :k] @ b[..., :k, :]


@st.composite
def vector_pair(draw, device, matrix):
    dtype = draw(dtypes(device, ("float",)), label="dtype")
    k, k2 = draw(st.lists(st.integers(1, 5), min_size=2, max_size=2, unique=True), label="sizes")
    lead = (draw(st.integers(1, 4), label="rows"),) if matrix else ()
    return (draw(tensors(dtype=dtype, shape=lead + (k,), device=device), label="a"),
            draw(tensors(dtype=dtype, shape=(k2,), device=device), label="v"))


@st.composite
def cat_mismatch(draw, device):
    """Two tensors differing in one dim, and a different dim to concatenate along."""
    a, b, dim, _ = draw(mismatched_pair(device, min_dims=2, lead=False))
    cat_dim = draw(st.sampled_from([d for d in range(a.dim()) if d != dim]), label="cat dim")
    return a, b, cat_dim, dim


@st.composite
def cat_ndim_mismatch(draw, device):
    dtype = draw(dtypes(device, ("float",)), label="dtype")
    a = draw(tensors(dtype=dtype, shape=shapes(min_dims=1, max_dims=3, zero_size=False), device=device), label="a")
    b = draw(tensors(dtype=dtype, shape=tuple(a.shape) + (draw(st.integers(1, 3), label="extra side"),),
                     device=device), label="b")
    return a, b


@st.composite
def stack_mismatch(draw, device):
    a, b, dim, _ = draw(mismatched_pair(device, lead=False))
    return a, b, dim


@st.composite
def empty_list(draw, device):
    x = draw(tensors(shape=shapes(min_dims=1), device=device), label="x")
    return x, draw(st.integers(-x.dim(), x.dim() - 1), label="dim")


INPLACE_BINARY = tuple(ops.get(name).inplace for name in ("add", "sub", "mul"))  # add_, sub_, mul_


@st.composite
def inplace_grows_self(draw, device):
    """``a`` and ``b`` broadcast together, but to a shape other than ``a``'s."""
    dtype = draw(dtypes(device, ("float",)), label="dtype")
    b_shape = draw(shapes(min_dims=1, max_dims=4, max_numel=32).filter(lambda s: max(s) >= 2), label="b shape")
    grown = draw(st.sampled_from([d for d, s in enumerate(b_shape) if s >= 2]), label="grown dim")
    a_shape = list(b_shape)
    a_shape[grown] = 1
    a_shape = a_shape[draw(st.integers(0, grown), label="dropped leading dims of a"):]
    a = draw(tensors(dtype=dtype, shape=tuple(a_shape), device=device, layouts=WRITABLE_LAYOUTS), label="a")
    b = draw(tensors(dtype=dtype, shape=tuple(b_shape), device=device), label="b")
    return a, b, draw(st.sampled_from(INPLACE_BINARY), label="op")


@st.composite
def inplace_unsafe_cast(draw, device):
    shape = draw(shapes(), label="shape")
    a = draw(tensors(dtype=dtypes(device, ("int", "uint")), shape=shape, device=device, layouts=WRITABLE_LAYOUTS),
             label="a")
    b = draw(tensors(dtype=dtypes(device, ("float",)), shape=shape, device=device), label="b")
    return a, b, draw(st.sampled_from(INPLACE_BINARY), label="op")


@st.composite
def expansion(draw, device):
    """A writable tensor and sizes that expand it so that some element is repeated."""
    x = draw(tensors(dtype=dtypes(device, ("float", "int")), shape=shapes(min_dims=1, max_dims=3, zero_size=False),
                     device=device, layouts=WRITABLE_LAYOUTS), label="x")
    sizes = [draw(st.integers(2, 3), label="expanded size") if s == 1 else s for s in x.shape]
    lead = draw(st.lists(st.integers(2, 3), max_size=2), label="new leading sizes")
    if len(lead) == 0 and sizes == list(x.shape):
        lead = [2]
    return x, tuple(lead + sizes), draw(st.sampled_from(("add_", "mul_", "copy_")), label="op")


def write_expanded(x, e, op):
    return e.copy_(torch.ones_like(e)) if op == "copy_" else getattr(e, op)(2)


@st.composite
def out_too_narrow(draw, device):
    shape = draw(shapes(), label="shape")
    dtype = draw(dtypes(device, ("float",)), label="dtype")
    a = draw(tensors(dtype=dtype, shape=shape, device=device), label="a")
    b = draw(tensors(dtype=dtype, shape=shape, device=device), label="b")
    out = draw(tensors(dtype=dtypes(device, ("int", "uint", "bool")), shape=shape, device=device,
                       layouts=WRITABLE_LAYOUTS), label="out")
    return a, b, out, draw(st.sampled_from(("add", "sub", "mul", "div")), label="op")


INT_DIVISIONS = {name: ops.get(name).fn for name in ("floor_divide", "remainder", "fmod", "div-floor", "div-trunc")}


@st.composite
def int_division_by_zero(draw, device):
    dtype = draw(dtypes(device, ("int", "uint")), label="dtype")
    shape = draw(SOME_SHAPES, label="shape")
    a = draw(tensors(dtype=dtype, shape=shape, device=device), label="a")
    b = draw(tensors(dtype=dtype, shape=shape, device=device, low=0, high=2).filter(lambda t: bool((t == 0).any())),
             label="b")
    return a, b, draw(st.sampled_from(sorted(INT_DIVISIONS)), label="op")


def integer_reduction(device):
    return st.tuples(tensors(dtype=dtypes(device, ("int", "uint", "bool")), shape=shapes(zero_size=False),
                             device=device),
                     st.sampled_from([None, 0, -1]))


def dim_kwargs(x, dim):
    return {} if dim is None or x.dim() == 0 else {"dim": dim}


# --- autograd ---------------------------------------------------------------

def leaves(device, shape=None):
    return st.tuples(leaf(device, shape))


def leaf_and(device, strategy, shape=None):
    return st.tuples(leaf(device, shape), strategy)


UNARY_SAVING_INPUT = {"mul-self": lambda b: b * b,  # the seed's b * b; the others: registry ops
                      **{op.name: op.fn for op in ops.select(names=("square", "sin"))}}
UNARY_SAVING_OUTPUT = {op.name: op.fn for op in ops.select(names=("exp", "sigmoid", "tanh"))}
INPLACE_EDITS = {
    "mul_": lambda t: t.mul_(2),
    "add_": lambda t: t.add_(1),
    "zero_": lambda t: t.zero_(),
    "setitem": lambda t: t.__setitem__(..., 1.5),
}


def backward_once(x):
    loss = (x * x).sum()
    loss.backward()
    return x, loss


def saved_input_modified(x, fn, edit):
    b = x * 1
    loss = UNARY_SAVING_INPUT[fn](b).sum()
    INPLACE_EDITS[edit](b)
    return x, b, loss


def saved_output_modified(x, fn, edit):
    out = UNARY_SAVING_OUTPUT[fn](x)
    INPLACE_EDITS[edit](out.detach())
    return x, out


def no_grad(fn):
    with torch.no_grad():
        return fn()


def multi_output_view(x, dim):
    return x, (x * 1).unbind(dim % x.dim())


def no_grad_view(x):
    y = x * 1
    with torch.no_grad():
        view = y[0]
    return x, view


def grad_case(device, input_requires_grad):
    return st.tuples(leaf(device), tensors(dtype=grad_dtypes(device), device=device,
                                            requires_grad=input_requires_grad))


# --- numpy and accelerators -------------------------------------------------

def numpy_dtypes(device):
    """dtypes numpy can hold (it has no bfloat16)."""
    return st.sampled_from([d for d in supported(device) if d is not torch.bfloat16])


@st.composite
def other_device_pair(draw, device):
    """A tensor on the accelerator under test and one of the same shape and dtype on the cpu."""
    dtype = draw(dtypes(device, ("float",)), label="dtype")
    shape = draw(SOME_SHAPES, label="shape")
    return (draw(tensors(dtype=dtype, shape=shape, device=device), label="a"),
            draw(tensors(dtype=dtype, shape=shape, device="cpu"), label="b"))



def float_pair(device, a_kwargs, b_kwargs):
    return dtypes(device, ("float",)).flatmap(lambda dtype: shapes().flatmap(lambda shape: st.tuples(
        tensors(dtype=dtype, shape=shape, device=device, **a_kwargs),
        tensors(dtype=dtype, shape=shape, device=device, **b_kwargs))))
