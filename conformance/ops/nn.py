"""torch.nn.functional: convolution and transposed convolution (1-3 d), pooling, padding modes,
interpolation, normalization, embedding and embedding_bag, the softmax family and its losses,
scaled_dot_product_attention, linear, fold/unfold, pixel shuffle, grid_sample, distances.

References are the documented definitions written out in numpy (float64); normalization is compared
in float32/float64 only (its float16/bfloat16 results are a few ulps off: the numerics family's
ULP budgets judge those).  Convolution and pooling
inputs are multiples of 1/2 in [-2, 2]: every product and sum is exact in float32, so the result does
not depend on the order of summation (layout independence holds bitwise) and numpy's result is the
exact one.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from . import args
from .core import Arg, Domain, OpInfo, Sizes, doc

F = "torch.nn.functional."
GRID = Domain(-2.0, 2.0, grid=0.5)  # exact products and sums
DISTINCT = Domain(-10.0, 10.0, unique=True)
SMOOTH = Domain(-3.0, 3.0)
LOW = (torch.float16, torch.bfloat16)
NO_LOW = {"cpu": LOW}


def fdoc(name: str) -> str:
    return doc(F + name)


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


# ---------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------

@st.composite
def _conv(draw, sizes: Sizes, dims: int, transposed: bool):
    """input (N, C_in, *L) or unbatched (C_in, *L), weight, optional bias; stride, padding, dilation,
    groups (and output_padding when ``transposed``), every output side at least 0."""
    groups = draw(st.integers(1, 2), label="groups")
    cin, cout = (groups * draw(st.integers(1, 2), label=f"{name} per group") for name in ("in", "out"))
    kernel = tuple(draw(st.integers(1, 3), label="kernel") for _ in range(dims))
    stride = tuple(draw(st.integers(1, 2), label="stride") for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2), label="dilation") for _ in range(dims))
    padding = tuple(draw(st.integers(0, (k - 1) * d), label="padding") for k, d in zip(kernel, dilation))
    longest = 5 if dims < 3 else 3
    if transposed:
        spatial = tuple(draw(st.integers(1, longest), label="length") for _ in range(dims))
        output_padding = tuple(draw(st.integers(0, max(s, d) - 1), label="output padding")
                               for s, d in zip(stride, dilation))
        # the output must not be empty: (L - 1) s - 2 p + d (k - 1) + op + 1 >= 1
        padding = tuple(min(p, ((l - 1) * s + d * (k - 1) + o) // 2)
                        for p, l, s, d, k, o in zip(padding, spatial, stride, dilation, kernel, output_padding))
    else:
        spatial = tuple(max(draw(st.integers(1, longest), label="length"), d * (k - 1) + 1 - 2 * p)
                        for k, d, p in zip(kernel, dilation, padding))
    batch = draw(st.sampled_from([(), (1,), (2,)]), label="batch")
    if sizes.mode == "zero-size":
        batch = (0,)
    x = batch + (cin,) + spatial
    w = ((cin, cout // groups) if transposed else (cout, cin // groups)) + kernel
    inputs = (x, w, (cout,)) if draw(st.booleans(), label="bias") else (x, w)
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    if transposed:
        kwargs["output_padding"] = output_padding
    return inputs, kwargs


def _windows(length, kernel, stride, dilation):
    """For each output position, the first input index of its window."""
    return range(0, length - dilation * (kernel - 1), stride)


def _conv_ref(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """out[n, o, *i] = b[o] + sum_{c, *k} x_padded[n, g c, *(i s + k d)] w[o, c, *k] (within o's group)."""
    unbatched = x.ndim == w.ndim - 1
    if unbatched:
        x = x[None]
    n = x.ndim - 2
    stride, padding, dilation = (_tuple(v, n) for v in (stride, padding, dilation))
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    kernel = w.shape[2:]
    outs = [len(_windows(xp.shape[2 + i], kernel[i], stride[i], dilation[i])) for i in range(n)]
    cout, cin_g = w.shape[0], w.shape[1]
    cout_g = cout // groups
    out = np.zeros((x.shape[0], cout, *outs))
    for g in range(groups):
        xs = xp[:, g * cin_g:(g + 1) * cin_g]
        for k in np.ndindex(*kernel):
            index = tuple(slice(k[i] * dilation[i], k[i] * dilation[i] + stride[i] * (outs[i] - 1) + 1, stride[i])
                          for i in range(n))
            patch = xs[(slice(None), slice(None)) + index]
            out[:, g * cout_g:(g + 1) * cout_g] += np.einsum("nc...,oc->no...", patch,
                                                               w[(slice(g * cout_g, (g + 1) * cout_g), slice(None)) + k])
    if b is not None:
        out += b.reshape((1, -1) + (1,) * n)
    return out[0] if unbatched else out


def _conv_transpose_ref(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint of convolution: each input element adds x[n, c, *j] w[c, o, *k] at output
    position j s + k d - p; the output has (L - 1) s - 2 p + d (k - 1) + output_padding + 1 sides."""
    unbatched = x.ndim == w.ndim - 1
    if unbatched:
        x = x[None]
    n = x.ndim - 2
    stride, padding, dilation, output_padding = (_tuple(v, n) for v in (stride, padding, dilation, output_padding))
    kernel = w.shape[2:]
    cin, cout_g = w.shape[0], w.shape[1]
    cin_g = cin // groups
    full = [(x.shape[2 + i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 + output_padding[i]
            for i in range(n)]
    out = np.zeros((x.shape[0], cout_g * groups, *full))
    for g in range(groups):
        xs = x[:, g * cin_g:(g + 1) * cin_g]
        for k in np.ndindex(*kernel):
            index = tuple(slice(k[i] * dilation[i], k[i] * dilation[i] + stride[i] * (x.shape[2 + i] - 1) + 1,
                                stride[i]) for i in range(n))
            out[(slice(None), slice(g * cout_g, (g + 1) * cout_g)) + index] += np.einsum(
                "nc...,co->no...", xs, w[(slice(g * cin_g, (g + 1) * cin_g), slice(None)) + k])
    crop = tuple(slice(padding[i], full[i] - padding[i]) for i in range(n))
    out = out[(slice(None), slice(None)) + crop]
    if b is not None:
        out += b.reshape((1, -1) + (1,) * n)
    return out[0] if unbatched else out


def _conv_op(dims, transposed=False):
    name = f"conv_transpose{dims}d" if transposed else f"conv{dims}d"
    return OpInfo(name, fdoc(name), lambda sizes: _conv(sizes, dims, transposed), function=F + name,
                  aliases=(f"torch.{name}",), kinds=("float",), domains=(GRID,),
                  ref=_conv_transpose_ref if transposed else _conv_ref, grad=2, zero_dim=False,
                  notes="values on a grid of 1/2: the sums are exact, in any order")


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------

def _pool_out(length, kernel, stride, padding, dilation, ceil_mode):
    """The documented output side: floor (or ceil) of (L + 2p - d (k - 1) - 1) / s, plus 1; with
    ceil_mode a last window that starts in the right padding is dropped."""
    span = length + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= length + padding:
        out -= 1
    return out


@st.composite
def _pool(draw, sizes: Sizes, dims: int, kind: str):
    """input (N, C, *L) or (C, *L); kernel, stride, padding (at most half the kernel), ceil_mode, and
    dilation (max) or count_include_pad/divisor_override (avg)."""
    kernel = tuple(draw(st.integers(1, 3), label="kernel") for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3), label="stride") for _ in range(dims))
    padding = tuple(draw(st.integers(0, k // 2), label="padding") for k in kernel)
    dilation = tuple(draw(st.integers(1, 2), label="dilation") for _ in range(dims)) if kind == "max" else (1,) * dims
    longest = 6 if dims < 3 else 4
    spatial = tuple(max(draw(st.integers(1, longest), label="length"), d * (k - 1) + 1 - (2 * p if kind == "max" else 0))
                    for k, d, p in zip(kernel, dilation, padding))
    ceil_mode = draw(st.booleans(), label="ceil_mode")
    if kind == "max":  # no window wholly in the padding (see _empty_window)
        padding = tuple(0 if _empty_window(*dims_, ceil_mode) else dims_[3]
                        for dims_ in zip(spatial, kernel, stride, padding, dilation))
        spatial = tuple(max(length, d * (k - 1) + 1 - 2 * p)
                        for length, k, d, p in zip(spatial, kernel, dilation, padding))
    batch = draw(st.sampled_from([(), (1,), (2,)]), label="batch")
    if sizes.mode == "zero-size":
        batch = (0,)
    channels = draw(st.integers(1, 2), label="channels")
    kwargs = {"kernel_size": kernel, "stride": stride, "padding": padding,
              "ceil_mode": ceil_mode}
    if kind == "max":
        kwargs["dilation"] = dilation
    else:
        kwargs["count_include_pad"] = draw(st.booleans(), label="count_include_pad")
        if dims > 1 and draw(st.booleans(), label="divisor given"):
            kwargs["divisor_override"] = draw(st.integers(1, 4), label="divisor_override")
    return (batch + (channels,) + spatial,), kwargs


def _empty_window(length, kernel, stride, padding, dilation, ceil_mode) -> bool:
    """Whether some max-pooling window has no cell inside the input (only padding).  CPU max_pool
    then returns -inf with an index past the input, and its backward writes the gradient there, out of
    bounds (the process may abort): kept out of the drawn arguments; repro in the breadth report."""
    for o in range(_pool_out(length, kernel, stride, padding, dilation, ceil_mode)):
        start = o * stride - padding
        if not any(0 <= start + j * dilation < length for j in range(kernel)):
            return True
    return False


def _pool_ref(kind):
    def ref(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, count_include_pad=True,
            divisor_override=None):
        n = len(_tuple(kernel_size, 1)) if isinstance(kernel_size, (tuple, list)) else 1
        kernel = _tuple(kernel_size, n)
        stride, padding, dilation = _tuple(stride or kernel, n), _tuple(padding, n), _tuple(dilation, n)
        lengths = x.shape[-n:]
        outs = [_pool_out(lengths[i], kernel[i], stride[i], padding[i], dilation[i], ceil_mode) for i in range(n)]
        out = np.empty(x.shape[:-n] + tuple(outs))
        lead = x.shape[:-n]
        for pos in np.ndindex(*outs):
            starts = [pos[i] * stride[i] - padding[i] for i in range(n)]
            if kind == "max":
                cells = [[s + j * dilation[i] for j in range(kernel[i]) if 0 <= s + j * dilation[i] < lengths[i]]
                         for i, s in enumerate(starts)]
                window = x[(Ellipsis,) + np.ix_(*cells)]
                cells_count = int(np.prod(window.shape[-n:]))
                out[(Ellipsis,) + pos] = window.reshape(lead + (cells_count,)).max(-1, initial=-np.inf)
                continue
            ends = [min(s + kernel[i], lengths[i] + padding[i]) for i, s in enumerate(starts)]
            pool_size = math.prod(e - s for s, e in zip(starts, ends))
            clipped = [(max(s, 0), min(e, lengths[i])) for i, (s, e) in enumerate(zip(starts, ends))]
            window = x[(Ellipsis,) + tuple(slice(a, b) for a, b in clipped)]
            divisor = divisor_override or (pool_size if count_include_pad else math.prod(b - a for a, b in clipped))
            out[(Ellipsis,) + pos] = window.reshape(lead + (int(np.prod(window.shape[-n:])),)).sum(-1) / divisor
        return out
    return ref


def _pool_op(dims, kind):
    name = f"{kind}_pool{dims}d"
    return OpInfo(name, fdoc(name), lambda sizes: _pool(sizes, dims, kind), function=F + name,
                  kinds=("float",), domains=(DISTINCT if kind == "max" else GRID,), ref=_pool_ref(kind),
                  exact=kind == "max", grad=2 if kind == "avg" else 1, zero_dim=False,
                  unsupported=NO_LOW if (kind, dims) == ("avg", 3) else {},
                  notes="max: distinct values, so the gradient's position is defined")


@st.composite
def _adaptive(draw, sizes: Sizes, dims: int):
    longest = 6 if dims < 3 else 4
    spatial = tuple(draw(st.integers(1, longest), label="length") for _ in range(dims))
    out = tuple(draw(st.integers(1, longest), label="output size") for _ in range(dims))
    batch = (0,) if sizes.mode == "zero-size" else draw(st.sampled_from([(), (1,), (2,)]), label="batch")
    return (batch + (draw(st.integers(1, 2), label="channels"),) + spatial,), {"output_size": out}


def _adaptive_ref(kind):
    """Window i of L inputs for O outputs: [floor(i L / O), ceil((i + 1) L / O))."""
    def ref(x, output_size):
        n = len(output_size)
        lengths = x.shape[-n:]
        out = np.empty(x.shape[:-n] + tuple(output_size))
        for pos in np.ndindex(*output_size):
            cells = tuple(slice(pos[i] * lengths[i] // output_size[i], -(-(pos[i] + 1) * lengths[i] // output_size[i]))
                          for i in range(n))
            window = x[(Ellipsis,) + cells]
            window = window.reshape(x.shape[:-n] + (int(np.prod(window.shape[-n:])),))
            out[(Ellipsis,) + pos] = window.max(-1) if kind == "max" else window.mean(-1)
        return out
    return ref


def _adaptive_op(dims, kind):
    name = f"adaptive_{kind}_pool{dims}d"
    return OpInfo(name, fdoc(name), lambda sizes: _adaptive(sizes, dims), function=F + name,
                  kinds=("float",), domains=(DISTINCT if kind == "max" else GRID,), ref=_adaptive_ref(kind),
                  exact=kind == "max", grad=2 if kind == "avg" else 1, zero_dim=False,
                  unsupported=NO_LOW if (kind, dims) == ("avg", 3) else {})


# ---------------------------------------------------------------------------
# Padding
# ---------------------------------------------------------------------------

NUMPY_PAD = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@st.composite
def _pad(draw, sizes: Sizes, mode: str, dims: int):
    """(N, C, *L) or (C, *L) with ``dims`` padded sides; reflect pads less than the side, circular at
    most the side (documented limits); constant pads may be negative (cropping)."""
    spatial = tuple(draw(st.integers(1, 4), label="length") for _ in range(dims))
    batch = draw(st.sampled_from([(), (1,), (2,)]), label="batch")
    if sizes.mode == "zero-size":
        batch = (0,)
    channels = draw(st.integers(1, 2), label="channels")
    limit = {"reflect": lambda s: s - 1, "circular": lambda s: s, "replicate": lambda s: 3,
             "constant": lambda s: 2}[mode]
    pad = []
    for s in reversed(spatial):  # the last dim first
        pad += [draw(st.integers(-1 if mode == "constant" and s > 2 else 0, limit(s)), label="pad")
                for _ in range(2)]
    kwargs = {"pad": tuple(pad), "mode": mode}
    if mode == "constant":
        kwargs["value"] = draw(st.sampled_from([0.0, 1.5]), label="value")
    return (batch + (channels,) + spatial,), kwargs


def _pad_ref(x, pad, mode, value=0.0):
    n = len(pad) // 2
    widths = [(0, 0)] * (x.ndim - n) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(n))]
    grow = [(max(a, 0), max(b, 0)) for a, b in widths]
    extra = {"constant_values": value} if mode == "constant" else {}
    out = np.pad(x, grow, mode=NUMPY_PAD[mode], **extra)
    crop = tuple(slice(-min(a, 0), out.shape[i] + min(b, 0)) for i, (a, b) in enumerate(widths))
    return out[crop]


def _pad_op(mode, dims):
    name = f"pad-{mode}{dims}d"
    return OpInfo(name, fdoc("pad"), lambda sizes: _pad(sizes, mode, dims), function=F + "pad",
                  kinds=("float",) if mode != "constant" else ("float", "complex", "int", "bool"),
                  domains=(DISTINCT,), ref=_pad_ref, exact=True, grad=2, zero_dim=False,
                  ref_kinds=("float", "int", "bool"))


# ---------------------------------------------------------------------------
# Interpolation
# ---------------------------------------------------------------------------

@st.composite
def _interpolate(draw, sizes: Sizes, mode: str, dims: int):
    spatial = tuple(draw(st.integers(1, 4), label="length") for _ in range(dims))
    batch = (0,) if sizes.mode == "zero-size" else (draw(st.integers(1, 2), label="batch"),)
    kwargs = {"mode": mode}
    if draw(st.booleans(), label="by size"):
        kwargs["size"] = tuple(draw(st.integers(1, 6), label="size") for _ in range(dims))
    else:
        kwargs["scale_factor"] = tuple(draw(st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]), label="scale")
                                       for _ in range(dims))
        spatial = tuple(max(s, 2) for s in spatial)  # at least one output element
    if mode in ("linear", "bilinear", "bicubic", "trilinear"):
        kwargs["align_corners"] = draw(st.booleans(), label="align_corners")
    return (batch + (draw(st.integers(1, 2), label="channels"),) + spatial,), kwargs


def _source_coordinates(out, length, scale, mode, align_corners):
    """Where output index i samples the input (documented: ``scale`` = 1 / scale_factor when given,
    else L / O; align_corners maps the corner pixels' centres onto each other)."""
    i = np.arange(out, dtype=np.float64)
    if mode == "nearest":
        return np.minimum(np.floor(i * scale), length - 1).astype(int)
    if align_corners:
        return i * ((length - 1) / (out - 1)) if out > 1 else np.zeros(out)
    return np.maximum((i + 0.5) * scale - 0.5, 0.0) if mode != "bicubic" else (i + 0.5) * scale - 0.5


def _cubic(t, a=-0.75):
    t = np.abs(t)
    return np.where(t <= 1, ((a + 2) * t - (a + 3)) * t * t + 1,
                    np.where(t < 2, ((a * t - 5 * a) * t + 8 * a) * t - 4 * a, 0.0))


def _interp_matrix(out, length, scale, mode, align_corners):
    """The (out, length) matrix that resamples one dim."""
    m = np.zeros((out, length))
    src = _source_coordinates(out, length, scale, mode, align_corners)
    for i, s in enumerate(src):
        if mode == "nearest":
            m[i, s] = 1
        elif mode == "bicubic":
            base = math.floor(s)
            for j in range(base - 1, base + 3):
                m[i, min(max(j, 0), length - 1)] += _cubic(s - j)
        else:
            lo = min(int(math.floor(s)), length - 1)
            hi = min(lo + 1, length - 1)
            frac = s - lo
            m[i, lo] += 1 - frac
            m[i, hi] += frac
    return m


def _interpolate_ref(x, mode, size=None, scale_factor=None, align_corners=None):
    n = x.ndim - 2
    lengths = x.shape[2:]
    if size is not None:
        outs, scales = size, [l / o for l, o in zip(lengths, size)]
    else:
        outs = [int(math.floor(l * s)) for l, s in zip(lengths, scale_factor)]
        scales = [1 / s for s in scale_factor]
    out = x
    for i in range(n):
        base = mode.replace("bi", "").replace("tri", "")
        matrix = _interp_matrix(outs[i], lengths[i], scales[i], "nearest" if mode == "nearest" else
                                "bicubic" if mode == "bicubic" else base, bool(align_corners))
        out = np.moveaxis(np.tensordot(np.moveaxis(out, 2 + i, -1), matrix, axes=([-1], [1])), -1, 2 + i)
    return out


def _interpolate_op(mode, dims):
    name = f"interpolate-{mode}{dims}d"
    return OpInfo(name, fdoc("interpolate"), lambda sizes: _interpolate(sizes, mode, dims),
                  function=F + "interpolate", kinds=("float",), domains=(SMOOTH,), ref=_interpolate_ref,
                  ref_exclude=() if mode == "nearest" else LOW,
                  grad=2 if mode != "nearest" else 1, zero_dim=False,
                  notes="bicubic uses the cubic convolution with a = -0.75 and clamps taps at the border; "
                        "weighted sums are compared in float32/float64 (float16/bfloat16 accumulate in their own precision)")


# ---------------------------------------------------------------------------
# Normalization
# ---------------------------------------------------------------------------

EPS = 1e-5


@st.composite
def _layer_norm(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=1, zero_size=False), label="shape")
    if sizes.mode == "zero-size":
        shape = (0,) + shape
    k = draw(st.integers(1, min(len(shape), 3)), label="normalized dims")
    normalized = tuple(shape[len(shape) - k:])
    affine = draw(st.booleans(), label="affine")
    return ((shape, normalized, normalized) if affine else (shape,)), {"normalized_shape": normalized}


def _layer_norm_call(x, weight=None, bias=None, normalized_shape=()):
    return torch.nn.functional.layer_norm(x, normalized_shape, weight, bias)


def _layer_norm_ref(x, weight=None, bias=None, normalized_shape=()):
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    out = (x - mean) / np.sqrt(var + EPS)
    return out if weight is None else out * weight + bias


@st.composite
def _group_norm(draw, sizes: Sizes):
    groups = draw(st.integers(1, 2), label="groups")
    channels = groups * draw(st.integers(1, 2), label="channels per group")
    batch = 0 if sizes.mode == "zero-size" else draw(st.integers(1, 2), label="batch")
    spatial = tuple(draw(st.lists(st.integers(1, 3), max_size=2), label="spatial"))
    if math.prod(spatial) * (channels // groups) < 2:  # "more than 1 value per" group
        spatial += (2,)
    shape = (batch, channels) + spatial
    affine = draw(st.booleans(), label="affine")
    return ((shape, (channels,), (channels,)) if affine else (shape,)), {"num_groups": groups}


def _group_norm_call(x, weight=None, bias=None, num_groups=1):
    return torch.nn.functional.group_norm(x, num_groups, weight, bias)


def _group_norm_ref(x, weight=None, bias=None, num_groups=1):
    n, c = x.shape[:2]
    g = x.reshape(n, num_groups, int(np.prod(x.shape[1:])) // num_groups)
    out = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + EPS)).reshape(x.shape)
    if weight is None:
        return out
    shape = (1, c) + (1,) * (x.ndim - 2)
    return out * weight.reshape(shape) + bias.reshape(shape)


@st.composite
def _batch_norm(draw, sizes: Sizes, training: bool):
    channels = draw(st.integers(1, 3), label="channels")
    batch = draw(st.integers(2 if training else 1, 3), label="batch")
    spatial = tuple(draw(st.lists(st.integers(1, 3), max_size=2), label="spatial"))
    if sizes.mode == "zero-size":
        batch = 0
    shape = (batch, channels) + spatial
    inputs = [shape]
    if not training:
        inputs += [Arg((channels,), torch.float64, Domain(-1.0, 1.0)), Arg((channels,), torch.float64,
                                                                              Domain(0.5, 2.0))]
    return tuple(inputs + ([(channels,), (channels,)] if draw(st.booleans(), label="affine") else [])), {}


def _batch_norm_train(x, weight=None, bias=None):
    return torch.nn.functional.batch_norm(x, None, None, weight, bias, training=True)


def _batch_norm_eval(x, mean, var, weight=None, bias=None):
    return torch.nn.functional.batch_norm(x, mean.to(x.dtype), var.to(x.dtype), weight, bias, training=False)


def _batch_norm_ref(x, mean=None, var=None, weight=None, bias=None):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if mean is None:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
    out = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + EPS)
    return out if weight is None else out * weight.reshape(shape) + bias.reshape(shape)


def _batch_norm_train_ref(x, weight=None, bias=None):
    return _batch_norm_ref(x, None, None, weight, bias)


@st.composite
def _instance_norm(draw, sizes: Sizes):
    channels = draw(st.integers(1, 3), label="channels")
    batch = 0 if sizes.mode == "zero-size" else draw(st.integers(1, 2), label="batch")
    spatial = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2), label="spatial"))
    if math.prod(spatial) < 2:
        spatial = spatial[:-1] + (2,)
    return ((batch, channels) + spatial,), {}


def _instance_norm_ref(x):
    axes = tuple(range(2, x.ndim))
    return (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + EPS)


def _normalize_ref(x, p=2.0, dim=1):
    norm = np.sum(np.abs(x) ** p, axis=dim, keepdims=True) ** (1 / p)
    return x / np.maximum(norm, 1e-12)


# ---------------------------------------------------------------------------
# Embedding
# ---------------------------------------------------------------------------

@st.composite
def _embedding(draw, sizes: Sizes):
    """indices (any shape) into a weight of (V, D)."""
    vocab, dim = draw(st.integers(1, 5), label="vocabulary"), draw(st.integers(1, 3), label="embedding dim")
    index = draw(sizes.shape(max_dims=2, max_numel=6), label="indices shape")
    # padding_idx deliberately zeroes a gradient (test_nn checks that rule): not drawn here, where
    # gradcheck compares gradients with finite differences
    return (Arg(index, torch.int64, Domain(integers=(0, vocab - 1))), (vocab, dim)), {}


def _embedding_ref(indices, weight):
    return weight[indices]


@st.composite
def _embedding_bag(draw, sizes: Sizes, mode: str):
    """2-D indices (B bags of L), no offsets; per_sample_weights with mode "sum"."""
    vocab, dim = draw(st.integers(1, 5), label="vocabulary"), draw(st.integers(1, 3), label="embedding dim")
    bags = 0 if sizes.mode == "zero-size" else draw(st.integers(1, 3), label="bags")
    length = draw(st.integers(1, 3), label="bag length")
    indices = Arg((bags, length), torch.int64, Domain(integers=(0, vocab - 1)))
    inputs = (indices, (vocab, dim))
    if mode == "sum" and draw(st.booleans(), label="per_sample_weights"):
        inputs += ((bags, length),)
    return inputs, {"mode": mode}


def _embedding_bag_call(indices, weight, per_sample_weights=None, mode="mean"):
    return torch.nn.functional.embedding_bag(indices, weight, mode=mode, per_sample_weights=per_sample_weights)


def _embedding_bag_ref(indices, weight, per_sample_weights=None, mode="mean"):
    rows = weight[indices]
    if per_sample_weights is not None:
        rows = rows * per_sample_weights[..., None]
    return {"sum": rows.sum(1), "mean": rows.mean(1), "max": rows.max(1)}[mode]


# ---------------------------------------------------------------------------
# Softmax family and losses
# ---------------------------------------------------------------------------

def _softmax_ref(x, dim):
    if x.ndim == 0:
        return np.ones_like(x)
    e = np.exp(x - x.max(axis=dim, keepdims=True, initial=-np.inf))
    return e / e.sum(axis=dim, keepdims=True)


def _log_softmax_ref(x, dim):
    if x.ndim == 0:
        return np.zeros_like(x)
    shifted = x - x.max(axis=dim, keepdims=True, initial=-np.inf)
    return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


@st.composite
def _classes(draw, sizes: Sizes, probabilities: bool = False):
    """Scores (N, C) or (N, C, d) or unbatched (C,), class-index targets (some equal to ignore_index),
    a reduction, and for cross_entropy label_smoothing."""
    classes = draw(st.integers(1, 4), label="classes")
    form = draw(st.sampled_from(["batch", "unbatched", "spatial"]), label="form")
    batch = 0 if sizes.mode == "zero-size" else draw(st.integers(1, 3), label="batch")
    if form == "unbatched" and sizes.mode != "zero-size":
        scores, target = (classes,), ()
    elif form == "spatial":
        extra = draw(st.integers(1, 3), label="spatial")
        scores, target = (batch, classes, extra), (batch, extra)
    else:
        scores, target = (batch, classes), (batch,)
    kwargs = {"reduction": draw(st.sampled_from(["none", "sum", "mean"]), label="reduction")}
    if draw(st.booleans(), label="ignore_index given"):
        kwargs["ignore_index"] = draw(st.integers(0, classes - 1), label="ignore_index")
    return (scores, Arg(target, torch.int64, Domain(integers=(0, classes - 1)))), kwargs


def _nll_ref(logp, target, reduction="mean", ignore_index=-100, label_smoothing=0.0):
    """loss[n] = -logp[n, target[n]] (0 where target is ignore_index); "mean" divides by the number of
    targets not ignored."""
    unbatched = logp.ndim == 1
    if unbatched:
        logp, target = logp[None], target[None]
    moved = np.moveaxis(logp, 1, -1)
    picked = np.take_along_axis(moved, target[..., None], -1)[..., 0]
    keep = target != ignore_index
    loss = np.where(keep, -picked, 0.0)
    if label_smoothing:
        smooth = np.where(keep, -moved.mean(-1), 0.0)
        loss = (1 - label_smoothing) * loss + label_smoothing * smooth
    if reduction == "none":
        return loss[0] if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / keep.sum() if keep.sum() else np.float64(np.nan)


def _cross_entropy_ref(x, target, reduction="mean", ignore_index=-100, label_smoothing=0.0):
    return _nll_ref(_log_softmax_ref(x, 0 if x.ndim == 1 else 1), target, reduction, ignore_index, label_smoothing)


def _with_smoothing(strategy):
    return lambda sizes: strategy(sizes).flatmap(lambda case: st.sampled_from([0.0, 0.25]).map(
        lambda s: (case[0], {**case[1], "label_smoothing": s})))


@st.composite
def _attention_args(draw, sizes: Sizes):
    """query (..., L, E), key (..., S, E), value (..., S, Ev); an additive float or boolean mask
    (never masking a whole row), or is_causal; a scale sometimes."""
    batch = draw(st.sampled_from([(), (1,), (2,), (1, 2)]), label="batch")
    if sizes.mode == "zero-size":
        batch = (0,)
    length, source = draw(st.integers(1, 4), label="L"), draw(st.integers(1, 4), label="S")
    e, ev = draw(st.integers(1, 4), label="E"), draw(st.integers(1, 4), label="Ev")
    inputs = (batch + (length, e), batch + (source, e), batch + (source, ev))
    kwargs = {}
    choice = draw(st.sampled_from(["none", "causal", "bool-mask"]), label="mask")
    if choice == "causal":
        kwargs["is_causal"] = True
    elif choice == "bool-mask":
        kwargs["attn_mask"] = Arg((length, source), torch.bool)
    if draw(st.booleans(), label="scale given"):
        kwargs["scale"] = draw(st.sampled_from([0.5, 1.0]), label="scale")
    return inputs, kwargs


def _attention(q, k, v, attn_mask=None, **kwargs):
    """sdpa with the drawn boolean mask's first column set: no query attends to nothing."""
    if attn_mask is not None:
        attn_mask = attn_mask | (torch.arange(attn_mask.shape[-1], device=attn_mask.device) == 0)
    return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, **kwargs)


def _attention_ref(q, k, v, attn_mask=None, is_causal=False, scale=None):
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = q @ np.swapaxes(k, -1, -2) * scale
    if is_causal:
        attn_mask = np.tril(np.ones(scores.shape[-2:], bool))
    if attn_mask is not None:
        attn_mask = attn_mask | (np.arange(attn_mask.shape[-1]) == 0)
        scores = np.where(attn_mask, scores, -np.inf)
    return _softmax_ref(scores, -1) @ v


# ---------------------------------------------------------------------------
# Other layers
# ---------------------------------------------------------------------------

@st.composite
def _linear(draw, sizes: Sizes):
    batch = draw(sizes.shape(max_dims=2, max_numel=6), label="batch")
    fin, fout = draw(st.integers(1, 4), label="in features"), draw(st.integers(1, 4), label="out features")
    inputs = (batch + (fin,), (fout, fin))
    return (inputs + ((fout,),) if draw(st.booleans(), label="bias") else inputs), {}


def _linear_ref(x, w, b=None):
    out = x @ w.T
    return out if b is None else out + b


@st.composite
def _unfold(draw, sizes: Sizes):
    kernel = tuple(draw(st.integers(1, 2), label="kernel") for _ in range(2))
    spatial = tuple(draw(st.integers(k, 4), label="side") for k in kernel)
    stride = tuple(draw(st.integers(1, 2), label="stride") for _ in range(2))
    batch = (0,) if sizes.mode == "zero-size" else draw(st.sampled_from([(), (1,), (2,)]), label="batch")
    return (batch + (draw(st.integers(1, 2), label="channels"),) + spatial,), {"kernel_size": kernel,
                                                                               "stride": stride}


def _unfold_ref(x, kernel_size, stride):
    unbatched = x.ndim == 3
    if unbatched:
        x = x[None]
    n, c, h, w = x.shape
    (kh, kw), (sh, sw) = kernel_size, stride
    rows = range(0, h - kh + 1, sh)
    cols = range(0, w - kw + 1, sw)
    out = np.stack([x[:, :, i:i + kh, j:j + kw].reshape(n, c * kh * kw) for i in rows for j in cols], -1)
    return out[0] if unbatched else out


@st.composite
def _fold(draw, sizes: Sizes):
    kernel = tuple(draw(st.integers(1, 2), label="kernel") for _ in range(2))
    output = tuple(draw(st.integers(k, 4), label="output side") for k in kernel)
    stride = tuple(draw(st.integers(1, 2), label="stride") for _ in range(2))
    blocks = math.prod((o - k) // s + 1 for o, k, s in zip(output, kernel, stride))
    channels = draw(st.integers(1, 2), label="channels")
    batch = (0,) if sizes.mode == "zero-size" else draw(st.sampled_from([(), (1,), (2,)]), label="batch")
    return (batch + (channels * math.prod(kernel), blocks),), {"output_size": output, "kernel_size": kernel,
                                                               "stride": stride}


def _fold_ref(x, output_size, kernel_size, stride):
    unbatched = x.ndim == 2
    if unbatched:
        x = x[None]
    (kh, kw), (sh, sw), (h, w) = kernel_size, stride, output_size
    n = x.shape[0]
    c = x.shape[1] // (kh * kw)
    out = np.zeros((n, c, h, w))
    positions = [(i, j) for i in range(0, h - kh + 1, sh) for j in range(0, w - kw + 1, sw)]
    for b, (i, j) in enumerate(positions):
        out[:, :, i:i + kh, j:j + kw] += x[:, :, b].reshape(n, c, kh, kw)
    return out[0] if unbatched else out


@st.composite
def _pixel_shuffle(draw, sizes: Sizes, inverse: bool):
    r = draw(st.integers(1, 2), label="factor")
    c = draw(st.integers(1, 2), label="channels")
    h, w = (draw(st.integers(1, 2), label="side") for _ in range(2))
    batch = (0,) if sizes.mode == "zero-size" else draw(st.sampled_from([(), (1,), (2,)]), label="batch")
    shape = batch + ((c, h * r, w * r) if inverse else (c * r * r, h, w))
    return (shape,), {"downscale_factor" if inverse else "upscale_factor": r}


def _pixel_shuffle_ref(x, upscale_factor):
    *batch, c, h, w = x.shape
    r = upscale_factor
    y = x.reshape(*batch, c // (r * r), r, r, h, w)
    y = np.moveaxis(y, (-4, -3), (-3, -1))  # (..., C, h, r, w, r)
    return y.reshape(*batch, c // (r * r), h * r, w * r)


def _pixel_unshuffle_ref(x, downscale_factor):
    *batch, c, hr, wr = x.shape
    r = downscale_factor
    y = x.reshape(*batch, c, hr // r, r, wr // r, r)
    y = np.moveaxis(y, (-3, -1), (-4, -3))
    return y.reshape(*batch, c * r * r, hr // r, wr // r)


@st.composite
def _grid_sample(draw, sizes: Sizes):
    n = 0 if sizes.mode == "zero-size" else draw(st.integers(1, 2), label="batch")
    c, h, w = (draw(st.integers(1, 3), label="side") for _ in range(3))
    oh, ow = (draw(st.integers(1, 3), label="grid side") for _ in range(2))
    kwargs = {"mode": draw(st.sampled_from(["bilinear", "nearest"]), label="mode"),
              "padding_mode": draw(st.sampled_from(["zeros", "border"]), label="padding_mode"),
              "align_corners": draw(st.booleans(), label="align_corners")}
    return ((n, c, h, w), Arg((n, oh, ow, 2), torch.float64, Domain(-1.1, 1.1))), kwargs


def _grid_sample_call(x, grid, **kwargs):
    return torch.nn.functional.grid_sample(x, grid.to(x.dtype), **kwargs)


@st.composite
def _points(draw, sizes: Sizes, pair: bool):
    m = draw(st.integers(0 if sizes.mode == "zero-size" else 1, 4), label="points")
    d = draw(st.integers(1, 3), label="dims")
    kwargs = {"p": draw(st.sampled_from([1.0, 2.0, 3.0]), label="p")}
    if pair:
        return ((m, d), (draw(st.integers(1, 3), label="other points"), d)), kwargs
    return ((m, d),), kwargs


def _cdist_ref(a, b, p=2.0, compute_mode=None):
    return (np.abs(a[:, None, :] - b[None, :, :]) ** p).sum(-1) ** (1 / p)


def _pdist_ref(a, p=2.0):
    full = _cdist_ref(a, a, p)
    i, j = np.triu_indices(a.shape[0], 1)
    return full[i, j]


# ---------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------

NORM = Domain(-3.0, 3.0, unique=True)  # distinct values: a positive variance over every group

OPS = [
    *[_conv_op(dims) for dims in (1, 2, 3)],
    *[_conv_op(dims, transposed=True) for dims in (1, 2, 3)],
    *[_pool_op(dims, kind) for kind in ("max", "avg") for dims in (1, 2, 3)],
    *[_adaptive_op(dims, "avg") for dims in (1, 2, 3)],
    *[_adaptive_op(dims, "max") for dims in (1, 2)],
    *[_pad_op(mode, dims) for mode in ("reflect", "replicate", "circular") for dims in (1, 2, 3)],
    _pad_op("constant", 2),
    *[_interpolate_op("nearest", dims) for dims in (1, 2, 3)],
    _interpolate_op("linear", 1), _interpolate_op("bilinear", 2), _interpolate_op("bicubic", 2),
    _interpolate_op("trilinear", 3),
    OpInfo("layer_norm", fdoc("layer_norm"), _layer_norm, call=_layer_norm_call, kinds=("float",),
           domains=(NORM, SMOOTH), ref=_layer_norm_ref, ref_exclude=LOW, grad=2, zero_dim=False,
           notes="eps = 1e-5 (the default); the variance is the biased one"),
    OpInfo("group_norm", fdoc("group_norm"), _group_norm, call=_group_norm_call, kinds=("float",),
           domains=(NORM, SMOOTH), ref=_group_norm_ref, ref_exclude=LOW, grad=2, zero_dim=False),
    OpInfo("batch_norm-train", fdoc("batch_norm"), lambda sizes: _batch_norm(sizes, True), call=_batch_norm_train,
           kinds=("float",), domains=(NORM, SMOOTH), ref=_batch_norm_train_ref, ref_exclude=LOW, grad=2, zero_dim=False,
           zero_size=False, vmap=False, notes="training mode normalizes with the batch's own statistics"),
    OpInfo("batch_norm-eval", fdoc("batch_norm"), lambda sizes: _batch_norm(sizes, False), call=_batch_norm_eval,
           kinds=("float",), domains=(SMOOTH,), ref=_batch_norm_ref, ref_exclude=LOW, grad=2, zero_dim=False,
           notes="evaluation mode normalizes with the given running statistics"),
    OpInfo("instance_norm", fdoc("instance_norm"), _instance_norm, function=F + "instance_norm", kinds=("float",),
           domains=(NORM,), ref=_instance_norm_ref, ref_exclude=LOW, grad=2, zero_dim=False, zero_size=False, vmap=False),
    OpInfo("normalize", fdoc("normalize"), args.one_dim(min_dims=1, p=st.sampled_from([1.0, 2.0])),
           function=F + "normalize", kinds=("float",), domains=(Domain(min_abs=0.5),), ref=_normalize_ref, grad=2,
           zero_dim=False),
    OpInfo("embedding", fdoc("embedding"), _embedding, function=F + "embedding", kinds=("float",),
           domains=(SMOOTH,), ref=_embedding_ref, exact=True, grad=2, zero_dim=False,
           notes="the index tensor comes first (F.embedding(input, weight))"),
    *[OpInfo(f"embedding_bag-{mode}", fdoc("embedding_bag"), lambda sizes, mode=mode: _embedding_bag(sizes, mode),
             call=_embedding_bag_call, kinds=("float",), domains=(DISTINCT if mode == "max" else SMOOTH,),
             ref=_embedding_bag_ref, grad=2 if mode != "max" else 1, zero_dim=False, vmap=False)
      for mode in ("sum", "mean", "max")],
    OpInfo("softmax", fdoc("softmax"), args.one_dim(), function=F + "softmax", aliases=("torch.softmax",),
           extra_routes={"method": lambda x, dim: x.softmax(dim), "special": lambda x, dim: torch.special.softmax(x, dim)},
           kinds=("float",), domains=(SMOOTH,), ref=_softmax_ref, grad=2),
    OpInfo("log_softmax", fdoc("log_softmax"), args.one_dim(), function=F + "log_softmax",
           aliases=("torch.log_softmax",), extra_routes={"method": lambda x, dim: x.log_softmax(dim),
                                                          "special": lambda x, dim: torch.special.log_softmax(x, dim)},
           kinds=("float",), domains=(SMOOTH,), ref=_log_softmax_ref, ref_exclude=LOW, grad=2,
           notes="x - logsumexp(x) cancels near 0: compared in float32/float64"),
    OpInfo("softmin", fdoc("softmin"), args.one_dim(), function=F + "softmin", kinds=("float",), domains=(SMOOTH,),
           ref=lambda x, dim: _softmax_ref(-x, dim), grad=2),
    OpInfo("cross_entropy", fdoc("cross_entropy"), _with_smoothing(_classes), function=F + "cross_entropy",
           kinds=("float",), domains=(SMOOTH,), ref=_cross_entropy_ref, grad=2, zero_dim=False, vmap=False,
           notes="class-index targets; some equal to ignore_index; label_smoothing 0 or 0.25"),
    OpInfo("nll_loss", fdoc("nll_loss"), _classes, function=F + "nll_loss", kinds=("float",),
           domains=(Domain(-5.0, -0.1),), ref=_nll_ref, grad=2, zero_dim=False, vmap=False),
    OpInfo("scaled_dot_product_attention", fdoc("scaled_dot_product_attention"), _attention_args, call=_attention, kinds=("float",), domains=(SMOOTH,), ref=_attention_ref,
           grad=2, zero_dim=False, notes="masks never hide a whole row (no all -inf softmax)"),
    OpInfo("linear", fdoc("linear"), _linear, function=F + "linear", kinds=("float",), domains=(GRID,),
           ref=_linear_ref, grad=2, zero_dim=False),
    OpInfo("unfold", fdoc("unfold"), _unfold, function=F + "unfold", kinds=("float",), domains=(DISTINCT,),
           ref=_unfold_ref, exact=True, grad=2, zero_dim=False),
    OpInfo("fold", fdoc("fold"), _fold, function=F + "fold", kinds=("float",), domains=(GRID,), ref=_fold_ref,
           grad=2, zero_dim=False),
    OpInfo("pixel_shuffle", fdoc("pixel_shuffle"), lambda sizes: _pixel_shuffle(sizes, False),
           function=F + "pixel_shuffle", aliases=("torch.pixel_shuffle",), kinds=("float", "int", "bool"),
           domains=(DISTINCT,), ref=_pixel_shuffle_ref, exact=True, grad=2, zero_dim=False),
    OpInfo("pixel_unshuffle", fdoc("pixel_unshuffle"), lambda sizes: _pixel_shuffle(sizes, True),
           function=F + "pixel_unshuffle", aliases=("torch.pixel_unshuffle",), kinds=("float", "int", "bool"),
           domains=(DISTINCT,), ref=_pixel_unshuffle_ref, exact=True, grad=2, zero_dim=False),
    OpInfo("grid_sample", fdoc("grid_sample"), _grid_sample, call=_grid_sample_call, kinds=("float",),
           domains=(SMOOTH,), grad=1, zero_dim=False, vmap=False,
           notes="grid points may fall outside [-1, 1] (padding_mode decides); no numpy reference yet"),
    OpInfo("cdist", doc("torch.cdist"), lambda sizes: _points(sizes, True), function="torch.cdist",
           kinds=("float",), unsupported=NO_LOW, domains=(SMOOTH,), ref=_cdist_ref, grad=1, zero_dim=False,
           notes="p-norms have a kink where two points coincide: differentiated once"),
    OpInfo("pdist", fdoc("pdist"), lambda sizes: _points(sizes, False), function=F + "pdist", kinds=("float",),
           unsupported=NO_LOW, domains=(DISTINCT,), ref=_pdist_ref, grad=1, zero_dim=False, vmap=False),
]
