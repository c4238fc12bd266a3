"""CPU batch_norm in training mode (and without running stats) on a contiguous float16 input can be several
ulps from the exact value where the result cancels (w * x_hat + b near 0), while the same values laid out with
a stride give the correctly rounded result: the two layouts take different kernels.  The exact value is the
float64 result.  torch + numpy only."""
import numpy as np
import torch
import torch.nn.functional as F

strided = torch.tensor([0.82177734375, 0.0, -1.380859375, 0.0], dtype=torch.float16).reshape(1, 1, 2, 2)[..., 0]
weight = torch.tensor([-1.3193359375], dtype=torch.float16)
bias = torch.tensor([-1.4306640625], dtype=torch.float16)
exact = F.batch_norm(strided.double(), None, None, weight.double(), bias.double(), True)
ulp = torch.from_numpy(np.spacing(np.abs(exact.numpy()).astype(np.float16)).astype(np.float64))
for name, x in (("strided", strided), ("contiguous", strided.contiguous())):
    got = F.batch_norm(x, None, None, weight, bias, True)
    print(f"{name:10s} {got.flatten().tolist()}  error {((got.double() - exact).abs() / ulp).flatten().tolist()} ulp")
print("exact     ", exact.flatten().tolist())
