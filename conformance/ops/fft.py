"""Discrete Fourier transforms (``torch.fft``): the 1-D, 2-D and n-D complex, real and Hermitian
transforms with their ``n``/``s``, ``dim`` and ``norm`` arguments, and ``fftshift``/``ifftshift``.

References are ``numpy.fft`` on float64/complex128 (numpy has no ``hfft2``/``hfftn``/``ihfft2``/``ihfftn``:
they are numpy's ``irfftn``/``rfftn`` of the conjugate with the normalization direction swapped, as
numpy defines its own ``hfft``/``ihfft``).  A transform sums every input element into each output
element in an order the kernel chooses (``reassociates``).  The CPU kernels take no half precision:
"Supports torch.half on CUDA with GPU Architecture SM53 or greater" (float16/bfloat16 raise
"Unsupported dtype Half" on the CPU in torch 2.13), and no device documents bfloat16.  They reach
the Core ATen overloads ``aten._fft_r2c.default`` (real input), ``aten._fft_c2r.default`` (real
output) and ``aten._fft_c2c.default`` (complex to complex).

``fftfreq``/``rfftfreq`` take no tensor input: the registry draws tensor inputs, so their rules are
in ``conformance/test_fft.py``.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from . import args
from .core import OpInfo, Sizes, doc

NORMS = ("backward", "ortho", "forward")
NORM = st.sampled_from(NORMS)
SWAP = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}
LOW_PRECISION_NOTE = ("float16/bfloat16: 'Supports torch.half on CUDA with GPU Architecture SM53 or greater' "
                      "(powers of two only): the CPU raises 'Unsupported dtype Half'")
HALF = {"cpu": (torch.float16, torch.bfloat16), "cuda": (torch.float16, torch.bfloat16),
        "mps": (torch.float16, torch.bfloat16)}
MAX_LENGTH = 6  # the n / s drawn: padding and trimming both happen


# ---------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------

# Sizes: no side 0 in the "any" mode (a transform of 0 points raises "Invalid number of data points"; the
# zero-size mode draws them).  The zero-size mode gives no ``n``/``s``: zero-padding an empty signal gives
# zeros whose signs the kernels leave unspecified (torch's -0.0 imaginary parts where numpy has +0.0).

def _min_dims(sizes: Sizes, dims: int) -> int:
    """``dims``, but 0 in the "0-d" mode (a 0-d input has no dim to transform: torch and numpy raise)."""
    return 0 if sizes.mode == "0-d" else dims


@st.composite
def _one(draw, sizes: Sizes, c2r: bool):
    """A 1-D transform: a shape, and ``n``, ``dim`` and ``norm`` each given or left to its default.  A
    complex-to-real transform of a side of 1 without ``n`` has no output (``2 * (1 - 1)`` points): then
    ``n`` is given (in the "any" mode; the other modes draw such sides on purpose)."""
    shape = draw(sizes.shape(min_dims=_min_dims(sizes, 1), max_side=MAX_LENGTH, zero_size=False), label="shape")
    ndim = max(len(shape), 1)
    lengths = {} if sizes.mode == "zero-size" else {"n": st.integers(1, MAX_LENGTH)}
    kwargs = draw(args.maybe(**lengths, dim=st.integers(-ndim, ndim - 1), norm=NORM), label="n, dim, norm")
    if c2r and sizes.mode == "any" and "n" not in kwargs and shape and shape[kwargs.get("dim", -1)] < 2:
        kwargs["n"] = draw(st.integers(1, MAX_LENGTH), label="n (a side of 1)")
    return (shape,), kwargs


def one(c2r: bool = False):
    return lambda sizes: _one(sizes, c2r)


@st.composite
def _many(draw, sizes: Sizes, two: bool, c2r: bool):
    """A 2-D (``two``) or n-D transform: a shape, ``dim`` (2-D: two distinct dims, default the last two;
    n-D: distinct dims in any order, default all), ``s`` (one length per transformed dim; n-D without
    ``dim``: the last ``len(s)`` dims) and ``norm``, each given or left to its default."""
    shape = draw(sizes.shape(min_dims=_min_dims(sizes, 2 if two else 1), max_side=4, zero_size=False), label="shape")
    ndim = max(len(shape), 2 if two else 1)  # a 0-d input: dims it lacks, which raise as numpy's axes do
    signed = lambda d: d - ndim if draw(st.booleans(), label="negative dim") else d  # noqa: E731
    kwargs = {}
    if draw(st.booleans(), label="dim given"):
        chosen = draw(st.lists(st.integers(0, ndim - 1), unique=True, min_size=2 if two else 1,
                               max_size=2 if two else ndim), label="dims")
        kwargs["dim"] = tuple(signed(d) for d in chosen)
    if two:
        count = 2
    elif "dim" in kwargs:
        count = len(kwargs["dim"])
    else:
        count = draw(st.integers(1, max(len(shape), 1)), label="dims of s")
    if sizes.mode != "zero-size" and draw(st.booleans(), label="s given"):
        kwargs["s"] = tuple(draw(st.lists(st.integers(1, MAX_LENGTH), min_size=count, max_size=count), label="s"))
    if draw(st.booleans(), label="norm given"):
        kwargs["norm"] = draw(NORM, label="norm")
    if c2r and sizes.mode == "any" and "s" not in kwargs and shape:
        last = kwargs["dim"][-1] if "dim" in kwargs else -1  # by default the last dim is transformed last
        if shape[last] < 2:  # the last transformed dim gives 2 * (1 - 1) points: give s
            kwargs["s"] = tuple(draw(st.lists(st.integers(1, MAX_LENGTH), min_size=count, max_size=count),
                                     label="s (a last side of 1)"))
    return (shape,), kwargs


def many(two: bool = False, c2r: bool = False):
    return lambda sizes: _many(sizes, two, c2r)


@st.composite
def _shift(draw, sizes: Sizes):
    """fftshift/ifftshift: a shape and ``dim``: all (default), one dim, or a tuple of distinct dims."""
    shape = draw(sizes.shape(min_dims=_min_dims(sizes, 1)), label="shape")
    if not shape or not draw(st.booleans(), label="dim given"):
        return (shape,), {}
    ndim = len(shape)
    if draw(st.booleans(), label="one dim"):
        return (shape,), {"dim": draw(st.integers(-ndim, ndim - 1), label="dim")}
    dims = draw(st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim), label="dims")
    return (shape,), {"dim": tuple(d - ndim if draw(st.booleans(), label="negative") else d for d in dims)}


def shift():
    return _shift


# ---------------------------------------------------------------------------
# numpy references (torch's dim/s keyword arguments as numpy's axis/axes/s)
# ---------------------------------------------------------------------------

def _axes(a, s, dim, two):
    """numpy's ``axes`` for torch's ``dim``: 2-D default the last two; n-D without ``dim`` the last
    ``len(s)`` dims (numpy deprecates ``axes=None`` with ``s``), or all."""
    if dim is not None:
        return tuple(dim)
    if two:
        return (-2, -1)
    return None if s is None else tuple(range(a.ndim - len(s), a.ndim))


def _one_ref(name):
    fn = getattr(np.fft, name)

    def ref(a, n=None, dim=-1, norm=None):
        return fn(a, n=n, axis=dim, norm=norm)
    ref.__name__ = name
    return ref


def _many_ref(name, two):
    fn = getattr(np.fft, name)

    def ref(a, s=None, dim=None, norm=None):
        return fn(a, s=s, axes=_axes(a, s, dim, two), norm=norm)
    ref.__name__ = name
    return ref


def _hfftn_ref(two):
    """torch.fft.hfftn: the inverse of ihfftn, a real result: numpy's irfftn of the conjugate with the
    normalization direction swapped (numpy's own hfft is irfft(conj(a), norm=swapped))."""
    def ref(a, s=None, dim=None, norm=None):
        return np.fft.irfftn(np.conj(a), s=s, axes=_axes(a, s, dim, two), norm=SWAP[norm])
    return ref


def _ihfftn_ref(two):
    """torch.fft.ihfftn: the inverse transform of a real input, one-sided in the last dim: the conjugate
    of numpy's rfftn with the normalization direction swapped (numpy's own ihfft)."""
    def ref(a, s=None, dim=None, norm=None):
        return np.conj(np.fft.rfftn(a, s=s, axes=_axes(a, s, dim, two), norm=SWAP[norm]))
    return ref


def _shift_ref(name):
    fn = getattr(np.fft, name)

    def ref(a, dim=None):
        return fn(a, axes=dim)
    ref.__name__ = name
    return ref


# ---------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------

COMPLEX_IN = ("float", "complex")  # a real input is the complex one with zero imaginary parts
REAL_IN = ("float",)  # rfft*, ihfft*: "expects a real input tensor"


def _transform(name, arguments, kinds, ref, **extra):
    """``torch.fft.<name>`` with ``out=``: differentiable (linear in its input), summing rounded terms."""
    return OpInfo(name, doc(f"torch.fft.{name}"), arguments, function=f"torch.fft.{name}", out=True, kinds=kinds,
                  unsupported=HALF, ref=ref, reassociates=True, grad=2, notes=LOW_PRECISION_NOTE, **extra)


ONE = [_transform(name, one(c2r=name in ("irfft", "hfft")), REAL_IN if name in ("rfft", "ihfft") else COMPLEX_IN,
                  _one_ref(name))
       for name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft")]

MANY = []
for _two, _suffix in ((True, "2"), (False, "n")):
    for _base in ("fft", "ifft", "rfft", "irfft"):
        MANY.append(_transform(_base + _suffix, many(_two, c2r=_base == "irfft"),
                               REAL_IN if _base == "rfft" else COMPLEX_IN, _many_ref(_base + "n", _two)))
    MANY.append(_transform("hfft" + _suffix, many(_two, c2r=True), COMPLEX_IN, _hfftn_ref(_two)))
    MANY.append(_transform("ihfft" + _suffix, many(_two), REAL_IN, _ihfftn_ref(_two)))

SHIFTS = [
    OpInfo(name, doc(f"torch.fft.{name}"), shift(), function=f"torch.fft.{name}",
           kinds=("float", "complex", "int", "uint", "bool"), ref=_shift_ref(name), exact=True, grad=2,
           notes="a periodic shift (torch.roll) by input.shape[dim] // 2 (fftshift) or its inverse (ifftshift): "
                 "no rounding; no out=")
    for name in ("fftshift", "ifftshift")
]

OPS = ONE + MANY + SHIFTS
