"""Recipes: how a drawn tensor was built, and the torch-only expression that rebuilds it exactly.

A recipe is a flat base storage, a base shape and a chain of :class:`Step` calls.  Its printed
expression writes the storage compactly: a constant storage as ``torch.zeros``/``torch.ones``/
``torch.full``, any other as a list of runs (``[0.0] * 6 + [-0.0] + [torch.nan, 1.5] * 2``).  Values
print as the shortest decimal that the dtype turns back into the same bits; -0.0 keeps its sign, a NaN
its sign (the strategies only draw the canonical NaN).  Hypothesis prints the expression of every
drawn tensor in a falsifying example.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, replace

import torch
from hypothesis.vendor import pretty

RECIPE_ATTR = "_conformance_recipe"
_MAX_BLOCK = 4  # longest repeated block a run may have


def _code(value) -> str:
    """Python source for a step argument."""
    if isinstance(value, slice):
        parts = ["" if v is None else str(v) for v in (value.start, value.stop, value.step)]
        return ":".join(parts)
    if isinstance(value, torch.memory_format):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"float('{value}')"
    return repr(value)


def _float_code(value: float, dtype: torch.dtype) -> str:
    """The shortest source that ``dtype`` turns back into ``value`` (a float of that dtype)."""
    if math.isnan(value):
        return "-torch.nan" if math.copysign(1, value) < 0 else "torch.nan"
    if math.isinf(value):
        return "torch.inf" if value > 0 else "-torch.inf"
    if dtype != torch.float64:
        bits, largest = _key(value), torch.finfo(dtype).max
        for digits in range(1, 10):
            text = repr(float(f"{value:.{digits}g}"))
            # a complex dtype refuses a part beyond its largest finite value, even one that rounds to it
            if abs(float(text)) <= largest and _key(torch.tensor(float(text), dtype=dtype).item()) == bits:
                return text
    return repr(value)


def _value_code(value, dtype: torch.dtype) -> str:
    if isinstance(value, complex):
        part = torch.float32 if dtype == torch.complex64 else torch.float64
        return f"complex({_float_code(value.real, part)}, {_float_code(value.imag, part)})"
    if isinstance(value, float):
        return _float_code(value, dtype)
    return repr(value)


def _key(value):
    """Equal for bitwise-equal elements: floats by their float64 bytes (-0.0 is not 0.0, NaN equals itself)."""
    if isinstance(value, complex):
        return _key(value.real), _key(value.imag)
    return struct.pack("<d", value) if isinstance(value, float) else value


def _runs(values: list, keys: list, code) -> str:
    """``values`` as a list expression of literals and repeated blocks, ``[a] * 3 + [b, c] + [d, e] * 2``."""
    tokens, literal, i, n = [], [], 0, len(values)
    while i < n:
        best = (1, 1)  # (block length, repetitions)
        for length in range(1, _MAX_BLOCK + 1):
            block, reps = keys[i:i + length], 1
            while keys[i + reps * length:i + (reps + 1) * length] == block and len(block) == length:
                reps += 1
            if reps > 1 and length * reps > best[0] * best[1]:
                best = (length, reps)
        length, reps = best
        block = ", ".join(code(v) for v in values[i:i + length])
        if reps > 1 and len(f" + [{block}] * {reps}") < reps * (len(block) + 2):
            if literal:
                tokens.append(f"[{', '.join(literal)}]")
                literal = []
            tokens.append(f"[{block}] * {reps}")
        else:
            literal += [code(v) for v in values[i:i + length * reps]]
        i += length * reps
    if literal or not tokens:
        tokens.append(f"[{', '.join(literal)}]")
    return " + ".join(tokens)


def storage_code(storage: torch.Tensor, extra: str = "") -> str:
    """A torch expression for the flat ``storage``, exactly: ``extra`` goes after its dtype argument."""
    dtype = storage.dtype
    values = storage.tolist()
    keys = [_key(v) for v in values]
    n = len(values)
    arguments = f"dtype={dtype}{extra}"
    if n and keys.count(keys[0]) == n:
        zero = type(values[0])(0)
        if keys[0] == _key(zero):
            return f"torch.zeros({n}, {arguments})"
        if keys[0] == _key(type(values[0])(1)):
            return f"torch.ones({n}, {arguments})"
        return f"torch.full(({n},), {_value_code(values[0], dtype)}, {arguments})"
    cache = {}

    def code(value):
        key = _key(value)
        if key not in cache:
            cache[key] = _value_code(value, dtype)
        return cache[key]

    return f"torch.tensor({_runs(values, keys, code)}, {arguments})"


@dataclass(frozen=True)
class Step:
    """One tensor method call (or ``[]`` indexing) applied to the previous result."""

    method: str
    args: tuple = ()
    kwargs: tuple = ()  # sorted (name, value) pairs

    def apply(self, t: torch.Tensor) -> torch.Tensor:
        if self.method == "__getitem__":
            return t[self.args]
        return getattr(t, self.method)(*self.args, **dict(self.kwargs))

    def code(self) -> str:
        if self.method == "__getitem__":
            return "[" + ", ".join(_code(a) for a in self.args) + "]"
        args = [_code(a) for a in self.args] + [f"{k}={_code(v)}" for k, v in self.kwargs]
        return f".{self.method}({', '.join(args)})"


@dataclass
class Recipe:
    """How a drawn tensor was built: base storage values, then a chain of steps."""

    layout: str
    storage: torch.Tensor  # flat, on cpu, in the target dtype
    base_shape: tuple
    steps: tuple
    device: str
    requires_grad: bool = False

    def build(self) -> torch.Tensor:
        """A fresh tensor: its storage is a copy, so writes to it never reach the recipe."""
        t = self.storage.to(self.device, copy=True).reshape(self.base_shape)
        for step in self.steps:
            t = step.apply(t)
        if self.requires_grad:
            t = t.detach().requires_grad_(True)
        return t

    def code(self) -> str:
        """A torch-only expression that rebuilds the tensor exactly: the storage, ``.reshape``, the steps."""
        device = "" if self.device == "cpu" else f", device={self.device!r}"
        text = storage_code(self.storage, device) + f".reshape({_code(tuple(self.base_shape))})"
        text += "".join(step.code() for step in self.steps)
        if self.requires_grad:
            text += ".detach().requires_grad_(True)"
        return text

    def on(self, device) -> "Recipe":
        """The same tensor (values, layout) on another device."""
        return replace(self, device=str(device))


def recipe_of(t: torch.Tensor) -> Recipe | None:
    """The recipe a strategy attached to ``t``, if any."""
    return getattr(t, RECIPE_ATTR, None)


def rebuilt(value, device):
    """``value`` on ``device``: a drawn tensor rebuilt from its recipe (same values and layout, fresh
    storage), another tensor moved there, tuples and lists item by item, anything else as it is."""
    if isinstance(value, (tuple, list)):
        return type(value)(rebuilt(v, device) for v in value)
    if not isinstance(value, torch.Tensor):
        return value
    recipe = recipe_of(value)
    if recipe is not None:
        return recipe.on(device).build()
    return value.detach().to(device).requires_grad_(value.requires_grad)


def _pretty_tensor(t, printer, cycle):
    recipe = recipe_of(t)
    printer.text(recipe.code() if recipe is not None else repr(t))


pretty.for_type_by_name("torch", "Tensor", _pretty_tensor)
