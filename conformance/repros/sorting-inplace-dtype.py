"""Tensor.cumsum_ / Tensor.cumprod_ with dtype= other than self's dtype raise "Bad in-place call", and on a
bool self raise "not implemented for 'Bool'", where the function's result could be written into self (or,
for bool, the cast refused with the usual "can't be cast" error).

Related upstream: https://github.com/pytorch/pytorch/issues/53360 (in-place cumsum does not promote),
https://github.com/pytorch/pytorch/issues/53358 (cumsum_ of bool not implemented).
"""
import torch

x = torch.tensor([1.5, 2.0, 3.0])
print("function:", torch.cumsum(x, 0, dtype=torch.float64))  # float64 result, castable to float32
for name in ("cumsum_", "cumprod_"):
    try:
        getattr(x.clone(), name)(0, dtype=torch.float64)
    except RuntimeError as error:
        print(name, "dtype=float64 on float32:", error)
    try:
        getattr(torch.tensor([True, False]), name)(0)
    except RuntimeError as error:
        print(name, "on bool:", error)
t = torch.tensor(True)
print("cumsum_ on a 0-d bool: no error:", t.cumsum_(0), "function result:", torch.cumsum(torch.tensor(True), 0))
