"""torch.kron raises on a transposed (non-contiguous) operand, while kron of its contiguous copy, and kron with
out=, succeed (https://github.com/pytorch/pytorch/issues/54135).  torch 2.13.0 CPU."""
import torch

a, b = torch.ones(2), torch.rand(2, 2).t()
try:
    torch.kron(a, b)
    print("kron(a, b.t()) ok")
except RuntimeError as e:
    print("kron(a, b.t()) raises:", str(e)[:80])
print("kron(a, b.t().contiguous()):", tuple(torch.kron(a, b.contiguous()).shape))
out = torch.empty(0)
print("kron(a, b.t(), out=empty):", tuple(torch.kron(a, b, out=out).shape))
