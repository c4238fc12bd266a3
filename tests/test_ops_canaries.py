"""Planted faults the universal invariants (conformance/test_ops.py) must detect, each at the example
count the ci profile runs those tests at (``ops_helpers.per_op_examples``: 10 per op and dtype kind).

Faults are planted where users reach the op -- ``torch.exp``, ``Tensor.__add__``, ``Tensor.add_`` --
and the registry looks each route up at call time, so the planted route is the one tested.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import settings

from conformance import layout_model as model, ops, test_autograd as autograd, test_ops
from conformance.ops_helpers import per_op_examples
from tests.canary import assert_caught
from tests.faulty_device import cpu_with_fault
from tests.test_autograd_canaries import _scaled_exp as scaled_exp

OP = ops.REGISTRY
CI_PER_OP = per_op_examples(settings.get_profile("ci"))


def caught(test, **kwargs) -> BaseException:
    return assert_caught(test, max_examples=CI_PER_OP, **kwargs)


def off(t: torch.Tensor) -> torch.Tensor:
    """``t`` one part in a thousand larger: a wrong result of the right dtype and shape."""
    return t * (1 + 1e-3) if t.is_floating_point() or t.is_complex() else t + 1


# --- routes ---------------------------------------------------------------------------------

def test_operator_fault_with_a_python_float_is_caught(monkeypatch):
    """``x + 2.5`` wrong while ``torch.add(x, 2.5)`` and ``x.add(2.5)`` are right."""
    original = torch.Tensor.__add__
    monkeypatch.setattr(torch.Tensor, "__add__", lambda self, other: off(original(self, other))
                        if isinstance(other, float) else original(self, other))
    failure = caught(test_ops.test_routes_agree, device="cpu", op=OP["add"], kind="int", operand="float")
    assert "operator" in str(failure), failure


def test_reflected_operator_fault_is_caught(monkeypatch):
    """``2.5 * x`` wrong while ``x * 2.5`` is right."""
    original = torch.Tensor.__rmul__
    monkeypatch.setattr(torch.Tensor, "__rmul__", lambda self, other: off(original(self, other)))
    caught(test_ops.test_routes_agree, device="cpu", op=OP["mul"], kind="float", operand="float")


def test_bare_mask_index_fault_is_caught(monkeypatch):
    """``x[mask]`` selecting in reverse order while ``x[(mask,)]`` is right."""
    original = torch.Tensor.__getitem__

    def bare_mask_reversed(self, index):
        out = original(self, index)
        bare_mask = isinstance(index, torch.Tensor) and index.dtype == torch.bool
        return out.flip(0) if bare_mask and out.dim() else out

    monkeypatch.setattr(torch.Tensor, "__getitem__", bare_mask_reversed)
    failure = caught(test_ops.test_routes_agree, device="cpu", op=OP["getitem-boolean-mask"], kind="float",
                     operand="tensor")
    assert "bare-index" in str(failure), failure


def test_method_differing_from_its_function_is_caught(monkeypatch):
    original = torch.Tensor.sin
    monkeypatch.setattr(torch.Tensor, "sin", lambda self: off(original(self)))
    failure = caught(test_ops.test_routes_agree, device="cpu", op=OP["sin"], kind="float", operand="tensor")
    assert "method" in str(failure), failure


# --- in-place ---------------------------------------------------------------------------------

def test_inplace_returning_a_copy_is_caught(monkeypatch):
    monkeypatch.setattr(torch.Tensor, "add_", lambda self, other, alpha=1: torch.add(self, other, alpha=alpha))
    failure = caught(test_ops.test_inplace_writes_the_function_result_into_self, device="cpu", op=OP["add"],
                     kind="float", operand="tensor")
    assert "not self" in str(failure), failure


def test_inplace_without_a_version_bump_is_caught(monkeypatch):
    """An in-place op that writes through ``.data``: right values, version counter untouched."""
    original = torch.Tensor.mul

    def mul_(self, other):
        self.data.copy_(original(self, other))
        return self

    monkeypatch.setattr(torch.Tensor, "mul_", mul_)
    failure = caught(test_ops.test_inplace_writes_the_function_result_into_self, device="cpu", op=OP["mul"],
                     kind="float", operand="tensor")
    assert "version" in str(failure), failure


def test_inplace_into_an_integer_self_that_truncates_is_caught(monkeypatch):
    """``int_tensor.add_(2.5)`` silently truncating instead of raising."""
    original = torch.Tensor.add

    def add_(self, other, alpha=1):
        self.copy_(original(self, other, alpha=alpha).to(self.dtype))
        return self

    monkeypatch.setattr(torch.Tensor, "add_", add_)
    caught(test_ops.test_inplace_writes_the_function_result_into_self, device="cpu", op=OP["add"], kind="int",
           operand="float")


def test_inplace_on_an_expanded_self_that_succeeds_is_caught(monkeypatch):
    """``neg_`` on an expanded tensor computing into fresh memory instead of raising."""
    original = torch.Tensor.neg
    monkeypatch.setattr(torch.Tensor, "neg_", lambda self: self.set_(original(self).contiguous()))
    caught(test_ops.test_inplace_on_overlapping_self_raises, device="cpu", op=OP["neg"], kind="float")


def test_inplace_that_grows_self_is_caught(monkeypatch):
    original = torch.Tensor.sub
    monkeypatch.setattr(torch.Tensor, "sub_",
                        lambda self, other, alpha=1: self.set_(original(self, other, alpha=alpha)))
    caught(test_ops.test_inplace_that_would_grow_self_raises, device="cpu", op=OP["sub"], kind="float")


# --- out= -------------------------------------------------------------------------------------

def test_out_that_is_not_resized_is_caught(monkeypatch):
    """``exp(x, out=empty)`` returning a new tensor and leaving ``out`` without elements."""
    original = torch.exp

    def exp(x, *, out=None):
        if out is None or out.numel() == 0:
            return original(x)
        return original(x, out=out)

    monkeypatch.setattr(torch, "exp", exp)
    caught(test_ops.test_out_without_elements_is_resized, device="cpu", op=OP["exp"], kind="float")


def test_out_that_gets_new_strides_is_caught(monkeypatch):
    """``sqrt(x, out=o)`` that points ``o`` at a new contiguous result instead of writing into it."""
    original = torch.sqrt
    monkeypatch.setattr(torch, "sqrt", lambda x, *, out=None: original(x) if out is None else out.set_(original(x)))
    caught(test_ops.test_out_of_the_result_shape_keeps_its_strides, device="cpu", op=OP["sqrt"], kind="float")


def test_out_resized_without_the_warning_is_caught(monkeypatch):
    original = torch.abs
    monkeypatch.setattr(torch, "abs", lambda x, *, out=None: original(x) if out is None else
                        original(x, out=out.resize_(0)))
    caught(test_ops.test_out_of_another_shape_warns_when_resized, device="cpu", op=OP["abs"], kind="float")


def test_out_of_a_lower_kind_that_truncates_is_caught(monkeypatch):
    original = torch.sin
    monkeypatch.setattr(torch, "sin", lambda x, *, out=None: original(x) if out is None else
                        out.resize_(x.shape).copy_(original(x)))
    caught(test_ops.test_out_of_a_lower_kind_raises, device="cpu", op=OP["sin"], kind="float")


# --- layout, meta, vmap, zero-size, device ------------------------------------------------------

def _wrong_when_strided(original):
    return lambda x, *args, **kwargs: original(x, *args, **kwargs) if x.is_contiguous() else \
        off(original(x, *args, **kwargs))


def test_result_wrong_only_for_strided_inputs_is_caught(monkeypatch):
    """trunc (an op no family tested before the registry, exact on every path) wrong on non-contiguous
    inputs only."""
    monkeypatch.setattr(torch, "trunc", _wrong_when_strided(torch.trunc))
    caught(test_ops.test_result_does_not_depend_on_input_layout, device="cpu", op=OP["trunc"], kind="float")


def test_rounded_result_off_for_strided_inputs_is_caught(monkeypatch):
    """sin (rounded: judged within its ULP budget of the exact value) wrong on non-contiguous inputs only."""
    monkeypatch.setattr(torch, "sin", _wrong_when_strided(torch.sin))
    caught(test_ops.test_result_does_not_depend_on_input_layout, device="cpu", op=OP["sin"], kind="float")


def test_sum_off_for_strided_inputs_is_caught(monkeypatch):
    """A sum (judged within n - 1 ulp of the sum of |x|) wrong on non-contiguous inputs only."""
    monkeypatch.setattr(torch, "sum", _wrong_when_strided(torch.sum))
    caught(test_ops.test_result_does_not_depend_on_input_layout, device="cpu", op=OP["sum"], kind="float")


def test_rounded_value_off_in_a_strided_out_is_caught(monkeypatch):
    """``exp(x, out=o)`` writing a wrong value where ``o`` is not contiguous."""
    original = torch.exp
    monkeypatch.setattr(torch, "exp", lambda x, *, out=None: original(x) if out is None or out.is_contiguous()
                        else out.copy_(off(original(x))))
    caught(test_ops.test_out_of_the_result_shape_keeps_its_strides, device="cpu", op=OP["exp"], kind="float")


def _reading_storage_order(original):
    """``original`` applied to the storage as if it were contiguous (strides ignored), where it fits."""
    def storage_order(x):
        dense = torch.as_strided(x, x.shape, model.contiguous_strides(x.shape), x.storage_offset())
        fits = x.untyped_storage().nbytes() >= (x.storage_offset() + x.numel()) * x.element_size()
        return original(dense) if fits else original(x)
    return storage_order


def test_kernel_reading_storage_order_is_caught(monkeypatch):
    """A neg kernel that ignores strides and reads the storage as if it were contiguous."""
    monkeypatch.setattr(torch, "neg", _reading_storage_order(torch.neg))
    caught(test_ops.test_result_does_not_depend_on_input_layout, device="cpu", op=OP["neg"], kind="int")


def test_bool_kernel_reading_storage_order_is_caught(monkeypatch):
    """The same fault in a bool kernel: a bool storage has no value its elements cannot take, so the cells
    a view skips hold the opposite of the element before them (``strategies.tensors._fill``)."""
    monkeypatch.setattr(torch, "logical_not", _reading_storage_order(torch.logical_not))
    caught(test_ops.test_result_does_not_depend_on_input_layout, device="cpu", op=OP["logical_not"], kind="bool")


def test_device_wrong_only_for_strided_inputs_is_caught():
    """The same fault on a device under test only (a dispatch mode on cpu): device vs reference."""
    failure = caught(test_ops.test_device_matches_reference_device,
                     device=cpu_with_fault(torch.ops.aten.exp2.default, relative=1e-3), reference_device="cpu",
                     op=OP["exp2"], kind="float")
    assert "farther from the exact value" in str(failure), failure


def test_meta_reporting_contiguous_strides_is_caught(monkeypatch):
    """A meta kernel that gives a transposed input's result contiguous strides."""
    original = torch.exp
    monkeypatch.setattr(torch, "exp", lambda x, **kwargs: original(x, **kwargs).contiguous() if x.is_meta else
                        original(x, **kwargs))
    failure = caught(test_ops.test_meta_gives_the_device_structure, device="cpu", op=OP["exp"], kind="float")
    assert "strides" in str(failure), failure


def _tanh_with_a_wrong_vmap_rule():
    class Tanh(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return x.tanh()

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def vmap(info, in_dims, x):
            return off(x.tanh()), in_dims[0]

    return Tanh.apply


def test_vmap_rule_that_differs_from_the_loop_is_caught(monkeypatch):
    monkeypatch.setattr(torch, "tanh", _tanh_with_a_wrong_vmap_rule())
    caught(test_ops.test_vmap_equals_a_loop_over_the_batch, device="cpu", op=OP["tanh"], kind="float")


def test_sum_of_nothing_that_is_not_zero_is_caught(monkeypatch):
    original = torch.sum
    monkeypatch.setattr(torch, "sum", lambda x, *args, **kwargs: original(x, *args, **kwargs) + 1 if x.numel() == 0
                        else original(x, *args, **kwargs))
    caught(test_ops.test_zero_size_inputs_give_numpys_result, device="cpu", reference_device="cpu", op=OP["sum"])


def test_zero_dim_reduction_over_dim_0_that_raises_is_caught(monkeypatch):
    """amax of a 0-d tensor over dim 0 ("dims 0 and -1 name the only position") raising."""
    original = torch.amax

    def amax(x, dim=(), keepdim=False):
        if x.dim() == 0 and dim not in ((), None):
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 0)")
        return original(x, dim, keepdim)

    monkeypatch.setattr(torch, "amax", amax)
    caught(test_ops.test_zero_dim_inputs_give_numpys_result, device="cpu", reference_device="cpu", op=OP["amax"])


# --- autograd, through the registry's function route ------------------------------------------

def test_wrong_forward_mode_with_a_right_backward_is_caught(monkeypatch):
    """``torch.exp`` whose JVP is 1e-3 off while its VJP is exact, planted in the route the registry calls."""
    monkeypatch.setattr(torch, "exp", scaled_exp(forward_scale=1.001).call)
    caught(autograd.test_forward_mode_matches_reverse_mode, device="cpu", op=OP["exp"])


@pytest.mark.parametrize("name", ["add", "getitem-boolean-mask", "trunc"])
def test_clean_ops_pass_the_invariants_they_are_canaries_for(name):
    """No false alarm: with nothing planted the same tests pass at the same count."""
    op = OP[name]
    with pytest.raises(pytest.fail.Exception, match="did not detect"):
        caught(test_ops.test_routes_agree if name != "trunc" else test_ops.test_result_does_not_depend_on_input_layout,
               device="cpu", op=op, kind="float", **({"operand": "float" if op.scalars else "tensor"}
                                                     if name != "trunc" else {}))
