"""CPU torch.pixel_shuffle of a channels-last 4-D input gives a channels-last result, while the meta kernel
gives a contiguous one, for every dtype (pixel_unshuffle agrees with its meta kernel).  torch + numpy only."""
import numpy as np
import torch

x = torch.from_numpy(np.arange(24, dtype=np.float32).reshape(1, 8, 3, 1)).contiguous(memory_format=torch.channels_last)
print("cpu strides: ", torch.pixel_shuffle(x, 2).stride())
print("meta strides:", torch.pixel_shuffle(x.to("meta"), 2).stride())
