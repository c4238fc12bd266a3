"""torch 2.13 CPU: two nn ops raise on zero-size arguments where the same call with other modes/arguments works
(zero-size inputs are valid: https://pytorch.org/docs/stable/notes/broadcasting.html, numpy gives empty results).
torch + numpy only.
"""
import torch
import torch.nn.functional as F

# batch_norm in eval mode with no channels: fine without a weight, IndexError with a weight of size 0
x = torch.zeros(2, 0)
print("batch_norm, no weight:", F.batch_norm(x, torch.zeros(0), torch.ones(0), training=False).shape)
try:
    F.batch_norm(x, torch.zeros(0), torch.ones(0), torch.ones(0), training=False)
    print("batch_norm, weight of size 0: ok")
except IndexError as error:
    print("batch_norm, weight of size 0: IndexError:", error)

# embedding_bag of a 2-D input into a weight with 0 columns: mode 'max' works, 'sum' and 'mean' raise
weight = torch.zeros(1, 0)
for mode in ("max", "sum", "mean"):
    try:
        print(f"embedding_bag mode={mode}:", F.embedding_bag(torch.tensor([[0], [0]]), weight, mode=mode).shape)
    except RuntimeError as error:
        print(f"embedding_bag mode={mode}: RuntimeError:", str(error).splitlines()[0])
