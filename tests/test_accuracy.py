"""Self-tests of the accuracy oracle: ULP distances, references, budgets and running error bounds."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from conformance import accuracy, budgets, error_bounds, ops, references

F32_MAX = float(torch.finfo(torch.float32).max)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_neighbours_are_one_ulp_apart_and_a_midpoint_half(dtype):
    x = torch.tensor([1.0, 3.0, -0.1, 1e-3], dtype=dtype)
    up = torch.nextafter(x, torch.full_like(x, math.inf))
    values = accuracy.values_of(x)
    assert np.array_equal(accuracy.ulps(dtype, accuracy.values_of(up), values), np.ones(4))
    half_step = (accuracy.values_of(up) - values) / 2  # the midpoint as hi + lo: exact in every dtype
    assert np.array_equal(accuracy.ulps(dtype, values, values, half_step), np.full(4, 0.5))


def test_a_double_double_reference_resolves_below_float64():
    """float64's neighbours of an exact value between them: errors add up to 1 ulp, split by ``lo``."""
    hi, lo = 1.0, 2.0 ** -54  # exactly a quarter ulp above 1.0
    assert accuracy.ulps(torch.float64, np.array([1.0]), np.array([hi]), np.array([lo]))[0] == 0.25
    assert accuracy.ulps(torch.float64, np.array([1.0 + 2.0 ** -52]), np.array([hi]), np.array([lo]))[0] == 0.75


def test_non_finite_classes_match_exactly():
    nan, inf = math.nan, math.inf
    actual = np.array([nan, inf, -inf, inf, 1.0, nan])
    exact = np.array([nan, inf, -inf, -inf, nan, 1.0])
    assert accuracy.ulps(torch.float32, actual, exact).tolist() == [0.0, 0.0, 0.0, math.inf, math.inf, math.inf]


def test_an_overflow_counts_from_the_threshold():
    """inf stands for 2^128 in float32: a correctly rounded overflow has error 0, max-finite is 1 ulp short."""
    beyond = 2.0 ** 129
    assert accuracy.ulps(torch.float32, np.array([math.inf, F32_MAX]), np.array([beyond, beyond])).tolist() == [0, 1]


def test_zero_signs_count_only_where_defined():
    actual, exact = np.array([-0.0, 0.0]), np.array([0.0, 0.0])
    assert accuracy.ulps(torch.float32, actual, exact, zero_sign=True).tolist() == [math.inf, 0.0]
    assert accuracy.ulps(torch.float32, actual, exact).tolist() == [0.0, 0.0]


def test_float64_references_are_exact_beyond_float64():
    """tan near pi/2 and a cancelling sum: mpmath's double-double against numpy's float64."""
    x = np.array([1.5707963267948966])
    exact = references.elementwise("tan", torch.float64, np.tan, x).exact
    assert exact.lo[0] != 0 and math.isclose(exact.hi[0], np.tan(x[0]), rel_tol=1e-9)
    total = references.reduction("sum", torch.float64, np.array([1.0, 1e-17, -1.0])).exact
    assert (total.hi + total.lo).item() == pytest.approx(1e-17, rel=1e-15)


def test_float64_references_keep_the_branch_a_signed_zero_picks():
    """mpmath has no -0.0: atan2(-0.0, -1) is -pi and atan2(+-0.0, -0.0) is +-pi (C99 Annex F), not mpmath's pi and 0."""
    exact = references.elementwise("atan2", torch.float64, np.arctan2, np.array([-0.0, 0.0, -0.0, -0.0]),
                                   np.array([-1.0, -0.0, -0.0, 2.0])).exact
    assert exact.hi.tolist() == [-math.pi, math.pi, -math.pi, -0.0] and math.copysign(1, exact.hi[3]) == -1
    assert exact.lo[0] == pytest.approx(-(float(references.MP.pi - math.pi)))  # mpmath's pi beyond float64, negated


def test_softplus_reference_of_the_largest_float_is_finite():
    """log(1 + exp(beta x)) / beta is x there; computing beta x first overflows to inf."""
    largest = np.array([np.finfo(np.float64).max])
    assert ops.get("softplus").reference(largest, beta=2.0).tolist() == largest.tolist()


def test_remainder_reference_is_python_modulus_exactly():
    exact = references.elementwise("remainder", torch.float64, np.remainder, np.array([-1e-30, 7.5]),
                                   np.array([3.0, -2.0])).exact
    assert exact.hi[0] == 3.0 and exact.lo[0] == pytest.approx(-1e-30, rel=1e-3) and exact.hi[1] == -0.5


def test_budget_file_entries_name_their_source_and_every_judged_op_has_one():
    entries = budgets.load()
    assert all(entry.source and entry.ulps >= 0 for entry in entries)
    for op in [op.name for op in ops.select(names=sorted(references.TABLE))]:  # each a registry op
        if op not in references.EXACT:
            budgets.budget(op, torch.float32, "cpu")
        budgets.budget(f"{op}.grad", torch.float32, "cpu")


def test_a_malformed_budget_entry_names_file_and_entry(tmp_path):
    path = tmp_path / "budgets.json"
    path.write_text(json.dumps([{"op": "exp", "dtypes": ["float32"], "ulps": 1, "source": "s"},
                                {"op": "exp", "dtypes": ["float31"], "ulps": 1, "source": "s"}]))
    with pytest.raises(ValueError, match=r"budgets\.json entry 1 \(exp\).*unknown dtypes \['float31'\]"):
        budgets.load(path)


def test_a_device_without_entries_is_held_to_the_loosest_bound():
    assert budgets.budget("tan", torch.float32, "cpu").ulps < budgets.budget("tan", torch.float32, "cuda").ulps
    assert budgets.budget("tan", torch.float32, "mps").ulps == budgets.budget("tan", torch.float32, "cuda").ulps


def test_running_error_bound_covers_cancellation():
    """(x + 1e8) - 1e8 in float64: numpy's result is off by up to ulp(1e8) / 2, and the bound says so."""
    x = error_bounds.Bounded(np.array([0.1]), budgets={})
    result = (x + 1e8) - 1e8
    assert abs(result.value[0] - 0.1) <= result.error[0] and result.error[0] >= np.spacing(1e8) / 2
