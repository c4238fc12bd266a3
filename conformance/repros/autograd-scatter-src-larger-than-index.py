"""torch 2.13 CPU: scatter's backward fails when src is larger than index, which the scatter docs allow.

The gradient for src is computed as grad.gather(dim, index), of index's shape, and autograd rejects it: "Function
ScatterBackward0 returned an invalid gradient at index 1 - got [1, 1, 1] but expected shape compatible with
[2, 2, 2]".  The same with a zero-size index (pytorch#94336).  Upstream: pytorch#27614.  torch + numpy only.
"""
import torch

for index_shape, src_shape in (((1, 1, 1), (2, 2, 2)), ((0, 1, 1), (0, 1, 2))):
    x = torch.zeros(1, 2, 2, dtype=torch.float64, requires_grad=True)
    src = torch.ones(src_shape, dtype=torch.float64, requires_grad=True)
    index = torch.zeros(index_shape, dtype=torch.int64)
    try:
        torch.scatter(x, 1, index, src).sum().backward()
        print(index_shape, src_shape, "src.grad", tuple(src.grad.shape))
    except RuntimeError as error:
        print(index_shape, src_shape, "RuntimeError:", str(error).splitlines()[0])
