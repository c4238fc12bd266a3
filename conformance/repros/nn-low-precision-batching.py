"""torch 2.13 CPU, float16: vmap and strided inputs round some nn ops otherwise than a loop / contiguous
copies, by more than assert_close's float16 tolerance (rtol 1e-3, atol 1e-5) -- a few ulps, or a tiny
value where the loop gives an exact 0.  PyTorch does not promise bitwise-identical results for batched or
sliced computations (https://pytorch.org/docs/stable/notes/numerical_accuracy.html#batched-computations-or-slice-computations).
Also: _embedding_bag has no forward-mode AD formula.  torch + numpy only.
"""
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(0)


def worst(fn, batch, dtype=torch.float16, in_dims=0):
    """max |vmap - loop| over the batch, relative to the loop's magnitude."""
    batched = torch.func.vmap(fn, in_dims=in_dims)(batch)
    loop = torch.stack([fn(batch.select(in_dims, b)) for b in range(batch.shape[in_dims])])
    return (batched.float() - loop.float()).abs().max().item()


def trial(fn, shape, tries=200):
    """The batch dim drawn at any position of the batched input (its storage order varies with it)."""
    found = 0.0
    for _ in range(tries):
        x = torch.tensor(rng.uniform(-3, 3, shape), dtype=torch.float16)
        dim = int(rng.integers(0, len(shape)))
        found = max(found, worst(fn, x.movedim(0, dim).contiguous(), in_dims=dim))
    return found


print("group_norm    vmap vs loop, max |diff|:", trial(lambda x: F.group_norm(x, 1), (3, 1, 2, 2)))
print("instance_norm vmap vs loop, max |diff|:", trial(lambda x: F.instance_norm(x), (3, 2, 1, 3)))
print("batch_norm(eval) vmap vs loop, max |diff|:",
      trial(lambda x: F.batch_norm(x, torch.full((2,), 0.3, dtype=x.dtype), torch.full((2,), 1.7, dtype=x.dtype),
                                   training=False), (3, 2, 2)))
target = torch.tensor([1, 0, 2])
print("nll_loss(sum) vmap vs loop, max |diff|:", trial(lambda x: F.nll_loss(x, target, reduction="sum"), (2, 3, 3)))

q = torch.tensor(rng.uniform(-3, 3, (2, 3, 4)), dtype=torch.float16)
k = torch.tensor(rng.uniform(-3, 3, (2, 4, 4)), dtype=torch.float16)
v = torch.tensor(rng.uniform(-3, 3, (2, 4, 3)), dtype=torch.float16)
strided = [t.transpose(-1, -2).contiguous().transpose(-1, -2) for t in (q, k, v)]
print("sdpa float16 strided vs contiguous, max |diff|:",
      (F.scaled_dot_product_attention(*strided).float() - F.scaled_dot_product_attention(q, k, v).float()).abs().max().item())

w = torch.randn(3, 2, dtype=torch.float64)
try:
    torch.func.jvp(lambda w: F.embedding_bag(torch.tensor([[0, 1]]), w, mode="sum"), (w,), (torch.ones_like(w),))
    print("embedding_bag jvp: ok")
except NotImplementedError as error:
    print("embedding_bag jvp: NotImplementedError:", str(error).splitlines()[0])
