"""torch 2.13 CPU vs meta: output strides of some nn ops differ for non-contiguous inputs.

The meta device is documented to compute "the shape, dtype and strides" a real device would give
(https://pytorch.org/docs/stable/meta.html).  Each line prints (cpu strides, meta strides); they differ.
torch + numpy only.
"""
import torch
import torch.nn.functional as F


def both(fn, *builders):
    real = fn(*[b("cpu") for b in builders])
    meta = fn(*[b("meta") for b in builders])
    real = real[0] if isinstance(real, tuple) else real
    meta = meta[0] if isinstance(meta, tuple) else meta
    return real.stride(), meta.stride()


column_major = lambda d: torch.ones(3, 2, device=d).t()                  # (2, 3), strides (1, 2)
permuted = lambda d: torch.ones(2, 2, 3, device=d).permute(2, 1, 0)      # (3, 2, 2)
interleaved = lambda d: torch.ones(2, 2, device=d)[..., 0]               # (2,), stride 2
expanded = lambda d: torch.ones(2, device=d).reshape(2, 1).expand(2, 2)  # strides (1, 0)
transposed = lambda d: torch.ones(4, device=d).reshape(2, 2).permute(1, 0)
expanded16 = lambda d: expanded(d).half()[:, :1].expand(2, 2)               # float16, strides (1, 0)
transposed16 = lambda d: torch.ones(4, device=d, dtype=torch.float16).reshape(2, 2).permute(1, 0)
contiguous = lambda d: torch.full((2, 2), 0.5, device=d)

print("logsigmoid                 ", both(F.logsigmoid, column_major))
print("batch_norm (training)      ", both(lambda x: F.batch_norm(x, None, None, training=True), permuted))
print("batch_norm (eval)          ", both(lambda x: F.batch_norm(x, torch.zeros(2, device=x.device),
                                                               torch.ones(2, device=x.device), training=False), permuted))
print("native_dropout(p=0)        ", both(lambda x: torch.native_dropout(x, 0.0, True), interleaved))
for loss in (F.mse_loss, F.l1_loss, F.smooth_l1_loss):  # float16 only: float32 and float64 agree
    print(f"{loss.__name__ + ' (float16)':<27}", both(lambda a, b: loss(a, b, reduction="none"), expanded16, transposed16))
print("binary_cross_entropy       ", both(lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
                                          contiguous, transposed))
