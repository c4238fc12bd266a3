"""torch.cat along dim 1 into an out= of shape (1, 1) whose strides are (1, 2) (a column of a (1, 2) tensor,
permuted) leaves out unwritten on CPU (torch 2.13.0+cpu); torch.hstack and torch.column_stack, which cat along
dim 1, inherit it.  The same out along dim 0, or a (1, 1) out of strides (1, 1), is written.
The out= notes: "Passing out= tensors with the correct shape is numerically equivalent to performing the
operation and 'safe copying' its results to the (unmodified) out tensor"
(https://pytorch.org/docs/stable/notes/out.html); numpy.concatenate / hstack / column_stack is the reference.
"""
import numpy as np
import torch


def out():
    return torch.full((1, 2), -7.0).narrow(1, 0, 1).permute(1, 0)  # shape (1, 1), strides (1, 2)


x = torch.tensor([[0.5]])
for name, call in [("cat dim 1", lambda o: torch.cat([x], 1, out=o)),
                   ("cat dim 0", lambda o: torch.cat([x], 0, out=o)),
                   ("hstack", lambda o: torch.hstack([x], out=o)),
                   ("column_stack", lambda o: torch.column_stack([x.reshape(1)], out=o))]:
    o = out()
    call(o)
    print(f"{name}: out holds {o.flatten().tolist()}, numpy gives {np.hstack([x.numpy()]).flatten().tolist()}")
