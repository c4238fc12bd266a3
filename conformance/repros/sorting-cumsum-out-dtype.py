"""torch.cumsum / torch.cumprod with an out= of a lower type kind than the result: no error.

The out= note (https://pytorch.org/docs/stable/notes/out.html) says the destination "cannot be a lower
'type kind' than the source"; cumsum and cumprod instead compute in out's dtype (the input is cast to it,
truncating floats), as "result type is favored over dtype" in cumsum_out
(https://github.com/pytorch/pytorch/pull/6573).  torch.add, for one, raises.
"""
import numpy as np
import torch

x = torch.tensor([0.5, 1.0, 2.25])
for fn in (torch.cumsum, torch.cumprod):
    out = torch.empty(0, dtype=torch.int64)
    fn(x, 0, out=out)  # no error
    print(fn.__name__, "float input, int64 out:", out.tolist(), "numpy:", getattr(np, fn.__name__)(x.numpy()).tolist())
try:
    torch.add(x, x, out=torch.empty(0, dtype=torch.int64))
except RuntimeError as error:
    print("torch.add raises:", error)
