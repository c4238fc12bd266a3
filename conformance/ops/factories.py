"""Factories: full, full_like, empty, empty_strided, zeros, ones, arange, linspace, eye,
scalar_tensor, and the random ones (rand, randn, randperm, bernoulli).

A factory has no tensor input; its entry takes a 0-d *template* tensor that carries the dtype and
device the result is made with (``torch.full(size, v, dtype=t.dtype, device=t.device)``), so every
invariant that moves arguments between devices or dtypes applies.  ``empty`` has undefined values:
the entry fills the result (its shape, dtype and strides are what is checked).  A random factory is
checked through its documented law as a deterministic function of its result: ``rand`` in [0, 1),
``randperm(n)`` sorted is ``arange(n)``, ``bernoulli`` of 0 and 1 is exact.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from .core import Domain, OpInfo, Sizes, doc

EVERY_KIND = ("float", "complex", "int", "uint", "bool")
NUMERIC = ("float", "int")


def _on(t):
    return {"dtype": t.dtype, "device": t.device}


@st.composite
def _sized(draw, sizes: Sizes, options):
    kwargs = {"size": draw(sizes.shape(), label="size")}
    kwargs.update({k: draw(v, label=k) for k, v in options.items()})
    return ((),), kwargs


def sized(**options):
    return lambda sizes: _sized(sizes, options)


@st.composite
def _arange(draw, sizes: Sizes):
    start = draw(st.integers(-5, 5), label="start")
    step = draw(st.sampled_from([1, 2, 3, -1, -2]), label="step")
    count = draw(st.integers(0 if sizes.mode == "zero-size" else 1, 6), label="count")
    return ((),), {"start": start, "end": start + step * count, "step": step}


@st.composite
def _linspace(draw, sizes: Sizes):
    return ((),), {"start": draw(st.integers(-4, 4), label="start"), "end": draw(st.integers(-4, 4), label="end"),
                   "steps": draw(st.integers(0 if sizes.mode == "zero-size" else 1, 6), label="steps")}


@st.composite
def _eye(draw, sizes: Sizes):
    n, m = draw(sizes.sides(2, 1, 4), label="n, m")
    return ((),), {"n": n, "m": m}


def _factory(name, arguments, call, ref, kinds=EVERY_KIND, **extra):
    return OpInfo(name, doc(f"torch.{name}"), arguments, call=call, kinds=kinds, domains=(Domain(-3.0, 3.0),),
                  ref=ref, exact=True, zero_dim=False, vmap=False, **extra)


def _full_ref(t, size, fill_value):
    return np.full(size, fill_value)


OPS = [
    _factory("full", sized(fill_value=st.sampled_from([0, 1, -2])),
             lambda t, size, fill_value: torch.full(size, fill_value, **_on(t)), _full_ref),
    OpInfo("full_like", doc("torch.full_like"), lambda sizes: sizes.shape().flatmap(
        lambda s: st.sampled_from([0, 1, -2]).map(lambda v: ((s,), {"fill_value": v}))), function="torch.full_like",
        kinds=EVERY_KIND, domains=(Domain(-3.0, 3.0),), ref=lambda a, fill_value: np.full_like(a, fill_value),
        exact=True, notes="the result has the input's shape, dtype and (dense) strides"),
    _factory("empty", sized(), lambda t, size: torch.empty(size, **_on(t)).fill_(1), lambda t, size: np.ones(size),
             notes="values undefined: filled with 1 after; shape, dtype and strides are checked"),
    _factory("empty_strided", lambda sizes: sizes.shape(max_dims=3).flatmap(lambda s: st.permutations(
        range(len(s))).map(lambda order: ((), {"size": s, "order": tuple(order)}))).map(
        lambda case: (((),), case[1])),
        lambda t, size, order: torch.empty_strided(size, _strides(size, order), **_on(t)).fill_(1),
        lambda t, size, order: np.ones(size),
        notes="dense strides in a drawn dim order; values undefined (filled with 1)"),
    _factory("zeros", sized(), lambda t, size: torch.zeros(size, **_on(t)), lambda t, size: np.zeros(size)),
    _factory("ones", sized(), lambda t, size: torch.ones(size, **_on(t)), lambda t, size: np.ones(size)),
    _factory("arange", _arange, lambda t, start, end, step: torch.arange(start, end, step, **_on(t)),
             lambda t, start, end, step: np.arange(start, end, step), kinds=NUMERIC),
    OpInfo("linspace", doc("torch.linspace"), _linspace,
                         call=lambda t, start, end, steps: torch.linspace(start, end, steps, **_on(t)),
                         kinds=("float",), ref=lambda t, start, end, steps: np.linspace(start, end, steps),
                         zero_dim=False, vmap=False),
    _factory("eye", _eye, lambda t, n, m: torch.eye(n, m, **_on(t)), lambda t, n, m: np.eye(n, m)),
    _factory("scalar_tensor", lambda sizes: st.sampled_from([0, 1, -2]).map(lambda v: (((),), {"s": v})), lambda t, s: torch.scalar_tensor(s, **_on(t)), lambda t, s: np.asarray(s),
        kinds=("float", "int", "bool")),
    _factory("rand", sized(), lambda t, size: _in_unit(torch.rand(size, **_on(t))), lambda t, size: np.ones(size, bool),
             kinds=("float",), notes="documented: uniform on [0, 1); checked: every value lies there"),
    _factory("randn", sized(), lambda t, size: torch.randn(size, **_on(t)).isfinite(),
             lambda t, size: np.ones(size, bool), kinds=("float",), notes="checked: shape, dtype, finite values"),
    _factory("randperm", lambda sizes: st.integers(0, 6).map(lambda n: (((),), {"n": n})),
             lambda t, n: torch.randperm(n, **_on(t)).sort().values, lambda t, n: np.arange(n),
             kinds=("int", "float"), notes="a permutation of 0..n-1: sorted, it is arange(n)"),
    OpInfo("bernoulli", doc("torch.bernoulli"), lambda sizes: sizes.shape().map(lambda s: ((s,), {})),
           function="torch.bernoulli", method="bernoulli", kinds=("float",),
           domains=(Domain(-0.49, 1.49, integers=(0, 1), grid=1.0),), ref=lambda p: p, exact=True, vmap=False,
           notes="probabilities 0 and 1 only: the draw is certain"),
]


def _in_unit(r):
    return (r >= 0) & (r < 1)


def _strides(size, order):
    """Dense strides with dim ``order[-1]`` innermost."""
    strides = [0] * len(size)
    step = 1
    for d in reversed(order):
        strides[d] = step
        step *= max(size[d], 1)
    return tuple(strides)
