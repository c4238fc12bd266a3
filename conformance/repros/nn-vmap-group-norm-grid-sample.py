"""torch.func.vmap on the CPU, every float dtype: group_norm over a batch of sliced (non-contiguous) inputs raises
'Expected X.is_contiguous(memory_format) to be true', and grid_sample with the grid batched at its last dim
(size 2, as the batch of 1 sits at 3) raises an INTERNAL ASSERT 'shape[src] % size1 == 0'
(ATen/functorch/BatchRulesHelper.cpp); the loops over the batch work.  torch only."""
import torch
import torch.nn.functional as F

for dtype in (torch.float16, torch.float32, torch.float64):
    x = torch.tensor([0.82, -1.38, 0.0, -2.75, -2.9, 0.0], dtype=dtype).reshape(2, 1, 3)[:, :, 0:2]  # (2, 1, 2)
    loop = torch.stack([F.group_norm(x[i], 1) for i in range(2)])
    try:
        torch.func.vmap(lambda t: F.group_norm(t, 1))(x)
        print(f"{dtype} group_norm: vmap ok (loop ok, {tuple(loop.shape)})")
    except RuntimeError as error:
        print(f"{dtype} group_norm: vmap raises {str(error)[:70]} (loop ok, {tuple(loop.shape)})")
    image = torch.tensor([2.09, 1.17], dtype=dtype).reshape(1, 1, 1, 2, 1)   # batch dim 0
    grid = torch.tensor([0.26, -0.44], dtype=dtype).reshape(1, 1, 1, 1, 2)   # batch dim 3
    loop = F.grid_sample(image[0], grid.select(3, 0), align_corners=False)
    try:
        torch.func.vmap(lambda a, g: F.grid_sample(a, g, align_corners=False), in_dims=(0, 3))(image, grid)
        print(f"{dtype} grid_sample: vmap ok (loop ok, {tuple(loop.shape)})")
    except RuntimeError as error:
        print(f"{dtype} grid_sample: vmap raises {str(error)[:70]} (loop ok, {tuple(loop.shape)})")
