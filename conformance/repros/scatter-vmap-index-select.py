"""vmap of index_select with a 0-d index keeps the whole dim (torch 2.13.0+cpu); a loop gives one element.
Upstream: https://github.com/pytorch/pytorch/issues/115347 (open fix pytorch#194521)."""
import torch

x = torch.tensor([[2, 1], [5, 7]])
index = torch.tensor(1)  # 0-d
looped = torch.stack([torch.index_select(row, 0, index) for row in x])
mapped = torch.vmap(lambda row: torch.index_select(row, 0, index))(x)
print("loop:", looped.tolist(), "vmap:", mapped.tolist())
assert looped.shape == mapped.shape, (looped.shape, mapped.shape)
