"""The error catalogue: documented failure conditions of PyTorch, as plain data.

Each :class:`ErrorCase` says how to draw operands that must make ``call`` fail, which exception
and message fragment it raises, on which torch releases (messages and types change between
releases), the nearby calls on the same operands that must succeed, whether the condition is a
shape error (the ``meta`` device must agree on it), and where the rule is documented.
:data:`NON_ERRORS` lists documented calls that look like errors but return IEEE values instead.

Operands are drawn as leaves (tensors from ``strategies.tensors``, plain Python values); ``prepare``
then builds the autograd state a case needs (graphs, in-place edits) on whatever device the leaves
live on, so :func:`transfer` can rebuild the same leaves on another device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet

from conformance import ops
from conformance.errors_strategies import (
    INPLACE_EDITS, INT_DIVISIONS, MANY_SHAPES, SOME_SHAPES, UNARY_SAVING_INPUT, UNARY_SAVING_OUTPUT, backward_once,
    broadcast_mismatch, cat_mismatch, cat_ndim_mismatch, dim_kwargs, empty_list, expand_mismatch, expansion,
    float_pair, floats, grad_case, index, index_out_of_range, inplace_grows_self, inplace_unsafe_cast,
    int_division_by_zero, integer_reduction, leaf, leaf_and, leaves, mask_mismatch, matmul_pair, multi_output_view,
    narrow_past_end, no_grad, no_grad_view, numpy_dtypes, other_device_pair, out_too_narrow, permute_case,
    saved_input_modified, saved_output_modified, stack_mismatch, tensor_and_bad_dim,
    tensor_and_shape_of_other_numel, trimmed_product, unviewable, vector_pair, write_expanded,
)
from strategies import dtypes, shapes, tensors

DOCS = "https://pytorch.org/docs/stable/"
AUTOGRAD_NOTE = DOCS + "notes/autograd.html"
INPLACE_AUTOGRAD = AUTOGRAD_NOTE + "#in-place-operations-with-autograd"
SAVED_TENSORS = AUTOGRAD_NOTE + "#saved-tensors"
BROADCASTING = DOCS + "notes/broadcasting.html"
TYPE_PROMOTION = DOCS + "tensor_attributes.html#type-promotion-doc"
INDEXING = DOCS + "tensors.html"
DIM_RANGE = r"Dimension out of range \(expected to be in range of \[-\d+, \d+\], but got -?\d+\)"
SAVED_MODIFIED = r"one of the variables needed for gradient computation has been modified by an inplace operation"


def _identity(*operands):
    return operands


@dataclass(frozen=True, repr=False)
class Nearby:
    """A call close to the failing one that must succeed on the same operands."""

    name: str
    run: Callable[..., object]

    def __repr__(self):
        return f"Nearby({self.name!r})"


@dataclass(frozen=True, repr=False)
class ErrorCase:
    name: str
    draw: Callable[[str], st.SearchStrategy[tuple]]  # device -> leaf operands on that device
    call: Callable[..., object]  # the failing call, on the prepared operands
    error: type[Exception]
    match: str  # regex searched in str(exception)
    nearby: tuple[Nearby, ...]  # each runs on freshly prepared operands and must not raise
    source: str
    torch: str = ">=2.4"  # PEP 440 specifier of the releases the entry applies to
    shape_error: bool = False  # decided from shapes/strides alone: meta must agree
    prepare: Callable[..., tuple] = _identity  # leaves -> operands of call and nearby
    devices: str = "any"  # "any", "cpu" (a cpu-only API) or "accelerator" (needs a non-cpu device)

    def __repr__(self):
        return f"ErrorCase({self.name!r})"


@dataclass(frozen=True)
class NonError:
    """A documented call on values that look wrong (negative, zero) that returns IEEE values."""

    name: str
    draw: Callable[[str], st.SearchStrategy[tuple]]
    call: Callable[..., torch.Tensor]
    expected: Callable[..., np.ndarray]  # numpy oracle on the operands' values
    source: str


# ---------------------------------------------------------------------------
# Operands on another device
# ---------------------------------------------------------------------------

def tensors_in(operands) -> list[torch.Tensor]:
    """Every tensor among the operands, nested lists and tuples included."""
    if isinstance(operands, torch.Tensor):
        return [operands]
    if isinstance(operands, (tuple, list)):
        return [t for value in operands for t in tensors_in(value)]
    return []


# ---------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------

VIEW = DOCS + "generated/torch.Tensor.view.html"
SEED_VIEW = "seed 000 (torch.Tensor.view)"

CATALOGUE: list[ErrorCase] = []
_add = CATALOGUE.append

# --- shapes, strides and dims ---
_add(ErrorCase("view-incompatible-strides", unviewable, lambda x, s: x.view(s), RuntimeError,
               r"view size is not compatible with input tensor's size and stride",
               (Nearby("after-contiguous", lambda x, s: x.contiguous().view(s)),
                Nearby("reshape", lambda x, s: x.reshape(s))),
               VIEW + " ; " + SEED_VIEW, shape_error=True))
_add(ErrorCase("view-element-count", lambda d: tensor_and_shape_of_other_numel(d, "view"),
               lambda x, s, m: getattr(x, m)(s), RuntimeError, r"shape '\[[-\d, ]*\]' is invalid for input of size \d+",
               (Nearby("own-shape", lambda x, s, m: getattr(x, m)(x.shape)),
                Nearby("contiguous-flat", lambda x, s, m: getattr(x.contiguous(), m)(-1))),
               VIEW, shape_error=True))
_add(ErrorCase("reshape-element-count", lambda d: tensor_and_shape_of_other_numel(d, "reshape"),
               lambda x, s, m: getattr(x, m)(s), RuntimeError, r"shape '\[[-\d, ]*\]' is invalid for input of size \d+",
               (Nearby("own-shape", lambda x, s, m: getattr(x, m)(x.shape)),
                Nearby("inferred", lambda x, s, m: getattr(x, m)(-1))),
               DOCS + "generated/torch.reshape.html", shape_error=True))
_add(ErrorCase("expand-non-singleton", expand_mismatch, lambda x, sizes, d: x.expand(sizes), RuntimeError,
               r"The expanded size of the tensor \(\d+\) must match the existing size \(\d+\) at non-singleton "
               r"dimension \d+",
               (Nearby("keep-with-minus-one", lambda x, sizes, d: x.expand(sizes[:d] + (-1,) + sizes[d + 1:])),
                Nearby("after-narrowing-to-one", lambda x, sizes, d: x.narrow(d, 0, 1).expand(sizes))),
               DOCS + "generated/torch.Tensor.expand.html", shape_error=True))
_add(ErrorCase("expand-fewer-sizes",
               lambda d: st.tuples(tensors(shape=shapes(min_dims=2, max_dims=4), device=d), st.integers(1, 2)),
               lambda x, k: x.expand(x.shape[k:]), RuntimeError,
               r"the number of sizes provided \(\d+\) must be greater or equal to the number of dimensions in the "
               r"tensor \(\d+\)",
               (Nearby("all-sizes", lambda x, k: x.expand(x.shape)),
                Nearby("new-leading-dim", lambda x, k: x.expand((2,) + tuple(x.shape)))),
               DOCS + "generated/torch.Tensor.expand.html", shape_error=True))
_add(ErrorCase("permute-duplicate-dims", lambda d: permute_case(d, "duplicate"), lambda x, p: x.permute(p),
               RuntimeError, r"permute\(\): duplicate dims are not allowed",
               (Nearby("a-permutation", lambda x, p: x.permute(tuple(range(x.dim()))[::-1])),),
               DOCS + "generated/torch.permute.html", shape_error=True))
_add(ErrorCase("permute-dim-out-of-range", lambda d: permute_case(d, "range"), lambda x, p: x.permute(p),
               IndexError, DIM_RANGE,
               (Nearby("a-permutation", lambda x, p: x.permute(tuple(range(x.dim())))),),
               DOCS + "generated/torch.permute.html", shape_error=True))
_add(ErrorCase("permute-wrong-length", lambda d: permute_case(d, "length"), lambda x, p: x.permute(p),
               RuntimeError, r"number of dimensions in the tensor input does not match the length of the desired "
                             r"ordering of dimensions",
               (Nearby("a-permutation", lambda x, p: x.permute(tuple(range(x.dim())))),),
               DOCS + "generated/torch.permute.html", shape_error=True))
_add(ErrorCase("transpose-dim-out-of-range", tensor_and_bad_dim, lambda x, d: x.transpose(0, d), IndexError, DIM_RANGE,
               (Nearby("wrapped-dim", lambda x, d: x.transpose(0, d % max(x.dim(), 1))),),
               DOCS + "generated/torch.transpose.html", shape_error=True))
_add(ErrorCase("sum-dim-out-of-range", tensor_and_bad_dim, lambda x, d: x.sum(d), IndexError, DIM_RANGE,
               (Nearby("wrapped-dim", lambda x, d: x.sum(d % max(x.dim(), 1))),
                Nearby("all-dims", lambda x, d: x.sum())),
               DOCS + "generated/torch.sum.html", shape_error=True))
_add(ErrorCase("unsqueeze-dim-out-of-range", lambda d: tensor_and_bad_dim(d, extra=1), lambda x, d: x.unsqueeze(d),
               IndexError, DIM_RANGE,
               (Nearby("last-position", lambda x, d: x.unsqueeze(x.dim())),
                Nearby("negative-position", lambda x, d: x.unsqueeze(-x.dim() - 1))),
               DOCS + "generated/torch.unsqueeze.html", shape_error=True))
_add(ErrorCase("narrow-past-end", narrow_past_end, lambda x, d, s, n: x.narrow(d, s, n), RuntimeError,
               r"start \(\d+\) \+ length \(\d+\) exceeds dimension size \(\d+\)",
               (Nearby("length-to-end", lambda x, d, s, n: x.narrow(d, s, x.shape[d] - s)),),
               DOCS + "generated/torch.narrow.html", shape_error=True))
_add(ErrorCase("index-out-of-range", index_out_of_range, index, IndexError,
               r"index -?\d+ is out of bounds for dimension \d+ with size \d+",
               (Nearby("wrapped-index", lambda x, d, i: index(x, d, i % x.shape[d])),
                Nearby("slice-past-end", lambda x, d, i: x[(slice(None),) * d + (slice(i, i + 1),)])),
               INDEXING, shape_error=True))
_add(ErrorCase("bool-mask-shape-mismatch", mask_mismatch, lambda x, mask, bad: x[bad], IndexError,
               r"The shape of the mask \[[\d, ]*\] at index \d+ does not match the shape of the indexed tensor "
               r"\[[\d, ]*\] at index \d+",
               (Nearby("matching-mask", lambda x, mask, bad: x[mask]),),
               INDEXING))  # meta cannot index with a mask (data-dependent shape), so not compared there
# --- broadcasting and matrix products ---
_add(ErrorCase("broadcast-mismatch", broadcast_mismatch, lambda a, b, d, op: ops.get(op).fn(a, b), RuntimeError,
               r"The size of tensor a \(\d+\) must match the size of tensor b \(\d+\) at non-singleton dimension \d+",
               (Nearby("b-reduced-to-one", lambda a, b, d, op: ops.get(op).fn(a, b.sum(d, keepdim=True))),
                Nearby("same-shapes", lambda a, b, d, op: ops.get(op).fn(a, a))),
               BROADCASTING, shape_error=True))
_add(ErrorCase("matmul-inner-mismatch", matmul_pair, lambda a, b: a @ b, RuntimeError,
               r"mat1 and mat2 shapes cannot be multiplied \(\d+x\d+ and \d+x\d+\)",
               (Nearby("trimmed-inner", lambda a, b: trimmed_product(a, b)),
                Nearby("with-own-transpose", lambda a, b: a @ a.mT)),
               DOCS + "generated/torch.matmul.html", shape_error=True))
_add(ErrorCase("bmm-inner-mismatch", lambda d: matmul_pair(d, batch=True), torch.bmm, RuntimeError,
               r"Expected size for first two dimensions of batch2 tensor to be: \[\d+, \d+\] but got: \[\d+, \d+\]",
               (Nearby("with-own-transpose", lambda a, b: torch.bmm(a, a.mT)),),
               DOCS + "generated/torch.bmm.html", shape_error=True))
_add(ErrorCase("mv-size-mismatch", lambda d: vector_pair(d, matrix=True), torch.mv, RuntimeError,
               r"size mismatch, got input \(\d+\), mat \(\d+x\d+\), vec \(\d+\)",
               (Nearby("matching-vector", lambda a, v: torch.mv(a, a[0])),),
               DOCS + "generated/torch.mv.html", shape_error=True))
_add(ErrorCase("dot-size-mismatch", lambda d: vector_pair(d, matrix=False), torch.dot, RuntimeError,
               r"inconsistent tensor size, expected tensor \[\d+\] and src \[\d+\] to have the same number of elements",
               (Nearby("with-itself", lambda a, v: torch.dot(a, a)),),
               DOCS + "generated/torch.dot.html", shape_error=True))
# --- cat and stack ---
_add(ErrorCase("cat-shape-mismatch", cat_mismatch, lambda a, b, c, d: torch.cat([a, b], dim=c), RuntimeError,
               r"Sizes of tensors must match except in dimension \d+\. Expected size \d+ but got size \d+ for "
               r"tensor number 1 in the list",
               (Nearby("along-the-differing-dim", lambda a, b, c, d: torch.cat([a, b], dim=d)),),
               DOCS + "generated/torch.cat.html", shape_error=True))
_add(ErrorCase("cat-ndim-mismatch", cat_ndim_mismatch, lambda a, b: torch.cat([a, b]), RuntimeError,
               r"Tensors must have same number of dimensions: got \d+ and \d+",
               (Nearby("after-unsqueeze", lambda a, b: torch.cat([a.unsqueeze(-1), b], dim=-1)),),
               DOCS + "generated/torch.cat.html", shape_error=True))
_add(ErrorCase("stack-shape-mismatch", stack_mismatch, lambda a, b, d: torch.stack([a, b]), RuntimeError,
               r"stack expects each tensor to be equal size, but got \[[\d, ]*\] at entry 0 and \[[\d, ]*\] at entry 1",
               (Nearby("cat-along-the-differing-dim", lambda a, b, d: torch.cat([a, b], dim=d)),
                Nearby("equal-sizes", lambda a, b, d: torch.stack([a, a]))),
               DOCS + "generated/torch.stack.html", shape_error=True))
_add(ErrorCase("cat-empty-list", empty_list, lambda x, d: torch.cat([], dim=d), ValueError,
               r"torch\.cat\(\): expected a non-empty list of Tensors",
               (Nearby("one-tensor", lambda x, d: torch.cat([x], dim=d)),),
               DOCS + "generated/torch.cat.html ; https://github.com/pytorch/pytorch/pull/158249",
               torch=">=2.9", shape_error=True))
_add(ErrorCase("cat-empty-list-legacy", empty_list, lambda x, d: torch.cat([], dim=d), RuntimeError,
               r"torch\.cat\(\): expected a non-empty list of Tensors",
               (Nearby("one-tensor", lambda x, d: torch.cat([x], dim=d)),),
               DOCS + "generated/torch.cat.html ; https://github.com/pytorch/pytorch/pull/158249",
               torch="<2.9", shape_error=True))
_add(ErrorCase("stack-empty-list", empty_list, lambda x, d: torch.stack([], dim=d), RuntimeError,
               r"stack expects a non-empty TensorList",
               (Nearby("one-tensor", lambda x, d: torch.stack([x], dim=d)),),
               DOCS + "generated/torch.stack.html", shape_error=True))
# --- in-place and out= ---
_add(ErrorCase("inplace-broadcast-self", inplace_grows_self, lambda a, b, op: getattr(a, op)(b), RuntimeError,
               r"output with shape \[[\d, ]*\] doesn't match the broadcast shape \[[\d, ]*\]",
               (Nearby("out-of-place", lambda a, b, op: ops.get(op[:-1]).fn(a, b)),
                Nearby("into-the-larger", lambda a, b, op: getattr(b.clone(), op)(a))),
               BROADCASTING + "#in-place-semantics", shape_error=True))
_add(ErrorCase("inplace-unsafe-cast", inplace_unsafe_cast, lambda a, b, op: getattr(a, op)(b), RuntimeError,
               r"result type \w+ can't be cast to the desired output type \w+",
               (Nearby("out-of-place", lambda a, b, op: ops.get(op[:-1]).fn(a, b)),
                Nearby("after-casting", lambda a, b, op: getattr(a, op)(b.to(a.dtype)))),
               TYPE_PROMOTION))
_add(ErrorCase("inplace-on-expanded", expansion, write_expanded, RuntimeError,
               r"unsupported operation: more than one element of the written-to tensor refers to a single memory "
               r"location\. Please clone\(\) the tensor before performing the operation",
               (Nearby("after-clone", lambda x, e, op: write_expanded(x, e.clone(), op)),
                Nearby("after-contiguous", lambda x, e, op: write_expanded(x, e.contiguous(), op))),
               DOCS + "generated/torch.Tensor.expand.html",
               prepare=lambda x, sizes, op: (x, x.expand(sizes), op)))
_add(ErrorCase("out-dtype-cannot-hold", out_too_narrow,
               lambda a, b, out, op: ops.get(op).fn(a, b, out=out), RuntimeError,
               r"result type \w+ can't be cast to the desired output type \w+",
               (Nearby("out-of-result-dtype", lambda a, b, out, op: ops.get(op).fn(a, b, out=torch.empty_like(a))),
                Nearby("out-of-another-float-dtype", lambda a, b, out, op: ops.get(op).fn(
                    a, b, out=torch.empty(a.shape, dtype=torch.float32, device=a.device)))),
               TYPE_PROMOTION))
_add(ErrorCase("integer-division-by-zero", int_division_by_zero, lambda a, b, op: INT_DIVISIONS[op](a, b),
               RuntimeError, r"ZeroDivisionError",
               (Nearby("true-division", lambda a, b, op: torch.div(a, b)),
                Nearby("nonzero-divisor", lambda a, b, op: INT_DIVISIONS[op](a, b.masked_fill(b == 0, 1)))),
               DOCS + "generated/torch.floor_divide.html"))
# --- reductions that need a floating dtype ---
_add(ErrorCase("mean-of-integer", integer_reduction, lambda x, d: x.mean(**dim_kwargs(x, d)), RuntimeError,
               r"mean\(\): could not infer output dtype\. Input dtype must be either a floating point or complex "
               r"dtype\. Got: \w+",
               (Nearby("with-dtype", lambda x, d: x.mean(**dim_kwargs(x, d), dtype=torch.float32)),
                Nearby("after-cast", lambda x, d: x.float().mean(**dim_kwargs(x, d))),
                Nearby("sum", lambda x, d: x.sum(**dim_kwargs(x, d)))),
               DOCS + "generated/torch.mean.html ; seed 002"))
_add(ErrorCase("var-of-integer", integer_reduction, lambda x, d: x.var(**dim_kwargs(x, d)), RuntimeError,
               r"std and var only support floating point and complex dtypes",
               (Nearby("after-cast", lambda x, d: x.float().var(**dim_kwargs(x, d), correction=0)),),
               DOCS + "generated/torch.var.html"))
_add(ErrorCase("std-of-integer", integer_reduction, lambda x, d: x.std(**dim_kwargs(x, d)), RuntimeError,
               r"std and var only support floating point and complex dtypes",
               (Nearby("after-cast", lambda x, d: x.float().std(**dim_kwargs(x, d), correction=0)),),
               DOCS + "generated/torch.std.html"))
# --- numpy() and devices ---
_add(ErrorCase("numpy-requires-grad", lambda d: leaves(d), lambda x: x.numpy(), RuntimeError,
               r"Can't call numpy\(\) on Tensor that requires grad\. Use tensor\.detach\(\)\.numpy\(\) instead",
               (Nearby("force", lambda x: x.numpy(force=True)),
                Nearby("after-detach", lambda x: x.detach().numpy()),
                Nearby("under-no-grad", lambda x: no_grad(x.numpy))),
               DOCS + "generated/torch.Tensor.numpy.html ; seed 000, seed 002", devices="cpu"))
_add(ErrorCase("numpy-on-accelerator", lambda d: st.tuples(tensors(dtype=numpy_dtypes(d), device=d)),
               lambda x: x.numpy(), TypeError,
               r"can't convert \w+(:\d+)? device type tensor to numpy",
               (Nearby("force", lambda x: x.numpy(force=True)),
                Nearby("after-cpu", lambda x: x.cpu().numpy())),
               DOCS + "generated/torch.Tensor.numpy.html", devices="accelerator"))
_add(ErrorCase("operands-on-different-devices", other_device_pair, lambda a, b: a + b, RuntimeError,
               r"Expected all tensors to be on the same device",
               (Nearby("moved", lambda a, b: a + b.to(a.device)),
                Nearby("cpu-scalar-tensor", lambda a, b: a + b.sum())),
               DOCS + "notes/cuda.html", devices="accelerator"))
# --- autograd ---
_add(ErrorCase("backward-non-scalar", lambda d: leaves(d, MANY_SHAPES), lambda x, y: y.backward(), RuntimeError,
               r"grad can be implicitly created only for scalar outputs",
               (Nearby("with-gradient", lambda x, y: y.backward(torch.ones_like(y))),
                Nearby("after-sum", lambda x, y: y.sum().backward())),
               DOCS + "generated/torch.Tensor.backward.html ; seed 000",
               prepare=lambda x: (x, x * 2)))
_add(ErrorCase("backward-without-grad-fn", lambda d: st.tuples(floats(d)), lambda x, y: y.backward(), RuntimeError,
               r"element 0 of tensors does not require grad and does not have a grad_fn",
               (Nearby("input-requires-grad", lambda x, y: (x.detach().requires_grad_() * 2).sum().backward()),),
               DOCS + "generated/torch.Tensor.backward.html ; seed 004",
               prepare=lambda x: (x, (x * 2).sum())))
_add(ErrorCase("backward-twice", lambda d: leaves(d), lambda x, loss: loss.backward(), RuntimeError,
               r"Trying to backward through the graph a second time",
               (Nearby("retain-graph", lambda x, loss: _retained_twice(x)),
                Nearby("rebuilt-graph", lambda x, loss: (x * x).sum().backward())),
               DOCS + "generated/torch.Tensor.backward.html ; seed 001",
               prepare=backward_once))
_add(ErrorCase("inplace-on-leaf", lambda d: leaf_and(d, st.sampled_from(sorted(INPLACE_EDITS))),
               lambda x, edit: INPLACE_EDITS[edit](x), RuntimeError,
               r"a leaf Variable that requires grad is being used in an in-place operation",
               (Nearby("under-no-grad", lambda x, edit: no_grad(lambda: INPLACE_EDITS[edit](x))),
                Nearby("on-detached", lambda x, edit: INPLACE_EDITS[edit](x.detach())),
                Nearby("on-data", lambda x, edit: INPLACE_EDITS[edit](x.data))),
               INPLACE_AUTOGRAD + " ; seed 001"))
_add(ErrorCase("inplace-on-view-of-leaf", lambda d: leaf_and(d, st.sampled_from(sorted(INPLACE_EDITS)), SOME_SHAPES),
               lambda x, edit: INPLACE_EDITS[edit](x[0]), RuntimeError,
               r"a view of a leaf Variable that requires grad is being used in an in-place operation",
               (Nearby("under-no-grad", lambda x, edit: no_grad(lambda: INPLACE_EDITS[edit](x[0]))),
                Nearby("on-a-clone", lambda x, edit: INPLACE_EDITS[edit](x.clone()[0]))),
               INPLACE_AUTOGRAD + " ; seed 001"))
_add(ErrorCase("saved-tensor-modified",
               lambda d: st.tuples(leaf(d), st.sampled_from(sorted(UNARY_SAVING_INPUT)),
                                   st.sampled_from(sorted(INPLACE_EDITS))),
               lambda x, b, loss: loss.backward(), RuntimeError, SAVED_MODIFIED,
               (Nearby("value-not-saved", lambda x, b, loss: _unsaved_modified(x)),
                Nearby("clone-modified", lambda x, b, loss: _clone_modified(x))),
               SAVED_TENSORS + " ; seed 001",
               prepare=saved_input_modified))
_add(ErrorCase("saved-output-modified-through-detach",
               lambda d: st.tuples(leaf(d), st.sampled_from(sorted(UNARY_SAVING_OUTPUT)),
                                   st.sampled_from(sorted(INPLACE_EDITS))),
               lambda x, out: out.sum().backward(), RuntimeError, SAVED_MODIFIED,
               (Nearby("detached-clone-modified", lambda x, out: _detached_clone_modified(x)),),
               DOCS + "generated/torch.Tensor.detach.html ; seed 004",
               prepare=saved_output_modified))
_add(ErrorCase("multi-output-view-inplace", lambda d: leaf_and(d, st.integers(-4, 3), SOME_SHAPES),
               lambda x, views: views[0].mul_(2), RuntimeError,
               r"Output 0 of \w+ is a view and is being modified inplace\. This view is the output of a function "
               r"that returns multiple views",
               (Nearby("single-view", lambda x, views: (x * 1).select(0, 0).mul_(2)),
                Nearby("cloned-view", lambda x, views: views[0].clone().mul_(2))),
               INPLACE_AUTOGRAD,
               prepare=multi_output_view))
_add(ErrorCase("no-grad-view-inplace", lambda d: leaves(d, SOME_SHAPES), lambda x, view: view.mul_(2), RuntimeError,
               r"A view was created in no_grad mode and is being modified inplace with grad mode enabled",
               (Nearby("both-under-no-grad", lambda x, view: no_grad(lambda: view.mul_(2))),
                Nearby("view-in-grad-mode", lambda x, view: (x * 1)[0].mul_(2))),
               INPLACE_AUTOGRAD,
               prepare=no_grad_view))
# The unused-input message gained the input's index with pytorch#181917 (opened 2026-04-29); whether 2.12 or
# 2.13 first shipped it is not established, so 2.12 is left to neither entry.
_add(ErrorCase("grad-unused-input", lambda d: grad_case(d, True),
               lambda x, z: torch.autograd.grad((x * 2).sum(), [x, z]), RuntimeError,
               r"The differentiated Tensor at index 1 appears to not have been used in the graph\. "
               r"Set allow_unused=True",
               (Nearby("allow-unused", lambda x, z: torch.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)),
                Nearby("materialize-grads", lambda x, z: torch.autograd.grad((x * 2).sum(), [x, z],
                                                                             materialize_grads=True))),
               DOCS + "generated/torch.autograd.grad.html ; https://github.com/pytorch/pytorch/issues/73697",
               torch=">=2.13"))
_add(ErrorCase("grad-unused-input-legacy", lambda d: grad_case(d, True),
               lambda x, z: torch.autograd.grad((x * 2).sum(), [x, z]), RuntimeError,
               r"One of the differentiated Tensors appears to not have been used in the graph\. Set allow_unused=True",
               (Nearby("allow-unused", lambda x, z: torch.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)),),
               DOCS + "generated/torch.autograd.grad.html ; https://github.com/pytorch/pytorch/issues/73697",
               torch="<2.12"))
_add(ErrorCase("grad-input-not-requiring-grad", lambda d: grad_case(d, False),
               lambda x, z: torch.autograd.grad(x.sum() * z.sum(), [x, z]), RuntimeError,
               r"One of the differentiated Tensors does not require grad",
               (Nearby("only-differentiable-inputs", lambda x, z: torch.autograd.grad(x.sum() * z.sum(), [x])),),
               DOCS + "generated/torch.autograd.grad.html"))
_add(ErrorCase("requires-grad-on-integer",
               lambda d: st.tuples(tensors(dtype=dtypes(d, ("int", "uint", "bool")), device=d)),
               lambda x: x.requires_grad_(), RuntimeError, r"(?i)only Tensors of floating point",
               (Nearby("after-cast", lambda x: x.float().requires_grad_()),
                Nearby("requires-grad-false", lambda x: x.requires_grad_(False))),
               AUTOGRAD_NOTE))
_add(ErrorCase("gradient-shape-mismatch", lambda d: leaves(d, MANY_SHAPES),
               lambda x, y: y.backward(torch.ones(y.numel() + 1, dtype=y.dtype, device=y.device)), RuntimeError,
               r"Mismatch in shape: grad_output\[0\] has a shape of torch\.Size\(\[[\d, ]*\]\) and output\[0\] has a "
               r"shape of torch\.Size\(\[[\d, ]*\]\)",
               (Nearby("gradient-like-output", lambda x, y: y.backward(torch.ones_like(y))),),
               DOCS + "generated/torch.autograd.backward.html",
               prepare=lambda x: (x, x * 3)))
# --- Python conversions ---
_add(ErrorCase("item-of-many", lambda d: st.tuples(tensors(shape=MANY_SHAPES, device=d)), lambda x: x.item(),
               RuntimeError,
               r"a Tensor with \d+ elements cannot be converted to Scalar",
               (Nearby("one-element", lambda x: x.reshape(-1)[0].item()),
                Nearby("after-sum", lambda x: x.sum().item())),
               DOCS + "generated/torch.Tensor.item.html"))
_add(ErrorCase("bool-of-many", lambda d: st.tuples(tensors(shape=MANY_SHAPES, device=d)), lambda x: bool(x),
               RuntimeError,
               r"Boolean value of Tensor with more than one value is ambiguous",
               (Nearby("any", lambda x: bool(x.any())), Nearby("all", lambda x: bool(x.all()))),
               DOCS + "generated/torch.Tensor.bool.html"))


def _retained_twice(x):
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()


def _unsaved_modified(x):
    """Modifying a tensor whose value backward does not need is allowed (add saves nothing)."""
    b = x * 1
    loss = (b + 1).sum()
    b.mul_(2)
    loss.backward()


def _clone_modified(x):
    b = x * 1
    loss = (b * b).sum()
    b.clone().mul_(2)
    loss.backward()


def _detached_clone_modified(x):
    out = x.sigmoid()
    out.detach().clone().zero_()
    out.sum().backward()


# ---------------------------------------------------------------------------
# Documented non-errors: IEEE results instead of exceptions
# ---------------------------------------------------------------------------

def _ieee(fn):
    def expected(*arrays):
        with np.errstate(all="ignore"):
            return fn(*arrays)
    return expected


NON_ERRORS: list[NonError] = [
    NonError("sqrt-of-negative-is-nan", lambda d: st.tuples(floats(d, low=-10.0, high=-0.1)), torch.sqrt,
             _ieee(np.sqrt), DOCS + "generated/torch.sqrt.html"),
    NonError("log-of-negative-is-nan", lambda d: st.tuples(floats(d, low=-10.0, high=-0.1)), torch.log,
             _ieee(np.log), DOCS + "generated/torch.log.html"),
    NonError("log-of-zero-is-minus-inf", lambda d: st.tuples(floats(d, low=0.0, high=0.0)), torch.log,
             _ieee(np.log), DOCS + "generated/torch.log.html ; seed 002"),
    NonError("float-division-by-zero-is-inf", lambda d: float_pair(d, {"min_abs": 0.5}, {"low": 0.0, "high": 0.0}),
             torch.div, _ieee(np.divide), DOCS + "generated/torch.div.html"),
    NonError("float-zero-by-zero-is-nan",
             lambda d: float_pair(d, {"low": 0.0, "high": 0.0}, {"low": 0.0, "high": 0.0}),
             torch.div, _ieee(np.divide), DOCS + "generated/torch.div.html"),
]


def _check(catalogue, non_errors):
    names = [c.name for c in catalogue] + [c.name for c in non_errors]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"duplicate catalogue names: {sorted(duplicates)}")
    for case in catalogue:
        SpecifierSet(case.torch)  # raises on a malformed specifier
        if not case.nearby:
            raise ValueError(f"{case.name}: every error needs a nearby call that succeeds")
        if case.devices not in ("any", "cpu", "accelerator"):
            raise ValueError(f"{case.name}: devices must be 'any', 'cpu' or 'accelerator'")


_check(CATALOGUE, NON_ERRORS)
SHAPE_ERRORS = [case for case in CATALOGUE if case.shape_error]
