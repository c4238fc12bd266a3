"""torch 2.13 CPU: max_pool3d of an unbatched 4-D input with channels-last strides, and pixel_shuffle /
pixel_unshuffle of a 5-D input with channels_last_3d strides raise 'Unsupported memory format', while the same
values in a contiguous tensor, and the meta device, work."""
import numpy as np
import torch
import torch.nn.functional as F

x4 = torch.from_numpy(np.arange(6.0).reshape(1, 2, 1, 3)).contiguous(memory_format=torch.channels_last)
x5 = torch.from_numpy(np.arange(36.0).reshape(2, 2, 1, 3, 3)).contiguous(memory_format=torch.channels_last_3d)
x5s = torch.from_numpy(np.arange(4.0).reshape(1, 2, 1, 1, 2)).contiguous(memory_format=torch.channels_last_3d)
cases = {
    "max_pool3d (C, D, H, W)": (lambda t: F.max_pool3d(t, (1, 1, 2)), x4),
    "pixel_unshuffle 5-D": (lambda t: F.pixel_unshuffle(t, 3), x5),
    "pixel_shuffle 5-D": (lambda t: F.pixel_shuffle(t, 1), x5s),
}
for name, (fn, t) in cases.items():
    print(name, "contiguous:", tuple(fn(t.contiguous()).shape), "meta:", tuple(fn(t.to("meta")).shape))
    try:
        print(name, "strided:", tuple(fn(t).shape))
    except RuntimeError as error:
        print(name, "strided raises:", error)
