"""torch.nansum / torch.nanmean of a float16 tensor into an out= of dtype bool raise NotImplementedError
('"nansum_cpu" not implemented for 'Bool'') instead of the RuntimeError every other reduction raises for an
out of a lower type kind ("The destination of the copy cannot be a lower 'type kind' than the source",
https://pytorch.org/docs/stable/notes/out.html).  torch 2.13.0+cpu.
"""
import torch

x = torch.ones(2, dtype=torch.float16)
for name in ("sum", "nansum", "nanmean"):
    try:
        getattr(torch, name)(x, 0, out=torch.zeros((), dtype=torch.bool))
        print(name, "no error")
    except Exception as error:  # noqa: BLE001
        print(name, type(error).__name__, str(error)[:100])
