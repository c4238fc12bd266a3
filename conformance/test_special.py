"""Op-specific rules of the pointwise and special ops (``conformance/ops/pointwise.py``, ``special.py``).

The universal invariants (``test_ops.py``, ``test_autograd.py``) check routes, in-place and ``out=``,
layouts, meta, vmap and gradients on values drawn off the special cases; here each test checks one rule the
documentation states for one op, on exactly those cases: xlogy's 0 where its input is 0, heaviside's
``values`` at 0, copysign's sign of -0.0, the IEEE predicates on inf and nan, the shifts against numpy,
nan_to_num's defaults and logit's ``eps``.  Expected values come from numpy (float64, or the dtype itself for
the shifts) or from the rule's own definition, never from the op under test.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices
from conformance.ops import Sizes, doc
from conformance.ops_helpers import wide_numpy
from conformance.oracles import assert_equal
from strategies import supported, tensors

FAMILY = "special"
invariant = functools.partial(pytest.mark.invariant, FAMILY)

XLOGY_DOC = doc("torch.xlogy")
HEAVISIDE_DOC = doc("torch.heaviside")
COPYSIGN_DOC = doc("torch.copysign")
ISFINITE_DOC = doc("torch.isfinite")
ISINF_DOC = doc("torch.isinf")
ISNAN_DOC = doc("torch.isnan")
LEFT_SHIFT_DOC = doc("torch.bitwise_left_shift")
RIGHT_SHIFT_DOC = doc("torch.bitwise_right_shift")
NUMPY_SHIFT = "https://numpy.org/doc/stable/reference/generated/numpy.left_shift.html"
NAN_TO_NUM_DOC = doc("torch.nan_to_num")
LOGIT_DOC = doc("torch.logit")

SHAPE = Sizes(max_numel=32).shape(max_dims=3)
INTEGERS = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def _float_dtype(data, device, exclude=()):
    choices = [d for d in supported(devices.target(device).device, ("float",)) if d not in exclude]
    return data.draw(st.sampled_from(choices), label="dtype")


def _specials(data, device, dtype, label, shape=None, **bounds):
    """A tensor of ``dtype`` whose values mix in inf, -inf, nan, -0.0, +0.0, the largest finite and subnormals."""
    shape = data.draw(SHAPE, label=f"{label} shape") if shape is None else shape
    return data.draw(tensors(dtype, shape, devices.target(device).device, special=True, **bounds), label=label)


def _zeros_where(data, x: torch.Tensor, label: str) -> torch.Tensor:
    """``x`` with a drawn part of its elements set to +0.0 and -0.0."""
    seed = data.draw(st.integers(0, 2**32 - 1), label=f"{label} seed")
    rng = np.random.default_rng(seed)
    pick = np.asarray(rng.integers(0, 3, size=tuple(x.shape)))  # 0: kept, 1: +0.0, 2: -0.0
    zeros = torch.from_numpy(np.asarray(np.where(pick == 2, -0.0, 0.0))).to(x.dtype).to(x.device)
    return torch.where(torch.from_numpy(np.asarray(pick > 0)).to(x.device), zeros, x)


# ---------------------------------------------------------------------------
# xlogy: 0 where input is 0
# ---------------------------------------------------------------------------

@invariant("xlogy-zero-input", source=XLOGY_DOC)
@given(data=st.data())
def test_xlogy_is_zero_where_input_is_zero(device, data):
    """``xlogy(input, other)``: "out_i = 0 if input_i == 0 (and other_i is not NaN), NaN if other_i is NaN,
    input_i * log(other_i) otherwise" -- 0 even where log(other) is -inf (other 0) or NaN (other < 0) or
    other is inf; ``other`` drawn with those values."""
    dtype = _float_dtype(data, device)
    x = _zeros_where(data, _specials(data, device, dtype, "input"), "input zeros")
    y = _specials(data, device, dtype, "other", shape=tuple(x.shape))
    got = wide_numpy(torch.xlogy(x, y))
    a, b = wide_numpy(x), wide_numpy(y)
    zero = (a == 0) & ~np.isnan(b)
    assert (got[zero] == 0).all(), (
        f"xlogy at input 0 (other {b[zero][:6].tolist()}) gave {got[zero][:6].tolist()} on {dtype}")
    assert np.isnan(got[np.isnan(b)]).all(), f"xlogy with a NaN other gave {got[np.isnan(b)][:6].tolist()} on {dtype}"


# ---------------------------------------------------------------------------
# heaviside: values exactly where input is 0
# ---------------------------------------------------------------------------

@invariant("heaviside-values-at-zero", source=HEAVISIDE_DOC)
@given(data=st.data())
def test_heaviside_takes_values_where_input_is_zero(device, data):
    """``heaviside(input, values)`` is 0 where input < 0, ``values`` where input == 0 (+0.0 or -0.0), 1 where
    input > 0 -- numpy's ``heaviside``, bitwise, on inputs with infinities, subnormals and both zeros and any
    ``values`` (nan included).  A nan input is in none of the documented cases (numpy gives nan, torch 0): it
    is not compared."""
    dtype = _float_dtype(data, device)
    x = _zeros_where(data, _specials(data, device, dtype, "input"), "input zeros")
    values = _specials(data, device, dtype, "values", shape=tuple(x.shape))
    got = torch.heaviside(x, values).cpu()
    with np.errstate(all="ignore"):
        want = torch.from_numpy(np.asarray(np.heaviside(wide_numpy(x), wide_numpy(values)))).to(dtype)
    documented = ~torch.isnan(x.cpu())
    assert_equal(got[documented], want[documented], msg=f"heaviside against numpy on {dtype}")


# ---------------------------------------------------------------------------
# copysign: the sign of other, -0.0 included
# ---------------------------------------------------------------------------

@invariant("copysign-signed-zero", source=COPYSIGN_DOC)
@given(data=st.data())
def test_copysign_takes_the_sign_of_negative_zero(device, data):
    """``copysign(input, other)``: "the magnitude of input and the sign of other" -- the sign bit of other,
    so -0.0 (and -nan, -inf) give a negative result; numpy's ``copysign``, bitwise (zero signs included)."""
    dtype = _float_dtype(data, device)
    x = _specials(data, device, dtype, "input")
    other = _zeros_where(data, _specials(data, device, dtype, "other", shape=tuple(x.shape)), "other zeros")
    got = torch.copysign(x, other).cpu()
    want = np.copysign(wide_numpy(x), wide_numpy(other))
    assert_equal(got, torch.from_numpy(np.asarray(want)).to(dtype), msg=f"copysign against numpy on {dtype}")
    assert torch.equal(got.signbit(), torch.from_numpy(np.asarray(np.signbit(wide_numpy(other))))), (
        f"copysign's sign bit differs from other's on {dtype}")


# ---------------------------------------------------------------------------
# isfinite = not (isinf or isnan)
# ---------------------------------------------------------------------------

@invariant("isfinite-is-not-inf-or-nan", source=ISFINITE_DOC + " ; " + ISINF_DOC + " ; " + ISNAN_DOC)
@given(data=st.data())
def test_isfinite_is_neither_inf_nor_nan(device, data):
    """``isfinite``: "Returns a new tensor with boolean elements representing if each element is finite or
    not. Real values are finite when they are not NaN, negative infinity, or infinity. Complex values are
    finite when both their real and imaginary parts are finite" -- ``isfinite == ~(isinf | isnan)`` for
    every dtype (integers and bools are always finite)."""
    target = devices.target(device)
    dtype = data.draw(st.sampled_from(supported(target.device, ("float", "complex", "int", "uint", "bool"))),
                      label="dtype")
    x = _specials(data, device, dtype, "input") if dtype.is_floating_point or dtype.is_complex else \
        data.draw(tensors(dtype, data.draw(SHAPE, label="shape"), target.device), label="input")
    got = torch.isfinite(x)
    assert got.dtype == torch.bool
    assert_equal(got.cpu(), (~(torch.isinf(x) | torch.isnan(x))).cpu(), msg=f"isfinite vs ~(isinf | isnan) on {dtype}")


# ---------------------------------------------------------------------------
# Shifts: numpy's, for shifts within the width of the dtype
# ---------------------------------------------------------------------------

SHIFTS = {"bitwise_left_shift": (np.left_shift, LEFT_SHIFT_DOC), "bitwise_right_shift": (np.right_shift,
                                                                                           RIGHT_SHIFT_DOC)}


@invariant("shifts-match-numpy", source=LEFT_SHIFT_DOC + " ; " + RIGHT_SHIFT_DOC + " ; " + NUMPY_SHIFT)
@pytest.mark.parametrize("name", sorted(SHIFTS))
@given(data=st.data())
def test_shifts_match_numpy_within_the_width(device, name, data):
    """``bitwise_left_shift(input, other)`` / ``bitwise_right_shift``: "input << other" / "input >> other", as
    numpy computes them in the same dtype (left shifts wrap modulo 2^bits, right shifts of negative values are
    arithmetic) -- over the dtype's whole range, for shifts 0 <= other < bits."""
    target = devices.target(device)
    dtype = data.draw(st.sampled_from([d for d in INTEGERS if d in supported(target.device, ("int", "uint"))]),
                      label="dtype")
    info = torch.iinfo(dtype)
    shape = data.draw(SHAPE, label="shape")
    native = {torch.uint8: np.uint8, torch.int8: np.int8, torch.int16: np.int16, torch.int32: np.int32,
              torch.int64: np.int64}[dtype]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values seed"))
    a = np.asarray(rng.integers(info.min, info.max, size=shape, dtype=native, endpoint=True))
    b = np.asarray(rng.integers(0, info.bits - 1, size=shape, dtype=native, endpoint=True))
    got = getattr(torch, name)(torch.from_numpy(a).to(target.device), torch.from_numpy(b).to(target.device)).cpu()
    fn, _ = SHIFTS[name]
    want = np.asarray(fn(a, b))
    assert_equal(got, torch.from_numpy(want), msg=f"{name} against numpy on {dtype} ({a.tolist()} by {b.tolist()})")


# ---------------------------------------------------------------------------
# nan_to_num: the documented defaults
# ---------------------------------------------------------------------------

@invariant("nan-to-num-defaults", source=NAN_TO_NUM_DOC)
@given(data=st.data())
def test_nan_to_num_replaces_by_the_documented_defaults(device, data):
    """``nan_to_num(input)``: "By default, NaNs are replaced with zero, positive infinity is replaced with the
    greatest finite value representable by input's dtype, and negative infinity is replaced with the least
    finite value representable by input's dtype"; finite values are kept (bitwise, -0.0 included)."""
    dtype = _float_dtype(data, device)
    x = _specials(data, device, dtype, "input")
    got = torch.nan_to_num(x).cpu()
    info = torch.finfo(dtype)
    a = wide_numpy(x)
    want = np.where(np.isnan(a), 0.0, np.where(a == np.inf, info.max, np.where(a == -np.inf, info.min, a)))
    assert_equal(got, torch.from_numpy(np.asarray(want)).to(dtype), msg=f"nan_to_num's defaults on {dtype}")


# ---------------------------------------------------------------------------
# logit: eps clamps the input to [eps, 1 - eps]
# ---------------------------------------------------------------------------

@invariant("logit-eps-clamps", source=LOGIT_DOC)
@given(data=st.data())
def test_logit_with_eps_clamps_the_input(device, data):
    """``logit(input, eps)``: "z_i = x_i if x_i in [eps, 1 - eps], eps if x_i < eps, 1 - eps if x_i > 1 - eps;
    y_i = ln(z_i / (1 - z_i))" -- inputs anywhere in [-0.5, 1.5], 0 and 1 included, give finite results, and
    those outside [eps, 1 - eps] the logit of the nearer bound (numpy float64, within the dtype's tolerance; the
    logit of a bound is well conditioned, unlike that of an input near 1/2, whose accuracy is no part of this
    rule)."""
    dtype = _float_dtype(data, device)
    # powers of two: eps and 1 - eps are exact in every float dtype (the clamp's bounds are not rounded, where
    # logit's condition number 1 / (z (1 - z)) would magnify the rounding)
    eps = data.draw(st.sampled_from([2.0 ** -7, 2.0 ** -4, 0.125, 0.25]), label="eps")
    shape = data.draw(SHAPE, label="shape")
    x = data.draw(tensors(dtype, shape, devices.target(device).device, low=-0.5, high=1.5), label="input")
    x = _ends(data, x)
    got = torch.logit(x, eps).cpu()
    a = wide_numpy(x)
    assert torch.isfinite(got).all(), (
        f"logit(x, eps={eps}) on {dtype} is not finite at {a[~np.isfinite(wide_numpy(got))]}")
    clamped = torch.from_numpy(np.asarray((a < eps) | (a > 1 - eps)))
    z = np.clip(a, eps, 1 - eps)
    want = torch.from_numpy(np.asarray(np.log(z / (1 - z)))).to(dtype)
    torch.testing.assert_close(got[clamped], want[clamped], msg=lambda m: f"logit(x, eps={eps}) on {dtype}: {m}")


def _ends(data, x: torch.Tensor) -> torch.Tensor:
    """``x`` with a drawn part of its elements set to 0 and 1, where the logit without eps is infinite."""
    seed = data.draw(st.integers(0, 2**32 - 1), label="ends seed")
    pick = torch.from_numpy(np.asarray(np.random.default_rng(seed).integers(0, 3, size=tuple(x.shape)))).to(x.device)
    return torch.where(pick == 1, torch.zeros_like(x), torch.where(pick == 2, torch.ones_like(x), x))
