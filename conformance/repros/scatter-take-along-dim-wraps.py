"""take_along_dim(..., dim=d) wraps out-of-range indices (torch 2.13.0+cpu); numpy and the dim=None path raise.
Upstream: https://github.com/pytorch/pytorch/issues/196106"""
import numpy as np
import torch

x = torch.tensor([10.0, 20.0, 30.0])
print("torch dim=0:", torch.take_along_dim(x, torch.tensor([9]), dim=0))
for name, call in [("torch dim=None", lambda: torch.take_along_dim(x, torch.tensor([9]))),
                   ("numpy", lambda: np.take_along_axis(x.numpy(), np.array([9]), axis=0))]:
    try:
        call()
    except (IndexError, RuntimeError) as error:
        print(name, "raises:", type(error).__name__, error)
