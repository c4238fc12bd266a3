"""Convolution, pooling, padding, interpolation and patch ops of ``torch.nn.functional`` (and their
``torch.*`` twins): conv1d/2d/3d and their transposes, max/avg/adaptive/lp pooling, ``F.pad`` in its four
modes, ``F.interpolate``, ``grid_sample``, ``fold``/``unfold``, pixel and channel shuffles.

Shapes are tiny (batch 0-2, channels 1-4, sides 1-5) and every argument strategy fits its draw into
``Sizes.max_numel`` by shrinking in a fixed order, so the same strategy serves the universal invariants
(64 elements), gradcheck (12) and the zero-size mode (a batch of 0).  Every window of a pooling op holds
at least one input element by construction (each side is at least the window's extent), and max pooling
draws distinct values, so the maximum of a window, its index and its gradient are unique.  References
are the definitions in numpy float64 (``conformance/test_conv.py`` checks the ops against them).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch
from hypothesis import strategies as st

from .core import Domain, NotApplicable, OpInfo, Sizes, doc

F = "torch.nn.functional."
UNIQUE = Domain(-100.0, 100.0, unique=True, integers=(-100, 100))  # bfloat16 keeps 64 of them distinct
GRID = Domain(-0.95, 0.95)  # grid_sample's sampling points, inside the image
POSITIVE = Domain(0.5, 3.0)
FACTORS = Domain(0.5, 2.0)  # positive terms: sums of products do not cancel (float16 results stay accurate)
EVERY_KIND = ("float", "complex", "int", "uint", "bool")
NO_HALF_CPU = {"cpu": (torch.float16, torch.bfloat16)}


def _tup(value, d: int) -> tuple:
    """An int-or-tuple argument of an N-d op as a tuple of ``d`` ints."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * d


def _as_argument(draw, values: list, label: str):
    """A per-dim argument as torch takes it: the tuple, or one int where every dim has the same value."""
    if len(set(values)) == 1 and draw(st.booleans(), label=f"{label} as one int"):
        return values[0]
    return tuple(values)


def _shrunk(state: dict, fits, steps) -> dict:
    """``state`` with ``steps`` (each a change of it) applied in order until ``fits(state)``."""
    for step in steps:
        if fits(state):
            break
        step(state)
    return state


def _set(key, value, i=None):
    def step(state):
        if i is None:
            state[key] = value
        else:
            state[key][i] = value
    return step


def _batch(draw, sizes: Sizes, high: int = 2) -> int:
    """The batch size: 0 in the zero-size mode (every other side has elements)."""
    return draw(sizes.sides(1, 1, high), label="batch")[0]


# ---------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------

@st.composite
def _conv(draw, sizes: Sizes, d: int, transpose: bool, modes=("int", "same", "valid")):
    """input (N, g*ci, *L), weight (g*co, ci, *k) -- (g*ci, co, *k) transposed --, bias (g*co,) or none;
    ``modes``: how padding is given (ints, "same", "valid")."""
    s = dict(n=_batch(draw, sizes), groups=draw(st.sampled_from([1, 2]), label="groups"),
             ci=draw(st.integers(1, 2), label="in channels per group"),
             co=draw(st.integers(1, 2), label="out channels per group"),
             k=draw(st.lists(st.integers(1, 3), min_size=d, max_size=d), label="kernel"),
             dil=draw(st.lists(st.integers(1, 2), min_size=d, max_size=d), label="dilation"),
             stride=draw(st.lists(st.integers(1, 2), min_size=d, max_size=d), label="stride"),
             pad=draw(st.lists(st.integers(0, 2), min_size=d, max_size=d), label="padding"),
             extra=draw(st.lists(st.integers(0, 2), min_size=d, max_size=d), label="extra length"))
    mode = "int" if transpose else draw(st.sampled_from(modes), label="padding mode")
    if mode != "int":
        s["pad"] = [0] * d
    if mode == "same":
        s["stride"] = [1] * d  # padding="same" takes stride 1 only

    def lengths(s):
        eff = [dl * (kk - 1) + 1 for dl, kk in zip(s["dil"], s["k"])]
        if transpose:
            return [1 + e for e in s["extra"]]
        if mode == "same":
            return [1 + e for e in s["extra"]]
        return [max(1, f - 2 * p) + e for f, p, e in zip(eff, s["pad"], s["extra"])]

    def fits(s):
        cin = s["groups"] * s["ci"]
        return (max(s["n"], 1) * cin * math.prod(lengths(s)) <= sizes.max_numel
                and s["groups"] * s["co"] * s["ci"] * math.prod(s["k"]) <= sizes.max_numel)

    steps = [_set("extra", 0, i) for i in range(d)] + [_set("dil", 1, i) for i in range(d)] + \
        [_set("k", 1, i) for i in range(d)] + [_set("pad", 0, i) for i in range(d)] + \
        [_set("co", 1), _set("ci", 1), _set("groups", 1), _set("n", min(s["n"], 1))]
    s = _shrunk(s, fits, steps)
    L = lengths(s)
    g, ci, co = s["groups"], s["ci"], s["co"]
    x = (s["n"], g * ci, *L)
    w = (g * ci, co, *s["k"]) if transpose else (g * co, ci, *s["k"])
    shapes = (x, w) + (((g * co,),) if draw(st.booleans(), label="bias") else ())
    kwargs = {"stride": _as_argument(draw, s["stride"], "stride"), "dilation": _as_argument(draw, s["dil"], "dilation"),
              "groups": g}
    if transpose:
        out_pad = [draw(st.integers(0, max(st_, dl) - 1), label="output_padding")
                   for st_, dl in zip(s["stride"], s["dil"])]
        # the result has a side of at least 1: padding at most half of the uncropped length
        pad = [min(p, ((n - 1) * st_ + dl * (kk - 1) + op) // 2)
               for p, n, st_, dl, kk, op in zip(s["pad"], L, s["stride"], s["dil"], s["k"], out_pad)]
        kwargs.update(padding=_as_argument(draw, pad, "padding"),
                      output_padding=_as_argument(draw, out_pad, "output_padding"))
    else:
        kwargs["padding"] = _as_argument(draw, s["pad"], "padding") if mode == "int" else mode
    return shapes, kwargs


def conv_reference(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """Cross-correlation by its definition: out[n, o, i] = b[o] + sum_{c, j} x_pad[n, c, s i + d j] w[o, c, j]
    over the channels c of o's group, in float64."""
    d = x.ndim - 2
    k, stride, dilation = w.shape[2:], _tup(stride, d), _tup(dilation, d)
    if padding == "valid":
        pads = [(0, 0)] * d
    elif padding == "same":
        pads = [(dl * (kk - 1) // 2, dl * (kk - 1) - dl * (kk - 1) // 2) for dl, kk in zip(dilation, k)]
    else:
        pads = [(p, p) for p in _tup(padding, d)]
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    out = [(xp.shape[2 + i] - dilation[i] * (k[i] - 1) - 1) // stride[i] + 1 for i in range(d)]
    if min(out, default=1) < 1:
        raise ValueError(f"the kernel {tuple(k)} is larger than the padded input {xp.shape[2:]}")
    n, c = x.shape[:2]
    co = w.shape[0]
    xg = xp.reshape(n, groups, c // groups, *xp.shape[2:])
    wg = w.reshape(groups, co // groups, c // groups, *k)
    result = np.zeros((n, groups, co // groups, *out))
    for offset in itertools.product(*map(range, k)):
        window = tuple(slice(j * dl, j * dl + s * (o - 1) + 1, s) for j, dl, s, o in zip(offset, dilation, stride, out))
        result += np.einsum("ngc...,goc->ngo...", xg[(Ellipsis,) + window], wg[(Ellipsis,) + offset])
    result = result.reshape(n, co, *out)
    return result if b is None else result + b.reshape(1, co, *[1] * d)


def conv_transpose_reference(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transpose by its definition: each x[n, c, i] adds x w[c, o, j] at position s i + d j - p of out[n, o]."""
    d = x.ndim - 2
    k = w.shape[2:]
    stride, padding, output_padding, dilation = (_tup(v, d) for v in (stride, padding, output_padding, dilation))
    n, c, lengths = x.shape[0], x.shape[1], x.shape[2:]
    co = w.shape[1] * groups
    full = [(n_ - 1) * s + dl * (kk - 1) + 1 + op for n_, s, dl, kk, op in zip(lengths, stride, dilation, k,
                                                                                 output_padding)]
    result = np.zeros((n, groups, co // groups, *full))
    xg = x.reshape(n, groups, c // groups, *lengths)
    wg = w.reshape(groups, c // groups, co // groups, *k)
    for offset in itertools.product(*map(range, k)):
        window = tuple(slice(j * dl, j * dl + s * (n_ - 1) + 1, s)
                       for j, dl, s, n_ in zip(offset, dilation, stride, lengths))
        result[(Ellipsis,) + window] += np.einsum("ngc...,gco->ngo...", xg, wg[(Ellipsis,) + offset])
    crop = tuple(slice(p, f - p) for p, f in zip(padding, full))
    result = result.reshape(n, co, *full)[(Ellipsis,) + crop]
    return result if b is None else result + b.reshape(1, co, *[1] * d)


def conv_arguments(d: int, modes=("int", "same", "valid")):
    """conv{d}d's arguments: ``(input, weight[, bias])`` shapes and keyword arguments."""
    return lambda sizes: _conv(sizes, d, False, modes)


# conv2d of bfloat16 with a channels-last weight crashes the process on the cpu (SIGSEGV in oneDNN), which no
# expected failure can hold: bfloat16 convolutions are left out there until it is fixed (runs of ops.meta-agrees
# over the conv ops crashed in the cpu call after conv2d's bfloat16 was left out, not yet narrowed down)
CONV2D_CRASH = ("torch 2.13 cpu: bfloat16 conv2d with a channels-last weight (e.g. (1, 2, 3, 1), stride (1, 2), "
                "dilation (1, 2), padding (2, 1)) crashes with SIGSEGV (conformance/repros/conv-conv2d-bf16-channels-last-"
                "weight-segfault.py; closest upstream: https://github.com/pytorch/pytorch/issues/195394, a oneDNN "
                "convolution kernel crashing on non-contiguous strides of size-1 dims)")


def _conv_op(d: int, transpose: bool) -> OpInfo:
    name = f"conv_transpose{d}d" if transpose else f"conv{d}d"
    crashes = True  # conv2d's crash is confirmed; the suite's meta-agrees runs also crashed in other conv ops
    return OpInfo(name, doc(F + name), lambda sizes: _conv(sizes, d, transpose), function=F + name,
                  aliases=(f"torch.{name}",), kinds=("float",), domains=(FACTORS,),
                  unsupported={"cpu": (torch.bfloat16,)} if crashes else {},
                  ref=conv_transpose_reference if transpose else conv_reference, reassociates=True, grad=2,
                  zero_dim=False, notes="sums of products over channels and the kernel, in an order the kernel "
                                        "chooses (mkldnn, im2col, channels-last paths)"
                                        + ("; " + CONV2D_CRASH if crashes else ""))


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------

def _windows(length: int, k: int, s: int, p: int, dil: int, ceil_mode: bool, clip_to: int | None = None):
    """Each window of a pooling along one dim: (its positions inside the input, its extent for the divisor).

    The result count is floor((L + 2p - d(k-1) - 1) / s) + 1 (ceil with ``ceil_mode``); "sliding windows
    that would start in the right padded region are ignored".  The extent of avg pooling's window counts
    the padding it covers but not what lies beyond it (ceil mode's overhang)."""
    span = length + 2 * p - dil * (k - 1) - 1
    count = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (count - 1) * s >= length + p:
        count -= 1
    out = []
    for i in range(count):
        start = i * s - p
        positions = [start + j * dil for j in range(k) if 0 <= start + j * dil < length]
        extent = min(start + k, length + p) - start
        out.append((positions, extent))
    return out


def _rows(block):
    """A (rows, window...) block as (rows, window elements), rows = 0 included."""
    return block.reshape(block.shape[0], math.prod(block.shape[1:]))


def _pooled(x, d: int, windows_per_dim, reduce):
    """``reduce(block, positions, extents)`` over each window, for each (batch, channel) row of ``x``."""
    lead = x.shape[:x.ndim - d]
    spatial = x.shape[x.ndim - d:]
    rows = x.reshape(math.prod(lead), *spatial)
    shape = tuple(len(w) for w in windows_per_dim)
    values, extra = np.zeros((rows.shape[0], *shape)), np.zeros((rows.shape[0], *shape), dtype=np.int64)
    for out_index in itertools.product(*map(range, shape)):
        chosen = [windows_per_dim[i][o] for i, o in enumerate(out_index)]
        positions = [c[0] for c in chosen]
        extents = [c[1] for c in chosen]
        block = rows[(slice(None),) + np.ix_(*positions)] if all(positions) else np.zeros((rows.shape[0], 0))
        values[(slice(None),) + out_index], extra[(slice(None),) + out_index] = reduce(block, positions, extents,
                                                                                        spatial)
    return values.reshape(*lead, *shape), extra.reshape(*lead, *shape)


def max_pool_reference(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False,
                       d=2):
    """The maximum over each window of the input padded with -inf; its index counts along the flattened
    spatial dims of the input."""
    k, p, dil = _tup(kernel_size, d), _tup(padding, d), _tup(dilation, d)
    s = k if stride is None or stride == () else _tup(stride, d)
    windows = [_windows(x.shape[x.ndim - d + i], k[i], s[i], p[i], dil[i], ceil_mode) for i in range(d)]

    def reduce(block, positions, extents, spatial):
        flat = _rows(block)
        at = np.unravel_index(flat.argmax(1), [len(q) for q in positions])
        picked = [np.array(q)[i] for q, i in zip(positions, at)]
        return flat.max(1), np.ravel_multi_index(picked, spatial)

    values, indices = _pooled(x, d, windows, reduce)
    return (values, indices) if return_indices else values


def avg_pool_reference(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                       divisor_override=None, d=2):
    """The sum over each window (zero padding) divided by ``divisor_override``, else by the window's extent
    (the padding it covers included) with ``count_include_pad``, else by the input elements it covers."""
    k, p = _tup(kernel_size, d), _tup(padding, d)
    s = k if stride is None or stride == () else _tup(stride, d)
    windows = [_windows(x.shape[x.ndim - d + i], k[i], s[i], p[i], 1, ceil_mode) for i in range(d)]

    def reduce(block, positions, extents, spatial):
        if divisor_override:
            divisor = divisor_override
        elif count_include_pad:
            divisor = math.prod(extents)
        else:
            divisor = math.prod(len(q) for q in positions)
        return _rows(block).sum(1) / divisor, 0

    return _pooled(x, d, windows, reduce)[0]


def _adaptive_windows(length: int, out: int):
    """Adaptive pooling's window i: [floor(i L / o), ceil((i + 1) L / o))."""
    return [(list(range(i * length // out, -(-(i + 1) * length // out))), 0) for i in range(out)]


def adaptive_reference(reduce_name: str, d: int):
    def ref(x, output_size, return_indices=False):
        sizes = _tup(output_size, d)
        spatial = x.shape[x.ndim - d:]
        windows = [_adaptive_windows(spatial[i], sizes[i] if sizes[i] is not None else spatial[i]) for i in range(d)]

        def reduce(block, positions, extents, spatial):
            flat = _rows(block)
            if reduce_name == "avg":
                return flat.mean(1), 0
            picked = [np.array(q)[i] for q, i in zip(positions, np.unravel_index(flat.argmax(1),
                                                                                    [len(q) for q in positions]))]
            return flat.max(1), np.ravel_multi_index(picked, spatial)

        values, indices = _pooled(x, d, windows, reduce)
        return (values, indices) if return_indices else values
    return ref


def lp_pool_reference(x, norm_type, kernel_size, stride=None, ceil_mode=False, d=2):
    """(sum of x^p over each window)^(1/p)."""
    k = _tup(kernel_size, d)
    s = k if stride is None else _tup(stride, d)
    windows = [_windows(x.shape[x.ndim - d + i], k[i], s[i], 0, 1, ceil_mode) for i in range(d)]

    def reduce(block, positions, extents, spatial):
        return (_rows(block) ** norm_type).sum(1) ** (1 / norm_type), 0

    return _pooled(x, d, windows, reduce)[0]


@st.composite
def _pool(draw, sizes: Sizes, d: int, kind: str):
    """Input (N, C, *L) or unbatched (C, *L); kernel 1-3, stride 1-3 (or the kernel's, by default), padding at
    most half the kernel.  Each side is built from the windows that fit in floor mode (1-2) and the remainder r
    past the last one, drawn first as s - 1: a partial window that ceil_mode adds (or drops, where it would
    start in the right padding).  Every side is at least the window's extent, so no window is all padding."""
    s = dict(n=_batch(draw, sizes), c=draw(st.integers(1, 2), label="channels"),
             k=draw(st.lists(st.integers(1, 3), min_size=d, max_size=d), label="kernel"),
             dil=draw(st.lists(st.integers(1, 2), min_size=d, max_size=d), label="dilation") if kind == "max"
             else [1] * d,
             count=[draw(st.sampled_from([2, 1, 3]), label="full windows") for _ in range(d)])  # room to pad
    s["stride"] = [draw(st.integers(1, 3), label="stride") for _ in range(d)]
    s["rest"] = [draw(st.sampled_from(range(st_ - 1, -1, -1)), label="remainder") for st_ in s["stride"]]
    # "at most half of kernel size"; the most first: windows over the border
    s["pad"] = [draw(st.sampled_from(range(kk // 2, -1, -1)), label="padding") for kk in s["k"]]
    batched = sizes.mode == "zero-size" or draw(st.booleans(), label="batched")

    def lengths(s):
        out = []
        for i in range(d):
            base = (s["count"][i] - 1) * s["stride"][i] + s["rest"][i]  # L + 2p - extent
            # at most half the (maybe shrunk) kernel; L >= extent (avg_pool3d takes no smaller input)
            s["pad"][i] = min(s["pad"][i], s["k"][i] // 2, base // 2)
            out.append(base + s["dil"][i] * (s["k"][i] - 1) + 1 - 2 * s["pad"][i])
        return out

    def fits(s):
        return max(s["n"], 1) * s["c"] * math.prod(lengths(s)) <= sizes.max_numel

    steps = [_set("count", 1, i) for i in range(d)] + [_set("c", 1)] + [_set("dil", 1, i) for i in range(d)] + \
        [_set("k", 1, i) for i in range(d)] + [_set("rest", 0, i) for i in range(d)] + [_set("n", min(s["n"], 1))]
    s = _shrunk(s, fits, steps)
    L = lengths(s)
    x = ((s["n"],) if batched else ()) + (s["c"], *L)
    kwargs = {"kernel_size": _as_argument(draw, s["k"], "kernel_size"),
              "padding": _as_argument(draw, s["pad"], "padding"),
              "ceil_mode": draw(st.sampled_from([True, False]), label="ceil_mode")}  # ceil mode first
    if s["stride"] != s["k"] or draw(st.booleans(), label="stride given"):
        kwargs["stride"] = _as_argument(draw, s["stride"], "stride")
    if kind == "max":
        kwargs["dilation"] = _as_argument(draw, s["dil"], "dilation")
        kwargs["return_indices"] = draw(st.booleans(), label="return_indices")
    else:
        kwargs["count_include_pad"] = draw(st.booleans(), label="count_include_pad")
        if d > 1 and draw(st.booleans(), label="divisor_override given"):
            kwargs["divisor_override"] = draw(st.integers(1, 3), label="divisor_override")
    return (x,), kwargs


def _max_pool_route(name: str):
    """``torch.max_poolNd``, which has no return_indices."""
    def route(x, return_indices=False, **kwargs):
        if return_indices:
            raise NotApplicable(f"torch.{name} returns no indices")
        return getattr(torch, name)(x, **kwargs)
    return route


def _with_indices_route(name: str):
    """``F.max_poolNd_with_indices``: always both results; the values alone where return_indices is False."""
    def route(x, return_indices=False, **kwargs):
        values, indices = getattr(torch.nn.functional, f"{name}_with_indices")(x, **kwargs)
        return (values, indices) if return_indices else values
    return route


def _max_pool_op(d: int) -> OpInfo:
    name = f"max_pool{d}d"
    return OpInfo(name, doc(F + name), lambda sizes: _pool(sizes, d, "max"), function=F + name,
                  extra_routes={f"torch.{name}": _max_pool_route(name),
                                f"{name}_with_indices": _with_indices_route(name)},
                  kinds=("float",), domains=(UNIQUE,),
                  ref=lambda x, **kw: max_pool_reference(x, d=d, **kw), exact=True, grad=2, zero_dim=False,
                  notes="distinct values: each window has one maximum, one index and one gradient path")


def _avg_pool_op(d: int) -> OpInfo:
    name = f"avg_pool{d}d"
    return OpInfo(name, doc(F + name), lambda sizes: _pool(sizes, d, "avg"), function=F + name,
                  aliases=("torch.avg_pool1d",) if d == 1 else (), kinds=("float",),
                  unsupported=NO_HALF_CPU if d == 3 else {},
                  ref=lambda x, **kw: avg_pool_reference(x, d=d, **kw), reassociates=True, grad=2, zero_dim=False,
                  notes="avg_pool3d has no float16/bfloat16 cpu kernel (avg_pool3d_out_frame)" if d == 3 else "")


@st.composite
def _adaptive(draw, sizes: Sizes, d: int):
    """Input (N, C, *L) or (C, *L), L 1-4; output sizes 1 to L + 1 (larger than the input is allowed)."""
    s = dict(n=_batch(draw, sizes), c=draw(st.integers(1, 2), label="channels"),
             L=draw(st.lists(st.integers(1, 4), min_size=d, max_size=d), label="lengths"))

    def fits(s):
        return max(s["n"], 1) * s["c"] * math.prod(s["L"]) <= sizes.max_numel

    s = _shrunk(s, fits, [_set("L", 1, i) for i in range(d)] + [_set("c", 1), _set("n", min(s["n"], 1))])
    batched = sizes.mode == "zero-size" or draw(st.booleans(), label="batched")
    x = ((s["n"],) if batched else ()) + (s["c"], *s["L"])
    out = [draw(st.integers(1, n + 1), label="output size") for n in s["L"]]
    return (x,), {"output_size": _as_argument(draw, out, "output_size")}


@st.composite
def _adaptive_max(draw, sizes: Sizes, d: int):
    inputs, kwargs = draw(_adaptive(sizes, d))
    return inputs, {**kwargs, "return_indices": draw(st.booleans(), label="return_indices")}


def _adaptive_max_1d_route(x, output_size, return_indices=False):
    """``torch.adaptive_max_pool1d``: always values and indices."""
    values, indices = torch.adaptive_max_pool1d(x, output_size)
    return (values, indices) if return_indices else values


def _adaptive_ops() -> list[OpInfo]:
    out = []
    for d in (1, 2, 3):
        name = f"adaptive_avg_pool{d}d"
        out.append(OpInfo(name, doc(F + name), lambda sizes, d=d: _adaptive(sizes, d), function=F + name,
                          aliases=("torch.adaptive_avg_pool1d",) if d == 1 else (), kinds=("float",),
                          ref=adaptive_reference("avg", d), reassociates=True, grad=2, zero_dim=False))
    for d in (1, 2):
        name = f"adaptive_max_pool{d}d"
        out.append(OpInfo(name, doc(F + name), lambda sizes, d=d: _adaptive_max(sizes, d), function=F + name,
                          extra_routes={"torch.adaptive_max_pool1d": _adaptive_max_1d_route} if d == 1 else {},
                          kinds=("float",), domains=(UNIQUE,), ref=adaptive_reference("max", d), exact=True, grad=2,
                          zero_dim=False, notes="distinct values: one maximum per window"))
    return out


@st.composite
def _lp_pool(draw, sizes: Sizes):
    inputs, kwargs = draw(_pool(sizes, 2, "avg"))
    kwargs = {k: v for k, v in kwargs.items() if k in ("kernel_size", "stride", "ceil_mode")}
    kwargs["norm_type"] = draw(st.sampled_from([1, 2, 3]), label="norm_type")
    return inputs, kwargs


# ---------------------------------------------------------------------------
# Padding
# ---------------------------------------------------------------------------

NUMPY_PAD = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@st.composite
def _pad(draw, sizes: Sizes, mode: str):
    """(N, C, *L) or (C, *L) with 1-3 padded dims (constant: any dims of any tensor); pads 0-2, and below
    the side for reflect, at most the side for circular."""
    m = draw(st.integers(1, 3), label="padded dims")
    if mode == "constant":
        shape = draw(sizes.shape(min_dims=m, max_dims=m + 1), label="shape")
    else:
        s = dict(n=_batch(draw, sizes), c=draw(st.integers(1, 2), label="channels"),
                 L=draw(st.lists(st.integers(1, 4), min_size=m, max_size=m), label="lengths"))
        s = _shrunk(s, lambda s: max(s["n"], 1) * s["c"] * math.prod(s["L"]) <= sizes.max_numel,
                    [_set("L", 1, i) for i in range(m)] + [_set("c", 1), _set("n", min(s["n"], 1))])
        batched = sizes.mode == "zero-size" or draw(st.booleans(), label="batched")
        shape = ((s["n"],) if batched else ()) + (s["c"], *s["L"])
    sides = list(reversed(shape[len(shape) - m:]))  # F.pad's pairs start at the last dim
    limit = {"constant": lambda n: 2, "reflect": lambda n: min(2, n - 1), "replicate": lambda n: 2,
             "circular": lambda n: min(2, n)}[mode]
    pad = tuple(draw(st.integers(0, limit(n)), label="pad") for n in sides for _ in range(2))
    kwargs = {"pad": pad}
    if mode == "constant" and draw(st.booleans(), label="value given"):
        kwargs["value"] = draw(st.sampled_from([0.0, 1.0, 2.5]), label="value")  # a value every dtype holds
    return (tuple(shape),), kwargs


def pad_reference(mode: str):
    """``np.pad`` in the mode of the same meaning: constant, reflect, edge (replicate), wrap (circular)."""
    def ref(x, pad, value=0.0):
        m = len(pad) // 2
        widths = [(0, 0)] * (x.ndim - m) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(m))]
        extra = {"constant_values": value} if mode == "constant" else {}
        return np.pad(x, widths, mode=NUMPY_PAD[mode], **extra)
    return ref


def _constant_pad_route(x, pad, value=0.0):
    return torch.constant_pad_nd(x, pad, value)


def _pad_op(mode: str) -> OpInfo:
    constant = mode == "constant"
    return OpInfo(f"pad-{mode}", doc(F + "pad"), lambda sizes: _pad(sizes, mode), function=F + "pad",
                  fixed={"mode": mode}, extra_routes={"torch.constant_pad_nd": _constant_pad_route} if constant else {},
                  kinds=EVERY_KIND if constant else ("float", "complex", "int"), ref=pad_reference(mode), exact=True,
                  grad=2, zero_dim=False, ref_kinds=("float", "int", "uint", "bool") if constant else ("float", "int"))


# ---------------------------------------------------------------------------
# Interpolation and sampling
# ---------------------------------------------------------------------------

INTERPOLATE_DIMS = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "linear": (1,), "bilinear": (2,),
                    "bicubic": (2,), "trilinear": (3,)}
SCALES = [0.5, 1.5, 2.0, 3.0]


@st.composite
def _interpolate(draw, sizes: Sizes, mode: str):
    """(N, C, *L) resized to ``size`` (1-5 per dim) or by ``scale_factor`` (each result side at least 1)."""
    d = draw(st.sampled_from(INTERPOLATE_DIMS[mode]), label="spatial dims")
    s = dict(n=_batch(draw, sizes), c=draw(st.integers(1, 2), label="channels"),
             L=draw(st.lists(st.integers(2, 4), min_size=d, max_size=d), label="lengths"))
    s = _shrunk(s, lambda s: max(s["n"], 1) * s["c"] * math.prod(s["L"]) <= sizes.max_numel,
                [_set("L", 2, i) for i in range(d)] + [_set("c", 1), _set("n", min(s["n"], 1))]
                + [_set("L", 1, i) for i in range(d)])
    x = (s["n"], s["c"], *s["L"])
    kwargs = {"mode": mode}
    if draw(st.booleans(), label="size given"):
        kwargs["size"] = _as_argument(draw, [draw(st.integers(1, 5), label="size") for _ in range(d)], "size")
    else:
        factors = [draw(st.sampled_from([f for f in SCALES if math.floor(n * f) >= 1]), label="scale_factor")
                   for n in s["L"]]
        kwargs["scale_factor"] = factors[0] if len(set(factors)) == 1 and draw(st.booleans()) else tuple(factors)
        if draw(st.booleans(), label="recompute_scale_factor given"):
            kwargs["recompute_scale_factor"] = draw(st.booleans(), label="recompute_scale_factor")
    if mode not in ("nearest", "nearest-exact"):
        kwargs["align_corners"] = draw(st.booleans(), label="align_corners")
    if mode in ("bilinear", "bicubic") and draw(st.booleans(), label="antialias"):
        kwargs["antialias"] = True
    return (x,), kwargs


def nearest_source(out_size: int, in_size: int, exact: bool, scale_factor=None) -> np.ndarray:
    """The input index each result index reads: floor(dst * scale) ("nearest"), floor((dst + 0.5) * scale)
    ("nearest-exact"), at most in_size - 1; scale = in / out, or 1 / scale_factor where that is used."""
    from fractions import Fraction
    scale = Fraction(in_size, out_size) if scale_factor is None else 1 / Fraction(scale_factor)
    shift = Fraction(1, 2) if exact else 0
    return np.array([min(math.floor((dst + shift) * scale), in_size - 1) for dst in range(out_size)], dtype=np.int64)


def interpolate_nearest_reference(x, size=None, scale_factor=None, mode="nearest", recompute_scale_factor=None):
    d = x.ndim - 2
    spatial = x.shape[2:]
    if size is not None:
        out, factors = _tup(size, d), [None] * d
    else:
        factors = _tup(scale_factor, d)
        out = tuple(math.floor(n * f) for n, f in zip(spatial, factors))
        if recompute_scale_factor:
            factors = [None] * d
    index = [nearest_source(o, n, mode == "nearest-exact", f) for o, n, f in zip(out, spatial, factors)]
    return x[(slice(None), slice(None)) + np.ix_(*index)]


def _interpolate_op(mode: str) -> OpInfo:
    nearest = mode.startswith("nearest")
    return OpInfo(f"interpolate-{mode}", doc(F + "interpolate"), lambda sizes: _interpolate(sizes, mode),
                  function=F + "interpolate", kinds=("float",),
                  ref=interpolate_nearest_reference if nearest else None, exact=nearest, reassociates=not nearest,
                  grad=2, zero_dim=False,
                  notes="" if nearest else "weighted sums of 2-16 neighbours; a channels-last kernel may add them "
                                           "in another order")


@st.composite
def _grid_sample(draw, sizes: Sizes):
    s = dict(n=_batch(draw, sizes), c=draw(st.integers(1, 2), label="channels"),
             L=draw(st.lists(st.integers(1, 4), min_size=2, max_size=2), label="lengths"),
             o=draw(st.lists(st.integers(1, 3), min_size=2, max_size=2), label="grid lengths"))
    s = _shrunk(s, lambda s: max(s["n"], 1) * max(s["c"] * math.prod(s["L"]), 2 * math.prod(s["o"]))
                <= sizes.max_numel,
                [_set("o", 1, i) for i in range(2)] + [_set("L", 1, i) for i in range(2)]
                + [_set("c", 1), _set("n", min(s["n"], 1))])
    kwargs = {"mode": draw(st.sampled_from(["bilinear", "nearest"]), label="mode"),
              "padding_mode": draw(st.sampled_from(["zeros", "border", "reflection"]), label="padding_mode"),
              "align_corners": draw(st.booleans(), label="align_corners")}
    return ((s["n"], s["c"], *s["L"]), (s["n"], *s["o"], 2)), kwargs


# ---------------------------------------------------------------------------
# Patches and shuffles
# ---------------------------------------------------------------------------

def _blocks(length: int, k: int, d: int, p: int, s: int) -> int:
    return (length + 2 * p - d * (k - 1) - 1) // s + 1


@st.composite
def _unfold_params(draw, sizes: Sizes, budget_channels: bool):
    s = dict(n=_batch(draw, sizes), c=draw(st.integers(1, 2), label="channels"),
             k=draw(st.lists(st.integers(1, 3), min_size=2, max_size=2), label="kernel"),
             dil=draw(st.lists(st.integers(1, 2), min_size=2, max_size=2), label="dilation"),
             pad=draw(st.lists(st.integers(0, 1), min_size=2, max_size=2), label="padding"),
             stride=draw(st.lists(st.integers(1, 2), min_size=2, max_size=2), label="stride"),
             extra=draw(st.lists(st.integers(0, 2), min_size=2, max_size=2), label="extra length"))

    def lengths(s):
        return [max(1, dl * (kk - 1) + 1 - 2 * p) + e for dl, kk, p, e in zip(s["dil"], s["k"], s["pad"], s["extra"])]

    def numel(s):
        image = max(s["n"], 1) * s["c"] * math.prod(lengths(s))
        columns = max(s["n"], 1) * s["c"] * math.prod(s["k"]) * math.prod(
            _blocks(n, kk, dl, p, st_) for n, kk, dl, p, st_ in zip(lengths(s), s["k"], s["dil"], s["pad"],
                                                                    s["stride"]))
        return max(image, columns) if budget_channels else image

    steps = [_set("extra", 0, i) for i in range(2)] + [_set("dil", 1, i) for i in range(2)] + \
        [_set("k", 1, i) for i in range(2)] + [_set("pad", 0, i) for i in range(2)] + \
        [_set("c", 1), _set("n", min(s["n"], 1))]
    s = _shrunk(s, lambda s: numel(s) <= sizes.max_numel, steps)
    kwargs = {"kernel_size": _as_argument(draw, s["k"], "kernel_size"),
              "dilation": _as_argument(draw, s["dil"], "dilation"),
              "padding": _as_argument(draw, s["pad"], "padding"),
              "stride": _as_argument(draw, s["stride"], "stride")}
    batched = sizes.mode == "zero-size" or draw(st.booleans(), label="batched")
    return s, lengths(s), kwargs, batched


@st.composite
def _unfold(draw, sizes: Sizes):
    s, L, kwargs, batched = draw(_unfold_params(sizes, False))
    return (((s["n"],) if batched else ()) + (s["c"], *L),), kwargs


@st.composite
def _fold(draw, sizes: Sizes):
    s, L, kwargs, batched = draw(_unfold_params(sizes, True))
    blocks = math.prod(_blocks(n, kk, dl, p, st_) for n, kk, dl, p, st_ in zip(L, s["k"], s["dil"], s["pad"],
                                                                               s["stride"]))
    x = ((s["n"],) if batched else ()) + (s["c"] * math.prod(s["k"]), blocks)
    return (x,), {"output_size": _as_argument(draw, L, "output_size"), **kwargs}


def _patch_positions(lengths, kernel_size, dilation, padding, stride):
    """For each (kernel offset, block): the input position it reads, or None in the padding."""
    k, dil, p, s = (_tup(v, 2) for v in (kernel_size, dilation, padding, stride))
    blocks = [_blocks(n, kk, dl, pp, ss) for n, kk, dl, pp, ss in zip(lengths, k, dil, p, s)]
    for row, offset in enumerate(itertools.product(range(k[0]), range(k[1]))):
        for column, block in enumerate(itertools.product(range(blocks[0]), range(blocks[1]))):
            at = [b * ss - pp + o * dl for b, ss, pp, o, dl in zip(block, s, p, offset, dil)]
            inside = all(0 <= a < n for a, n in zip(at, lengths))
            yield row, column, tuple(at) if inside else None


def unfold_reference(x, kernel_size, dilation=1, padding=0, stride=1):
    """Column (c k_h k_w + kernel offset) of block b holds the input element that offset of block b reads."""
    batched = x.ndim == 4
    x = x if batched else x[None]
    k = _tup(kernel_size, 2)
    n, c, h, w = x.shape
    rows = list(_patch_positions((h, w), kernel_size, dilation, padding, stride))
    count = max(column for _, column, _ in rows) + 1
    out = np.zeros((n, c, k[0] * k[1], count))
    for row, column, at in rows:
        if at is not None:
            out[:, :, row, column] = x[:, :, at[0], at[1]]
    out = out.reshape(n, c * k[0] * k[1], count)
    return out if batched else out[0]


def fold_reference(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of unfold: each column element added into the image position it was read from."""
    batched = x.ndim == 3
    x = x if batched else x[None]
    k = _tup(kernel_size, 2)
    h, w = _tup(output_size, 2)
    n = x.shape[0]
    c = x.shape[1] // (k[0] * k[1])
    cols = x.reshape(n, c, k[0] * k[1], x.shape[2])
    out = np.zeros((n, c, h, w))
    for row, column, at in _patch_positions((h, w), kernel_size, dilation, padding, stride):
        if at is not None:
            out[:, :, at[0], at[1]] += cols[:, :, row, column]
    return out if batched else out[0]


@st.composite
def _shuffle(draw, sizes: Sizes, kind: str):
    """pixel_shuffle: (*, C r^2, H, W); pixel_unshuffle: (*, C, H r, W r); channel_shuffle: (N, g m, *)."""
    # in the zero-size mode a batch dim carries the 0
    lead = draw(st.integers(int(sizes.mode == "zero-size"), 2), label="batch dims") if kind != "channel" else 1
    r = draw(st.integers(1, 3), label="factor")
    s = dict(batch=[_batch(draw, sizes) for _ in range(lead)], c=draw(st.integers(1, 2), label="channels"),
             h=draw(st.integers(1, 3), label="height"), w=draw(st.integers(1, 3), label="width"), r=r)
    spatial = draw(st.integers(1, 2), label="spatial dims") if kind == "channel" else 2

    def numel(s):
        base = math.prod(max(b, 1) for b in s["batch"]) * s["c"] * s["h"] * s["w"]
        return base * s["r"] ** 2 if kind != "channel" else base * s["r"]

    s = _shrunk(s, lambda s: numel(s) <= sizes.max_numel,
                [_set("h", 1), _set("w", 1), _set("c", 1), _set("r", 1)]
                + [_set("batch", min(b, 1), i) for i, b in enumerate(s["batch"])])
    batch, c, h, w, r = tuple(s["batch"]), s["c"], s["h"], s["w"], s["r"]
    if kind == "pixel":
        return (batch + (c * r * r, h, w),), {"upscale_factor": r}
    if kind == "unpixel":
        return (batch + (c, h * r, w * r),), {"downscale_factor": r}
    return (batch + (c * r, h, w)[:1 + spatial],), {"groups": r}


def pixel_shuffle_reference(x, upscale_factor):
    r = upscale_factor
    *lead, c, h, w = x.shape
    y = x.reshape(*lead, c // (r * r), r, r, h, w)
    n = len(lead)
    y = y.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle_reference(x, downscale_factor):
    r = downscale_factor
    *lead, c, h, w = x.shape
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    n = len(lead)
    y = y.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return y.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle_reference(x, groups):
    n, c, *rest = x.shape
    return x.reshape(n, groups, c // groups, *rest).swapaxes(1, 2).reshape(x.shape)


def _shuffle_op(name, kind, ref, aliases) -> OpInfo:
    return OpInfo(name, doc(F + name), lambda sizes: _shuffle(sizes, kind), function=F + name, aliases=aliases,
                  kinds=EVERY_KIND, ref=ref, ref_kinds=("float", "int", "uint", "bool"), exact=True, grad=2,
                  zero_dim=False)


OPS = [
    *[_conv_op(d, transpose) for transpose in (False, True) for d in (1, 2, 3)],
    *[_max_pool_op(d) for d in (1, 2, 3)],
    *[_avg_pool_op(d) for d in (1, 2, 3)],
    *_adaptive_ops(),
    OpInfo("lp_pool2d", doc(F + "lp_pool2d"), _lp_pool, function=F + "lp_pool2d", kinds=("float",),
           domains=(POSITIVE,), ref=lambda x, **kw: lp_pool_reference(x, d=2, **kw), reassociates=True, grad=2,
           zero_dim=False, notes="positive values: the p-th root is smooth"),
    *[_pad_op(mode) for mode in ("constant", "reflect", "replicate", "circular")],
    *[_interpolate_op(mode) for mode in INTERPOLATE_DIMS],
    OpInfo("grid_sample", doc(F + "grid_sample"), _grid_sample, function=F + "grid_sample", kinds=("float",),
           domains=(POSITIVE, GRID), reassociates=True, grad=1, zero_dim=False,
           notes="once differentiable: grid_sampler_2d_backward has no derivative for the grid"),
    OpInfo("unfold", doc(F + "unfold"), _unfold, function=F + "unfold", kinds=("float",), ref=unfold_reference,
           exact=True, grad=2, zero_dim=False),
    OpInfo("fold", doc(F + "fold"), _fold, function=F + "fold", kinds=("float",), ref=fold_reference,
           reassociates=True, grad=2, zero_dim=False, notes="sums the overlapping patches"),
    _shuffle_op("pixel_shuffle", "pixel", pixel_shuffle_reference, ("torch.pixel_shuffle",)),
    _shuffle_op("pixel_unshuffle", "unpixel", pixel_unshuffle_reference, ("torch.pixel_unshuffle",)),
    _shuffle_op("channel_shuffle", "channel", channel_shuffle_reference,
                ("torch.channel_shuffle", "torch.native_channel_shuffle")),
]
