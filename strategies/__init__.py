"""Hypothesis strategies for PyTorch tensors: dtypes, shapes, and strided tensors with recipes."""

from .dtypes import ALL_KINDS, KINDS, dtypes, kind_of, supported
from .shapes import MAX_DIMS, reshapes, shapes
from .tensors import (INTERLEAVED, LAYOUTS, WRITABLE_LAYOUTS, Recipe, Step, applicable_layouts, filler, rebuilt,
                      recipe_of, special_values, tensors)

__all__ = [
    "ALL_KINDS", "INTERLEAVED", "KINDS", "LAYOUTS", "MAX_DIMS", "WRITABLE_LAYOUTS", "Recipe", "Step",
    "applicable_layouts", "dtypes", "filler", "kind_of", "rebuilt", "recipe_of", "reshapes", "shapes",
    "special_values", "supported", "tensors",
]
