"""CPU torch.neg of a complex value with a zero part: -(0+0j) is -0-0j and -(1.5+0j) is -1.5-0j (IEEE 754
negation flips the sign bit of each part, as numpy and torch's scalar path give), but the vectorized path (8
or more complex64 elements) gives the zero part +0, while out= into a non-contiguous tensor gives -0.
torch + numpy only."""
import numpy as np
import torch

for value in (0j, 1.5 + 0j):
    for n in (4, 8):
        x = torch.from_numpy(np.full(n, value, dtype=np.complex64))
        print(value, n, "elements: torch.neg ->", torch.neg(x)[0].item(), " numpy ->", np.negative(x.numpy())[0])
