"""index_fill on a non-dense strided self: the meta device gives contiguous strides where the cpu keeps self's
stride order (torch 2.13.0+cpu).  Closest upstream: https://github.com/pytorch/pytorch/issues/161010 (meta clone
with preserve_format computes other strides than eager for non-dense inputs)."""
import torch

for device in ("cpu", "meta"):
    x = torch.zeros(9, device=device).as_strided((2, 2, 2), (5, 1, 2))  # non-overlapping, not dense
    result = torch.index_fill(x, 0, torch.tensor([0], device=device), 1.0)
    print(device, tuple(result.shape), result.stride())
