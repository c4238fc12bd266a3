"""torch.func.vmap(torch.addbmm) of int8 inputs returns int64, while torch.addbmm itself returns int8 (vmap must
equal the op applied to each slice, https://pytorch.org/docs/stable/generated/torch.func.vmap.html).
torch 2.13.0 CPU."""
import torch

for dtype in (torch.int8, torch.int16, torch.int32, torch.float32):
    x = torch.ones(2, 1, 1, dtype=dtype)
    b = torch.ones(2, 1, 1, 1, dtype=dtype)
    mapped = torch.func.vmap(torch.addbmm)(x, b, b)
    print(dtype, "vmap:", mapped.dtype, "loop:", torch.addbmm(x[0], b[0], b[0]).dtype)
