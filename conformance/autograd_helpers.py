"""Helpers of the autograd family: random compositions of the registry's smooth elementwise ops,
and one tensor out of an op's several results.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from hypothesis import strategies as st

from conformance.ops import Domain, Sizes


def into(t: torch.Tensor, domain: Domain) -> torch.Tensor:
    """Squash any real value into a smooth piece of ``domain``: an affine sigmoid of ``asinh(t)``.

    ``asinh`` keeps the sigmoid off its flat tails for the values a composition passes on (a sum of
    two operands near 20: sigmoid(20) is 1 - 2e-9, where a finite difference of step 1e-6 keeps about
    two significant digits and gradcheck fails although the analytic gradient is right)."""
    low, high = domain.interval()
    return low + (high - low) * torch.sigmoid(torch.asinh(t))


@dataclass(frozen=True)
class Composition:
    """op_k(...op_2(op_1(x, y_1), y_2)...): every operand squashed into its op's domain; the y_i are inputs too."""

    steps: tuple  # (op, kwargs, arity) triples

    @property
    def arity(self) -> int:
        return 1 + sum(arity - 1 for _, _, arity in self.steps)

    def __call__(self, x, *others):
        others = iter(others)
        for op, kwargs, arity in self.steps:
            operands = [into(x, op.domain(0))] + [into(next(others), op.domain(i)) for i in range(1, arity)]
            x = op.fn(*operands, **kwargs)
        return x

    def __repr__(self):
        return " -> ".join(f"{op.name}{kwargs or ''}" for op, kwargs, _ in self.steps)


@st.composite
def compositions(draw, smooth, max_steps=3):
    """A :class:`Composition` of 1..max_steps ops drawn from ``smooth`` (registry entries with a smooth domain)."""
    steps = []
    for op in draw(st.lists(st.sampled_from(smooth), min_size=1, max_size=max_steps), label="ops"):
        input_shapes, kwargs = draw(op.args(Sizes(1)), label=f"{op.name} arguments")
        steps.append((op, kwargs, len(input_shapes)))
    return Composition(tuple(steps))


def one_output(fn):
    """``fn`` with its results (split, chunk: a tuple) flattened into one tensor, a linear map of them."""
    def single(*xs):
        out = fn(*xs)
        return out if isinstance(out, torch.Tensor) else torch.cat([t.reshape(-1) for t in out])
    return single
