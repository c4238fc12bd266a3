"""Each breadth op equals its documented definition, written out in numpy (float64): running sums for
``cumsum``, ``np.add.at`` for ``index_add``, the convolution sum, the pooling windows (``ceil_mode``,
``count_include_pad``), padding modes, interpolation weights, normalization formulas, special functions
by mpmath, numpy.fft, numpy.linalg.  One test per op, over every dtype it is compared in; inputs of
any layout.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices
from conformance.breadth_helpers import area_ops, assert_matches_definition
from conformance.ops_helpers import draw_case, per_op
from conformance.params import over

FAMILY = "definitions"
OPS = area_ops(predicate=lambda op: op.reference is not None)


@over(FAMILY, "matches-definition", OPS, argnames="op")
@per_op()
@given(data=st.data())
def test_op_equals_its_numpy_definition(device, op, data):
    """The op's result equals its definition's on the same arguments (the source of the definition is
    the op's documentation page, cited on the report line)."""
    choices = op.reference_dtypes(devices.target(device).device)
    if not choices:
        pytest.skip(f"{devices.target(device).name} has no dtype {op.name} is compared in")
    dtype = data.draw(st.sampled_from(choices), label="dtype")
    assert_matches_definition(op, draw_case(data, op, device, dtype), device)
