"""torch.tril / torch.triu with a dense but non-contiguous out= (batch dims permuted, matrices of one row)
write outside out's storage on CPU (torch 2.13.0+cpu): a wrong result and a corrupted heap
("double free or corruption", "free(): invalid next size"), so the process aborts.

Documented: out= tensors of the result's shape are written "as if safe copying" the result, with
their strides preserved (https://pytorch.org/docs/stable/notes/out.html); numpy.tril is the reference.
Run it in a subprocess: it is expected to crash.
"""
import numpy as np
import torch

x = torch.arange(24.).reshape(2, 4, 1, 3)
out = torch.zeros(4, 2, 1, 3).transpose(0, 1)  # dense, non-overlapping: strides (3, 6, 3, 1)
torch.tril(x, 3, out=out)
print("equals numpy.tril:", np.array_equal(out.numpy(), np.tril(x.numpy(), 3)))
del out  # the heap corruption is usually detected here or at exit
