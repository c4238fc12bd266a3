"""torch.fft.fftshift/ifftshift (torch.roll) of a permuted (non-contiguous) input: the CPU result keeps the
input's dim order (strides follow the input), the meta device gives a contiguous result (torch 2.13).

Documented (https://pytorch.org/docs/stable/meta.html): the meta device computes the result's metadata
(shape, dtype, strides) without the data; here the strides differ, shapes and dtypes agree.
"""
import torch

x = torch.arange(8, dtype=torch.float32).reshape(2, 1, 2, 2).permute(0, 3, 1, 2)  # shape (2, 2, 1, 2)
for name, fn in (("fftshift", torch.fft.fftshift), ("ifftshift", torch.fft.ifftshift),
                 ("roll", lambda t, dim: torch.roll(t, 1, dim))):
    cpu, meta = fn(x, dim=0), fn(x.to("meta"), dim=0)
    print(name, "cpu strides", cpu.stride(), "meta strides", meta.stride(), "shapes equal:", cpu.shape == meta.shape)
