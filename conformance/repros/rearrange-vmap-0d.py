"""torch.func.vmap over examples that are 0-d tensors (torch 2.13.0+cpu): flip, roll and squeeze treat the
batch dim as the example's dim.  torch.func.vmap documents that vmapping a function equals running it on
each example and stacking the results (https://pytorch.org/docs/stable/generated/torch.func.vmap.html);
each op accepts a 0-d tensor with dim 0 / -1 naming its only position (torch.flip, torch.roll, torch.squeeze).
"""
import torch

batch = torch.tensor([1.0, 2.0])  # two 0-d examples


def compare(name, fn):
    loop = torch.stack([fn(x) for x in batch])
    try:
        mapped = torch.func.vmap(fn)(batch)
        print(f"{name}: loop {loop.tolist()}, vmap {mapped.tolist()}, equal: {torch.equal(loop, mapped)}")
    except Exception as error:  # noqa: BLE001
        print(f"{name}: loop {loop.tolist()}, vmap raises {type(error).__name__}: {error}")


compare("roll(x, 1)", lambda x: torch.roll(x, 1))  # vmap rolls across the batch: [2.0, 1.0]
compare("flip(x, (0,))", lambda x: torch.flip(x, (0,)))  # vmap raises IndexError
compare("squeeze(x, -1)", lambda x: torch.squeeze(x, -1))  # vmap raises RuntimeError
compare("squeeze(x, (-1,))", lambda x: torch.squeeze(x, (-1,)))

# as_strided of a fresh contiguous copy, the batch dim the input's dim 1
t = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
fn = lambda x: x.flatten().clone().as_strided((2,), (1,), 0)  # noqa: E731
loop = torch.stack([fn(t[:, b]) for b in range(2)])
mapped = torch.func.vmap(fn, in_dims=1)(t)
print(f"as_strided of a clone: loop {loop.tolist()}, vmap {mapped.tolist()}, equal: {torch.equal(loop, mapped)}")
