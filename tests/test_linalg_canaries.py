"""Planted faults the linear-algebra rules (conformance/test_linalg.py) must detect under the ci profile: each
breaks one documented rule where users reach the op (``torch.linalg.inv``, ``torch.linalg.qr``, ...), and the
rule's test must fail.  Several faults are small (a float32 round trip: 1e-7 relative) to show that the
backward-error bounds, not only gross mistakes, are enforced.
"""

from __future__ import annotations

import torch

from conformance import test_linalg as rules
from tests.canary import assert_caught


def _in_float32(fn):
    """``fn`` computed in float32 and returned in the input's dtype: right to ~1e-7, not to float64's bound."""
    return lambda a, *args, **kwargs: fn(a.float(), *[x.float() if isinstance(x, torch.Tensor) else x
                                                      for x in args], **kwargs).to(a.dtype)


def test_batched_inv_returning_each_inverse_transposed_is_caught(monkeypatch):
    """The issue's canary: a batched ``linalg.inv`` that returns the transpose of each inverse (single matrices
    right), caught by the batch-equals-loop rule."""
    original = torch.linalg.inv

    def transposed_when_batched(a, *args, **kwargs):
        out = original(a, *args, **kwargs)
        return out.mT if a.dim() > 2 else out

    monkeypatch.setattr(torch.linalg, "inv", transposed_when_batched)
    failure = assert_caught(rules.test_batched_op_equals_a_loop_over_the_batch, device="cpu", name="inv")
    assert "inv of a batch" in str(failure), failure


def test_batched_inv_transposed_is_caught_by_the_inverse_rule(monkeypatch):
    """The same fault, caught by inv(A) @ A = I on batches."""
    original = torch.linalg.inv
    monkeypatch.setattr(torch.linalg, "inv", lambda a, **kw: original(a, **kw).mT if a.dim() > 2 else original(a, **kw))
    failure = assert_caught(rules.test_inv_times_the_matrix_is_the_identity, device="cpu")
    assert "inv(A) @ A - I" in str(failure), failure


def test_inv_rounded_in_float32_is_caught(monkeypatch):
    monkeypatch.setattr(torch.linalg, "inv", _in_float32(torch.linalg.inv))
    failure = assert_caught(rules.test_inv_times_the_matrix_is_the_identity, device="cpu")
    assert "backward-error bound" in str(failure), failure


def test_solve_rounded_in_float32_is_caught(monkeypatch):
    monkeypatch.setattr(torch.linalg, "solve", _in_float32(torch.linalg.solve))
    failure = assert_caught(rules.test_solve_returns_a_solution_of_its_equation, device="cpu")
    assert "solve(A, B" in str(failure), failure


def test_qr_with_a_column_of_q_negated_is_caught(monkeypatch):
    """Q's first column negated without R's first row: Q is still orthonormal, R still triangular, Q R != A."""
    original = torch.linalg.qr

    def flipped(a, *args, **kwargs):
        q, r = original(a, *args, **kwargs)
        q = q.clone()
        q[..., :, 0] = -q[..., :, 0]
        return torch.return_types.linalg_qr((q, r))

    monkeypatch.setattr(torch.linalg, "qr", flipped)
    failure = assert_caught(rules.test_qr_factors_are_orthonormal_times_upper_triangular, device="cpu")
    assert "Q R - A" in str(failure), failure


def test_cholesky_factor_with_a_negative_diagonal_is_caught(monkeypatch):
    """L D with D = diag(-1, 1, ...): L L^H still reconstructs A, but the diagonal is not positive."""
    original = torch.linalg.cholesky

    def negated_first_column(a, *args, **kwargs):
        lower = original(a, *args, **kwargs).clone()
        lower[..., :, 0] = -lower[..., :, 0]
        return lower

    monkeypatch.setattr(torch.linalg, "cholesky", negated_first_column)
    failure = assert_caught(rules.test_cholesky_factor_is_lower_triangular_with_a_positive_diagonal, device="cpu")
    assert "not positive" in str(failure), failure


def test_det_without_its_sign_is_caught(monkeypatch):
    original = torch.linalg.det
    monkeypatch.setattr(torch.linalg, "det", lambda a, **kw: original(a, **kw).abs())
    failure = assert_caught(rules.test_det_is_the_product_of_the_eigenvalues, device="cpu")
    assert "eigenvalues" in str(failure), failure


def test_slogdet_with_a_positive_sign_always_is_caught(monkeypatch):
    original = torch.linalg.slogdet

    def unsigned(a, **kw):
        sign, logabsdet = original(a, **kw)
        return torch.return_types.linalg_slogdet((sign.abs(), logabsdet))

    monkeypatch.setattr(torch.linalg, "slogdet", unsigned)
    failure = assert_caught(rules.test_slogdet_sign_times_exp_logabsdet_is_det, device="cpu")
    assert "sign" in str(failure), failure


def test_svd_with_ascending_singular_values_is_caught(monkeypatch):
    """U, S, V^H reordered together (ascending S): the product still reconstructs A, the order is wrong."""
    original = torch.linalg.svd

    def ascending(a, *args, **kwargs):
        u, s, vh = original(a, *args, **kwargs)
        return torch.return_types.linalg_svd((u.flip(-1), s.flip(-1), vh.flip(-2)))

    monkeypatch.setattr(torch.linalg, "svd", ascending)
    failure = assert_caught(rules.test_svd_reconstructs_with_descending_nonnegative_singular_values, device="cpu")
    assert "descending" in str(failure), failure


def test_eigh_with_descending_eigenvalues_is_caught(monkeypatch):
    """Eigenpairs reordered together (descending): A Q = Q diag(L) still holds, the order is wrong."""
    original = torch.linalg.eigh

    def descending(a, *args, **kwargs):
        w, v = original(a, *args, **kwargs)
        return torch.return_types.linalg_eigh((w.flip(-1), v.flip(-1)))

    monkeypatch.setattr(torch.linalg, "eigh", descending)
    failure = assert_caught(rules.test_eigh_eigenvectors_diagonalize_with_ascending_eigenvalues, device="cpu")
    assert "ascending" in str(failure), failure


def test_lstsq_solving_only_the_leading_square_rows_is_caught(monkeypatch):
    """The exact solution of the first n equations: a solution of a subsystem, not the least-squares one."""
    original = torch.linalg.lstsq

    def leading_rows(a, b, *args, **kwargs):
        n = a.shape[-1]
        result = original(a, b, *args, **kwargs)
        return torch.return_types.linalg_lstsq((torch.linalg.solve(a[..., :n, :], b[..., :n, :]),) + tuple(result[1:]))

    monkeypatch.setattr(torch.linalg, "lstsq", leading_rows)
    failure = assert_caught(rules.test_lstsq_solution_satisfies_the_normal_equations, device="cpu")
    assert "A^H (A X - B)" in str(failure), failure
