"""CPU torch.erf in float16 and bfloat16 is not float32's erf rounded once: near zero it is off by far more
than half an ulp (bfloat16 at x = -1.42e-7: over a hundred ulps; float16 at 2^-8: 0.55 ulp, rounded the wrong
way), while rounding float32's erf of the same input is within half an ulp.  The error is absolute (about
1e-7): Vectorized<float>::erf, the Abramowitz-Stegun 7.1.26 approximation that pytorch#198183 finds under
torch.compile, where the float32 kernel calls std::erf.  torch + numpy only (math.erf for the exact value)."""
import math

import numpy as np
import torch

for dtype, value in ((torch.float16, 2.0 ** -8), (torch.bfloat16, -1.424923539161682e-07)):
    x = torch.from_numpy(np.array([value])).to(dtype)
    exact = math.erf(x.item())
    print(dtype, "x =", x.item(), " torch.erf:", torch.erf(x).item(), " float32 erf rounded:",
          torch.erf(x.float()).to(dtype).item(), " exact:", exact)
