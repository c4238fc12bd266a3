"""Self-tests of the strategies: reach, boundary values, bitwise recipes, fillers, bounds, device gating."""

from __future__ import annotations

import math
from collections import Counter

import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from conformance.profiles import CI_EXAMPLES
from strategies import LAYOUTS, dtypes, kind_of, rebuilt, recipe_of, reshapes, shapes, supported, tensors
from strategies.recipes import storage_code
from strategies.tensors import filler

DRAWS = 400
REACH = settings(max_examples=DRAWS, derandomize=True, database=None, deadline=None,
                 phases=[Phase.generate])


def _collect(strategy, draws: int = DRAWS) -> list:
    seen = []

    @settings(REACH, max_examples=draws)
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


def _bits(t: torch.Tensor) -> torch.Tensor:
    """The bit patterns of ``t``'s elements: -0.0 differs from 0.0, a NaN's sign and payload count."""
    t = t.detach().contiguous()
    if t.is_complex():
        t = torch.view_as_real(t)
    if t.is_floating_point():
        t = t.view({2: torch.int16, 4: torch.int32, 8: torch.int64}[t.element_size()])
    return t


def _same_bits(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(_bits(a), _bits(b))


def _storage(t: torch.Tensor) -> torch.Tensor:
    """The whole storage under ``t`` (unreached cells included), in its dtype."""
    return torch.empty(0, dtype=t.dtype).set_(t.untyped_storage())


def _rebuilds_exactly(t: torch.Tensor):
    rebuilt = eval(recipe_of(t).code(), {"torch": torch})  # noqa: S307 -- the recipe's own expression
    assert (rebuilt.shape, rebuilt.stride(), rebuilt.storage_offset(), rebuilt.dtype) == \
        (t.shape, t.stride(), t.storage_offset(), t.dtype), recipe_of(t).code()
    assert _same_bits(_storage(rebuilt), _storage(t)), recipe_of(t).code()
    assert _same_bits(rebuilt, t), recipe_of(t).code()


def test_recipe_code_rebuilds_the_tensor_exactly(drawn):
    for t in drawn:
        _rebuilds_exactly(t)


@pytest.mark.parametrize("dtype", supported("cpu"), ids=str)
def test_recipe_code_rebuilds_every_layout_bitwise(dtype):
    """Every dtype and layout, special values (-0.0, nan, inf, subnormals) and distinct values included:
    the printed expression gives the same storage bits, strides and offset."""
    floating = dtype.is_floating_point or dtype.is_complex

    def of_layout(name):
        shape = {"channels_last": shapes(min_dims=4, max_dims=5), "unsqueeze": shapes().map(lambda s: s + (1,))}
        shape = shape.get(name, shapes(min_dims=2))
        return st.one_of(*(tensors(dtype=dtype, shape=shape, layouts=(name,), **values)
                           for values in ({"special": floating}, {"unique": floating})))

    for name in LAYOUTS:
        drawn = _collect(of_layout(name), 20)
        assert any(name in recipe_of(t).layout.split("+") for t in drawn)
        for t in drawn:
            _rebuilds_exactly(t)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64,
                                   torch.complex128], ids=str)
def test_storage_code_keeps_signed_zeros_nans_and_extremes(dtype):
    real = torch.float32 if dtype == torch.complex64 else torch.float64 if dtype == torch.complex128 else dtype
    info = torch.finfo(real)
    values = [-0.0, 0.0, math.nan, math.inf, -math.inf, info.max, -info.max, info.tiny, info.tiny * info.eps,
              1 / 3, 0.1, -2.5, 0.5]
    storage = torch.tensor(values, dtype=dtype)
    if real != torch.bfloat16:  # torch's constructors turn every bfloat16 NaN into the canonical one
        storage = torch.cat([storage, -torch.tensor([math.nan], dtype=dtype)])
    runs = torch.cat([storage, storage[:1].repeat(9), storage[2:4].repeat(3)])
    for s in (storage, runs, storage[:1].repeat(5), storage[1:2].repeat(5)):
        assert _same_bits(eval(storage_code(s), {"torch": torch}), s), storage_code(s)  # noqa: S307


def test_storage_code_is_compact_for_runs():
    assert storage_code(torch.zeros(12)) == "torch.zeros(12, dtype=torch.float32)"
    assert storage_code(torch.full((3,), -0.0)) == "torch.full((3,), -0.0, dtype=torch.float32)"
    assert storage_code(torch.tensor([0.0] * 6 + [-0.0] + [1.5, math.nan] * 3)) == \
        "torch.tensor([0.0] * 6 + [-0.0] + [1.5, torch.nan] * 3, dtype=torch.float32)"
    assert storage_code(torch.tensor([0.1, 1 / 3], dtype=torch.float16)) == \
        "torch.tensor([0.1, 0.3333], dtype=torch.float16)"
    assert storage_code(torch.tensor([True, False] * 4)) == "torch.tensor([True, False] * 4, dtype=torch.bool)"


def _reached(t: torch.Tensor) -> torch.Tensor:
    """A mask of the storage cells ``t``'s recipe reaches."""
    recipe = recipe_of(t)
    index = torch.arange(recipe.storage.numel()).reshape(recipe.base_shape)
    for step in recipe.steps:
        index = step.apply(index)
    reached = torch.zeros(recipe.storage.numel(), dtype=torch.bool)
    reached[index.reshape(-1)] = True
    return reached


def _filler_holds(t: torch.Tensor):
    """Unreached cells hold ``filler``; no element holds it where the dtype allows (bool: a constant
    tensor's other value, else the rarer one)."""
    storage, reached = recipe_of(t).storage, _reached(t)
    elements, unreached = storage[reached], storage[~reached]
    if kind_of(t.dtype) in ("float", "complex"):
        assert unreached.isnan().all() and not elements.isnan().any()
        return
    fill = filler(t.dtype, elements.tolist())
    assert (unreached == fill).all()
    if kind_of(t.dtype) == "bool":
        assert (elements != fill).sum() * 2 >= elements.numel()
    else:
        assert not (elements == fill).any()


def test_unreached_storage_holds_the_filler(drawn):
    for t in drawn:
        _filler_holds(t)


_WIDE = {torch.bool: {}, torch.int8: dict(low=-128, high=127), torch.uint8: dict(low=0, high=255)}


@pytest.mark.parametrize("dtype", list(_WIDE), ids=str)
def test_no_element_holds_the_filler_even_when_every_value_is_allowed(dtype):
    """bool, and int8/uint8 drawn over their whole range: the filler is then the value no element holds
    (bool: the other value of a constant tensor, the rarer value of a mixed one)."""
    drawn = _collect(tensors(dtype=dtype, shape=shapes(min_dims=1, zero_size=False),
                             layouts=("slice", "narrow", "diagonal", "as_strided"), **_WIDE[dtype]), 150)
    constant = [t for t in drawn if t.unique().numel() == 1]
    assert len(constant) >= 10, "too few constant tensors to check"
    for t in drawn:
        _filler_holds(t)
    assert filler(torch.bool, [True] * 3) is False and filler(torch.bool, [False] * 3) is True
    assert filler(torch.int8, list(range(-128, -120))) == -120 and filler(torch.uint8, [255, 254]) == 253


def _storage_order(x: torch.Tensor) -> torch.Tensor:
    """A faulty kernel: reads ``x``'s cells as if ``x`` were contiguous from its storage offset."""
    strides, step = [], 1
    for size in reversed(x.shape):
        strides.insert(0, step)
        step *= size
    return torch.as_strided(x, x.shape, strides, x.storage_offset()).clone()


@pytest.mark.parametrize("dtype", list(_WIDE), ids=str)
def test_a_kernel_reading_the_wrong_cell_is_caught(dtype):
    """Under the ci profile's budget (40 derandomized examples), a copy that reads storage cells in
    contiguous order is told from a correct copy for bool, int8 and uint8 -- on the full value range,
    where only the filler's choice keeps an unreached cell different from the element it stands for."""
    strategy = tensors(dtype=dtype, shape=shapes(min_dims=1, zero_size=False), layouts=("slice", "as_strided"),
                       **_WIDE[dtype])

    def run(kernel):
        @settings(max_examples=CI_EXAMPLES, derandomize=True, database=None, deadline=None, phases=[Phase.generate])
        @given(strategy)
        def copies_right(x):
            assert torch.equal(kernel(x), x.clone())
        copies_right()

    run(torch.Tensor.clone)  # no false alarm
    with pytest.raises(AssertionError):
        run(_storage_order)


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


def _seen(strategy, draws: int = DRAWS) -> torch.Tensor:
    return torch.cat([t.reshape(-1).double() for t in _collect(strategy, draws)])


def test_special_values_appear_when_asked():
    info = torch.finfo(torch.float32)
    seen = _seen(tensors(dtype=torch.float32, special=True))
    assert seen.isnan().any() and seen.isposinf().any() and seen.isneginf().any()
    assert ((seen == 0) & seen.signbit()).any(), "no -0.0"
    assert ((seen != 0) & (seen.abs() < info.tiny)).any(), "no subnormal"
    assert (seen == info.max).any() and (seen == -info.max).any(), "no dtype extremes"


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64], ids=str)
def test_boundary_values_appear_without_special(dtype):
    """Within the default bounds [-10, 10]: -0.0, the smallest subnormal, ties of round-half-even and
    the values next to them, and both bounds -- all finite."""
    info = torch.finfo(dtype)
    seen = _seen(tensors(dtype=dtype), 300)
    assert seen.isfinite().all()
    below_half = float(torch.nextafter(torch.tensor(0.5, dtype=dtype), torch.tensor(0.0, dtype=dtype)))
    expected = {"-0.0": (seen == 0) & seen.signbit(), "smallest subnormal": seen == info.smallest_normal * info.eps,
                "2.5": seen.abs() == 2.5, "next to 0.5": seen == below_half, "-10": seen == -10, "10": seen == 10}
    assert all(found.any() for found in expected.values()), {k: bool(v.any()) for k, v in expected.items()}


def test_integer_extremes_appear_where_the_bounds_allow():
    seen = _seen(tensors(dtype=torch.int8, low=-128, high=127), 200)
    assert (seen == -128).any() and (seen == 127).any() and (seen == 0).any()


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
