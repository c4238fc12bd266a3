"""Helpers of the registry's tests: drawing an op's arguments, running its routes, comparing results.

:func:`draw_case` turns a registry entry into a :class:`Case`: its tensor arguments drawn by
``strategies.tensors()`` (any layout, values from the entry's domain), its keyword arguments, and
fresh copies of all of them on any device.  :func:`outcome` runs one route and says what happened;
:func:`unsupported` turns a device's NotImplementedError into a skip that says "unsupported".
"""

from __future__ import annotations

import functools
import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import pytest
import torch
from hypothesis import strategies as st

from conformance import budgets, devices, references
from conformance.accuracy import FORMATS, Accuracy
from conformance.differential import flat
from conformance.ops import Arg, Domain, NotApplicable, OpInfo, Sizes
from conformance.oracles import to_numpy
from strategies import INTERLEAVED, LAYOUTS, WRITABLE_LAYOUTS, applicable_layouts, kind_of, rebuilt, recipe_of, tensors
from strategies.tensors import RECIPE_ATTR

LOW_PRECISION = (torch.float16, torch.bfloat16)
STRIDED = tuple(name for name in LAYOUTS if name != "contiguous")


# The layouts that reorder a tensor's strides: a kernel's result follows its inputs' stride order (TensorIterator),
# so these are the inputs whose result strides a wrong stride rule changes.
REORDERED = ("permute", "transpose", "channels_last", "as_strided")


def strided(shape, reordered: bool = False) -> tuple:
    """Every layout but the contiguous one, for a tensor that has any (a 0-d tensor has none); ``reordered``:
    those of :data:`REORDERED` that a tensor of ``shape`` can have, where it can have one."""
    if reordered and (names := applicable_layouts(REORDERED, shape)):
        return names
    return STRIDED if len(shape) else ("contiguous",)


# ---------------------------------------------------------------------------
# Drawing a case
# ---------------------------------------------------------------------------

def mapped(x: torch.Tensor, fn: Callable) -> torch.Tensor:
    """``x`` with ``fn`` applied to its recipe's storage: same layout, new values, a matching recipe."""
    recipe = replace(recipe_of(x), storage=fn(recipe_of(x).storage))
    t = recipe.build()
    setattr(t, RECIPE_ATTR, recipe)
    return t


def values(domain: Domain, dtype: torch.dtype) -> dict:
    """``strategies.tensors()`` keyword arguments for values of ``dtype`` in ``domain``."""
    low, high = domain.bounds(dtype)
    return dict(low=low, high=high, min_abs=domain.min_abs if dtype != torch.bool else 0.0,
                unique=domain.unique and dtype != torch.bool)


def draw_tensor(data, dtype, shape, device, domain: Domain, layouts, label: str,
                writable: bool = False, generic: bool = False) -> torch.Tensor:
    """One tensor argument: ``domain``'s values (on its grid; random ones only where ``generic``), a layout
    from ``layouts`` ("strided": any but the contiguous one; "reordered": one that reorders the strides, where
    the shape has one); none that repeats an element when it is ``writable`` or its values must be distinct."""
    depth, wants_strided = 2, layouts in ("strided", "reordered")
    if wants_strided:
        layouts = strided(shape, reordered=layouts == "reordered")
        # one layout, not two composed: without the contiguous one, a composition whose outer layout
        # leaves a 0-d base (an unsqueeze of (1,), an expand then an unsqueeze) has no inner layout
        depth = 1
    if domain.unique or writable:
        layouts = tuple(name for name in layouts if name in WRITABLE_LAYOUTS) or ("contiguous",)
    x = data.draw(tensors(dtype, tuple(shape), device, layouts=layouts, max_depth=depth, generic=generic,
                          **values(domain, dtype)), label=label)
    if wants_strided and x.numel() >= 2 and x.is_contiguous():
        # a strided layout that came out contiguous (a slice of step 1, a narrow over the whole dim) tests
        # nothing a contiguous input does not: take every other cell of a storage twice as long instead
        x = data.draw(tensors(dtype, tuple(shape), device, layouts=(INTERLEAVED,), max_depth=1, generic=generic,
                              **values(domain, dtype)), label=f"{label} (interleaved)")
    if domain.grid and (dtype.is_floating_point or dtype.is_complex):
        x = mapped(x, lambda s: _on_grid(s, domain.grid))
    return x


def _on_grid(s: torch.Tensor, grid: float) -> torch.Tensor:
    """``s`` rounded to multiples of ``grid``: each part of a complex value (round takes no complex), and
    +0.0 where a small negative value rounds to -0.0 (``+ 0.0``), so a grid's zeros are the zeros a
    reference expects."""
    if s.is_complex():
        return torch.complex(_on_grid(s.real, grid), _on_grid(s.imag, grid))
    return (s / grid).round() * grid + 0.0


@dataclass
class Case:
    """An op's drawn arguments: tensors (``inputs``, in the op's order) and keyword arguments.

    ``diff``: the positions of the inputs drawn in the op's own dtype (the differentiable ones when
    it is floating); ``joint``: the op's inputs were drawn as one tensor of distinct values, split
    along dim 0 (``OpInfo.distinct``).
    """

    op: OpInfo
    inputs: list
    kwargs: dict
    diff: tuple
    joint: bool = False

    def arguments(self, device=None) -> tuple[list, dict]:
        """Fresh copies of the inputs and keyword arguments (same values and layouts), on ``device``
        (default: where they were drawn); writing into them never reaches the drawn originals."""
        inputs = [rebuilt(x, _device_of(x) if device is None else device) for x in self.inputs]
        kwargs = {k: rebuilt(v, _device_of(v) if device is None else device) for k, v in self.kwargs.items()}
        if self.joint:
            inputs = list(inputs[0].unbind(0))
        return inputs, kwargs

    def run(self, route: Callable | None = None, device=None):
        """``route`` (default: the function route) on fresh copies of the arguments."""
        inputs, kwargs = self.arguments(device)
        return (route or self.op.fn)(*inputs, **kwargs)

    def leaves(self, device=None) -> list[torch.Tensor]:
        """The differentiable inputs as fresh leaves that require grad (layouts kept)."""
        inputs, _ = self.arguments(device)
        return [inputs[i].detach().requires_grad_() for i in self.diff]

    def function(self, device=None) -> Callable:
        """The op as a function of its differentiable inputs only (the others and the keyword
        arguments fixed, on ``device``)."""
        inputs, kwargs = self.arguments(device)
        positions = self.diff

        def fn(*xs):
            args = list(inputs)
            for i, x in zip(positions, xs):
                args[i] = x
            return self.op.fn(*args, **kwargs)
        return fn

    @property
    def fn(self) -> Callable:
        """:meth:`function` on the device the case was drawn on."""
        return self.function()

    def formula_inputs(self, leaves) -> list:
        """Every input as an analytic formula takes it: the differentiable ones from ``leaves`` in float64
        on the cpu, the others (indices, conditions) as drawn, on the cpu."""
        inputs, _ = self.arguments("cpu")
        for i, leaf in zip(self.diff, leaves):
            inputs[i] = leaf.detach().cpu().double()
        return inputs

    @property
    def dtypes(self) -> str:
        """The dtypes of the inputs (``torch.float32``, ...) and the Python types of scalar operands, for
        failure messages: a known divergence narrowed to some dtypes matches them."""
        return ", ".join(str(x.dtype) if isinstance(x, torch.Tensor) else type(x).__name__ for x in self.inputs)

    def reference_arguments(self) -> tuple[list, dict]:
        """The arguments as numpy sees them: float64 (complex128), int64 or bool arrays."""
        inputs, kwargs = self.arguments()
        return [wide_numpy(x) for x in inputs], {k: _numpy_value(v) for k, v in kwargs.items()}


def _device_of(value):
    tensors_in = [v for v in (value if isinstance(value, (tuple, list)) else (value,)) if isinstance(v, torch.Tensor)]
    return tensors_in[0].device if tensors_in else "cpu"


def wide_numpy(x: torch.Tensor) -> np.ndarray:
    """The values of ``x`` for a numpy reference: float64 (complex128), int64 or bool."""
    wide = {"float": np.float64, "complex": np.complex128, "int": np.int64, "uint": np.int64, "bool": np.bool_}
    return to_numpy(x).astype(wide[kind_of(x.dtype)])


def _numpy_value(value):
    """An index or keyword argument for numpy: index tensors as int64/bool arrays, the rest as is."""
    if isinstance(value, tuple):
        return tuple(_numpy_value(v) for v in value)
    if isinstance(value, torch.Tensor):
        return wide_numpy(value)
    return value


def _draw_args(data, value, device, layouts, label, generic=False):
    """``value`` with each :class:`Arg` inside it (tuples, lists) replaced by a drawn tensor."""
    if isinstance(value, Arg):
        return draw_tensor(data, value.dtype, value.shape, device, value.domain, layouts, label, generic=generic)
    if isinstance(value, (tuple, list)):
        return type(value)(_draw_args(data, v, device, layouts, f"{label}[{i}]", generic)
                           for i, v in enumerate(value))
    return value


def draw_case(data, op: OpInfo, device, dtype=None, sizes: Sizes | None = None, layouts=LAYOUTS,
              dtypes=None, generic: bool = False) -> Case:
    """Draw ``op``'s arguments on ``device``: inputs of ``dtype`` (or per input, ``dtypes``), shapes and
    keyword arguments from ``op.args(sizes)``, values from the op's domains (``generic``: random ones only,
    a point off the op's kinks and ties, for derivative checks), layouts from ``layouts`` ("strided": every
    layout but the contiguous one, wherever a tensor has one; "reordered": see :func:`draw_tensor`)."""
    sizes = sizes or Sizes()
    joint_budget = replace(sizes, max_numel=max(1, sizes.max_numel // 2)) if op.distinct else sizes
    inputs, kwargs = data.draw(op.args(joint_budget), label="arguments")
    device = devices.target(device).device
    own = [i for i, spec in enumerate(inputs) if not isinstance(spec, Arg)]
    dtype_of = {i: (dtypes[n] if dtypes is not None else dtype) for n, i in enumerate(own)}
    if op.distinct:
        joint = (len(inputs),) + tuple(inputs[0])
        drawn = [draw_tensor(data, dtype, joint, device, op.domain(0), layouts, "inputs (stacked)",
                             generic=generic)]
    else:
        drawn = []
        for i, spec in enumerate(inputs):
            label = f"input {i}"
            if isinstance(spec, Arg):
                drawn.append(draw_tensor(data, spec.dtype, spec.shape, device, spec.domain, layouts, label,
                                         generic=generic))
            else:
                drawn.append(draw_tensor(data, dtype_of[i], spec, device, op.domain(i), layouts, label,
                                         writable=i == 0 and op.mutates, generic=generic))
    kwargs = {k: _draw_args(data, v, device, layouts, k, generic) for k, v in kwargs.items()}
    return Case(op, drawn, kwargs, tuple(own), op.distinct)


# ---------------------------------------------------------------------------
# Running routes
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What one call did: its result, or the type and message of the exception it raised."""

    result: object = None
    error: type | None = None
    message: str = ""
    warnings: tuple = field(default=(), compare=False)

    @property
    def raised(self) -> bool:
        return self.error is not None


def outcome(fn: Callable, *args, **kwargs) -> Outcome | None:
    """Call ``fn``: its :class:`Outcome`, or None when the route does not take these arguments."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(*args, **kwargs)
        except NotApplicable:
            return None
        except Exception as error:  # noqa: BLE001 -- the exception is the observation
            return Outcome(error=type(error), message=str(error), warnings=tuple(caught))
    return Outcome(result=result, warnings=tuple(caught))


def unsupported_reason(op: OpInfo, device, error: Outcome) -> str:
    return f"unsupported: {op.name} on {devices.target(device).name}: {error.message.splitlines()[0][:200]}"


@contextmanager
def naming(op: OpInfo):
    """For a test that draws its op: a failure's message starts with the op's name, so that its report line
    and a known divergence's ``match`` tell which op failed."""
    try:
        yield
    except Exception as failure:  # noqa: BLE001 -- re-raised as it is, its message prefixed
        if failure.args and isinstance(failure.args[0], str):
            failure.args = (f"{op.name}: {failure.args[0]}",) + failure.args[1:]
        raise


@contextmanager
def unsupported(op: OpInfo, device):
    """An op the device does not implement (NotImplementedError) is reported as a skip whose reason
    starts with "unsupported:", not as a failure."""
    try:
        yield
    except NotImplementedError as error:
        pytest.skip(unsupported_reason(op, device, Outcome(error=NotImplementedError, message=str(error))))


def skip_if_unsupported(op: OpInfo, device, result: Outcome) -> None:
    if result is not None and result.error is NotImplementedError:
        pytest.skip(unsupported_reason(op, device, result))


def structure(value) -> list:
    """(shape, dtype, strides of dims that address memory) of each tensor of a result.

    Strides of size-1 dims, and all strides of a tensor without elements, address nothing.
    """
    out = []
    for t in flat(value):
        shape, strides = tuple(t.shape), tuple(t.stride())
        addressed = () if math.prod(shape) == 0 else tuple((d, strides[d]) for d in range(len(shape)) if shape[d] != 1)
        out.append((shape, t.dtype, addressed))
    return out


def result_dtype(value) -> torch.dtype:
    return flat(value)[0].dtype


# ---------------------------------------------------------------------------
# Operand kinds: the second operand of a binary op as a tensor, a 0-d tensor or a Python scalar
# ---------------------------------------------------------------------------

OPERANDS = ("tensor", "0-d", "bool", "int", "float", "complex")
_SCALAR_KIND = {"bool": "bool", "int": "int", "float": "float", "complex": "complex"}


def operand_kinds(op: OpInfo) -> tuple[str, ...]:
    """The kinds of second operand an op is checked with: tensors always; Python scalars of each kind
    when ``op.scalars``; none for an op without a second tensor operand."""
    return OPERANDS if op.scalars else ()


def _integers_off_zero(low: int, high: int, gap: int):
    """Integers in ``low..high`` whose magnitude is at least ``gap``, drawn as such (no filter)."""
    ranges = [(low, high)] if gap <= 0 else [(low, min(high, -gap)), (max(low, gap), high)]
    return st.one_of([st.integers(a, b) for a, b in ranges if a <= b])


def scalar(data, op: OpInfo, kind: str, label: str = "scalar"):
    """A Python scalar of ``kind`` in the op's domain for its second operand (halves: exact in every dtype),
    off ``min_abs`` by construction."""
    domain = op.domain(1)
    low, high = domain.bounds(torch.float64)
    halves = _integers_off_zero(math.ceil(2 * low), math.floor(2 * high), math.ceil(2 * domain.min_abs)).map(
        lambda k: k / 2)
    if kind == "bool":
        strategy = st.just(True) if domain.min_abs > 0 else st.booleans()  # False is 0: below any min_abs
    elif kind == "int":
        strategy = _integers_off_zero(math.ceil(low), math.floor(high), math.ceil(domain.min_abs))
    elif kind == "float":
        strategy = halves
    else:
        strategy = st.tuples(halves, halves).map(lambda pair: complex(*pair))
    return data.draw(strategy, label=label)


def with_operand(data, case: Case, kind: str) -> Case:
    """``case`` with its second input replaced by an operand of ``kind``."""
    if kind == "tensor":
        return case
    inputs = list(case.inputs)
    if kind == "0-d":
        x = inputs[1]
        inputs[1] = draw_tensor(data, x.dtype, (), x.device, case.op.domain(1), LAYOUTS, "0-d operand")
        return replace(case, inputs=inputs)
    inputs[1] = scalar(data, case.op, kind)
    return replace(case, inputs=inputs, diff=tuple(i for i in case.diff if i != 1))


def draw_of_kind(data, op: OpInfo, device, kind: str, operand: str = "tensor", sizes: Sizes | None = None,
                 layouts=LAYOUTS) -> Case:
    """A case whose first input has a dtype of ``kind``; for an op with scalar operands, its second
    operand is of ``operand`` kind (a tensor of any dtype the op takes, a 0-d tensor, a Python scalar),
    otherwise every input has the first one's dtype."""
    target = devices.target(device)
    choices = op.dtypes(target.device, (kind,))
    if not choices:
        pytest.skip(f"{target.name} has no {kind} dtype that {op.name} takes")
    dtype = data.draw(st.sampled_from(choices), label="dtype")
    dtypes = None
    if op.scalars:
        other = data.draw(st.sampled_from(op.dtypes(target.device)), label="operand dtype")
        dtypes = [dtype, other]
    case = draw_case(data, op, target.device, dtype, sizes, layouts, dtypes)
    return with_operand(data, case, operand)


# ---------------------------------------------------------------------------
# What a rounded result is judged by
# ---------------------------------------------------------------------------

SAME_VALUE = {"mv": "matmul"}  # mv(A, x) is matmul(A, x) for a 1-D x: the same exact value and budget
OF_PARTS = {"abs": "hypot"}  # of a complex input: |a + bi| = hypot(a, b)


def accuracy_of(op: OpInfo, case: Case, result: torch.Tensor, device) -> Accuracy | None:
    """What a float ``result`` of ``op`` on ``case``'s arguments is judged by where a kernel may round
    another way (another layout, an ``out=`` of other strides): its exact value (numpy float64 /
    mpmath) and per-element ULP budget (``ulp_budgets.json``: an elementwise op's published accuracy,
    ``(n - 1) u`` per summed or multiplied term).  None where the suite holds no budget: complex
    results, ops without an entry."""
    if result.dtype not in FORMATS:
        return None
    name = SAME_VALUE.get(op.name, op.name)
    arrays, kwargs = case.reference_arguments()
    if name in OF_PARTS and np.iscomplexobj(arrays[0]):
        name, arrays = OF_PARTS[name], [arrays[0].real, arrays[0].imag]
    try:
        budgets.budget(name, result.dtype, device)
    except KeyError:
        return None
    if name in references.TABLE:
        reference = references.forward(name, result.dtype, *arrays, **kwargs)
    elif op.area == "elementwise" and op.reference is not None:
        reference = references.elementwise(name, result.dtype, functools.partial(op.reference, **kwargs),
                                           *arrays, **kwargs)
    else:
        return None
    return budgets.accuracy(name, result.dtype, device, reference)


# ---------------------------------------------------------------------------
# Which invariants apply to an op (the coverage page's "not applicable" cells)
# ---------------------------------------------------------------------------

def reassociates(op: OpInfo) -> bool:
    """Whether the op adds many rounded terms (a reduction, a product, a convolution) in an order it may
    choose (the entry's ``reassociates``), so strided inputs may round otherwise than contiguous ones."""
    return op.reassociates and not op.exact


def _binary(op: OpInfo) -> bool:
    return op.scalars


APPLIES: dict[str, Callable[[OpInfo], bool]] = {
    "routes-agree": lambda op: len(op.routes()) > 1 or op.reflected is not None,
    "inplace": lambda op: bool(op.inplace_routes()),
    "inplace-overlap-raises": lambda op: bool(op.inplace_routes()),
    "inplace-broadcast-raises": lambda op: bool(op.inplace_routes()) and _binary(op),
    "out-empty-resized": lambda op: bool(op.out),
    "out-keeps-layout": lambda op: bool(op.out),
    "out-resize-warns": lambda op: bool(op.out),
    "out-dtype-raises": lambda op: bool(op.out),
    "layout-independent": lambda op: True,
    "meta-agrees": lambda op: op.meta,
    "vmap-matches-loop": lambda op: op.vmap,
    "zero-size": lambda op: op.zero_size and op.reference is not None,
    "zero-dim": lambda op: op.zero_dim and op.reference is not None,
    "device-matches-reference": lambda op: True,
}


def applicable(invariant: str, registry) -> list[OpInfo]:
    """The ops ``invariant`` (an id of the ``ops`` family) applies to, in registry order."""
    return [op for op in registry if APPLIES[invariant](op)]


def applicability(registry) -> dict[str, dict]:
    """For each op: its area, dtype kinds and the ``ops.*`` invariants that apply to it -- a coverage
    page shows the other cells of its row as "not applicable"."""
    return {op.name: {"area": op.area, "kinds": list(op.kinds), "doc": op.doc,
                      "invariants": [f"ops.{name}" for name, applies in APPLIES.items() if applies(op)]}
            for op in registry}


# ---------------------------------------------------------------------------
# Settings: few examples per op in ci, many in nightly
# ---------------------------------------------------------------------------

PER_OP_FRACTION = 0.25  # of the profile's examples: 10 of ci's 40 ...
PER_OP_RANGE = (4, 50)  # ... and at most 50 of nightly's 400: ~3,600 parametrizations share the night


def per_op_examples(profile) -> int:
    """The examples a test run once per op and dtype kind (and operand kind) gets under ``profile``."""
    low, high = PER_OP_RANGE
    return min(high, max(low, round(profile.max_examples * PER_OP_FRACTION)))


def per_op():
    """Hypothesis settings of a test run once per op: :func:`per_op_examples` of the loaded profile."""
    from hypothesis import settings
    return settings(max_examples=per_op_examples(settings.default))


def float64_or_skip(device) -> torch.dtype:
    """float64, which gradcheck and exact oracles need; a device without it skips the check."""
    from strategies import supported
    if torch.float64 not in supported(devices.target(device).device, ("float",)):
        pytest.skip(f"{devices.target(device).name} has no float64")
    return torch.float64


__all__ = ["Case", "OPERANDS", "Outcome", "draw_case", "draw_tensor", "mapped", "operand_kinds", "outcome", "per_op",
           "scalar", "structure", "unsupported", "values", "with_operand"]
