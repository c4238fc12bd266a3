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
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable

import mpmath
import numpy as np
import torch

from conformance.accuracy import FORMATS, Exact, Reference

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
    name="mpmath", asarray=lambda a: np.asarray(np.frompyfunc(MP.mpf, 1, 1)(np.asarray(a, dtype=np.float64)), dtype=object),
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
    """Python's modulus: C's fmod (exact in binary floating point) plus the divisor once when the signs
    differ -- a sum of two doubles, to 113 bits."""
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
        return Reference(_exact_of(_signed(precise, base, arrays), base))


def _signed(precise: np.ndarray, ieee: np.ndarray, arrays) -> np.ndarray:
    """mpmath has no -0.0, so a zero input's sign is lost where it picks a branch (C99 Annex F.9.1.4:
    atan2(-0.0, x) = -atan2(+0.0, x), atan2(+-0.0, -0.0) = +-pi): where an input is -0.0, the sign of a
    nonzero exact value is IEEE's; where an input is a zero and mpmath's value is 0 but IEEE's is not, the
    value is IEEE's."""
    zero = [np.broadcast_to(a == 0, ieee.shape) for a in arrays]
    if not any(z.any() for z in zero):
        return precise
    negative_zero = np.logical_or.reduce([z & np.signbit(np.broadcast_to(a, ieee.shape)) for z, a in zip(zero, arrays)])
    nonzero = np.isfinite(ieee) & (ieee != 0)
    vanished = np.logical_or.reduce(zero) & nonzero & (precise == 0).astype(bool)
    flip = negative_zero & nonzero & ~vanished & (np.signbit(ieee) != (precise < 0).astype(bool))
    precise = np.where(flip, -precise, precise)
    return np.where(vanished, np.frompyfunc(MP.mpf, 1, 1)(ieee), precise)


# ---------------------------------------------------------------------------
# Reductions and products: float64 arrays in, value per output element
# ---------------------------------------------------------------------------

def _axes(ndim: int, dim) -> tuple:
    if dim is None:
        return tuple(range(ndim))
    return tuple(sorted({d % ndim for d in ((dim,) if isinstance(dim, int) else dim)})) if ndim else ()


def _count(x_shape: tuple, dim) -> int:
    return math.prod(x_shape[d] for d in _axes(len(x_shape), dim))


def _reduce(R, name, x, dim=None, keepdim=False, **options):
    """Forward of a table reduction on backend ``R`` arrays (object arrays reduce with mpmath's arithmetic)."""
    axes = _axes(x.ndim, dim)
    if name == "sum":
        return np.sum(x, axes, keepdims=keepdim) if axes else x * 1
    if name == "mean":  # the mean of nothing is nan (numpy, torch)
        total = np.sum(x, axes, keepdims=keepdim)
        return total / _count(x.shape, dim) if _count(x.shape, dim) else np.full(np.shape(total), np.nan)
    if name == "prod":
        return np.prod(x, axes, keepdims=keepdim) if axes else x * 1
    if name == "logsumexp":
        return R.log(np.sum(R.exp(x), axes, keepdims=keepdim))
    if name in ("var", "std"):
        centered = x - np.sum(x, axes, keepdims=True) / _count(x.shape, dim)
        var = np.sum(centered * centered, axes, keepdims=keepdim) / (_count(x.shape, dim) - options["correction"])
        return var if name == "var" else R.sqrt(var)
    if name == "norm":
        p = options.get("ord", 2)
        return np.sum(np.abs(x) ** p, axes, keepdims=keepdim) ** (1 / (MP.mpf(p) if R is PRECISE else p))
    raise KeyError(name)


def reduction(name: str, dtype: torch.dtype, a: np.ndarray, axis=None, keepdims=False, **options) -> Reference:
    """The exact reduction ``name`` of float64 ``a`` over ``axis`` (None: all) for a ``dtype`` result
    (terms: the number of elements reduced into each)."""
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(all="ignore"):
        base = np.asarray(_reduce(NUMPY, name, a, axis, keepdims, **options), dtype=np.float64)
        magnitude = _magnitude(name, dtype, a, axis, keepdims, base, **options)
        terms = _count(a.shape, axis)
        if dtype != torch.float64:
            return Reference(Exact.of(base), magnitude, terms)
        try:
            precise = _reduce(PRECISE, name, PRECISE.asarray(a), axis, keepdims, **options)
        except (ZeroDivisionError, ValueError):
            precise = np.full(base.shape, MP.nan, dtype=object)
        return Reference(_exact_of(precise, base), magnitude, terms)


def _magnitude(name: str, dtype: torch.dtype, a: np.ndarray, axis, keepdims: bool, value: np.ndarray,
               correction: int = 0, **options) -> np.ndarray | None:
    """The size a reduction's rounding errors scale with: the sum of the terms' absolute values for sum and
    mean; for var and std the variance algorithms' bound (below); |value| + 1 for logsumexp (log turns the
    sum's relative error into an absolute one); None (the value itself) otherwise.

    The two-pass and updating (Welford) variance algorithms are accurate to ``n u S + n^2 u^2 sum x^2`` for
    ``S = sum (x - mean)^2``, ``kappa^2 = sum x^2 / S`` (Chan, Golub and LeVeque, Am. Stat. 37(3), 1983;
    Chan and Lewis, CACM 22(9), 1979): var's magnitude is ``(kappa S + n u sum x^2) / (N - correction)``;
    std's, ``kappa std = sqrt(sum x^2 / (N - correction))``, which also covers S = 0, where std's error is
    the square root of var's second-order term.
    """
    if name in ("sum", "mean"):
        return np.abs(_reduce(NUMPY, name, np.abs(a), axis, keepdims))
    if name in ("var", "std"):
        squares = np.sum(a * a, _axes(a.ndim, axis), keepdims=keepdims)
        divisor = _count(a.shape, axis) - correction
        if name == "std":
            return np.sqrt(squares / divisor)
        centered = a - np.mean(a, _axes(a.ndim, axis), keepdims=True)
        spread = np.sum(centered * centered, _axes(a.ndim, axis), keepdims=keepdims)
        unit = 2.0 ** -FORMATS[dtype][0]
        return (np.sqrt(squares * spread) + _count(a.shape, axis) * unit * squares) / divisor
    if name == "logsumexp":
        return np.abs(value) + 1
    return None


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
        exact = _split(value) if R is NUMPY else _exact_of(value, fn(NUMPY, *map(NUMPY.asarray, arrays), **kwargs))
    return Reference(exact, mag, terms)


# ---------------------------------------------------------------------------
# The autograd table's ops: forward value and vector-Jacobian product from the inputs
# ---------------------------------------------------------------------------

def sum_to(t: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``t`` down to ``shape``: the adjoint of broadcasting (float64 or object arrays)."""
    t = np.asarray(t)
    lead = t.ndim - len(shape)
    if lead:
        t = t.sum(axis=tuple(range(lead)))
    dims = tuple(d for d, s in enumerate(shape) if s == 1 and t.shape[d] != 1)
    return t.sum(axis=dims, keepdims=True) if dims else t


def _restore(t, x_shape: tuple, dim, keepdim: bool):
    """A reduction's result (or cotangent) broadcast back over the reduced dims of an ``x_shape`` input."""
    t = np.asarray(t)
    if not keepdim:
        for d in _axes(len(x_shape), dim):
            t = np.expand_dims(t, d)
    return np.broadcast_to(t, x_shape)


@dataclass(frozen=True)
class Formula:
    """An op of the autograd table: ``forward(R, *xs, **kw)``; its VJP either elementwise --
    ``partials(R, *xs, **kw)``, one broadcastable partial derivative per input, summed to each input's
    shape -- or ``vjp(R, g, *xs, **kw)`` with ``magnitude(g, *xs, **kw)`` (float64, the same sums in
    absolute value) and ``terms(*shapes, **kw)`` (values summed into each gradient element)."""

    forward: Callable | None  # None: nothing is rounded (see EXACT)
    partials: Callable | None = None
    vjp: Callable | None = None
    magnitude: Callable | None = None
    terms: Callable | None = None
    # elementwise: the size of the partial derivative's computation where torch's formula cancels
    # (derivatives.yaml: tanh's 1 - y^2, sigmoid's (1 - y) y, expm1's y + 1, asin's 1 - x^2, log1p's x + 1)
    scale: Callable | None = None


def _unary(name, derivative, scale=None):
    return Formula(ELEMENTWISE[name], partials=lambda R, x, **kw: (derivative(R, x, **kw),),
                   scale=None if scale is None else lambda x, **kw: (scale(x, **kw),))


def _reduction(name, grad, magnitude=None):
    def vjp(R, g, x, dim=None, keepdim=False, **options):
        value = _reduce(R, name, x, dim, True, **options)
        return (_restore(g, x.shape, dim, keepdim) * grad(R, x, np.broadcast_to(value, x.shape), dim, **options),)

    def mag(g, x, dim=None, keepdim=False, **options):
        if magnitude is None:
            return np.abs(vjp(NUMPY, g, x, dim, keepdim, **options)[0]),
        value = _reduce(NUMPY, name, x, dim, True, **options)
        return (_restore(np.abs(g), x.shape, dim, keepdim) * magnitude(x, np.broadcast_to(value, x.shape), dim,
                                                                        **options),)
    def terms(shape, dim=None, **kw):  # the reduction's own value enters the gradient with its n roundings
        return (1 if name in ("sum", "mean") else max(_count(shape, dim), 1),)
    return Formula(lambda R, x, dim=None, keepdim=False, **options: _reduce(R, name, x, dim, keepdim, **options),
                   vjp=vjp, magnitude=mag, terms=terms)


def _mean_of(x, dim):
    return np.broadcast_to(np.sum(x, _axes(x.ndim, dim), keepdims=True) / _count(x.shape, dim), x.shape)


def _kappa(x, dim):
    """The variance's condition number sqrt(sum x^2 / sum (x - mean)^2) over the reduced dims, broadcast to x."""
    centered = x - _mean_of(x, dim)
    axes = _axes(x.ndim, dim)
    return np.broadcast_to(np.sqrt(np.sum(x * x, axes, keepdims=True) / np.sum(centered * centered, axes, keepdims=True)),
                           x.shape)


def _matmul_shapes(a, b, g):
    """Operands and cotangent as batched matrices (numpy.matmul's promotion of 1-D operands)."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    if b.ndim == 1:
        g = g[..., None]
    if a.ndim == 1:
        g = g[..., None, :]
    return a2, b2, g


def _matmul_vjp(R, g, a, b):
    a2, b2, g2 = _matmul_shapes(a, b, np.asarray(g))
    ga = np.matmul(g2, np.swapaxes(b2, -1, -2))
    gb = np.matmul(np.swapaxes(a2, -1, -2), g2)
    return sum_to(ga, a2.shape).reshape(a.shape), sum_to(gb, b2.shape).reshape(b.shape)


def _matmul_terms(a_shape, b_shape):
    """How many products each gradient element of a @ b sums: the vjp of all-ones operands."""
    a, b = np.ones(a_shape), np.ones(b_shape)
    return _matmul_vjp(NUMPY, np.ones(np.matmul(a, b).shape), a, b)


MATMUL = Formula(lambda R, a, b: np.matmul(a, b), vjp=_matmul_vjp,
                 magnitude=lambda g, a, b: _matmul_vjp(NUMPY, np.abs(g), np.abs(a), np.abs(b)),
                 terms=_matmul_terms)


def _index_vjp(R, g, x, index):
    grad = np.zeros(x.shape, dtype=np.asarray(g).dtype)
    for j, i in enumerate(index):
        grad[i % x.shape[0]] = grad[i % x.shape[0]] + g[j]
    return (grad,)


def _expand_shape(x_shape, size):
    lead = len(size) - len(x_shape)
    return tuple(s if s != -1 else x_shape[d - lead] for d, s in enumerate(size))


def _cat_vjp(R, g, *xs, dim):
    cuts = np.cumsum([x.shape[dim] for x in xs])[:-1]
    return tuple(np.split(g, cuts, axis=dim))


def _structure(vjp, terms=None):
    return Formula(None, vjp=vjp, magnitude=lambda g, *xs, **kw: tuple(np.abs(t) for t in vjp(NUMPY, np.abs(g), *xs, **kw)),
                   terms=terms or (lambda *shapes, **kw: (1,) * len(shapes)))


def _inverse(perm):
    return tuple(sorted(range(len(perm)), key=lambda i: perm[i]))


SCALES = {  # float64 numpy: |partial| at the magnitude of the terms torch's formula subtracts
    "tanh": lambda x: 1 + np.tanh(x) ** 2,
    "sigmoid": lambda x: _sigmoid(NUMPY, x) * (1 + _sigmoid(NUMPY, x)),
    "expm1": lambda x: np.abs(np.expm1(x)) + 1,
    "asin": lambda x: (1 + x * x) / (1 - x * x) ** 1.5,
    "log1p": lambda x: (1 + np.abs(x)) / (1 + x) ** 2,
}

TABLE = {
    **{name: _unary(name, d, SCALES.get(name)) for name, d in {
        "exp": lambda R, x: R.exp(x), "expm1": lambda R, x: R.exp(x), "log": lambda R, x: 1 / x,
        "log1p": lambda R, x: 1 / (x + 1), "log2": lambda R, x: 1 / (x * R.ln2), "log10": lambda R, x: 1 / (x * R.ln10),
        "sqrt": lambda R, x: 1 / (2 * R.sqrt(x)), "rsqrt": lambda R, x: -1 / (2 * x * R.sqrt(x)),
        "reciprocal": lambda R, x: -1 / (x * x), "square": lambda R, x: 2 * x, "sin": lambda R, x: R.cos(x),
        "cos": lambda R, x: -R.sin(x), "tan": lambda R, x: 1 / (R.cos(x) * R.cos(x)),
        "asin": lambda R, x: 1 / R.sqrt(1 - x * x), "atan": lambda R, x: 1 / (1 + x * x),
        "sinh": lambda R, x: R.cosh(x), "cosh": lambda R, x: R.sinh(x), "tanh": lambda R, x: 1 / (R.cosh(x) * R.cosh(x)),
        "sigmoid": lambda R, x: _sigmoid(R, x) * _sigmoid(R, -x), "erf": lambda R, x: 2 / R.sqrt(R.pi) * R.exp(-x * x),
        "softplus": lambda R, x, beta: _sigmoid(R, beta * x),
        "pow-scalar": lambda R, x, exponent: exponent * x ** (exponent - 1),
    }.items()},
    "neg": Formula(None, partials=lambda R, x: (-np.ones_like(x),)),
    "abs": Formula(None, partials=lambda R, x: (x / np.abs(x),)),
    "add": Formula(ELEMENTWISE["add"], partials=lambda R, a, b, alpha=1: (1, alpha)),
    "sub": Formula(ELEMENTWISE["sub"], partials=lambda R, a, b, alpha=1: (1, -alpha)),
    "mul": Formula(ELEMENTWISE["mul"], partials=lambda R, a, b: (b, a)),
    "div": Formula(ELEMENTWISE["div"], partials=lambda R, a, b: (1 / b, -a / (b * b))),
    "pow": Formula(ELEMENTWISE["pow"], partials=lambda R, a, b: (b * a ** (b - 1), a ** b * R.log(a))),
    "atan2": Formula(ELEMENTWISE["atan2"], partials=lambda R, a, b: (b / (a * a + b * b), -a / (a * a + b * b))),
    "hypot": Formula(ELEMENTWISE["hypot"], partials=lambda R, a, b: (a / R.hypot(a, b), b / R.hypot(a, b))),
    "maximum": Formula(None, partials=lambda R, a, b: ((a > b) * 1, (a < b) * 1)),
    "minimum": Formula(None, partials=lambda R, a, b: ((a < b) * 1, (a > b) * 1)),
    "sum": _reduction("sum", lambda R, x, v, dim: 1),
    "mean": _reduction("mean", lambda R, x, v, dim: 1 / _count(x.shape, dim)),
    "prod": _reduction("prod", lambda R, x, v, dim: v / x),
    "amax": Formula(None, vjp=lambda R, g, x, dim=None, keepdim=False: (_restore(g, x.shape, dim, keepdim) * (
                        x == np.amax(x, _axes(x.ndim, dim), keepdims=True)),),
                    magnitude=lambda g, x, dim=None, keepdim=False: (np.abs(_restore(g, x.shape, dim, keepdim)),),
                    terms=lambda shape, **kw: (1,)),
    "amin": Formula(None, vjp=lambda R, g, x, dim=None, keepdim=False: (_restore(g, x.shape, dim, keepdim) * (
                        x == np.amin(x, _axes(x.ndim, dim), keepdims=True)),),
                    magnitude=lambda g, x, dim=None, keepdim=False: (np.abs(_restore(g, x.shape, dim, keepdim)),),
                    terms=lambda shape, **kw: (1,)),
    "logsumexp": _reduction("logsumexp", lambda R, x, v, dim: R.exp(x - v),  # x - L: absolute error in exp
                            lambda x, v, dim: np.exp(x - v) * (1 + np.abs(x) + np.abs(v))),
    # magnitudes: x - mean cancels, and the computed mean is within (n-1) u mean|x|; std's own relative
    # error, about n u kappa, scales the whole gradient (Chan, Golub and LeVeque 1983)
    "var": _reduction("var", lambda R, x, v, dim, correction: 2 * (x - _mean_of(x, dim)) / (_count(x.shape, dim) - correction),
                      lambda x, v, dim, correction: 2 * (np.abs(x) + _mean_of(np.abs(x), dim)) / (_count(x.shape, dim) - correction)),
    "std": _reduction("std", lambda R, x, v, dim, correction: (x - _mean_of(x, dim)) / ((_count(x.shape, dim) - correction) * v),
                      lambda x, v, dim, correction: (np.abs(x) + _mean_of(np.abs(x), dim) + np.abs(x - _mean_of(x, dim))
                                                     * _kappa(x, dim)) / ((_count(x.shape, dim) - correction) * v)),
    "norm": _reduction("norm", lambda R, x, v, dim, ord: x * np.abs(x) ** (ord - 2) / v ** (ord - 1)),
    "matmul": MATMUL, "mm": MATMUL, "bmm": MATMUL,
    "dot": Formula(lambda R, a, b: np.sum(a * b) if a.size else a.sum() * 0, vjp=lambda R, g, a, b: (g * b, g * a),
                   magnitude=lambda g, a, b: (np.abs(g * b), np.abs(g * a)), terms=lambda a, b: (1, 1)),
    "outer": Formula(lambda R, a, b: a[:, None] * b[None, :],
                     vjp=lambda R, g, a, b: (np.sum(g * b[None, :], 1), np.sum(g * a[:, None], 0)),
                     magnitude=lambda g, a, b: (np.sum(np.abs(g * b[None, :]), 1), np.sum(np.abs(g * a[:, None]), 0)),
                     terms=lambda a, b: (b[0], a[0])),
    "transpose": _structure(lambda R, g, x, dim0, dim1: (np.swapaxes(g, dim0, dim1),)),
    "permute": _structure(lambda R, g, x, dims: (np.transpose(g, _inverse(dims)),)),
    "reshape": _structure(lambda R, g, x, shape: (np.reshape(g, x.shape),)),
    "expand": _structure(lambda R, g, x, size: (sum_to(g, x.shape),),
                         lambda shape, size: (math.prod(_expand_shape(shape, size)) // max(math.prod(shape), 1),)),
    "cat": _structure(_cat_vjp),
    "stack": _structure(lambda R, g, *xs, dim: tuple(np.moveaxis(g, dim, 0))),
    "index": _structure(_index_vjp, lambda shape, index: (max([list(np.asarray(index) % max(shape[0], 1)).count(i)
                                                   for i in range(shape[0])] or [1]),)),
}


EXACT = {name for name, formula in TABLE.items() if formula.forward is None}  # nothing is rounded
REDUCTIONS = {"sum", "mean", "prod", "logsumexp", "var", "std", "norm"}


def forward(name: str, dtype: torch.dtype, *inputs: np.ndarray, **kwargs) -> Reference:
    """The exact forward value of table op ``name`` on float64 ``inputs``, for a ``dtype`` result (with
    the magnitude and count of the terms a sum adds)."""
    if name in REDUCTIONS:
        dim, keepdim = kwargs.pop("dim", None), kwargs.pop("keepdim", False)
        return reduction(name, dtype, inputs[0], None if dim is None or not inputs[0].ndim else dim, keepdim, **kwargs)
    reference = evaluate(TABLE[name].forward, dtype, *inputs, **kwargs)
    if name in ("matmul", "mm", "bmm", "dot"):
        with np.errstate(all="ignore"):
            magnitude = np.abs(np.asarray(TABLE[name].forward(NUMPY, *(np.abs(x) for x in inputs)), dtype=float))
        return Reference(reference.exact, magnitude, inputs[0].shape[-1] if inputs[0].ndim else 1)
    return reference


def vjp(name: str, dtype: torch.dtype, g: np.ndarray, *inputs: np.ndarray, **kwargs) -> list[Reference]:
    """The exact vector-Jacobian product of table op ``name`` with cotangent ``g``: one reference per
    input, computed from the inputs (never from torch's forward result)."""
    formula, R = TABLE[name], backend(dtype)
    with np.errstate(all="ignore"):
        if formula.partials is not None:
            out_shape = np.broadcast_shapes(*(x.shape for x in inputs))
            exact_partials = formula.partials(R, *(R.asarray(x) for x in inputs), **kwargs)
            plain_partials = (formula.partials(NUMPY, *inputs, **kwargs) if formula.scale is None
                              else formula.scale(*inputs, **kwargs))
            grads = [sum_to(R.asarray(g) * p, x.shape) for p, x in zip(exact_partials, inputs)]
            magnitudes = [sum_to(np.abs(np.broadcast_to(g * p, out_shape)), x.shape)
                          for p, x in zip(plain_partials, inputs)]
            terms = [math.prod(out_shape) // max(math.prod(x.shape), 1) for x in inputs]
        else:
            grads = formula.vjp(R, R.asarray(g), *(R.asarray(x) for x in inputs), **kwargs)
            magnitudes = formula.magnitude(np.asarray(g, dtype=float), *inputs, **kwargs)
            terms = formula.terms(*(x.shape for x in inputs), **kwargs)
    return [Reference(_split(np.broadcast_to(grad, x.shape)), np.broadcast_to(np.asarray(m, dtype=float), x.shape), t)
            for grad, m, t, x in zip(grads, magnitudes, terms, inputs)]
