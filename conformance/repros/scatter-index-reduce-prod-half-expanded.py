"""index_reduce(..., 'prod', include_self=False) of float16 with an expanded (stride-0) source raises an
INTERNAL ASSERT ('iter.ninputs() == traits::arity', ATen/native/cpu/Loops.h) on the CPU, while a contiguous copy
of the same source works, and bfloat16/float32 work with either.  torch only."""
import torch

for dtype in (torch.float16, torch.bfloat16, torch.float32):
    self = torch.tensor([[0.91, -1.19], [-1.88, -1.95]], dtype=dtype).unsqueeze(0)  # (1, 2, 2)
    source = torch.tensor([0.91], dtype=dtype).expand(2, 2, 2)  # stride 0
    index = torch.tensor([0, 0])
    for name, src in (("expanded source", source), ("contiguous source", source.contiguous())):
        try:
            self.index_reduce(0, index, src, "prod", include_self=False)
            print(f"{str(dtype):15s} {name:18s} ok")
        except RuntimeError as error:
            print(f"{str(dtype):15s} {name:18s} RuntimeError: {str(error).splitlines()[0][:90]}")
