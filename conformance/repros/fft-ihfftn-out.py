"""torch.fft.ihfftn(x, out=out) with ONE transformed dim leaves a wrong result in out (torch 2.13 CPU).

Documented (https://pytorch.org/docs/stable/generated/torch.fft.ihfftn.html, out=; notes/out.html):
out= holds the function's result.  Observed: an empty out stays empty (shape (0,)); an out of the
right shape holds other values than torch.fft.ihfftn(x); with two or more transformed dims it is right.
numpy has no ihfftn; the expected values are the function's own result (same call without out=).
"""
import warnings

import torch

warnings.simplefilter("ignore")  # the deprecated-resize warning
x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
for kwargs in ({}, {"dim": (1,)}, {"s": (3,)}, {"dim": (0,)}, {"dim": (0, 1)}):
    arg = x[0] if not kwargs else x  # {}: a 1-D input, so its one dim is transformed
    expected = torch.fft.ihfftn(arg, **kwargs)
    empty = torch.empty(0, dtype=torch.complex64)
    torch.fft.ihfftn(arg, out=empty, **kwargs)
    sized = torch.empty(expected.shape, dtype=torch.complex64)
    torch.fft.ihfftn(arg, out=sized, **kwargs)
    print(kwargs, "expected shape", tuple(expected.shape), "| empty out ->", tuple(empty.shape),
          "| right-shape out equal:", torch.equal(sized, expected))
