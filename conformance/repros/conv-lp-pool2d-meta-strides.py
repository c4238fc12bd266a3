"""torch.nn.functional.lp_pool2d of an input whose strides reorder its dims: the CPU result is contiguous, while
on meta it is channels-last, in every floating dtype.  The composite's first step, pow, already differs: CPU
gives the size-one batch dim stride 4 where meta gives 8, and avg_pool2d then picks another memory format.
torch + numpy only."""
import numpy as np
import torch
import torch.nn.functional as F

x = torch.from_numpy(np.arange(1.0, 10.0)).as_strided((1, 2, 2, 2), (4, 1, 5, 2), 0)
print("pow:       cpu", x.pow(2).stride(), " meta", x.to("meta").pow(2).stride())
print("lp_pool2d: cpu", F.lp_pool2d(x, 2, kernel_size=(1, 1)).stride(),
      " meta", F.lp_pool2d(x.to("meta"), 2, kernel_size=(1, 1)).stride())
