"""Neural-network ops (``torch.nn.functional``): normalizations, the softmax family, embeddings, attention,
activations, losses, distances, ``linear`` and dropout in evaluation mode.

Each entry's reference is the op's documented definition written with numpy on float64.  Domains keep
drawn values off kinks by construction: a ``min_abs`` gap around a kink at 0, or a ``grid`` whose
multiples never land on the kinks the keyword arguments put elsewhere (hardtanh's bounds at +-1.25 with
values on multiples of 0.5; relu6's 0 and 6 with values on multiples of 0.7 away from 0; two loss
operands on grids 1 and 0.7, whose differences stay at least 0.1 from 0).  Ops whose arguments have a
structure (a channel dim, a normalized shape, class indices) draw it with the strategies of this module.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from conformance.derivatives import yaml

from . import args
from .core import ANY, Arg, Domain, OpInfo, Sizes, doc, resolve

F = "torch.nn.functional."


def fdoc(name: str) -> str:
    return doc(F + name)


def functional(name: str):
    """``torch.nn.functional.<name>`` looked up at call time (a monkeypatched fault is seen)."""
    return resolve(F + name)


def _copy_in_layout(x: torch.Tensor) -> torch.Tensor:
    """A copy of ``x`` with its strides (a kernel may round otherwise on another layout), in new memory;
    contiguous where ``x`` overlaps itself (an expanded input), which cannot be written in place."""
    if any(stride == 0 and size > 1 for size, stride in zip(x.shape, x.stride())):
        return x.contiguous().clone()
    return x.new_empty_strided(x.shape, x.stride()).copy_(x)


def _on_a_copy(dotted: str):
    """An in-place function route (``F.elu_``) applied to a copy of the input in its layout: the registry's
    in-place invariants take methods; this route checks the in-place function's values."""
    return lambda x, *rest, **kwargs: resolve(dotted)(_copy_in_layout(x), *rest, **kwargs)


KINKED = Domain(-3.0, 3.0, min_abs=0.5)  # a kink at 0 only
SMOOTH = Domain(-5.0, 5.0)
GRID_07 = Domain(-5.0, 5.0, min_abs=0.5, grid=0.7)  # multiples of 0.7 but 0: off +-3 (2.8, 3.5), off +-0.5, off 6
HALVES = Domain(-3.0, 3.0, grid=0.5)  # multiples of 0.5: off +-1.25
INTEGERS = Domain(-3.0, 3.0, grid=1.0)
SEVENTHS = Domain(-3.0, 3.0, min_abs=0.5, grid=0.7)  # with INTEGERS: differences k - 0.7 m, |.| >= 0.1
PROBABILITIES = Domain(0.05, 0.95)
FACTORS = Domain(0.5, 2.0)

# ---------------------------------------------------------------------------
# numpy references (float64)
# ---------------------------------------------------------------------------

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _axis(a, dim):
    return 0 if a.ndim == 0 else dim


def _np_softmax(a, dim, **_):
    b = a.reshape(1) if a.ndim == 0 else a
    axis = 0 if a.ndim == 0 else dim
    e = np.exp(b - np.max(b, axis=axis, keepdims=True, initial=-np.inf))
    return (e / np.sum(e, axis=axis, keepdims=True)).reshape(a.shape)


def _np_log_softmax(a, dim, **_):
    b = a.reshape(1) if a.ndim == 0 else a
    axis = 0 if a.ndim == 0 else dim
    m = np.max(b, axis=axis, keepdims=True, initial=-np.inf)
    return (b - m - np.log(np.sum(np.exp(b - m), axis=axis, keepdims=True))).reshape(a.shape)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _softplus(a):
    return np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a)))


def _np_gelu(a, approximate="none"):
    if approximate == "tanh":
        return 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))
    return 0.5 * a * (1 + _erf(a / math.sqrt(2)))


def _np_elu(a, alpha=1.0, scale=1.0, input_scale=1.0):
    return scale * np.where(a > 0, a, alpha * np.expm1(input_scale * a))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _reduce(loss, reduction):
    if reduction == "mean":
        return np.mean(loss) if loss.size else np.float64(np.nan)
    if reduction == "sum":
        return np.sum(loss)
    return loss


def _pointwise_loss(fn):
    def ref(a, b, reduction="mean", **kwargs):
        return _reduce(fn(a, b, **kwargs), reduction)
    return ref


def _np_smooth_l1(a, b, beta=1.0):
    d = np.abs(a - b)
    return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)


def _np_huber(a, b, delta=1.0):
    d = np.abs(a - b)
    return np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))


def _np_bce(p, y, reduction="mean"):
    return _reduce(-(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log1p(-p), -100)), reduction)


def _np_bce_logits(x, y, reduction="mean", pos_weight=None):
    pw = 1.0 if pos_weight is None else pos_weight
    log_sig, log_one_minus = -_softplus(-x), -_softplus(x)
    return _reduce(-(pw * y * log_sig + (1 - y) * log_one_minus), reduction)


def _np_kl_div(x, t, reduction="mean", log_target=False):
    loss = np.exp(t) * (t - x) if log_target else t * (np.log(t) - x)
    if reduction == "batchmean":
        return np.sum(loss) / (loss.shape[0] if loss.ndim else 1)
    return _reduce(loss, reduction)


def _np_nll(logp, target, reduction="mean", weight=None):
    """-logp[n, target[n], d...] per element; 'mean': the sum over the sum of the picked weights (1 each)."""
    picked = np.take_along_axis(logp, np.expand_dims(target, 1 if logp.ndim > 1 else 0), 1 if logp.ndim > 1 else 0)
    loss = -np.squeeze(picked, 1 if logp.ndim > 1 else 0)
    return _reduce(loss, reduction)


def _np_cross_entropy(x, target, reduction="mean", label_smoothing=0.0):
    axis = 1 if x.ndim > 1 else 0
    logp = _np_log_softmax(x, axis)
    nll = _np_nll(logp, target, "none")
    if label_smoothing:
        classes = x.shape[axis]
        smooth = -np.sum(logp, axis=axis) / classes
        return _reduce((1 - label_smoothing) * nll + label_smoothing * smooth, reduction)
    return _reduce(nll, reduction)


def _norms(a, axis, p):
    return np.sum(np.abs(a) ** p, axis=axis, keepdims=True) ** (1 / p)


def _np_normalize(a, p=2.0, dim=1, eps=1e-12):
    return a / np.maximum(_norms(a, _axis(a, dim), p), eps)


def _np_cosine_similarity(a, b, dim=1, eps=1e-8):
    a, b = np.broadcast_arrays(a, b)
    axis = dim % a.ndim
    na = np.maximum(np.sqrt(np.sum(a * a, axis=axis)), eps)
    nb = np.maximum(np.sqrt(np.sum(b * b, axis=axis)), eps)
    return np.sum(a * b, axis=axis) / (na * nb)


def _np_pairwise_distance(a, b, p=2.0, eps=1e-6, keepdim=False):
    d = a - b + eps
    return np.sum(np.abs(d) ** p, axis=-1, keepdims=keepdim) ** (1 / p)


def _np_linear(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def _np_layer_norm(x, *affine, normalized_shape, eps=1e-5):
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    if affine:
        y = y * affine[0]
    if len(affine) > 1:
        y = y + affine[1]
    return y


def _channel_affine(y, affine):
    shape = (1, -1) + (1,) * (y.ndim - 2)
    if affine:
        y = y * affine[0].reshape(shape)
    if len(affine) > 1:
        y = y + affine[1].reshape(shape)
    return y


def _np_group_norm(x, *affine, num_groups, eps=1e-5):
    n, c = x.shape[:2]
    g = x.reshape(n, num_groups, -1)
    mean = g.mean(axis=-1, keepdims=True)
    var = ((g - mean) ** 2).mean(axis=-1, keepdims=True)
    y = ((g - mean) / np.sqrt(var + eps)).reshape(x.shape)
    return _channel_affine(y, affine)


def _batch_stats_norm(x, affine, eps, per_sample=False):
    axes = tuple(d for d in range(x.ndim) if d != 1 and not (per_sample and d == 0))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return _channel_affine((x - mean) / np.sqrt(var + eps), affine)


def _np_batch_norm_train(x, *affine, eps=1e-5, momentum=0.1):
    return _batch_stats_norm(x, affine, eps)


def _np_instance_norm(x, *affine, eps=1e-5):
    return _batch_stats_norm(x, affine, eps, per_sample=True)


def _np_batch_norm_eval(x, running_mean, running_var, *affine, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - running_mean.reshape(shape)) / np.sqrt(running_var.reshape(shape) + eps)
    return _channel_affine(y, affine)


def _np_embedding(w, idx, padding_idx=None):
    return w[idx]


def _np_embedding_bag(w, idx, offsets=None, mode="mean"):
    if offsets is None:
        bags = [w[row] for row in idx]
    else:
        bounds = list(offsets) + [len(idx)]
        bags = [w[idx[a:b]] for a, b in zip(bounds, bounds[1:])]
    out = np.zeros((len(bags), w.shape[1]))
    for i, rows in enumerate(bags):
        if len(rows):
            out[i] = {"sum": np.sum, "mean": np.mean, "max": np.max}[mode](rows, axis=0)
    return out


def _np_sdpa(q, k, v, is_causal=False):
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if is_causal:
        allowed = np.tril(np.ones((q.shape[-2], k.shape[-2]), dtype=bool))
        scores = np.where(allowed, scores, -np.inf)
    return _np_softmax(scores, -1) @ v


def _np_glu(a, dim=-1):
    x, g = np.split(a, 2, axis=dim)
    return x * _sigmoid(g)


def _np_prelu(x, w):
    """One weight per channel (dim 1), or one for all."""
    if x.ndim >= 2 and w.size == x.shape[1]:
        w = w.reshape((1, w.size) + (1,) * (x.ndim - 2))
    return np.where(x > 0, x, w * x)


def _np_local_response_norm(x, size, alpha=1e-4, beta=0.75, k=1.0):
    sq = x * x
    c = x.shape[1]
    div = np.zeros_like(x)
    for i in range(c):
        lo, hi = i - size // 2, i + (size - 1) // 2
        div[:, i] = np.sum(sq[:, max(lo, 0):min(hi, c - 1) + 1], axis=1)
    return x / (k + alpha * div / size) ** beta


# ---------------------------------------------------------------------------
# analytic VJPs of the activations (float64 torch arithmetic, derivatives.yaml's formulas)
# ---------------------------------------------------------------------------

def _gelu_vjp(g, out, x, approximate="none"):
    if approximate == "tanh":
        c = math.sqrt(2 / math.pi)
        inner = c * (x + 0.044715 * x ** 3)
        t = torch.tanh(inner)
        return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)),)
    cdf = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
    pdf = torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return (g * (cdf + x * pdf),)


def _elu_vjp(g, out, x, alpha=1.0):
    return (g * torch.where(x > 0, torch.ones_like(x), alpha * torch.exp(x)),)


def _celu_vjp(g, out, x, alpha=1.0):
    return (g * torch.where(x > 0, torch.ones_like(x), torch.exp(x / alpha)),)


def _selu_vjp(g, out, x):
    return (g * SELU_SCALE * torch.where(x > 0, torch.ones_like(x), SELU_ALPHA * torch.exp(x)),)


def _silu_vjp(g, out, x):
    s = torch.sigmoid(x)
    return (g * s * (1 + x * (1 - s)),)


def _mish_vjp(g, out, x):
    t = torch.tanh(torch.nn.functional.softplus(x))
    return (g * (t + x * torch.sigmoid(x) * (1 - t * t)),)


def _between(x, low, high):
    return ((x > low) & (x < high)).to(x.dtype)


# ---------------------------------------------------------------------------
# Argument strategies
# ---------------------------------------------------------------------------

@st.composite
def _channels(draw, sizes: Sizes, min_dims: int = 2, max_dims: int = 4, over: str = "", groups=False, affine=True):
    """(N, C, *spatial) with sides of at most 3; with ``groups``, a number of groups dividing C.  ``over``: what
    each mean and variance is taken over -- "batch" (N and the spatial dims), "spatial" (the spatial dims) or
    "group" (a group's channels and the spatial dims) -- has at least two values (documented: "Expected more
    than 1 value per channel when training"; one value is its own mean, a degenerate normalization)."""
    ndim = draw(st.integers(min_dims, max_dims), label="ndim")
    sides = list(draw(sizes.sides(ndim, 1, 3), label="sides"))
    per_group = draw(st.integers(1, 2), label="channels per group") if groups else 1
    while math.prod(sides) * per_group > sizes.max_numel and max(sides) > 1:  # the size budget (gradcheck's: 12)
        sides[max(range(ndim), key=lambda d: (sides[d], d))] -= 1
    if sizes.mode != "zero-size" and over:
        counted = {"batch": [0] + list(range(2, ndim)), "spatial": list(range(2, ndim)),
                   "group": list(range(2, ndim))}[over]
        if math.prod(sides[d] for d in counted) * per_group < 2:
            if counted:
                sides[counted[-1]] = max(sides[counted[-1]], 2)
            else:
                per_group = 2
    kwargs = {}
    if groups:
        kwargs["num_groups"] = max(sides[1], 1)
        sides[1] = kwargs["num_groups"] * per_group if sides[1] else 0
    inputs = [tuple(sides)]
    if affine:
        inputs += [(sides[1],)] * draw(st.sampled_from([0, 1, 2]), label="weight, bias given")
    return tuple(inputs), kwargs


def channels(**options):
    return lambda sizes: _channels(sizes, **options)


@st.composite
def _layer_norm_args(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=1, max_dims=3), label="shape")
    k = draw(st.integers(1, len(shape)), label="normalized dims")
    normalized = tuple(shape[len(shape) - k:])
    inputs = (shape,) + (normalized,) * draw(st.sampled_from([0, 1, 2]), label="weight, bias given")
    return inputs, {"normalized_shape": normalized}


@st.composite
def _batch_norm_eval_args(draw, sizes: Sizes):
    (x, *affine), _ = draw(_channels(sizes), label="shapes")
    c = x[1]
    stats = (Arg((c,), torch.float64, Domain(-1.0, 1.0)), Arg((c,), torch.float64, Domain(0.5, 2.0)))
    return (x, *stats, *affine), {}


@st.composite
def _embedding_args(draw, sizes: Sizes):
    """Weight (n, d) first, then indices of any shape; a padding row the indices never name (so the
    gradient is the full Jacobian's: the padding row's rule has its own test)."""
    n, d = draw(sizes.sides(2, 1, 4), label="rows, dim")
    n = max(n, 2)
    index_shape = draw(sizes.shape(max_dims=2, max_numel=6), label="index shape")
    kwargs = draw(args.maybe(padding_idx=st.sampled_from([n - 1, -1])), label="padding")
    high = n - 2 if kwargs else n - 1
    return ((n, d), Arg(index_shape, torch.int64, Domain(integers=(0, high)))), kwargs


@st.composite
def _embedding_bag_args(draw, sizes: Sizes):
    n, d = draw(sizes.sides(2, 1, 4), label="rows, dim")
    n, d = (max(n, 1), 0) if sizes.mode == "zero-size" else (n, d)  # rows to index, of no elements
    mode = draw(st.sampled_from(["sum", "mean", "max"]), label="mode")
    index = Domain(integers=(0, n - 1))
    if draw(st.booleans(), label="offsets"):
        length = draw(st.integers(0, 6), label="indices")
        cuts = sorted(draw(st.lists(st.integers(0, length), max_size=3), label="bag starts"))
        return ((n, d), Arg((length,), torch.int64, index)), {"offsets": (0, *cuts), "mode": mode}
    bags, per_bag = draw(st.integers(0, 3), label="bags"), draw(st.integers(1, 3), label="per bag")
    return ((n, d), Arg((bags, per_bag), torch.int64, index)), {"mode": mode}


@st.composite
def _classes(draw, sizes: Sizes, options):
    """Scores (N, C), (C,) or (N, C, d) and class indices (N,), () or (N, d)."""
    n, c, extra = draw(sizes.sides(3, 1, 3), label="N, C, d")
    if sizes.mode == "zero-size":  # no samples of at least one class
        n, c = 0, max(c, 1)
    c = max(c, 1)
    form = draw(st.sampled_from(["batch", "spatial"] if n == 0 else ["batch", "single", "spatial"]), label="form")
    if form == "single":
        x, t = (c,), ()
    elif form == "batch":
        x, t = (n, c), (n,)
    else:
        x, t = (n, c, extra), (n, extra)
    kwargs = draw(options, label="options")
    return (x, Arg(t, torch.int64, Domain(integers=(0, c - 1)))), kwargs


def classes(**options):
    return lambda sizes: _classes(sizes, args.maybe(**options))


def _pair(reduction=True, **options):
    """Two inputs of one shape; a drawn ``reduction`` and options."""
    extra = dict(options, **({"reduction": st.sampled_from(["none", "mean", "sum"])} if reduction else {}))
    # no zero-size input in the "any" mode: a mean of nothing is nan, and so is its forward-mode tangent
    return lambda sizes: st.tuples(sizes.shape(zero_size=False).map(lambda s: (s, s)), args.maybe(**extra))


@st.composite
def _along_dim(draw, sizes: Sizes, arity: int, even: bool, options):
    shape = list(draw(sizes.shape(min_dims=1, max_dims=3), label="shape"))
    dim = draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    if even:
        shape[dim] = 2 * max(shape[dim] // 2, 1) if sizes.mode != "zero-size" or shape[dim] else 0
    kwargs = {"dim": dim, **draw(args.fixed(**options), label="options")}
    return (tuple(shape),) * arity, kwargs


def along_dim(arity=1, even=False, **options):
    return lambda sizes: _along_dim(sizes, arity, even, options)


@st.composite
def _vectors(draw, sizes: Sizes, options):
    n, d = draw(sizes.sides(2, 1, 4), label="N, D")
    shape = draw(st.sampled_from([(n, d), (d,)] if n and d else [(n, d)]), label="form")
    return (shape, shape), draw(args.maybe(**options), label="options")


@st.composite
def _linear_args(draw, sizes: Sizes):
    batch = draw(sizes.shape(max_dims=2, max_numel=max(1, sizes.max_numel // 8)), label="batch")
    i, o = draw(sizes.sides(2, 1, 4), label="in, out")
    inputs = (batch + (i,), (o, i)) + (((o,),) if draw(st.booleans(), label="bias") else ())
    return inputs, {}


@st.composite
def _attention_args(draw, sizes: Sizes):
    lq, s, e, ev = draw(sizes.sides(4, 1, 3), label="L, S, E, Ev")
    batch = draw(st.sampled_from([(), (2,), (1, 2)]), label="batch")
    causal = draw(st.booleans(), label="is_causal")
    return (batch + (lq, e), batch + (s, e), batch + (s, ev)), ({"is_causal": True} if causal else {})


@st.composite
def _prelu_args(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=2, max_dims=4), label="shape")
    weight = draw(st.sampled_from([(1,), (shape[1],)]), label="weight shape")
    return (shape, weight), {}


@st.composite
def _lrn_args(draw, sizes: Sizes):
    (x, *_), _ = draw(_channels(sizes, min_dims=3, max_dims=4, affine=False), label="shape")
    return (x,), {"size": draw(st.integers(1, 3), label="size")}


# ---------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------

def _activation(name, ref, domain, vjp=None, source=None, node=None, kwargs=None, grad=2, inplace_functions=(),
                torch_function=False, method=False, **extra):
    """``torch.nn.functional.<name>`` of one input of any shape; ``inplace_functions``: its documented
    in-place functions (``F.elu_``), each a route on a copy of the input."""
    routes = {f: _on_a_copy(f) for f in inplace_functions}
    return OpInfo(name, fdoc(name), args.unary(**(kwargs or {})) if not callable(kwargs) else kwargs,
                  function=F + name, aliases=(f"torch.{name}",) if torch_function else (),
                  method=name if method else None, extra_routes=routes, kinds=("float",), domains=(domain,),
                  ref=ref, grad=grad, vjp=vjp, vjp_source=source if vjp else None, node=node if vjp else None,
                  **extra)


def _maybe(**options):
    return lambda sizes: st.tuples(st.tuples(sizes.shape()), args.maybe(**options))


ACTIVATIONS = [
    _activation("gelu", _np_gelu, SMOOTH, _gelu_vjp, yaml("gelu("), "GeluBackward0",
                _maybe(approximate=st.sampled_from(["none", "tanh"]))),
    _activation("elu", lambda a, alpha=1.0: _np_elu(a, alpha), KINKED, _elu_vjp, yaml("elu("), "EluBackward0",
                _maybe(alpha=st.sampled_from([0.5, 1.0, 2.0])), inplace_functions=(F + "elu_",)),
    _activation("selu", lambda a: _np_elu(a, SELU_ALPHA, SELU_SCALE), KINKED, _selu_vjp,
                yaml("elu(") + " (selu is elu with the documented alpha and scale)", "EluBackward0",
                inplace_functions=(F + "selu_", "torch.selu_"), torch_function=True),
    _activation("celu", lambda a, alpha=1.0: np.where(a > 0, a, alpha * np.expm1(a / alpha)), KINKED, _celu_vjp,
                yaml("celu("), "CeluBackward0", _maybe(alpha=st.sampled_from([0.5, 1.0, 2.0])),
                inplace_functions=(F + "celu_", "torch.celu_"), torch_function=True),
    _activation("leaky_relu", lambda a, negative_slope=0.01: np.where(a > 0, a, negative_slope * a), KINKED,
                lambda g, out, x, negative_slope=0.01: (g * torch.where(x > 0, 1.0, negative_slope),),
                yaml("leaky_relu("), "LeakyReluBackward0", _maybe(negative_slope=st.sampled_from([0.01, 0.25, 2.0])),
                inplace_functions=(F + "leaky_relu_",), exact=False),
    _activation("hardtanh", lambda a, min_val=-1.0, max_val=1.0: np.clip(a, min_val, max_val), HALVES,
                lambda g, out, x, min_val, max_val: (g * _between(x, min_val, max_val),), yaml("hardtanh("),
                "HardtanhBackward0",
                lambda sizes: st.tuples(st.tuples(sizes.shape()),
                                        st.sampled_from([{"min_val": -1.25, "max_val": 1.25},
                                                         {"min_val": -0.75, "max_val": 2.25}])),
                inplace_functions=(F + "hardtanh_",), exact=True,
                notes="values on multiples of 0.5, the bounds off them: no value on a kink"),
    _activation("relu6", lambda a: np.clip(a, 0, 6), Domain(-3.0, 9.0, min_abs=0.5, grid=0.7),
                lambda g, out, x: (g * _between(x, 0, 6),), yaml("hardtanh(") + " (relu6 is hardtanh(0, 6))",
                "HardtanhBackward0", exact=True, notes="multiples of 0.7 but 0: 5.6 and 6.3 around the kink at 6"),
    _activation("silu", lambda a: a * _sigmoid(a), SMOOTH, _silu_vjp, yaml("silu("), "SiluBackward0"),
    _activation("mish", lambda a: a * np.tanh(_softplus(a)), SMOOTH, _mish_vjp, yaml("mish("), "MishBackward0"),
    _activation("hardsigmoid", lambda a: np.clip(a / 6 + 0.5, 0, 1), GRID_07,
                lambda g, out, x: (g * _between(x, -3, 3) / 6,), yaml("hardsigmoid("), "HardsigmoidBackward0",
                grad=1, notes="multiples of 0.7: off the kinks at +-3; its backward has no derivative"),
    _activation("hardswish", lambda a: a * np.clip(a + 3, 0, 6) / 6, GRID_07,
                lambda g, out, x: (g * torch.where(x < -3, 0.0, torch.where(x > 3, 1.0, (2 * x + 3) / 6)),),
                yaml("hardswish("), "HardswishBackward0"),
    _activation("softsign", lambda a: a / (1 + np.abs(a)), KINKED,
                lambda g, out, x: (g / (1 + x.abs()) ** 2,), fdoc("softsign"), None,
                notes="x / (1 + |x|), a composition; |x|'s kink at 0 is off the domain"),
    _activation("logsigmoid", lambda a: -_softplus(-a), SMOOTH,
                lambda g, out, x: (g * torch.sigmoid(-x),), yaml("log_sigmoid_forward("), "LogSigmoidBackward0"),
    _activation("tanhshrink", lambda a: a - np.tanh(a), SMOOTH,
                lambda g, out, x: (g * torch.tanh(x) ** 2,), fdoc("tanhshrink"), None),
    _activation("softshrink", lambda a, lambd=0.5: np.where(a > lambd, a - lambd, np.where(a < -lambd, a + lambd, 0)),
                GRID_07, lambda g, out, x, lambd=0.5: (g * (x.abs() > lambd),), yaml("softshrink("),
                "SoftshrinkBackward0", _maybe(lambd=st.sampled_from([0.5, 1.0]))),
    _activation("hardshrink", lambda a, lambd=0.5: np.where(np.abs(a) > lambd, a, 0), GRID_07,
                lambda g, out, x, lambd=0.5: (g * (x.abs() > lambd),), yaml("hardshrink("), "HardshrinkBackward0",
                _maybe(lambd=st.sampled_from([0.5, 1.0])), torch_function=True, method=True, exact=True),
    OpInfo("glu", fdoc("glu"), along_dim(even=True), function=F + "glu", kinds=("float",), ref=_np_glu, grad=2,
           zero_dim=False, notes="the dim is split in halves: an even size"),
    OpInfo("prelu", fdoc("prelu"), _prelu_args, function=F + "prelu", method="prelu", aliases=("torch.prelu",),
           kinds=("float",), domains=(KINKED, Domain(-1.0, 1.0)), ref=_np_prelu, grad=2, zero_dim=False,
           notes="a weight of one value or one per channel (dim 1)"),
]

SOFTMAX = [
    OpInfo("softmax", fdoc("softmax"), args.one_dim(), function=F + "softmax", method="softmax",
           aliases=("torch.softmax", "torch.special.softmax"), kinds=("float",), ref=_np_softmax, grad=2,
           reassociates=True),
    OpInfo("log_softmax", fdoc("log_softmax"), args.one_dim(), function=F + "log_softmax", method="log_softmax",
           aliases=("torch.log_softmax", "torch.special.log_softmax"), kinds=("float",), ref=_np_log_softmax, grad=2,
           reassociates=True),
    OpInfo("softmin", fdoc("softmin"), args.one_dim(), function=F + "softmin", kinds=("float",),
           ref=lambda a, dim: _np_softmax(-a, dim), grad=2, reassociates=True),
]


def _layer_norm(x, *affine, normalized_shape, **kwargs):
    return functional("layer_norm")(x, normalized_shape, *affine, **kwargs)


def _torch_layer_norm(x, *affine, normalized_shape, **kwargs):
    return torch.layer_norm(x, normalized_shape, *affine, **kwargs)


def _group_norm(x, *affine, num_groups, **kwargs):
    return functional("group_norm")(x, num_groups, *affine, **kwargs)


def _torch_group_norm(x, *affine, num_groups, **kwargs):
    return torch.group_norm(x, num_groups, *affine, **kwargs)


def _stats(x):
    c = x.shape[1]
    return torch.zeros(c, dtype=x.dtype, device=x.device), torch.ones(c, dtype=x.dtype, device=x.device)


def _batch_norm_train(x, *affine):
    mean, var = _stats(x)
    return functional("batch_norm")(x, mean, var, *affine, training=True)


def _torch_batch_norm_train(x, *affine):
    mean, var = _stats(x)
    weight, bias = (list(affine) + [None, None])[:2]
    return torch.batch_norm(x, weight, bias, mean, var, True, 0.1, 1e-5, False)


def _batch_norm_no_stats(x, *affine):
    return functional("batch_norm")(x, None, None, *affine, training=True)


def _batch_norm_eval(x, running_mean, running_var, *affine):
    return functional("batch_norm")(x, running_mean.to(x.dtype), running_var.to(x.dtype), *affine, training=False)


def _torch_batch_norm_eval(x, running_mean, running_var, *affine):
    weight, bias = (list(affine) + [None, None])[:2]
    return torch.batch_norm(x, weight, bias, running_mean.to(x.dtype), running_var.to(x.dtype), False, 0.1, 1e-5,
                            False)


def _instance_norm(x, *affine):
    weight, bias = (list(affine) + [None, None])[:2]
    return functional("instance_norm")(x, weight=weight, bias=bias)


def _torch_instance_norm(x, *affine):
    weight, bias = (list(affine) + [None, None])[:2]
    return torch.instance_norm(x, weight, bias, None, None, True, 0.1, 1e-5, False)


_NORM = dict(kinds=("float",), grad=2, reassociates=True, zero_dim=False)
# Normalizing a set of equal values divides a rounding error of its mean by sqrt(eps): an input of distinct
# values (and so no expanded layout) keeps every normalized set off that singularity.
_NORMALIZED = dict(_NORM, domains=(Domain(unique=True), Domain()))

NORMALIZATION = [
    OpInfo("layer_norm", fdoc("layer_norm"), _layer_norm_args, call=_layer_norm,
           extra_routes={"torch.layer_norm": _torch_layer_norm}, ref=_np_layer_norm, zero_size=False,
           notes="a normalized shape without elements has no mean: torch returns an empty result, "
                 "a mean of nothing is nan in numpy", **_NORMALIZED),
    OpInfo("group_norm", fdoc("group_norm"), channels(groups=True, over="group"), call=_group_norm,
           extra_routes={"torch.group_norm": _torch_group_norm}, ref=_np_group_norm, zero_size=False,
           notes="a group without elements has no mean", **_NORMALIZED),
    OpInfo("batch_norm-train", fdoc("batch_norm"), channels(over="batch"), call=_batch_norm_train,
           extra_routes={"torch.batch_norm": _torch_batch_norm_train, "no running stats": _batch_norm_no_stats},
           ref=_np_batch_norm_train, zero_size=False, vmap=False,
           notes="training=True with running stats (fresh zeros and ones, updated in place: vmap raises 'Batch norm got "
                 "a batched tensor as input while the running_mean or running_var ... were not batched', documented "
                 "at https://pytorch.org/docs/stable/func.batch_norm.html) and without; more than one value per channel "
                 "(documented: 'Expected more than 1 value per channel when training')", **_NORMALIZED),
    OpInfo("batch_norm-no-stats", fdoc("batch_norm"), channels(over="batch"), call=_batch_norm_no_stats,
           ref=_np_batch_norm_train, zero_size=False,
           notes="training=True without running stats", **_NORMALIZED),
    OpInfo("batch_norm-eval", fdoc("batch_norm"), _batch_norm_eval_args, call=_batch_norm_eval,
           extra_routes={"torch.batch_norm": _torch_batch_norm_eval}, ref=_np_batch_norm_eval,
           notes="training=False: the running statistics (float64 arguments, rounded to the input's dtype; not "
                 "differentiable: 'native_batch_norm is not differentiable with respect to running_mean') "
                 "normalize", **_NORM),
    OpInfo("instance_norm", fdoc("instance_norm"), channels(min_dims=3, over="spatial"),
           call=_instance_norm, extra_routes={"torch.instance_norm": _torch_instance_norm}, ref=_np_instance_norm,
           zero_size=False, **_NORMALIZED),
    OpInfo("local_response_norm", fdoc("local_response_norm"), _lrn_args, function=F + "local_response_norm",
           ref=_np_local_response_norm, zero_size=False, **_NORM),
]


def _embedding(weight, indices, padding_idx=None):
    return functional("embedding")(indices, weight, padding_idx=padding_idx)


def _torch_embedding(weight, indices, padding_idx=None):
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    return torch.embedding(weight, indices, -1 if padding_idx is None else padding_idx)


def _offsets(indices, offsets):
    return None if offsets is None else torch.tensor(offsets, dtype=torch.int64, device=indices.device)


def _embedding_bag(weight, indices, offsets=None, mode="mean"):
    return functional("embedding_bag")(indices, weight, _offsets(indices, offsets), mode=mode)


def _torch_embedding_bag(weight, indices, offsets=None, mode="mean"):
    if offsets is None:  # a 2-D input is a batch of bags of equal size
        offsets = tuple(range(0, indices.numel(), max(indices.shape[1], 1))) if indices.shape[1] else (0,) * len(indices)
        indices = indices.reshape(-1)
    mode_id = {"sum": 0, "mean": 1, "max": 2}[mode]
    return torch.embedding_bag(weight, indices, _offsets(indices, offsets), False, mode_id)[0]


EMBEDDING = [
    OpInfo("embedding", fdoc("embedding"), _embedding_args, call=_embedding,
           extra_routes={"torch.embedding": _torch_embedding}, kinds=("float",), ref=_np_embedding, exact=True, grad=2,
           vjp=lambda g, out, w, idx, padding_idx=None: (
               torch.zeros_like(w).index_add_(0, idx.reshape(-1), g.reshape(-1, w.shape[1])),),
           vjp_source=yaml("embedding("), node="EmbeddingBackward0", zero_dim=False,
           notes="weight first (a call wrapper): the harness differentiates the op's own-dtype inputs; the "
                 "indices never name the padding row"),
    OpInfo("embedding_bag", fdoc("embedding_bag"), _embedding_bag_args, call=_embedding_bag,
           extra_routes={"torch.embedding_bag": _torch_embedding_bag}, kinds=("float",),
           domains=(Domain(-3.0, 3.0, unique=True),), ref=_np_embedding_bag, grad=1, reassociates=True, zero_dim=False,
           notes="distinct weights: no tie in a bag's max; its backward has no derivative"),
]


def _cross_entropy(x, target, **kwargs):
    return functional("cross_entropy")(x, target, **kwargs)


_REDUCTION = st.sampled_from(["none", "mean", "sum"])
_LOSS = dict(kinds=("float",), grad=2, reassociates=True, zero_dim=False)

LOSSES = [
    OpInfo("cross_entropy", fdoc("cross_entropy"),
           classes(reduction=_REDUCTION, label_smoothing=st.sampled_from([0.0, 0.25])), function=F + "cross_entropy",
           ref=_np_cross_entropy, notes="class indices; no ignore_index", **_LOSS),
    OpInfo("nll_loss", fdoc("nll_loss"), classes(reduction=_REDUCTION), function=F + "nll_loss", ref=_np_nll,
           notes="class indices; no ignore_index", **_LOSS),
    OpInfo("mse_loss", fdoc("mse_loss"), _pair(), function=F + "mse_loss",
           ref=_pointwise_loss(lambda a, b: (a - b) ** 2), **_LOSS),
    OpInfo("l1_loss", fdoc("l1_loss"), _pair(), function=F + "l1_loss", domains=(INTEGERS, SEVENTHS),
           ref=_pointwise_loss(lambda a, b: np.abs(a - b)), notes="operands on grids 1 and 0.7: never equal",
           **_LOSS),
    OpInfo("smooth_l1_loss", fdoc("smooth_l1_loss"), _pair(beta=st.sampled_from([0.5, 1.0, 2.0])),
           function=F + "smooth_l1_loss", domains=(INTEGERS, SEVENTHS), ref=_pointwise_loss(_np_smooth_l1),
           notes="|a - b| = k - 0.7 m is never 0, 0.5, 1 or 2", **_LOSS),
    OpInfo("huber_loss", fdoc("huber_loss"), _pair(delta=st.sampled_from([0.5, 1.0, 2.0])),
           function=F + "huber_loss", domains=(INTEGERS, SEVENTHS), ref=_pointwise_loss(_np_huber), **_LOSS),
    OpInfo("binary_cross_entropy", fdoc("binary_cross_entropy"), _pair(), function=F + "binary_cross_entropy",
           domains=(PROBABILITIES,), ref=_np_bce, **_LOSS),
    OpInfo("binary_cross_entropy_with_logits", fdoc("binary_cross_entropy_with_logits"), _pair(),
           function=F + "binary_cross_entropy_with_logits", domains=(ANY, PROBABILITIES), ref=_np_bce_logits, **_LOSS),
    OpInfo("kl_div", fdoc("kl_div"),
           lambda sizes: st.tuples(sizes.shape(min_dims=1, zero_size=False).map(lambda s: (s, s)),
                                   args.maybe(reduction=st.sampled_from(["none", "mean", "sum", "batchmean"]),
                                              log_target=st.booleans())),
           function=F + "kl_div", domains=(ANY, Domain(0.1, 1.0)), ref=_np_kl_div,
           notes="a positive target: log(target) is defined", **_LOSS),
]

DISTANCES = [
    OpInfo("cosine_similarity", fdoc("cosine_similarity"), along_dim(arity=2), function=F + "cosine_similarity",
           aliases=("torch.cosine_similarity",), kinds=("float",), domains=(KINKED,), ref=_np_cosine_similarity, grad=2,
           reassociates=True, zero_dim=False, zero_size=False, notes="no zero element: the norms are positive"),
    OpInfo("pairwise_distance", fdoc("pairwise_distance"),
           lambda sizes: _vectors(sizes, {"p": st.sampled_from([1.0, 2.0, 3.0]), "keepdim": st.booleans()}),
           function=F + "pairwise_distance", aliases=("torch.pairwise_distance",), kinds=("float",),
           domains=(INTEGERS, SEVENTHS), ref=_np_pairwise_distance, grad=2, reassociates=True, zero_dim=False,
           notes="operands on grids 1 and 0.7: every difference is at least 0.1 from 0"),
    OpInfo("normalize", fdoc("normalize"), along_dim(p=st.sampled_from([1.0, 2.0])), function=F + "normalize",
           out=True, kinds=("float",), domains=(KINKED,), ref=_np_normalize, grad=2, reassociates=True, zero_dim=False,
           notes="no zero element: the norm is positive and smooth"),
    OpInfo("linear", fdoc("linear"), _linear_args, function=F + "linear", kinds=("float",), domains=(FACTORS,),
           ref=_np_linear, grad=2, reassociates=True, zero_dim=False),
    OpInfo("scaled_dot_product_attention", fdoc("scaled_dot_product_attention"), _attention_args,
           function=F + "scaled_dot_product_attention", kinds=("float",), ref=_np_sdpa, grad=1, reassociates=True,
           zero_dim=False, zero_size=False, notes="attn_mask None; causal masks aligned to the top left"),
]


def _dropout_eval(x, p):
    return functional("dropout")(x, p, training=False)


def _native_dropout(x):
    return torch.native_dropout(x, 0.0, True)[0]  # the mask (bool, all True) is not differentiable


DROPOUT = [
    OpInfo("dropout-eval", fdoc("dropout"), args.unary(p=st.sampled_from([0.0, 0.5, 0.9])), call=_dropout_eval,
           extra_routes={"torch.dropout": lambda x, p: torch.dropout(x, p, False)}, kinds=("float",), ref=lambda a, p: a,
           exact=True, grad=2, notes="training=False: the identity"),
    OpInfo("native_dropout", "https://github.com/pytorch/pytorch/blob/main/aten/src/ATen/native/native_functions.yaml",
           args.unary(), call=_native_dropout, kinds=("float",), ref=lambda a: a, exact=True,
           grad=2, vmap=False,
           notes="vmap refuses a random op under its default randomness='error' (torch.func.vmap's documented "
                 "randomness argument); p = 0 in training: deterministic (every element kept, the mask all True); "
                         "torch.native_dropout is the ATen op behind dropout (undocumented in the Python docs)"),
]

OPS = ACTIVATIONS + SOFTMAX + NORMALIZATION + EMBEDDING + LOSSES + DISTANCES + DROPOUT
