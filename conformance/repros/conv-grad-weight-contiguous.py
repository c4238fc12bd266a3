"""conv2d (slow_conv2d, grouped, padded) and conv_transpose1d backward on the CPU raise 'grad_weight must be
contiguous' / 'grad_weight needs to be contiguous' for inputs whose size-1 dims leave them non-contiguous
(the layouts nightly run 9 drew for gradcheck); the forward works, and fresh copies' backward works.
The same family as conv-transpose2d-grad-weight-contiguous.py.  torch only."""
import torch
import torch.nn.functional as F

x2 = torch.tensor([1.46, 0.90, 0.56, 0.52], dtype=torch.float64).reshape(1, 1, 4, 1, 1) \
    .diagonal(dim1=-2, dim2=-1).transpose(1, 2)                                       # (1, 4, 1, 1)
w2 = torch.arange(1.0, 9.0, dtype=torch.float64).reshape(2, 2, 1, 2)
x1 = torch.tensor([1.46, 0.90], dtype=torch.float64).reshape(1, 2, 1).transpose(1, 2)  # (1, 1, 2)
w1 = torch.arange(1.0, 5.0, dtype=torch.float64).reshape(2, 2, 1).transpose(0, 2)      # (1, 2, 2)
cases = {
    "conv2d": (lambda x, w: F.conv2d(x, w, groups=2, padding=(0, 1)), x2, w2),
    "conv_transpose1d": (lambda x, w: F.conv_transpose1d(x, w), x1, w1),
}
for name, (conv, x, w) in cases.items():
    fresh = (x.flatten().clone().view(x.shape), w.flatten().clone().view(w.shape))  # standard strides
    for layout, (a, b) in (("drawn layouts", (x, w)), ("fresh copies", fresh)):
        xs, ws = a.clone().requires_grad_(), b.clone().requires_grad_()
        y = conv(xs, ws)
        try:
            torch.autograd.grad(y, (xs, ws), torch.ones_like(y))
            print(f"{name}, {layout}: backward ok (strides {xs.stride()}, {ws.stride()})")
        except RuntimeError as error:
            print(f"{name}, {layout}: backward raises RuntimeError: {error} (strides {xs.stride()}, {ws.stride()})")
