"""torch 2.13 CPU: max_pool1d and max_pool3d results take other strides than their meta kernels give.

max_pool1d of a transposed (B, C, L) input: CPU returns contiguous strides, meta keeps the input's stride order
(with return_indices=True both keep it).  max_pool3d of a permuted unbatched (C, D, H, W) input: CPU keeps
the input's stride order, meta gives contiguous strides.  Every float dtype.  The meta device promises the
real kernel's shapes, dtypes and strides (https://pytorch.org/docs/stable/meta.html).  torch + numpy only.
"""
import torch
import torch.nn.functional as F

x = torch.tensor([-40.97, 71.25, 23.41, 2.55]).reshape(1, 2, 2).transpose(1, 2)
print("max_pool1d: input strides", x.stride(), "cpu", F.max_pool1d(x, 1).stride(),
      "meta", F.max_pool1d(x.to("meta"), 1).stride())
x = torch.arange(48.0).reshape(4, 6, 2, 1).permute(2, 3, 0, 1)
print("max_pool3d: input strides", x.stride(), "cpu", F.max_pool3d(x, 1, stride=(1, 2, 3)).stride(),
      "meta", F.max_pool3d(x.to("meta"), 1, stride=(1, 2, 3)).stride())
