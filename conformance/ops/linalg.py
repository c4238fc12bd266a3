"""Linear algebra: matrix products, the add-a-product family, decompositions, solvers, norms and distances.

Matrix products (matmul, mm, bmm, mv, dot, outer, multi_dot, einsum, tensordot, kron, trace and the addmm family:
addmm, addmv, addr, addbmm, baddbmm) multiply positive factors (no cancellation), so a float result is compared
with numpy's float64 product within the dtype's tolerance; integer products are exact (they wrap as numpy's do).
Core ATen overloads reached here include ``addmm.default`` (addmm), ``mm``/``bmm`` and the distances'
``_cdist_forward.default`` (cdist) and ``_pdist_forward.default`` (pdist).

Solvers and decompositions (solve, inv, det, slogdet, solve_triangular, lstsq, pinv, matrix_power, matrix_rank,
cholesky, cholesky_solve, eigvalsh, eigh, qr, svd, svdvals, matrix_norm) take their matrices *well-conditioned by
construction*: the entry's routes apply one of the constructions below to the drawn values (in ``[-1, 1]``)
before the op sees them, so every route, ``out=``, the meta device, vmap and autograd see the same
well-conditioned matrix (differentiable: the constructions are affine in the drawn values).  The bounds in each
construction's docstring are what keeps solves, inverses and gradients accurate.  A right-hand side is passed as
drawn (any layout); the constructed matrix keeps the drawn layout where the construction's elementwise add keeps
it (dense permuted layouts) and is contiguous otherwise.

Decompositions unique only up to signs (qr, svd, eigh) are compared *after normalisation*: each route returns
the factors with the signs fixed by a rule of the factors themselves (R's diagonal positive; the largest entry of
each singular/eigen vector positive), which makes them unique for these matrices (full rank, distinct singular
values / eigenvalues), so the universal invariants compare what is unique.  The tuple ``out=`` of a multi-result
op is not drawn by the universal invariants (they pass one out tensor), so those entries leave ``out`` off.
LAPACK-backed ops take no float16/bfloat16 ("Supports input of float, double, cfloat and cdouble dtypes" on each
torch.linalg page): those dtypes are listed as unsupported.  Each op's own documented rules (a solution solves,
an inverse inverts, decompositions reconstruct with factors of the documented structure, batches equal loops)
are in ``conformance/test_linalg.py``.  Not listed: ``torch.chain_matmul`` (deprecated: warns on every call),
``vector_norm`` (the reductions area's ``norm`` entry; ``linalg.norm`` here is its own entry, over all elements or
the last two dims, and ``matrix_norm-abs-sums`` the orders 1, -1, inf, -inf, not differentiable at ties).
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from conformance.derivatives import DOCS as GENERATED, matmul_vjp, yaml

from . import args
from .core import Domain, OpInfo, doc

FACTORS = Domain(0.5, 2.0, integers=(-4, 4))
UNIT = Domain(-1.0, 1.0, integers=(-1, 1))  # what the constructions below start from
LOW = (torch.float16, torch.bfloat16)
LAPACK = {device: LOW for device in ("cpu", "cuda", "mps", "xpu")}  # "float, double, cfloat and cdouble"
LINALG = "https://pytorch.org/docs/stable/generated/torch.linalg."
LINALG_DTYPES = "Supports input of float, double, cfloat and cdouble dtypes"


# ---------------------------------------------------------------------------
# Well-conditioned matrices by construction (torch and numpy twins: the numpy references build the same)
# ---------------------------------------------------------------------------

def _eye(a, rows, cols):
    return torch.eye(rows, cols, dtype=a.dtype, device=a.device)


def dominant(a):
    """``a + 2n I`` for ``a`` (..., n, n) with entries in [-1, 1]: each diagonal entry is in [2n-1, 2n+1] and
    each row's off-diagonal entries sum to at most n-1 in absolute value, so the matrix is strictly diagonally
    dominant by a margin of n: invertible, with ``||A^-1||_inf <= 1/n`` (Varah's bound) and
    ``||A||_inf <= 3n``, condition number at most 3n^2 / n = 3n <= 12 in the infinity norm; any triangle of
    it (with its diagonal) is dominant too, and its diagonal is positive (a Cholesky factor)."""
    n = a.shape[-1]
    return a + 2 * n * _eye(a, n, n)


def separated(a):
    """``a / 2 + D`` for ``a`` (..., m, n) with entries in [-1, 1], D the m x n diagonal of 5, 10, 15, ...:
    the perturbation has ``||a / 2||_2 <= sqrt(mn) / 2 <= 2``, so by Weyl's inequality each singular value
    lies within 2 of its own 5k: all distinct (gaps >= 1) and >= 3 (full rank, condition number <= 22 / 3)."""
    m, n = a.shape[-2], a.shape[-1]
    steps = 5 * torch.arange(1, n + 1, dtype=a.dtype, device=a.device)
    return a / 2 + _eye(a, m, n) * steps


def symmetric(a):
    """``(a + a^T) / 4 + diag(5, 10, ...)`` for ``a`` (..., n, n) with entries in [-1, 1]: exactly symmetric
    (a sum commutes), the perturbation has entries in [-1/2, 1/2] and 2-norm <= n/2 <= 2, so (Weyl) each
    eigenvalue lies within 2 of its own 5k: distinct (gaps >= 1) and >= 3, symmetric positive definite."""
    n = a.shape[-1]
    steps = 5 * torch.arange(1, n + 1, dtype=a.dtype, device=a.device)
    return (a + a.mT) / 4 + _eye(a, n, n) * steps


def triangle(a, upper: bool):
    """The upper (or lower) triangle of :func:`dominant`: a triangular matrix with a dominant, positive
    diagonal (a Cholesky factor of the SPD matrix ``L L^H``)."""
    d = dominant(a)
    return d.triu() if upper else d.tril()


def np_dominant(a):
    n = a.shape[-1]
    return a + 2 * n * np.eye(n)


def np_separated(a):
    m, n = a.shape[-2], a.shape[-1]
    return a / 2 + np.eye(m, n) * (5 * np.arange(1, n + 1))


def np_symmetric(a):
    n = a.shape[-1]
    return (a + np.swapaxes(a, -1, -2)) / 4 + np.eye(n) * (5 * np.arange(1, n + 1))


def _np_t(a):
    return np.swapaxes(a, -1, -2)


# ---------------------------------------------------------------------------
# Sign normalisation: factors unique only up to signs, made unique
# ---------------------------------------------------------------------------

def _largest_sign(v):
    """The sign of the largest-magnitude entry of each column of ``v`` (..., m, k): shape (..., k)."""
    if v.shape[-2] == 0:
        return torch.ones(v.shape[:-2] + v.shape[-1:], dtype=v.dtype, device=v.device)
    index = v.abs().argmax(-2, keepdim=True)
    return v.gather(-2, index).squeeze(-2).sign()


def qr_normalised(q, r):
    """(Q S, S R) with S = diag(sign(diag R)): R's diagonal positive, unique for a full-rank matrix."""
    s = r.diagonal(dim1=-2, dim2=-1).sign()
    r = r * s.unsqueeze(-1)
    return (q if q.dim() == 1 else q * s.unsqueeze(-2)), r


def svd_normalised(u, s, vh):
    """(U S, s, S V^H) with S the signs of U's columns' largest entries (a column of U or row of V^H beyond
    the k singular values, with full_matrices: by its own largest entry): unique for distinct singular values."""
    k = s.shape[-1]
    u_signs = _largest_sign(u)
    v_signs = torch.cat([u_signs[..., :k], _largest_sign(vh.mT)[..., k:]], -1)
    return u * u_signs.unsqueeze(-2), s, vh * v_signs.unsqueeze(-1)


def eigh_normalised(w, v):
    return w, v * _largest_sign(v).unsqueeze(-2)


# ---------------------------------------------------------------------------
# Argument strategies of this area
# ---------------------------------------------------------------------------

def _batch(draw):
    """0-2 batch dims of size 1 or 2."""
    return tuple(draw(st.lists(st.integers(1, 2), max_size=2), label="batch"))


@st.composite
def _square(draw, sizes, rhs, options):
    """A square (..., n, n) matrix, and a right-hand side (..., n, k) when ``rhs`` ("left" also draws
    ``left``: (..., k, n) when False)."""
    n, k = draw(sizes.sides(2, 1, 4), label="n, k")
    batch = _batch(draw)
    if sizes.mode == "zero-size":  # the matrices, their batch, or (with a right-hand side) its k columns: empty
        n, k = max(n, 1), max(k, 1)
        empty = draw(st.sampled_from(["n", "batch"] + (["k"] if rhs else [])), label="empty side")
        n, k, batch = (0 if empty == "n" else n), (0 if empty == "k" else k), ((0,) + batch if empty == "batch"
                                                                             else batch)
    kwargs = dict(draw(args.fixed(**options), label="options"))
    inputs = [batch + (n, n)]
    if rhs:
        if rhs == "left" and not draw(st.booleans(), label="left"):
            kwargs["left"] = False
            inputs.append(batch + (k, n))
        else:
            inputs.append(batch + (n, k))
    return tuple(inputs), kwargs


def square(rhs=None, **options):
    return lambda sizes: _square(sizes, rhs, options)


@st.composite
def _rectangular(draw, sizes, tall, rhs, options):
    """An (..., m, n) matrix (m >= n when ``tall``), and an (..., m, k) right-hand side when ``rhs``."""
    m, n, k = draw(sizes.sides(3, 1, 4), label="m, n, k")
    batch = _batch(draw)
    if sizes.mode == "zero-size":  # rows, columns, the batch, or (with a right-hand side) its k columns: empty
        m, n, k = max(m, 1), max(n, 1), max(k, 1)
        empty = draw(st.sampled_from(["m", "n", "batch"] + (["k"] if rhs else [])), label="empty side")
        m, n, k = (0 if empty == "m" else m), (0 if empty == "n" else n), (0 if empty == "k" else k)
        batch = (0,) + batch if empty == "batch" else batch
    if tall and m < n:
        m, n = n, m
    inputs = [batch + (m, n)] + ([batch + (m, k)] if rhs else [])
    return tuple(inputs), dict(draw(args.fixed(**options), label="options"))


def rectangular(tall=False, rhs=False, **options):
    return lambda sizes: _rectangular(sizes, tall, rhs, options)


@st.composite
def _cholesky_solve_args(draw, sizes):
    (a, b), kwargs = draw(_square(sizes, "right", {"upper": st.booleans()}), label="matrix, right-hand side")
    return (b, a), kwargs  # torch.cholesky_solve(B, L)


@st.composite
def _svd(draw, sizes):
    """full_matrices=True only for square matrices: otherwise the extra columns of U (rows of V^H) are any basis
    of a complement, and "the gradients with respect to U[..., :, min(m, n):] and Vh[..., min(m, n):, :] will be
    ignored" (torch.linalg.svd)."""
    (a,), _ = draw(_rectangular(sizes, False, False, {}), label="matrix")
    full = a[-1] == a[-2] and draw(st.booleans(), label="full_matrices")
    return (a,), {"full_matrices": full}


@st.composite
def _qr(draw, sizes):
    """mode='complete' only where it equals 'reduced' (m <= n): for a tall matrix the extra columns of Q are any
    basis of a complement; mode='r' returns no Q, and "the derivative of linalg.qr depends on Q"."""
    (a,), _ = draw(_rectangular(sizes, False, False, {}), label="matrix")
    complete = a[-2] <= a[-1] and draw(st.booleans(), label="complete")
    return (a,), {"mode": "complete" if complete else "reduced"}


@st.composite
def _add_product(draw, sizes, kind):
    """input + product: the input drawn in a shape that broadcasts to the product's (dims dropped, sides 1)."""
    n, k, m = draw(sizes.sides(3, 1, 4), label="n, k, m")
    if sizes.mode == "long":
        n = max(n, 2)  # the result (self of the in-place method) has a side that can overlap itself
    if sizes.mode == "zero-size":  # one of the sides this op uses is 0 (a sum of no products: k)
        sides = [max(side, 1) for side in (n, k, m)]
        sides[draw(st.sampled_from({"addmv": [0, 1], "addr": [0, 2]}.get(kind, [0, 1, 2])), label="empty side")] = 0
        n, k, m = sides
    b = draw(st.integers(1, 2), label="batch")
    shapes = {"addmm": ((n, m), (n, k), (k, m)), "addmv": ((n,), (n, k), (k,)), "addr": ((n, m), (n,), (m,)),
              "addbmm": ((n, m), (b, n, k), (b, k, m)), "baddbmm": ((b, n, m), (b, n, k), (b, k, m))}[kind]
    result = shapes[0]
    lead = draw(st.integers(0, len(result)), label="dropped dims of input")
    if sizes.mode in ("long", "zero-size"):
        lead = 0
    first = tuple(1 if draw(st.booleans(), label="broadcast side") and sizes.mode == "any" else s
                  for s in result[lead:])
    scale = st.sampled_from([1, 2])
    kwargs = draw(args.maybe(beta=scale, alpha=scale), label="beta, alpha")
    return (first,) + shapes[1:], kwargs


def add_product(kind):
    return lambda sizes: _add_product(sizes, kind)


@st.composite
def _multi_dot(draw, sizes):
    count = draw(st.integers(2, 4), label="matrices")
    sides = draw(sizes.sides(count + 1, 1, 3), label="sides")
    shapes = [(sides[i], sides[i + 1]) for i in range(count)]
    keep = sizes.mode == "zero-size"  # a 1-D end drops a side: not the 0 one
    if draw(st.booleans(), label="first 1-D") and not (keep and sides[0] == 0):
        shapes[0] = shapes[0][1:]
    if draw(st.booleans(), label="last 1-D") and not (keep and sides[-1] == 0):
        shapes[-1] = shapes[-1][:1]
    return tuple(shapes), {}


EINSUM = {  # equation -> the shape of each operand from sides (n, k, m) and a batch b
    "ij,jk->ik": lambda n, k, m, b: ((n, k), (k, m)),
    "bij,bjk->bik": lambda n, k, m, b: ((b, n, k), (b, k, m)),
    "ij,ij->i": lambda n, k, m, b: ((n, k), (n, k)),
    "i,j->ij": lambda n, k, m, b: ((n,), (k,)),
    "ij->j": lambda n, k, m, b: ((n, k),),
    "ii->i": lambda n, k, m, b: ((n, n),),
    "bij,jk,bk->bi": lambda n, k, m, b: ((b, n, k), (k, m), (b, m)),
    "...ij,...jk->...ik": lambda n, k, m, b: ((b, n, k), (k, m)),
}


@st.composite
def _einsum(draw, sizes):
    equation = draw(st.sampled_from(sorted(EINSUM)), label="equation")
    n, k, m = draw(sizes.sides(3, 1, 3), label="n, k, m")
    if sizes.mode == "zero-size":
        n = 0  # every equation has an operand with a side n
    b = draw(st.integers(1, 2), label="batch")
    return EINSUM[equation](n, k, m, b), {"equation": equation}


@st.composite
def _tensordot(draw, sizes):
    """a (p..., c...) and b (c..., q...) contracted over the c dims: ``dims`` an int or two lists."""
    sides = list(draw(sizes.sides(4, 1, 3), label="sides"))
    if sizes.mode == "zero-size":
        sides[2] = 0  # a's leading side: empty whichever dims are contracted
    sides = tuple(sides)
    contracted = draw(st.integers(0, 2), label="contracted dims")
    c = sides[:contracted]
    a = (sides[2],) + c
    b = c + (sides[3],)
    if contracted and draw(st.booleans(), label="dims as lists"):
        dims = ([1 + i for i in range(contracted)], list(range(contracted)))
        if contracted == 2 and draw(st.booleans(), label="contract in another order"):
            a = (sides[2], c[1], c[0])
            dims = ([2, 1], [0, 1])
        return (a, b), {"dims": dims}
    return (a, b), {"dims": contracted}


@st.composite
def _kron(draw, sizes):
    a = draw(sizes.shape(max_dims=3, max_numel=8, max_side=3), label="a")
    b = draw(sizes.shape(max_dims=3, max_numel=8, max_side=3), label="b")
    return (a, b), {}


@st.composite
def _trace(draw, sizes):
    n, m = draw(sizes.sides(2, 1, 4), label="rows, columns")
    return ((n, m),), {}


@st.composite
def _cross(draw, sizes):
    """Two shapes broadcasting together with a dim of size 3, and that dim."""
    shape = list(draw(sizes.shape(max_dims=3, max_numel=max(1, sizes.max_numel // 3), max_side=3), label="shape"))
    dim = draw(st.integers(0, len(shape)), label="position of the size-3 dim")
    full = tuple(shape[:dim]) + (3,) + tuple(shape[dim:])
    other = tuple(1 if s != 3 and draw(st.booleans(), label="broadcast side") and sizes.mode == "any" else s
                  for s in full)
    signed = dim - len(full) if draw(st.booleans(), label="negative dim") else dim
    return (full, other), {"dim": signed}


@st.composite
def _norm(draw, sizes):
    (a,), kwargs = draw(_rectangular(sizes, False, False, {"keepdim": st.booleans()}), label="matrix")
    if draw(st.booleans(), label="over the last two dims"):
        kwargs.update(dim=(-2, -1), ord=draw(st.sampled_from([None, "fro"]), label="ord"))
    return (a,), kwargs


@st.composite
def _cdist(draw, sizes):
    p_rows, r_rows, m = draw(sizes.sides(3, 1, 4), label="P, R, M")
    batch = _batch(draw)[:1]
    p = draw(st.sampled_from([1.0, 2.0, 3.0]), label="p")
    return (batch + (p_rows, m), batch + (r_rows, m)), {"p": p}


@st.composite
def _pdist(draw, sizes):
    n, m = draw(sizes.sides(2, 1, 4), label="N, M")
    return ((n, m),), {"p": draw(st.sampled_from([1.0, 2.0, 3.0]), label="p")}


# ---------------------------------------------------------------------------
# Numpy references (the same constructions; shapes matter most: values of rounded ops are judged by the rules)
# ---------------------------------------------------------------------------

def _np_solve(a, b, left=True):
    a = np_dominant(a)
    return np.linalg.solve(a, b) if left else _np_t(np.linalg.solve(_np_t(a), _np_t(b)))


def _np_triangular(a, b, upper, left=True, unitriangular=False):
    t = np.triu(np_dominant(a)) if upper else np.tril(np_dominant(a))
    if unitriangular:
        n = a.shape[-1]
        t = t * (1 - np.eye(n)) + np.eye(n)
    return np.linalg.solve(t, b) if left else _np_t(np.linalg.solve(_np_t(t), _np_t(b)))


def _np_cholesky(a, upper=False):
    lower = np.linalg.cholesky(np_symmetric(a))
    return _np_t(lower) if upper else lower


def _np_cholesky_solve(b, a, upper=False):
    t = np.triu(np_dominant(a)) if upper else np.tril(np_dominant(a))
    spd = _np_t(t) @ t if upper else t @ _np_t(t)
    return np.linalg.solve(spd, b)


def _np_qr(a, mode="reduced"):
    q, r = np.linalg.qr(np_separated(a), mode="reduced")
    return (np.empty(0), r) if mode == "r" else (q, r)


def _np_svd(a, full_matrices=True):
    return np.linalg.svd(np_separated(a), full_matrices=full_matrices)


def _np_matrix_norm(a, ord="fro", keepdim=False):
    return np.linalg.norm(a, ord=ord, axis=(-2, -1), keepdims=keepdim)


def _np_add_product(kind):
    def ref(x, a, b, beta=1, alpha=1):
        if kind == "addr":
            product = np.multiply.outer(a, b)
        elif kind == "addbmm":
            product = np.matmul(a, b).sum(0)
        else:
            product = np.matmul(a, b)
        return beta * x + alpha * product
    return ref


def _np_cdist(x1, x2, p):
    diff = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
    return (diff ** p).sum(-1) ** (1 / p)


def _np_pdist(x, p):
    n = x.shape[0]
    rows, cols = np.triu_indices(n, 1)
    return (np.abs(x[rows] - x[cols]) ** p).sum(-1) ** (1 / p)


# ---------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------

def _product(name, arguments, vjp, source, node=None, numpy="matmul", **extra):
    """A product reached as ``torch.<name>``, ``a.<name>(b)`` and with ``out=``."""
    return OpInfo(name, doc(f"torch.{name}"), arguments, function=f"torch.{name}", method=name, out=True,
                  kinds=("float", "int"), domains=(FACTORS,), numpy=numpy, grad=2, vjp=vjp, vjp_source=source,
                  node=node, zero_dim=False, reassociates=True, **extra)


def _add_product_entry(name, **extra):
    """``torch.<name>(input, a, b, *, beta, alpha)``: the method, the in-place method and ``out=``."""
    return OpInfo(name, doc(f"torch.{name}"), add_product(name), function=f"torch.{name}", method=name,
                  inplace=f"{name}_", out=True, kinds=("float", "int"), domains=(FACTORS,), ref=_np_add_product(name),
                  grad=2, zero_dim=False, reassociates=True, **extra)


def _linalg(name, arguments, call, routes=None, ref=None, grad=2, **extra):
    """A ``torch.linalg`` op on a constructed matrix (``call`` applies the construction): float kinds
    without float16/bfloat16, rounded in an order LAPACK chooses."""
    return OpInfo(name, extra.pop("doc", LINALG + name + ".html"), arguments, call=call,
                  extra_routes=routes or {}, kinds=("float",), unsupported=LAPACK, domains=(UNIT,), ref=ref,
                  grad=grad, zero_dim=False, reassociates=True, **extra)


def _svd_call(a, **kw):
    return svd_normalised(*torch.linalg.svd(separated(a), **kw))


def _eigh_call(a, **kw):
    return eigh_normalised(*torch.linalg.eigh(symmetric(a), **kw))


def _qr_call(a, **kw):
    return qr_normalised(*torch.linalg.qr(separated(a), **kw))


def _cholesky_solve(b, a, upper=False, **kw):
    return torch.cholesky_solve(b, triangle(a, upper), upper=upper, **kw)


OPS = [
    _product("matmul", args.matmul(), matmul_vjp, GENERATED + "torch.matmul.html (" + yaml("mm(") + ")",
             operator="__matmul__"),
    _product("mm", args.matmul("none", vectors=False), matmul_vjp, yaml("mm("), node="MmBackward0"),
    _product("bmm", args.matmul("same", vectors=False), matmul_vjp, yaml("bmm("), node="BmmBackward0"),
    _product("mv", args.matrix_vector(), lambda g, out, a, v: (g.unsqueeze(-1) * v, (g.unsqueeze(-1) * a).sum(0)),
             yaml("mv("), node="MvBackward0", numpy="dot"),
    _product("dot", args.vectors(True), lambda g, out, a, b: (g * b, g * a), yaml("dot("), node="DotBackward0",
             numpy="dot", low_precision=True),
    _product("outer", args.vectors(False), lambda g, out, a, b: ((g * b).sum(-1), (g * a.unsqueeze(-1)).sum(0)),
             GENERATED + "torch.outer.html (a.unsqueeze(1) * b, " + yaml("mul.Tensor(") + ")", numpy="outer"),
    # --- input + product (Core ATen: addmm.default) ------------------------------------------------------
    _add_product_entry("addmm"),
    _add_product_entry("addmv"),
    _add_product_entry("addr", notes="each element is beta * input + alpha * a_i b_j: a kernel may fuse the "
                                     "multiply and the add (one rounding) or not (two)"),
    _add_product_entry("addbmm"),
    _add_product_entry("baddbmm"),
    # --- other products ---------------------------------------------------------------------------------
    OpInfo("multi_dot", LINALG + "multi_dot.html", _multi_dot, function="torch.linalg.multi_dot", list_input=True,
           out=True, kinds=("float", "int"), domains=(FACTORS,), ref=lambda *xs: np.linalg.multi_dot(list(xs)),
           grad=2, zero_dim=False, reassociates=True,
           notes="torch.chain_matmul, its deprecated twin, warns on every call: not listed as a route"),
    OpInfo("einsum", doc("torch.einsum"), _einsum, call=lambda *xs, equation: torch.einsum(equation, *xs),
           extra_routes={"operands as a list": lambda *xs, equation: torch.einsum(equation, list(xs))},
           kinds=("float", "int"), domains=(FACTORS,), ref=lambda *xs, equation: np.einsum(equation, *xs),
           grad=2, zero_dim=False, reassociates=True),
    OpInfo("tensordot", doc("torch.tensordot"), _tensordot, function="torch.tensordot", out=True,
           kinds=("float", "int"), domains=(FACTORS,), ref=lambda a, b, dims: np.tensordot(a, b, axes=dims),
           grad=2, zero_dim=False, reassociates=True),
    OpInfo("kron", doc("torch.kron"), _kron, function="torch.kron", method="kron", out=True,
           kinds=("float", "int"), domains=(FACTORS,), numpy="kron", grad=2, zero_dim=False,
           notes="each element is one product a_i b_j: rounded once, no sum"),
    OpInfo("trace", doc("torch.trace"), _trace, function="torch.trace", method="trace", kinds=("float", "int"),
           domains=(FACTORS,), ref=lambda a: np.asarray(np.trace(a)), grad=2, zero_dim=False, reassociates=True),
    OpInfo("cross", LINALG + "cross.html", _cross, function="torch.linalg.cross", out=True,
           extra_routes={"torch.cross": lambda a, b, dim: torch.cross(a, b, dim=dim),
                         "method": lambda a, b, dim: a.cross(b, dim=dim)},
           kinds=("float", "int"), domains=(FACTORS,), ref=lambda a, b, dim: np.cross(a, b, axis=dim), grad=2,
           zero_dim=False, reassociates=True,
           notes="torch.cross and Tensor.cross with dim given (without it torch.cross picks the first size-3 "
                 "dim, documented as deprecated)"),
    # --- distances (Core ATen: _cdist_forward.default, _pdist_forward.default) --------------------------
    OpInfo("cdist", doc("torch.cdist"), _cdist, function="torch.cdist", kinds=("float",), unsupported=LAPACK,
           domains=(Domain(-1.0, 1.0), Domain(2.0, 4.0)), ref=_np_cdist, grad=1, zero_dim=False, reassociates=True,
           notes="the rows of x1 lie in [-1, 1], those of x2 in [2, 4]: no coordinate difference is 0, so |.|^p is "
                 "smooth; float16/bfloat16: 'cdist not implemented'; once differentiable (_cdist_backward has no "
                 "derivative)"),
    OpInfo("pdist", doc("torch.nn.functional.pdist"), _pdist, function="torch.nn.functional.pdist",
           aliases=("torch.pdist",), kinds=("float",), unsupported=LAPACK, domains=(Domain(-3.0, 3.0, unique=True),),
           ref=_np_pdist, grad=1, zero_dim=False, reassociates=True,
           notes="distinct values: no coordinate difference between two rows is 0 (|.|^p smooth); once "
                 "differentiable (_pdist_backward has no derivative)"),
    # --- solvers and inverses on dominant matrices -------------------------------------------------------
    _linalg("solve", square("left"), lambda a, b, **kw: torch.linalg.solve(dominant(a), b, **kw), out=True,
            ref=_np_solve),
    _linalg("inv", square(), lambda a, **kw: torch.linalg.inv(dominant(a), **kw), out=True,
            routes={"torch.inverse": lambda a: torch.inverse(dominant(a)),
                    "method inverse": lambda a: dominant(a).inverse()},
            ref=lambda a: np.linalg.inv(np_dominant(a))),
    _linalg("det", square(), lambda a, **kw: torch.linalg.det(dominant(a), **kw), out=True,
            routes={"torch.det": lambda a: torch.det(dominant(a)), "method": lambda a: dominant(a).det()},
            ref=lambda a: np.asarray(np.linalg.det(np_dominant(a)))),
    _linalg("slogdet", square(), lambda a: tuple(torch.linalg.slogdet(dominant(a))),
            routes={"torch.slogdet": lambda a: tuple(torch.slogdet(dominant(a))),
                    "method": lambda a: tuple(dominant(a).slogdet())},
            ref=lambda a: tuple(np.asarray(r) for r in np.linalg.slogdet(np_dominant(a))),
            notes="two results: the tuple out= is not drawn by the universal invariants"),
    _linalg("solve_triangular", square("left", upper=st.booleans(), unitriangular=st.booleans()),
            lambda a, b, **kw: torch.linalg.solve_triangular(dominant(a), b, **kw), out=True, ref=_np_triangular,
            grad=1, notes="the full dominant matrix is passed: the op reads only the triangle named by upper; "
                          "second derivatives not checked (gradgradcheck: ~30 s under ci)"),
    _linalg("lstsq", rectangular(tall=True, rhs=True),
            lambda a, b: torch.linalg.lstsq(separated(a), b).solution,
            ref=lambda a, b: np.linalg.solve(_np_t(np_separated(a)) @ np_separated(a),
                                             _np_t(np_separated(a)) @ b),
            meta=False,
            notes="its solution (a full-rank tall matrix: residuals, rank and singular values are empty with the "
                  "cpu's default driver gelsy); no out=; no meta kernel: its results' shapes depend on the data "
                  "and the driver (https://github.com/pytorch/pytorch/pull/114480, closed for that reason)"),
    _linalg("pinv", rectangular(), lambda a, **kw: torch.linalg.pinv(separated(a), **kw), out=True,
            routes={"torch.pinverse": lambda a: torch.pinverse(separated(a)),
                    "method pinverse": lambda a: separated(a).pinverse()},
            ref=lambda a: np.linalg.pinv(np_separated(a))),
    _linalg("matrix_power", square(n=st.integers(-2, 3)),
            lambda a, **kw: torch.linalg.matrix_power(dominant(a), **kw), out=True,
            routes={"torch.matrix_power": lambda a, n: torch.matrix_power(dominant(a), n),
                    "method": lambda a, n: dominant(a).matrix_power(n)},
            ref=lambda a, n: np.linalg.matrix_power(np_dominant(a), n)),
    _linalg("matrix_rank", rectangular(), lambda a, **kw: torch.linalg.matrix_rank(separated(a), **kw), out=True,
            ref=lambda a: np.asarray(np.linalg.matrix_rank(np_separated(a))), grad=0, exact=True,
            notes="an integer count: exact"),
    # --- symmetric positive definite -----------------------------------------------------------------------
    _linalg("cholesky", square(upper=st.booleans()), lambda a, **kw: torch.linalg.cholesky(symmetric(a), **kw),
            out=True, ref=_np_cholesky, grad=1, notes="second derivatives not checked (gradgradcheck: ~20 s under ci)"),
    _linalg("cholesky_solve", _cholesky_solve_args, _cholesky_solve, doc=doc("torch.cholesky_solve"), out=True,
            routes={"method": lambda b, a, upper=False: b.cholesky_solve(triangle(a, upper), upper=upper)},
            ref=_np_cholesky_solve, grad=1,
            notes="the factor: a triangle with a dominant positive diagonal; second derivatives not checked "
                  "(gradgradcheck: ~20 s under ci)"),
    _linalg("eigvalsh", square(UPLO=st.sampled_from(["L", "U"])),
            lambda a, **kw: torch.linalg.eigvalsh(symmetric(a), **kw), out=True,
            ref=lambda a, UPLO: np.linalg.eigvalsh(np_symmetric(a), UPLO=UPLO)),
    _linalg("eigh", square(UPLO=st.sampled_from(["L", "U"])), _eigh_call,
            ref=lambda a, UPLO: tuple(np.linalg.eigh(np_symmetric(a), UPLO=UPLO)),
            notes="eigenvectors with the sign of each one's largest entry positive (unique: distinct eigenvalues); "
                  "two results: no out="),
    # --- decompositions of full-rank matrices with distinct singular values ---------------------------------
    _linalg("qr", _qr, _qr_call, ref=_np_qr, grad=1,
            notes="R's diagonal made positive (unique for a full-rank matrix); mode='complete' of a tall matrix "
                  "leaves the complement's basis free, mode='r' computes no Q (not differentiable, an empty Q that "
                  "vmap leaves unbatched): neither drawn; two results: no out=; second derivatives not checked "
                  "(gradgradcheck: ~17 s under ci)"),
    _linalg("svd", _svd, _svd_call, ref=_np_svd,
            notes="each singular vector pair with the sign of U's column's largest entry positive (unique: "
                  "distinct singular values); full_matrices=True for square matrices only; three results: no out="),
    _linalg("svdvals", rectangular(), lambda a, **kw: torch.linalg.svdvals(separated(a), **kw), out=True,
            ref=lambda a: np.linalg.svd(np_separated(a), compute_uv=False)),
    _linalg("matrix_norm", rectangular(ord=st.sampled_from(["fro", "nuc", 2, -2]), keepdim=st.booleans()),
            lambda a, **kw: torch.linalg.matrix_norm(separated(a), **kw), out=True,
            ref=lambda a, **kw: _np_matrix_norm(np_separated(a), **kw),
            notes="the orders smooth on these matrices (distinct, nonzero singular values)"),
    OpInfo("linalg.norm", LINALG + "norm.html", _norm, function="torch.linalg.norm", out=True, kinds=("float",),
           domains=(Domain(-3.0, 3.0, min_abs=0.5),),
           ref=lambda a, dim=None, ord=None, keepdim=False: np.asarray(np.linalg.norm(a, ord, dim, keepdim)),
           grad=2, zero_dim=False, reassociates=True,
           notes="dim=None (ord None: the 2-norm of all elements) or dim=(-2, -1) (ord None or 'fro': the Frobenius "
                 "norm of each matrix); no zero element: the norm is positive and smooth"),
    OpInfo("matrix_norm-abs-sums", LINALG + "matrix_norm.html",
           rectangular(ord=st.sampled_from([1, -1, float("inf"), float("-inf")]), keepdim=st.booleans()),
           function="torch.linalg.matrix_norm", out=True, kinds=("float",), domains=(UNIT,), ref=_np_matrix_norm,
           zero_dim=False, zero_size=False, reassociates=True,
           notes="max/min of column (row) sums of |a|: ties between sums make it not differentiable; an empty "
                 "matrix raises (no max of nothing)"),
]
