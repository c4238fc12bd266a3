"""addmv_ and baddbmm_ write into a self with internal overlap (an expanded tensor) without raising, while
addmm_, addr_ and addbmm_ raise "unsupported operation: more than one element of the written-to tensor refers to
a single memory location" (https://pytorch.org/docs/stable/generated/torch.Tensor.expand.html: "more than one
element of an expanded tensor may refer to a single memory location ... in-place operations ... may result in
incorrect behavior"; torch checks this for in-place ops).  torch 2.13.0 CPU."""
import torch

cases = {
    "addmm_": (lambda: torch.ones(1, 1).expand(2, 2), (torch.ones(2, 1), torch.ones(1, 2))),
    "addr_": (lambda: torch.ones(1, 1).expand(2, 2), (torch.ones(2), torch.ones(2))),
    "addbmm_": (lambda: torch.ones(1, 1).expand(2, 2), (torch.ones(3, 2, 1), torch.ones(3, 1, 2))),
    "addmv_": (lambda: torch.ones(1).expand(2), (torch.ones(2, 1), torch.ones(1))),
    "baddbmm_": (lambda: torch.ones(1, 1, 1).expand(1, 2, 1), (torch.ones(1, 2, 1), torch.ones(1, 1, 1))),
}
for name, (make_self, others) in cases.items():
    x = make_self()
    try:
        getattr(x, name)(*others)
        print(f"{name}: no error, self = {x.flatten().tolist()}")
    except RuntimeError as e:
        print(f"{name}: raises {str(e)[:90]}")
