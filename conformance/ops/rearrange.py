"""Rearranging ops: flips, rolls and rotations, repeats and tiles, diagonals and triangles, selecting,
squeezing and unbinding dims, views (``view``, ``unflatten``, ``as_strided``), splitting into sections or at
indices (``tensor_split``, ``hsplit``, ``vsplit``) and stacking along numpy's axes (``hstack``, ``vstack``,
``dstack``, ``column_stack``), with numpy as reference.

Every op here moves or copies elements without rounding them, so every comparison is bitwise
(``exact``), and each is linear in its input: differentiable twice (gradcheck and gradgradcheck in
float64).  Argument strategies draw dims as negative as often as positive; ``view`` and ``unflatten``
only split dims and add or drop sides of 1, which every layout can view; ``as_strided`` addresses a
storage of the input's element count with sizes, strides and an offset that stay inside it.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from .core import Arg, Domain, NotApplicable, OpInfo, Sizes, doc

EVERY_KIND = ("float", "complex", "int", "uint", "bool")
NUMPY = "https://numpy.org/doc/stable/reference/generated/"


def _dims(draw, ndim: int, label: str, min_size: int = 0) -> tuple:
    """Distinct dims of an ``ndim``-dim tensor, each negative or not."""
    chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=min_size, max_size=ndim, unique=True), label=label)
    return tuple(d - ndim if draw(st.booleans(), label="negative") else d for d in chosen)


# ---------------------------------------------------------------------------
# Argument strategies
# ---------------------------------------------------------------------------

@st.composite
def _flip(draw, sizes: Sizes):
    shape = draw(sizes.shape(), label="shape")
    if not shape:
        return (shape,), {"dims": draw(st.sampled_from([(), (0,), (-1,)]), label="dims")}
    return (shape,), {"dims": _dims(draw, len(shape), "dims")}


def _flip_ref(a, dims):
    return a.copy() if a.ndim == 0 else np.flip(a, axis=dims)


@st.composite
def _roll(draw, sizes: Sizes):
    shape = draw(sizes.shape(), label="shape")
    if not shape or draw(st.booleans(), label="flattened"):
        return (shape,), {"shifts": draw(st.integers(-7, 7), label="shifts")}
    dims = _dims(draw, len(shape), "dims", min_size=1)
    shifts = tuple(draw(st.integers(-7, 7), label="shift") for _ in dims)
    return (shape,), {"shifts": shifts, "dims": dims}


def _roll_ref(a, shifts, dims=None):
    return np.roll(a, shifts, axis=dims)


@st.composite
def _rot90(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=2), label="shape")
    ndim = len(shape)
    pair = _dims(draw, ndim, "dims", min_size=2)[:2]
    return (shape,), {"k": draw(st.integers(-5, 5), label="k"), "dims": pair}


@st.composite
def _repeats(draw, sizes: Sizes, at_least_ndim: bool):
    """A small input and repeats (0..2 each): at least one per dim for ``Tensor.repeat``, any count for
    ``tile`` (fewer are padded with ones in front)."""
    shape = draw(sizes.shape(max_dims=3, max_numel=max(1, sizes.max_numel // 4)), label="shape")
    low = len(shape) if at_least_ndim else 0
    count = draw(st.integers(low, len(shape) + 1), label="repeat count")
    return (shape,), {"dims" if not at_least_ndim else "repeats":
                      tuple(draw(st.integers(0, 2), label="repeat") for _ in range(count))}


@st.composite
def _repeat_interleave(draw, sizes: Sizes, tensor: bool):
    shape = draw(sizes.shape(max_dims=3, max_numel=max(1, sizes.max_numel // 3)), label="shape")
    flattened = not shape or draw(st.booleans(), label="flattened")
    kwargs = {} if flattened else {"dim": draw(st.integers(-len(shape), len(shape) - 1), label="dim")}
    if not tensor:
        return (shape,), {"repeats": draw(st.integers(0, 3), label="repeats"), **kwargs}
    count = math.prod(shape) if flattened else shape[kwargs["dim"]]
    if draw(st.booleans(), label="one repeat for all"):
        count = 1  # a one-element repeats tensor broadcasts
    return (shape, Arg((count,), torch.int64, Domain(integers=(0, 3)))), kwargs


def _repeat_interleave_ref(a, repeats, dim=None):
    repeats = np.asarray(repeats)
    if repeats.ndim and repeats.size == 1:
        repeats = repeats.reshape(())
    return np.repeat(a, repeats, axis=dim)


@st.composite
def _diagonal(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=2), label="shape")
    dim1, dim2 = _dims(draw, len(shape), "dims", min_size=2)[:2]
    return (shape,), {"offset": draw(st.integers(-4, 4), label="offset"), "dim1": dim1, "dim2": dim2}


def _diagonal_ref(a, offset, dim1, dim2):
    return np.diagonal(a, offset, dim1, dim2)


@st.composite
def _diag(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=1, max_dims=2), label="shape")
    return (shape,), {"diagonal": draw(st.integers(-3, 3), label="diagonal")}


@st.composite
def _diag_embed(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=1, max_dims=3, max_numel=max(1, sizes.max_numel // 4)), label="shape")
    dim1, dim2 = _dims(draw, len(shape) + 1, "dims", min_size=2)[:2]
    return (shape,), {"offset": draw(st.integers(-2, 2), label="offset"), "dim1": dim1, "dim2": dim2}


def _diag_embed_ref(a, offset, dim1, dim2):
    """torch.diag_embed's rule: the last dim of ``a`` on the ``offset`` diagonal of new dims dim1 (row) and
    dim2 (column) of a zero result with one more dim."""
    n = a.shape[-1]
    m = n + abs(offset)
    out = np.zeros(a.shape[:-1] + (m, m), dtype=a.dtype)
    rows, cols = np.arange(n) + max(-offset, 0), np.arange(n) + max(offset, 0)
    out[..., rows, cols] = a
    ndim = a.ndim + 1
    return np.moveaxis(out, [-2, -1], [dim1 % ndim, dim2 % ndim])


@st.composite
def _triangle(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=2), label="shape")
    return (shape,), {"diagonal": draw(st.integers(-4, 4), label="diagonal")}


@st.composite
def _select(draw, sizes: Sizes):
    """A dim with elements (an index into a dim of none raises, as numpy's take does) and an index into it."""
    shape = draw(sizes.shape(min_dims=1, zero_size=False), label="shape")
    ndim = len(shape)
    with_elements = [d for d in range(ndim) if shape[d]] or [0]
    dim = draw(st.sampled_from(with_elements), label="dim") - draw(st.sampled_from([0, ndim]), label="negative")
    size = shape[dim]
    index = draw(st.integers(-size, size - 1), label="index") if size else 0
    return (shape,), {"dim": dim, "index": index}


@st.composite
def _squeezable(draw, sizes: Sizes, how: str):
    """A shape with some sides set to 1, and no dim, one dim or a tuple of dims (of size 1 or not)."""
    shape = list(draw(sizes.shape(), label="shape"))
    for d in range(len(shape)):
        if shape[d] and draw(st.booleans(), label="side of 1"):  # a side of 0 stays (zero-size mode)
            shape[d] = 1
    shape = tuple(shape)
    ndim = max(len(shape), 1)
    if how == "none":
        return (shape,), {}
    if how == "dim":
        return (shape,), {"dim": draw(st.integers(-ndim, ndim - 1), label="dim")}
    return (shape,), {"dim": _dims(draw, ndim, "dims")}


def _squeeze_ref(a, dim=None):
    """torch.squeeze's rule: the dims of size 1 among those named (all when none) are removed; a named dim
    of another size stays (numpy raises there)."""
    if a.ndim == 0:
        return a.copy()
    named = range(a.ndim) if dim is None else dim if isinstance(dim, tuple) else (dim,)
    return np.squeeze(a, axis=tuple(d % a.ndim for d in named if a.shape[d] == 1))


@st.composite
def _unbind(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=1, zero_size=False), label="shape")
    return (shape,), {"dim": draw(st.integers(-len(shape), len(shape) - 1), label="dim")}


def _unbind_ref(a, dim):
    return tuple(np.take(a, i, axis=dim) for i in range(a.shape[dim]))


@st.composite
def _as_strided(draw, sizes: Sizes):
    """Sizes, strides (0 included: overlapping elements) and an offset whose every element lies inside a
    storage of the input's element count, by construction: the largest address is offset + sum((size - 1) *
    stride) < numel."""
    shape = draw(sizes.shape(), label="shape")
    numel = math.prod(shape)
    ndim = draw(st.integers(0 if numel else 1, 3), label="result ndim")
    if numel == 0:  # an empty storage holds only results without elements
        size = [draw(st.integers(0, 3), label="size") for _ in range(ndim)]
        size[draw(st.integers(0, ndim - 1), label="empty dim")] = 0
        return (shape,), {"size": tuple(size), "stride": tuple(draw(st.integers(0, 3), label="stride")
                                                              for _ in range(ndim)), "storage_offset": 0}
    offset = draw(st.integers(0, numel - 1), label="storage_offset")
    room = numel - 1 - offset
    size, stride = [], []
    for _ in range(ndim):
        s = draw(st.integers(0, 4), label="stride")
        n = draw(st.integers(0, 1 + (room // s if s else 3)), label="size")
        if n > 1:
            room -= (n - 1) * s
        size.append(n)
        stride.append(s)
    return (shape,), {"size": tuple(size), "stride": tuple(stride), "storage_offset": offset}


def _fresh(x: torch.Tensor) -> torch.Tensor:
    """A contiguous copy of ``x`` in new storage from offset 0: as_strided addresses the storage, not the
    view, so each route is given one whose storage holds ``x``'s elements in order."""
    return x.flatten().clone(memory_format=torch.contiguous_format)


def _as_strided_ref(a, size, stride, storage_offset):
    flat = np.ascontiguousarray(a).reshape(-1)
    view = np.lib.stride_tricks.as_strided(flat[storage_offset:], size,
                                           tuple(s * flat.itemsize for s in stride), writeable=False)
    return view.copy()


@st.composite
def _split_side(draw, side: int, label: str) -> list:
    """``side`` as a product of 1-3 sides (sides of 1 among them), maybe one of them -1 (inferred)."""
    count = draw(st.integers(1, 3), label=f"{label}: pieces")
    parts, rest = [], side
    for _ in range(count - 1):
        d = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0] if rest else [0, 1, 2]),
                 label=f"{label}: piece")
        parts.append(d)
        rest = rest // d if d else rest
    if side == 0 and 0 not in parts:
        rest = 0
    parts.append(rest)
    parts = draw(st.permutations(parts), label=f"{label}: order")
    if side and draw(st.booleans(), label=f"{label}: infer one"):
        parts[draw(st.integers(0, len(parts) - 1), label=f"{label}: inferred")] = -1
    return list(parts)


@st.composite
def _view_shape(draw, sizes: Sizes):
    """A shape every layout of the input can be viewed as: each dim split into sides (a dim of stride s
    into sides of strides (b s, s)), sides of 1 added and dropped; at most one side inferred (-1)."""
    shape = draw(sizes.shape(), label="shape")
    new, inferred = [], False
    for d, side in enumerate(shape):
        if side == 1 and draw(st.booleans(), label="drop a side of 1"):
            continue
        if not draw(st.booleans(), label="split"):
            new.append(side)
            continue
        parts = draw(_split_side(side, f"dim {d}"))
        if -1 in parts and (inferred or not math.prod(shape)):  # one -1 at most; none without elements (ambiguous)
            known = math.prod(p for p in parts if p != -1)
            parts[parts.index(-1)] = side // known
        inferred = inferred or -1 in parts
        new.extend(parts)
    for _ in range(draw(st.integers(0, 2), label="new sides of 1")):
        new.insert(draw(st.integers(0, len(new)), label="position"), 1)
    return (shape,), {"shape": tuple(new)}


@st.composite
def _unflatten(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=1), label="shape")
    dim = draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    return (shape,), {"dim": dim, "sizes": tuple(draw(_split_side(shape[dim], "sizes")))}


def _unflatten_ref(a, dim, sizes):
    """The dim split into ``sizes``; a -1 stands for the dim's size over the others' product (numpy cannot
    infer it in an array without elements)."""
    d = dim % a.ndim
    known = math.prod(s for s in sizes if s != -1)
    sizes = [a.shape[d] // known if s == -1 else s for s in sizes]
    return a.reshape(a.shape[:d] + tuple(sizes) + a.shape[d + 1:])


@st.composite
def _tensor_split(draw, sizes: Sizes, how: str):
    """``tensor_split`` into a number of sections (more than the side too: empty pieces) or at indices (in
    order, up to the side); ``hsplit``/``vsplit`` at indices along their own dim."""
    min_dims = {"hsplit": 1, "vsplit": 2}.get(how, 1)
    shape = draw(sizes.shape(min_dims=min_dims, max_dims=3), label="shape")
    if how in ("hsplit", "vsplit"):
        dim = 0 if how == "vsplit" or len(shape) == 1 else 1
        kwargs = {}
    else:
        dim = draw(st.integers(-len(shape), len(shape) - 1), label="dim")
        kwargs = {"dim": dim}
    size = shape[dim]
    if how == "sections":
        return (shape,), {"sections": draw(st.integers(1, size + 2), label="sections"), **kwargs}
    indices = sorted(draw(st.lists(st.integers(0, size), max_size=3), label="indices"))
    return (shape,), {"indices": indices, **kwargs}


def _split_ref(a, dim=0, sections=None, indices=None):
    """numpy.array_split: ``sections`` pieces (the first size % sections one longer), or cut at ``indices``."""
    return np.array_split(a, sections if sections is not None else indices, axis=dim)


# the dim of the inputs each op joins along (None: the inputs have no such dim, so they all have one shape)
JOINED_DIM = {"hstack": lambda ndim: None if ndim == 0 else 0 if ndim == 1 else 1,
              "vstack": lambda ndim: 0 if ndim >= 2 else None,
              "dstack": lambda ndim: 2 if ndim >= 3 else None,
              "column_stack": lambda ndim: 1 if ndim >= 2 else None}


@st.composite
def _stacked(draw, sizes: Sizes, name: str):
    """1-3 tensors of one shape but along the dim the op joins (where the inputs have it), which varies."""
    base = draw(sizes.shape(max_dims=3, max_numel=max(1, sizes.max_numel // 3)), label="shape")
    count = draw(st.integers(1, 3), label="tensors")
    dim = JOINED_DIM[name](len(base))
    if dim is None or sizes.mode == "zero-size" and base[dim] == 0:
        return (base,) * count, {}
    lengths = draw(st.lists(st.integers(0, 3), min_size=count, max_size=count), label="sizes along the dim")
    return tuple(base[:dim] + (n,) + base[dim + 1:] for n in lengths), {}


def _stack_ref(name):
    return lambda *arrays: getattr(np, name)(arrays)


# ---------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------

def _op(name, arguments, ref, numpy=None, method=True, **extra):
    """An exact, linear op reached as ``torch.<name>`` and ``x.<name>()`` (twice differentiable)."""
    return OpInfo(name, doc(f"torch.{name}"), arguments, function=f"torch.{name}", method=name if method else None,
                  kinds=EVERY_KIND, ref=ref, numpy=numpy or name, exact=True, grad=2, **extra)


def _tensor_repeat(x, repeats):
    return x.repeat(repeats)


def _tensor_view(x, shape):
    return x.view(shape)


def _view_sizes(x, shape):
    """``x.view(2, 3)``: the sizes as separate arguments (there is none to give for a 0-d result)."""
    if not shape:
        raise NotApplicable("x.view() takes one size or more")
    return x.view(*shape)


def _function_as_strided(x, size, stride, storage_offset):
    return torch.as_strided(_fresh(x), size, stride, storage_offset)


SQUEEZE_NOTES = ("squeeze_ changes only self's shape: it is checked as a route (its result against the function's), "
                 "not by the in-place invariants, which expect written elements (an expanded self raises)")

TRIANGLE_NOTES = ("out= is checked as a route with an empty out only: a dense, non-contiguous out (batch dims "
                  "permuted) makes tril/triu write outside it and corrupt the heap on CPU (the process aborts, so no "
                  "test can xfail it): conformance/repros/rearrange-tril-strided-out.py")

OPS = [
    _op("flip", _flip, _flip_ref),
    _op("fliplr", lambda sizes: st.tuples(st.tuples(sizes.shape(min_dims=2)), st.just({})), np.fliplr,
        zero_dim=False),
    _op("flipud", lambda sizes: st.tuples(st.tuples(sizes.shape(min_dims=1)), st.just({})), np.flipud,
        zero_dim=False),
    _op("roll", _roll, _roll_ref),
    _op("rot90", _rot90, lambda a, k, dims: np.rot90(a, k, dims), zero_dim=False),
    OpInfo("repeat", doc("torch.Tensor.repeat"), lambda sizes: _repeats(sizes, True), call=_tensor_repeat,
           method="repeat", kinds=EVERY_KIND, ref=lambda a, repeats: np.tile(a, repeats), numpy="tile", exact=True,
           grad=2, notes="Tensor.repeat has no torch.repeat function; it behaves as numpy.tile with one repeat or more "
                         "per dim"),
    _op("tile", lambda sizes: _repeats(sizes, False), lambda a, dims: np.tile(a, dims)),
    _op("repeat_interleave", lambda sizes: _repeat_interleave(sizes, False), _repeat_interleave_ref,
        numpy="repeat"),
    OpInfo("repeat_interleave-tensor", doc("torch.repeat_interleave"), lambda sizes: _repeat_interleave(sizes, True),
           function="torch.repeat_interleave", method="repeat_interleave", kinds=EVERY_KIND,
           ref=_repeat_interleave_ref, numpy="repeat", exact=True, grad=2, meta=False,
           notes="the result's size is the sum of the repeats tensor's values: no meta result without output_size"),
    _op("diagonal", _diagonal, _diagonal_ref, zero_dim=False),
    _op("diag", _diag, lambda a, diagonal: np.diag(a, diagonal), out=True, zero_dim=False),
    _op("diag_embed", _diag_embed, _diag_embed_ref, numpy="diagonal", zero_dim=False),
    _op("tril", _triangle, lambda a, diagonal: np.tril(a, diagonal), inplace="tril_", zero_dim=False,
        extra_routes={"out": lambda x, diagonal: torch.tril(x, diagonal, out=x.new_empty(0))}, notes=TRIANGLE_NOTES),
    _op("triu", _triangle, lambda a, diagonal: np.triu(a, diagonal), inplace="triu_", zero_dim=False,
        extra_routes={"out": lambda x, diagonal: torch.triu(x, diagonal, out=x.new_empty(0))}, notes=TRIANGLE_NOTES),
    _op("select", _select, lambda a, dim, index: np.take(a, index, axis=dim), numpy="take", zero_dim=False,
        zero_size=False, notes="no side of 0: an index into it raises, and the autograd checks need a result"),
    _op("squeeze", lambda sizes: _squeezable(sizes, "none"), _squeeze_ref,
        extra_routes={"inplace-method": lambda x: x.squeeze_()}, notes=SQUEEZE_NOTES),
    OpInfo("squeeze-dim", doc("torch.squeeze"), lambda sizes: _squeezable(sizes, "dim"), function="torch.squeeze",
           method="squeeze", extra_routes={"inplace-method": lambda x, dim: x.squeeze_(dim)}, kinds=EVERY_KIND,
           ref=_squeeze_ref, numpy="squeeze", exact=True, grad=2, notes=SQUEEZE_NOTES),
    OpInfo("squeeze-dims", doc("torch.squeeze"), lambda sizes: _squeezable(sizes, "dims"), function="torch.squeeze",
           method="squeeze", extra_routes={"inplace-method": lambda x, dim: x.squeeze_(dim)}, kinds=EVERY_KIND,
           ref=_squeeze_ref, numpy="squeeze", exact=True, grad=2, notes=SQUEEZE_NOTES),
    _op("unbind", _unbind, _unbind_ref, numpy="take", zero_dim=False, zero_size=False,
        notes="no side of 0: unbinding one gives no tensor, which the autograd checks cannot differentiate"),
    OpInfo("as_strided", doc("torch.as_strided"), _as_strided, call=_function_as_strided,
           extra_routes={"method": lambda x, **kw: _fresh(x).as_strided(**kw),
                         "inplace-method": lambda x, **kw: _fresh(x).as_strided_(**kw)},
           kinds=EVERY_KIND, ref=_as_strided_ref, numpy="lib.stride_tricks.as_strided", exact=True, grad=2,
           notes="as_strided addresses the input's storage, not its view: each route (torch.as_strided, "
                 "Tensor.as_strided, Tensor.as_strided_) is given a contiguous copy in new storage, so the result "
                 "is a function of the input's values; strides of 0 make overlapping elements on purpose"),
    OpInfo("view", doc("torch.Tensor.view"), _view_shape, call=_tensor_view,
           extra_routes={"method-sizes": _view_sizes}, kinds=EVERY_KIND,
           ref=lambda a, shape: np.reshape(a, shape), numpy="reshape", exact=True, grad=2,
           notes="shapes that split dims and add or drop sides of 1: every layout can be viewed so"),
    _op("unflatten", _unflatten, _unflatten_ref, numpy="reshape", zero_dim=False),
    OpInfo("tensor_split", doc("torch.tensor_split"), lambda sizes: _tensor_split(sizes, "sections"),
           function="torch.tensor_split", method="tensor_split", kinds=EVERY_KIND, ref=_split_ref,
           numpy="array_split", exact=True, grad=2, zero_dim=False),
    OpInfo("tensor_split-indices", doc("torch.tensor_split"), lambda sizes: _tensor_split(sizes, "indices"),
           function="torch.tensor_split", method="tensor_split", kinds=EVERY_KIND, ref=_split_ref,
           numpy="array_split", exact=True, grad=2, zero_dim=False),
    OpInfo("hsplit", doc("torch.hsplit"), lambda sizes: _tensor_split(sizes, "hsplit"), function="torch.hsplit",
           method="hsplit", kinds=EVERY_KIND, ref=lambda a, indices: np.hsplit(a, indices), numpy="hsplit",
           exact=True, grad=2, zero_dim=False),
    OpInfo("vsplit", doc("torch.vsplit"), lambda sizes: _tensor_split(sizes, "vsplit"), function="torch.vsplit",
           method="vsplit", kinds=EVERY_KIND, ref=lambda a, indices: np.vsplit(a, indices), numpy="vsplit",
           exact=True, grad=2, zero_dim=False),
    *[OpInfo(name, doc(f"torch.{name}"), lambda sizes, name=name: _stacked(sizes, name), function=f"torch.{name}",
             list_input=True, out=True, kinds=EVERY_KIND, ref=_stack_ref(name), numpy=name, exact=True, grad=2,
             vmap=name != "column_stack",
             notes="column_stack: torch.func.vmap raises 'Batching rule not implemented for aten::column_stack. We "
                   "could not generate a fallback'" if name == "column_stack" else "")
      for name in ("hstack", "vstack", "dstack", "column_stack")],
]
