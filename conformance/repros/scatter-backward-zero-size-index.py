"""torch 2.13 CPU: scatter's backward with a zero-size index smaller than src raises.

scatter allows src larger than index; with a zero-size index (0, 1, 1) and src (0, 1, 2) the forward works, and
the backward returns src's gradient in the index's shape, which autograd rejects.  torch + numpy only.
"""
import torch

x = torch.tensor([0.82], dtype=torch.float64).reshape(1, 1, 1).requires_grad_()
src = torch.empty(0, 1, 2, dtype=torch.float64, requires_grad=True)
index = torch.empty(0, 1, 1, dtype=torch.int64)
torch.scatter(x, 0, index, src).sum().backward()
print("src.grad", src.grad.shape)
