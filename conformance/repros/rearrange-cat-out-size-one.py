"""CPU torch.cat(out=) of floating dtypes (float16, bfloat16, float32, float64) leaves ``out`` unwritten when
every dim of ``out`` has size 1 and its stride along the concatenated dim is not 1 (such an ``out`` counts as
contiguous); integer, bool and complex dtypes, and the same ``out`` with stride 1 there, are written.  Every
route through cat (concat, concatenate, hstack, dstack, column_stack, stack) shares it.  torch + numpy only."""
import numpy as np
import torch

for dtype in (torch.float32, torch.float64, torch.int64):
    out = torch.ones(4, dtype=dtype).as_strided((1, 1), (1, 2))  # stride 2 along dim 1, the cat dim
    torch.cat([torch.from_numpy(np.zeros((1, 1))).to(dtype)], dim=1, out=out)
    print(dtype, "out after cat of a zero:", out.tolist(), "(expected [[0]])")
