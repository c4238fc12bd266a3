"""The discrete Fourier transforms' own documented rules (``torch.fft``), one rule per test.

Each transform is a registry entry (``conformance/ops/fft.py``) and gets every universal invariant; here
are the rules of the transforms themselves: inverses, Parseval's identity, the one-sided real transform,
Hermitian symmetry, the three normalization modes, ``fftshift`` and the frequency helpers, the result
dtypes, and the values against ``numpy.fft``.

Rounded results are judged in float64/complex128 with ``torch.testing.assert_close``'s default
tolerance for that dtype (rtol 1e-7, atol 1e-7): a transform of at most 64 values in [-3, 3] is off its
exact value by a few ulps of its largest term, far inside it.  ``fftshift`` rounds nothing and is compared
bitwise.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices
from conformance.ops import REGISTRY, Sizes, doc
from conformance.ops.fft import NORMS
from conformance.ops_helpers import draw_case, float64_or_skip
from conformance.oracles import assert_equal, to_numpy
from conformance.params import over
from strategies import LAYOUTS, shapes, supported, tensors

invariant = functools.partial(pytest.mark.invariant, "fft")

FFT_DOC = doc("torch.fft.fft")  # norm: "forward" 1/n, "backward" none, "ortho" 1/sqrt(n) (orthonormal)
IFFT_DOC = doc("torch.fft.ifft")  # norm of the inverse: "backward" 1/n, "ortho" 1/sqrt(n), "forward" none
RFFT_DOC = doc("torch.fft.rfft")  # "Hermitian-symmetric, X[i] = conj(X[-i])": the one-sided output
IRFFT_DOC = doc("torch.fft.irfft")  # irfft(rfft(x), n) round-trips; n gives an odd length back
FFTSHIFT_DOC = doc("torch.fft.fftshift")  # "the origin (0, ..., 0) is moved to ... input.shape[dim] // 2"
IFFTSHIFT_DOC = doc("torch.fft.ifftshift")  # "Inverse of fftshift()"
FFTFREQ_DOC = doc("torch.fft.fftfreq")
RFFTFREQ_DOC = doc("torch.fft.rfftfreq")
ARRAY_API_FFT = "https://data-apis.org/array-api/latest/extensions/fourier_transform_functions.html"
NUMPY_FFT = "https://numpy.org/doc/stable/reference/routines.fft.html"

TRANSFORMS = [op for op in REGISTRY.values() if op.area == "fft" and not op.exact]  # not fftshift/ifftshift
REAL_OUTPUT = {"irfft", "hfft", "irfft2", "hfft2", "irfftn", "hfftn"}


def close(actual, expected, what: str) -> None:
    """assert_close with the default tolerance of the (float64/complex128) dtype."""
    torch.testing.assert_close(actual, expected, msg=lambda m: f"{what}: {m}")


def signal(data, device, dtype, min_dims: int = 1, max_dims: int = 3, label: str = "x") -> torch.Tensor:
    """A tensor of ``dtype`` with values in [-3, 3] and a drawn layout, every side at least 1."""
    shape = data.draw(shapes(min_dims=min_dims, max_dims=max_dims, max_side=6, max_numel=64, zero_size=False),
                      label=f"shape of {label}")
    return data.draw(tensors(dtype, shape, device, layouts=LAYOUTS, low=-3.0, high=3.0), label=label)


def a_dim(data, x: torch.Tensor) -> int:
    return data.draw(st.integers(-x.dim(), x.dim() - 1), label="dim")


def precise(device, complex_: bool = False) -> torch.dtype:
    dtype = float64_or_skip(device)
    return torch.complex128 if complex_ else dtype


def target(device):
    return devices.target(device).device


# ---------------------------------------------------------------------------
# Inverses
# ---------------------------------------------------------------------------

@invariant("ifft-inverts-fft", source=FFT_DOC)
@pytest.mark.parametrize("norm", NORMS)
@given(data=st.data())
def test_ifft_inverts_fft(device, norm, data):
    """"Calling the backward transform (ifft()) with the same normalization mode will apply an overall
    normalization of 1/n between the two transforms. This is required to make ifft() the exact inverse":
    ``ifft(fft(x, norm=m), norm=m) == x`` for each mode m."""
    x = signal(data, target(device), precise(device, complex_=True))
    dim = a_dim(data, x)
    close(torch.fft.ifft(torch.fft.fft(x, dim=dim, norm=norm), dim=dim, norm=norm), x, f"ifft(fft(x)), {norm}")


@invariant("irfft-inverts-rfft", source=IRFFT_DOC)
@pytest.mark.parametrize("norm", NORMS)
@given(data=st.data())
def test_irfft_inverts_rfft(device, norm, data):
    """``irfft(rfft(x), n=x.shape[dim]) == x`` for a real x and each norm mode: "irfft() is the inverse of
    rfft() ... the signal length n must be given to round-trip an odd length" (and "Calling the backward
    transform ... with the same normalization mode ... makes irfft() the exact inverse", ``RFFT_DOC``)."""
    x = signal(data, target(device), precise(device))
    dim = a_dim(data, x)
    n = x.shape[dim]
    close(torch.fft.irfft(torch.fft.rfft(x, dim=dim, norm=norm), n=n, dim=dim, norm=norm), x,
          f"irfft(rfft(x), n={n}), {norm}")


# ---------------------------------------------------------------------------
# Normalization: Parseval, and the three scale factors
# ---------------------------------------------------------------------------

PARSEVAL = {"backward": lambda n: 1 / n, "ortho": lambda n: 1.0, "forward": lambda n: float(n)}


@invariant("parseval", source=FFT_DOC)
@pytest.mark.parametrize("norm", NORMS)
@given(data=st.data())
def test_parseval_identity(device, norm, data):
    """"ortho" makes the FFT orthonormal (``FFT_DOC``), so it keeps the energy: ``sum |x|^2 == sum |X|^2``;
    unnormalized ("backward") it multiplies it by n, and "forward" (1/n) divides it by n:
    ``sum |x|^2 == sum |X|^2 / n`` and ``sum |x|^2 == n sum |X|^2``."""
    x = signal(data, target(device), precise(device, complex_=True))
    dim = a_dim(data, x)
    n = x.shape[dim]
    energy = x.abs().square().sum(dim)
    spectrum = torch.fft.fft(x, dim=dim, norm=norm).abs().square().sum(dim)
    close(spectrum * PARSEVAL[norm](n), energy, f"sum |X|^2 against sum |x|^2 ({norm}, n={n})")


# the factor each mode applies, relative to the unnormalized transform: "forward" - 1/n, "backward" - none,
# "ortho" - 1/sqrt(n) for fft (FFT_DOC); for ifft "backward" - 1/n, "forward" - none, "ortho" - 1/sqrt(n)
SCALES = {
    "fft": {"backward": lambda n: 1.0, "ortho": lambda n: 1 / math.sqrt(n), "forward": lambda n: 1 / n},
    "ifft": {"forward": lambda n: 1.0, "ortho": lambda n: 1 / math.sqrt(n), "backward": lambda n: 1 / n},
}

UNNORMALIZED = {"fft": "backward", "ifft": "forward"}


@invariant("norm-scale-factors", source=FFT_DOC + " ; " + IFFT_DOC)
@pytest.mark.parametrize("name,norm", [(name, norm) for name in SCALES for norm in NORMS])
@given(data=st.data())
def test_norm_modes_differ_by_documented_factors(device, name, norm, data):
    """A mode's result is the unnormalized transform times the mode's documented factor: 1, 1/sqrt(n) or 1/n
    (the unnormalized one is fft's "backward" and ifft's "forward", whose factor is 1)."""
    x = signal(data, target(device), precise(device, complex_=True))
    dim = a_dim(data, x)
    n = x.shape[dim]
    transform = getattr(torch.fft, name)
    unit = UNNORMALIZED[name]
    close(transform(x, dim=dim, norm=norm), transform(x, dim=dim, norm=unit) * SCALES[name][norm](n),
          f"{name}(norm={norm!r}) against {name}(norm={unit!r}) * factor (n={n})")


# ---------------------------------------------------------------------------
# Real inputs: Hermitian symmetry and the one-sided transform
# ---------------------------------------------------------------------------

@invariant("fft-of-real-is-hermitian", source=RFFT_DOC)
@given(data=st.data())
def test_fft_of_real_input_is_hermitian(device, data):
    """"The FFT of a real signal is Hermitian-symmetric, X[i] = conj(X[-i])": along the transformed dim,
    the element at -i (mod n) is the conjugate of the element at i."""
    x = signal(data, target(device), precise(device))
    dim = a_dim(data, x)
    X = torch.fft.fft(x, dim=dim, norm=data.draw(st.sampled_from(NORMS), label="norm"))
    n = X.shape[dim]
    mirrored = X.index_select(dim, (-torch.arange(n, device=X.device)) % n)
    close(mirrored, X.conj(), "X[-i] against conj(X[i])")


@invariant("rfft-is-one-sided-fft", source=RFFT_DOC)
@given(data=st.data())
def test_rfft_is_the_first_half_of_fft(device, data):
    """"the output contains only the positive frequencies below the Nyquist frequency. To compute the full
    output, use fft()": ``rfft(x, n)`` is the first ``n // 2 + 1`` elements of ``fft(x, n)`` along dim."""
    x = signal(data, target(device), precise(device))
    dim = a_dim(data, x)
    kwargs = data.draw(st.fixed_dictionaries({}, optional={"n": st.integers(1, 8), "norm": st.sampled_from(NORMS)}),
                       label="n, norm")
    n = kwargs.get("n", x.shape[dim])
    full = torch.fft.fft(x, dim=dim, **kwargs)
    close(torch.fft.rfft(x, dim=dim, **kwargs), full.narrow(dim, 0, n // 2 + 1),
          f"rfft against the first {n // 2 + 1} of fft's {n}")


# ---------------------------------------------------------------------------
# fftshift / ifftshift
# ---------------------------------------------------------------------------

def shift_dims(data, x: torch.Tensor):
    """None (all dims), one dim, or distinct dims (negative ones too)."""
    return data.draw(st.one_of(
        st.none(), st.integers(-x.dim(), x.dim() - 1),
        st.lists(st.integers(0, x.dim() - 1), unique=True, min_size=1).flatmap(
            lambda dims: st.tuples(*[st.sampled_from([d, d - x.dim()]) for d in dims]))), label="dim")


@invariant("fftshift-centres-origin", source=FFTSHIFT_DOC + " ; " + NUMPY_FFT)
@given(data=st.data())
def test_fftshift_moves_the_origin_to_the_centre(device, data):
    """fftshift "performs a periodic shift of n-dimensional data such that the origin (0, ..., 0) is moved
    to the center of the tensor. Specifically, to input.shape[dim] // 2 in each selected dimension": it
    equals ``numpy.fft.fftshift`` (which "swaps half-spaces"; odd sides included) bitwise, any dtype."""
    dt = target(device)
    x = data.draw(tensors(data.draw(st.sampled_from(supported(dt)), label="dtype"),
                          data.draw(shapes(min_dims=1, max_side=7, zero_size=False), label="shape"), dt),
                  label="x")
    dim = shift_dims(data, x)
    expected = np.fft.fftshift(to_numpy(x), axes=dim)
    assert_equal(torch.fft.fftshift(x, dim=dim).cpu(), torch.from_numpy(np.ascontiguousarray(expected)).to(x.dtype),
                 msg=f"fftshift(dim={dim}) against numpy.fft.fftshift")


@invariant("ifftshift-inverts-fftshift", source=IFFTSHIFT_DOC)
@given(data=st.data())
def test_ifftshift_inverts_fftshift(device, data):
    """"Inverse of fftshift()": ``ifftshift(fftshift(x, dim), dim) == x`` bitwise, odd sides included
    (where the two shifts differ by one position)."""
    dt = target(device)
    x = data.draw(tensors(data.draw(st.sampled_from(supported(dt)), label="dtype"),
                          data.draw(shapes(min_dims=1, max_side=7, zero_size=False), label="shape"), dt),
                  label="x")
    dim = shift_dims(data, x)
    assert_equal(torch.fft.ifftshift(torch.fft.fftshift(x, dim=dim), dim=dim), x,
                 msg=f"ifftshift(fftshift(x, dim={dim}))")


# ---------------------------------------------------------------------------
# Frequencies: fftfreq, rfftfreq (no tensor input: not registry entries)
# ---------------------------------------------------------------------------

@invariant("frequencies-match-numpy", source=FFTFREQ_DOC + " ; " + RFFTFREQ_DOC + " ; " + NUMPY_FFT)
@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
@given(data=st.data())
def test_frequencies_match_numpy(device, name, data):
    """fftfreq: "the frequencies are f = [0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d * n)"; rfftfreq:
    "f = torch.arange((n + 1) // 2) / (d * n)" with the Nyquist term positive for even n -- numpy.fft's
    fftfreq/rfftfreq, for any n >= 1 and spacing d (float64)."""
    n = data.draw(st.integers(1, 12), label="n")
    d = data.draw(st.sampled_from([1.0, 0.5, 0.1, 2.5, 1 / 3]), label="d")
    got = getattr(torch.fft, name)(n, d, dtype=precise(device), device=target(device))
    close(got.cpu(), torch.from_numpy(getattr(np.fft, name)(n, d)), f"{name}({n}, d={d})")


# ---------------------------------------------------------------------------
# Every transform against numpy.fft; result dtypes
# ---------------------------------------------------------------------------

def numpy_of(x: torch.Tensor) -> np.ndarray:
    return to_numpy(x).astype(np.complex128 if x.is_complex() else np.float64)


@over("fft", "matches-numpy", TRANSFORMS, rule=NUMPY_FFT, argnames="op,kind",
      axes=lambda op: [(kind,) for kind in op.kinds])
@given(data=st.data())
def test_transform_matches_numpy(device, op, kind, data):
    """Each transform, with its drawn n/s, dim and norm, equals numpy.fft's (hfft2/hfftn/ihfft2/ihfftn: numpy's
    irfftn/rfftn of the conjugate, normalization direction swapped) on the same float64/complex128 values."""
    dtype = {"float": precise(device), "complex": precise(device, complex_=True)}[kind]
    case = draw_case(data, op, target(device), dtype, Sizes())
    inputs, kwargs = case.arguments()
    got = op.fn(*inputs, **kwargs)
    expected = op.reference(*map(numpy_of, inputs), **kwargs)
    close(got.cpu(), torch.from_numpy(np.ascontiguousarray(expected)), f"{op.name}{kwargs} against numpy")


def result_dtype(op_name: str, dtype: torch.dtype) -> torch.dtype:
    """Complex results of the input's precision; real results (irfft*, hfft*) of the input's real precision."""
    real = dtype.to_real() if dtype.is_complex else dtype
    return real if op_name in REAL_OUTPUT else real.to_complex()


@over("fft", "result-dtype", TRANSFORMS, rule=ARRAY_API_FFT)
@given(data=st.data())
def test_result_dtype_keeps_the_input_precision(device, op, data):
    """"If x has a real-valued floating-point data type, the returned array must have a complex floating-point
    data type whose precision matches the precision of x" (a complex x: its own dtype); the complex-to-real
    transforms (irfft*, hfft*) give the real dtype of that precision (Python array API, which torch.fft
    follows; float32 -> complex64, float64 -> complex128)."""
    dt = target(device)
    dtype = data.draw(st.sampled_from(op.dtypes(dt)), label="dtype")
    case = draw_case(data, op, dt, dtype, Sizes())
    got = case.run()
    assert got.dtype == result_dtype(op.name, dtype), f"{op.name} of {dtype} gave {got.dtype}"
