"""torch.ldexp(x, e) with an integer e: the gradient with respect to x is 0 where e < 0 instead of 2**e
(derivatives.yaml computes at::pow(2, other) in integer arithmetic; pytorch#187460).  torch + numpy only."""
import numpy as np
import torch

x = torch.tensor([0.7, 1.3], dtype=torch.float64, requires_grad=True)
e = torch.tensor([2, -1], dtype=torch.int32)
(grad,) = torch.autograd.grad(torch.ldexp(x, e).sum(), x)
print("autograd:", grad.tolist(), " 2**e:", np.ldexp(1.0, e.numpy()).tolist())
