"""Cumulative ops along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp.

Each is numpy's running reduction (``np.cumsum``, ``np.multiply.accumulate``, ...) along ``dim``; a
0-d input is its own running reduction.  Sums run over positive values (nothing cancels); products
over factors in [0.5, 1.5] in absolute value, at most ``max_side`` of them; running extrema over
distinct values, so the index of each one is defined.
"""

from __future__ import annotations

import numpy as np
from conformance.derivatives import yaml

from . import args
from .core import Domain, OpInfo, doc

POSITIVE = Domain(0.5, 10.0, integers=(0, 20))
FACTORS = Domain(-1.5, 1.5, min_abs=0.5, integers=(-2, 2))
UNIQUE = Domain(-10.0, 10.0, unique=True, integers=(-100, 100))


def _running(ufunc):
    """numpy's running ``ufunc`` along ``dim`` (a 0-d array is its own result)."""
    def ref(a, dim, dtype=None):
        return a if a.ndim == 0 else ufunc.accumulate(a, axis=dim)
    return ref


def _running_extremum(better):
    """(values, indices) of a running max or min: an element takes over when ``better`` than the last
    extremum, or equal to it (torch: "the index of the last occurrence" is not documented; distinct
    values make it moot)."""
    def ref(a, dim):
        if a.ndim == 0:
            return a, np.zeros((), np.int64)
        moved = np.moveaxis(a, dim, -1)
        values, indices = np.empty_like(moved), np.zeros(moved.shape, np.int64)
        for pos in np.ndindex(moved.shape[:-1]):
            best, where = None, 0
            for i, v in enumerate(moved[pos]):
                if best is None or better(v, best):
                    best, where = v, i
                values[pos + (i,)], indices[pos + (i,)] = best, where
        return np.moveaxis(values, -1, dim), np.moveaxis(indices, -1, dim)
    return ref


def _cumsum_vjp(g, out, x, dim, dtype=None):
    return (g.flip(dim).cumsum(dim).flip(dim) if g.dim() else g,)


def _cumulative(name, ref, kinds, domain, out=True, **extra):
    """``torch.<name>(x, dim)``, ``x.<name>(dim)``, with ``out=`` (a single result)."""
    return OpInfo(name, doc(f"torch.{name}"), args.one_dim(), function=f"torch.{name}", method=name, out=out,
                  kinds=kinds, domains=(domain,), ref=ref, **extra)


OPS = [
    _cumulative("cumsum", _running(np.add), ("float", "complex", "int", "uint"), POSITIVE,
                inplace="cumsum_", grad=2, vjp=_cumsum_vjp, vjp_source=yaml("cumsum("), node="CumsumBackward0",
                ref_kinds=("float", "int", "uint"), low_precision=True),
    _cumulative("cumprod", _running(np.multiply), ("float", "complex", "int", "uint"), FACTORS,
                inplace="cumprod_", grad=2, ref_kinds=("float", "int", "uint"),
                notes="at most 5 factors (the longest drawn side) in [0.5, 1.5]: no overflow in float16"),
    _cumulative("cummax", _running_extremum(lambda v, best: v >= best), ("float", "int", "uint"), UNIQUE, out=False,
                grad=2, exact=True, notes="distinct values: the index of each running maximum is defined"),
    _cumulative("cummin", _running_extremum(lambda v, best: v <= best), ("float", "int", "uint"), UNIQUE, out=False,
                grad=2, exact=True),
    _cumulative("logcumsumexp", _running(np.logaddexp), ("float",), Domain(-5.0, 5.0), grad=2),
]
