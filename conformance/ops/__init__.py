"""The op registry: every op the suite tests, described once.

Each area module (``elementwise``, ``reductions``, ``linalg``, ``shape``, ``indexing``) holds a list
``OPS`` of :class:`OpInfo` entries; this package collects them into :data:`REGISTRY` (name -> entry).
Families and the universal invariants (``conformance/test_ops.py``) read entries from here and keep
no op tables of their own.

Adding an op is one entry in one area module (a new area is a new module listed in ``AREAS``)::

    OpInfo("exp2", doc("torch.exp2"), args.unary(),          # name, documentation, how to draw arguments
           function="torch.exp2", method="exp2",             # public routes ...
           inplace="exp2_", out=True,                        # ... in-place and out= variants
           kinds=("float", "complex", "int"),                # dtype kinds it takes
           domains=(Domain(-10.0, 10.0),),                   # values off kinks and poles, by construction
           numpy="exp2",                                     # reference: np.exp2 on float64
           grad=2, vjp=lambda g, out, x: (g * out * LN2,),   # differentiable twice; the analytic VJP ...
           vjp_source=yaml("exp2("), node="Exp2Backward0",   # ... and where the formula comes from
           elementwise=True)

Every invariant whose requirements the entry meets then applies to it: routes agree, in-place and
``out=`` semantics, layout independence, meta, vmap, zero-size and 0-d inputs, device vs reference,
values against the reference, and the autograd checks.  ``tests/test_registry.py`` checks each entry
(its routes exist, its arguments draw in every mode it claims).  An op a device does not implement
is reported as unsupported there, not as a failure.
"""

from __future__ import annotations

from dataclasses import replace

from . import (conv, creation, cumulative, elementwise, fft, indexing, linalg, nn, pointwise, rearrange, reductions,
               scatter, shape, sorting, special)
from .core import ANY, Arg, Domain, NotApplicable, OpInfo, Sizes, doc, resolve

AREAS = (elementwise, pointwise, special, reductions, cumulative, sorting, linalg, shape, rearrange, creation, indexing,
         scatter, nn, conv, fft)


def _collect() -> dict[str, OpInfo]:
    registry: dict[str, OpInfo] = {}
    for module in AREAS:
        area = module.__name__.rsplit(".", 1)[1]
        for op in module.OPS:
            if op.name in registry:
                raise ValueError(f"op {op.name!r} is registered twice ({registry[op.name].area}, {area})")
            registry[op.name] = replace(op, area=area)
    return registry


REGISTRY: dict[str, OpInfo] = _collect()


def get(name: str) -> OpInfo:
    """The entry of ``name``; a KeyError names the closest entries."""
    try:
        return REGISTRY[name]
    except KeyError:
        close = sorted(n for n in REGISTRY if n.startswith(name[:3]))
        raise KeyError(f"no op {name!r} in the registry; similar: {close}") from None


def select(predicate=lambda op: True, names=None) -> list[OpInfo]:
    """Entries in registry order: those named (in that order), or those ``predicate`` accepts."""
    if names is not None:
        return [get(name) for name in names]
    return [op for op in REGISTRY.values() if predicate(op)]


__all__ = ["ANY", "AREAS", "Arg", "Domain", "NotApplicable", "OpInfo", "REGISTRY", "Sizes", "doc", "get", "resolve",
           "select"]
