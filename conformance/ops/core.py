"""The registry's entry type, :class:`OpInfo`, and what it is made of: input domains, sizes, routes.

An entry describes one op once, as data: its public routes, how to draw its arguments, the dtype
kinds it takes, the values it is defined and smooth on, a numpy reference, its analytic derivative
and its documentation.  Every family and every universal invariant reads entries; none keeps its
own copy.
"""

from __future__ import annotations

import importlib
import math
import operator
from dataclasses import dataclass, field
from typing import Callable, Mapping

import torch
from hypothesis import strategies as st

from strategies import KINDS, shapes as _shapes, supported

DOCS = "https://pytorch.org/docs/stable/"


def doc(name: str) -> str:
    """The documentation page of a public name: ``doc("torch.exp")``, ``doc("torch.Tensor.T")``."""
    return f"{DOCS}generated/{name}.html"


def resolve(dotted: str):
    """The object a dotted public name refers to, looked up now (so a monkeypatched fault is seen)."""
    head, *rest = dotted.split(".")
    obj = torch if head == "torch" else importlib.import_module(head)  # torch.compile traces the former
    for part in rest:
        obj = getattr(obj, part)
    return obj


# ---------------------------------------------------------------------------
# Values and sizes of the drawn arguments
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Domain:
    """The values one input is drawn from: off kinks, ties and singularities by construction.

    Floating and complex values lie in ``[low, high]`` with ``|x| >= min_abs``; integers in
    ``integers`` (default: the integers of ``[low, high]``; unsigned ones from 0).  ``unique``: all
    elements distinct.  ``grid``: every value a multiple of it (equal elements on purpose, e.g. for
    argmax's first-index rule).
    """

    low: float = -3.0
    high: float = 3.0
    min_abs: float = 0.0
    unique: bool = False
    integers: tuple[int, int] | None = None
    grid: float | None = None

    def bounds(self, dtype: torch.dtype) -> tuple[float, float]:
        """(low, high) of the values of ``dtype`` this domain draws."""
        if dtype.is_floating_point or dtype.is_complex:
            return self.low, self.high
        if dtype == torch.bool:
            return 0, 1
        low, high = self.integers or (math.ceil(self.low), math.floor(self.high))
        return (max(low, 0), high) if dtype == torch.uint8 else (low, high)

    def interval(self) -> tuple[float, float]:
        """A connected piece of the domain (the positive one when ``min_abs`` cuts out zero)."""
        if self.min_abs <= 0:
            return self.low, self.high
        return (max(self.low, self.min_abs), self.high) if self.high >= self.min_abs else (self.low, -self.min_abs)


ANY = Domain()


def _one_side(sizes, side: Callable):
    """``sizes`` (a strategy of tuples) with one drawn position replaced by ``side`` of its value."""
    return sizes.flatmap(lambda s: st.integers(0, len(s) - 1).map(lambda i: s[:i] + (side(s[i]),) + s[i + 1:]))


@dataclass(frozen=True)
class Sizes:
    """How large drawn arguments are: at most ``max_numel`` elements per input, and the mode.

    ``mode``: "any"; "zero-size" (every drawn shape has a side 0); "0-d" (every drawn shape is ``()``);
    "long" (every drawn shape has elements and a side of at least 2, so a tensor can overlap itself or be
    grown by broadcasting along it).
    Argument strategies draw every shape and side through :meth:`shape` and :meth:`sides`, so one
    strategy serves every mode.
    """

    max_numel: int = 64
    mode: str = "any"
    zero_size: bool = True  # in the "any" mode, a side may be 0

    def shape(self, min_dims: int = 0, max_dims: int = 4, max_numel: int | None = None, max_side: int = 5,
              zero_size: bool = True):
        """Shapes with ``min_dims..max_dims`` dims and at most ``max_numel`` (default: ours) elements;
        in the "any" mode a side is 0 now and then unless ``zero_size`` is False."""
        budget = max(1, self.max_numel if max_numel is None else max_numel)
        if self.mode == "0-d":
            if min_dims:
                raise ValueError(f"a 0-d argument cannot have {min_dims} dims")
            return st.just(())
        if self.mode == "zero-size":
            return _one_side(_shapes(max(min_dims, 1), max(max_dims, 1), 1, max_side, budget, zero_size=False),
                             lambda side: 0)
        if self.mode == "long":
            return _one_side(_shapes(max(min_dims, 1), max(max_dims, 1), 1, max_side, max(1, budget // 2),
                                     zero_size=False), lambda side: max(side, 2))
        return _shapes(min_dims, max_dims, 1, max_side, budget, zero_size=zero_size and self.zero_size)

    def sides(self, count: int, low: int = 1, high: int = 4):
        """``count`` sizes in ``low..high`` (one of them 0 in zero-size mode), e.g. matmul's n, k, m."""
        if self.mode == "0-d":
            raise ValueError("sides of a 0-d argument")
        if self.mode == "long":
            low = max(low, 1)
        sides = st.lists(st.integers(low, high), min_size=count, max_size=count).map(tuple)
        if self.mode == "long" and high >= 2:
            return _one_side(sides, lambda side: max(side, 2))
        if self.mode == "zero-size":
            return _one_side(sides, lambda side: 0)
        return sides


@dataclass(frozen=True)
class Arg:
    """A tensor argument whose dtype is not the op's (an index, a mask, a condition): drawn by
    ``strategies.tensors()`` too, with its own dtype and values; never differentiated."""

    shape: tuple
    dtype: torch.dtype
    domain: Domain = ANY


# ---------------------------------------------------------------------------
# Routes
# ---------------------------------------------------------------------------

class NotApplicable(Exception):
    """A route that does not take these arguments (an operator given keyword arguments, ...)."""


def _operator(dunder: str) -> Callable:
    """``a + b`` as Python evaluates it (``operator.__add__``), for an op's dunder name."""
    fn = getattr(operator, dunder)

    def call(*inputs, **kwargs):
        if kwargs:
            raise NotApplicable(f"{dunder} takes no keyword arguments")
        return fn(*inputs)
    return call


def _method(name: str, fixed: Mapping) -> Callable:
    return lambda x, *rest, **kwargs: getattr(x, name)(*rest, **fixed, **kwargs)


def _function(dotted: str, fixed: Mapping, list_input: bool = False) -> Callable:
    if list_input:
        return lambda *inputs, **kwargs: resolve(dotted)(list(inputs), **fixed, **kwargs)
    return lambda *inputs, **kwargs: resolve(dotted)(*inputs, **fixed, **kwargs)


# ---------------------------------------------------------------------------
# The entry
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class OpInfo:
    """One op: its routes, arguments, dtypes, domain, reference, derivative and documentation."""

    name: str
    doc: str  # the op's documentation page
    args: Callable[[Sizes], st.SearchStrategy]  # Sizes -> (inputs, kwargs); inputs: shapes or Args
    # --- routes -------------------------------------------------------------------------------
    function: str | None = None  # "torch.exp": function(*inputs, **kwargs), looked up at call time
    call: Callable | None = None  # the function route where it is not function(*inputs, **kwargs)
    method: str | None = None  # "exp": inputs[0].exp(*inputs[1:], **kwargs)
    operator: str | None = None  # "__add__": Python's operator on the inputs (no keyword arguments)
    reflected: Callable | None = None  # scalar OP x (Python's reflected operator) equals reflected(x, scalar)
    inplace: str | None = None  # "add_": inputs[0].add_(*inputs[1:], **kwargs)
    inplace_operator: str | None = None  # "__iadd__"
    out: bool | Callable[[dict], bool] = False  # the function takes out= (for these kwargs)
    aliases: tuple[str, ...] = ()  # other public names of the same op: "torch.special.expit", ...
    fixed: Mapping = field(default_factory=dict)  # keyword arguments of a variant (div's rounding_mode)
    extra_routes: Mapping[str, Callable] = field(default_factory=dict)  # other routes, by name
    list_input: bool = False  # the tensor inputs are passed as one sequence (cat, stack)
    scalars: bool = False  # the second operand may be a Python scalar
    # --- dtypes and values --------------------------------------------------------------------
    kinds: tuple[str, ...] = ("float",)  # dtype kinds the op takes (strategies.KINDS)
    unsupported: Mapping[str, tuple] = field(default_factory=dict)  # device type -> dtypes it lacks
    domains: tuple[Domain, ...] = (ANY,)  # per input; the last one repeats
    distinct: bool = False  # no value repeats within or across inputs (inputs share one shape)
    # --- reference ----------------------------------------------------------------------------
    numpy: str | None = None  # the numpy function the reference calls (np.<numpy>)
    ref: Callable | None = None  # ref(*arrays, **kwargs); default: np.<numpy>(*arrays, **kwargs)
    ref_kinds: tuple[str, ...] | None = None  # kinds compared with the reference (default: kinds)
    ref_exclude: tuple = ()  # dtypes not compared with the reference (the reason in ``notes``)
    exact: bool = False  # no rounding: results are compared exactly
    reassociates: bool = False  # adds or multiplies many rounded terms in an order the kernel chooses
    rounded_kinds: tuple[str, ...] = ()  # kinds in which an ``exact`` op rounds after all (complex abs: a hypot)
    # --- autograd -----------------------------------------------------------------------------
    grad: int = 0  # differentiable 0, 1 or 2 times (on the domain)
    vjp: Callable | None = None  # vjp(grad_output, out, *inputs, **kwargs) -> gradient of each input
    vjp_source: str | None = None  # where the formula comes from (derivatives.yaml)
    node: str | None = None  # documented grad_fn name, when it does not depend on the arguments
    low_precision: bool = False  # the analytic check also holds in float16/bfloat16 (see test_autograd)
    saves: str | None = None  # what its backward reads: "input" or "result" (derivatives.yaml's formula)
    # --- structure ----------------------------------------------------------------------------
    elementwise: bool = False  # same-shape inputs compose freely (autograd's random compositions)
    permutation: Callable | None = None  # a view that permutes dims: (ndim, kwargs) -> input dim of each result dim
    zero_dim: bool = True  # ``args`` draws in Sizes(mode="0-d")
    zero_size: bool = True  # ``args`` draws in Sizes(mode="zero-size")
    meta: bool = True  # the result's structure follows from shapes, strides and dtypes alone
    mutates: bool = False  # writes into its first input (drawn without internal overlap)
    vmap: bool = True  # torch.func.vmap supports it
    torch: str = ">=2.4"  # PEP 440 specifier of the torch releases the entry describes
    notes: str = field(default="", compare=False)
    area: str = ""  # the registry module it lives in (set on registration)

    def __post_init__(self):
        if not (self.function or self.call):
            raise ValueError(f"{self.name}: an op needs a function or a call")
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"{self.name}: unknown dtype kinds {sorted(unknown)}")

    def __repr__(self):
        return f"OpInfo({self.name!r})"

    def _repr_pretty_(self, printer, cycle):  # Hypothesis prints falsifying examples with this
        printer.text(repr(self))

    def exact_in(self, kind: str) -> bool:
        """Whether nothing is rounded when the first input is of dtype ``kind``."""
        return self.exact and kind not in self.rounded_kinds

    # --- routes -------------------------------------------------------------------------------
    @property
    def fn(self) -> Callable:
        """The function route: ``fn(*inputs, **kwargs)``."""
        return self.call or _function(self.function, self.fixed, self.list_input)

    def routes(self) -> dict[str, Callable]:
        """Every public route to the op that returns a new result, by name: "function", "method",
        "operator" and the aliases.  Each takes ``(*inputs, **kwargs)``; one that does not take some
        arguments raises :class:`NotApplicable`."""
        found = {"function": self.fn}
        if self.method:
            found["method"] = _method(self.method, self.fixed)
        if self.operator:
            found["operator"] = _operator(self.operator)
        for alias in self.aliases:
            found[alias] = _function(alias, self.fixed, self.list_input)
        found.update(self.extra_routes)
        return found

    def inplace_routes(self) -> dict[str, Callable]:
        """The in-place routes: the method (``x.add_(y)``) and the operator (``x += y``)."""
        found = {}
        if self.inplace:
            found["inplace"] = _method(self.inplace, self.fixed)
        if self.inplace_operator:
            found["inplace-operator"] = _operator(self.inplace_operator)
        return found

    def takes_out(self, kwargs: Mapping) -> bool:
        return self.out(kwargs) if callable(self.out) else self.out

    # --- dtypes and values --------------------------------------------------------------------
    def dtypes(self, device, kinds=None) -> list[torch.dtype]:
        """The dtypes of ``kinds`` (default: all the op takes) that the op and ``device`` support."""
        kinds = [k for k in (kinds or self.kinds) if k in self.kinds]
        lacking = self.unsupported.get(torch.device(device).type, ())
        return [d for d in supported(device, kinds) if d not in lacking]

    def domain(self, i: int) -> Domain:
        return self.domains[min(i, len(self.domains) - 1)]

    @property
    def reference(self) -> Callable | None:
        """The numpy reference ``ref(*arrays, **kwargs)``, if the op has one."""
        if self.ref is not None:
            return self.ref
        if self.numpy is None:
            return None
        import numpy as np
        return getattr(np, self.numpy)

    def reference_dtypes(self, device) -> list[torch.dtype]:
        """The dtypes whose results are compared with the reference on ``device``."""
        kinds = self.ref_kinds if self.ref_kinds is not None else self.kinds
        return [d for d in self.dtypes(device, kinds) if d not in self.ref_exclude]

    @property
    def differentiable(self) -> bool:
        return self.grad > 0
