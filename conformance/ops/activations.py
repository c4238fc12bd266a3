"""Activation functions of torch.nn.functional, elementwise (and glu, prelu, dropout).

Each reference is the formula on the function's documentation page, in numpy float64.  Inputs lie
off 0 (``min_abs``), where most of them have a kink; the kinks at other points (hardtanh's bounds,
hardswish's +-3, the shrink thresholds) are single points that a continuous draw misses.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from . import args
from .core import Domain, OpInfo, Sizes, doc

F = "torch.nn.functional."
OFF_ZERO = Domain(-5.0, 5.0, min_abs=0.25)
SMOOTH = Domain(-5.0, 5.0)


def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(x))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _activation(name, ref, domain=OFF_ZERO, kwargs=None, grad=2, kinds=("float",), **extra):
    """``F.<name>(x, **kwargs)``, compared with the formula ``ref``."""
    return OpInfo(name, doc(F + name), args.unary(**(kwargs or {})), function=F + name, kinds=kinds,
                  domains=(domain,), ref=ref, grad=grad, elementwise=True, **extra)


def _glu_args(sizes: Sizes):
    """An even side along ``dim``: glu splits it in half."""
    @st.composite
    def draw_case(draw):
        shape = list(draw(sizes.shape(min_dims=1), label="shape"))
        dim = draw(st.integers(-len(shape), len(shape) - 1), label="dim")
        shape[dim] = 2 * draw(st.integers(0 if sizes.mode == "zero-size" else 1, 2), label="half")
        return (tuple(shape),), {"dim": dim}
    return draw_case()


def _glu_ref(x, dim=-1):
    a, b = np.split(x, 2, axis=dim)
    return a * _sigmoid(b)


@st.composite
def _prelu(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=1), label="shape")
    channels = shape[1] if len(shape) > 1 else 1
    return (shape, draw(st.sampled_from([(1,), (channels,)]), label="weight shape")), {}


def _prelu_ref(x, w):
    shape = (1, -1) + (1,) * (x.ndim - 2) if x.ndim > 1 and w.size > 1 else (-1,) if w.size == 1 else w.shape
    return np.where(x >= 0, x, w.reshape(shape) * x)


def _dropout_rule(x, p=0.5):
    """dropout's documented rule as a deterministic function of its random result: each element is
    either zeroed or scaled by 1 / (1 - p), so ``where(out == 0, x, out * (1 - p))`` gives ``x`` back."""
    out = torch.nn.functional.dropout(x, p, training=True)
    return torch.where(out == 0, x, out * (1 - p))


OPS = [
    _activation("gelu", _gelu, SMOOTH, {"approximate": st.sampled_from(["none", "tanh"])}),
    _activation("elu", _elu, OFF_ZERO, {"alpha": st.sampled_from([0.5, 1.0, 2.0])}),
    _activation("selu", lambda x: SELU_SCALE * _elu(x, SELU_ALPHA)),
    _activation("celu", lambda x, alpha=1.0: np.maximum(0, x) + np.minimum(0, alpha * np.expm1(x / alpha)),
                OFF_ZERO, {"alpha": st.sampled_from([0.5, 1.0, 2.0])}),
    _activation("leaky_relu", lambda x, negative_slope=0.01: np.where(x >= 0, x, negative_slope * x), OFF_ZERO,
                {"negative_slope": st.sampled_from([0.01, 0.2])}),
    _activation("hardtanh", lambda x, min_val=-1.0, max_val=1.0: np.clip(x, min_val, max_val), OFF_ZERO,
                {"min_val": -1.0, "max_val": st.sampled_from([1.0, 2.5])}),
    _activation("relu6", lambda x: np.clip(x, 0, 6), Domain(-8.0, 8.0, min_abs=0.25)),
    _activation("silu", lambda x: x * _sigmoid(x), SMOOTH),
    _activation("mish", lambda x: x * np.tanh(np.logaddexp(0, x)), SMOOTH),
    _activation("hardswish", lambda x: x * np.clip(x + 3, 0, 6) / 6, Domain(-5.0, 5.0)),
    _activation("hardsigmoid", lambda x: np.clip(x / 6 + 0.5, 0, 1), Domain(-5.0, 5.0)),
    _activation("softsign", lambda x: x / (1 + np.abs(x)), OFF_ZERO),
    _activation("logsigmoid", lambda x: -np.logaddexp(0, -x), SMOOTH),
    _activation("tanhshrink", lambda x: x - np.tanh(x), SMOOTH, ref_exclude=(torch.float16, torch.bfloat16),
                notes="x - tanh(x) cancels near 0: compared in float32/float64"),
    _activation("softshrink", lambda x, lambd=0.5: np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0)),
                SMOOTH, {"lambd": st.sampled_from([0.5, 1.0])}),
    _activation("hardshrink", lambda x, lambd=0.5: np.where(np.abs(x) > lambd, x, 0), SMOOTH,
                {"lambd": st.sampled_from([0.5, 1.0])}),
    _activation("threshold", lambda x, threshold, value: np.where(x > threshold, x, value), SMOOTH,
                {"threshold": st.sampled_from([0.0, 1.0]), "value": st.sampled_from([-1.0, 0.5])}),
    OpInfo("glu", doc(F + "glu"), _glu_args, function=F + "glu", kinds=("float",), domains=(SMOOTH,), ref=_glu_ref,
           grad=2, zero_dim=False),
    OpInfo("prelu", doc(F + "prelu"), _prelu, function=F + "prelu", aliases=("torch.prelu",), kinds=("float",),
           domains=(OFF_ZERO,), ref=_prelu_ref, grad=2, zero_dim=False, zero_size=False),
    OpInfo("dropout", doc(F + "dropout"), args.unary(p=st.sampled_from([0.25, 0.5])), call=_dropout_rule,
           kinds=("float",), domains=(Domain(-5.0, 5.0, min_abs=0.5),), ref=lambda x, p: x, grad=2, vmap=False,
           unsupported={"cpu": (torch.float16, torch.bfloat16)},
           notes="the documented rule (zeroed, or scaled by 1 / (1 - p)) as a deterministic function of the "
                 "random result; float16/bfloat16 round x / (1 - p) * (1 - p)"),
]
