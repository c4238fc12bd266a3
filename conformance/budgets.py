"""ULP budgets: how far from the exact value each element of an op's float result may be.

The data lives in ``ulp_budgets.json`` beside this module: one entry per op, dtype(s) and device
type (``null``: every device), each with its source -- IEEE 754 for correctly rounded operations,
the vendor's published accuracy (the vectorised library torch uses on CPU, the CUDA math API's
table) or a documented error analysis, checked against measurements on torch 2.13 CPU.

An element's budget is ``ulps + per_term * (terms - 1)`` ULPs of the *magnitude* of the computation
(the same sum with every term in absolute value; a result without cancellation is its own
magnitude), where ``terms`` counts the values summed into the element -- the recursive summation
bound ``(n - 1) u sum|x_i|`` (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed.,
eq. 4.4).  A budget is the limit the op must meet on every device, never a tolerance widened until a
test passes; a device without its own entries is held to the loosest published one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from conformance.accuracy import FORMATS, Accuracy, Reference

PATH = Path(__file__).with_name("ulp_budgets.json")
FIELDS = {"op", "dtypes", "device", "ulps", "per_term", "zero_sign", "source"}
DTYPES = {str(d).removeprefix("torch."): d for d in FORMATS}


@dataclass(frozen=True)
class Budget:
    op: str
    dtypes: tuple[str, ...]
    device: str | None  # device type; None: every device
    ulps: float
    per_term: float
    zero_sign: bool  # the sign of a zero result is defined (IEEE 754, C99 Annex F)
    source: str


def load(path: Path = PATH) -> list[Budget]:
    """The entries of a budget file; a malformed entry raises ValueError naming the file and entry."""
    result = []
    for i, entry in enumerate(json.loads(path.read_text())):
        missing, extra = {"op", "dtypes", "ulps", "source"} - set(entry), set(entry) - FIELDS
        unknown = set(entry.get("dtypes", ())) - set(DTYPES)
        if missing or extra or unknown:
            raise ValueError(f"{path.name} entry {i} ({entry.get('op')}): missing {sorted(missing)}, "
                             f"unknown fields {sorted(extra)}, unknown dtypes {sorted(unknown)}")
        result.append(Budget(entry["op"], tuple(entry["dtypes"]), entry.get("device"), float(entry["ulps"]),
                             float(entry.get("per_term", 0.0)), bool(entry.get("zero_sign", False)),
                             entry["source"]))
    return result


@lru_cache(maxsize=None)
def _table() -> tuple[Budget, ...]:
    return tuple(load())


def budget(op: str, dtype: torch.dtype, device) -> Budget:
    """The budget of ``op`` for a ``dtype`` result on ``device`` (a device string, type or torch.device)."""
    return _budget(op, dtype, torch.device(device).type)


@lru_cache(maxsize=None)
def _budget(op: str, dtype: torch.dtype, device_type: str) -> Budget:
    name = str(dtype).removeprefix("torch.")
    candidates = [b for b in _table() if b.op == op and name in b.dtypes]
    for wanted in (device_type, None):
        exact = [b for b in candidates if b.device == wanted]
        if exact:
            return exact[0]
    if not candidates:
        raise KeyError(f"no ULP budget for {op} ({name}) in {PATH.name}")
    return max(candidates, key=lambda b: (b.ulps, b.per_term))


def accuracy(op: str, dtype: torch.dtype, device: str, reference: Reference) -> Accuracy:
    """What a ``dtype`` result of ``op`` on ``device`` is judged by: its exact value and per-element budget."""
    entry = budget(op, dtype, device)
    allowed = entry.ulps + entry.per_term * (np.asarray(reference.terms, dtype=np.float64) - 1).clip(0)
    if reference.magnitude is not None:
        allowed = allowed * _ulp_ratio(dtype, reference.magnitude, reference.exact.hi)
    return Accuracy(op, reference.exact, allowed, entry.source, entry.zero_sign)


def _ulp_ratio(dtype: torch.dtype, magnitude: np.ndarray, value: np.ndarray) -> np.ndarray:
    """ulp(magnitude) / ulp(value), elementwise (at least 1: the magnitude bounds the value)."""
    p, emin, emax = FORMATS[dtype]

    def exponent(v):
        with np.errstate(all="ignore"):
            return np.clip(np.frexp(np.where(np.isfinite(v), np.abs(v), 0.0))[1] - 1, emin, emax)
    return np.exp2(np.maximum(exponent(magnitude) - exponent(value), 0)).astype(np.float64)


def judge(op: str, reference) -> callable:
    """``(dtype, device) -> Accuracy`` for a result of ``op`` whose exact value ``reference(dtype)``
    gives (a :class:`~conformance.accuracy.Reference`): what :func:`conformance.differential.check_values`
    judges a computed float result by."""
    return lambda dtype, device: accuracy(op, dtype, device, reference(dtype))
