"""A pytest plugin for self-tests: torch.square of strided real floating tensors one part in 64 too large (visible in every float dtype).

Loaded with ``-p tests.plant_square_fault`` it patches torch before the conformance modules run; the
registry looks ``torch.square`` up when it calls it, so the layout invariant calls the faulty function.
"""

import torch

_square = torch.square


def square(x):
    out = _square(x)
    return out * (1 + 2.0 ** -6) if x.is_floating_point() and not x.is_contiguous() else out


torch.square = square
