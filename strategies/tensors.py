"""Tensor strategies with first-class layouts.

A drawn tensor is a view (or, for channels_last, a re-strided copy) of a flat
base storage.  Its element values are drawn through Hypothesis (``values``), so
they shrink and reach boundary values.  Storage cells the view cannot reach hold
a filler that no element holds where the dtype allows it (NaN for floating
dtypes; PyTorch OpInfo's ``noncontiguous_like`` trick), so a kernel that reads
the wrong cell shows it.  Every tensor carries a :class:`Recipe`, a torch-only
Python expression that rebuilds it exactly; Hypothesis prints that expression
in falsifying examples.
"""

from __future__ import annotations

import math

import torch
from hypothesis import strategies as st

from .dtypes import dtypes as _dtypes, kind_of
from .recipes import RECIPE_ATTR, Recipe, Step, rebuilt, recipe_of
from .shapes import shapes as _shapes
from .values import DEFAULT_BOUNDS, draw_elements, filler, picks, special_values

__all__ = ["LAYOUTS", "RECIPE_ATTR", "WRITABLE_LAYOUTS", "Recipe", "Step", "filler", "rebuilt", "recipe_of",
           "special_values", "tensors"]

LAYOUTS = ("contiguous", "permute", "transpose", "slice", "narrow", "expand",
           "unsqueeze", "diagonal", "channels_last", "as_strided")
# Layouts without internal overlap: every element has its own storage cell.
WRITABLE_LAYOUTS = tuple(name for name in LAYOUTS if name != "expand")


# ---------------------------------------------------------------------------
# Layout plans: the base shape and the steps that turn it into ``shape``
# ---------------------------------------------------------------------------

def _plan_contiguous(draw, shape):
    return shape, ()


def _plan_permute(draw, shape):
    order = draw(st.permutations(range(len(shape))), label="permutation")
    base = [0] * len(shape)
    for i, d in enumerate(order):
        base[d] = shape[i]
    return tuple(base), (Step("permute", (tuple(order),)),)


def _plan_transpose(draw, shape):
    i, j = draw(st.lists(st.integers(0, len(shape) - 1), min_size=2, max_size=2, unique=True),
                label="transposed dims")
    base = list(shape)
    base[i], base[j] = base[j], base[i]
    return tuple(base), (Step("transpose", (i, j)),)


def _plan_slice(draw, shape):
    base, index = [], []
    for size in shape:
        step = draw(st.integers(1, 3), label="slice step")
        start = draw(st.integers(0, 2), label="slice start")
        span = (size - 1) * step + 1 if size else 0
        base.append(start + span + draw(st.integers(0, 1), label="slice slack"))
        index.append(slice(start, start + span, step))
    return tuple(base), (Step("__getitem__", tuple(index)),)


def _plan_narrow(draw, shape):
    dim = draw(st.integers(0, len(shape) - 1), label="narrow dim")
    start = draw(st.integers(0, 3), label="narrow start")
    base = list(shape)
    base[dim] += start + draw(st.integers(0, 2), label="narrow slack")
    return tuple(base), (Step("narrow", (dim, start, shape[dim])),)


def _plan_expand(draw, shape):
    mask = draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)), label="expanded dims")
    base = [1 if m else s for m, s in zip(mask, shape)]
    new_dims = draw(st.integers(0, len(shape)), label="new leading dims")
    return tuple(base[new_dims:]), (Step("expand", tuple(shape)),)


def _plan_unsqueeze(draw, shape):
    dim = draw(st.sampled_from(tuple(d for d, s in enumerate(shape) if s == 1)), label="unsqueezed dim")
    return shape[:dim] + shape[dim + 1:], (Step("unsqueeze", (dim,)),)


def _plan_diagonal(draw, shape):
    offset = draw(st.integers(0, 2), label="diagonal offset")
    n = shape[-1]
    return shape[:-1] + (n, n + offset), (Step("diagonal", (), (("dim1", -2), ("dim2", -1), ("offset", offset))),)


def _plan_channels_last(draw, shape):
    fmt = torch.channels_last if len(shape) == 4 else torch.channels_last_3d
    return shape, (Step("contiguous", (), (("memory_format", fmt),)),)


def _plan_as_strided(draw, shape):
    order = draw(st.permutations(range(len(shape))), label="stride order")
    strides = [0] * len(shape)
    stride = draw(st.integers(1, 2), label="innermost stride")
    for d in reversed(order):
        strides[d] = stride
        stride = stride * max(shape[d], 1) + draw(st.integers(0, 1), label="stride padding")
    offset = draw(st.integers(0, 3), label="storage offset")
    extent = sum((s - 1) * st_ for s, st_ in zip(shape, strides)) + 1 if math.prod(shape) else 0
    storage = offset + extent + draw(st.integers(0, 2), label="storage slack")
    return (storage,), (Step("as_strided", (tuple(shape), tuple(strides), offset)),)


_PLANS = {
    "contiguous": (_plan_contiguous, lambda s: True),
    "permute": (_plan_permute, lambda s: len(s) >= 2),
    "transpose": (_plan_transpose, lambda s: len(s) >= 2),
    "slice": (_plan_slice, lambda s: len(s) >= 1),
    "narrow": (_plan_narrow, lambda s: len(s) >= 1),
    "expand": (_plan_expand, lambda s: len(s) >= 1),
    "unsqueeze": (_plan_unsqueeze, lambda s: 1 in s),
    "diagonal": (_plan_diagonal, lambda s: len(s) >= 1),
    "channels_last": (_plan_channels_last, lambda s: len(s) in (4, 5)),
    "as_strided": (_plan_as_strided, lambda s: len(s) >= 1),
}
assert set(_PLANS) == set(LAYOUTS)

_MAX_STORAGE = 512


def _plan(draw, shape, layouts, depth):
    """(layout name, base shape, steps) for a tensor of ``shape``."""
    names = tuple(n for n in layouts if _PLANS[n][1](shape))  # a tuple: Hypothesis caches the strategy
    if not names:
        raise ValueError(f"none of the layouts {layouts} applies to shape {shape}")
    name = draw(st.sampled_from(names), label="layout")
    base, steps = _PLANS[name][0](draw, shape)
    # as_strided addresses the storage itself, so nothing may come before it
    if depth > 1 and name not in ("contiguous", "as_strided") and math.prod(base) <= _MAX_STORAGE // 4 \
            and any(_PLANS[n][1](base) for n in layouts) and draw(st.booleans(), label="compose layouts"):
        inner, base, inner_steps = _plan(draw, base, layouts, depth - 1)
        if inner != "contiguous":
            name = f"{inner}+{name}"
        steps = inner_steps + steps
    return name, tuple(base), steps


# ---------------------------------------------------------------------------
# The strategy
# ---------------------------------------------------------------------------

def _resolve(draw, value, label):
    return draw(value, label=label) if isinstance(value, st.SearchStrategy) else value


@st.composite
def tensors(draw, dtype=None, shape=None, device="cpu", *, layouts=LAYOUTS, max_depth: int = 2,
            low=None, high=None, min_abs: float = 0.0, special: bool = False,
            unique: bool = False, requires_grad: bool = False):
    """A tensor with drawn values, dtype, shape and layout.

    ``dtype`` and ``shape`` are values or strategies (default: any dtype the
    device supports; ``shapes()``).  ``layouts`` limits the layouts drawn
    (default: all of ``LAYOUTS``, composed up to ``max_depth`` deep).  Values
    are finite and within ``[low, high]`` (per-kind defaults) with
    ``|x| >= min_abs``, boundary values of that set included (-0.0 and 0.0,
    subnormals, ties, the bounds); ``special=True`` mixes in nan, inf, -inf,
    the dtype's extremes and subnormals whatever the bounds; ``unique=True``
    makes all elements distinct.  With ``requires_grad=True`` the tensor is a
    leaf that keeps its layout.  Examples: ``tensors(torch.float32, (2, 3))``,
    ``tensors(dtypes(kinds=("int",)), layouts=("contiguous",), low=0)``.
    """
    unknown = set(layouts) - set(LAYOUTS)
    if unknown:
        raise ValueError(f"unknown layouts {sorted(unknown)}; choose from {LAYOUTS}")
    entropy = picks(draw)
    dtype = _resolve(draw, _dtypes(device) if dtype is None else dtype, "dtype")
    shape = tuple(_resolve(draw, _shapes() if shape is None else shape, "shape"))
    kind = kind_of(dtype)
    default_low, default_high = DEFAULT_BOUNDS[kind]
    low = default_low if low is None else low
    high = default_high if high is None else high
    if low > high:
        raise ValueError(f"low={low} > high={high}")
    if requires_grad and kind not in ("float", "complex"):
        raise ValueError(f"requires_grad needs a floating or complex dtype, not {dtype}")

    layout, base_shape, steps = _plan(draw, shape, layouts, max_depth)
    # Which storage cells the tensor reaches: push an index tensor through the same steps.
    index = torch.arange(math.prod(base_shape)).reshape(base_shape)
    for step in steps:
        index = step.apply(index)
    reached = torch.unique(index.reshape(-1))

    values = draw_elements(draw, dtype, reached.numel(), entropy, low=low, high=high, min_abs=min_abs,
                           special=special, unique=unique)
    fill = filler(dtype, values.tolist() if kind in ("int", "uint", "bool") else None)
    storage = torch.full((math.prod(base_shape),), fill, dtype=dtype)
    storage[reached] = values

    recipe = Recipe(layout, storage, base_shape, steps, str(device), requires_grad)
    t = recipe.build()
    setattr(t, RECIPE_ATTR, recipe)
    return t

