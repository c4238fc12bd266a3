"""torch 2.13 CPU: vmap of mul or div of a float16 (or bfloat16) tensor by a 0-d float32 tensor rounds twice.

The loop over the batch multiplies in float32 and rounds the result to float16 once (correctly rounded); the
batched kernel casts the float32 operand to float16 first, then rounds the product again: one ulp off.
PyTorch does not promise bitwise-identical batched results
(https://pytorch.org/docs/stable/notes/numerical_accuracy.html), but the loop's result is the correctly rounded
one.  torch + numpy only.
"""
import torch

a = torch.tensor([0.2364501953125], dtype=torch.float16).reshape(1, 1)
b = torch.tensor([-4.767757415771484], dtype=torch.float32)  # one 0-d float32 operand per batch element
for name in ("mul", "div"):
    f = getattr(torch, name)
    print(name, "vmap", torch.vmap(f)(a, b).item(), "loop", f(a[0], b[0]).item(),
          "exact", f(a[0].double(), b[0].double()).item(), "float16 operand first", f(a[0], b[0].half()).item())
