"""Not recorded as a divergence (no documentation promises it): an in-place index op that raises for an
out-of-range index has already written the in-range elements before it (torch 2.13.0+cpu)."""
import warnings

import torch

warnings.simplefilter("ignore")  # index_reduce_ is in beta
index = torch.tensor([0, 1])  # 1 is out of range for a dim of size 1
calls = {
    "scatter_": lambda x: x.scatter_(0, index, torch.ones(2)),
    "scatter_add_": lambda x: x.scatter_add_(0, index, torch.ones(2)),
    "index_add_": lambda x: x.index_add_(0, index, torch.ones(2)),
    "index_copy_": lambda x: x.index_copy_(0, index, torch.ones(2)),
    "index_fill_": lambda x: x.index_fill_(0, index, 1.0),
    "index_reduce_": lambda x: x.index_reduce_(0, index, torch.full((2,), 2.0), "amax"),
    "index_put_": lambda x: x.index_put_((index,), torch.ones(())),
}
for name, call in calls.items():
    x = torch.zeros(1)
    try:
        call(x)
    except (IndexError, RuntimeError) as error:
        print(f"{name}: raised {type(error).__name__}; self is now {x.tolist()} (was [0.0])")
