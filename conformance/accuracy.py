"""The accuracy oracle: each element of a float result, in units in the last place (ULP) of its
dtype, against a reference computed without torch and more precisely than the result.

- The reference of a float16/bfloat16/float32 result is numpy's float64; of a float64 result a
  double-double ``hi + lo`` from mpmath (113-bit arithmetic, the same answer on every platform;
  numpy's ``longdouble`` is not wider than double everywhere).  See :mod:`conformance.references`.
- The error of an element is ``|actual - exact| / ulp(exact)``, where ``ulp(v)`` is the spacing of
  the dtype's numbers at ``v`` (fixed below the smallest normal).  An infinite result counts as
  ``±2^(emax+1)`` and a reference beyond it is clamped there (IEEE 754's overflow threshold), so a
  correctly rounded overflow has error 0.
- Non-finite classes match exactly: nan with nan, each signed infinity with itself (error inf
  otherwise); where the op defines the sign of a zero result (``zero_sign``), a zero of the other
  sign has error inf.
- A budget (:mod:`conformance.budgets`) is a limit in ULPs with its source.  The reference's own
  rounding (half an ulp of float64, far below the result's ulp for narrower dtypes) is part of the
  comparison's slack, never of the budget.

The worst and 99th-percentile error of each (op, dtype, device) a test measured go to the test's
report (``user_properties`` entry ``ulp``), for the dashboard's accuracy page.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import torch

# dtype -> (precision p with the implicit bit, smallest normal exponent, largest exponent)
FORMATS = {
    torch.float16: (11, -14, 15),
    torch.bfloat16: (8, -126, 127),
    torch.float32: (24, -126, 127),
    torch.float64: (53, -1022, 1023),
}
SHOWN = 5  # elements listed in a failure message


@dataclass(frozen=True)
class Exact:
    """A reference value per element: ``hi + lo`` (float64 arrays, ``lo`` 0 unless double-double)."""

    hi: np.ndarray
    lo: np.ndarray

    @classmethod
    def of(cls, hi, lo=None) -> "Exact":
        hi = np.asarray(hi, dtype=np.float64)
        return cls(hi, np.zeros_like(hi) if lo is None else np.asarray(lo, dtype=np.float64))

    @property
    def shape(self) -> tuple:
        return self.hi.shape


def values_of(t: torch.Tensor) -> np.ndarray:
    """A float tensor's values as float64 (exact: every float dtype widens exactly)."""
    return t.detach().cpu().to(torch.float64).numpy()


def ulps(dtype: torch.dtype, actual: np.ndarray, hi: np.ndarray, lo: np.ndarray | float = 0.0,
         zero_sign: bool = False) -> np.ndarray:
    """Per element, the error of ``actual`` (float64 values of a ``dtype`` result) from ``hi + lo`` in
    ULPs of ``dtype``: inf where the non-finite class differs or (``zero_sign``) a zero has the wrong sign.

    Uses numpy and the module's ``FORMATS`` only: repro scripts carry its source.
    """
    p, emin, emax = FORMATS[dtype]
    hi = np.asarray(hi, dtype=np.float64)
    a = np.broadcast_to(np.asarray(actual, dtype=np.float64), hi.shape)
    lo = np.broadcast_to(np.asarray(lo, dtype=np.float64), hi.shape)
    top = np.ldexp(1.0, emax + 1) if emax < 1023 else np.inf  # float64's 2^1024 is beyond float64
    with np.errstate(all="ignore"):
        finite = np.isfinite(hi)
        ref = np.where(finite, np.clip(hi, -top, top), 0.0)
        ref_lo = np.where(np.abs(ref) < top, lo, 0.0)
        mantissa, exponent = np.frexp(np.abs(ref))
        exponent = exponent - 1 - ((mantissa == 0.5) & (ref * ref_lo < 0))  # just below a power of two
        scale = np.maximum(np.minimum(exponent, emax), emin) - p + 1  # ulp(ref) = 2^scale
        # in units of ulp(ref), where an infinite result stands for 2^(emax+1)
        a_units = np.where(np.isinf(a), np.copysign(np.ldexp(1.0, emax + 1 - scale), a), np.ldexp(a, -scale))
        error = np.abs((a_units - np.ldexp(ref, -scale)) - np.ldexp(ref_lo, -scale))
    error = np.where(finite & ~np.isnan(a), error, np.inf)
    same_class = (np.isnan(a) & np.isnan(hi)) | (np.isinf(a) & np.isinf(hi) & (np.sign(a) == np.sign(hi)))
    error = np.where(same_class, 0.0, error)
    if zero_sign:
        wrong_zero = (a == 0) & (hi == 0) & (lo == 0) & (np.signbit(a) != np.signbit(hi))
        error = np.where(wrong_zero, np.inf, error)
    return error


@dataclass(frozen=True)
class Reference:
    """The exact value of each element of a result, the size of the terms it sums, and how many."""

    exact: Exact
    magnitude: np.ndarray | None = None  # None: |exact| (no cancellation)
    terms: np.ndarray | int = 1


@dataclass(frozen=True)
class Accuracy:
    """What one float result is judged by: its exact reference, its budget per element, the zero-sign rule."""

    op: str
    exact: Exact
    budget: np.ndarray | float  # ULPs, per element or for all
    source: str
    zero_sign: bool = False


def describe(dtype, actual: np.ndarray, accuracy: Accuracy, error: np.ndarray, bad: np.ndarray) -> str:
    """The worst offending elements: index, value, reference, error and budget."""
    order = np.argsort(-np.where(bad, error, -1.0), axis=None, kind="stable")[: min(SHOWN, int(bad.sum()))]
    budget = np.broadcast_to(accuracy.budget, error.shape)
    lines = []
    for flat_index in order:
        i = np.unravel_index(flat_index, error.shape)
        value = np.broadcast_to(actual, error.shape)[i]
        ref = accuracy.exact.hi[i] + accuracy.exact.lo[i]
        lines.append(f"  at {tuple(int(k) for k in i)}: {float(value)!r} (bits {_bits(dtype, value)}), exact {float(ref)!r}: "
                     f"{error[i]:.3g} ulp > budget {budget[i]:.3g}")
    return "\n".join(lines)


def _bits(dtype, value: float) -> str:
    width = {torch.float16: 16, torch.bfloat16: 16, torch.float32: 32, torch.float64: 64}[dtype]
    raw = torch.tensor([value], dtype=torch.float64).to(dtype).view({16: torch.int16, 32: torch.int32,
                                                                     64: torch.int64}[width]).item()
    return f"0x{raw & ((1 << width) - 1):0{width // 4}x}"


def check(actual: torch.Tensor, accuracy: Accuracy, device: str = "", label: str = "result") -> np.ndarray:
    """Assert every element of ``actual`` lies within its budget of the exact reference; record the
    errors (see :func:`recorded`) and return them."""
    dtype = actual.dtype
    values = values_of(actual)
    error = ulps(dtype, values, accuracy.exact.hi, accuracy.exact.lo, accuracy.zero_sign)
    record(accuracy.op, dtype, device, error, accuracy.budget)
    bad = error > accuracy.budget
    if bad.any():
        raise AssertionError(
            f"{label}: {int(bad.sum())} of {error.size} elements of {accuracy.op} ({dtype}) outside the "
            f"ULP budget ({accuracy.source})\n{describe(dtype, values, accuracy, error, bad)}")
    return error


# ---------------------------------------------------------------------------
# What a test measured: per (op, dtype, device) the errors, read by the plugin after each test
# ---------------------------------------------------------------------------

_MEASURED: dict[tuple, list] = defaultdict(list)


def record(op: str, dtype: torch.dtype, device: str, error: np.ndarray, budget) -> None:
    finite = error[np.isfinite(error)]
    if error.size:
        _MEASURED[(op, str(dtype).removeprefix("torch."), str(device))].append(
            (finite.ravel(), int(error.size - finite.size), float(np.max(budget))))


# Upper edges of the histogram buckets (ULPs): a page summing the histograms of many tests gets their joint
# percentiles to a bucket; the last count holds errors beyond the last edge and non-finite mismatches.
EDGES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 8.0, 16.0, 64.0, 1024.0)


def measured() -> dict:
    """The errors recorded since the last call, summarised per ``"op/dtype/device"``: elements judged, the
    largest and 99th-percentile finite error, non-finite mismatches, the largest budget, a histogram over
    ``EDGES``.  Clears them."""
    summary = {}
    for (op, dtype, device), parts in _MEASURED.items():
        errors = np.concatenate([p[0] for p in parts])
        mismatches = sum(p[1] for p in parts)
        counts = np.bincount(np.searchsorted(EDGES, errors, side="left"), minlength=len(EDGES) + 1)
        counts[-1] += mismatches
        summary[f"{op}/{dtype}/{device}"] = {
            "op": op, "dtype": dtype, "device": device, "elements": int(errors.size + mismatches),
            "max": float(errors.max()) if errors.size else 0.0,
            "p99": float(np.percentile(errors, 99)) if errors.size else 0.0,
            "nonfinite_mismatches": mismatches,
            "budget": max(p[2] for p in parts),
            "histogram": {"edges": list(EDGES), "counts": counts.tolist()},
        }
    _MEASURED.clear()
    return summary


def reset() -> None:
    _MEASURED.clear()


def ulp_of(dtype: torch.dtype, values: np.ndarray) -> np.ndarray:
    """The ulp of ``dtype`` at each of ``values`` (fixed below the smallest normal; 0 counts as subnormal)."""
    p, emin, emax = FORMATS[dtype]
    with np.errstate(all="ignore"):
        exponent = np.frexp(np.where(np.isfinite(values), np.abs(values), 0.0))[1] - 1
    return np.exp2(np.clip(exponent, emin, emax) - p + 1)
