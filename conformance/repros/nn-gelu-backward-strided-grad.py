"""CPU gelu (approximate='none') backward in float32 and bfloat16 raises "could not construct a memory
descriptor using strides" for a grad_output whose strides are no permutation of a dense layout (here (2, 3),
as a diagonal view of a drawn tensor has); float64, approximate='tanh' and a contiguous copy of the same
grad_output work.  The nearest upstream report is pytorch#112006 (gelu backward with a strided grad, closed).
torch + numpy only."""
import numpy as np
import torch

for dtype in (torch.float32, torch.bfloat16, torch.float64):
    x = torch.tensor(np.array([[1.4, -2.3], [-4.6, -4.8]]), dtype=dtype, requires_grad=True)
    grad = torch.arange(8, dtype=dtype).as_strided((2, 2), (2, 3))  # rows 2 apart, columns 3 apart
    try:
        (g,) = torch.autograd.grad(torch.nn.functional.gelu(x), x, grad)
        print(dtype, "ok:", g.tolist(), " contiguous grad:",
              torch.autograd.grad(torch.nn.functional.gelu(x), x, grad.contiguous())[0].tolist())
    except RuntimeError as error:
        print(dtype, "RuntimeError:", error)
