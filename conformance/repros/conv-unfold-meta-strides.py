"""torch.nn.functional.unfold (im2col) of a permuted input: the CPU result is contiguous, while the meta kernel
gives the result other strides, in every floating dtype.  torch + numpy only."""
import numpy as np
import torch
import torch.nn.functional as F

permuted = (torch.from_numpy(np.ones((1, 2, 2))).permute(0, 2, 1),
            torch.from_numpy(np.ones((1, 1, 2, 2))).permute(0, 1, 3, 2))
for x in permuted:
    arguments = dict(kernel_size=(1, 2), padding=(1, 0), stride=(1, 2))
    print(tuple(x.shape), x.stride(), "cpu strides:", F.unfold(x, **arguments).stride(),
          " meta strides:", F.unfold(x.to("meta"), **arguments).stride())
