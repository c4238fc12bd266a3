"""torch.take_along_dim without dim raises on a non-contiguous input (torch 2.13.0+cpu); numpy agrees with the
contiguous copy.  Docs: https://pytorch.org/docs/stable/generated/torch.take_along_dim.html"""
import numpy as np
import torch

x = torch.arange(4.0).reshape(2, 2).t()  # a transpose: not contiguous
indices = torch.tensor([1, 2])
print("contiguous copy:", torch.take_along_dim(x.contiguous(), indices))
print("numpy:", np.take_along_axis(x.numpy().reshape(-1), indices.numpy(), axis=0))
try:
    print("transposed:", torch.take_along_dim(x, indices))
except RuntimeError as error:
    print("transposed raises:", error)
