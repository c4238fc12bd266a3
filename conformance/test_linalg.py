"""Linear algebra: each solver's and decomposition's own documented rule, judged in float64.

The universal invariants (``test_ops.py``) check that routes, layouts, meta, vmap and out= of these ops agree
with one another; these tests check what the results *are*: a solution solves its equation, an inverse inverts,
each decomposition reconstructs its matrix with factors of the documented structure, the determinant is the
product of the eigenvalues (numpy's), the normal equations hold for a least-squares solution, and a batch gives
what a loop over it gives.

Matrices are well-conditioned by construction (``conformance.ops.linalg``: diagonally dominant, SPD with
separated eigenvalues, full rank with separated singular values), drawn in float64 in any layout, so a
residual is judged against the backward-error bound of the algorithm (Higham, *Accuracy and Stability of
Numerical Algorithms*, 2nd ed., SIAM 2002), computed with numpy in float64:

* ``BACKWARD = 8``: ``||A X - B|| <= 8 n u ||A|| ||X||`` (infinity norms, ``u`` the unit roundoff): Gaussian
  elimination's ``|dA| <= gamma_3n |L| |U|`` (Thm 9.4) with a growth factor of at most 2 for a diagonally dominant
  matrix (Thm 9.9), ``gamma_k ~ k u``; the same constant covers Cholesky (Thm 10.3: ``gamma_{n+1}``) and the
  residual's own rounding (``gamma_n`` per product); Householder QR and the orthogonality of its Q take
  ``8 m n u`` (Thm 19.4: ``gamma~_mn``).
* SVD and the symmetric eigensolver: LAPACK documents a backward error ``p(m, n) eps ||A||_2`` with ``p`` "a
  modestly growing function of m and n" that it does not bound (LAPACK Users' Guide, §4.9 and §4.7), so their
  reconstructions and orthonormality are judged with float64's ``assert_close`` tolerances (rtol = atol = 1e-7
  on matrices of norm <= 22), far above any such error for n <= 4 and far below a wrong factor.
* The determinant against numpy's eigenvalues and slogdet against det: float64's ``assert_close``.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices
from conformance.ops import Domain, doc
from conformance.ops.linalg import dominant, separated, symmetric
from conformance.ops_helpers import draw_tensor, float64_or_skip
from conformance.oracles import to_numpy
from strategies import LAYOUTS

invariant = functools.partial(pytest.mark.invariant, "linalg")

SOLVE_DOC = doc("torch.linalg.solve")
INV_DOC = doc("torch.linalg.inv")
QR_DOC = doc("torch.linalg.qr")
CHOLESKY_DOC = doc("torch.linalg.cholesky")
DET_DOC = doc("torch.linalg.det")
SLOGDET_DOC = doc("torch.linalg.slogdet")
SVD_DOC = doc("torch.linalg.svd")
EIGH_DOC = doc("torch.linalg.eigh")
LSTSQ_DOC = doc("torch.linalg.lstsq")
BATCH_DOC = "https://pytorch.org/docs/stable/linalg.html"  # "support batches of matrices"

UNIT = Domain(-1.0, 1.0)
U = np.finfo(np.float64).eps / 2  # unit roundoff
BACKWARD = 8  # see the module docstring
ETA = np.nextafter(0.0, 1.0)  # the least float64 subnormal: the absolute error of an operation that underflows


# ---------------------------------------------------------------------------
# Drawing matrices, measuring residuals
# ---------------------------------------------------------------------------

def draw_values(data, device, shape, label):
    """A float64 tensor of ``shape`` with entries in [-1, 1], in any layout, on the device."""
    target = devices.target(device)
    return draw_tensor(data, float64_or_skip(device), shape, target.device, UNIT, LAYOUTS, label)


def draw_batch(data):
    return tuple(data.draw(st.lists(st.integers(1, 2), max_size=2), label="batch"))


def signs(data, device, batch, n):
    """A diagonal of +-1 (rows of a constructed matrix flipped: any determinant sign, the same conditioning)."""
    flips = data.draw(st.lists(st.booleans(), min_size=n, max_size=n), label="row signs")
    d = torch.tensor([-1.0 if f else 1.0 for f in flips], dtype=torch.float64, device=devices.target(device).device)
    return d.expand(batch + (n,)).unsqueeze(-1)


def norm(a) -> np.ndarray:
    """The infinity norm of each matrix of a batch (max row sum of |a|)."""
    a = np.asarray(a)
    return np.abs(a).sum(-1).max(-1) if a.ndim >= 2 else np.abs(a).max(-1)


def np64(t: torch.Tensor) -> np.ndarray:
    return to_numpy(t.detach()).astype(np.float64)


def assert_within(residual, bound, what: str) -> None:
    """Each matrix's residual (infinity norm) within its bound, plus what underflow adds: each rounded
    operation may also be off by the least subnormal (Higham §2.1, ``fl(x op y) = (x op y)(1 + d) + e``,
    ``|e| <= ETA``), ``BACKWARD * n`` of them per element of an ``n``-column residual."""
    residual = np.asarray(residual)
    terms = BACKWARD * (residual.shape[-1] if residual.ndim else 1) * ETA
    residual, bound = np.asarray(norm(residual)), np.asarray(bound) + terms
    worst = np.max(residual / bound) if residual.size else 0.0
    assert np.all(residual <= bound), (
        f"{what}: residual {np.max(residual):.3e} exceeds the backward-error bound {np.min(bound):.3e} "
        f"({worst:.1f} times it)")


def identity(n):
    return np.eye(n)


def close(what: str, got: np.ndarray, expected: np.ndarray) -> None:
    """float64 ``assert_close`` of two numpy results (default tolerances)."""
    torch.testing.assert_close(torch.from_numpy(np.array(got)), torch.from_numpy(np.array(expected)),
                               msg=lambda m: f"{what}: {m}")


# ---------------------------------------------------------------------------
# Solvers and inverses
# ---------------------------------------------------------------------------

@invariant("solve-solves", source=SOLVE_DOC)
@given(data=st.data())
def test_solve_returns_a_solution_of_its_equation(device, data):
    """``linalg.solve(A, B)`` "computes the solution X ... of AX = B" (``left=False``: ``XA = B``): the residual
    ``A X - B`` is within the backward-error bound ``8 n u ||A|| ||X||`` of a diagonally dominant ``A``."""
    n, k = data.draw(st.integers(1, 4), label="n"), data.draw(st.integers(1, 3), label="k")
    batch = draw_batch(data)
    left = data.draw(st.booleans(), label="left")
    a = dominant(draw_values(data, device, batch + (n, n), "A"))
    b = draw_values(data, device, batch + ((n, k) if left else (k, n)), "B")
    with devices.target(device).context():
        x = torch.linalg.solve(a, b, left=left)
    A, B, X = np64(a), np64(b), np64(x)
    residual = A @ X - B if left else X @ A - B
    assert_within(residual, BACKWARD * n * U * norm(A if left else A.swapaxes(-1, -2)) * norm(X),
                  f"solve(A, B, left={left})")


@invariant("inv-inverts", source=INV_DOC)
@given(data=st.data())
def test_inv_times_the_matrix_is_the_identity(device, data):
    """``linalg.inv(A)`` "computes the inverse ... ``A^{-1} A = A A^{-1} = I``": ``inv(A) @ A - I`` is within
    ``8 n u ||inv(A)|| ||A||`` (Higham §14.3: the residual of an inverse from an LU factorization), for single
    matrices and batches of them."""
    n = data.draw(st.integers(1, 4), label="n")
    a = dominant(draw_values(data, device, draw_batch(data) + (n, n), "A"))
    with devices.target(device).context():
        x = torch.linalg.inv(a)
    A, X = np64(a), np64(x)
    assert_within(X @ A - identity(n), BACKWARD * n * U * norm(X) * norm(A), "inv(A) @ A - I")


# ---------------------------------------------------------------------------
# Decompositions
# ---------------------------------------------------------------------------

@invariant("qr-factorizes", source=QR_DOC)
@given(data=st.data())
def test_qr_factors_are_orthonormal_times_upper_triangular(device, data):
    """``linalg.qr(A)`` (reduced) "computes the QR decomposition ... A = QR with Q orthogonal and R upper
    triangular": ``Q R - A`` and ``Q^H Q - I`` within the Householder bound ``8 m n u`` (Thm 19.4:
    ``gamma~_mn``), R exactly zero below its diagonal."""
    m, n = data.draw(st.integers(1, 4), label="m"), data.draw(st.integers(1, 4), label="n")
    a = separated(draw_values(data, device, draw_batch(data) + (m, n), "A"))
    with devices.target(device).context():
        q, r = torch.linalg.qr(a)
    A, Q, R = np64(a), np64(q), np64(r)
    k = min(m, n)
    assert Q.shape[-2:] == (m, k) and R.shape[-2:] == (k, n), f"Q {Q.shape}, R {R.shape} of A {A.shape}"
    bound = BACKWARD * m * n * U  # Householder QR: gamma~_mn (Higham Thm 19.4)
    assert_within(Q @ R - A, bound * norm(A), "Q R - A")
    assert_within(Q.swapaxes(-1, -2) @ Q - identity(k), bound * np.ones(A.shape[:-2]), "Q^H Q - I")
    below = np.tril(R, -1)
    assert not below.any(), f"R has nonzero entries below its diagonal: {below[below != 0][:4]}"


@invariant("cholesky-factorizes", source=CHOLESKY_DOC)
@given(data=st.data())
def test_cholesky_factor_is_lower_triangular_with_a_positive_diagonal(device, data):
    """``linalg.cholesky(A)``: "A = L L^H where L is a lower triangular matrix with real positive diagonal":
    ``L L^H - A`` within ``8 n u ||A||`` (Thm 10.3), L exactly zero above its diagonal, its diagonal > 0."""
    n = data.draw(st.integers(1, 4), label="n")
    a = symmetric(draw_values(data, device, draw_batch(data) + (n, n), "A"))
    with devices.target(device).context():
        lower = torch.linalg.cholesky(a)
    A, L = np64(a), np64(lower)
    assert_within(L @ L.swapaxes(-1, -2) - A, BACKWARD * n * U * norm(A), "L L^H - A")
    above = np.triu(L, 1)
    assert not above.any(), f"L has nonzero entries above its diagonal: {above[above != 0][:4]}"
    diagonal = np.diagonal(L, axis1=-2, axis2=-1)
    assert (diagonal > 0).all(), f"L's diagonal is not positive: {diagonal[diagonal <= 0][:4]}"


@invariant("det-is-product-of-eigenvalues", source=DET_DOC)
@given(data=st.data())
def test_det_is_the_product_of_the_eigenvalues(device, data):
    """``linalg.det``: the determinant is the product of the eigenvalues (numpy's ``eigvals``, independent
    of torch), sign included (rows flipped at random: either sign), within float64's ``assert_close``
    tolerance of that product (well-conditioned eigenvalues: Gershgorin discs of radius n-1 around 2n)."""
    n = data.draw(st.integers(1, 4), label="n")
    batch = draw_batch(data)
    a = signs(data, device, batch, n) * dominant(draw_values(data, device, batch + (n, n), "A"))
    with devices.target(device).context():
        det = torch.linalg.det(a)
    expected = np.prod(np.linalg.eigvals(np64(a)), axis=-1)
    assert np.allclose(expected.imag, 0, atol=1e-9 * np.abs(expected)), expected
    torch.testing.assert_close(det.cpu(), torch.from_numpy(np.asarray(expected.real)),
                               msg=lambda m: f"det(A) against the product of numpy's eigenvalues: {m}")


@invariant("slogdet-is-det", source=SLOGDET_DOC)
@given(data=st.data())
def test_slogdet_sign_times_exp_logabsdet_is_det(device, data):
    """``linalg.slogdet``: "det(A) = sign * exp(logabsdet)": the sign is exactly ``det``'s (+-1 here), and
    ``sign * exp(logabsdet)`` equals ``linalg.det`` within float64's ``assert_close`` tolerance."""
    n = data.draw(st.integers(1, 4), label="n")
    batch = draw_batch(data)
    a = signs(data, device, batch, n) * dominant(draw_values(data, device, batch + (n, n), "A"))
    with devices.target(device).context():
        sign, logabsdet = torch.linalg.slogdet(a)
        det = torch.linalg.det(a)
    assert torch.equal(sign.cpu(), det.sign().cpu()), f"slogdet's sign {sign.tolist()}, det's {det.sign().tolist()}"
    torch.testing.assert_close((sign * logabsdet.exp()).cpu(), det.cpu(),
                               msg=lambda m: f"sign * exp(logabsdet) against det: {m}")


@invariant("svd-factorizes", source=SVD_DOC)
@given(data=st.data())
def test_svd_reconstructs_with_descending_nonnegative_singular_values(device, data):
    """``linalg.svd(A, full_matrices=False)``: "A = U diag(S) V^H ... U and V orthonormal columns ... S
    returned in descending order", real and non-negative: ``U diag(S) V^H = A``, ``U^H U = I`` and
    ``V^H V = I`` within float64's ``assert_close`` tolerance, S sorted descending and >= 0."""
    m, n = data.draw(st.integers(1, 4), label="m"), data.draw(st.integers(1, 4), label="n")
    a = separated(draw_values(data, device, draw_batch(data) + (m, n), "A"))
    with devices.target(device).context():
        u, s, vh = torch.linalg.svd(a, full_matrices=False)
    A, Uu, S, Vh = np64(a), np64(u), np64(s), np64(vh)
    k = min(m, n)
    close("U diag(S) V^H", (Uu * S[..., None, :]) @ Vh, A)
    close("U^H U", Uu.swapaxes(-1, -2) @ Uu, np.broadcast_to(identity(k), Uu.shape[:-2] + (k, k)))
    close("V^H V", Vh @ Vh.swapaxes(-1, -2), np.broadcast_to(identity(k), Vh.shape[:-2] + (k, k)))
    assert (S >= 0).all(), f"negative singular values: {S[S < 0]}"
    assert (np.diff(S, axis=-1) <= 0).all(), f"singular values not in descending order: {S.reshape(-1, k)[:2]}"


@invariant("eigh-diagonalizes", source=EIGH_DOC)
@given(data=st.data())
def test_eigh_eigenvectors_diagonalize_with_ascending_eigenvalues(device, data):
    """``linalg.eigh(A)``: "A = Q diag(L) Q^H ... eigenvalues returned in ascending order", Q orthonormal:
    ``A Q = Q diag(L)`` and ``Q^H Q = I`` within float64's ``assert_close`` tolerance, L sorted ascending."""
    n = data.draw(st.integers(1, 4), label="n")
    uplo = data.draw(st.sampled_from(["L", "U"]), label="UPLO")
    a = symmetric(draw_values(data, device, draw_batch(data) + (n, n), "A"))
    with devices.target(device).context():
        w, v = torch.linalg.eigh(a, UPLO=uplo)
    A, W, V = np64(a), np64(w), np64(v)
    close(f"A Q (UPLO={uplo})", A @ V, V * W[..., None, :])
    close("Q^H Q", V.swapaxes(-1, -2) @ V, np.broadcast_to(identity(n), V.shape))
    assert (np.diff(W, axis=-1) >= 0).all(), f"eigenvalues not in ascending order: {W.reshape(-1, n)[:2]}"


@invariant("lstsq-normal-equations", source=LSTSQ_DOC)
@given(data=st.data())
def test_lstsq_solution_satisfies_the_normal_equations(device, data):
    """``linalg.lstsq(A, B)`` "computes a solution to the least squares problem ... min ||AX - B||_F": for a
    full-rank tall A the minimiser satisfies the normal equations ``A^H (A X - B) = 0``, within
    ``8 m ||A^H|| (u (||A|| ||X|| + ||B||) + eta (n ||X|| + k))``: a backward-stable solution solves the problem
    for ``A + dA``, ``B + dB`` with ``|dA| <= c (u |A| + eta)``, ``|dB| <= c (u |B| + eta)`` elementwise (Higham
    §2.1's model with underflow; the eta parts are row sums of an m x n and an m x k matrix of eta), and the
    residual ``A X - B ~ dB - dA X`` is multiplied by ``A^H``.  A B of subnormals, whose X underflows to 0,
    leaves ``-B`` as the residual, ``||A^H|| k eta`` after the product."""
    m, n = sorted(data.draw(st.lists(st.integers(1, 4), min_size=2, max_size=2), label="sides"), reverse=True)
    k = data.draw(st.integers(1, 3), label="k")
    batch = draw_batch(data)
    a = separated(draw_values(data, device, batch + (m, n), "A"))
    b = draw_values(data, device, batch + (m, k), "B")
    with devices.target(device).context():
        x = torch.linalg.lstsq(a, b).solution
    A, B, X = np64(a), np64(b), np64(x)
    At = A.swapaxes(-1, -2)
    perturbation = U * (norm(A) * norm(X) + norm(B)) + ETA * (n * norm(X) + k)
    assert_within(At @ (A @ X - B), BACKWARD * m * norm(At) * perturbation, "A^H (A X - B)")


# ---------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------

BATCHED = {  # op -> (construction, call): the calls look the op up when called (a planted fault is seen)
    "solve": (dominant, lambda a: torch.linalg.solve(a, a.mT)),
    "inv": (dominant, lambda a: torch.linalg.inv(a)),
    "det": (dominant, lambda a: torch.linalg.det(a)),
    "cholesky": (symmetric, lambda a: torch.linalg.cholesky(a)),
    "eigvalsh": (symmetric, lambda a: torch.linalg.eigvalsh(a)),
    "svdvals": (separated, lambda a: torch.linalg.svdvals(a)),
    "pinv": (separated, lambda a: torch.linalg.pinv(a)),
    "matrix_power": (dominant, lambda a: torch.linalg.matrix_power(a, -2)),
}


@invariant("batch-equals-loop", source=BATCH_DOC)
@pytest.mark.parametrize("name", sorted(BATCHED))
@given(data=st.data())
def test_batched_op_equals_a_loop_over_the_batch(device, name, data):
    """torch.linalg functions "support batches of matrices": the op on a batch (..., n, n) equals the op on
    each matrix of it, stacked, within float64's ``assert_close`` tolerance (a batched kernel may round
    otherwise, numerical_accuracy.html)."""
    construct, call = BATCHED[name]
    n = data.draw(st.integers(1, 4), label="n")
    batch = (data.draw(st.integers(2, 3), label="batch"),) + draw_batch(data)[:1]
    a = construct(draw_values(data, device, batch + (n, n), "A"))
    with devices.target(device).context():
        batched = call(a)
        flat = a.reshape((-1, n, n))
        looped = torch.stack([call(flat[i]) for i in range(flat.shape[0])]).reshape(batched.shape)
    torch.testing.assert_close(batched.cpu(), looped.cpu(),
                               msg=lambda m: f"{name} of a batch {tuple(a.shape)} against a loop: {m}")
