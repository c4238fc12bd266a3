"""Documented result dtypes of the values family's ops, beyond the promotion table itself.

- Arithmetic and ``maximum``/``minimum``/``where``/``remainder``/... follow the promotion table
  (:mod:`conformance.promotion`); true division "always promotes integer inputs to the default
  scalar type" (torch.div); comparisons give bool (torch.eq and friends: "a boolean tensor").
- ``sum``/``prod`` of integers and bools give int64 ("If dtype is not specified ... integral input
  is promoted to torch.int64", torch.sum/torch.prod); ``argmax``/``argmin`` give int64 indices;
  ``all``/``any`` give bool, except uint8 which "is retained" (torch.all).  ``mean`` of integers
  raises (the errors family checks that: ``errors.raises[mean-of-integer]``).
"""

from __future__ import annotations

import torch

from conformance import promotion

DOCS = "https://pytorch.org/docs/stable/generated/"
COMPARISONS = {"eq", "ne", "lt", "le", "gt", "ge"}
INT64_REDUCTIONS = {"sum", "prod"}  # integral and bool inputs give int64
INDEX_REDUCTIONS = {"argmax", "argmin"}
LOGICAL_REDUCTIONS = {"all", "any"}


def binary(name: str, a, b) -> torch.dtype:
    """The dtype of ``name(a, b)`` for the values family's binary ops."""
    if name in COMPARISONS:
        return torch.bool
    dtype = promotion.result_type(a, b)
    if name == "div" and promotion.category(dtype) < 2:
        return torch.get_default_dtype()
    return dtype


def reduction(name: str, dtype: torch.dtype) -> torch.dtype:
    """The dtype of reduction ``name`` of a ``dtype`` input (without a ``dtype=`` argument)."""
    if name in INDEX_REDUCTIONS:
        return torch.int64
    if name in LOGICAL_REDUCTIONS:
        return torch.uint8 if dtype == torch.uint8 else torch.bool
    if name in INT64_REDUCTIONS and promotion.category(dtype) < 2:
        return torch.int64
    return dtype
