"""torch 2.13 CPU vs meta: result strides of conv2d, conv_transpose2d, reflect/replicate F.pad and channel_shuffle
on channels-last inputs differ (same shapes and dtypes).  Prints each pair; a line ending in False is a divergence."""
import numpy as np
import torch
import torch.nn.functional as F


def structure(t):
    return tuple(t.shape), t.stride()


x = torch.from_numpy(np.arange(18.0).reshape(1, 2, 3, 3)).contiguous(memory_format=torch.channels_last)
w = torch.from_numpy(np.ones((2, 2, 2, 2)))
cases = {
    "conv2d": lambda t, w: F.conv2d(t, w),
    "conv_transpose2d": lambda t, w: F.conv_transpose2d(t, w),
    "pad reflect": lambda t, w: F.pad(t, (1, 1, 1, 1), mode="reflect"),
    "pad replicate": lambda t, w: F.pad(t, (1, 1, 1, 1), mode="replicate"),
    "pad constant (agrees)": lambda t, w: F.pad(t, (1, 1, 1, 1)),
    "channel_shuffle groups=2": lambda t, w: F.channel_shuffle(torch.cat([t, t], 1), 2),
}
for name, fn in cases.items():
    cpu, meta = fn(x, w), fn(x.to("meta"), w.to("meta"))
    print(f"{name}: cpu {structure(cpu)}, meta {structure(meta)}, equal: {structure(cpu) == structure(meta)}")

# conv1d with a channels-last-strided weight; conv3d (groups=2) of a channels_last_3d input with a transposed weight
w1 = torch.from_numpy(np.ones((2, 2, 2))).permute(0, 2, 1).contiguous().permute(0, 2, 1)
x1 = torch.from_numpy(np.arange(6.0).reshape(1, 2, 3))
x3 = torch.from_numpy(np.arange(8.0, dtype=np.float32).reshape(1, 4, 1, 2, 1)).contiguous(memory_format=torch.channels_last_3d)
w3 = torch.from_numpy(np.ones((2, 2, 1, 2, 1), dtype=np.float32)).transpose(0, 1)  # float32: the mkldnn path
more = {
    "conv1d": (lambda t, w: F.conv1d(t, w), x1, w1),
    "conv3d": (lambda t, w: F.conv3d(t, w, stride=(1, 1, 2), dilation=(1, 1, 2), groups=2, padding=(0, 0, 1)), x3, w3),
}
for name, (fn, t, w) in more.items():
    cpu, meta = fn(t, w), fn(t.to("meta"), w.to("meta"))
    print(f"{name}: cpu {structure(cpu)}, meta {structure(meta)}, equal: {structure(cpu) == structure(meta)}")
wt = torch.from_numpy(np.ones((4, 1, 1, 2, 1), dtype=np.float32)).transpose(0, 1).contiguous().transpose(0, 1)
cpu = F.conv_transpose3d(x3, wt, groups=2)
meta = F.conv_transpose3d(x3.to("meta"), wt.to("meta"), groups=2)
print(f"conv_transpose3d: cpu {structure(cpu)}, meta {structure(meta)}, equal: {structure(cpu) == structure(meta)}")
