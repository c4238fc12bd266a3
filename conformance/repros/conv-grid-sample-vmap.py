"""torch 2.13 CPU: vmap of grid_sample with the batch dim at position 0 of the input and position 1 of the grid
(vmap size 1) gives a result of another shape than the loop over the batch."""
import numpy as np
import torch
import torch.nn.functional as F

inp = torch.from_numpy(np.array([2.09, 1.17], dtype=np.float32).reshape(1, 2, 1, 1, 1))  # vmapped dim 0
grid = torch.from_numpy(np.array([0.26, -0.44, -0.87, -0.92], dtype=np.float32).reshape(2, 1, 1, 1, 2))  # vmapped dim 1
fn = lambda a, g: F.grid_sample(a, g, mode="bilinear", padding_mode="zeros", align_corners=False)
mapped = torch.func.vmap(fn, in_dims=(0, 1))(inp, grid)
loop = torch.stack([fn(inp[b], grid.select(1, b)) for b in range(1)])
print("vmap:", tuple(mapped.shape), "loop:", tuple(loop.shape))
