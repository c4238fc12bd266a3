"""torch.linalg results satisfy their defining equations (Higham's backward-error bounds as tolerances):

* ``A @ solve(A, B) = B`` and ``A @ inv(A) = I`` (batched: each matrix of the batch);
* ``Q @ R = A`` with ``Q^H Q = I`` and R upper triangular;
* ``L @ L^H = A`` with L lower triangular;
* ``U diag(S) V^H = A`` with orthonormal U, V and S non-negative, descending;
* ``A V = V diag(w)`` for ``eigh``; ``det(A)`` is the product of A's eigenvalues;
* mismatched sizes raise and leave the operands as they were.

Matrices are well-conditioned by construction (``linalg_ext.conditioned``: condition number below
4.5).  Tolerances are Higham's bounds (``breadth_helpers``): a solution or inverse within
``10 n cond(A) eps``, a factorization's residual within ``10 n eps ||A||_2``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices
from conformance.breadth_helpers import backward_tolerance, forward_tolerance
from conformance.ops.linalg_ext import conditioned, hermitian_pd
from conformance.ops import Domain
from conformance.ops_helpers import draw_tensor
from conformance.oracles import assert_equal, to_numpy
from strategies import LAYOUTS, supported

FAMILY = "linalg"
DOCS = "https://pytorch.org/docs/stable/generated/"

UNIT = Domain(-1.0, 1.0)
DTYPES = (torch.float32, torch.float64, torch.complex64, torch.complex128)


def _matrix(data, device, square=True, hermitian=False, tall=False):
    """A batch of well-conditioned matrices in any layout, as the matrix the op sees."""
    target = devices.target(device)
    dtype = data.draw(st.sampled_from([d for d in DTYPES if d in supported(target.device)]), label="dtype")
    batch = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2), label="batch"))
    n = data.draw(st.integers(1, 4), label="n")
    m = n if square else data.draw(st.integers(1, n) if tall else st.integers(1, 4), label="m")
    a = draw_tensor(data, dtype, batch + (n, m), target.device, UNIT, LAYOUTS, "a")
    return (hermitian_pd(a) if hermitian else conditioned(a)), dtype


def _close(got, want, tol, what):
    torch.testing.assert_close(got, want, rtol=tol, atol=tol, msg=lambda m: f"{what}: {m}")


def _eye_like(a):
    return torch.eye(a.shape[-1], dtype=a.dtype, device=a.device).expand_as(a)


@pytest.mark.invariant(FAMILY, "solve-inverse", source=DOCS + "torch.linalg.solve.html ; " + DOCS +
                       "torch.linalg.inv.html")
@given(data=st.data())
def test_solution_and_inverse_satisfy_their_equations(device, data):
    """``A @ solve(A, B) = B`` and ``A @ inv(A) = inv(A) @ A = I`` for each matrix of a batch."""
    a, dtype = _matrix(data, device)
    b = draw_tensor(data, dtype, tuple(a.shape[:-1]) + (data.draw(st.integers(1, 3), label="k"),), a.device, UNIT,
                    LAYOUTS, "b")
    tol = forward_tolerance(dtype, to_numpy(a))
    with devices.target(device).context():
        x = torch.linalg.solve(a, b)
        inverse = torch.linalg.inv(a)
    _close(a @ x, b, tol, "A @ solve(A, B) vs B")
    _close(a @ inverse, _eye_like(a), tol, "A @ inv(A) vs I")
    _close(inverse @ a, _eye_like(a), tol, "inv(A) @ A vs I")


@pytest.mark.invariant(FAMILY, "qr", source=DOCS + "torch.linalg.qr.html")
@given(data=st.data())
def test_qr_reconstructs_with_orthonormal_q_and_triangular_r(device, data):
    """``Q @ R = A``, ``Q^H Q = I`` (reduced mode: Q is m x k), and R is upper triangular."""
    a, dtype = _matrix(data, device, square=False, tall=True)
    tol = backward_tolerance(dtype, to_numpy(a))
    with devices.target(device).context():
        q, r = torch.linalg.qr(a)
    _close(q @ r, a, tol, "Q @ R vs A")
    _close(q.mH @ q, _eye_like(q.mH @ q), tol, "Q^H Q vs I")
    assert_equal(r, r.triu(), msg="R is not upper triangular")


@pytest.mark.invariant(FAMILY, "cholesky", source=DOCS + "torch.linalg.cholesky.html")
@given(data=st.data())
def test_cholesky_factor_reconstructs(device, data):
    """``L @ L^H = A`` for Hermitian positive-definite A, L lower triangular with a real positive diagonal."""
    a, dtype = _matrix(data, device, hermitian=True)
    tol = backward_tolerance(dtype, to_numpy(a))
    with devices.target(device).context():
        lower = torch.linalg.cholesky(a)
    _close(lower @ lower.mH, a, tol, "L @ L^H vs A")
    assert_equal(lower, lower.tril(), msg="L is not lower triangular")
    diagonal = lower.diagonal(dim1=-2, dim2=-1)
    assert (diagonal.real > 0).all(), "L's diagonal is not positive"
    if diagonal.is_complex():
        assert (diagonal.imag == 0).all(), "L's diagonal is not real"


@pytest.mark.invariant(FAMILY, "svd", source=DOCS + "torch.linalg.svd.html")
@given(data=st.data())
def test_svd_reconstructs_with_orthonormal_factors(device, data):
    """``U diag(S) Vh = A`` with ``U^H U = I``, ``Vh Vh^H = I``; S real, non-negative and descending."""
    a, dtype = _matrix(data, device, square=False)
    tol = backward_tolerance(dtype, to_numpy(a))
    with devices.target(device).context():
        u, s, vh = torch.linalg.svd(a, full_matrices=False)
    _close((u * s.to(u.dtype).unsqueeze(-2)) @ vh, a, tol, "U diag(S) Vh vs A")
    _close(u.mH @ u, _eye_like(u.mH @ u), tol, "U^H U vs I")
    _close(vh @ vh.mH, _eye_like(vh @ vh.mH), tol, "Vh Vh^H vs I")
    assert (s >= 0).all() and (s.diff(dim=-1) <= 0).all(), "S is not non-negative and descending"


@pytest.mark.invariant(FAMILY, "eigen", source=DOCS + "torch.linalg.eigh.html ; " + DOCS + "torch.linalg.det.html")
@given(data=st.data())
def test_eigendecomposition_and_determinant(device, data):
    """``A V = V diag(w)`` for Hermitian A (w real, ascending), and ``det(A)`` equals the product of
    A's eigenvalues (``linalg.eigvals``) for a general A."""
    h, dtype = _matrix(data, device, hermitian=True)
    g = conditioned(draw_tensor(data, dtype, tuple(h.shape), h.device, UNIT, LAYOUTS, "general"))
    tol = backward_tolerance(dtype, to_numpy(h))
    with devices.target(device).context():
        w, v = torch.linalg.eigh(h)
        det = torch.linalg.det(g)
        eigenvalues = torch.linalg.eigvals(g)
    _close(h @ v, v * w.to(v.dtype).unsqueeze(-2), tol, "A V vs V diag(w)")
    assert (w.diff(dim=-1) >= 0).all(), "eigenvalues are not ascending"
    product = eigenvalues.prod(-1)
    scale = float(np.abs(to_numpy(product)).max(initial=1))
    _close(det.to(product.dtype), product, forward_tolerance(dtype, to_numpy(g)) * scale, "det vs product of eigenvalues")


@pytest.mark.invariant(FAMILY, "mismatched-sizes-raise", source=DOCS + "torch.linalg.solve.html")
@given(data=st.data())
def test_mismatched_sizes_raise_and_leave_operands(device, data):
    """``solve(A, B)`` with B's rows (a batch of matrices like A's) unequal to A's size, and ``inv`` of a
    non-square matrix, raise RuntimeError and change neither operand."""
    a, dtype = _matrix(data, device)
    n = a.shape[-1]
    b = torch.ones(tuple(a.shape[:-2]) + (n + data.draw(st.integers(1, 2), label="extra rows"), 2), dtype=dtype,
                   device=a.device)
    wide = torch.ones(n, n + 1, dtype=dtype, device=a.device)
    before = (a.clone(), b.clone(), wide.clone())
    with devices.target(device).context():
        with pytest.raises(RuntimeError):
            torch.linalg.solve(a, b)
        with pytest.raises(RuntimeError):
            torch.linalg.inv(wide)
    for x, y in zip((a, b, wide), before):
        assert_equal(x, y, msg="an operand changed although the call raised")
