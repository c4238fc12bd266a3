"""Forward-mode AD of torch.logcumsumexp along a dim of size 0 raises IndexError ("max(): Expected reduction
dim 0 to have non-zero size"), while the forward value and reverse mode (vjp) work: logcumsumexp_jvp takes a
max along the dim (https://github.com/pytorch/pytorch/issues/196705 is about that same max-normalisation).
"""
import torch

x = torch.empty(0, dtype=torch.float64)
print("forward:", torch.logcumsumexp(x, 0))
_, vjp = torch.func.vjp(lambda t: torch.logcumsumexp(t, 0), x)
print("vjp:", vjp(torch.empty(0, dtype=torch.float64)))
try:
    torch.func.jvp(lambda t: torch.logcumsumexp(t, 0), (x,), (torch.empty(0, dtype=torch.float64),))
except IndexError as error:
    print("jvp:", error)
