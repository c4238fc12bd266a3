"""Self-tests of the strategies: reach over a few hundred draws, recipes, bounds, device gating."""

from __future__ import annotations

import doctest
import importlib
import math
from collections import Counter

import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from conformance.oracles import assert_equal
from strategies import LAYOUTS, dtypes, kind_of, rebuilt, recipe_of, reshapes, shapes, supported, tensors
from strategies.tensors import filler, storage_cells, storage_code

DRAWS = 400
REACH = settings(max_examples=DRAWS, derandomize=True, database=None, deadline=None,
                 phases=[Phase.generate])


def _collect(strategy) -> list:
    seen = []

    @REACH
    @given(strategy)
    def collect(value):
        seen.append(value)

    collect()
    return seen


@pytest.fixture(scope="module")
def drawn():
    return _collect(tensors())


def test_reach_of_default_tensors(drawn, record_property):
    """Non-contiguous >= 30%; storage offsets, zero strides, 0-d and zero-size tensors all present."""
    reach = {
        "non-contiguous": sum(not t.is_contiguous() for t in drawn) / len(drawn),
        "storage offset > 0": sum(t.storage_offset() > 0 for t in drawn) / len(drawn),
        "a zero stride": sum(0 in t.stride() for t in drawn) / len(drawn),
        "0-d": sum(t.dim() == 0 for t in drawn) / len(drawn),
        "zero-size": sum(t.numel() == 0 for t in drawn) / len(drawn),
    }
    record_property("reach", reach)
    print("\nstrategy reach over", len(drawn), "draws:", {k: f"{v:.0%}" for k, v in reach.items()})
    assert reach["non-contiguous"] >= 0.30, reach
    assert all(v > 0 for v in reach.values()), reach


def test_every_layout_and_dtype_kind_is_drawn(drawn):
    layouts = Counter(part for t in drawn for part in recipe_of(t).layout.split("+"))
    kinds = Counter(kind_of(t.dtype) for t in drawn)
    assert set(layouts) == set(LAYOUTS), layouts
    assert set(kinds) == {"float", "complex", "int", "uint", "bool"}, kinds
    assert any("+" in recipe_of(t).layout for t in drawn), "no composed layouts"


def test_recipe_code_rebuilds_the_tensor_exactly(drawn):
    """On the recipe's own device, and with ``code(device="device")`` on the device a repro script's
    ``device`` variable names."""
    for t in drawn:
        for code, names in ((recipe_of(t).code(), {}), (recipe_of(t).code(device="device"), {"device": "cpu"})):
            rebuilt = eval(code, {"torch": torch, **names})
            assert (rebuilt.shape, rebuilt.stride(), rebuilt.storage_offset(), rebuilt.dtype) == \
                (t.shape, t.stride(), t.storage_offset(), t.dtype)
            assert_equal(rebuilt, t)  # bitwise: -0.0 stays -0.0
        storage = recipe_of(t).storage
        assert_equal(eval(storage_code(storage), {"torch": torch}), storage)  # unreached cells too


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.complex64, torch.int8, torch.bool])
@pytest.mark.parametrize("common", ["zero", "negative zero", "nan", "one"])
def test_constant_runs_print_compactly_and_exactly(dtype, common):
    """Mostly one value: ``torch.full``/``torch.zeros`` and the few other elements put in place."""
    value = {"zero": 0, "negative zero": -0.0, "nan": math.nan, "one": 1}[common]
    if kind_of(dtype) in ("int", "bool") and common in ("negative zero", "nan"):
        pytest.skip(f"{dtype} has no {common}")
    storage = torch.full((40,), value, dtype=dtype)
    other = {"bool": 1, "int": -2}.get(kind_of(dtype), -2.5)
    storage[[3, 17]] = torch.tensor([other, 0]).to(dtype)
    code = storage_code(storage)
    assert code.startswith("torch.zeros(40," if common == "zero" else "torch.full((40,),") and len(code) < 200
    assert_equal(eval(code, {"torch": torch}), storage)


def test_the_printing_examples_hold():
    assert doctest.testmod(importlib.import_module("strategies.tensors")).failed == 0


def _cells(t) -> torch.Tensor:
    """The storage cell of each element of a drawn tensor."""
    return storage_cells(recipe_of(t).base_shape, recipe_of(t).steps)


def test_unreached_storage_holds_the_filler(drawn):
    """Cells outside the view hold NaN or an integer outside the bounds; elements themselves never do."""
    for t in drawn:
        storage = recipe_of(t).storage
        reached = torch.zeros(storage.numel(), dtype=torch.bool)
        reached[_cells(t)] = True
        fill = filler(t.dtype)
        unreached = storage[~reached]
        if kind_of(t.dtype) in ("float", "complex"):
            assert unreached.isnan().all() and not t.isnan().any()
        elif kind_of(t.dtype) != "bool":
            assert (unreached == fill).all() and not (t == fill).any()


@pytest.mark.parametrize("dtype, bounds", [(torch.bool, {}), (torch.int8, dict(low=-128, high=127)),
                                           (torch.uint8, dict(low=0, high=255))])
def test_a_cell_skipped_after_an_element_holds_another_value(dtype, bounds):
    """Where the dtype has no value the elements cannot take, the cell just past an element -- what a kernel
    reading one cell too far, or the storage in order, meets first -- holds another value than it."""
    checked = 0
    for t in _collect(tensors(dtype, shapes(min_dims=1), layouts=("slice", "as_strided", "diagonal"), **bounds)):
        storage, cells = recipe_of(t).storage, _cells(t)
        reached = set(cells.tolist())
        for value, cell in zip(t.reshape(-1).tolist(), cells.tolist()):
            if cell + 1 < storage.numel() and cell + 1 not in reached:
                assert storage[cell + 1].item() != value, (recipe_of(t).code(), cell)
                checked += 1
    assert checked >= 100, checked


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_values_respect_bounds_and_min_abs(data):
    dtype = data.draw(dtypes(kinds=("float", "int")))
    low = data.draw(st.integers(-50, 10))
    high = low + data.draw(st.integers(1, 60))
    min_abs = data.draw(st.sampled_from([0, 1, 3]))
    if min_abs and max(abs(low), abs(high)) < min_abs:
        return
    t = data.draw(tensors(dtype=dtype, low=low, high=high, min_abs=min_abs))
    v = t.double()
    assert ((v >= low) & (v <= high)).all()
    assert (v.abs() >= min_abs).all()


@settings(max_examples=100, deadline=None)
@given(tensors(dtype=torch.float32, shape=shapes(min_dims=1), unique=True, layouts=("contiguous", "permute")))
def test_unique_values_are_distinct(t):
    assert torch.unique(t).numel() == t.numel()


def test_special_values_appear_when_asked():
    seen = torch.cat([t.reshape(-1).double() for t in _collect(tensors(dtype=torch.float32, special=True))])
    assert seen.isnan().any() and seen.isposinf().any() and seen.isneginf().any()
    assert ((seen == 0) & seen.signbit()).any(), "no -0.0"
    assert ((seen != 0) & (seen.abs() < torch.finfo(torch.float32).tiny)).any(), "no subnormal"


def test_generation_reaches_the_edges_without_special():
    """Hypothesis's own elements reach the bounds, the gap around zero, -0.0 and a subnormal, and some
    tensors are one value throughout (the bulk shrinking moves to), with no ``special=True``."""
    drawn = _collect(tensors(dtype=torch.float32, shape=shapes(min_dims=1), low=-3.0, high=5.0))
    seen = torch.cat([t.reshape(-1).double() for t in drawn])
    for edge in (-3.0, 5.0):
        assert (seen == edge).any(), f"no {edge}"
    assert ((seen == 0) & seen.signbit()).any(), "no -0.0"
    assert ((seen != 0) & (seen.abs() < torch.finfo(torch.float32).tiny)).any(), "no subnormal"
    assert any(t.numel() >= 4 and torch.unique(t).numel() == 1 for t in drawn), "no constant tensor"
    gapped = torch.cat([t.reshape(-1) for t in _collect(tensors(dtype=torch.int32, low=-50, high=50, min_abs=7))])
    assert {-7, 7} <= set(gapped.tolist()), "the gap's edges are not reached"


def test_finite_values_by_default(drawn):
    assert all(t.isfinite().all() for t in drawn if t.is_floating_point() or t.is_complex())


@settings(max_examples=200, deadline=None)
@given(shapes(max_dims=6, max_numel=64))
def test_shapes_are_bounded(shape):
    assert len(shape) <= 6 and math.prod(shape) <= 64


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_reshapes_keep_numel(data):
    shape = data.draw(shapes())
    new = data.draw(reshapes(shape))
    assert torch.empty(shape).reshape(new).numel() == math.prod(shape)


def test_dtypes_are_gated_per_device():
    assert torch.float64 not in supported("mps") and torch.complex128 not in supported("mps")
    assert set(supported("cpu")) >= {torch.float64, torch.bfloat16, torch.bool, torch.uint8}
    with pytest.raises(ValueError, match="unknown dtype kinds"):
        supported("cpu", kinds=("floaty",))


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown layouts"):
        _collect(tensors(layouts=("diagonally",)))
    with pytest.raises(ValueError, match="max_dims"):
        _collect(shapes(min_dims=3, max_dims=1))
    with pytest.raises(ValueError, match="requires_grad"):
        _collect(tensors(dtype=torch.int32, requires_grad=True))


@settings(max_examples=100, deadline=None)
@given(tensors(dtype=torch.float64, requires_grad=True))
def test_requires_grad_gives_a_leaf_with_the_drawn_layout(t):
    recipe = recipe_of(t)
    plain = torch.tensor(recipe.storage.tolist(), dtype=t.dtype).reshape(recipe.base_shape)
    for step in recipe.steps:
        plain = step.apply(plain)
    assert t.is_leaf and t.requires_grad and t.stride() == plain.stride()


@settings(max_examples=50, deadline=None)
@given(tensors(dtype=torch.float32, shape=shapes(min_dims=1, zero_size=False), layouts=("contiguous", "slice")))
def test_writes_to_a_drawn_tensor_do_not_reach_its_recipe(t):
    """The printed recipe (and every rebuild on another device) shows the values as drawn."""
    before = recipe_of(t).code()
    t.add_(1)
    assert recipe_of(t).code() == before
    assert not torch.equal(rebuilt(t, "cpu"), t)
