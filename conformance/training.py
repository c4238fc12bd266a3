"""Training-loop references: the documented optimizer algorithms in numpy float64 with a bound on their
rounding error, the optimizer catalogue, and small module builders.

Each reference optimizer is the pseudo-code of its documentation page, line for line, evaluated on
:class:`Rounded` values: float64 arrays that carry a bound on the rounding error of evaluating the same
formula in a narrower arithmetic (the dtype under test).  Tests compare torch with the reference, or two
torch implementations with each other, within a small multiple of that bound (:data:`SLACK`).
"""

from __future__ import annotations

import functools
import inspect
import io
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from hypothesis import strategies as st
from torch import nn

from conformance.oracles import assert_equal
from strategies import dtypes, rebuilt, shapes, tensors

DOCS = "https://pytorch.org/docs/stable/"
OPTIM_DOC = DOCS + "optim.html"


# ---------------------------------------------------------------------------
# Values with a rounding-error bound
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Arithmetic:
    """Floating-point arithmetic of a dtype: unit roundoff ``u`` and underflow unit ``eta`` (half the smallest
    subnormal).  One correctly rounded operation with exact result x returns x(1 + d) + e, |d| <= u, |e| <= eta.
    Bounds are float64 numbers, so float64's eta (2^-1075, which rounds to 0) is rounded up to 2^-1074."""

    u: float
    eta: float

    @classmethod
    def of(cls, dtype: torch.dtype) -> "Arithmetic":
        info = torch.finfo(dtype)
        return cls(info.eps / 2, max(info.smallest_normal * info.eps / 2, math.ulp(0.0)))


FLOAT64 = Arithmetic.of(torch.float64)


class Rounded:
    """A float64 array and a bound on the error of computing it in ``arith`` by the same formula.

    Each operation propagates its operands' error bounds (rigorously, not to first order) and adds its own
    rounding.  Sums are charged ``u (|a| + |b|)`` rather than ``u |a + b|``: the bound of a sum evaluated in
    any order or distributed over a product (Higham, *Accuracy and Stability of Numerical Algorithms*, 4.2),
    because kernels reassociate the documented formula (``lerp``, ``addcmul``, fused multiply-adds).  A Python
    number operand is rounded once too: a derived constant such as ``1 - beta`` is computed in double
    precision, and kernels cast every scalar to the tensor's computation type.
    """

    __array_priority__ = 1000  # numpy scalars on the left defer to Rounded's reflected operators

    def __init__(self, value, error, arith: Arithmetic):
        self.value = np.asarray(value, dtype=np.float64)
        self.error = np.asarray(error, dtype=np.float64)
        self.arith = arith

    @classmethod
    def exact(cls, value, arith: Arithmetic) -> "Rounded":
        value = np.asarray(value, dtype=np.float64)
        return cls(value, np.zeros_like(value), arith)

    def _lift(self, other) -> "Rounded":
        if isinstance(other, Rounded):
            return other
        other = float(other)
        return Rounded(other, self.arith.u * abs(other), self.arith)

    def _rounded(self, value, error) -> "Rounded":
        return Rounded(value, error + self.arith.u * np.abs(value) + self.arith.eta, self.arith)

    def __add__(self, other):
        other = self._lift(other)
        total = self.value + other.value
        error = self.error + other.error + self.arith.u * (np.abs(self.value) + np.abs(other.value))
        return Rounded(total, error + self.arith.eta, self.arith)

    __radd__ = __add__

    def sum(self, axis) -> "Rounded":
        """The sum over ``axis`` (an int or tuple) in any order: ``gamma(n - 1) sum |x|`` with
        ``gamma(k) = k u / (1 - k u)`` (Higham 4.2)."""
        n = int(np.prod([self.value.shape[a] for a in np.atleast_1d(axis)]))
        gamma = (n - 1) * self.arith.u / (1 - (n - 1) * self.arith.u)
        error = self.error.sum(axis) + gamma * np.abs(self.value).sum(axis) + (n - 1) * self.arith.eta
        return Rounded(self.value.sum(axis), error, self.arith)

    def __neg__(self):
        return Rounded(-self.value, self.error, self.arith)

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) + (-self)

    def __mul__(self, other):
        other = self._lift(other)
        error = np.abs(self.value) * other.error + np.abs(other.value) * self.error + self.error * other.error
        return self._rounded(self.value * other.value, error)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = self._lift(other)
        quotient = self.value / other.value
        # |a'/b' - a/b| <= (|a' - a| + |a/b| |b' - b|) / |b'| and |b'| >= |b| - e_b
        floor = np.abs(other.value) - other.error
        if np.any(floor <= 0):
            raise ValueError("the divisor's error bound reaches zero: keep the inputs off this singularity")
        return self._rounded(quotient, (self.error + np.abs(quotient) * other.error) / floor)

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def square(self) -> "Rounded":
        return self * self

    def sqrt(self) -> "Rounded":
        if np.any(self.value < 0):
            raise ValueError("square root of a negative reference value")
        root = np.sqrt(self.value)
        # |sqrt(a') - sqrt(a)| <= |a' - a| / (sqrt(a) + sqrt(a')), and never more than sqrt(|a' - a|)
        near = np.sqrt(np.maximum(self.value - self.error, 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(self.error > 0, self.error / (root + near), 0.0)
        return self._rounded(root, np.minimum(ratio, np.sqrt(self.error)))

    def maximum(self, other: "Rounded") -> "Rounded":
        """Elementwise max: exact, and no farther from the true max than either operand's error."""
        return Rounded(np.maximum(self.value, other.value), np.maximum(self.error, other.error), self.arith)

    def broadcast_to(self, shape) -> "Rounded":
        return Rounded(np.broadcast_to(self.value, shape), np.broadcast_to(self.error, shape), self.arith)

    def __getitem__(self, index) -> "Rounded":
        return Rounded(self.value[index], self.error[index], self.arith)

    def zeros_like(self) -> "Rounded":
        return Rounded.exact(np.zeros_like(self.value), self.arith)

    def full_like(self, fill: float) -> "Rounded":
        """``fill`` everywhere, rounded once (a state initialised from a hyperparameter)."""
        return Rounded(np.full_like(self.value, fill), np.full_like(self.value, self.arith.u * abs(fill)), self.arith)


# ---------------------------------------------------------------------------
# The documented algorithms (one step for one parameter tensor; the optimizers act elementwise)
# ---------------------------------------------------------------------------

def sgd_step(theta: Rounded, grad: Rounded, state: dict, t: int, *, lr, momentum=0.0, dampening=0.0,
             weight_decay=0.0, nesterov=False, maximize=False) -> Rounded:
    """https://pytorch.org/docs/stable/generated/torch.optim.SGD.html"""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * theta
    if momentum != 0:
        b = g if t == 1 else momentum * state["momentum_buffer"] + (1 - dampening) * g
        state["momentum_buffer"] = b
        g = g + momentum * b if nesterov else b
    return theta - lr * g


def adam_step(theta: Rounded, grad: Rounded, state: dict, t: int, *, lr, betas, eps, weight_decay=0.0,
              amsgrad=False, maximize=False, decoupled=False) -> Rounded:
    """https://pytorch.org/docs/stable/generated/torch.optim.Adam.html (``decoupled``: AdamW's page,
    https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html: the decay scales the parameter
    instead of entering the gradient and the moments)."""
    beta1, beta2 = betas
    g = -grad if maximize else grad
    if decoupled:
        theta = theta - (lr * weight_decay) * theta
    elif weight_decay != 0:
        g = g + weight_decay * theta
    m = beta1 * state.get("exp_avg", theta.zeros_like()) + (1 - beta1) * g
    v = beta2 * state.get("exp_avg_sq", theta.zeros_like()) + (1 - beta2) * g.square()
    state["exp_avg"], state["exp_avg_sq"] = m, v
    m_hat = m / (1 - beta1 ** t)
    if amsgrad:
        v = state.get("max_exp_avg_sq", theta.zeros_like()).maximum(v)
        state["max_exp_avg_sq"] = v
    v_hat = v / (1 - beta2 ** t)
    return theta - lr * (m_hat / (v_hat.sqrt() + eps))


def adamw_step(theta, grad, state, t, **hyper) -> Rounded:
    return adam_step(theta, grad, state, t, decoupled=True, **hyper)


def rmsprop_step(theta: Rounded, grad: Rounded, state: dict, t: int, *, lr, alpha, eps, weight_decay=0.0,
                 momentum=0.0, centered=False, maximize=False) -> Rounded:
    """https://pytorch.org/docs/stable/generated/torch.optim.RMSprop.html (``maximize`` as the argument list
    documents it: the gradient of the objective is negated)."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * theta
    v = alpha * state.get("square_avg", theta.zeros_like()) + (1 - alpha) * g.square()
    state["square_avg"] = v
    v_tilde = v
    if centered:
        g_ave = state.get("grad_avg", theta.zeros_like()) * alpha + (1 - alpha) * g
        state["grad_avg"] = g_ave
        v_tilde = v_tilde - g_ave.square()
    if momentum > 0:
        b = momentum * state.get("momentum_buffer", theta.zeros_like()) + g / (v_tilde.sqrt() + eps)
        state["momentum_buffer"] = b
        return theta - lr * b
    return theta - lr * (g / (v_tilde.sqrt() + eps))


def adagrad_step(theta: Rounded, grad: Rounded, state: dict, t: int, *, lr, eps, lr_decay=0.0,
                 weight_decay=0.0, initial_accumulator_value=0.0, maximize=False) -> Rounded:
    """https://pytorch.org/docs/stable/generated/torch.optim.Adagrad.html (``maximize`` as for RMSprop)."""
    g = -grad if maximize else grad
    lr_t = lr / (1 + (t - 1) * lr_decay)
    if weight_decay != 0:
        g = g + weight_decay * theta
    total = state.get("sum", theta.full_like(initial_accumulator_value)) + g.square()
    state["sum"] = total
    return theta - lr_t * (g / (total.sqrt() + eps))


def reference_run(step: Callable, hyper: dict, params: list[np.ndarray], grads: list[list[np.ndarray]],
                  arith: Arithmetic = FLOAT64) -> tuple[list[Rounded], list[dict]]:
    """The parameters and per-parameter state after ``len(grads)`` steps of a documented algorithm."""
    thetas = [Rounded.exact(p, arith) for p in params]
    states = [{} for _ in params]
    for t, step_grads in enumerate(grads, 1):
        thetas = [step(theta, Rounded.exact(g, arith), state, t, **hyper)
                  for theta, g, state in zip(thetas, step_grads, states)]
    return thetas, states


# ---------------------------------------------------------------------------
# The optimizer catalogue
# ---------------------------------------------------------------------------

def _unit(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@dataclass(frozen=True)
class Feature:
    """An optional part of an algorithm: the hyperparameters that switch it on, and what they need."""

    values: dict  # argument name -> strategy (or constant) while the feature is on
    requires: tuple = ()  # features that must be on too
    excludes: tuple = ()  # features that must be off


@dataclass(frozen=True)
class Optim:
    """An optimizer of torch.optim as data: its documented algorithm and hyperparameters."""

    name: str
    cls_name: str  # looked up in torch.optim at call time
    doc: str
    step: Callable  # the reference step (a function of this module)
    base: dict  # hyperparameters always drawn: name -> strategy
    features: dict = field(default_factory=dict)  # name -> Feature
    always: tuple = ()  # features always on (AdamW's weight decay is its point)

    @property
    def cls(self):
        return getattr(torch.optim, self.cls_name)


def _optim(name, cls_name, page, step, base, features, always=()):
    return Optim(name, cls_name, DOCS + f"generated/torch.optim.{page}.html", step, base, features, always)


_MAXIMIZE = Feature({"maximize": True})
_WEIGHT_DECAY = Feature({"weight_decay": _unit(1e-3, 0.1)})
_BETAS = st.tuples(_unit(0.5, 0.99), _unit(0.9, 0.999))
_ADAPTIVE_LR = _unit(1e-4, 0.1)

OPTIMIZERS = [
    _optim("sgd", "SGD", "SGD", sgd_step, {"lr": _unit(1e-3, 0.5)}, {
        "momentum": Feature({"momentum": _unit(0.1, 0.95)}),
        "dampening": Feature({"dampening": _unit(0.05, 0.9)}, requires=("momentum",), excludes=("nesterov",)),
        "nesterov": Feature({"nesterov": True}, requires=("momentum",), excludes=("dampening",)),
        "weight_decay": _WEIGHT_DECAY,
        "maximize": _MAXIMIZE,
    }),
    _optim("adam", "Adam", "Adam", adam_step, {"lr": _ADAPTIVE_LR, "betas": _BETAS, "eps": _unit(1e-8, 1e-3)}, {
        "amsgrad": Feature({"amsgrad": True}),
        "weight_decay": _WEIGHT_DECAY,
        "maximize": _MAXIMIZE,
    }),
    _optim("adamw", "AdamW", "AdamW", adamw_step, {"lr": _ADAPTIVE_LR, "betas": _BETAS, "eps": _unit(1e-8, 1e-3)}, {
        "amsgrad": Feature({"amsgrad": True}),
        "weight_decay": _WEIGHT_DECAY,
        "maximize": _MAXIMIZE,
    }, always=("weight_decay",)),
    _optim("rmsprop", "RMSprop", "RMSprop", rmsprop_step,
           {"lr": _ADAPTIVE_LR, "alpha": _unit(0.5, 0.99), "eps": _unit(1e-8, 1e-3)}, {
               "centered": Feature({"centered": True}),
               "momentum": Feature({"momentum": _unit(0.1, 0.95)}),
               "weight_decay": _WEIGHT_DECAY,
               "maximize": _MAXIMIZE,
           }),
    _optim("adagrad", "Adagrad", "Adagrad", adagrad_step, {"lr": _ADAPTIVE_LR, "eps": _unit(1e-10, 1e-3)}, {
        "lr_decay": Feature({"lr_decay": _unit(1e-3, 0.5)}),
        "initial_accumulator_value": Feature({"initial_accumulator_value": _unit(0.01, 1.0)}),
        "weight_decay": _WEIGHT_DECAY,
        "maximize": _MAXIMIZE,
    }),
]
OPTIM = {optim.name: optim for optim in OPTIMIZERS}


@dataclass(frozen=True)
class Variant:
    """An optimizer with some features switched on; the others are drawn."""

    optim: Optim
    on: tuple = ()

    @property
    def name(self) -> str:
        return "-".join((self.optim.name, *self.on))

    def __repr__(self):
        return self.name

    def _repr_pretty_(self, printer, cycle):  # Hypothesis prints falsifying examples with its pretty printer
        printer.text(self.name)


# Each feature of each optimizer is on in a variant of its own, so that every one is exercised in every
# example of that variant; the other features are drawn alongside it.
VARIANTS = [Variant(optim, on) for optim in OPTIMIZERS
            for on in [()] + [(name,) for name in optim.features if name not in optim.always]]


@st.composite
def hyperparameters(draw, variant: Variant) -> dict:
    """Keyword arguments of the variant's optimizer: its features on, the others drawn on or off."""
    optim = variant.optim
    on = [*optim.always, *variant.on]
    for name, feature in optim.features.items():
        if name not in on and not set(feature.excludes) & set(on) and draw(st.booleans(), label=f"{name} on"):
            on.append(name)
    on += [needed for name in on for needed in optim.features[name].requires if needed not in on]
    hyper = {name: draw(value, label=name) for name, value in optim.base.items()}
    for name in on:
        for argument, value in optim.features[name].values.items():
            hyper[argument] = draw(value, label=argument) if isinstance(value, st.SearchStrategy) else value
    return hyper


IMPLEMENTATIONS = {"for-loop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}


def supports(optim: Optim, impl: str) -> bool:
    """Whether the optimizer's constructor takes the implementation's flag in this torch."""
    return all(flag in inspect.signature(optim.cls).parameters for flag in IMPLEMENTATIONS[impl])


@dataclass
class Inputs:
    """Drawn optimizer inputs: for each parameter one tensor ``(steps + 1, *shape)`` whose first row is the
    parameter's initial value and whose other rows are its gradient at each step.  A parameter is the first
    row of a fresh copy: a view into a storage that also holds values it must never touch (one draw per
    parameter instead of two keeps examples cheap)."""

    joints: list

    @property
    def steps(self) -> int:
        return self.joints[0].shape[0] - 1

    @property
    def params(self) -> list:
        """The drawn parameters' initial values (views into the drawn tensors)."""
        return [joint[0] for joint in self.joints]

    def fresh_parameters(self) -> list:
        """New parameters with the drawn values and layout, each a view into a fresh copy of its storage."""
        return [nn.Parameter(rebuilt(joint, joint.device)[0]) for joint in self.joints]


def take_steps(optimizer, parameters: list, inputs: Inputs, steps: range) -> None:
    """``optimizer.step()`` for each step in ``steps``, gradients taken from fresh copies of the drawn ones."""
    joints = [rebuilt(joint, p.device) for p, joint in zip(parameters, inputs.joints)]
    for t in steps:
        for p, joint in zip(parameters, joints):
            p.grad = joint[1 + t]
        optimizer.step()


def run_optimizer(optim: Optim, hyper: dict, impl: str, inputs: Inputs, steps: range | None = None):
    """Fresh parameters (the drawn values and layout) and an optimizer over them that has taken ``steps``
    (default: all); returns (parameters, optimizer)."""
    parameters = inputs.fresh_parameters()
    optimizer = optim.cls(parameters, **hyper, **IMPLEMENTATIONS[impl])
    take_steps(optimizer, parameters, inputs, range(inputs.steps) if steps is None else steps)
    return parameters, optimizer


def reference_of(optim: Optim, hyper: dict, inputs: Inputs, dtype: torch.dtype):
    """The documented algorithm on the same values, with its error bound for arithmetic in ``dtype``."""
    joints = [as_float64(joint) for joint in inputs.joints]
    return reference_run(optim.step, hyper, [joint[0] for joint in joints],
                         [[joint[1 + t] for joint in joints] for t in range(inputs.steps)], Arithmetic.of(dtype))


# Float dtypes by how kernels compute in them: in the dtype itself, or (float16, bfloat16) mostly in float32
# intermediates rounded back, where implementations take different paths.
PRECISIONS = {"single-double": (torch.float32, torch.float64), "half": (torch.float16, torch.bfloat16)}


@dataclass(frozen=True)
class Implementation:
    """An implementation of an optimizer (``foreach`` or ``fused``) to compare with the for-loop, maybe in the
    dtypes of one of :data:`PRECISIONS`."""

    optim: Optim
    impl: str
    precision: str | None = None

    @property
    def name(self) -> str:
        return "/".join([self.optim.name, self.impl] + ([self.precision] if self.precision else []))

    def __repr__(self):
        return self.name

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.name)


def available(optim: Optim, impl: str, device, dtype: torch.dtype) -> str | None:
    """None if ``impl`` of ``optim`` runs on ``device`` in ``dtype`` in this torch, else why not.  Probed once on a
    one-element parameter: fused kernels exist for some devices, dtypes and torch releases only."""
    return _unavailable(optim.name, impl, str(device), dtype)


@functools.lru_cache(maxsize=None)
def _unavailable(name: str, impl: str, device: str, dtype: torch.dtype) -> str | None:
    optim = OPTIM[name]
    if not supports(optim, impl):
        return f"torch {torch.__version__} has no {impl} {optim.cls_name}"
    p = nn.Parameter(torch.ones(1, device=device, dtype=dtype))
    p.grad = torch.ones_like(p)
    try:
        optim.cls([p], lr=0.1, **IMPLEMENTATIONS[impl]).step()
    except (RuntimeError, NotImplementedError) as error:
        return f"{impl} {optim.cls_name} is unavailable for {dtype} on {device}: {str(error).splitlines()[0]}"
    return None


# Up to 96 elements: several SIMD vectors of every dtype plus a remainder (vectorized kernels treat the two apart).
PARAM_SHAPES = shapes(max_dims=3, max_side=12, max_numel=96)


@st.composite
def optimizer_inputs(draw, device, dtype, layouts, max_params: int = 2, min_steps: int = 1,
                     max_steps: int = 3) -> Inputs:
    """1 to ``max_params`` parameters and their gradients at each step, values in [-2, 2] with |x| >= 0.5.

    Keeping gradients off zero: with weight decay <= 0.1 and parameters that stay within about 3,
    ``g + lambda theta`` never cancels, so the adaptive denominators stay far from their rounding error even
    in bfloat16, and (1 - beta2) g^2 stays a normal float16 number.
    """
    steps = draw(st.integers(min_steps, max_steps), label="steps")
    count = draw(st.integers(1, max_params), label="parameters")
    return Inputs([draw(tensors(dtype, (steps + 1, *draw(PARAM_SHAPES, label=f"shape {i}")), device, layouts=layouts,
                                low=-2.0, high=2.0, min_abs=0.5), label=f"param {i}, then its grads")
                   for i in range(count)])


def as_float64(t: torch.Tensor) -> np.ndarray:
    """A tensor's values as a float64 numpy array (every float dtype widens exactly)."""
    return t.detach().cpu().double().numpy()


# A torch result may differ from the reference by the reference's own rounding (at most one bound: the bound is
# rigorous for the reference's evaluation) plus torch's: its kernels evaluate the same formula in another order
# (lerp, addcmul/addcdiv, sqrt(v) / sqrt(1 - beta2^t), fused multiply-adds, float32 intermediates for
# float16/bfloat16), and are allowed up to three bounds.  Two torch implementations: two bounds each.
# Measured (CPU, torch 2.13, 150-1500 examples per optimizer variant): float64 for-loop against the reference
# at most 1.91 bounds (both rounding the last update at their worst: 2 is that case's ceiling); any two
# implementations at most 1.6 (foreach equals the for-loop bitwise in float32/float64 on CPU).
SLACK = 4.0


def assert_within(actual: torch.Tensor, expected: Rounded, what: str, slack: float = SLACK,
                  against: str = "the reference") -> None:
    """Every element of ``actual`` lies within ``slack`` error bounds of the reference value (NaN only where
    the reference is NaN)."""
    got = as_float64(actual)
    assert got.shape == expected.value.shape, f"{what}: shape {got.shape}, expected {expected.value.shape}"
    diff = np.abs(got - expected.value)
    bad = ~((diff <= slack * expected.error) | (np.isnan(got) & np.isnan(expected.value)))
    if bad.any():
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.nanmax(np.where(bad, diff / expected.error, 0))
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {bad.size} elements differ from {against} by more than {slack} "
            f"rounding bounds (worst: {ratio:.3g} bounds); first at {at}: got {got[at]!r}, {against} "
            f"{expected.value[at]!r} (bound {expected.error[at]:.3g})")


def assert_agree(actual: torch.Tensor, baseline: torch.Tensor, bound: Rounded, what: str) -> None:
    """Two implementations' results agree within :data:`SLACK` bounds of the reference's rounding in their dtype."""
    assert (actual.dtype, actual.shape) == (baseline.dtype, baseline.shape), \
        f"{what}: {actual.dtype} {tuple(actual.shape)} against {baseline.dtype} {tuple(baseline.shape)}"
    assert_within(actual, Rounded(as_float64(baseline), bound.error, bound.arith), what, against="the for-loop")


def state_copy(optimizer, p) -> dict:
    """A copy of the optimizer's state for parameter ``p`` (tensors cloned)."""
    return {key: value.clone() if isinstance(value, torch.Tensor) else value
            for key, value in optimizer.state.get(p, {}).items()}


def assert_same_state(actual: dict, expected: dict, what: str) -> None:
    """Two per-parameter optimizer states hold the same entries, tensors bitwise (``step`` by value)."""
    assert sorted(actual) == sorted(expected), f"state keys of {what}: {sorted(actual)} != {sorted(expected)}"
    for key, value in expected.items():
        if key == "step":
            assert float(actual[key]) == float(value), f"step count of {what}"
        elif isinstance(value, torch.Tensor):
            assert_equal(actual[key], value, f"state {key!r} of {what}")
        else:
            assert actual[key] == value, f"state {key!r} of {what}"


def assert_implementations_agree(baseline, tested, reference, impl: str) -> None:
    """``tested`` (parameters, optimizer) agrees with the for-loop's ``baseline`` in every parameter and state
    entry the reference holds, within the reference's rounding bounds in their dtype."""
    (base_params, base_optimizer), (params, optimizer), (bounds, states) = baseline, tested, reference
    for i, (p, q, bound, state) in enumerate(zip(params, base_params, bounds, states)):
        assert_agree(p.detach(), q.detach(), bound, f"{impl}: parameter {i}")
        held, base_held = optimizer.state[p], base_optimizer.state[q]
        if "step" in base_held:
            assert float(held["step"]) == float(base_held["step"]), f"{impl}: step count of parameter {i}"
        for key in state:
            assert_agree(held[key], base_held[key], state[key], f"{impl}: state {key!r} of parameter {i}")


def saved_and_loaded(state: dict) -> dict:
    """``state`` through ``torch.save`` and ``torch.load`` (an in-memory checkpoint)."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer)


# ---------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Layer:
    """One layer of an MLP spec: ``kind`` is linear, batchnorm, tanh or relu; ``bias`` is BatchNorm's ``affine``."""

    kind: str
    width_in: int
    width_out: int
    bias: bool = True

    def build(self) -> nn.Module:
        if self.kind == "linear":
            return nn.Linear(self.width_in, self.width_out, bias=self.bias)
        if self.kind == "batchnorm":
            return nn.BatchNorm1d(self.width_in, affine=self.bias)
        return {"tanh": nn.Tanh, "relu": nn.ReLU}[self.kind]()

    def parameter_names(self) -> list[str]:
        """The layer's parameters in registration order (Linear and BatchNorm register weight, then bias)."""
        return ["weight", "bias"][:2 if self.bias else 1] if self.kind == "linear" else \
            ["weight", "bias"] if self.kind == "batchnorm" and self.bias else []

    def buffer_names(self) -> list[str]:
        """The layer's persistent buffers (BatchNorm's running statistics and batch count)."""
        return ["running_mean", "running_var", "num_batches_tracked"] if self.kind == "batchnorm" else []


@st.composite
def mlp_specs(draw, max_layers: int = 4, kinds=("linear", "batchnorm", "tanh", "relu")) -> list[Layer]:
    """Layers with matching widths, the first one linear."""
    width = draw(st.integers(1, 5), label="input width")
    layers = []
    for i in range(draw(st.integers(1, max_layers), label="layers")):
        kind = "linear" if i == 0 else draw(st.sampled_from(kinds), label="layer kind")
        out = draw(st.integers(1, 5), label="width") if kind == "linear" else width
        layers.append(Layer(kind, width, out, kind in ("tanh", "relu") or draw(st.booleans(), label="bias")))
        width = out
    return layers


def seeded(build: Callable[[], nn.Module], seed: int) -> nn.Module:
    """``build()`` with torch's CPU generator seeded (parameter initialisation), the global state kept."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def build_mlp(spec: list[Layer], device, dtype=torch.float64, seed: int = 0) -> nn.Sequential:
    return seeded(lambda: nn.Sequential(*(layer.build() for layer in spec)), seed).to(device=device, dtype=dtype)


def mlp_parameter_names(spec: list[Layer]) -> list[str]:
    """``named_parameters()`` of :func:`build_mlp` as documented: submodules in registration order
    (``nn.Sequential`` names them 0, 1, ...), each one's parameters in its own registration order."""
    return [f"{i}.{name}" for i, layer in enumerate(spec) for name in layer.parameter_names()]


def mlp_state_names(spec: list[Layer]) -> list[str]:
    """``state_dict()`` keys of :func:`build_mlp`: per submodule, its parameters and then its buffers."""
    return [f"{i}.{name}" for i, layer in enumerate(spec) for name in layer.parameter_names() + layer.buffer_names()]


class TwoHeads(nn.Module):
    """A trunk and two heads: ``forward(x, head)`` runs the trunk and one head, so the other head takes no part."""

    def __init__(self, trunk: nn.Module, heads: list[nn.Module]):
        super().__init__()
        self.trunk = trunk
        self.heads = nn.ModuleList(heads)

    def forward(self, x, head: int):
        return self.heads[head](self.trunk(x))


@st.composite
def two_heads(draw, device, dtype=torch.float64):
    """A :class:`TwoHeads` (trunk: linear and activation layers) and the width of its input."""
    spec = draw(mlp_specs(kinds=("linear", "tanh")), label="trunk")
    widths = [draw(st.integers(1, 4), label=f"head {i} width") for i in range(2)]
    biases = [draw(st.booleans(), label=f"head {i} bias") for i in range(2)]
    seed = draw(st.integers(0, 2**31 - 1), label="init seed")
    width = spec[-1].width_out
    model = seeded(lambda: TwoHeads(nn.Sequential(*(layer.build() for layer in spec)),
                                    [nn.Linear(width, w, bias=b) for w, b in zip(widths, biases)]), seed)
    return model.to(device=device, dtype=dtype), spec[0].width_in


@st.composite
def partly_frozen(draw, device, dtype):
    """(model, input width, head): a :func:`two_heads` model with drawn parameters frozen the seed's way
    (``param.requires_grad = False``) and the head its forward pass will use."""
    model, width = draw(two_heads(device, dtype), label="model")
    params = list(model.parameters())
    for p, frozen in zip(params, draw(st.lists(st.booleans(), min_size=len(params), max_size=len(params)),
                                      label="frozen")):
        p.requires_grad = not frozen
    return model, width, draw(st.integers(0, 1), label="head")


def participating(model: TwoHeads, head: int) -> set[int]:
    """ids of the parameters that take part in ``model(x, head)``."""
    return {id(p) for p in model.trunk.parameters()} | {id(p) for p in model.heads[head].parameters()}


def storage_outside(t: torch.Tensor) -> torch.Tensor:
    """The values of the storage cells of ``t`` that ``t`` itself does not reach, in storage order."""
    t = t.detach()
    flat = t.new_empty(0).set_(t.untyped_storage())
    reached = torch.arange(flat.numel()).as_strided(t.shape, t.stride(), t.storage_offset())
    mask = torch.ones(flat.numel(), dtype=torch.bool)
    mask[reached.reshape(-1)] = False
    return flat[mask.to(flat.device)]


def tied_pair(width: int, device, dtype) -> nn.Sequential:
    """Sequential(first, Tanh, second) of two Linear(width, width) with ``second.weight = first.weight``."""
    first, second = nn.Linear(width, width), nn.Linear(width, width)
    second.weight = first.weight
    return nn.Sequential(first, nn.Tanh(), second).to(device=device, dtype=dtype)


@st.composite
def batches(draw, device, dtype, width: int, min_rows: int = 2) -> torch.Tensor:
    """An input of ``min_rows``-4 rows of ``width`` values in [-2, 2] (BatchNorm in training needs two rows)."""
    rows = draw(st.integers(min_rows, 4), label="rows")
    return draw(tensors(dtype, (rows, width), device, low=-2.0, high=2.0), label="values")


@st.composite
def warmed_mlps(draw, device, dtype):
    """(spec, MLP) whose batch-norm statistics have moved off their defaults in one training-mode pass."""
    spec = draw(mlp_specs(), label="layers")
    model = build_mlp(spec, device, dtype, draw(st.integers(0, 2**31 - 1), label="init seed"))
    with torch.no_grad():
        model(draw(batches(device, dtype, spec[0].width_in), label="warm-up batch"))
    return spec, model


# Routes to zero_grad: route -> zero_grad(model, optimizer, **kwargs).
ZERO_GRAD = {
    "optimizer": lambda model, optimizer, **kwargs: optimizer.zero_grad(**kwargs),
    "module": lambda model, optimizer, **kwargs: model.zero_grad(**kwargs),
}


@st.composite
def backpropagated(draw, device):
    """(MLP, SGD over all its parameters) after one backward pass: every parameter holds a gradient."""
    spec = draw(mlp_specs(), label="layers")
    model = build_mlp(spec, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model(draw(batches(device, torch.float64, spec[0].width_in), label="x")).sum().backward()
    return model, optimizer


# Routes to a converted module: route -> (convert(module, device, dtype), moves to ``device``, fixed dtype).
CONVERSIONS = {
    "to(dtype)": (lambda m, device, dtype: m.to(dtype), False, None),
    "to(device, dtype)": (lambda m, device, dtype: m.to(device, dtype), True, None),
    "to(device=, dtype=)": (lambda m, device, dtype: m.to(device=device, dtype=dtype), True, None),
    "to(tensor)": (lambda m, device, dtype: m.to(torch.empty(0, device=device, dtype=dtype)), True, None),
    "type(dtype)": (lambda m, device, dtype: m.type(dtype), False, None),
    "double()": (lambda m, device, dtype: m.double(), False, torch.float64),
    "float()": (lambda m, device, dtype: m.float(), False, torch.float32),
    "half()": (lambda m, device, dtype: m.half(), False, torch.float16),
    "bfloat16()": (lambda m, device, dtype: m.bfloat16(), False, torch.bfloat16),
}

# Mode calls: call -> (apply(module), the mode it sets).
MODE_CALLS = {
    "train()": (lambda m: m.train(), True),
    "train(True)": (lambda m: m.train(True), True),
    "train(False)": (lambda m: m.train(False), False),
    "eval()": (lambda m: m.eval(), False),
}

# Routes to dropout: route -> dropout(x, p, training), the module's mode set through a parent module.
DROPOUT = {
    "module": lambda x, p, training: (nn.Sequential(nn.Dropout(p)).train(True) if training
                                      else nn.Sequential(nn.Dropout(p)).train().eval())(x),
    "functional": lambda x, p, training: nn.functional.dropout(x, p, training=training),
}


@st.composite
def dropout_inputs(draw, device):
    """(x, p): p in [0.2, 0.8] and at least 256 nonzero elements, so that all kept, or all dropped, has
    probability below 1e-24."""
    dtype = draw(dtypes(device, ("float",)), label="dtype")
    shape = (draw(st.integers(16, 24), label="rows"), draw(st.integers(16, 24), label="columns"))
    x = draw(tensors(dtype, shape, device, low=-2.0, high=2.0, min_abs=0.5), label="x")
    return x, draw(st.floats(0.2, 0.8), label="p")


# ---------------------------------------------------------------------------
# Batch normalization (https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm1d.html)
# ---------------------------------------------------------------------------

def batch_norm_reference(x: np.ndarray, weight, bias, running_mean, running_var, batches_tracked: int, *,
                         training: bool, momentum, eps: float, arith: Arithmetic):
    """(output, new running mean, new running var) of BatchNorm1d on ``x`` of shape (N, C) or (N, C, L).

    Training: normalize with the batch mean and biased variance; the running estimates move by
    ``(1 - momentum) * running + momentum * batch`` with the unbiased variance (``momentum=None``: the
    cumulative average, factor 1 / batches seen).  Evaluation: normalize with the running estimates.
    """
    axes = (0, 2) if x.ndim == 3 else (0,)
    shape = (1, -1, 1) if x.ndim == 3 else (1, -1)
    xs = Rounded.exact(x, arith)
    mean_r, var_r = (Rounded.exact(v, arith) for v in (running_mean, running_var))
    if training:
        n = int(np.prod([x.shape[a] for a in axes]))
        mean = xs.sum(axes) / n
        centered = xs - Rounded(mean.value.reshape(shape), mean.error.reshape(shape), arith)
        var = centered.square().sum(axes) / n
        factor = 1 / (batches_tracked + 1) if momentum is None else momentum
        mean_r = (1 - factor) * mean_r + factor * mean
        var_r = (1 - factor) * var_r + factor * (var * (n / (n - 1)))
    else:
        mean, var = mean_r, var_r
        centered = xs - Rounded(mean.value.reshape(shape), mean.error.reshape(shape), arith)
    scale = (var + eps).sqrt()
    y = centered / Rounded(scale.value.reshape(shape), scale.error.reshape(shape), arith)
    if weight is not None:
        y = y * Rounded.exact(weight.reshape(shape), arith) + Rounded.exact(bias.reshape(shape), arith)
    return y, mean_r, var_r


@st.composite
def batch_norms(draw, device, dtype, training: bool):
    """(parent, layer, x): a BatchNorm1d with drawn momentum (or None: cumulative average), eps, affine
    parameters and running statistics, inside a Sequential switched into the mode (from the other one), and an
    input of distinct values (a variance far from 0)."""
    channels = draw(st.integers(1, 4), label="channels")
    momentum = draw(st.one_of(st.none(), st.floats(0.05, 0.9)), label="momentum")
    layer = nn.BatchNorm1d(channels, eps=draw(st.floats(1e-5, 0.1), label="eps"), momentum=momentum,
                           affine=draw(st.booleans(), label="affine"), device=device, dtype=dtype)
    values = {"running_mean": (-1.0, 1.0), "running_var": (0.5, 2.0), "weight": (-2.0, 2.0), "bias": (-2.0, 2.0)}
    with torch.no_grad():
        for name, (low, high) in values.items():
            if getattr(layer, name) is not None:
                getattr(layer, name).copy_(draw(tensors(dtype, (channels,), device, layouts=("contiguous",),
                                                        low=low, high=high), label=name))
        layer.num_batches_tracked.fill_(draw(st.integers(0, 3), label="num_batches_tracked"))
    length = draw(st.sampled_from([None, 1, 2, 3]), label="length")
    rows = draw(st.integers(1, 5), label="rows")
    if training and rows * (length or 1) < 2:  # training needs two values per channel
        rows = 2
    shape = (rows, channels) if length is None else (rows, channels, length)
    x = draw(tensors(dtype, shape, device, low=-2.0, high=2.0, unique=True), label="x")
    parent = nn.Sequential(layer)
    parent.train(not training)
    parent.train(training)
    return parent, layer, x


def batch_norm_expected(layer: nn.BatchNorm1d, x: torch.Tensor, training: bool):
    """:func:`batch_norm_reference` for ``layer``'s current state on ``x``."""
    arrays = [None if t is None else as_float64(t) for t in
              (layer.weight, layer.bias, layer.running_mean, layer.running_var)]
    return batch_norm_reference(as_float64(x), *arrays, int(layer.num_batches_tracked), training=training,
                                momentum=layer.momentum, eps=layer.eps, arith=Arithmetic.of(x.dtype))
