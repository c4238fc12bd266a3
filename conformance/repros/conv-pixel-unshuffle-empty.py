"""torch 2.13 CPU: pixel_unshuffle of an empty input keeps the input's shape instead of (N, C r^2, H / r, W / r);
meta and pixel_shuffle get it right."""
import numpy as np
import torch

x = torch.from_numpy(np.zeros((0, 1, 2, 2)))
print("cpu:", tuple(torch.pixel_unshuffle(x, 2).shape), "meta:", tuple(torch.pixel_unshuffle(x.to("meta"), 2).shape),
      "expected:", (0, 4, 1, 1))
print("pixel_shuffle cpu:", tuple(torch.pixel_shuffle(torch.from_numpy(np.zeros((0, 4, 1, 1))), 2).shape))
