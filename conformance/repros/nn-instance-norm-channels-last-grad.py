"""torch 2.13 CPU: instance_norm's gradient is wrong for a batch of one when grad_output is channels-last.

The same values in a contiguous grad_output give the gradient that forward mode (jvp) agrees with; layout is
documented not to change results (https://pytorch.org/docs/stable/tensor_view.html).  batch_norm of the same
input and grad_output is right, and so is instance_norm of a batch of two.  torch + numpy only.
"""
import torch
import torch.nn.functional as F

x = torch.tensor([-1.23, 2.14, 0.70, 0.08], dtype=torch.float64).reshape(1, 2, 1, 2).requires_grad_()
grad_storage = torch.tensor([0.05, 1.80, -1.42, 1.79], dtype=torch.float64)
channels_last = grad_storage.reshape(1, 1, 2, 2).permute(0, 3, 1, 2)  # (1, 2, 1, 2), strides (4, 1, 4, 2)
tangent = torch.tensor([0.05, 1.80, -1.42, 1.79], dtype=torch.float64).reshape(1, 2, 1, 2)
_, jvp = torch.func.jvp(F.instance_norm, (x.detach(),), (tangent,))
print("forward mode             <v, J u>  ", (channels_last * jvp).sum().item())
for name, grad_out in (("channels-last grad_output", channels_last),
                       ("contiguous grad_output   ", channels_last.contiguous())):
    (g,) = torch.autograd.grad(F.instance_norm(x), x, grad_out)
    print(name, "<J^T v, u>", (g * tangent).sum().item(), "grad_input", g.flatten().tolist())
