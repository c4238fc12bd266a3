"""Analytic derivatives: the helpers the registry's vector-Jacobian products are written with.

Each differentiable entry of the op registry (``conformance.ops``) carries its VJP as a formula,
``vjp(g, out, *inputs, **kwargs)``, returning one gradient per differentiable input; the autograd
family evaluates it in float64 on the values autograd saw (``out`` being the op's own result, as
PyTorch saves it).  Formulas follow PyTorch's ``derivatives.yaml``, linked per entry with :func:`yaml`.
The longer formulas live here, written with plain tensor arithmetic (no kernel of the op itself).
"""

from __future__ import annotations

import math
from urllib.parse import quote

import torch

YAML = "https://github.com/pytorch/pytorch/blob/main/tools/autograd/derivatives.yaml"
DOCS = "https://pytorch.org/docs/stable/generated/"


def yaml(signature: str) -> str:
    """A link to the ``derivatives.yaml`` entry whose name starts with ``signature``."""
    return f"{YAML}#:~:text={quote('- name: ' + signature)}"


# ---------------------------------------------------------------------------
# Formula helpers (float64, plain tensor arithmetic)
# ---------------------------------------------------------------------------

def sum_to(t: torch.Tensor, shape) -> torch.Tensor:
    """Sum ``t`` down to ``shape``: the adjoint of broadcasting ``shape`` up to ``t.shape``."""
    lead = t.dim() - len(shape)
    if lead:
        t = t.sum(tuple(range(lead)))
    dims = tuple(d for d, s in enumerate(shape) if s == 1 and t.shape[d] != 1)
    return t.sum(dims, keepdim=True) if dims else t


def reduced(x: torch.Tensor, dim) -> tuple:
    if dim is None:
        return tuple(range(x.dim()))
    return tuple(sorted({d % x.dim() for d in ((dim,) if isinstance(dim, int) else dim)})) if x.dim() else ()


def restore(t: torch.Tensor, x: torch.Tensor, dim=None, keepdim=False) -> torch.Tensor:
    """A reduction's result (or its gradient) broadcast back over the reduced dims of ``x``."""
    if not keepdim:
        for d in reduced(x, dim):
            t = t.unsqueeze(d)
    return t.expand(x.shape)


def count(x: torch.Tensor, dim=None) -> int:
    """How many elements of ``x`` each result element of a reduction over ``dim`` reduces."""
    return math.prod(x.shape[d] for d in reduced(x, dim))


def matmul_vjp(g, out, a, b):
    """Gradients of a @ b written as broadcast products and sums (no matmul kernel involved)."""
    a2 = a.unsqueeze(0) if a.dim() == 1 else a
    b2 = b.unsqueeze(-1) if b.dim() == 1 else b
    if b.dim() == 1:
        g = g.unsqueeze(-1)
    if a.dim() == 1:
        g = g.unsqueeze(-2)
    ga = (g.unsqueeze(-2) * b2.unsqueeze(-3)).sum(-1)  # sum_m g[n, m] b[k, m]
    gb = (a2.unsqueeze(-1) * g.unsqueeze(-2)).sum(-3)  # sum_n a[n, k] g[n, m]
    return sum_to(ga, a2.shape).reshape(a.shape), sum_to(gb, b2.shape).reshape(b.shape)


def norm_vjp(g, out, x, ord=2, dim=None, keepdim=False):
    """d ||x||_p / dx = sign(x) |x|^(p-1) / ||x||_p^(p-1)."""
    norm = restore(out, x, dim, keepdim)
    return (restore(g, x, dim, keepdim) * x.sign() * x.abs() ** (ord - 1) / norm ** (ord - 1),)


def var_vjp(g, out, x, dim=None, correction=1, keepdim=False):
    """d var / dx = 2 (x - mean) / (N - correction)."""
    centered = x - x.mean(reduced(x, dim), keepdim=True)
    return (restore(g, x, dim, keepdim) * 2 * centered / (count(x, dim) - correction),)


def std_vjp(g, out, x, dim=None, correction=1, keepdim=False):
    """d std / dx = (x - mean) / ((N - correction) std)."""
    centered = x - x.mean(reduced(x, dim), keepdim=True)
    return (restore(g, x, dim, keepdim) * centered / ((count(x, dim) - correction) * restore(out, x, dim, keepdim)),)


def cat_vjp(g, out, *xs, dim):
    """The gradient splits: each input gets its own slice along ``dim``."""
    starts = [0]
    for x in xs:
        starts.append(starts[-1] + x.shape[dim])
    return tuple(g.narrow(dim, start, x.shape[dim]) for start, x in zip(starts, xs))


def index_vjp(g, out, x, index):
    """The gradient scatters: row ``index[j]`` receives ``g[j]``, repeated indices accumulate."""
    grad = torch.zeros_like(x)
    for j, i in enumerate(index.tolist()):
        grad[i % x.shape[0]] += g[j]
    return (grad,)


def inverse(perm):
    return tuple(sorted(range(len(perm)), key=lambda i: perm[i]))


def extremum_vjp(g, out, x, dim=None, keepdim=False):
    """The gradient flows to the (unique) extremal element of each reduced slice."""
    return (restore(g, x, dim, keepdim) * (x == restore(out, x, dim, keepdim)),)
