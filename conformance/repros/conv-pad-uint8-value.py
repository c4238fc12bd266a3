"""torch 2.13: F.pad of a uint8 tensor with a negative fill value raises on the CPU, succeeds on meta
(noticed; the registry now draws fill values every dtype holds, so no test reaches it)."""
import numpy as np
import torch
import torch.nn.functional as F

x = torch.from_numpy(np.array([[3]], dtype=np.uint8))
print("meta:", F.pad(x.to("meta"), (0, 0, 0, 1), value=-2.5).shape)
try:
    print("cpu:", F.pad(x, (0, 0, 0, 1), value=-2.5))
except RuntimeError as error:
    print("cpu raises:", error)
