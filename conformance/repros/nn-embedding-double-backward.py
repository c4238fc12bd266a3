"""torch 2.13 CPU: the double backward of embedding raises when the indices have no elements.

derivatives.yaml gives embedding_dense_backward a derivative (embedding_dense_double_backward); with an
empty index tensor the first backward works (a zero gradient) but the second raises in a reshape to [0, -1].
torch + numpy only.
"""
import torch
import torch.nn.functional as F

weight = torch.randn(2, 1, dtype=torch.float64, requires_grad=True)
indices = torch.zeros(0, dtype=torch.int64)
grad_out = torch.zeros(0, 1, dtype=torch.float64, requires_grad=True)
(grad_weight,) = torch.autograd.grad(F.embedding(indices, weight), weight, grad_out, create_graph=True)
print("first backward:", grad_weight.flatten().tolist())
try:
    torch.autograd.grad(grad_weight, grad_out, torch.ones_like(grad_weight))
    print("double backward: ok")
except RuntimeError as error:
    print("double backward: RuntimeError:", error)
