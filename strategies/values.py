"""Element values of drawn tensors, drawn through Hypothesis so that they shrink and reach boundaries.

A tensor draws two things for its values: a string of *pick bytes* (the first of all its draws) and
one value from the dtype's element strategy (``st.floats`` of the dtype's width or ``st.integers``,
within the bounds), which Hypothesis steers to simple values, to its own boundary floats and to the
constants written in the code under test.  Each element's pick byte selects

- one of the allowed set's *edge* values (the top 8 bytes, 3%; which 8, a header byte chooses): 0.0
  and -0.0, ties of round-half-even (0.5, 1.5, 2.5), the bounds, the neighbours of 0.5, the smallest
  subnormal and normal, the dtype's extremes;
- with ``special=True``, an IEEE special value (the 64 bytes below, 25%): nan, inf, -inf, ...;
- else an entry of the tensor's *palette*: the drawn value and up to three values that the first pick
  bytes select from a fine grid of the allowed set (simple values first);
- byte 0: the simplest edge value (0.0 where allowed).

Shrinking sorts the bytes and makes them zero: every element then holds the simplest edge value
(``torch.zeros``), and where a failure needs more, the few elements that matter keep their byte -- the
drawn value, shrunk by Hypothesis towards simple values, or an edge or special value.

Few draws per tensor keep Hypothesis' generation varied: its mutator spends examples copying values
between draws of the same kind, so every further value draw means fewer shapes and layouts explored
(4-d shapes in 400 drawn examples: about 170 with one value draw, about 80 with five).  Picks of a
fixed size, drawn first, stay aligned when Hypothesis replays a mutated example by position (a choice
that no longer fits becomes its simplest value: all-zero picks, a constant tensor).

``unique=True`` deals distinct values out of an evenly spaced grid (a power-of-two step, so grid points
are exact and short to print) by a partial Fisher-Yates shuffle driven by pick bytes: distinct by
construction, at least a grid step apart, and shrinking to the grid points nearest zero.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import numpy as np
import torch
from hypothesis import reject
from hypothesis import strategies as st

from .dtypes import kind_of

DEFAULT_BOUNDS = {"float": (-10.0, 10.0), "complex": (-10.0, 10.0), "int": (-100, 100),
                  "uint": (0, 100), "bool": (0, 1)}
PICK_BYTES = 64  # pick bytes a tensor draws first; more only for more elements
_SIZES = (1, 2, 3, 4, 4, 4, 4, 4)  # palette size by the first pick byte's top three bits
_FINE = 2048  # the fine grid of palette values holds at least 2 * _FINE + 1 points where it can
_COMPONENT = {torch.complex64: torch.float32, torch.complex128: torch.float64}
_WIDTH = {torch.float16: 16, torch.bfloat16: 32, torch.float32: 32, torch.float64: 64}  # bfloat16: rounded after


def special_values(dtype: torch.dtype) -> list[float]:
    """0.0, -0.0, nan, inf, -inf, the largest finite, the smallest normal and subnormal (each of both signs)."""
    info = torch.finfo(dtype)
    subnormal = info.smallest_normal * info.eps
    return [0.0, -0.0, math.nan, math.inf, -math.inf, info.max, -info.max, info.smallest_normal,
            -info.smallest_normal, subnormal, -subnormal]


def filler(dtype: torch.dtype, elements=None):
    """The value of storage cells a drawn tensor cannot reach: where the dtype allows, one no element holds.

    NaN for floating and complex dtypes (whose elements are finite unless ``special=True``).  Integers:
    the dtype's minimum (maximum if unsigned), or the value nearest it that none of ``elements`` holds.
    bool: the value none of ``elements`` holds, or when both occur the rarer one (True on a tie), so a
    kernel reading the wrong cell of a constant bool tensor always reads the other value.
    """
    kind = kind_of(dtype)
    if kind in ("float", "complex"):
        return float("nan")
    values = [] if elements is None else list(elements)
    if kind == "bool":
        return sum(map(bool, values)) * 2 <= len(values)
    info = torch.iinfo(dtype)
    start, step = (info.max, -1) if kind == "uint" else (info.min, 1)
    present = set(values)
    candidate = start
    while candidate in present and info.min <= candidate + step <= info.max:
        candidate += step
    return candidate if candidate not in present else start


def _component(dtype: torch.dtype) -> torch.dtype:
    return _COMPONENT.get(dtype, dtype)


def _inward(x: float, dtype: torch.dtype, up: bool) -> float:
    """The dtype's value nearest ``x`` on the inside: the smallest >= x (``up``) or the largest <= x."""
    t = torch.tensor(float(x), dtype=dtype)
    v = t.item()
    if (v < x) if up else (v > x):
        v = torch.nextafter(t, torch.tensor(math.inf if up else -math.inf, dtype=dtype)).item()
    return v


@dataclass(frozen=True)
class Elements:
    """How the element values of a real dtype are drawn (use the component dtype of a complex one).

    ``pieces``: the allowed closed intervals (two when ``min_abs`` cuts out zero); ``regular``: the
    Hypothesis strategy of a palette value; ``edges``: boundary values inside the pieces, simplest
    first; ``specials``: IEEE special values, whatever the bounds (``special=True``).
    """

    dtype: torch.dtype
    pieces: tuple
    regular: st.SearchStrategy
    edges: tuple
    specials: tuple
    fine: tuple = ()  # palette values the pick bytes select: simple grid points first, then a fine grid

    def pick(self, palette: list, byte: int, window: int = 0):
        """The element a pick byte selects.  Zero: the simplest edge value (0.0 where allowed);
        the top 8 bytes: an edge value; the 64 below them, with ``special=True``: a special value;
        the rest: a palette entry.  ``window``: the first of the 8 consecutive edge values (simplest
        first) the edge bytes select.  Shrinking keeps an edge or special byte the failure needs, and
        moves it (the largest bytes) to the end, where the elements of a shrinking shape keep it."""
        if byte == 0 and self.edges:
            return self.edges[0]
        if byte >= _EDGE_FROM and self.edges:
            return self.edges[(window + byte - _EDGE_FROM) % len(self.edges)]
        if byte >= _SPECIAL_FROM and self.specials:
            return self.specials[(byte - _SPECIAL_FROM) % len(self.specials)]
        return palette[(byte - 1) % len(palette)]


_EDGE_FROM = 256 - 8  # the top 8 pick bytes (3% of elements) select an edge value
_SPECIAL_FROM = _EDGE_FROM - 64  # with special=True, the 64 below them (25%) a special value


def _pieces(lo, hi, m):
    pieces = [(lo, hi)] if m <= 0 else [(max(lo, m), hi), (lo, min(hi, -m))]
    return tuple((a, b) for a, b in pieces if a <= b)


def _float_edges(dtype, ends) -> list[float]:
    """Boundary values, simplest first: zeros, ties of round-half-even, the bounds, values next to a tie,
    the smallest subnormal and normal, the largest finite."""
    info = torch.finfo(dtype)
    subnormal = info.smallest_normal * info.eps
    half = torch.tensor(0.5, dtype=dtype)
    near_half = [torch.nextafter(half, torch.tensor(x, dtype=dtype)).item() for x in (0.0, 1.0)]
    return [0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, *ends, *near_half, *(-x for x in near_half),
            subnormal, -subnormal, info.smallest_normal, -info.smallest_normal, info.max, -info.max]


@functools.lru_cache(maxsize=512)
def elements(dtype: torch.dtype, low, high, min_abs, special: bool) -> Elements:
    """The element values of a real ``dtype`` within ``[low, high]`` with ``|x| >= min_abs``."""
    if dtype == torch.bool:
        return Elements(dtype, ((False, True),), st.booleans(), (), (), (False, True))
    if dtype.is_floating_point:
        lo, hi = _inward(low, dtype, up=True), _inward(high, dtype, up=False)
        m = _inward(min_abs, dtype, up=True) if min_abs > 0 else 0.0
        pieces = _pieces(lo, hi, m)
        width = _WIDTH[dtype]
        regular = [st.floats(a, b, width=width, allow_nan=False, allow_infinity=False) for a, b in pieces]
        edges = _float_edges(dtype, [x for piece in pieces for x in piece])
    else:
        info = torch.iinfo(dtype)
        lo, hi = max(math.ceil(low), info.min), min(math.floor(high), info.max)
        m = math.ceil(min_abs) if min_abs > 0 else 0
        pieces = _pieces(lo, hi, m)
        regular = [st.integers(a, b) for a, b in pieces]
        edges = [0, 1, -1, *(x for piece in pieces for x in piece), info.min, info.max]
    if not pieces:
        raise ValueError(f"no {dtype} value in [low={low}, high={high}] has |x| >= min_abs={min_abs}")
    # the allowed ones, once each (-0.0 and 0.0 apart: they compare equal), simplest first
    kept = {(x, math.copysign(1, x)): x for x in edges if math.isfinite(x) and any(a <= x <= b for a, b in pieces)}
    edges = tuple(kept.values())
    specials = tuple(special_values(dtype)) if special and dtype.is_floating_point else ()
    spec = Elements(dtype, pieces, st.one_of(*regular), edges, specials)
    return replace(spec, fine=_fine(spec))


def _fine(spec: Elements) -> tuple:
    """The grid points nearest zero (a coarse grid), then the rest of a fine grid in a fixed shuffled order."""
    simple, fine = _grid(spec, 4), _grid(spec, _FINE)
    rest = fine[~np.isin(fine, simple)]
    return tuple(simple.tolist() + rest[np.random.default_rng(0).permutation(len(rest))].tolist())


def picks(draw, label: str = "picks") -> bytes:
    """The pick bytes of a tensor, drawn before its dtype, shape and layout (see the module's docstring).

    A tensor of ``n`` elements uses the last ``n`` bytes: shrinking sorts the bytes, zeros first, so the
    bytes that matter stay in use while the shape shrinks.
    """
    return draw(st.binary(min_size=PICK_BYTES, max_size=PICK_BYTES), label=label)


def _enough(draw, picks: bytes, n: int, label: str) -> bytes:
    if len(picks) >= n:
        return picks
    more = n - len(picks)
    return picks + draw(st.binary(min_size=more, max_size=more), label=f"{label}: more picks")


def _palette_values(draw, spec: Elements, n: int, value, picks: bytes, label: str) -> list:
    """``n`` elements: each the edge, special or palette value its pick byte selects."""
    picks = _enough(draw, picks, n, label)
    words = [int.from_bytes(picks[i:i + 2], "little") for i in range(1, 2 * _SIZES[-1] - 1, 2)]
    palette = [value] + [spec.fine[w % len(spec.fine)] for w in words[:_SIZES[picks[0] >> 5] - 1]]
    return [spec.pick(palette, b, picks[7]) for b in picks[len(picks) - n:]]


def _grid(spec: Elements, n: int) -> np.ndarray:
    """Evenly spaced values of the allowed set, nearest zero first: at least ``2n + 1`` where the set holds
    them, spaced by the largest power of two (integers: at least 1) that gives that many."""
    integral = not spec.dtype.is_floating_point
    largest = torch.finfo(spec.dtype).max if not integral else math.inf
    pieces = [(max(a, -largest), min(b, largest)) for a, b in spec.pieces]
    width = max(b - a for a, b in pieces)
    step = 2 ** math.ceil(math.log2(width)) if width > 0 else 1
    step = step if integral else float(step)

    def multiples(a, b):  # the first and last multiple of step in [a, b]
        return -(-a // step), b // step

    def count():
        return sum(int(last - first) + 1 for first, last in (multiples(a, b) for a, b in pieces))

    for _ in range(200):  # floats: the step never needs to go below 2**-200 times the width
        if count() >= 2 * n + 1 or (integral and step == 1):
            break
        step = step // 2 if integral else step / 2
    points = []
    for a, b in pieces:
        first, last = multiples(a, b)
        points += [k * step for k in range(int(first), int(last) + 1)]
    points.sort(key=lambda x: (abs(x), x < 0))
    return np.array(points, dtype=np.int64 if integral else np.float64)


def _distinct_values(draw, spec: Elements, n: int, picks: bytes, label: str) -> list:
    """``n`` distinct grid values of ``spec``: a partial Fisher-Yates shuffle of the grid, two bytes per pick."""
    grid = _grid(spec, n)
    if n > len(grid):
        reject()  # fewer allowed values than elements
    words = _enough(draw, picks, 2 * n, label)
    words = words[len(words) - 2 * n:]
    order = np.arange(len(grid))
    for i in range(n):
        j = i + int.from_bytes(words[2 * i:2 * i + 2], "little") % (len(grid) - i)
        order[i], order[j] = order[j], order[i]
    return grid[order[:n]].tolist()


def draw_elements(draw, dtype: torch.dtype, n: int, picks: bytes, *, low, high, min_abs: float = 0.0,
                  special: bool = False, unique: bool = False, label: str = "values") -> torch.Tensor:
    """``n`` element values of ``dtype`` (1-d, on the cpu), drawn through ``draw``; ``picks`` from :func:`picks`.

    Within ``[low, high]`` with ``|x| >= min_abs``; ``special`` adds IEEE specials (floating dtypes);
    ``unique`` makes them pairwise distinct (complex: the real parts).  NaNs are the canonical NaN.
    """
    if unique and special:
        raise ValueError("unique=True and special=True together: special values repeat (nan, inf)")
    spec = elements(_component(dtype), low, high, min_abs, special)
    # the same draws for every shape, unique or not: the draws after a tensor stay aligned
    value = draw(spec.regular, label=label)
    if unique and n > 1:
        values = _distinct_values(draw, spec, n, picks, label)
    else:
        values = _palette_values(draw, spec, n, value, picks, label)
    if dtype.is_complex:
        imaginary = _palette_values(draw, spec, n, draw(spec.regular, label=f"{label} (imaginary)"), picks[::-1],
                                    f"{label} (imaginary)")
        values = [complex(a, b) for a, b in zip(values, imaginary)]
    t = torch.tensor(values, dtype=dtype)
    if unique and n > 1 and not dtype.is_complex and torch.unique(t).numel() < n:
        reject()  # the grid is finer than the dtype: a large range far from zero in a short dtype
    return t
