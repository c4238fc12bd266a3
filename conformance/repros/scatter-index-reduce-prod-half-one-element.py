"""index_reduce(..., 'prod') of float16/bfloat16 raises an INTERNAL ASSERT ('iter.ninputs() == traits::arity',
ATen/native/cpu/Loops.h) on the CPU when each indexed slice holds one element and the index has two or more
entries, whatever the layouts and include_self; slices of two or more elements work, and so do float32 and the
other reductions (mean, amax, amin).  torch only."""
import torch

for dtype in (torch.float16, torch.bfloat16, torch.float32):
    for reduce in ("prod", "mean", "amax", "amin"):
        for index in ([0], [0, 0], [0, 2], [2, 1, 0]):
            for inner in (1, 2):
                self = torch.full((3, inner), 1.5, dtype=dtype)
                source = torch.full((len(index), inner), 0.5, dtype=dtype)
                try:
                    self.index_reduce(0, torch.tensor(index), source, reduce, include_self=True)
                    outcome = "ok"
                except RuntimeError as error:
                    outcome = "RuntimeError: " + str(error).splitlines()[0][:60]
                if outcome != "ok" or dtype == torch.float32:
                    print(f"{str(dtype):15s} {reduce:5s} index {str(index):10s} slices of {inner}: {outcome}")
