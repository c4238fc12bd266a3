"""torch.func.vmap(torch.median) over a batch of empty tensors raises IndexError, while torch.median of each
empty slice returns NaN (float) without error: vmap's result differs from the loop over the batch.

Closest upstream: https://github.com/pytorch/pytorch/issues/131149 (median/nanmedian of an empty tensor
with dim raise "Expected reduction dim ... to have non-zero size", without dim they return NaN); the
batching rule reduces along a dim.
"""
import torch

x = torch.empty(2, 0)
print("loop:", [torch.median(row) for row in x])
try:
    print(torch.func.vmap(torch.median)(x))
except IndexError as error:
    print("vmap:", error)
print("nanmedian loop:", [torch.nanmedian(row) for row in x])
try:
    print(torch.func.vmap(torch.nanmedian)(x))
except IndexError as error:
    print("nanmedian vmap:", error)
