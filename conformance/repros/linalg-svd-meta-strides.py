"""torch.linalg.svd on the meta device gives Vh row-major strides, the cpu gives column-major ones
(https://pytorch.org/docs/stable/meta.html: meta tensors carry the metadata the device computes; the meta function
picks CUDA's layout, see https://github.com/pytorch/pytorch/pull/100130).  torch 2.13.0 CPU."""
import torch

for shape in ((2, 2), (2, 3, 4)):
    a = torch.rand(shape)
    for device in ("cpu", "meta"):
        u, s, vh = torch.linalg.svd(a.to(device), full_matrices=False)
        print(shape, device, "U", u.stride(), "S", s.stride(), "Vh", vh.stride())
