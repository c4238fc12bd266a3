"""Forward-mode AD (torch.func.jvp) of torch.cdist and torch.nn.functional.pdist raises NotImplementedError,
though both are differentiable in reverse mode (https://pytorch.org/docs/stable/generated/torch.func.jvp.html).
torch 2.13.0 CPU."""
import torch

x1, x2 = torch.rand(2, 3, dtype=torch.float64), torch.rand(4, 3, dtype=torch.float64) + 2
for name, fn, primals in (("cdist", lambda a, b: torch.cdist(a, b), (x1, x2)),
                          ("pdist", torch.nn.functional.pdist, (x2,))):
    try:
        torch.func.jvp(fn, primals, tuple(torch.ones_like(p) for p in primals))
        print(name, "jvp ok")
    except NotImplementedError as e:
        print(name, "jvp raises:", str(e).splitlines()[0][:100])
    print(name, "vjp ok:", torch.func.vjp(fn, *primals)[1](torch.ones_like(fn(*primals)))[0].shape)
