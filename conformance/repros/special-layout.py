"""CPU pointwise/special kernels round differently on the vectorized path (dense rows) than on the scalar path
(strided elements, or a strided out=): the same inputs give results that differ in the last bit.  PyTorch does
not promise bitwise-identical results across layouts (numerical accuracy note, 'Batched computations or slice
computations').  torch + numpy only.  Prints, per op and dtype, how many of N elements differ between
op(x[:, 0]) and op(x[:, 0].contiguous()) ('layout'; also with the other operands 0-d) and between op(x, out=strided) and op(x) ('out=')."""
import math

import numpy as np
import torch

N = 4096
rng = np.random.default_rng(0)


def draw(low, high, dtype, min_abs=0.0):
    v = rng.uniform(low, high, size=(N, 2))
    if min_abs:
        v = np.where(np.abs(v) < min_abs, np.sign(v + 1e-300) * min_abs + v, v)
    if dtype.is_complex:
        w = rng.uniform(low, high, size=(N, 2))
        return torch.complex(torch.from_numpy(v), torch.from_numpy(w)).to(dtype)
    return torch.from_numpy(v).to(dtype)


S = torch.special
OPS = {  # name: (function, domains of the operands)
    "acosh": (torch.acosh, [(1.2, 10)]), "asinh": (torch.asinh, [(-10, 10)]), "atanh": (torch.atanh, [(-0.9, 0.9)]),
    "deg2rad": (torch.deg2rad, [(-360, 360)]), "rad2deg": (torch.rad2deg, [(-7, 7)]),
    "angle": (torch.angle, [(-10, 10)]), "sgn": (torch.sgn, [(-10, 10)]),
    "logaddexp": (torch.logaddexp, [(-10, 10)] * 2), "logaddexp2": (torch.logaddexp2, [(-10, 10)] * 2),
    "float_power": (torch.float_power, [(0.5, 3), (-2, 2)]), "xlogy": (torch.xlogy, [(-10, 10), (0.5, 10)]),
    "lerp": (torch.lerp, [(-10, 10), (-10, 10), (-1, 2)]), "addcmul": (torch.addcmul, [(-10, 10)] * 3),
    "addcdiv": (torch.addcdiv, [(-10, 10), (-10, 10), (0.5, 10)]),
    "pow-scalar-base": (lambda x, out=None: torch.pow(2.0, x, out=out), [(-3, 3)]),
    "erfc": (torch.erfc, [(-5, 5)]), "erfinv": (torch.erfinv, [(-0.9, 0.9)]), "erfcx": (S.erfcx, [(-3, 5)]),
    "ndtr": (S.ndtr, [(-5, 5)]), "ndtri": (S.ndtri, [(0.05, 0.95)]), "log_ndtr": (S.log_ndtr, [(-5, 5)]),
    "i0": (torch.i0, [(-5, 5)]), "i0e": (S.i0e, [(-5, 5)]), "i1": (S.i1, [(0.25, 5)]), "i1e": (S.i1e, [(0.25, 5)]),
    "sinc": (torch.sinc, [(0.25, 5)]), "entr": (S.entr, [(0.05, 5)]), "digamma": (torch.digamma, [(0.5, 10)]),
    "gammaln": (torch.lgamma, [(0.5, 10)]), "polygamma": (lambda x, out=None: torch.polygamma(1, x, out=out),
                                                         [(0.5, 10)]),
    "multigammaln": (lambda x, out=None: torch.mvlgamma(x, 2, out=out), [(1.5, 10)]),
    "logit": (torch.logit, [(0.05, 0.95)]), "round-decimals": (lambda x, out=None: torch.round(x, decimals=2, out=out),
                                                              [(-100, 100)]),
    "gammainc": (S.gammainc, [(0.5, 5), (0.1, 5)]), "gammaincc": (S.gammaincc, [(0.5, 5), (0.1, 5)]),
    "xlog1py": (S.xlog1py, [(-10, 10), (-0.9, 10)]), "zeta": (S.zeta, [(1.5, 5), (0.5, 5)]),
}
COMPLEX = {"acosh", "asinh", "atanh", "angle", "sgn", "lerp", "addcmul", "addcdiv", "sinc"}
HALF_LESS = {"erfcx", "ndtri", "log_ndtr", "zeta"}

for name, (fn, domains) in OPS.items():
    dtypes = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
    if name in HALF_LESS:
        dtypes = dtypes[2:]
    if name in COMPLEX:
        dtypes += [torch.complex64, torch.complex128]
    for dtype in dtypes:
        xs = [draw(lo, hi, dtype) for lo, hi in domains]
        strided = [x[:, 0] for x in xs]
        dense = [x.contiguous() for x in strided]
        want = fn(*dense)
        layout = (fn(*strided) != want) & ~(want != want)
        out = torch.empty((N, 2), dtype=want.dtype)[:, 0]
        fn(*dense, out=out)
        outs = (out != want) & ~(want != want)
        broadcast = torch.zeros(N, dtype=torch.bool)
        if len(xs) > 1:  # the other operands 0-d: one value broadcast against x
            scalars = [x[0, 0].clone() for x in xs[1:]]
            want_b = fn(dense[0], *scalars)
            broadcast = (fn(strided[0], *scalars) != want_b) & ~(want_b != want_b)
        if layout.any() or outs.any() or broadcast.any():
            print(f"{name:16s} {str(dtype):16s} layout: {int(layout.sum()):5d} of {N}   out=: {int(outs.sum()):5d} of {N}"
                  f"   layout, 0-d others: {int(broadcast.sum()):5d} of {N}")

# a rare case the scan above may miss: float64 gammainc of a strided input and a 0-d other
a = torch.tensor([3.3663275929465444, 1.7140402119374163], dtype=torch.float64)
b = torch.tensor(3.2211122678751263, dtype=torch.float64)
print("gammainc dense  :", torch.special.gammainc(a, b).tolist())
print("gammainc strided:", torch.special.gammainc(torch.stack([a, a], -1)[:, 0], b).tolist())
