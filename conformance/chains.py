"""Op chains: typed programs of tensor ops that Hypothesis draws, their interpreters, repro scripts.

A :class:`Program` is a start tensor, extra operand tensors, and a sequence of :class:`Op`.  Each op
is drawn for the *state* the layout model predicts before it (shape, dtype, strides), so every
program is valid: reductions get dims that exist, in-place ops get dtypes they can hold and tensors
without internal overlap, binary ops get operands that broadcast into the current shape.  An op is
two expressions over the current tensor ``x`` (and an extra operand ``x1``, ...): one for torch and
one for numpy, so the interpreters and the standalone repro scripts run the very same code.

Only ``view`` may be drawn where it fails (programs built with ``may_fail=True``): the model then
predicts the RuntimeError, and the program ends there.
"""

from __future__ import annotations

import functools
import inspect
import math
import textwrap
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import torch
from hypothesis import strategies as st
from torch.autograd.gradcheck import GradcheckError

from conformance import accuracy, devices, differential, error_bounds, layout_model as model, oracles, ops, promotion
from conformance.oracles import to_numpy
from strategies import LAYOUTS, recipe_of, reshapes, shapes, supported, tensors
from strategies.tensors import Step

MAX_OPS = 8
MAX_NUMEL = 256
CHAIN_DTYPES = (torch.float64, torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool)
INTEGRAL = (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)
FLOAT_SCALARS = (0.5, -1.5, 2.0, -0.25)
NP_DTYPE = {torch.float64: "float64", torch.float32: "float32", torch.int64: "int64", torch.int32: "int32",
            torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool"}


@dataclass(frozen=True)
class State:
    """What the layout model knows about the current tensor."""

    shape: tuple
    dtype: torch.dtype
    strides: tuple
    saved: bool = False  # (a view of) an output autograd saved for backward: no in-place op on it

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def overlapping(self) -> bool:
        """Some element is reachable twice (an expanded dim): in-place ops must refuse it."""
        return any(st_ == 0 and size > 1 for size, st_ in zip(self.shape, self.strides))

    @property
    def floating(self) -> bool:
        return self.dtype.is_floating_point


@dataclass(frozen=True)
class Op:
    """One statement: ``x = <torch>`` / ``x = cast(<numpy>, dtype)``; ``after`` is None if it raises."""

    kind: str
    torch: str
    numpy: str
    after: State | None
    inplace: bool = False


@dataclass
class Program:
    inputs: list  # drawn tensors (with recipes): x0 starts the chain, x1... are extra operands
    ops: list = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [f"x{i}" for i in range(len(self.inputs))]

    @property
    def raises(self) -> bool:
        return bool(self.ops) and self.ops[-1].after is None

    @property
    def mutates(self) -> bool:
        return any(op.inplace for op in self.ops)

    @property
    def result(self) -> State | None:
        return self.ops[-1].after if self.ops else start_state(self.inputs[0])

    def torch_source(self, traced: bool = False, grad: bool = False) -> str:
        """``def program(x0, ...)``: the torch statements; ``trace(x)`` after each one if ``traced``.

        With ``grad`` and in-place ops, the start tensor is first copied (same strides): autograd
        refuses in-place ops on a leaf that requires grad and on its views.
        """
        args = ", ".join(self.names) + (", trace" if traced else "")
        lines = [f"def program({args}):"]
        if grad and self.mutates:
            lines.append("    x = x0.new_empty_strided(x0.size(), x0.stride()).copy_(x0)")
        else:
            lines.append("    x = x0")
        for op in self.ops:
            lines.append(f"    x = {op.torch}")
            if traced:
                lines.append("    trace(x)")
        lines.append("    return x")
        return "\n".join(lines)

    def numpy_source(self) -> str:
        lines = [f"def reference({', '.join(self.names)}):", "    x = x0"]
        lines += [f"    x = cast({op.numpy}, {NP_DTYPE[op.after.dtype]!r})" for op in self.ops if op.after is not None]
        lines.append("    return x")
        return "\n".join(lines)

    def torch_function(self, traced: bool = False, grad: bool = False) -> Callable:
        return _compiled(self.torch_source(traced, grad), "program", {"torch": torch})

    def numpy_function(self, cast_to: Callable = None) -> Callable:
        return _compiled(self.numpy_source(), "reference", {"np": np, "cast": cast_to or cast})

    def judge(self) -> Callable:
        """``(dtype, device) -> Accuracy`` of a float result: numpy's value, within twice the chain's
        running error bound (:mod:`conformance.error_bounds`)."""
        return error_bounds.chain_judge(self.numpy_function(error_bounds.bounded_cast),
                                        [to_numpy(x) for x in self.inputs])

    def expected(self):
        """numpy's result (float64, integers exactly) on the drawn inputs."""
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the mean of an empty slice is nan, as in torch
            return self.numpy_function()(*[to_numpy(x) for x in self.inputs])

    def _repr_pretty_(self, printer, cycle) -> None:
        """Falsifying examples show the program as code, and its inputs as recipes."""
        printer.text("\n" + self.torch_source() + "\n" + "".join(
            f"# {name} = {recipe_of(x).code()}\n" for name, x in zip(self.names, self.inputs)))


def cast(a, dtype: str) -> np.ndarray:
    """A numpy result in torch's result dtype (``dtype`` from the promotion table)."""
    return np.asarray(a).astype(dtype, copy=False)


def _compiled(source: str, name: str, namespace: dict) -> Callable:
    namespace = dict(namespace)
    exec(compile(source, f"<chain {name}>", "exec"), namespace)  # noqa: S102 -- our own generated code
    return namespace[name]


def start_state(x: torch.Tensor) -> State:
    return State(tuple(x.shape), x.dtype, tuple(x.stride()))


# ---------------------------------------------------------------------------
# The op catalogue: each entry applies to some states and draws its arguments for them
# ---------------------------------------------------------------------------

@dataclass
class Context:
    """What drawing an op may use: extra operands it adds, and the program's restrictions."""

    draw: Callable
    program: Program
    device: object  # where the drawn tensors are built (the reference device)
    held: object  # the device whose dtypes the program may use (the device under test)
    grad: bool  # differentiable ops only, float64 operands that require grad
    may_fail: bool  # ``view`` may be drawn where the model predicts it raises

    def operand(self, state: State, inplace: bool = False) -> tuple[str, torch.Tensor]:
        """A new extra input whose shape broadcasts into ``state.shape`` (and, for an in-place op,
        whose promotion with the current tensor can be cast back to its dtype)."""
        kept = self.draw(st.integers(0, state.ndim), label="operand dims")
        shape = tuple(self.draw(st.sampled_from([1, size] if size or not self.grad else [1]), label="operand side")
                      for size in state.shape[state.ndim - kept:])  # gradcheck: no empty (stride-0) inputs
        if self.grad:
            dtype = torch.float64
        else:
            choices = [d for d in _chain_dtypes(self.held)
                       if not inplace or promotion.can_cast(_promoted(state, torch.empty(shape, dtype=d, device="meta")),
                                                            state.dtype)]
            dtype = self.draw(st.sampled_from(choices), label="operand dtype")
        x = self.draw(tensors(dtype=dtype, shape=shape, device=self.device, requires_grad=self.grad,
                              layouts=GRAD_LAYOUTS if self.grad else LAYOUTS, generic=self.grad,
                              low=-2.0 if self.grad else None, high=2.0 if self.grad else None),
                      label=f"x{len(self.program.inputs)}")
        self.program.inputs.append(x)
        return f"x{len(self.program.inputs) - 1}", x


GRAD_LAYOUTS = tuple(name for name in LAYOUTS if name != "expand")  # gradcheck needs no stride 0


def _chain_dtypes(device) -> list[torch.dtype]:
    """CHAIN_DTYPES the device holds (float32 stands in for float64 where that is missing)."""
    held = supported(device)
    dtypes = [d for d in CHAIN_DTYPES if d in held]
    return dtypes if torch.float64 in held else [torch.float32, *dtypes]


@dataclass(frozen=True)
class Kind:
    name: str
    applies: Callable[[State, Context], bool]
    build: Callable[[State, Context], Op]
    differentiable: bool = False


def _dims(ctx: Context, ndim: int, label: str) -> tuple[int, int]:
    return tuple(ctx.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=2, max_size=2), label=label))


def _transpose(s: State, ctx: Context) -> Op:
    i, j = _dims(ctx, s.ndim, "transposed dims")
    perm = list(range(s.ndim))
    perm[i], perm[j] = perm[j], perm[i]
    return Op("transpose", f"x.transpose({i}, {j})", f"np.swapaxes(x, {i}, {j})", _permuted(s, perm))


def _permuted(s: State, perm) -> State:
    return replace(s, shape=tuple(s.shape[p] for p in perm), strides=tuple(s.strides[p] for p in perm))


def _permute(s: State, ctx: Context) -> Op:
    perm = tuple(ctx.draw(st.permutations(range(s.ndim)), label="permutation"))
    return Op("permute", f"x.permute({perm})", f"np.transpose(x, {perm})", _permuted(s, perm))


def _slice(s: State, ctx: Context) -> Op:
    index = tuple(slice(ctx.draw(st.integers(0, size), label="start"), None,
                        ctx.draw(st.integers(1, 3), label="step")) for size in s.shape)
    shape, strides, _ = model.sliced(s.shape, s.strides, 0, index)
    code = "x" + Step("__getitem__", index).code()
    return Op("slice", code, code, replace(s, shape=shape, strides=strides))


def _expand(s: State, ctx: Context) -> Op:
    lead = ctx.draw(st.integers(0, 1 if s.ndim < 4 else 0), label="new leading dims")
    sizes = [ctx.draw(st.integers(1, 3), label="new dim") for _ in range(lead)]
    sizes += [ctx.draw(st.sampled_from([1, 2, 3]), label="grown size") if size == 1 else size for size in s.shape]
    if math.prod(sizes) > MAX_NUMEL:
        sizes, lead = list(s.shape), 0
    strides = (0,) * lead + tuple(0 if old != new else st_ for old, new, st_ in zip(s.shape, sizes[lead:], s.strides))
    return Op("expand", f"x.expand({tuple(sizes)})", f"np.broadcast_to(x, {tuple(sizes)})",
              replace(s, shape=tuple(sizes), strides=strides))


def _reshape(s: State, ctx: Context, view: bool = False) -> Op:
    new = ctx.draw(reshapes(s.shape, max_dims=4), label="new shape")
    shape = model.infer_shape(new, s.numel)
    strides = model.view_strides(s.shape, s.strides, new)
    name = "view" if view else "reshape"
    if strides is None:
        if view:
            return Op(name, f"x.view({new})", f"np.reshape(x, {shape})", None)
        strides = model.contiguous_strides(shape)
    return Op(name, f"x.{name}({new})", f"np.reshape(x, {shape})", replace(s, shape=shape, strides=strides))


def _unsqueeze(s: State, ctx: Context) -> Op:
    d = ctx.draw(st.integers(-s.ndim - 1, s.ndim), label="unsqueeze dim")
    shape, strides = model.unsqueezed(s.shape, s.strides, d)
    return Op("unsqueeze", f"x.unsqueeze({d})", f"np.expand_dims(x, {d})", replace(s, shape=shape, strides=strides))


def _contiguous(s: State, ctx: Context) -> Op:
    strides = s.strides if model.is_contiguous(s.shape, s.strides) else model.contiguous_strides(s.shape)
    return Op("contiguous", "x.contiguous()", "x", replace(s, strides=strides))


UNARY = ops.select(names=("neg", "abs", "exp", "sin", "tanh"))
SAVES_OUTPUT = tuple(op.name for op in UNARY if op.saves == "result")  # their backward reads their output
SMOOTH = ("neg", "sin", "tanh", "sum", "mean")  # abs has a kink at 0, exp overflows within a few ops: values only
REDUCTIONS = ops.select(names=("sum", "mean", "amax"))


@functools.lru_cache(maxsize=None)
def result_dtype(name: str, dtype: torch.dtype) -> torch.dtype | None:
    """The dtype the registry op ``name`` gives a tensor of ``dtype`` (asked of the meta device), or
    None where the op does not take that dtype."""
    op = ops.get(name)
    if dtype not in op.dtypes("cpu"):
        return None
    try:
        return op.fn(torch.empty((), dtype=dtype, device="meta")).dtype
    except (RuntimeError, TypeError):
        return None


def _unaries(s: State, ctx: Context) -> list:
    """The unary ops that keep the current dtype (and are smooth, in a gradient program)."""
    return [op for op in UNARY if result_dtype(op.name, s.dtype) == s.dtype and (op.name in SMOOTH or not ctx.grad)]


def _unary(s: State, ctx: Context) -> Op:
    """An elementwise function of the current tensor, as its method and as numpy's function."""
    op = ctx.draw(st.sampled_from(_unaries(s, ctx)), label="unary op")
    after = State(s.shape, s.dtype, model.elementwise_strides(s.shape, [(s.shape, s.strides)]),
                  saved=op.name in SAVES_OUTPUT)
    return Op(op.name, f"x.{op.method}()", f"np.{op.numpy}(x)", after)


def _scalar(s: State, ctx: Context):
    if s.floating:
        return ctx.draw(st.sampled_from(FLOAT_SCALARS), label="scalar")
    return ctx.draw(st.integers(0 if s.dtype == torch.uint8 else -3, 3), label="scalar")


def _promoted(s: State, other) -> torch.dtype:
    return promotion.result_type(torch.empty(s.shape, dtype=s.dtype, device="meta"), other)


def _scalar_op(s: State, ctx: Context) -> Op:
    sign = ctx.draw(st.sampled_from(["+", "*"]), label="scalar op")
    value = _scalar(s, ctx)
    dtype = _promoted(s, value)
    after = State(s.shape, dtype, model.elementwise_strides(s.shape, [(s.shape, s.strides)], scalars=True))
    return Op(f"scalar{sign}", f"x {sign} {value!r}", f"x {sign} {value!r}", after)


BINARY = {"+": "np.add", "*": "np.multiply", "-": "np.subtract"}


def _binary(s: State, ctx: Context) -> Op:
    sign = ctx.draw(st.sampled_from(list(BINARY)), label="binary op")
    name, other = ctx.operand(s)
    if sign == "-" and torch.bool in (s.dtype, other.dtype):
        sign = "+"  # torch refuses to subtract booleans
    strides = model.elementwise_strides(s.shape, [(s.shape, s.strides), (tuple(other.shape), other.stride())])
    return Op(f"binary{sign}", f"x {sign} {name}", f"{BINARY[sign]}(x, {name})",
              State(s.shape, _promoted(s, other), strides))


def _inplace(s: State, ctx: Context) -> Op:
    """``add_``/``mul_`` of a scalar or an operand, ``neg_``, ``sin_``: same tensor, same layout."""
    choices = ["add_", "mul_", "neg_"] + (["sin_"] if s.floating else [])
    name = ctx.draw(st.sampled_from(choices), label="in-place op")
    if name in ("neg_", "sin_"):
        return Op(name, f"x.{name}()", f"np.{'negative' if name == 'neg_' else 'sin'}(x)", s, inplace=True)
    numpy = "np.add" if name == "add_" else "np.multiply"
    if len(ctx.program.inputs) < 4 and ctx.draw(st.booleans(), label="with an operand"):
        operand, _ = ctx.operand(s, inplace=True)
        return Op(name, f"x.{name}({operand})", f"{numpy}(x, {operand})", s, inplace=True)
    value = _scalar(s, ctx)
    return Op(name, f"x.{name}({value!r})", f"{numpy}(x, {value!r})", s, inplace=True)


def _reduction_dims(s: State, ctx: Context):
    if not s.ndim or ctx.draw(st.booleans(), label="all dims"):
        return None
    dims = ctx.draw(st.lists(st.integers(0, s.ndim - 1), min_size=1, max_size=s.ndim, unique=True), label="dims")
    return tuple(d - s.ndim if ctx.draw(st.booleans(), label="negative") else d for d in dims)


def _reduction(s: State, ctx: Context) -> Op:
    ops_ = [op for op in REDUCTIONS if result_dtype(op.name, s.dtype) and (op.name in SMOOTH or not ctx.grad)]
    name = ctx.draw(st.sampled_from(ops_), label="reduction").name
    dims = _reduction_dims(s, ctx)
    reduced = range(s.ndim) if dims is None else [d % s.ndim for d in dims]
    if name in ("amax", "mean") and any(s.shape[d] == 0 for d in reduced) and (name == "amax" or ctx.grad):
        name = "sum"  # amax has no identity; the mean of nothing is nan, which has no gradient
    keepdim = dims is not None and ctx.draw(st.booleans(), label="keepdim")
    shape = tuple(1 if d in reduced else size for d, size in enumerate(s.shape) if keepdim or d not in reduced)
    op = ops.get(name)
    after = State(shape, result_dtype(name, s.dtype), model.contiguous_strides(shape))
    numpy = f"np.{op.numpy}"
    if dims is None:
        return Op(name, f"x.{op.method}()", f"{numpy}(x)", after)
    return Op(name, f"x.{op.method}({dims}, keepdim={keepdim})", f"{numpy}(x, axis={dims}, keepdims={keepdim})",
              after)


def _cast(s: State, ctx: Context) -> Op:
    """``to(dtype)``: integers and bools to any chain dtype (wrapping, != 0, exactly); floats stay
    floating (a computed float near an integer would truncate either way)."""
    targets = [d for d in _chain_dtypes(ctx.held) if d.is_floating_point or not s.floating]
    dtype = ctx.draw(st.sampled_from(targets), label="cast to")
    strides = s.strides if dtype == s.dtype else model.preserved_strides(s.shape, s.strides)
    return Op("to", f"x.to({dtype})", f"x.astype({NP_DTYPE[dtype]!r})", State(s.shape, dtype, strides))


def _always(s, ctx):
    return True


KINDS = [  # simplest first: Hypothesis shrinks toward the start of the list
    Kind("unary", lambda s, ctx: bool(_unaries(s, ctx)), _unary, True),
    Kind("transpose", lambda s, ctx: s.ndim >= 1, _transpose, True),
    Kind("scalar", _always, _scalar_op, True),
    Kind("reduction", _always, _reduction, True),
    Kind("slice", lambda s, ctx: s.ndim >= 1, _slice, True),
    Kind("permute", lambda s, ctx: s.ndim >= 2, _permute, True),
    Kind("reshape", _always, _reshape, True),
    Kind("expand", lambda s, ctx: s.ndim < 4 or 1 in s.shape, _expand, True),
    Kind("unsqueeze", lambda s, ctx: s.ndim < 5, _unsqueeze, True),
    Kind("binary", lambda s, ctx: len(ctx.program.inputs) < 4, _binary, True),
    Kind("inplace", lambda s, ctx: not s.overlapping and s.dtype != torch.bool and not (ctx.grad and s.saved),
         _inplace, True),
    Kind("contiguous", _always, _contiguous, True),
    Kind("to", lambda s, ctx: not ctx.grad, _cast),
    Kind("view", lambda s, ctx: ctx.may_fail, lambda s, ctx: _reshape(s, ctx, view=True), True),
]


@st.composite
def programs(draw, device="cpu", held=None, grad: bool = False, may_fail: bool = False, max_ops: int = MAX_OPS):
    """A valid program for tensors built on ``device``, in dtypes ``held`` (default: ``device``) holds.

    ``grad``: float64 inputs that require grad, differentiable ops only, no stride-0 inputs.
    ``may_fail``: ``view`` may be drawn where it raises; the program then ends with it.
    """
    if grad:
        x0 = draw(tensors(dtype=torch.float64, shape=shapes(max_numel=32, zero_size=False), device=device,
                          requires_grad=True, layouts=GRAD_LAYOUTS, low=-2.0, high=2.0, generic=True), label="x0")
    else:
        dtypes = _chain_dtypes(held or device)  # floats in half the programs: most ops apply to them
        x0 = draw(tensors(dtype=st.one_of(st.just(dtypes[0]), st.sampled_from(dtypes)), device=device), label="x0")
    program = Program([x0])
    ctx = Context(draw, program, device, held or device, grad, may_fail)
    state = start_state(x0)
    for _ in range(draw(st.integers(1, max_ops), label="length")):
        kinds = [k for k in KINDS if k.applies(state, ctx) and (k.differentiable or not grad)]
        op = draw(st.sampled_from(kinds), label="op").build(state, ctx)
        program.ops.append(op)
        if op.after is None:
            break
        state = op.after
    return program


# ---------------------------------------------------------------------------
# Structure: what the layout model predicts and the meta device must agree on
# ---------------------------------------------------------------------------

def structure(t) -> tuple:
    """(shape, dtype, strides of dims that address memory, contiguity) of a tensor.

    Strides of size-1 dims, and all strides of a tensor without elements, address nothing:
    they are left out.
    """
    shape, strides = tuple(t.shape), tuple(t.stride())
    addressed = () if math.prod(shape) == 0 else tuple((d, strides[d]) for d in range(len(shape)) if shape[d] != 1)
    return shape, t.dtype, addressed, t.is_contiguous()


def predicted_structure(state: State) -> tuple:
    """:func:`structure` of the tensor the model predicts."""
    fake = torch.empty_strided(state.shape, state.strides, dtype=state.dtype, device="meta")
    return structure(fake)[:3] + (model.is_contiguous(state.shape, state.strides),)


def expected_structures(program: Program) -> tuple[list, str | None]:
    """The model's structure after each op, and "RuntimeError" if the last op is predicted to raise."""
    return ([predicted_structure(op.after) for op in program.ops if op.after is not None],
            "RuntimeError" if program.raises else None)


def traced_structures(program: Program, device) -> tuple[list, str | None]:
    """Run the program on ``device`` (inputs rebuilt there): each op's structure, and the error
    type if it raised."""
    steps = []
    traced = program.torch_function(traced=True)
    try:
        differential.run(devices.target(device), lambda *xs: traced(*xs, trace=lambda x: steps.append(structure(x))),
                         program.inputs)
    except RuntimeError as error:
        return steps, type(error).__name__
    return steps, None


# ---------------------------------------------------------------------------
# Standalone repro scripts
# ---------------------------------------------------------------------------

SCRIPT_BANNER = "---- standalone repro script (torch and numpy only) ----"


def _input_code(x: torch.Tensor) -> str:
    """The recipe of ``x`` as code building it on the script's ``device`` variable."""
    return recipe_of(x).code(device="device")


def _helpers(*functions) -> str:
    return "\n\n".join(textwrap.dedent(inspect.getsource(f)) for f in functions)


def script(program: Program, check: str, device: str, reference: str, message: str = "", expected=None) -> str:
    """A standalone script that raises AssertionError while the failure of ``check`` reproduces.

    ``check``: "values" (torch vs numpy), "differential" (device vs reference), "structure" (each op
    vs the layout model's ``expected`` structures), "meta" (meta vs cpu), "gradcheck",
    "gradient-differential", or "compile" (torch.compile vs eager).
    """
    grad = check in ("gradcheck", "gradient-differential")
    first = message.strip().splitlines()[0] if message.strip() else ""
    parts = [
        f'"""Repro of a failing torch-conformance op chain ({check}): {first}\n'
        f'Raises AssertionError while the failure reproduces."""',
        ("import math\n\n" if check in ("structure", "meta") else "") + "import numpy as np\nimport torch",
        program.torch_source(traced=check in ("structure", "meta"), grad=grad),
        "def inputs(device):\n    return [\n" + "".join(f"        {_input_code(x)},\n" for x in program.inputs)
        + "    ]",
    ]
    exact = program.result is not None and not (program.result.floating or program.result.dtype.is_complex)
    dtype = program.result.dtype if program.result is not None else None
    bounded = not exact and check in ("values", "differential", "compile")
    if bounded:  # the numpy reference on values that carry their error bound (conformance.error_bounds)
        parts += [program.numpy_source(), _helpers(error_bounds.Bounded, error_bounds.bounded_cast),
                  textwrap.dedent(f"""\
                      cast = bounded_cast
                      BUDGETS = {error_bounds.budgets_of(device, dtype)!r}
                      with np.errstate(all="ignore"):
                          bound = reference(*[Bounded(x.detach().numpy(), budgets=BUDGETS) for x in inputs("cpu")])
                      value, error = np.asarray(bound.value, dtype=np.float64), bound.error""")]
    if check == "values" and exact:
        parts += [program.numpy_source(), _helpers(cast), textwrap.dedent(f"""\
            expected = reference(*[x.detach().numpy() for x in inputs("cpu")])
            actual = program(*inputs({device!r})).cpu()
            assert actual.dtype == {dtype}, actual.dtype
            assert torch.equal(actual, torch.from_numpy(np.array(expected)).to(actual.dtype)), (actual, expected)""")]
    elif check == "values":
        parts.append(textwrap.dedent(f"""\
            actual = program(*inputs({device!r})).cpu()
            assert actual.dtype == {dtype}, actual.dtype
            got = actual.double().numpy()
            outside = ~((np.isnan(got) & np.isnan(value)) | (got == value) | (np.abs(got - value) <= 2 * error))
            assert not outside.any(), ("torch", got[outside], "numpy", value[outside], "bound", 2 * error[outside])"""))
    elif check in ("differential", "gradient-differential", "compile"):
        parts.append(_helpers(differential.flat, differential.widened, oracles._bits, oracles.differing)
                     + f"\n\n\nFORMATS = {accuracy.FORMATS!r}\n\n\n"
                     + _helpers(accuracy.ulps, accuracy.ulp_of, differential.assert_no_farther))
        if check == "gradient-differential":
            parts.append(_helpers(differential.cotangent, differential.gradients) + "\n\nprogram = gradients(program)")
        run = "torch.compile(program, fullgraph=True)" if check == "compile" else "program"
        other = device if check == "compile" else reference
        judged = ("lambda: [torch.from_numpy(value)], [2 * error / ulp_of(" + str(dtype) + ", value)]" if bounded else
                  f"lambda: program(*[widened(x) for x in inputs({other!r})]), None" if not exact else "None, None")
        parts.append(textwrap.dedent(f"""\
            assert_no_farther({run}(*inputs({device!r})), program(*inputs({other!r})), {judged}, {exact},
                              ({device!r}, {other!r}))"""))
    elif check == "gradcheck":
        parts.append(f"torch.autograd.gradcheck(program, inputs({device!r}))")
    else:
        parts.append(_helpers(structure))
        run = textwrap.dedent("""\
            def traced(device):
                steps = []
                try:
                    program(*inputs(device), trace=lambda x: steps.append(structure(x)))
                except RuntimeError as error:
                    return steps, type(error).__name__
                return steps, None""")
        if check == "structure":
            parts += [run, f"expected = {expected!r}", f"assert traced({device!r}) == expected, traced({device!r})"]
        else:
            parts += [run, 'assert traced("meta") == traced("cpu"), (traced("meta"), traced("cpu"))']
    return "\n\n\n".join(parts) + "\n"


@contextmanager
def repro_on_failure(program: Program, check: str, device, reference_device, expected=None):
    """Re-raise any failure inside as an AssertionError carrying the program's repro script.

    ``check`` as for :func:`script`; "values" becomes "differential" off the reference device, and
    "gradient" becomes "gradcheck" or "gradient-differential" by the failure.
    """
    try:
        yield
    except Exception as failure:  # noqa: BLE001 -- every failure gets its script
        target, reference = devices.target(device), devices.target(reference_device)
        if check == "values" and target != reference:
            check = "differential"
        elif check == "gradient":
            check = "gradcheck" if isinstance(failure, GradcheckError) else \
                "gradient-differential"
        note = f"{type(failure).__name__}: {failure}"
        if target.mode is not None:
            note += f"\n(device {target.name!r} is a self-test target: its fault is not in the script)"
        text = script(program, check, str(target.device), str(reference.device), note, expected)
        raise AssertionError(f"{note}\n\n{SCRIPT_BANNER}\n{text}") from failure


def script_of(failure: BaseException) -> str:
    """The repro script carried by a failure from :func:`repro_on_failure`."""
    return str(failure).split(SCRIPT_BANNER + "\n", 1)[1]
