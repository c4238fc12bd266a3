"""torch.linalg: solve, inv, det, slogdet, logdet, cholesky, cholesky_solve, qr, svd, svdvals, eigh,
eigvalsh, lstsq, matrix_norm, norm, matrix_power, matrix_exp, solve_triangular, pinv, cond,
matrix_rank, inv_ex.

Well-conditioned by construction: a drawn matrix ``a`` has entries of modulus at most sqrt(2), and
each entry point adds a multiple of the identity before calling the op (``conditioned``: ``a + (2n +
1) I``, whose singular values lie in [0.58 n + 1, 3.5 n + 1], a condition number below 4.5), or builds
a Hermitian positive-definite or triangular matrix the same way.  The shift is part of the entry's
function, so every route, layout and gradient goes through it; the numpy reference applies the same
shift.  Decompositions whose factors are unique only up to a phase (QR, SVD, eigh) are checked
through phase-free quantities: QR normalized to R's positive real diagonal, ``|U|^2``, ``|V|^2``
(singular values and eigenvalues are kept apart by ``separated``, so those are unique).
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from .core import Domain, OpInfo, Sizes, doc

UNIT = Domain(-1.0, 1.0)
KINDS = ("float", "complex")
NO_LOW = {"cpu": (torch.float16, torch.bfloat16)}


def _eye(a, n, m=None):
    m = n if m is None else m
    if isinstance(a, np.ndarray):
        return np.eye(n, m)
    return torch.eye(n, m, dtype=a.dtype, device=a.device)


def _mT(a):
    return np.swapaxes(a, -1, -2) if isinstance(a, np.ndarray) else a.mT


def _mH(a):
    return _mT(a).conj()


def conditioned(a):
    """``a + (2n + 1) I`` (the leading square of a rectangular ``a``): strictly diagonally dominant."""
    n, m = a.shape[-2:]
    return a + (2 * min(n, m) + 1) * _eye(a, n, m)


def hermitian_pd(a):
    """``(a + a^H) / 2 + (2n + 1) I``: Hermitian, eigenvalues in [0.58 n + 1, 3.5 n + 1]."""
    n = a.shape[-1]
    return (a + _mH(a)) / 2 + (2 * n + 1) * _eye(a, n)


def separated(a, hermitian=False):
    """``a`` (its Hermitian part when ``hermitian``) plus diag(s, 2s, ...), s = 3 min(n, m) + 1: by
    Gershgorin's and Weyl's theorems the eigenvalues (singular values) differ by more than n and
    the smallest is at least n + 1."""
    n, m = a.shape[-2:]
    k = min(n, m)
    step = 3 * k + 1
    d = np.arange(1, k + 1) * step
    if isinstance(a, np.ndarray):
        diag = np.zeros((n, m))
        diag[range(k), range(k)] = d
    else:
        diag = torch.zeros(n, m, dtype=a.dtype, device=a.device)
        diag[range(k), range(k)] = torch.tensor(d, dtype=a.dtype, device=a.device)
    base = (a + _mH(a)) / 2 if hermitian else a
    return base + diag


def triangular(a, upper):
    """The upper (lower) triangle of ``a`` plus (n + 1) I: a nonsingular triangular matrix."""
    n = a.shape[-1]
    if isinstance(a, np.ndarray):
        t = np.triu(a) if upper else np.tril(a)
    else:
        t = a.triu() if upper else a.tril()
    return t + (n + 1) * _eye(a, n)


# ---------------------------------------------------------------------------
# Argument strategies
# ---------------------------------------------------------------------------

@st.composite
def _matrices(draw, sizes: Sizes, square=True, tall=False, rhs=None, batched=True):
    """A batch of matrices (batch dims of 0-2 sides), and with ``rhs`` a right-hand side: "matrix" (n, k)
    batched alike, "vector" (n,) unbatched."""
    batch = tuple(draw(st.lists(st.integers(1, 2), max_size=2 if batched else 0), label="batch"))
    n = draw(st.integers(1, 4), label="n")
    m = n if square else draw(st.integers(1, n) if tall else st.integers(1, 4), label="m")
    if sizes.mode == "zero-size":
        if batched:
            batch = (0,) + batch
        else:
            n = m = 0
    inputs = [batch + (n, m)]
    if rhs == "matrix":
        inputs.append(batch + (n, draw(st.integers(1, 3), label="k")))
    elif rhs == "either":
        inputs.append(draw(st.sampled_from([batch + (n, 2), batch + (n, 1)]), label="rhs"))
    return tuple(inputs), {}


def matrices(**kwargs):
    return lambda sizes: _matrices(sizes, **kwargs)


def _with(strategy, **options):
    """Add keyword arguments drawn from ``options``."""
    return lambda sizes: strategy(sizes).flatmap(lambda case: st.fixed_dictionaries(
        {k: v if isinstance(v, st.SearchStrategy) else st.just(v) for k, v in options.items()}).map(
        lambda kw: (case[0], {**case[1], **kw})))


# ---------------------------------------------------------------------------
# Entries: functions (the shift is part of them) and numpy references
# ---------------------------------------------------------------------------

def _phase(d):
    """The unit-modulus factor of each diagonal entry (its sign for real entries)."""
    mod = abs(d)
    return d / mod


def _qr_normalized(q, r):
    """QR with R's diagonal made real and positive: the unique QR of a full-rank matrix."""
    diag = np.diagonal(r, axis1=-2, axis2=-1) if isinstance(r, np.ndarray) else r.diagonal(dim1=-2, dim2=-1)
    p = _phase(diag)
    pc = p.conj()
    return q * p[..., None, :], r * pc[..., :, None]


def _qr(a, **kwargs):
    return _qr_normalized(*torch.linalg.qr(conditioned(a), **kwargs))


def _qr_ref(a):
    return _qr_normalized(*np.linalg.qr(conditioned(a)))


def _abs2(x):
    return (x * x.conj()).real


def _svd(a, **kwargs):
    u, s, vh = torch.linalg.svd(separated(a), full_matrices=False, **kwargs)
    return s, _abs2(u), _abs2(vh)


def _svd_ref(a):
    u, s, vh = np.linalg.svd(separated(a), full_matrices=False)
    return s, _abs2(u), _abs2(vh)


def _eigh(a, **kwargs):
    values, vectors = torch.linalg.eigh(separated(a, hermitian=True), **kwargs)
    return values, _abs2(vectors)


def _eigh_ref(a, UPLO="L"):
    values, vectors = np.linalg.eigh(separated(a, hermitian=True), UPLO=UPLO)
    return values, _abs2(vectors)


def _matrix_exp_ref(a):
    """The exponential series, sum_k A^k / k!, to 60 terms (|A| <= 8 here: the tail is below 1e-20)."""
    out = np.broadcast_to(np.eye(a.shape[-1]), a.shape).astype(a.dtype)
    term = out.copy()
    for k in range(1, 60):
        term = term @ a / k
        out = out + term
    return out


def _lstsq(a, b, **kwargs):
    return torch.linalg.lstsq(conditioned(a), b, **kwargs).solution


def _lstsq_ref(a, b):
    a = conditioned(a)
    return np.linalg.solve(_mH(a) @ a, _mH(a) @ b)


def _factor(a, upper):
    """A triangular factor with a real positive diagonal (cholesky_solve's documented input)."""
    t = triangular(a, upper)
    n = a.shape[-1]
    if isinstance(t, np.ndarray):
        return t - 1j * np.imag(np.diagonal(t, axis1=-2, axis2=-1))[..., None] * np.eye(n) if np.iscomplexobj(t) else t
    if t.is_complex():
        return t - 1j * t.diagonal(dim1=-2, dim2=-1).imag[..., None] * torch.eye(n, dtype=t.dtype, device=t.device)
    return t


def _cholesky_solve_ref(b, a, upper=False):
    f = _factor(a, upper)
    m = _mH(f) @ f if upper else f @ _mH(f)
    return np.linalg.solve(m, b)


def _entry(name, arguments, call, ref, kinds=KINDS, grad=2, function=None, **extra):
    return OpInfo(name, doc(function or f"torch.{name}"), arguments, call=call, kinds=kinds, domains=(UNIT,),
                  ref=ref, unsupported=NO_LOW, grad=grad, zero_dim=False, **extra)


def _fn(path, transform, **fixed):
    """``torch.<path>(transform(a), *rest, **kwargs)`` with ``out=`` passed through."""
    def call(a, *rest, **kwargs):
        return _resolve(path)(transform(a), *rest, **fixed, **kwargs)
    return call


def _resolve(path):
    obj = torch
    for part in path.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def _ref(fn, transform):
    return lambda a, *rest, **kwargs: fn(transform(a), *rest, **kwargs)


MATRIX_ORDS = st.sampled_from(["fro", "nuc", 2, -2, 1, float("inf")])

OPS = [
    _entry("linalg.solve", matrices(rhs="either"), _fn("torch.linalg.solve", conditioned),
           _ref(np.linalg.solve, conditioned), out=True),
    _entry("linalg.inv", matrices(), _fn("torch.linalg.inv", conditioned), _ref(np.linalg.inv, conditioned),
           out=True, extra_routes={"torch.inverse": _fn("torch.inverse", conditioned),
                                   "method": lambda a: conditioned(a).inverse()}),
    _entry("linalg.inv_ex", matrices(), lambda a: torch.linalg.inv_ex(conditioned(a)).inverse,
           _ref(np.linalg.inv, conditioned)),
    _entry("linalg.det", matrices(), _fn("torch.linalg.det", conditioned), _ref(np.linalg.det, conditioned),
           out=True, extra_routes={"torch.det": _fn("torch.det", conditioned),
                                   "method": lambda a: conditioned(a).det()}),
    _entry("linalg.slogdet", matrices(), _fn("torch.linalg.slogdet", conditioned),
           _ref(lambda a: tuple(np.linalg.slogdet(a)), conditioned)),
    _entry("logdet", matrices(), _fn("torch.logdet", conditioned),
           _ref(lambda a: np.log(np.linalg.det(a)), conditioned), kinds=("float",),
           notes="diagonally dominant with a positive diagonal: the determinant is positive"),
    _entry("linalg.cholesky", matrices(), _fn("torch.linalg.cholesky", hermitian_pd),
           _ref(np.linalg.cholesky, hermitian_pd), out=True,
           extra_routes={"torch.cholesky": _fn("torch.cholesky", hermitian_pd)}),
    _entry("cholesky_solve", _with(matrices(rhs="matrix"), upper=st.booleans()),
           lambda a, b, **kw: torch.cholesky_solve(b, _factor(a, kw.get("upper", False)), **kw),
           lambda a, b, upper=False: _cholesky_solve_ref(b, a, upper), out=False,
           notes="the factor is a triangle of the drawn matrix plus (n + 1) I, its diagonal made real"),
    _entry("linalg.qr", matrices(square=False, tall=True), _qr, _qr_ref,
           notes="normalized to R's real positive diagonal: the unique QR of a full-rank matrix"),
    _entry("linalg.svd", matrices(square=False), _svd, _svd_ref, grad=1,
           notes="(S, |U|^2, |Vh|^2): free of the singular vectors' phases; distinct singular values"),
    _entry("linalg.svdvals", matrices(square=False), _fn("torch.linalg.svdvals", separated),
           _ref(lambda a: np.linalg.svd(a, compute_uv=False), separated), out=True),
    _entry("linalg.eigh", _with(matrices(), UPLO=st.sampled_from(["L", "U"])), _eigh, _eigh_ref, grad=1,
           notes="(eigenvalues, |V|^2): free of the eigenvectors' phases; distinct eigenvalues"),
    _entry("linalg.eigvalsh", _with(matrices(), UPLO=st.sampled_from(["L", "U"])),
           _fn("torch.linalg.eigvalsh", lambda a: separated(a, hermitian=True)),
           _ref(lambda a, UPLO="L": np.linalg.eigvalsh(a, UPLO), lambda a: separated(a, hermitian=True)), out=True),
    _entry("linalg.lstsq", matrices(square=False, tall=True, rhs="matrix"), _lstsq, _lstsq_ref, grad=1,
           notes="a full-column-rank A: the least-squares solution is unique"),
    _entry("linalg.matrix_norm", _with(matrices(square=False), ord=MATRIX_ORDS),
           _fn("torch.linalg.matrix_norm", separated), _ref(lambda a, ord="fro": np.linalg.norm(a, ord, axis=(-2, -1)),
                                                           separated), grad=1, out=True),
    _entry("linalg.norm", _with(matrices(square=False, batched=False), ord=st.sampled_from([None, "fro", "nuc"])),
           _fn("torch.linalg.norm", separated),
           _ref(lambda a, ord=None: np.linalg.norm(a, ord, axis=(-2, -1)), separated), grad=1, out=True),
    _entry("linalg.matrix_power", _with(matrices(), n=st.integers(-2, 3)),
           _fn("torch.linalg.matrix_power", conditioned),
           _ref(lambda a, n: np.linalg.matrix_power(a, n), conditioned), out=True,
           extra_routes={"torch.matrix_power": _fn("torch.matrix_power", conditioned)}),
    _entry("linalg.matrix_exp", matrices(), lambda a: torch.linalg.matrix_exp(a), _matrix_exp_ref,
           extra_routes={"torch.matrix_exp": lambda a: torch.matrix_exp(a), "method": lambda a: a.matrix_exp()}),
    _entry("linalg.solve_triangular", _with(matrices(rhs="matrix"), upper=st.booleans()),
           lambda a, b, upper, **kw: torch.linalg.solve_triangular(triangular(a, upper), b, upper=upper, **kw),
           lambda a, b, upper: np.linalg.solve(triangular(a, upper), b), out=True),
    _entry("linalg.pinv", matrices(square=False), _fn("torch.linalg.pinv", separated),
           _ref(np.linalg.pinv, separated), grad=1, out=True),
    _entry("linalg.cond", matrices(), _fn("torch.linalg.cond", separated), _ref(np.linalg.cond, separated),
           grad=1, out=True),
    _entry("linalg.matrix_rank", matrices(square=False), _fn("torch.linalg.matrix_rank", separated),
           _ref(np.linalg.matrix_rank, separated), grad=0, exact=True, out=True),
]
