"""torch 2.13 CPU: batch_norm's backward reads a non-contiguous weight or running_var with the wrong strides.

The forward results agree with those of contiguous copies; the gradients do not (nan from the gap between
the weight's elements; 1/sqrt(eps) in eval mode).  Layout is documented not to change results
(https://pytorch.org/docs/stable/tensor_view.html).  torch + numpy only.
"""
import torch
import torch.nn.functional as F

x = torch.tensor([0.82, -1.38, -2.75, -2.90], dtype=torch.float64).reshape(2, 2, 1)
weight_storage = torch.tensor([0.82, float("nan"), -1.38], dtype=torch.float64)
for name, weight in (("strided weight   ", weight_storage[0:3:2]), ("contiguous weight", weight_storage[0:3:2].contiguous())):
    xx = x.clone().requires_grad_()
    y = F.batch_norm(xx, None, None, weight, training=True)
    (g,) = torch.autograd.grad(y, xx, torch.arange(1.0, 5.0, dtype=torch.float64).reshape(2, 2, 1))
    print("training,", name, "output", y.flatten().tolist(), "grad_input", g.flatten().tolist())

x = torch.tensor([0.82, -1.38], dtype=torch.float64).reshape(1, 2)
running_mean = torch.tensor([0.27, -0.46], dtype=torch.float64)
var_storage = torch.tensor([1.455, float("nan"), float("nan"), 0.905], dtype=torch.float64).reshape(2, 2)
for name, running_var in (("strided running_var   ", var_storage.diagonal()),
                          ("contiguous running_var", var_storage.diagonal().contiguous())):
    xx = x.clone().requires_grad_()
    y = F.batch_norm(xx, running_mean, running_var, training=False)
    (g,) = torch.autograd.grad(y, xx, torch.ones_like(y))
    print("eval,", name, "output", y.flatten().tolist(), "grad_input", g.flatten().tolist())

# a grad_output in another layout (a permuted view) than the input's
x = torch.tensor([0.82, -1.38, -2.75, -2.90], dtype=torch.float64).reshape(1, 2, 1, 2)
grad_storage = torch.tensor([0.55, -0.92, -1.84, -1.93], dtype=torch.float64)
for name, grad_out in (("permuted grad_output  ", grad_storage.reshape(1, 2, 2, 1).permute(0, 2, 3, 1)),
                       ("contiguous grad_output", grad_storage.reshape(1, 2, 2, 1).permute(0, 2, 3, 1).contiguous())):
    xx = x.clone().requires_grad_()
    y = F.batch_norm(xx, None, None, training=True)
    (g,) = torch.autograd.grad(y, xx, grad_out)
    print("training,", name, "grad_input", g.flatten().tolist())
