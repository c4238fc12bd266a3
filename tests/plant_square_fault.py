"""A pytest plugin for self-tests: torch.square of strided float32 tensors one part in 2^20 too large.

Loaded with ``-p tests.plant_square_fault`` it patches torch before the conformance modules are imported,
so the layout family's op table holds the faulty function.
"""

import torch

_square = torch.square


def square(x):
    out = _square(x)
    return out * (1 + 2.0 ** -20) if x.dtype == torch.float32 and not x.is_contiguous() else out


torch.square = square
