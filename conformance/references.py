"""Independent references: what each judged op computes, evaluated without torch and more precisely.

Every formula is written once over a *backend*: numpy float64 arrays (the reference of float16,
bfloat16 and float32 results) or numpy object arrays of mpmath numbers at 113 bits (the reference
of float64 results; the same answer on every platform).  Gradients are the ``derivatives.yaml``
formulas evaluated from the inputs -- never from torch's forward output.

A reference is an :class:`~conformance.accuracy.Exact` value per element, a *magnitude* (the same
computation with every term taken in absolute value, so a cancelling sum is judged against the size
of its terms, not of its result) and the number of terms summed into each element.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Callable

import mpmath
import numpy as np
import torch

from conformance.accuracy import Exact, Reference

MP = mpmath.MPContext()
MP.prec = 113  # binary128's precision: 60 bits beyond the float64 result being judged


def _safe(fn: Callable) -> Callable:
    """``fn`` on mpmath numbers, nan for a non-real or undefined result (log(-1), 1/0: the IEEE value
    comes from numpy, see :func:`_exact_of`)."""
    def wrapped(*args):
        try:
            value = fn(*args)
        except (ZeroDivisionError, ValueError, OverflowError):
            return MP.nan
        return value if isinstance(value, MP.mpf) else MP.nan
    return wrapped


def _objects(fn: Callable, nin: int = 1) -> Callable:
    return np.frompyfunc(_safe(fn), nin, 1)


def _mp_erf(x):
    return MP.erf(x)


NUMPY = SimpleNamespace(
    name="numpy", asarray=lambda a: np.asarray(a, dtype=np.float64),
    exp=np.exp, expm1=np.expm1, log=np.log, log1p=np.log1p, log2=np.log2, log10=np.log10, sqrt=np.sqrt,
    sin=np.sin, cos=np.cos, tan=np.tan, asin=np.arcsin, acos=np.arccos, atan=np.arctan, sinh=np.sinh,
    cosh=np.cosh, tanh=np.tanh, atan2=np.arctan2, hypot=np.hypot, erf=np.vectorize(math.erf, otypes=[float]),
    pi=math.pi, ln2=math.log(2), ln10=math.log(10),
)
PRECISE = SimpleNamespace(
    name="mpmath", asarray=lambda a: np.frompyfunc(MP.mpf, 1, 1)(np.asarray(a, dtype=np.float64)).astype(object),
    exp=_objects(MP.exp), expm1=_objects(MP.expm1), log=_objects(MP.log), log1p=_objects(MP.log1p),
    log2=_objects(lambda x: MP.log(x, 2)), log10=_objects(MP.log10), sqrt=_objects(MP.sqrt),
    sin=_objects(MP.sin), cos=_objects(MP.cos), tan=_objects(MP.tan), asin=_objects(MP.asin),
    acos=_objects(MP.acos), atan=_objects(MP.atan), sinh=_objects(MP.sinh), cosh=_objects(MP.cosh),
    tanh=_objects(MP.tanh), atan2=_objects(MP.atan2, 2), hypot=_objects(MP.hypot, 2), erf=_objects(_mp_erf),
    pi=MP.pi, ln2=MP.ln2, ln10=MP.ln10,
)


def backend(dtype: torch.dtype) -> SimpleNamespace:
    """mpmath for float64 results, numpy float64 for narrower ones."""
    return PRECISE if dtype == torch.float64 else NUMPY


def _split(values) -> Exact:
    """An array (float64 or mpmath objects) as ``hi + lo``."""
    values = np.asarray(values)
    if values.dtype != object:
        return Exact.of(values)
    items = values.ravel()
    hi = np.array([float(v) for v in items], dtype=np.float64)
    lo = np.array([float(v - h) if math.isfinite(h) else 0.0 for v, h in zip(items, hi)], dtype=np.float64)
    return Exact(hi.reshape(values.shape), lo.reshape(values.shape))


def _exact_of(precise, ieee: np.ndarray) -> Exact:
    """The precise value, but numpy's IEEE result where it is not a finite real (inf, nan: mpmath has
    no signed infinities from division, no negative zero) and the IEEE sign on exact zeros."""
    exact = _split(precise)
    ieee = np.broadcast_to(np.asarray(ieee, dtype=np.float64), exact.shape)
    keep = np.isfinite(exact.hi) & np.isfinite(ieee)
    hi = np.where(keep, exact.hi, ieee)
    hi = np.where(keep & (hi == 0) & (exact.lo == 0), np.copysign(0.0, ieee), hi)
    return Exact(hi, np.where(keep, exact.lo, 0.0))


# ---------------------------------------------------------------------------
# Forward references of elementwise ops: name -> f(R, *arrays, **kwargs)
# ---------------------------------------------------------------------------

def _sigmoid(R, x):
    return 1 / (1 + R.exp(-x))


ELEMENTWISE = {
    "sqrt": lambda R, x: R.sqrt(x), "exp": lambda R, x: R.exp(x), "log": lambda R, x: R.log(x),
    "log2": lambda R, x: R.log2(x), "log10": lambda R, x: R.log10(x), "expm1": lambda R, x: R.expm1(x),
    "log1p": lambda R, x: R.log1p(x), "sin": lambda R, x: R.sin(x), "cos": lambda R, x: R.cos(x),
    "tan": lambda R, x: R.tan(x), "asin": lambda R, x: R.asin(x), "acos": lambda R, x: R.acos(x),
    "atan": lambda R, x: R.atan(x), "sinh": lambda R, x: R.sinh(x), "cosh": lambda R, x: R.cosh(x),
    "tanh": lambda R, x: R.tanh(x), "rsqrt": lambda R, x: 1 / R.sqrt(x), "reciprocal": lambda R, x: 1 / x,
    "square": lambda R, x: x * x, "sigmoid": _sigmoid, "erf": lambda R, x: R.erf(x),
    "softplus": lambda R, x, beta: R.log1p(R.exp(beta * x)) / beta,
    "pow-scalar": lambda R, x, exponent: x ** exponent,
    "add": lambda R, a, b, alpha=1: a + alpha * b, "sub": lambda R, a, b, alpha=1: a - alpha * b,
    "mul": lambda R, a, b: a * b, "div": lambda R, a, b: a / b, "pow": lambda R, a, b: a ** b,
    "atan2": lambda R, a, b: R.atan2(a, b), "hypot": lambda R, a, b: R.hypot(a, b),
    "remainder": lambda R, a, b: _remainder(a, b),
}


def _remainder(a, b):
    """Python's modulus exactly: C's fmod (exact in binary floating point) plus the divisor once when
    the signs differ -- a sum of two doubles, exact in 113 bits since |fmod| < |b|."""
    r = MP.mpf(math.fmod(float(a), float(b)))
    return r + b if r != 0 and (r < 0) != (b < 0) else r


def elementwise(name: str, dtype: torch.dtype, ieee: Callable, *arrays, **kwargs) -> Reference:
    """The exact value of elementwise op ``name`` on float64 ``arrays`` for a ``dtype`` result.

    ``ieee(*arrays)``: numpy's float64 result, which gives the non-finite classes and zero signs
    (IEEE 754 / C99 Annex F special cases) and, for narrow dtypes, the reference itself.
    """
    with np.errstate(all="ignore"):
        base = np.asarray(ieee(*arrays), dtype=np.float64)
        if dtype != torch.float64:
            return Reference(Exact.of(base))
        fn = ELEMENTWISE[name]
        per_element = np.frompyfunc(_safe(lambda *xs: fn(PRECISE, *(MP.mpf(float(v)) for v in xs), **kwargs)),
                                    len(arrays), 1)
        finite = np.logical_and.reduce([np.isfinite(np.broadcast_to(a, base.shape)) for a in arrays]) \
            if arrays else np.ones(base.shape, bool)
        safe_inputs = [np.where(finite, np.broadcast_to(a, base.shape), 1.0) for a in arrays]
        precise = per_element(*safe_inputs) if base.size else np.zeros(base.shape, object)
        precise = np.where(finite, precise, MP.nan)
        return Reference(_exact_of(precise, base))


# ---------------------------------------------------------------------------
# Reductions and products: float64 arrays in, value per output element
# ---------------------------------------------------------------------------

def _rows(a: np.ndarray, axis) -> tuple[np.ndarray, tuple]:
    """``a`` with the reduced axes last, flattened to (outputs, reduced), and the output shape."""
    axes = tuple(range(a.ndim)) if axis is None else tuple(sorted(d % a.ndim for d in np.atleast_1d(axis)))
    kept = [d for d in range(a.ndim) if d not in axes]
    moved = np.transpose(a, kept + list(axes))
    out_shape = tuple(a.shape[d] for d in kept)
    return moved.reshape(math.prod(out_shape), math.prod(a.shape[d] for d in axes)), out_shape


def _keep(value: np.ndarray, a_shape: tuple, axis, keepdims: bool) -> np.ndarray:
    if not keepdims or axis is None and not a_shape:
        return value
    axes = range(len(a_shape)) if axis is None else [d % len(a_shape) for d in np.atleast_1d(axis)]
    shape = tuple(1 if d in axes else s for d, s in enumerate(a_shape))
    return value.reshape(shape)


def _mp_var(row, correction):
    mean = MP.fsum(row) / len(row)
    return MP.fsum((v - mean) ** 2 for v in row) / (len(row) - correction)


MP_REDUCTIONS = {
    "sum": lambda row, **kw: MP.fsum(row),
    "mean": lambda row, **kw: MP.fsum(row) / len(row) if len(row) else MP.nan,
    "prod": lambda row, **kw: MP.fprod(row),
    "var": lambda row, correction, **kw: _mp_var(row, correction),
    "std": lambda row, correction, **kw: MP.sqrt(_mp_var(row, correction)),
    "logsumexp": lambda row, **kw: MP.log(MP.fsum(MP.exp(v) for v in row)),
    "norm": lambda row, ord, **kw: MP.fsum(abs(v) ** ord for v in row) ** (MP.mpf(1) / ord),
}
NUMPY_REDUCTIONS = {
    "sum": lambda a, axis, keepdims, **kw: np.sum(a, axis, keepdims=keepdims),
    "mean": lambda a, axis, keepdims, **kw: np.mean(a, axis, keepdims=keepdims),
    "prod": lambda a, axis, keepdims, **kw: np.prod(a, axis, keepdims=keepdims),
    "var": lambda a, axis, keepdims, correction, **kw: np.var(a, axis, ddof=correction, keepdims=keepdims),
    "std": lambda a, axis, keepdims, correction, **kw: np.std(a, axis, ddof=correction, keepdims=keepdims),
    "logsumexp": lambda a, axis, keepdims, **kw: np.log(np.sum(np.exp(a), axis, keepdims=keepdims)),
    "norm": lambda a, axis, keepdims, ord, **kw: np.sum(np.abs(a) ** ord, axis, keepdims=keepdims) ** (1 / ord),
}


def reduction(name: str, dtype: torch.dtype, a: np.ndarray, axis=None, keepdims=False, **kwargs) -> Reference:
    """The exact reduction ``name`` of float64 ``a`` over ``axis`` (None: all) for a ``dtype`` result
    (terms: the number of elements reduced into each)."""
    a = np.asarray(a, dtype=np.float64)
    rows, out_shape = _rows(a, axis)
    with np.errstate(all="ignore"):
        base = np.asarray(NUMPY_REDUCTIONS[name](a, axis, keepdims, **kwargs), dtype=np.float64)
        magnitude = _spread(a, axis, keepdims, base) if name in ("var", "std") else None
        if dtype != torch.float64:
            return Reference(Exact.of(base), magnitude, rows.shape[1])
        fn = MP_REDUCTIONS[name]
        values = np.empty(len(rows), dtype=object)
        for i, row in enumerate(rows):
            values[i] = _safe(lambda r: fn([MP.mpf(float(v)) for v in r], **kwargs))(row)
        precise = _keep(values.reshape(out_shape), a.shape, axis, keepdims)
        return Reference(_exact_of(precise, base), magnitude, rows.shape[1])


def _spread(a: np.ndarray, axis, keepdims: bool, value: np.ndarray) -> np.ndarray:
    """``value`` (a variance or standard deviation) times the condition number of the variance,
    ``kappa = sqrt(sum x^2 / sum (x - mean)^2)``: the updating (Welford) and two-pass algorithms are
    accurate to about ``n u kappa`` relative (Chan and Lewis 1979; Higham, Problem 1.10)."""
    centered = a - np.mean(a, axis, keepdims=True)
    kappa = np.sqrt(np.sum(a * a, axis, keepdims=keepdims) / np.sum(centered * centered, axis, keepdims=keepdims))
    return np.abs(value) * np.where(np.isfinite(kappa), kappa, 1.0)


def matmul(dtype: torch.dtype, a: np.ndarray, b: np.ndarray) -> Reference:
    """``a @ b`` (numpy.matmul's shapes) exactly, for a ``dtype`` result (terms: the inner size)."""
    base = np.matmul(a, b)
    exact = _exact_of(np.matmul(PRECISE.asarray(a), PRECISE.asarray(b)), base) if dtype == torch.float64 \
        else Exact.of(base)
    return Reference(exact, terms=a.shape[-1])


def evaluate(fn: Callable, dtype: torch.dtype, *arrays, magnitude: Callable | None = None, terms=1,
             **kwargs) -> Reference:
    """``fn(R, *arrays, **kwargs)`` on the backend of a ``dtype`` result (mpmath for float64), with
    ``magnitude(*arrays)`` computed in float64 when the formula may cancel."""
    R = backend(dtype)
    with np.errstate(all="ignore"):
        value = fn(R, *(R.asarray(a) for a in arrays), **kwargs)
        mag = None if magnitude is None else np.asarray(magnitude(*arrays), dtype=np.float64)
    return Reference(_split(value), mag, terms)
