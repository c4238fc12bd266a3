"""dtype strategies, gated by what each device supports.

Source: https://pytorch.org/docs/stable/tensor_attributes.html#torch-dtype
(MPS has no float64/complex128: https://pytorch.org/docs/stable/notes/mps.html).
"""

from __future__ import annotations

import torch
from hypothesis import strategies as st

FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
COMPLEX = (torch.complex64, torch.complex128)
SIGNED = (torch.int8, torch.int16, torch.int32, torch.int64)
UNSIGNED = (torch.uint8,)
BOOL = (torch.bool,)

KINDS = {
    "float": FLOATS,
    "complex": COMPLEX,
    "int": SIGNED,
    "uint": UNSIGNED,
    "bool": BOOL,
}
ALL_KINDS = tuple(KINDS)

# dtypes a device type cannot hold; everything else is assumed supported.
UNSUPPORTED = {
    "mps": {torch.float64, torch.complex128},
}


def kind_of(dtype: torch.dtype) -> str:
    """The kind ("float", "complex", "int", "uint", "bool") of a dtype."""
    for kind, members in KINDS.items():
        if dtype in members:
            return kind
    raise ValueError(f"dtype {dtype} is outside the suite's dtype table")


def supported(device: str | torch.device = "cpu", kinds=ALL_KINDS) -> list[torch.dtype]:
    """The dtypes of the given kinds that ``device`` can hold, in table order."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown dtype kinds {sorted(unknown)}; choose from {ALL_KINDS}")
    dtype_type = torch.device(device).type
    excluded = UNSUPPORTED.get(dtype_type, set())
    return [d for k in kinds for d in KINDS[k] if d not in excluded]


def dtypes(device: str | torch.device = "cpu", kinds=ALL_KINDS) -> st.SearchStrategy[torch.dtype]:
    """Any dtype of ``kinds`` that ``device`` supports; shrinks toward the first kind."""
    return st.sampled_from(tuple(supported(device, kinds)))
