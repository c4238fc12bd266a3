"""Self-tests of the op registry and of the catalogue-to-parameters helper.

Every entry's routes exist under the names it gives, its arguments draw in every mode it claims
(zero-size, 0-d), and a catalogue entry's documentation and version gate reach its test parameter.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance import ops
from conformance.ops import REGISTRY, Sizes, resolve
from conformance.ops_helpers import APPLIES, draw_case, outcome
from conformance.params import applies, over
from strategies import KINDS

ENTRIES = pytest.mark.parametrize("op", list(REGISTRY.values()), ids=lambda op: op.name)


@ENTRIES
def test_entry_routes_exist(op):
    """The function, method, in-place method, operator and aliases an entry names are public names."""
    if op.function:
        assert callable(resolve(op.function)), op.function
    for name in (op.method, op.inplace):
        assert name is None or hasattr(torch.Tensor, name), f"torch.Tensor has no {name}"
    for dunder in (op.operator, op.inplace_operator):
        assert dunder is None or (hasattr(operator, dunder) and hasattr(torch.Tensor, dunder)), dunder
    for alias in op.aliases:
        assert callable(resolve(alias)), alias
    assert op.doc.startswith("https://"), op.doc
    assert set(op.kinds) <= set(KINDS) and op.kinds


@ENTRIES
def test_entry_describes_its_derivative_consistently(op):
    """An analytic VJP comes with its source and a differentiable entry; a float kind to take it in."""
    if op.vjp is not None:
        assert op.grad >= 1 and op.vjp_source and "float" in op.kinds
    if op.grad:
        assert "float" in op.kinds


def _draws(op, mode):
    """A few cases of ``op`` drawn in ``mode``, on the cpu, in the op's first dtype."""
    found = []

    @settings(max_examples=8, database=None, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def draw(data):
        found.append(draw_case(data, op, "cpu", op.dtypes("cpu")[0], Sizes(mode=mode)))

    draw()
    return found


@ENTRIES
@pytest.mark.parametrize("mode", ["any", "zero-size", "0-d"])
def test_entry_draws_in_each_mode_it_claims(op, mode):
    """``zero_size`` / ``zero_dim`` entries draw zero-size / 0-d arguments, so the invariants over them
    are not vacuous; the others are not offered to those invariants."""
    if (mode == "zero-size" and not op.zero_size) or (mode == "0-d" and not op.zero_dim):
        assert op not in ops_of(mode)
        return
    for case in _draws(op, mode):
        inputs, _ = case.arguments()
        tensors = [inputs[i] for i in case.diff]
        if mode == "0-d":
            assert tensors[0].dim() == 0, [t.shape for t in tensors]
        elif mode == "zero-size":
            got = outcome(case.run)
            results = [] if got.raised else ops_results(got.result)
            assert any(t.numel() == 0 for t in [*tensors, *results]), [t.shape for t in tensors]


def ops_of(mode):
    invariant = {"zero-size": "zero-size", "0-d": "zero-dim"}[mode]
    return [op for op in REGISTRY.values() if APPLIES[invariant](op)]


def ops_results(result):
    return [result] if isinstance(result, torch.Tensor) else list(result)


def test_lookup_names_the_closest_entries():
    with pytest.raises(KeyError, match="similar"):
        ops.get("expp")


@dataclass(frozen=True)
class Entry:
    name: str
    source: str
    torch: str = ">=2.4"


def test_catalogue_parameters_carry_source_id_and_version_gate():
    mark = over("fam", "rule-id", [Entry("a", "https://a"), Entry("b", "https://b", torch="<2.0")], rule="https://rule",
                argnames="op,kind", axes=lambda entry: [("float",), ("int",)])
    params = mark.args[1]
    assert [p.id for p in params] == ["a-float", "a-int", "b-float", "b-int"]
    invariant = next(m for m in params[0].marks if m.name == "invariant")
    assert invariant.args == ("fam", "rule-id") and invariant.kwargs["source"] == "https://rule ; https://a"
    assert any(m.name == "skip" for m in params[2].marks) and not any(m.name == "skip" for m in params[0].marks)
    assert applies(">=2.4", "2.13.0+cpu") and not applies("<2.0", "2.13.0")
