"""torch 2.13 CPU: conv2d of a contiguous bfloat16 input with a channels_last bfloat16 weight crashes
the process (SIGSEGV) for stride (1, 2), dilation (1, 2), padding (2, 1).

The same call with a contiguous weight, or in float16/float32/float64, returns a (1, 1, 4, 2) result.
Run: python repro-conv-conv2d-bf16-channels-last-weight-segfault.py  (exit status 139 = the crash)
"""
import numpy as np
import torch
import torch.nn.functional as F

kwargs = dict(stride=(1, 2), dilation=(1, 2), padding=(2, 1))
x = torch.from_numpy(np.linspace(-1, 1, 4).reshape(1, 2, 2, 1)).to(torch.bfloat16)
w = torch.from_numpy(np.linspace(-1, 1, 6).reshape(1, 2, 3, 1)).to(torch.bfloat16)
print("contiguous weight:", F.conv2d(x, w, **kwargs).shape, flush=True)
print("float32, channels_last weight:", F.conv2d(x.float(), w.float().contiguous(memory_format=torch.channels_last),
                                                 **kwargs).shape, flush=True)
w_cl = w.contiguous(memory_format=torch.channels_last)  # strides (6, 1, 2, 2)
for _ in range(3000):  # the crash is an invalid memory access: it may take a few calls to hit an unmapped page
    out = F.conv2d(x, w_cl, **kwargs)
print("bfloat16, channels_last weight: no crash", out.shape)
