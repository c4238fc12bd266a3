"""torch 2.13 CPU: the backward of F.interpolate(..., antialias=True) (bilinear and bicubic) is not the Jacobian of
its forward: gradcheck in float64 fails, while the same calls without antialias pass."""
import numpy as np
import torch
import torch.nn.functional as F

x = torch.from_numpy(np.array([0.82, -1.38, -2.75, -2.90]).reshape(1, 1, 2, 2)).requires_grad_()
for mode in ("bilinear", "bicubic"):
    for antialias in (False, True):
        for kw in (dict(size=(3, 1)), dict(scale_factor=(1.5, 0.5))):
            fn = lambda t: F.interpolate(t, mode=mode, align_corners=False, antialias=antialias, **kw)
            ok = torch.autograd.gradcheck(fn, (x,), raise_exception=False)
            print(f"{mode} antialias={antialias} {kw}: gradcheck {'passes' if ok else 'FAILS'}")
