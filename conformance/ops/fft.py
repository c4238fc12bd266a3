"""torch.fft: the one-, two- and n-dimensional transforms (complex, real-input, Hermitian), with a
length ``n`` and each ``norm``, and fftshift/ifftshift; numpy.fft (pocketfft, float64) is the
reference.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from .core import Domain, OpInfo, Sizes, doc

NO_LOW = {"cpu": (torch.float16, torch.bfloat16)}
NORMS = st.sampled_from([None, "backward", "forward", "ortho"])
SMOOTH = Domain(-3.0, 3.0)


@st.composite
def _one_dim(draw, sizes: Sizes):
    shape = draw(sizes.shape(min_dims=1, max_dims=3, zero_size=False), label="shape")
    kwargs = {"dim": draw(st.integers(-len(shape), len(shape) - 1), label="dim"), "norm": draw(NORMS, label="norm")}
    if draw(st.booleans(), label="n given"):
        kwargs["n"] = draw(st.integers(1, 6), label="n")
    return (shape,), kwargs


@st.composite
def _many_dims(draw, sizes: Sizes, count):
    """Two dims (``count`` = 2: fft2's default, the last two) or any set of dims (fftn), each with a
    length ``s`` sometimes."""
    shape = draw(sizes.shape(min_dims=count or 1, max_dims=3, zero_size=False), label="shape")
    ndim = len(shape)
    if count:
        dims = (-2, -1)
    else:
        dims = tuple(sorted(draw(st.sets(st.integers(0, ndim - 1), min_size=1), label="dims")))
    kwargs = {"dim": dims, "norm": draw(NORMS, label="norm")}
    if draw(st.booleans(), label="s given"):
        kwargs["s"] = tuple(draw(st.integers(1, 5), label="s") for _ in dims)
    return (shape,), kwargs


def _numpy(name):
    """numpy.fft.<name> with torch's keyword names (dim -> axis/axes, n/s)."""
    fn = getattr(np.fft, name)

    def ref(a, dim=None, norm=None, n=None, s=None):
        if isinstance(dim, tuple):
            return fn(a, s=s, axes=dim, norm=norm)
        return fn(a, n=n, axis=-1 if dim is None else dim, norm=norm)
    return ref


def _transform(name, arguments, kinds=("float", "complex"), ref_kinds=None):
    """A transform; the complex-to-real ones (irfft*, hfft) are not differentiated here: their
    gradient assumes a Hermitian input, and finite differences perturb it off that subspace."""
    c2r = name.startswith("irfft") or name == "hfft"
    return OpInfo(f"fft.{name}", doc(f"torch.fft.{name}"), arguments, function=f"torch.fft.{name}", out=True,
                  kinds=kinds, domains=(SMOOTH,), ref=_numpy(name), ref_kinds=ref_kinds, unsupported=NO_LOW,
                  grad=0 if c2r else 2, zero_dim=False, zero_size=False)


ONE, TWO, ANY_DIMS = _one_dim, (lambda sizes: _many_dims(sizes, 2)), (lambda sizes: _many_dims(sizes, 0))

OPS = [
    *[_transform(name, ONE) for name in ("fft", "ifft")],
    *[_transform(name, TWO) for name in ("fft2", "ifft2")],
    *[_transform(name, ANY_DIMS) for name in ("fftn", "ifftn")],
    _transform("rfft", ONE, kinds=("float",)),
    _transform("irfft", ONE),
    _transform("rfft2", TWO, kinds=("float",)),
    _transform("irfft2", TWO),
    _transform("rfftn", ANY_DIMS, kinds=("float",)),
    _transform("irfftn", ANY_DIMS),
    _transform("hfft", ONE),
    _transform("ihfft", ONE, kinds=("float",)),
    *[OpInfo(f"fft.{name}", doc(f"torch.fft.{name}"),
             lambda sizes: sizes.shape(min_dims=1).flatmap(lambda s: st.sets(st.integers(0, len(s) - 1)).map(
                 lambda dims: ((s,), {"dim": tuple(sorted(dims))} if dims else {}))),
             function=f"torch.fft.{name}", kinds=("float", "complex", "int", "bool"), domains=(SMOOTH,),
             ref=lambda a, dim=None, name=name: getattr(np.fft, name)(a, axes=dim), exact=True, grad=2,
             zero_dim=False) for name in ("fftshift", "ifftshift")],
]
