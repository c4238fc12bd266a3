"""Shape strategies: 0-d, size-1 and zero-size dims, up to 6 dims, bounded numel."""

from __future__ import annotations

import functools
import math

from hypothesis import strategies as st

MAX_DIMS = 6
# Built once per bounds: drawing from a cached strategy skips Hypothesis's per-call construction and
# validation (the same choices either way).
_ints = functools.lru_cache(maxsize=None)(st.integers)


@functools.lru_cache(maxsize=None)
def _one_in(n: int) -> st.SearchStrategy:
    return st.sampled_from([False] * (n - 1) + [True])


def _rarely(draw, one_in: int, label: str) -> bool:
    """True about once in ``one_in`` draws; shrinks to False."""
    return draw(_one_in(one_in), label=label)


@st.composite
def shapes(draw, min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 5,
           max_numel: int = 64, zero_size: bool = True):
    """A tuple of sizes with ``min_dims..max_dims`` dims and at most ``max_numel`` elements.

    Sides lie in ``min_side..max_side``; with ``zero_size`` one side is 0 in
    about one draw in eight (when ``min_dims >= 1`` allows a side at all).
    """
    if not 0 <= min_dims <= max_dims <= MAX_DIMS:
        raise ValueError(f"need 0 <= min_dims <= max_dims <= {MAX_DIMS}, got {min_dims}, {max_dims}")
    if not 0 <= min_side <= max_side:
        raise ValueError(f"need 0 <= min_side <= max_side, got {min_side}, {max_side}")
    if max_numel < max(min_side, 1) ** min_dims:
        raise ValueError(f"max_numel={max_numel} cannot fit {min_dims} dims of side >= {min_side}")
    ndim = draw(_ints(min_dims, max_dims), label="ndim")
    sides = []
    for i in range(ndim):
        budget = max_numel // max(math.prod(sides), 1)
        # leave room for the remaining dims at their smallest side
        budget //= max(min_side, 1) ** (ndim - i - 1)
        sides.append(draw(_ints(min_side, max(min_side, min(max_side, budget)))))
    if zero_size and ndim and min_side > 0 and _rarely(draw, 8, "zero-size"):
        sides[draw(_ints(0, ndim - 1), label="zero dim")] = 0
    return tuple(sides)


@st.composite
def reshapes(draw, shape, max_dims: int = MAX_DIMS, allow_infer: bool = True):
    """Another shape with the same numel as ``shape`` (maybe with one ``-1``)."""
    numel = math.prod(shape)
    ndim = draw(st.integers(0 if numel == 1 else 1, max_dims), label="new ndim")
    if numel == 0:
        if ndim == 0:
            ndim = 1
        new = [draw(st.integers(0, 4)) for _ in range(ndim)]
        new[draw(st.integers(0, ndim - 1))] = 0
        return tuple(new)
    new, rest = [], numel
    for _ in range(ndim - 1):
        divisors = [d for d in range(1, rest + 1) if rest % d == 0]
        d = draw(st.sampled_from(divisors))
        new.append(d)
        rest //= d
    if ndim:
        new.append(rest)
        new = draw(st.permutations(new))
    if allow_infer and ndim and draw(st.booleans(), label="infer a dim"):
        new = list(new)
        new[draw(st.integers(0, ndim - 1))] = -1
    return tuple(new)
