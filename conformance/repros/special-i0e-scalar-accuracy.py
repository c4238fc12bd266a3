"""torch.special.i0e in float16/bfloat16: the result written to a strided out= (and the 0-d result) is up to
several ulps from the exact value, while the contiguous result is correctly rounded (within 0.5 ulp).
torch and numpy only; the exact value is float64 i0e rounded to the dtype (float64 i0e is accurate to ~1e-16)."""
import numpy as np
import torch

x64 = torch.linspace(-5, 5, 4096, dtype=torch.float64).reshape(64, 64)
for dtype in (torch.float16, torch.bfloat16, torch.float32):
    x = x64.to(dtype)
    exact = torch.special.i0e(x.double())
    contiguous = torch.special.i0e(x)
    strided = torch.empty(64, 64, dtype=dtype).t()
    torch.special.i0e(x, out=strided)
    zero_d = torch.stack([torch.special.i0e(v) for v in x.reshape(-1)]).reshape(64, 64)
    eps = torch.finfo(dtype).eps  # ulp of [1, 2); the ulp of |e| is eps * 2**floor(log2|e|)
    ulp = eps * torch.exp2(torch.floor(torch.log2(exact.abs())))
    for name, got in (("contiguous", contiguous), ("strided out=", strided), ("0-d", zero_d)):
        print(f"{str(dtype):15s} {name:13s} max error {((got.double() - exact).abs() / ulp).max().item():.2f} ulp")
