"""torch.addbmm with out=: a non-empty out of another shape is resized without the deprecation warning
("An output with one or more elements was resized ..."), and an out of a lower type kind (bool) raises
but is written first (https://pytorch.org/docs/stable/notes/out.html).  addmm, baddbmm warn and leave out
untouched.  torch 2.13.0 CPU."""
import warnings

import torch

for name, args in {"addbmm": (torch.ones(1, 1), torch.ones(1, 1, 1), torch.ones(1, 1, 1)),
                   "addmm": (torch.ones(1, 1), torch.ones(1, 1), torch.ones(1, 1)),
                   "baddbmm": (torch.ones(1, 1, 1), torch.ones(1, 1, 1), torch.ones(1, 1, 1))}.items():
    fn = getattr(torch, name)
    out = torch.zeros(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(*args, out=out)
    resized = [w for w in caught if "resized" in str(w.message)]
    print(f"{name}: out (3,) resized to {tuple(out.shape)}, deprecation warning: {bool(resized)}")
    out = torch.zeros(args[0].shape, dtype=torch.bool)
    try:
        fn(*args, out=out)
        print(f"{name}: bool out accepted")
    except RuntimeError as e:
        print(f"{name}: bool out raises ({str(e)[:60]}), out now {out.flatten().tolist()}")
