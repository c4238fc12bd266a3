"""PyTorch's type promotion rules, as a table and the documented three-group algorithm.

Source: https://pytorch.org/docs/stable/tensor_attributes.html#type-promotion-doc

- Categories rank bool < integer < floating < complex.  Promoting two dtypes of different categories
  gives the higher-category one: "since long is a different kind than float, result dtype only
  needs to be large enough to hold the float".  Within a category the result holds both
  (``JOINS`` lists the pairs where neither holds the other).
- Operands form three groups of falling priority: dimensioned tensors, zero-dim tensors, Python
  scalars.  A lower group changes the result only when its category is higher than the groups
  above; then the result is the promotion of that group's operands -- except that a floating
  higher group meeting a complex lower one keeps its own precision (float32 tensor + complex128
  zero-dim tensor is complex64; float16 gives complex32).  The docs' wording ("sufficient size ...
  to hold all zero-dim tensor operands") does not cover that case; the table follows torch
  (``combine_categories`` in aten/src/ATen/native/TypeProperties.cpp).  "A floating point scalar
  operand has dtype torch.get_default_dtype() and an integral non-boolean scalar operand has dtype
  torch.int64.  Unlike numpy, we do not inspect values when determining the minimum dtypes."
- In-place and ``out=`` results may not fall to a lower category (``can_cast``).

``NUMPY_DIFFERENCES`` lists where numpy promotes differently; this table follows torch.
"""

from __future__ import annotations

import numbers

import torch

CATEGORY = {
    torch.bool: 0,
    torch.uint8: 1, torch.int8: 1, torch.int16: 1, torch.int32: 1, torch.int64: 1,
    torch.float16: 2, torch.bfloat16: 2, torch.float32: 2, torch.float64: 2,
    torch.complex32: 3, torch.complex64: 3, torch.complex128: 3,
}

# Within a category, each dtype holds every value of the ones before it, except the JOINS pairs.
WIDTH_ORDER = (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
               torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex32, torch.complex64,
               torch.complex128)
JOINS = {
    frozenset({torch.uint8, torch.int8}): torch.int16,
    frozenset({torch.float16, torch.bfloat16}): torch.float32,
}
COMPLEX_OF = {torch.float16: torch.complex64, torch.bfloat16: torch.complex64, torch.float32: torch.complex64,
              torch.float64: torch.complex128}
REAL_OF = {torch.complex32: torch.float16, torch.complex64: torch.float32, torch.complex128: torch.float64}
# A floating group over a complex lower-priority group: the complex dtype of the float's precision.
COMPLEX_KEEPING_PRECISION = {torch.float16: torch.complex32, torch.bfloat16: torch.complex64,
                             torch.float32: torch.complex64, torch.float64: torch.complex128}

# (a, b, torch's result, numpy's result, why) -- numpy 2 promotion (NEP 50) where it differs.
NUMPY_DIFFERENCES = [
    (torch.int32, torch.float32, torch.float32, "float64",
     "torch: the float need only hold the float operand; numpy picks a float that holds every int32"),
    (torch.int16, torch.float16, torch.float16, "float32", "as above, for int16 and float16"),
    (torch.int64, torch.float16, torch.float16, "float64", "as above, for int64 and float16"),
]
# Operand groups numpy treats differently: a zero-dim int64 array next to an int8 array promotes to
# int64 in numpy 2 (0-d arrays are not "weak"), but to int8 in torch (zero-dim tensors rank below
# dimensioned ones); an int8 array plus a Python float is float64 in numpy, float32 (the default
# dtype) in torch.


def category(dtype: torch.dtype) -> int:
    return CATEGORY[dtype]


def promote_types(a: torch.dtype, b: torch.dtype) -> torch.dtype:
    """``torch.promote_types``: the smallest dtype of the higher category that holds both."""
    if a == b:
        return a
    if category(a) != category(b):
        high, low = (a, b) if category(a) > category(b) else (b, a)
        if category(high) == 3 and category(low) == 2:
            return COMPLEX_OF[promote_types(REAL_OF[high], low)]
        return high
    if frozenset({a, b}) in JOINS:
        return JOINS[frozenset({a, b})]
    return max(a, b, key=WIDTH_ORDER.index)


def scalar_dtype(value) -> torch.dtype:
    """The dtype a Python scalar operand counts as."""
    if isinstance(value, bool):
        return torch.bool
    if isinstance(value, numbers.Integral):
        return torch.int64
    if isinstance(value, numbers.Real):
        return torch.get_default_dtype()
    return COMPLEX_OF[torch.get_default_dtype()]


def _combine(higher: torch.dtype | None, lower: torch.dtype | None) -> torch.dtype | None:
    """A higher-priority group's dtype, changed by a lower group only if that one's category is higher."""
    if higher is None or lower is None:
        return higher if lower is None else lower
    if category(higher) == 2 and category(lower) == 3:
        return COMPLEX_KEEPING_PRECISION[higher]
    if category(lower) > category(higher):
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> torch.dtype:
    """``torch.result_type`` of tensors and Python scalars, by the documented three-group rule."""
    groups: dict[str, torch.dtype | None] = {"dimensioned": None, "zero-dim": None, "scalar": None}
    for operand in operands:
        if isinstance(operand, torch.Tensor):
            group, dtype = ("dimensioned" if operand.dim() else "zero-dim"), operand.dtype
        else:
            group, dtype = "scalar", scalar_dtype(operand)
        groups[group] = dtype if groups[group] is None else promote_types(groups[group], dtype)
    return _combine(groups["dimensioned"], _combine(groups["zero-dim"], groups["scalar"]))


def can_cast(source: torch.dtype, target: torch.dtype) -> bool:
    """``torch.can_cast``: casting may not lower the category (float to int, complex to float, to bool)."""
    return category(source) <= category(target)
