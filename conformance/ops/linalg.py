"""Matrix products: matmul (broadcast batches, 1-D operands), mm, bmm, mv, dot, outer.

Factors are positive (no cancellation), so a float result is compared with numpy's float64
product within the dtype's tolerance; integer products are exact (they wrap as numpy's do).
"""

from __future__ import annotations

from conformance.derivatives import DOCS as GENERATED, matmul_vjp, yaml

from . import args
from .core import Domain, OpInfo, doc

FACTORS = Domain(0.5, 2.0, integers=(-4, 4))


def _product(name, arguments, vjp, source, node=None, numpy="matmul", **extra):
    """A product reached as ``torch.<name>``, ``a.<name>(b)`` and with ``out=``."""
    return OpInfo(name, doc(f"torch.{name}"), arguments, function=f"torch.{name}", method=name, out=True,
                  kinds=("float", "int"), domains=(FACTORS,), numpy=numpy, grad=2, vjp=vjp, vjp_source=source,
                  node=node, zero_dim=False, reassociates=True, **extra)


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
]
