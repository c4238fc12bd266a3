"""conv_transpose2d's backward on the CPU raises 'grad_weight needs to be contiguous' for a weight whose
size-1 dims make it both channels-last-like and not contiguous (shape (2, 2, 1, 2), strides (4, 1, 1, 2)),
with an input permuted likewise; the forward works, and a contiguous weight's backward works.  torch only."""
import torch
import torch.nn.functional as F

x = torch.tensor([1.46, 0.90], dtype=torch.float64).reshape(1, 1, 1, 2).permute(0, 3, 2, 1)  # (1, 2, 1, 1)
w = torch.arange(1.0, 9.0, dtype=torch.float64).reshape(2, 2, 2, 1).permute(0, 2, 3, 1)       # (2, 2, 1, 2)
for name, weight in (("permuted weight", w), ("contiguous weight", w.contiguous())):
    xs, ws = x.clone().requires_grad_(), weight.clone().requires_grad_()
    y = F.conv_transpose2d(xs, ws, stride=(1, 2))
    try:
        torch.autograd.grad(y, (xs, ws), torch.ones_like(y))
        print(f"{name}: backward ok (weight strides {tuple(weight.stride())})")
    except RuntimeError as error:
        print(f"{name}: backward raises RuntimeError: {error} (weight strides {tuple(weight.stride())})")
