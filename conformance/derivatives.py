"""Analytic derivative table: each differentiable op with its vector-Jacobian product, written out.

Every entry gives the op, its VJP as a formula (``vjp(g, out, *inputs, **kwargs)`` returns one
gradient per tensor input; the autograd family evaluates it in float64 on the values autograd saw,
``out`` being the op's own result, as PyTorch saves it), where the formula comes from, how to draw
its arguments, and the input domain that keeps every drawn input away from kinks, ties and
singularities by construction.  Formulas follow PyTorch's ``derivatives.yaml`` (linked per entry).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote

import torch
from hypothesis import strategies as st

from strategies import reshapes, shapes

YAML = "https://github.com/pytorch/pytorch/blob/main/tools/autograd/derivatives.yaml"
DOCS = "https://pytorch.org/docs/stable/generated/"


def yaml(signature: str) -> str:
    """A link to the ``derivatives.yaml`` entry whose name starts with ``signature``."""
    return f"{YAML}#:~:text={quote('- name: ' + signature)}"


@dataclass(frozen=True)
class Domain:
    """Values of one input: within ``[low, high]``, ``|x| >= min_abs``, all distinct when ``unique``."""

    low: float = -3.0
    high: float = 3.0
    min_abs: float = 0.0
    unique: bool = False

    def interval(self) -> tuple[float, float]:
        """A connected piece of the domain (the positive one when ``min_abs`` cuts out zero)."""
        if self.min_abs <= 0:
            return self.low, self.high
        return (max(self.low, self.min_abs), self.high) if self.high >= self.min_abs else (self.low, -self.min_abs)


ANY = Domain()


@dataclass(frozen=True)
class Derivative:
    """One differentiable op of the table."""

    name: str
    fn: Callable[..., torch.Tensor]  # fn(*inputs, **kwargs)
    vjp: Callable[..., tuple]  # vjp(grad_output, out, *inputs, **kwargs) -> gradient of each input
    source: str  # where the formula comes from
    arguments: Callable[[int], st.SearchStrategy]  # max_numel -> (input shapes, kwargs)
    domains: tuple[Domain, ...] = (ANY,)  # per input; the last one repeats
    distinct: bool = False  # no value repeats within or across inputs (inputs share one shape)
    node: str | None = None  # documented grad_fn name, when it does not depend on the arguments
    elementwise: bool = False  # same-shape inputs compose freely (random compositions)
    kinds: tuple[str, ...] = ("float",)
    # float16/bfloat16 are checked too: PyTorch's backward there is exact or at most two roundings of the
    # formula's value, with no sum of cancelling terms, so the dtype's tolerance holds by construction
    low_precision: bool = False
    notes: str = field(default="", compare=False)

    def domain(self, i: int) -> Domain:
        return self.domains[min(i, len(self.domains) - 1)]


# ---------------------------------------------------------------------------
# Argument strategies: each takes max_numel and draws (input shapes, kwargs)
# ---------------------------------------------------------------------------

def _fixed(**kwargs):
    return st.fixed_dictionaries({k: v if isinstance(v, st.SearchStrategy) else st.just(v) for k, v in kwargs.items()})


def unary(**kwargs):
    def arguments(max_numel):
        return st.tuples(st.tuples(shapes(max_numel=max_numel)), _fixed(**kwargs))
    return arguments


@st.composite
def _broadcastable(draw, max_numel, arity):
    """Shapes that broadcast together: leading dims dropped and sides set to 1 from one result shape."""
    result = draw(shapes(max_numel=max_numel), label="broadcast shape")
    out = []
    for _ in range(arity):
        lead = draw(st.integers(0, len(result)), label="dropped leading dims")
        out.append(tuple(1 if draw(st.booleans(), label="broadcast side") else s for s in result[lead:]))
    return tuple(out)


def binary(**kwargs):
    def arguments(max_numel):
        return st.tuples(_broadcastable(max_numel, 2), _fixed(**kwargs))
    return arguments


def same_shape(arity):
    def arguments(max_numel):
        return st.tuples(shapes(max_numel=max_numel).map(lambda s: (s,) * arity), st.just({}))
    return arguments


@st.composite
def _reduction(draw, max_numel, dims, min_reduced, options):
    """A shape, the dims to reduce (no ``dim``: all of them) and keepdim; >= ``min_reduced`` elements reduced."""
    shape = list(draw(shapes(max_numel=max_numel, zero_size=min_reduced == 0), label="shape"))
    if min_reduced > 1 and all(s < min_reduced for s in shape):
        shape = shape or [1]
        shape[-1] = min_reduced  # the smallest change that reduces enough elements
    ndim = len(shape)
    long = [d for d in range(ndim) if shape[d] >= min_reduced]
    if ndim == 0 or draw(st.booleans(), label="reduce all"):
        kwargs = {"dim": tuple(range(ndim))} if dims == "tuple-required" else {}
    elif dims == "int":
        kwargs = {"dim": draw(st.sampled_from(long), label="dim") - draw(st.sampled_from([0, ndim]), label="negative")}
    else:
        first = draw(st.sampled_from(long), label="dim")
        kwargs = {"dim": tuple(sorted({first, *draw(st.sets(st.integers(0, ndim - 1)), label="more dims")}))}
    if "dim" in kwargs:
        kwargs["keepdim"] = draw(st.booleans(), label="keepdim")
    kwargs.update(draw(_fixed(**options), label="options"))
    return (tuple(shape),), kwargs


def reduction(dims="tuple", min_reduced=0, max_numel=None, **options):
    """``dims``: "tuple" (all or a tuple of dims), "tuple-required" (always a tuple) or "int" (all or one dim)."""
    return lambda budget: _reduction(min(budget, max_numel or budget), dims, min_reduced, options)


def _batches(draw, batch):
    """Two batch shapes that broadcast to ``batch``."""
    out = []
    for _ in range(2):
        lead = draw(st.integers(0, len(batch)), label="dropped batch dims")
        out.append(tuple(1 if draw(st.booleans(), label="broadcast batch side") else s for s in batch[lead:]))
    return out


@st.composite
def _matmul(draw, max_numel, batch, vectors):
    """(..., n, k) @ (..., k, m); ``batch``: "broadcast", "same" (bmm) or "none" (mm); 1-D operands if ``vectors``."""
    side = st.integers(1, 3 if max_numel < 32 else 4)
    n, k, m = (draw(side, label=label) for label in ("n", "k", "m"))
    a = b = ()
    if batch == "same":
        a = b = (draw(st.integers(1, 3), label="batch"),)
    elif batch == "broadcast":
        a, b = _batches(draw, draw(shapes(max_dims=2, max_side=2, max_numel=max(1, max_numel // 16),
                                          zero_size=False), label="batch"))
    left = (k,) if vectors and draw(st.booleans(), label="vector left") else a + (n, k)
    right = (k,) if vectors and draw(st.booleans(), label="vector right") else b + (k, m)
    return (left, right), {}


def matmul(batch="broadcast", vectors=True):
    return lambda max_numel: _matmul(max_numel, batch, vectors)


def vectors(same_length):
    def arguments(max_numel):
        n = st.integers(0, min(max_numel, 6))
        return st.tuples(st.tuples(n, n).map(lambda s: ((s[0],), (s[0 if same_length else 1],))), st.just({}))
    return arguments


@st.composite
def _transpose(draw, max_numel):
    shape = draw(shapes(min_dims=1, max_numel=max_numel), label="shape")
    dim = st.integers(-len(shape), len(shape) - 1)
    return (shape,), {"dim0": draw(dim, label="dim0"), "dim1": draw(dim, label="dim1")}


@st.composite
def _permute(draw, max_numel):
    shape = draw(shapes(max_numel=max_numel), label="shape")
    return (shape,), {"dims": tuple(draw(st.permutations(range(len(shape))), label="dims"))}


@st.composite
def _reshape(draw, max_numel):
    shape = draw(shapes(max_numel=max_numel), label="shape")
    return (shape,), {"shape": draw(reshapes(shape), label="new shape")}


@st.composite
def _expand(draw, max_numel):
    """New leading sizes, size-1 dims grown (or kept with -1): the gradient sums over all of them."""
    shape = draw(shapes(max_numel=max(1, max_numel // 4)), label="shape")
    lead = draw(st.lists(st.integers(0, 3), max_size=max(0, 4 - len(shape))), label="new leading sizes")
    grown = [draw(st.sampled_from([-1, 1, 2, 3]), label="grown size") if s == 1 else
             draw(st.sampled_from([-1, s]), label="kept size") for s in shape]
    return (shape,), {"size": tuple(lead) + tuple(grown)}


@st.composite
def _cat(draw, max_numel):
    """1-3 tensors equal but along ``dim``, where each has its own size."""
    base = draw(shapes(min_dims=1, max_numel=max(1, max_numel // 3)), label="shape")
    dim = draw(st.integers(-len(base), len(base) - 1), label="dim")
    sizes = draw(st.lists(st.integers(0, 3), min_size=1, max_size=3), label="sizes along dim")
    return tuple(base[:dim % len(base)] + (s,) + base[dim % len(base) + 1:] for s in sizes), {"dim": dim}


@st.composite
def _stack(draw, max_numel):
    shape = draw(shapes(max_numel=max(1, max_numel // 3)), label="shape")
    count = draw(st.integers(1, 3), label="tensors")
    return (shape,) * count, {"dim": draw(st.integers(-len(shape) - 1, len(shape)), label="dim")}


@st.composite
def _index(draw, max_numel):
    """An integer index list along dim 0, repeats included."""
    shape = draw(shapes(min_dims=1, max_numel=max_numel), label="shape")
    rows = shape[0]
    index = st.lists(st.integers(-rows, rows - 1), max_size=6) if rows else st.just([])
    return (shape,), {"index": draw(index, label="index")}


# ---------------------------------------------------------------------------
# Formula helpers (float64, plain tensor arithmetic)
# ---------------------------------------------------------------------------

def sum_to(t: torch.Tensor, shape) -> torch.Tensor:
    """Sum ``t`` down to ``shape``: the adjoint of broadcasting ``shape`` up to ``t.shape``."""
    lead = t.dim() - len(shape)
    if lead:
        t = t.sum(tuple(range(lead)))
    dims = tuple(d for d, s in enumerate(shape) if s == 1 and t.shape[d] != 1)
    return t.sum(dims, keepdim=True) if dims else t


def _reduced(x: torch.Tensor, dim) -> tuple:
    if dim is None:
        return tuple(range(x.dim()))
    return tuple(sorted({d % x.dim() for d in ((dim,) if isinstance(dim, int) else dim)})) if x.dim() else ()


def restore(t: torch.Tensor, x: torch.Tensor, dim=None, keepdim=False) -> torch.Tensor:
    """A reduction's result (or its gradient) broadcast back over the reduced dims of ``x``."""
    if not keepdim:
        for d in _reduced(x, dim):
            t = t.unsqueeze(d)
    return t.expand(x.shape)


def count(x: torch.Tensor, dim=None) -> int:
    """How many elements of ``x`` each result element of a reduction over ``dim`` reduces."""
    return math.prod(x.shape[d] for d in _reduced(x, dim))


def _matmul_vjp(g, out, a, b):
    """Gradients of a @ b written as broadcast products and sums (no matmul kernel involved)."""
    a2 = a.unsqueeze(0) if a.dim() == 1 else a
    b2 = b.unsqueeze(-1) if b.dim() == 1 else b
    if b.dim() == 1:
        g = g.unsqueeze(-1)
    if a.dim() == 1:
        g = g.unsqueeze(-2)
    ga = (g.unsqueeze(-2) * b2.unsqueeze(-3)).sum(-1)  # sum_m g[n, m] b[k, m]
    gb = (a2.unsqueeze(-1) * g.unsqueeze(-2)).sum(-3)  # sum_n a[n, k] g[n, m]
    return sum_to(ga, a2.shape).reshape(a.shape), sum_to(gb, b2.shape).reshape(b.shape)


def _norm_vjp(g, out, x, ord=2, dim=None, keepdim=False):
    """d ||x||_p / dx = sign(x) |x|^(p-1) / ||x||_p^(p-1)."""
    norm = restore(out, x, dim, keepdim)
    return (restore(g, x, dim, keepdim) * x.sign() * x.abs() ** (ord - 1) / norm ** (ord - 1),)


def _var_vjp(g, out, x, dim=None, correction=1, keepdim=False):
    """d var / dx = 2 (x - mean) / (N - correction)."""
    centered = x - x.mean(_reduced(x, dim), keepdim=True)
    return (restore(g, x, dim, keepdim) * 2 * centered / (count(x, dim) - correction),)


def _std_vjp(g, out, x, dim=None, correction=1, keepdim=False):
    """d std / dx = (x - mean) / ((N - correction) std)."""
    centered = x - x.mean(_reduced(x, dim), keepdim=True)
    return (restore(g, x, dim, keepdim) * centered / ((count(x, dim) - correction) * restore(out, x, dim, keepdim)),)


def _cat_vjp(g, out, *xs, dim):
    """The gradient splits: each input gets its own slice along ``dim``."""
    starts = [0]
    for x in xs:
        starts.append(starts[-1] + x.shape[dim])
    return tuple(g.narrow(dim, start, x.shape[dim]) for start, x in zip(starts, xs))


def _index_vjp(g, out, x, index):
    """The gradient scatters: row ``index[j]`` receives ``g[j]``, repeated indices accumulate."""
    grad = torch.zeros_like(x)
    for j, i in enumerate(index):
        grad[i % x.shape[0]] += g[j]
    return (grad,)


def _inverse(perm):
    return tuple(sorted(range(len(perm)), key=lambda i: perm[i]))


def _extremum_vjp(g, out, x, dim=None, keepdim=False):
    """The gradient flows to the (unique) extremal element of each reduced slice."""
    return (restore(g, x, dim, keepdim) * (x == restore(out, x, dim, keepdim)),)


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------

def _pow(x, exponent):
    return torch.pow(x, exponent)


def _index_op(x, index):
    return x[torch.tensor(index, dtype=torch.long, device=x.device)]


def _norm(x, **kwargs):
    return torch.linalg.vector_norm(x, **kwargs)


def _unary(name, vjp, source, domain=ANY, node=None, **extra):
    return Derivative(name, getattr(torch, name), vjp, source, unary(), (domain,),
                      node=node or name.capitalize() + "Backward0", elementwise=True, **extra)


LN2, LN10 = math.log(2), math.log(10)
POSITIVE = Domain(0.5, 3.0)
NONZERO = Domain(min_abs=0.5)
UNIQUE = Domain(-10.0, 10.0, unique=True)

DERIVATIVES = [
    # unary elementwise
    _unary("exp", lambda g, out, x: (g * out,), yaml("exp("), low_precision=True),
    _unary("expm1", lambda g, out, x: (g * (out + 1),), yaml("expm1("), low_precision=True),
    _unary("log", lambda g, out, x: (g / x,), yaml("log("), POSITIVE, low_precision=True),
    _unary("log1p", lambda g, out, x: (g / (x + 1),), yaml("log1p("), Domain(-0.5, 3.0), node="Log1PBackward0",
           low_precision=True),
    _unary("log2", lambda g, out, x: (g / (x * LN2),), yaml("log2("), POSITIVE, low_precision=True),
    _unary("log10", lambda g, out, x: (g / (x * LN10),), yaml("log10("), POSITIVE, low_precision=True),
    _unary("sqrt", lambda g, out, x: (g / (2 * out),), yaml("sqrt("), POSITIVE, low_precision=True),
    _unary("rsqrt", lambda g, out, x: (-0.5 * g * out ** 3,), yaml("rsqrt("), POSITIVE, low_precision=True),
    _unary("reciprocal", lambda g, out, x: (-g * out * out,), yaml("reciprocal("), NONZERO, low_precision=True),
    _unary("neg", lambda g, out, x: (-g,), yaml("neg("), low_precision=True),
    _unary("square", lambda g, out, x: (2 * g * x,),
           DOCS + "torch.square.html (x.pow(2), " + yaml("pow.Tensor_Scalar(") + ")",
           node="PowBackward0", low_precision=True),
    _unary("abs", lambda g, out, x: (g * x.sign(),), yaml("abs("), NONZERO, low_precision=True),
    _unary("sin", lambda g, out, x: (g * x.cos(),), yaml("sin("), low_precision=True),
    _unary("cos", lambda g, out, x: (-g * x.sin(),), yaml("cos("), low_precision=True),
    _unary("tan", lambda g, out, x: (g * (1 + out ** 2),), yaml("tan("), Domain(-1.2, 1.2)),
    _unary("asin", lambda g, out, x: (g / (1 - x * x).sqrt(),), yaml("asin("), Domain(-0.9, 0.9)),
    _unary("atan", lambda g, out, x: (g / (1 + x * x),), yaml("atan(")),
    _unary("sinh", lambda g, out, x: (g * x.cosh(),), yaml("sinh("), low_precision=True),
    _unary("cosh", lambda g, out, x: (g * x.sinh(),), yaml("cosh("), low_precision=True),
    _unary("tanh", lambda g, out, x: (g * (1 - out * out),), yaml("tanh("), low_precision=True),
    _unary("sigmoid", lambda g, out, x: (g * out * (1 - out),), yaml("sigmoid(")),
    Derivative("softplus", torch.nn.functional.softplus,
               lambda g, out, x, beta: (g * torch.sigmoid(beta * x),), yaml("softplus("),
               unary(beta=st.sampled_from([0.5, 1.0, 2.0])), node="SoftplusBackward0", elementwise=True,
               low_precision=True, notes="|beta x| stays below the default threshold 20, where softplus is linear"),
    _unary("erf", lambda g, out, x: (g * 2 / math.sqrt(math.pi) * torch.exp(-x * x),), yaml("erf(")),
    Derivative("pow-scalar", _pow, lambda g, out, x, exponent: (g * exponent * x ** (exponent - 1),),
               yaml("pow.Tensor_Scalar("), unary(exponent=st.sampled_from([-2.0, -0.5, 0.5, 1.5, 2.0, 3.0])),
               (POSITIVE,), node="PowBackward0", elementwise=True),
    # binary elementwise, broadcasting
    Derivative("add", torch.add, lambda g, out, a, b, alpha: (sum_to(g, a.shape), sum_to(alpha * g, b.shape)),
               yaml("add.Tensor("), binary(alpha=st.sampled_from([1, 2, -0.5])), node="AddBackward0", elementwise=True),
    Derivative("sub", torch.sub, lambda g, out, a, b, alpha: (sum_to(g, a.shape), sum_to(-alpha * g, b.shape)),
               yaml("sub.Tensor("), binary(alpha=st.sampled_from([1, 2, -0.5])), node="SubBackward0", elementwise=True),
    Derivative("mul", torch.mul, lambda g, out, a, b: (sum_to(g * b, a.shape), sum_to(g * a, b.shape)),
               yaml("mul.Tensor("), binary(), node="MulBackward0", elementwise=True),
    Derivative("div", torch.div, lambda g, out, a, b: (sum_to(g / b, a.shape), sum_to(-g * a / (b * b), b.shape)),
               yaml("div.Tensor("), binary(), (ANY, NONZERO), node="DivBackward0", elementwise=True),
    Derivative("pow", torch.pow,
               lambda g, out, a, b: (sum_to(g * b * a ** (b - 1), a.shape), sum_to(g * out * a.log(), b.shape)),
               yaml("pow.Tensor_Tensor("), binary(), (POSITIVE, Domain(-2.0, 2.0)), node="PowBackward1",
               elementwise=True),
    Derivative("atan2", torch.atan2,
               lambda g, out, a, b: (sum_to(g * b / (a * a + b * b), a.shape),
                                     sum_to(-g * a / (a * a + b * b), b.shape)),
               yaml("atan2("), binary(), (NONZERO,), node="Atan2Backward0", elementwise=True),
    Derivative("hypot", torch.hypot, lambda g, out, a, b: (sum_to(g * a / out, a.shape), sum_to(g * b / out, b.shape)),
               yaml("hypot("), binary(), (NONZERO,), node="HypotBackward0", elementwise=True),
    Derivative("maximum", torch.maximum, lambda g, out, a, b: (g * (a > b), g * (a < b)), yaml("maximum("),
               same_shape(2), (UNIQUE,), distinct=True, node="MaximumBackward0",
               low_precision=True),
    Derivative("minimum", torch.minimum, lambda g, out, a, b: (g * (a < b), g * (a > b)), yaml("minimum("),
               same_shape(2), (UNIQUE,), distinct=True, node="MinimumBackward0",
               low_precision=True),
    # reductions
    Derivative("sum", torch.sum, lambda g, out, x, dim=None, keepdim=False: (restore(g, x, dim, keepdim),),
               yaml("sum.dim_IntList("), reduction(), low_precision=True),
    Derivative("mean", torch.mean,
               lambda g, out, x, dim=None, keepdim=False: (restore(g, x, dim, keepdim) / count(x, dim),),
               yaml("mean.dim("), reduction(min_reduced=1), low_precision=True),
    Derivative("prod", torch.prod,
               lambda g, out, x, dim=None, keepdim=False: (restore(g * out, x, dim, keepdim) / x,),
               yaml("prod.dim_int("), reduction("int", min_reduced=1, max_numel=12), (Domain(-1.5, 1.5, min_abs=0.5),),
               low_precision=True,
               notes="at most 12 factors in [0.5, 1.5] in absolute value: no overflow or underflow in float16"),
    Derivative("amax", torch.amax, _extremum_vjp, yaml("amax("), reduction(min_reduced=1), (UNIQUE,),
               node="AmaxBackward0", low_precision=True),
    Derivative("amin", torch.amin, _extremum_vjp, yaml("amin("), reduction(min_reduced=1), (UNIQUE,),
               node="AminBackward0", low_precision=True),
    Derivative("logsumexp", torch.logsumexp,
               lambda g, out, x, dim, keepdim:
               (restore(g, x, dim, keepdim) * (x - restore(out, x, dim, keepdim)).exp(),),
               yaml("logsumexp("), reduction("tuple-required", min_reduced=1), node="LogsumexpBackward0"),
    Derivative("var", torch.var, _var_vjp, yaml("var.correction("),
               reduction(min_reduced=2, correction=st.sampled_from([0, 1])), node="VarBackward0"),
    Derivative("std", torch.std, _std_vjp, yaml("std.correction("),
               reduction(min_reduced=2, correction=st.sampled_from([0, 1])), (UNIQUE,), node="StdBackward0",
               notes="distinct values: the standard deviation is positive"),
    Derivative("norm", _norm, _norm_vjp, yaml("linalg_vector_norm("),
               reduction(min_reduced=1, ord=st.sampled_from([1, 2, 3])), (NONZERO,), node="LinalgVectorNormBackward0",
               notes="no zero element: |x| is smooth and the norm positive"),
    # linear algebra
    Derivative("matmul", torch.matmul, _matmul_vjp, DOCS + "torch.matmul.html (" + yaml("mm(") + ")", matmul()),
    Derivative("mm", torch.mm, _matmul_vjp, yaml("mm("), matmul("none", vectors=False), node="MmBackward0"),
    Derivative("bmm", torch.bmm, _matmul_vjp, yaml("bmm("), matmul("same", vectors=False), node="BmmBackward0"),
    Derivative("dot", torch.dot, lambda g, out, a, b: (g * b, g * a), yaml("dot("), vectors(True), node="DotBackward0",
               low_precision=True),
    Derivative("outer", torch.outer, lambda g, out, a, b: ((g * b).sum(-1), (g * a.unsqueeze(-1)).sum(0)),
               DOCS + "torch.outer.html (a.unsqueeze(1) * b, " + yaml("mul.Tensor(") + ")", vectors(False)),
    # structure
    Derivative("transpose", torch.transpose, lambda g, out, x, dim0, dim1: (g.transpose(dim0, dim1),),
               yaml("transpose.int("), _transpose, node="TransposeBackward0", low_precision=True),
    Derivative("permute", torch.permute, lambda g, out, x, dims: (g.permute(_inverse(dims)),), yaml("permute("),
               _permute, node="PermuteBackward0", low_precision=True),
    Derivative("reshape", torch.reshape, lambda g, out, x, shape: (g.reshape(x.shape),),
               DOCS + "torch.reshape.html (" + yaml("view(") + ")", _reshape, low_precision=True),
    Derivative("expand", torch.Tensor.expand, lambda g, out, x, size: (sum_to(g, x.shape),), yaml("expand("),
               _expand, node="ExpandBackward0"),
    Derivative("cat", lambda *xs, dim: torch.cat(xs, dim), _cat_vjp, yaml("cat("), _cat, node="CatBackward0",
               low_precision=True),
    Derivative("stack", lambda *xs, dim: torch.stack(xs, dim), lambda g, out, *xs, dim: g.unbind(dim),
               yaml("stack("), _stack, node="StackBackward0", low_precision=True),
    Derivative("index", _index_op, _index_vjp, yaml("index.Tensor("), _index, node="IndexBackward0"),
]
