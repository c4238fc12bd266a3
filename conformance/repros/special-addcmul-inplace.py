"""complex64 Tensor.addcmul_(t1, t2) with a 0-d t1 writes a value that differs in the last bit from
torch.addcmul(x, t1, t2) on the same tensors (the in-place and out-of-place CPU kernels take different paths
for the broadcast operand).  torch + numpy only."""
import numpy as np
import torch

x = torch.tensor([2.7392337322235107 - 9.180529594421387j, -4.6042656898498535 - 9.66944694519043j],
                 dtype=torch.complex64)
t1 = torch.tensor(2.7392337322235107 - 4.6042656898498535j, dtype=torch.complex64)
t2 = x.clone()
print("function:", torch.addcmul(x, t1, t2).tolist())
print("in-place:", x.clone().addcmul_(t1, t2).tolist())
rng = np.random.default_rng(0)
for dtype in (torch.complex64, torch.complex128):
    bad = 0
    for _ in range(200):
        a = torch.from_numpy(rng.uniform(-10, 10, 4) + 1j * rng.uniform(-10, 10, 4)).to(dtype)
        b, c = a.flip(0) * 0.7, (a[0] * 0.3 + 1).clone()
        bad += int((torch.addcmul(a, c, b) != a.clone().addcmul_(c, b)).sum())
    print(dtype, "in-place differs from the function in", bad, "of 800 elements")
