"""torch 2.13 CPU: forward-mode AD of group_norm raises on a channels-last input.

torch.func.jvp is documented for any differentiable function (https://pytorch.org/docs/stable/generated/torch.func.jvp.html);
group_norm has a forward-AD formula, and the contiguous copy of the same input works.  torch + numpy only.
"""
import torch
import torch.nn.functional as F

x = torch.tensor([0.82, -1.38, -2.75, -2.90], dtype=torch.float64).reshape(1, 2, 1, 2)
tangent = torch.ones(1, 2, 1, 2, dtype=torch.float64)
_, t = torch.func.jvp(lambda a: F.group_norm(a, 1), (x,), (tangent,))
print("contiguous input: jvp", t.flatten().tolist())
channels_last = x.contiguous(memory_format=torch.channels_last)
try:
    torch.func.jvp(lambda a: F.group_norm(a, 1), (channels_last,), (tangent,))
    print("channels-last input: ok")
except RuntimeError as error:
    print("channels-last input: RuntimeError:", error)
