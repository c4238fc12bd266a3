"""Double backward of torch.median (over all elements) on an empty input: the gradient of grad_output for a
zero, empty cotangent is NaN instead of 0 (an empty sum), so gradgradcheck fails with "backward not
multiplied by grad_output".  The first backward is fine (an empty gradient; gradcheck passes).
"""
import torch

x = torch.empty(0, dtype=torch.float64, requires_grad=True)
g = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
gx, = torch.autograd.grad(torch.median(x), x, g, create_graph=True)
print("d gx / d grad_output for an empty cotangent:",
      torch.autograd.grad(gx, (x, g), torch.empty(0, dtype=torch.float64), allow_unused=True)[1])
try:
    torch.autograd.gradgradcheck(torch.median, (x,))
except RuntimeError as error:
    print("gradgradcheck:", str(error).splitlines()[0])
try:
    torch.autograd.gradgradcheck(torch.nanmedian, (x,))
except RuntimeError as error:
    print("nanmedian gradgradcheck:", str(error).splitlines()[0])
