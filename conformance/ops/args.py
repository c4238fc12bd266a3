"""Argument strategies of the registry: each takes :class:`Sizes` and draws ``(inputs, kwargs)``.

``inputs`` is a tuple with one item per tensor argument: a shape (a tensor of the op's dtype with
values from the op's domain for that position) or an :class:`~conformance.ops.core.Arg` (an index,
a mask: its own dtype).  ``kwargs`` are the op's keyword arguments; an ``Arg`` inside them (e.g. in
an index tuple) is drawn too.  Every tensor is then drawn by ``strategies.tensors()`` with a drawn
layout (``conformance.ops_helpers.draw_case``), so a strategy here only decides sizes and arguments.
Every shape comes from ``sizes.shape()`` or ``sizes.sides()``, so each strategy also draws the
zero-size and 0-d arguments of those invariants.
"""

from __future__ import annotations

from hypothesis import strategies as st

from strategies import reshapes

from .core import Sizes


def fixed(**kwargs) -> st.SearchStrategy[dict]:
    """Keyword arguments: plain values as they are, strategies drawn."""
    return st.fixed_dictionaries({k: v if isinstance(v, st.SearchStrategy) else st.just(v) for k, v in kwargs.items()})


def maybe(**kwargs) -> st.SearchStrategy[dict]:
    """Each keyword argument given or left to its default (left out first: the default shrinks best)."""
    return st.tuples(*[st.one_of(st.just({}), fixed(**{k: v})) for k, v in kwargs.items()]).map(
        lambda parts: {k: v for part in parts for k, v in part.items()})


def unary(**kwargs):
    """One input of any shape."""
    return lambda sizes: st.tuples(st.tuples(sizes.shape()), fixed(**kwargs))


@st.composite
def _broadcastable(draw, sizes: Sizes, arity: int):
    """Shapes that broadcast together: leading dims dropped and sides set to 1 from one result shape."""
    result = draw(sizes.shape(), label="broadcast shape")
    out = []
    for i in range(arity):
        if i == 0 and sizes.mode in ("zero-size", "long"):
            out.append(result)  # an input without elements (or with a long side), not only the broadcast
            continue
        lead = draw(st.integers(0, len(result)), label="dropped leading dims")
        out.append(tuple(1 if draw(st.booleans(), label="broadcast side") else s for s in result[lead:]))
    return tuple(out)


def broadcasting(arity: int = 2, kwargs=None):
    """``arity`` inputs whose shapes broadcast together; ``kwargs`` a strategy of keyword arguments."""
    return lambda sizes: st.tuples(_broadcastable(sizes, arity), kwargs if kwargs is not None else st.just({}))


def same_shape(arity: int):
    return lambda sizes: st.tuples(sizes.shape().map(lambda s: (s,) * arity), st.just({}))


# The forms of a reduction's dims, in equal shares: all dims, one dim as an int (negative in half the draws, a
# rule of its own), a tuple of dims.
_REDUCED_DIMS = {"tuple": st.sampled_from(("all", "int", "tuple")), "int": st.sampled_from(("all", "int")),
                 "tuple-required": st.sampled_from(("all", "tuple"))}


@st.composite
def _reduction(draw, sizes: Sizes, dims: str, min_reduced: int, max_numel, options):
    shape = list(draw(sizes.shape(max_numel=min(sizes.max_numel, max_numel or sizes.max_numel),
                                  zero_size=min_reduced == 0), label="shape"))
    if sizes.mode in ("any", "long") and min_reduced > 1 and all(s < min_reduced for s in shape):
        shape = shape or [1]
        shape[-1] = min_reduced  # the smallest change that reduces enough elements
    ndim = len(shape)
    sized = sizes.mode in ("any", "long")  # the other modes draw sides smaller than min_reduced on purpose
    long = [d for d in range(ndim) if shape[d] >= min_reduced or not sized] if ndim else [0]
    ndim = max(ndim, 1)  # a 0-d tensor has one position to reduce over: dims 0 and -1 name it
    mode = draw(_REDUCED_DIMS[dims], label="reduced dims")
    if mode == "all":
        kwargs = {"dim": tuple(range(ndim))} if dims == "tuple-required" else {}
    elif mode == "int":
        # any of -ndim..ndim-1: Hypothesis draws negative integers as readily as positive ones
        kwargs = {"dim": draw(st.sampled_from([d for d in range(-ndim, ndim) if d % ndim in long]), label="dim")}
    else:
        first = draw(st.sampled_from(long), label="dim")
        chosen = sorted({first, *draw(st.sets(st.integers(0, ndim - 1)), label="more dims")})
        kwargs = {"dim": tuple(d - ndim if draw(st.booleans(), label="negative") else d for d in chosen)}
    if "dim" in kwargs:
        kwargs["keepdim"] = draw(st.booleans(), label="keepdim")
    kwargs.update(draw(fixed(**options), label="options"))
    return (tuple(shape),), kwargs


def reduction(dims: str = "tuple", min_reduced: int = 0, max_numel: int | None = None, **options):
    """A reduction over all dims or some: ``dims`` "tuple" (all, one dim as an int, or a tuple of dims),
    "int" (all, or one dim) or "tuple-required" (always a tuple); at least ``min_reduced`` elements reduced (no
    zero-size input when that is positive, except in the zero-size mode)."""
    return lambda sizes: _reduction(sizes, dims, min_reduced, max_numel, options)


def _batches(draw, batch):
    """Two batch shapes that broadcast to ``batch``."""
    out = []
    for _ in range(2):
        lead = draw(st.integers(0, len(batch)), label="dropped batch dims")
        out.append(tuple(1 if draw(st.booleans(), label="broadcast batch side") else s for s in batch[lead:]))
    return out


@st.composite
def _matmul(draw, sizes: Sizes, batch: str, vectors: bool):
    """(..., n, k) @ (..., k, m); ``batch``: "broadcast", "same" (bmm) or "none" (mm); 1-D operands if ``vectors``."""
    n, k, m = draw(sizes.sides(3, 1, 3 if sizes.max_numel < 32 else 4), label="n, k, m")
    a = b = ()
    if batch == "same":
        a = b = (draw(st.integers(1, 3), label="batch"),)
    elif batch == "broadcast":
        a, b = _batches(draw, draw(Sizes(max(1, sizes.max_numel // 16)).shape(max_dims=2, max_side=2, zero_size=False),
                                   label="batch"))
    vectors = vectors and (sizes.mode != "zero-size" or k == 0)  # a vector operand keeps only k
    left = (k,) if vectors and draw(st.booleans(), label="vector left") else a + (n, k)
    right = (k,) if vectors and draw(st.booleans(), label="vector right") else b + (k, m)
    return (left, right), {}


def matmul(batch: str = "broadcast", vectors: bool = True):
    return lambda sizes: _matmul(sizes, batch, vectors)


@st.composite
def _vectors(draw, sizes: Sizes, same_length: bool):
    n, m = draw(sizes.sides(2, 0, min(sizes.max_numel, 6)), label="lengths")
    if same_length and sizes.mode == "zero-size":
        n = 0
    return ((n,), (n if same_length else m,)), {}


def vectors(same_length: bool):
    return lambda sizes: _vectors(sizes, same_length)


@st.composite
def _matrix_vector(draw, sizes: Sizes):
    n, k = draw(sizes.sides(2, 1, 4), label="n, k")
    return ((n, k), (k,)), {}


def matrix_vector():
    return _matrix_vector


# ---------------------------------------------------------------------------
# Dims and structure
# ---------------------------------------------------------------------------

@st.composite
def _dim_pair(draw, sizes: Sizes, names: tuple, min_dims: int, max_dims: int):
    shape = draw(sizes.shape(min_dims=min_dims, max_dims=max_dims), label="shape")
    ndim = max(len(shape), 1)
    dim = st.integers(-ndim, ndim - 1)
    return (shape,), {names[0]: draw(dim, label=names[0]), names[1]: draw(dim, label=names[1])}


def dim_pair(first: str, second: str, min_dims: int = 1, max_dims: int = 4):
    """A shape and two dims of it (``transpose(dim0, dim1)``, ``movedim(source, destination)``)."""
    return lambda sizes: _dim_pair(sizes, (first, second), min_dims, max_dims)


@st.composite
def _dim(draw, sizes: Sizes, name: str, min_dims: int, extra: int, options):
    shape = draw(sizes.shape(min_dims=min_dims), label="shape")
    ndim = len(shape) + extra if extra else max(len(shape), 1)
    kwargs = {name: draw(st.integers(-ndim, ndim - 1), label=name)}
    kwargs.update(draw(fixed(**options), label="options"))
    return (shape,), kwargs


def one_dim(name: str = "dim", min_dims: int = 0, extra: int = 0, **options):
    """A shape and one dim of it (``extra`` more positions: ``unsqueeze`` may add a last dim)."""
    return lambda sizes: _dim(sizes, name, min_dims, extra, options)


@st.composite
def _permute(draw, sizes: Sizes):
    shape = draw(sizes.shape(), label="shape")
    return (shape,), {"dims": tuple(draw(st.permutations(range(len(shape))), label="dims"))}


def permute():
    return _permute


@st.composite
def _matrix_dims(draw, sizes: Sizes, min_dims: int, max_dims: int):
    return (draw(sizes.shape(min_dims=min_dims, max_dims=max_dims), label="shape"),), {}


def of_dims(min_dims: int = 0, max_dims: int = 4):
    """One input with ``min_dims..max_dims`` dims (``t()``: at most 2, ``.mT``: at least 2)."""
    return lambda sizes: _matrix_dims(sizes, min_dims, max_dims)


@st.composite
def _reshape(draw, sizes: Sizes):
    shape = draw(sizes.shape(), label="shape")
    return (shape,), {"shape": draw(reshapes(shape), label="new shape")}


def reshape():
    return _reshape


@st.composite
def _expand(draw, sizes: Sizes):
    """New leading sizes, size-1 dims grown (or kept with -1): the gradient sums over all of them."""
    shape = draw(sizes.shape(max_numel=max(1, sizes.max_numel // 4)), label="shape")
    lead = draw(st.lists(st.integers(0, 3), max_size=max(0, 4 - len(shape))), label="new leading sizes")
    grown = [draw(st.sampled_from([-1, 1, 2, 3]), label="grown size") if s == 1 else
             draw(st.sampled_from([-1, s]), label="kept size") for s in shape]
    return (shape,), {"size": tuple(lead) + tuple(grown)}


def expand():
    return _expand


@st.composite
def _narrow(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=1), label="shape")
    dim = draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    size = shape[dim]
    start = draw(st.integers(0, size), label="start")
    return (shape,), {"dim": dim, "start": start, "length": draw(st.integers(0, size - start), label="length")}


def narrow():
    return _narrow


@st.composite
def _flatten(draw, sizes: Sizes):
    shape = draw(sizes.shape(), label="shape")
    ndim = max(len(shape), 1)
    start, end = sorted(draw(st.lists(st.integers(0, ndim - 1), min_size=2, max_size=2), label="dims"))
    return (shape,), {"start_dim": start - draw(st.sampled_from([0, ndim]), label="negative start"),
                      "end_dim": end - draw(st.sampled_from([0, ndim]), label="negative end")}


def flatten():
    return _flatten


@st.composite
def _cat(draw, sizes: Sizes):
    """1-3 tensors equal but along ``dim``, where each has its own size."""
    base = draw(sizes.shape(min_dims=1, max_numel=max(1, sizes.max_numel // 3)), label="shape")
    dim = draw(st.integers(-len(base), len(base) - 1), label="dim")
    lengths = draw(st.lists(st.integers(0, 3), min_size=1, max_size=3), label="sizes along dim")
    if sizes.mode == "zero-size" and base[dim] == 0:
        lengths = [0] * len(lengths)  # the side of 0 is the one joined along
    return tuple(base[:dim % len(base)] + (s,) + base[dim % len(base) + 1:] for s in lengths), {"dim": dim}


def cat():
    return _cat


@st.composite
def _stack(draw, sizes: Sizes):
    shape = draw(sizes.shape(max_numel=max(1, sizes.max_numel // 3)), label="shape")
    count = draw(st.integers(1, 3), label="tensors")
    return (shape,) * count, {"dim": draw(st.integers(-len(shape) - 1, len(shape)), label="dim")}


def stack():
    return _stack


@st.composite
def _split(draw, sizes: Sizes, how: str):
    """``split(int)``: pieces of a size, the last smaller; ``split(list)``: the given sizes;
    ``chunk(n)``: pieces of ceil(size / n), maybe fewer than n."""
    shape = draw(sizes.shape(min_dims=1, max_dims=3, zero_size=how != "chunks"), label="shape")
    dim = draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    size = shape[dim]
    if how == "size":
        return (shape,), {"split_size_or_sections": draw(st.integers(1, size + 1), label="split size"), "dim": dim}
    if how == "sections":
        cuts = sorted(draw(st.lists(st.integers(0, size), max_size=3), label="cuts"))
        bounds = [0, *cuts, size]
        return (shape,), {"split_size_or_sections": [b - a for a, b in zip(bounds, bounds[1:])], "dim": dim}
    return (shape,), {"chunks": draw(st.integers(1, size + 1), label="chunks"), "dim": dim}


def split(how: str):
    """``how``: "size", "sections" or "chunks"."""
    return lambda sizes: _split(sizes, how)


@st.composite
def _clamp(draw, sizes: Sizes):
    """Either bound or both, halves (exact in every dtype); min > max is allowed (documented)."""
    bound = st.integers(-6, 6).map(lambda k: k / 2)
    which = draw(st.sampled_from([(True, False), (False, True), (True, True)]), label="bounds given")
    kwargs = {name: draw(bound, label=name) for name, given in zip(("min", "max"), which) if given}
    return (draw(sizes.shape(), label="shape"),), kwargs


def clamp():
    return _clamp
