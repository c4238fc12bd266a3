"""Tensor strategies with first-class layouts.

A drawn tensor is a view (or, for channels_last, a re-strided copy) of a flat
base storage.  Its elements are Hypothesis's own: a random bulk or one drawn
value, and a few drawn elements placed over it, so a failing tensor shrinks
to zeros and the few values that matter.  Storage cells the view cannot reach
hold a value no element takes (NaN for floating dtypes, an integer outside the
bounds; PyTorch OpInfo's ``noncontiguous_like`` trick), so a kernel that reads
the wrong element shows it.  Every tensor carries a :class:`Recipe`, a
torch-only Python expression that rebuilds it exactly; Hypothesis prints that
expression in falsifying examples.
"""

from __future__ import annotations

import functools
import math
import struct
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
import torch
from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.vendor import pretty

from .dtypes import dtypes as _dtypes, kind_of
from .shapes import _ints, shapes as _shapes

LAYOUTS = ("contiguous", "permute", "transpose", "slice", "narrow", "expand",
           "unsqueeze", "diagonal", "channels_last", "as_strided")
# Layouts without internal overlap: every element has its own storage cell.
WRITABLE_LAYOUTS = tuple(name for name in LAYOUTS if name != "expand")
# Drawn only when asked for: every other cell of a storage twice as long (OpInfo's ``noncontiguous_like``),
# not contiguous as soon as the tensor has two elements.
INTERLEAVED = "interleaved"

RECIPE_ATTR = "_conformance_recipe"


# ---------------------------------------------------------------------------
# Steps and recipes
# ---------------------------------------------------------------------------

def _code(value) -> str:
    """Python source for a step argument or a storage value."""
    if value is Ellipsis:
        return "..."
    if isinstance(value, slice):
        parts = ["" if v is None else str(v) for v in (value.start, value.stop, value.step)]
        return ":".join(parts)
    if isinstance(value, torch.memory_format):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"float('{value}')"
    if isinstance(value, complex):
        return f"complex({_code(value.real)}, {_code(value.imag)})"
    return repr(value)


def value_key(value) -> bytes:
    """A Python scalar's identity as the suite compares values: bitwise (``-0.0`` is not ``0.0``), every
    NaN one value (a printed ``float('nan')`` carries no payload)."""
    if isinstance(value, complex):
        return value_key(value.real) + value_key(value.imag)
    if isinstance(value, float):
        return b"nan" if math.isnan(value) else struct.pack("<d", value)
    return repr(value).encode()


def storage_code(storage: torch.Tensor) -> str:
    """A torch-only expression for a flat cpu tensor, bitwise: the shorter of its literal list and a
    ``torch.full`` (``torch.zeros``) of its most common value with the other elements put in place.

    >>> storage_code(torch.tensor([1.5, 0.0]))
    'torch.tensor([1.5, 0.0], dtype=torch.float32)'
    >>> storage_code(torch.zeros(16).index_put_((torch.tensor([2]),), torch.tensor([-0.0])))
    'torch.zeros(16, dtype=torch.float32).index_put_((torch.tensor([2]),), torch.tensor([-0.0], dtype=torch.float32))'
    """
    values, dtype = storage.tolist(), storage.dtype
    literal = f"torch.tensor([{', '.join(_code(v) for v in values)}], dtype={dtype})"
    if not values:
        return literal
    keys = [value_key(v) for v in values]
    common = Counter(keys).most_common(1)[0][0]
    value = values[keys.index(common)]
    compact = f"torch.zeros({len(values)}, dtype={dtype})" if common == value_key(type(value)(0)) else \
        f"torch.full(({len(values)},), {_code(value)}, dtype={dtype})"
    others = [i for i, key in enumerate(keys) if key != common]
    if others:
        compact += (f".index_put_((torch.tensor({others}),), "
                    f"torch.tensor([{', '.join(_code(values[i]) for i in others)}], dtype={dtype}))")
    return min(literal, compact, key=len)


@dataclass(frozen=True)
class Step:
    """One tensor method call (or ``[]`` indexing) applied to the previous result."""

    method: str
    args: tuple = ()
    kwargs: tuple = ()  # sorted (name, value) pairs

    def apply(self, t: torch.Tensor) -> torch.Tensor:
        if self.method == "__getitem__":
            return t[self.args]
        return getattr(t, self.method)(*self.args, **dict(self.kwargs))

    def code(self) -> str:
        if self.method == "__getitem__":
            return "[" + ", ".join(_code(a) for a in self.args) + "]"
        args = [_code(a) for a in self.args] + [f"{k}={_code(v)}" for k, v in self.kwargs]
        return f".{self.method}({', '.join(args)})"


@dataclass
class Recipe:
    """How a drawn tensor was built: base storage values, then a chain of steps."""

    layout: str
    storage: torch.Tensor  # flat, on cpu, in the target dtype
    base_shape: tuple
    steps: tuple
    device: str
    requires_grad: bool = False

    def build(self) -> torch.Tensor:
        """A fresh tensor: its storage is a copy, so writes to it never reach the recipe."""
        t = self.storage.to(self.device, copy=True).reshape(self.base_shape)
        for step in self.steps:
            t = step.apply(t)
        if self.requires_grad:
            t = t.detach().requires_grad_(True)
        return t

    def code(self, device: str | None = None) -> str:
        """A torch-only expression that rebuilds the tensor exactly (its storage: :func:`storage_code`), on the
        recipe's device or, with ``device``, on the device that Python expression names (a script's variable)."""
        text = storage_code(self.storage)
        if device is not None:
            text += f".to({device})"
        elif self.device != "cpu":
            text += f".to({self.device!r})"
        text += f".reshape({_code(tuple(self.base_shape))})"
        text += "".join(step.code() for step in self.steps)
        if self.requires_grad:
            text += ".detach().requires_grad_(True)"
        return text

    def on(self, device) -> "Recipe":
        """The same tensor (values, layout) on another device."""
        return replace(self, device=str(device))


def recipe_of(t: torch.Tensor) -> Recipe | None:
    """The recipe a strategy attached to ``t``, if any."""
    return getattr(t, RECIPE_ATTR, None)


def rebuilt(value, device):
    """``value`` on ``device``: a drawn tensor rebuilt from its recipe (same values and layout, fresh
    storage), another tensor moved there, tuples and lists item by item, anything else as it is."""
    if isinstance(value, (tuple, list)):
        return type(value)(rebuilt(v, device) for v in value)
    if not isinstance(value, torch.Tensor):
        return value
    recipe = recipe_of(value)
    if recipe is not None:
        return recipe.on(device).build()
    return value.detach().to(device).requires_grad_(value.requires_grad)


def _pretty_tensor(t, printer, cycle):
    recipe = recipe_of(t)
    printer.text(recipe.code() if recipe is not None else repr(t))


pretty.for_type_by_name("torch", "Tensor", _pretty_tensor)


# ---------------------------------------------------------------------------
# Layout plans: the base shape and the steps that turn it into ``shape``
# ---------------------------------------------------------------------------

# Strategies built once per argument tuple (as shapes' ``_ints``): drawing from a cached strategy skips
# Hypothesis's per-call construction and validation (the same choices either way).
_sampled = functools.lru_cache(maxsize=None)(st.sampled_from)


@functools.lru_cache(maxsize=None)
def _permutations(n: int) -> st.SearchStrategy:
    return st.permutations(range(n))


def _plan_contiguous(draw, shape):
    return shape, ()


def _plan_permute(draw, shape):
    order = draw(_permutations(len(shape)), label="permutation")
    base = [0] * len(shape)
    for i, d in enumerate(order):
        base[d] = shape[i]
    return tuple(base), (Step("permute", (tuple(order),)),)


def _plan_transpose(draw, shape):
    i, j = draw(st.lists(_ints(0, len(shape) - 1), min_size=2, max_size=2, unique=True),
                label="transposed dims")
    base = list(shape)
    base[i], base[j] = base[j], base[i]
    return tuple(base), (Step("transpose", (i, j)),)


def _plan_slice(draw, shape):
    base, index = [], []
    for size in shape:
        step = draw(_ints(1, 3), label="slice step")
        start = draw(_ints(0, 2), label="slice start")
        span = (size - 1) * step + 1 if size else 0
        base.append(start + span + draw(_ints(0, 1), label="slice slack"))
        index.append(slice(start, start + span, step))
    return tuple(base), (Step("__getitem__", tuple(index)),)


def _plan_narrow(draw, shape):
    dim = draw(_ints(0, len(shape) - 1), label="narrow dim")
    start = draw(_ints(0, 3), label="narrow start")
    base = list(shape)
    base[dim] += start + draw(_ints(0, 2), label="narrow slack")
    return tuple(base), (Step("narrow", (dim, start, shape[dim])),)


def _plan_expand(draw, shape):
    mask = draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)), label="expanded dims")
    base = [1 if m else s for m, s in zip(mask, shape)]
    new_dims = draw(_ints(0, len(shape)), label="new leading dims")
    return tuple(base[new_dims:]), (Step("expand", tuple(shape)),)


def _plan_unsqueeze(draw, shape):
    dim = draw(_sampled(tuple(d for d, s in enumerate(shape) if s == 1)), label="unsqueezed dim")
    return shape[:dim] + shape[dim + 1:], (Step("unsqueeze", (dim,)),)


def _plan_diagonal(draw, shape):
    offset = draw(_ints(0, 2), label="diagonal offset")
    n = shape[-1]
    return shape[:-1] + (n, n + offset), (Step("diagonal", (), (("dim1", -2), ("dim2", -1), ("offset", offset))),)


def _plan_channels_last(draw, shape):
    fmt = torch.channels_last if len(shape) == 4 else torch.channels_last_3d
    return shape, (Step("contiguous", (), (("memory_format", fmt),)),)


def _plan_interleaved(draw, shape):
    return tuple(shape) + (2,), (Step("__getitem__", (Ellipsis, 0)),)


def _plan_as_strided(draw, shape):
    order = draw(_permutations(len(shape)), label="stride order")
    strides = [0] * len(shape)
    stride = draw(_ints(1, 2), label="innermost stride")
    for d in reversed(order):
        strides[d] = stride
        stride = stride * max(shape[d], 1) + draw(_ints(0, 1), label="stride padding")
    offset = draw(_ints(0, 3), label="storage offset")
    extent = sum((s - 1) * st_ for s, st_ in zip(shape, strides)) + 1 if math.prod(shape) else 0
    storage = offset + extent + draw(_ints(0, 2), label="storage slack")
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
    INTERLEAVED: (_plan_interleaved, lambda s: True),
}
assert set(_PLANS) == {*LAYOUTS, INTERLEAVED}

_MAX_STORAGE = 512


def applicable_layouts(layouts, shape) -> tuple:
    """The layouts of ``layouts`` a tensor of ``shape`` can have (a permutation needs two dims, channels-last
    four or five, an unsqueeze a dim of size 1)."""
    return tuple(name for name in layouts if _PLANS[name][1](tuple(shape)))


def _plan(draw, shape, layouts, depth):
    """(layout name, base shape, steps) for a tensor of ``shape``."""
    names = applicable_layouts(layouts, shape)
    if not names:
        raise ValueError(f"none of the layouts {layouts} applies to shape {shape}")
    name = draw(_sampled(tuple(names)), label="layout")
    base, steps = _PLANS[name][0](draw, shape)
    # as_strided addresses the storage itself, so nothing may come before it
    # an inner layout needs one that applies to the base (an expand may leave a 0-d base)
    if depth > 1 and name not in ("contiguous", "as_strided") and math.prod(base) <= _MAX_STORAGE // 4 \
            and any(_PLANS[n][1](base) for n in layouts) and draw(st.booleans(), label="compose layouts"):
        inner, base, inner_steps = _plan(draw, base, layouts, depth - 1)
        if inner != "contiguous":
            name = f"{inner}+{name}"
        steps = inner_steps + steps
    return name, tuple(base), steps


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

def filler(dtype: torch.dtype, low=None, high=None):
    """The value of the storage cells a drawn tensor cannot reach, one no element drawn within ``[low, high]``
    takes: NaN for floating dtypes, an integer outside the bounds (the dtype's least, else its greatest);
    None where there is none (bool; an integer dtype whose whole range is drawn): see :func:`_fill`."""
    kind = kind_of(dtype)
    if kind in ("float", "complex"):
        return float("nan")
    if kind == "bool":
        return None
    info = torch.iinfo(dtype)
    low, high = DEFAULT_BOUNDS[kind] if low is None else (low, high)
    return info.min if low > info.min else info.max if high < info.max else None


def storage_cells(base_shape, steps) -> torch.Tensor:
    """The storage cell of each element of the view ``steps`` make of a storage of ``base_shape``: an index
    tensor pushed through the same steps."""
    index = torch.arange(math.prod(base_shape)).reshape(base_shape)
    for step in steps:
        index = step.apply(index)
    return index.reshape(-1)


def _fill(storage: torch.Tensor, reached: torch.Tensor, low, high) -> torch.Tensor:
    """``storage`` with its unreached cells filled: with :func:`filler`, or, where the dtype has no free
    value, each with the opposite (bool) or the successor, wrapping (integers), of the reached cell
    just before it in storage (the first reached one for cells before it) -- so a kernel that reads a
    cell past the one it should reads another value."""
    unreached = torch.ones(storage.numel(), dtype=torch.bool)
    unreached[reached] = False
    fill = filler(storage.dtype, low, high)
    if fill is not None or not reached.numel():
        storage[unreached] = True if fill is None else fill
        return storage
    cells = torch.arange(storage.numel())
    before = reached[(torch.searchsorted(reached, cells, right=True) - 1).clamp(min=0)]
    storage[unreached] = (~storage[before] if storage.dtype == torch.bool else storage[before] + 1)[unreached]
    return storage


DEFAULT_BOUNDS = {"float": (-10.0, 10.0), "complex": (-10.0, 10.0), "int": (-100, 100),
                  "uint": (0, 100), "bool": (0, 1)}

# Elements of a tensor Hypothesis draws and places itself over its bulk (see :func:`_drawn_values`).
MAX_PLACED = 4
_REAL = {torch.complex32: torch.float16, torch.complex64: torch.float32, torch.complex128: torch.float64}


def special_values(dtype: torch.dtype) -> list[float]:
    """inf, -inf, nan, -0.0, 0.0, the largest finite, the smallest normal and subnormal."""
    info = torch.finfo(dtype)
    return [math.inf, -math.inf, math.nan, -0.0, 0.0, info.max, info.tiny, info.smallest_normal / 4]


def _inward(value: float, dtype: torch.dtype, direction: int) -> float:
    """``value`` if ``dtype`` holds it exactly, else its neighbour in ``dtype`` towards ``direction``
    (+1 up, -1 down): a bound that rounding to ``dtype`` cannot cross."""
    t = torch.tensor(value, dtype=torch.float64).to(dtype)
    if (t.item() - value) * direction < 0:
        t = torch.nextafter(t, torch.tensor(direction * math.inf, dtype=dtype))
    return t.item()


def _boundaries(dtype: torch.dtype, low: float, high: float, gap: float) -> list[float]:
    """The edges of the allowed set in ``dtype``: its bounds, the edges of the gap around zero, and
    where zero is allowed the signed zeros, the smallest normal and the smallest subnormal."""
    tiny = torch.finfo(dtype).tiny
    subnormal = torch.nextafter(torch.zeros((), dtype=dtype), torch.ones((), dtype=dtype)).item()
    edges = [low, high, -gap, gap] + ([0.0, -0.0, tiny, -tiny, subnormal, -subnormal] if gap == 0 else [])
    allowed = {value_key(v): v for v in edges if low <= v <= high and abs(v) >= gap}  # keeps -0.0 apart
    return sorted(allowed.values(), key=lambda v: (abs(v), math.copysign(1, v) < 0))


@functools.lru_cache(maxsize=None)
def _element(dtype: torch.dtype, low, high, min_abs: float, special: bool) -> st.SearchStrategy:
    """One element through Hypothesis: it shrinks towards zero (the allowed value nearest it), and its
    generation reaches the edges of the allowed set (and with ``special``, inf, nan and the largest finite)."""
    kind = kind_of(dtype)
    if kind == "bool":
        return st.booleans()
    if kind in ("int", "uint"):
        gap = math.ceil(min_abs)
        low, high = int(low), int(high)
        ranges = [(low, high)] if gap <= 0 else [(low, min(high, -gap)), (max(low, gap), high)]
        ranges = [(a, b) for a, b in ranges if a <= b]
        if not ranges:
            raise ValueError(f"no integer in [{low}, {high}] has |x| >= {min_abs}")
        return st.one_of([st.integers(a, b) for a, b in ranges])
    real = _REAL.get(dtype, dtype)
    low, high = _inward(low, real, +1), _inward(high, real, -1)
    gap = _inward(min_abs, real, +1) if min_abs > 0 else 0.0
    pieces = [(low, high)] if gap <= 0 else [(low, min(high, -gap)), (max(low, gap), high)]
    pieces = [(a, b) for a, b in pieces if a <= b]
    if not pieces:
        raise ValueError(f"no value in [{low}, {high}] has |x| >= {min_abs}")
    part = st.one_of(*[st.floats(a, b) for a, b in pieces], st.sampled_from(_boundaries(real, low, high, gap)))
    if special:
        part = st.one_of(part, st.sampled_from(special_values(real)))
    return st.builds(complex, part, part) if kind == "complex" else part


_SEEDS = st.integers(0, 2**32 - 1)
_CONSTANT_ONE_IN = 16  # a seed divisible by it, as 0 to which shrinking moves: a constant bulk
_PLACED = st.integers(0, MAX_PLACED)


def _drawn_values(draw, dtype, n, low, high, min_abs, special, unique, generic) -> torch.Tensor:
    """``n`` elements: a bulk -- random values from a drawn seed, or, for one seed in :data:`_CONSTANT_ONE_IN`
    and the seed 0 to which shrinking moves, one value Hypothesis draws -- and up to :data:`MAX_PLACED`
    elements Hypothesis draws and places itself (a later one at the same index wins). Shrinking thus moves
    towards a constant tensor of zeros with few other elements, each as simple as the failure lets it be,
    while generation keeps mostly varied values; it steers the placed ones to the edges of the allowed
    values.  ``generic``: the random bulk alone (a point off every kink and tie, as a derivative check needs)."""
    if not n:
        return torch.empty(0, dtype=dtype)
    seed = draw(_SEEDS)
    if generic:
        return _values(np.random.default_rng(seed), dtype, n, low, high, min_abs, special, unique)
    element = _element(dtype, low, high, min_abs, special)
    if (unique and n > 1) or seed % _CONSTANT_ONE_IN:
        values = _values(np.random.default_rng(seed), dtype, n, low, high, min_abs, special, unique)
    elif n == 1:
        return torch.tensor([draw(element)], dtype=dtype)
    else:
        values = torch.full((n,), draw(element), dtype=dtype)
    count = draw(_PLACED)
    if not count:
        return values
    indices = _ints(0, n - 1)
    for _ in range(count):
        i, value = draw(indices), draw(element)
        if unique and (values == value).any():
            continue  # it would repeat an element
        values[i] = value
    return values


def _uniform_on(u, low, high, min_abs):
    """Map ``u`` in [0, 1) onto [low, high] minus the open band (-min_abs, min_abs)."""
    pieces = [(low, high)] if min_abs <= 0 else \
        [(a, b) for a, b in ((low, min(high, -min_abs)), (max(low, min_abs), high)) if a <= b]
    if not pieces:
        raise ValueError(f"no value in [{low}, {high}] has |x| >= {min_abs}")
    lengths = np.array([b - a for a, b in pieces])
    total = lengths.sum()
    if total == 0:
        return np.full_like(u, pieces[0][0])
    at = u * total
    in_second = at >= lengths[0]
    first = pieces[0][0] + at
    if len(pieces) == 1:
        return first
    return np.where(in_second, pieces[1][0] + (at - lengths[0]), first)


def _floats(rng, n, low, high, min_abs, distinct):
    """n floats in the allowed set; distinct cells of a shuffled grid when ``distinct``."""
    if distinct:
        cells = 2 * n + 1
        u = (rng.choice(cells, size=n, replace=False) + 0.25 + 0.5 * rng.random(n)) / cells
    else:
        u = rng.random(n)
    return _uniform_on(u, low, high, min_abs)


def _values(rng, dtype, n, low, high, min_abs, special, unique):
    """``n`` random elements in the allowed set, from ``rng`` (distinct ones with ``unique``); with
    ``special``, a quarter of them special values."""
    kind = kind_of(dtype)
    if kind in ("float", "complex"):
        x = _floats(rng, n, low, high, min_abs, unique)
        if kind == "complex":
            x = x + 1j * _floats(rng, n, low, high, min_abs, False)
        t = torch.from_numpy(x).to(dtype)
        if special and n:
            picks = torch.from_numpy(rng.random(n) < 0.25)
            specials = torch.tensor(special_values(dtype), dtype=torch.float64)
            t[picks] = specials[torch.from_numpy(rng.integers(0, len(specials), n))][picks].to(dtype)
    else:
        span = np.arange(int(low), int(high) + 1)
        if min_abs > 0:
            span = span[np.abs(span) >= min_abs]
        if unique and n > len(span):
            reject()
        t = torch.from_numpy(rng.choice(span, size=n, replace=not unique)).to(dtype)
    if unique and kind != "complex" and torch.unique(t).numel() < n:
        reject()
    return t


# ---------------------------------------------------------------------------
# The strategy
# ---------------------------------------------------------------------------

def _resolve(draw, value, label):
    return draw(value, label=label) if isinstance(value, st.SearchStrategy) else value


@st.composite
def tensors(draw, dtype=None, shape=None, device="cpu", *, layouts=LAYOUTS, max_depth: int = 2,
            low=None, high=None, min_abs: float = 0.0, special: bool = False,
            unique: bool = False, generic: bool = False, requires_grad: bool = False):
    """A tensor with drawn values, dtype, shape and layout.

    ``dtype`` and ``shape`` are values or strategies (default: any dtype the
    device supports; ``shapes()``).  ``layouts`` limits the layouts drawn
    (default: all of ``LAYOUTS``, composed up to ``max_depth`` deep; ``"interleaved"`` on request).  Values
    are finite and within ``[low, high]`` (per-kind defaults, clipped to the dtype) with
    ``|x| >= min_abs``; ``special=True`` mixes in inf, nan, -0.0, the largest
    finite and subnormals (a quarter of a random bulk, and Hypothesis's placed
    elements); ``unique=True`` makes all elements distinct; ``generic=True``
    draws random values only, none Hypothesis places (a generic point: no
    ties, no simple values on an op's kinks, for derivative checks).  With
    ``requires_grad=True`` the tensor is a leaf that keeps its layout.
    """
    unknown = set(layouts) - set(_PLANS)
    if unknown:
        raise ValueError(f"unknown layouts {sorted(unknown)}; choose from {LAYOUTS + (INTERLEAVED,)}")
    dtype = _resolve(draw, _dtypes(device) if dtype is None else dtype, "dtype")
    shape = tuple(_resolve(draw, _shapes() if shape is None else shape, "shape"))
    kind = kind_of(dtype)
    default_low, default_high = DEFAULT_BOUNDS[kind]
    low = default_low if low is None else low
    high = default_high if high is None else high
    if low > high:
        raise ValueError(f"low={low} > high={high}")
    if kind in ("int", "uint"):  # within what the dtype holds: a cast would wrap
        low, high = max(low, torch.iinfo(dtype).min), min(high, torch.iinfo(dtype).max)
    elif kind == "float":
        low, high = max(low, -torch.finfo(dtype).max), min(high, torch.finfo(dtype).max)
    if requires_grad and kind not in ("float", "complex"):
        raise ValueError(f"requires_grad needs a floating or complex dtype, not {dtype}")

    layout, base_shape, steps = _plan(draw, shape, layouts, max_depth)
    size = math.prod(base_shape)
    reached = torch.unique(storage_cells(base_shape, steps)) if steps else None
    if reached is not None and reached.numel() == size:
        reached = None  # the tensor reaches its whole storage
    values = _drawn_values(draw, dtype, size if reached is None else reached.numel(), low, high, min_abs,
                           special, unique, generic)
    if reached is None:
        storage = values
    else:
        storage = torch.empty(size, dtype=dtype)
        storage[reached] = values
        storage = _fill(storage, reached, low, high)

    recipe = Recipe(layout, storage, base_shape, steps, str(device), requires_grad)
    t = recipe.build()
    setattr(t, RECIPE_ATTR, recipe)
    return t

