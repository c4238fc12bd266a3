"""Planted faults the FFT rules (conformance/test_fft.py) must detect under the ci profile, one per rule.

Each fault is planted where users reach the function (``torch.fft.ifft``, ...): the rules look each
transform up at call time, so the planted one is the one tested.
"""

from __future__ import annotations

import math

import torch

from conformance import ops, test_autograd as autograd, test_fft
from tests.canary import assert_caught

OP = ops.REGISTRY


def _scaled_ortho(original, factor):
    """``original`` whose "ortho" result is ``factor(n)`` times the documented one."""
    def faulty(x, n=None, dim=-1, norm=None, **kwargs):
        out = original(x, n=n, dim=dim, norm=norm, **kwargs)
        return out * factor(n or x.shape[dim]) if norm == "ortho" else out
    return faulty


def test_ifft_with_a_wrong_ortho_scale_breaks_the_round_trip(monkeypatch):
    """ifft(norm="ortho") scaling by 1/n instead of 1/sqrt(n)."""
    monkeypatch.setattr(torch.fft, "ifft", _scaled_ortho(torch.fft.ifft, lambda n: 1 / math.sqrt(n)))
    assert_caught(test_fft.test_ifft_inverts_fft, device="cpu", norm="ortho")


def test_ifft_with_a_wrong_ortho_scale_breaks_the_scale_factors(monkeypatch):
    monkeypatch.setattr(torch.fft, "ifft", _scaled_ortho(torch.fft.ifft, lambda n: 1 / math.sqrt(n)))
    assert_caught(test_fft.test_norm_modes_differ_by_documented_factors, device="cpu", name="ifft", norm="ortho")


def test_fft_with_a_wrong_ortho_scale_breaks_parseval(monkeypatch):
    """fft(norm="ortho") not orthonormal: scaled by 1/n."""
    monkeypatch.setattr(torch.fft, "fft", _scaled_ortho(torch.fft.fft, lambda n: 1 / math.sqrt(n)))
    assert_caught(test_fft.test_parseval_identity, device="cpu", norm="ortho")


def _last_bin_zeroed(original):
    def faulty(x, n=None, dim=-1, norm=None, **kwargs):
        out = original(x, n=n, dim=dim, norm=norm, **kwargs).clone()
        out.narrow(dim, out.shape[dim] - 1, 1).zero_()
        return out
    return faulty


def test_rfft_losing_its_last_bin_breaks_the_irfft_round_trip(monkeypatch):
    """rfft whose last (Nyquist, for even n) bin is lost (zero)."""
    monkeypatch.setattr(torch.fft, "rfft", _last_bin_zeroed(torch.fft.rfft))
    assert_caught(test_fft.test_irfft_inverts_rfft, device="cpu", norm="backward")


def test_rfft_missing_its_last_bin_is_not_the_half_of_fft(monkeypatch):
    """rfft returning n // 2 bins instead of n // 2 + 1."""
    original = torch.fft.rfft

    def faulty(x, n=None, dim=-1, norm=None, **kwargs):
        out = original(x, n=n, dim=dim, norm=norm, **kwargs)
        return out.narrow(dim, 0, max(out.shape[dim] - 1, 1))
    monkeypatch.setattr(torch.fft, "rfft", faulty)
    assert_caught(test_fft.test_rfft_is_the_first_half_of_fft, device="cpu")


def test_fft_rotated_by_one_bin_is_not_hermitian(monkeypatch):
    """fft whose output is rotated by one frequency bin."""
    original = torch.fft.fft
    monkeypatch.setattr(torch.fft, "fft", lambda x, n=None, dim=-1, norm=None, **kwargs:
                        original(x, n=n, dim=dim, norm=norm, **kwargs).roll(1, dim))
    assert_caught(test_fft.test_fft_of_real_input_is_hermitian, device="cpu")


def test_fftshift_by_the_ceiling_half_is_caught(monkeypatch):
    """fftshift shifting by (n + 1) // 2 instead of the documented n // 2: wrong for odd sides."""
    monkeypatch.setattr(torch.fft, "fftshift", torch.fft.ifftshift)
    assert_caught(test_fft.test_fftshift_moves_the_origin_to_the_centre, device="cpu")


def test_ifftshift_equal_to_fftshift_is_caught(monkeypatch):
    """ifftshift shifting by n // 2 (fftshift's amount): not its inverse for odd sides."""
    monkeypatch.setattr(torch.fft, "ifftshift", torch.fft.fftshift)
    assert_caught(test_fft.test_ifftshift_inverts_fftshift, device="cpu")


def test_fftfreq_with_a_positive_nyquist_term_is_caught(monkeypatch):
    """fftfreq giving the Nyquist term of an even n as +1/(2d) (rfftfreq's convention) instead of -1/(2d)."""
    original = torch.fft.fftfreq

    def faulty(n, d=1.0, **kwargs):
        out = original(n, d, **kwargs)
        if n % 2 == 0:
            out[n // 2] = out[n // 2].abs()
        return out
    monkeypatch.setattr(torch.fft, "fftfreq", faulty)
    assert_caught(test_fft.test_frequencies_match_numpy, device="cpu", name="fftfreq")


def test_rfftfreq_one_term_short_is_caught(monkeypatch):
    """rfftfreq returning n // 2 terms (no Nyquist term for even n)."""
    original = torch.fft.rfftfreq
    monkeypatch.setattr(torch.fft, "rfftfreq", lambda n, d=1.0, **kwargs: original(n, d, **kwargs)[: max(n // 2, 1)])
    assert_caught(test_fft.test_frequencies_match_numpy, device="cpu", name="rfftfreq")


def test_hfft2_without_the_conjugate_is_caught(monkeypatch):
    """hfft2 transforming its input instead of its conjugate (irfft2 up to the scale): wrong for complex inputs."""
    original = torch.fft.hfft2
    monkeypatch.setattr(torch.fft, "hfft2", lambda x, *args, **kwargs: original(x.conj(), *args, **kwargs))
    assert_caught(test_fft.test_transform_matches_numpy, device="cpu", op=OP["hfft2"], kind="complex")


def test_rfft_of_float32_giving_complex128_is_caught(monkeypatch):
    """rfft promoting a float32 input to complex128 instead of complex64."""
    original = torch.fft.rfft
    monkeypatch.setattr(torch.fft, "rfft", lambda *args, **kwargs: original(*args, **kwargs).to(torch.complex128))
    assert_caught(test_fft.test_result_dtype_keeps_the_input_precision, device="cpu", op=OP["rfft"])


# --- the autograd family on a complex result (the forward-vs-reverse check's real inner product) ------------

class _RfftWithDoubledBackward(torch.autograd.Function):
    """rfft with its right forward-mode derivative and a reverse-mode one twice too large."""

    @staticmethod
    def forward(x, kwargs):
        return _RFFT(x, **kwargs)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.kwargs = inputs[1]
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def jvp(ctx, tangent, _):
        return _RFFT(tangent, **ctx.kwargs)  # linear: the derivative applied to the tangent is the transform

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        _, vjp = torch.func.vjp(lambda t: _RFFT(t, **ctx.kwargs), x)
        return 2 * vjp(grad)[0], None


_RFFT = torch.fft.rfft


def test_complex_result_with_a_wrong_backward_is_caught_by_forward_vs_reverse(monkeypatch):
    """<v, J u> (forward mode) against <J^T v, u> (reverse mode) for a complex result: the real inner product
    Re(sum(conj(v) J u)) catches a reverse mode twice too large."""
    monkeypatch.setattr(torch.fft, "rfft", lambda x, **kwargs: _RfftWithDoubledBackward.apply(x, kwargs))
    assert_caught(autograd.test_forward_mode_matches_reverse_mode, device="cpu", op=OP["rfft"])
