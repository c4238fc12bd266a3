"""Convolution, pooling, padding, interpolation and patch ops: each op's own documented rule, one test each.

The oracles are the ops' definitions written in numpy float64 (``conformance/ops/conv.py``: cross-correlation,
sliding windows, ``np.pad``, the nearest-neighbour index rule, the overlap count of patches), and one
self-consistency identity (a transposed convolution is the adjoint of the convolution).  Arguments come from
the registry's strategies, so every stride, padding, dilation, group count, ceil mode and layout the universal
invariants draw is drawn here too; every op is reached through its public route, looked up at call time.
Inputs are contiguous: that a strided input gives the contiguous one's result is the universal invariants'
business (``ops.layout-independent``, where the layouts some of these ops reject are recorded).
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices
from conformance.differential import flat
from conformance.ops import REGISTRY, Sizes, doc, select
from conformance.ops.conv import _patch_positions, conv_arguments
from conformance.ops_helpers import draw_case, draw_tensor, float64_or_skip
from conformance.oracles import assert_equal
from conformance.params import over

DENSE = ("contiguous",)

FAMILY = "conv"
CONV_DOC = doc("torch.nn.Conv2d")  # out = bias + sum_k weight[k] star input[k], star: cross-correlation
TRANSPOSE_DOC = doc("torch.nn.ConvTranspose2d")  # "the gradient of Conv2d with respect to its input"
MAX_POOL_DOC = doc("torch.nn.MaxPool2d")
AVG_POOL_DOC = doc("torch.nn.AvgPool2d")
PAD_DOC = doc("torch.nn.functional.pad") + " ; https://numpy.org/doc/stable/reference/generated/numpy.pad.html"
NEAREST_DOC = doc("torch.nn.functional.interpolate")
FOLD_DOC = doc("torch.nn.Fold")  # "fold(unfold(input)) == divisor * input"

CONVS = select(names=("conv1d", "conv2d", "conv3d"))
TRANSPOSES = select(names=("conv_transpose1d", "conv_transpose2d", "conv_transpose3d"))
MAX_POOLS = select(names=("max_pool1d", "max_pool2d", "max_pool3d"))
AVG_POOLS = select(names=("avg_pool1d", "avg_pool2d", "avg_pool3d"))
PADS = select(names=("pad-constant", "pad-reflect", "pad-replicate", "pad-circular"))
NEAREST = select(names=("interpolate-nearest", "interpolate-nearest-exact"))


def rule(invariant: str, doc: str, entries):
    return over(FAMILY, invariant, entries, rule=doc)


def drawn(data, op, device, dtype=None):
    """A case of ``op`` in float64 (or ``dtype``) on the device, contiguous, and the op's result on it."""
    case = draw_case(data, op, device, dtype or float64_or_skip(device), Sizes(), DENSE)
    with devices.target(device).context():
        result = case.run()
    return case, result


def as_tensors(value) -> list[torch.Tensor]:
    return [torch.from_numpy(np.asarray(v)) for v in (value if isinstance(value, tuple) else (value,))]


@rule("conv-definition", CONV_DOC, CONVS)
@given(data=st.data())
def test_convolution_equals_its_definition(device, op, data):
    """conv1d/2d/3d is the cross-correlation of the definition, out[n, o, i] = bias[o] + sum over the channels c
    of o's group and kernel offsets j of input_pad[n, c, stride i + dilation j] weight[o, c, j] (padding ints,
    "valid" or "same"), computed in numpy float64: equal within float64's tolerance."""
    case, result = drawn(data, op, device)
    arrays, kwargs = case.reference_arguments()
    torch.testing.assert_close(result.cpu(), torch.from_numpy(op.reference(*arrays, **kwargs)),
                               msg=lambda m: f"{op.name} {kwargs} on {[a.shape for a in arrays]}: {m}")


@rule("conv-transpose-adjoint", TRANSPOSE_DOC, TRANSPOSES)
@given(data=st.data())
def test_conv_transpose_is_the_adjoint_of_conv(device, op, data):
    """With the same weight, stride, padding, dilation and groups (and the output_padding that gives back x's
    shape), <conv(x), y> == <x, conv_transpose(y)> in float64: the transposed convolution is the gradient of
    the convolution with respect to its input."""
    d = int(op.name[-2])
    conv = REGISTRY[f"conv{d}d"]
    dtype = float64_or_skip(device)
    target = devices.target(device)
    inputs, kwargs = data.draw(conv_arguments(d, modes=("int",))(Sizes()), label="conv arguments")
    x = draw_tensor(data, dtype, inputs[0], target.device, conv.domain(0), DENSE, "x")
    w = draw_tensor(data, dtype, inputs[1], target.device, conv.domain(1), DENSE, "weight")
    with target.context():
        forward = getattr(torch.nn.functional, f"conv{d}d")(x, w, **kwargs)
        y = draw_tensor(data, dtype, tuple(forward.shape), target.device, conv.domain(0), DENSE, "y")
        stride, padding, dilation = (_per_dim(kwargs[k], d) for k in ("stride", "padding", "dilation"))
        # x's side L comes back as (out - 1) s - 2p + dil (k - 1) + 1 + output_padding
        output_padding = tuple((x.shape[2 + i] + 2 * padding[i] - dilation[i] * (w.shape[2 + i] - 1) - 1) % stride[i]
                               for i in range(d))
        adjoint = getattr(torch.nn.functional, op.name)(y, w, stride=kwargs["stride"], padding=kwargs["padding"],
                                                         output_padding=output_padding, groups=kwargs["groups"],
                                                         dilation=kwargs["dilation"])
    assert adjoint.shape == x.shape, f"{op.name} gave {tuple(adjoint.shape)}, x has {tuple(x.shape)}"
    torch.testing.assert_close((forward * y).sum().cpu(), (x * adjoint).sum().cpu(),
                               msg=lambda m: f"<conv(x), y> != <x, {op.name}(y)> for {kwargs}: {m}")


def _per_dim(value, d):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * d


@rule("max-pool-definition", MAX_POOL_DOC, MAX_POOLS)
@given(data=st.data())
def test_max_pool_equals_its_sliding_window(device, op, data):
    """max_pool1d/2d/3d is the maximum over each window of the input padded with -inf (stride, dilation, and
    with ceil_mode the last partial window, unless it would start in the right padding); return_indices gives
    the maximum's index in the flattened spatial dims of the input.  Distinct values: exact equality."""
    case, result = drawn(data, op, device)
    arrays, kwargs = case.reference_arguments()
    for got, want in zip(flat(result), as_tensors(op.reference(*arrays, **kwargs))):
        assert_equal(got.cpu(), want.to(got.dtype), msg=f"{op.name} {kwargs} on {arrays[0].shape}")


@rule("avg-pool-definition", AVG_POOL_DOC, AVG_POOLS)
@given(data=st.data())
def test_avg_pool_equals_its_sliding_window(device, op, data):
    """avg_pool1d/2d/3d is the sum over each window of the zero-padded input divided by divisor_override, else
    by the window's extent within the padded input (count_include_pad=True: the padding it covers counts, ceil
    mode's overhang past the padding does not), else by the input elements it covers; ceil_mode adds the last
    partial window unless it would start in the right padding.  In float64 numpy."""
    case, result = drawn(data, op, device)
    arrays, kwargs = case.reference_arguments()
    torch.testing.assert_close(result.cpu(), torch.from_numpy(op.reference(*arrays, **kwargs)),
                               msg=lambda m: f"{op.name} {kwargs} on {arrays[0].shape}: {m}")


@rule("pad-modes", PAD_DOC, PADS)
@given(data=st.data())
def test_padding_modes_equal_numpy_pad(device, op, data):
    """F.pad's modes are numpy.pad's: constant (with ``value``), reflect (the edge not repeated), replicate
    (numpy's "edge") and circular (numpy's "wrap"), for 1-3 padded dims: equal bitwise."""
    dtype = data.draw(st.sampled_from(op.dtypes(devices.target(device).device, ("float", "int"))), label="dtype")
    case, result = drawn(data, op, device, dtype)
    arrays, kwargs = case.reference_arguments()
    want = torch.from_numpy(op.reference(*arrays, **kwargs)).to(result.dtype)
    assert_equal(result.cpu(), want, msg=f"{op.name} {kwargs} on {arrays[0].shape}")


@rule("nearest-index-rule", NEAREST_DOC, NEAREST)
@given(data=st.data())
def test_nearest_interpolation_follows_its_index_rule(device, op, data):
    """Result index i reads input index floor(i * scale) ("nearest", OpenCV's INTER_NEAREST) or
    floor((i + 1/2) * scale) ("nearest-exact", scikit-image/PIL), at most size - 1, per dim; scale is
    input / output size, or 1 / scale_factor where scale_factor is given and not recomputed."""
    case, result = drawn(data, op, device)
    arrays, kwargs = case.reference_arguments()
    want = torch.from_numpy(op.reference(*arrays, **kwargs)).to(result.dtype)
    assert_equal(result.cpu(), want, msg=f"{op.name} {kwargs} on {arrays[0].shape}")


def overlap_count(lengths, kernel_size, dilation=1, padding=0, stride=1) -> np.ndarray:
    """How many blocks read each image position (numpy, from the block positions' definition)."""
    count = np.zeros(lengths)
    for _, _, at in _patch_positions(lengths, kernel_size, dilation, padding, stride):
        if at is not None:
            count[at] += 1
    return count


@rule("fold-unfold", FOLD_DOC, select(names=("fold",)))
@given(data=st.data())
def test_fold_of_unfold_is_input_times_overlap_count(device, op, data):
    """fold(unfold(x)) == divisor * x, where divisor[p] counts the blocks that cover position p (0 for positions
    no block reaches), for every kernel size, dilation, padding and stride."""
    dtype = float64_or_skip(device)
    target = devices.target(device)
    unfold = REGISTRY["unfold"]
    case = draw_case(data, unfold, device, dtype, Sizes(), DENSE)
    x = case.arguments()[0][0]
    kwargs = case.kwargs
    lengths = tuple(x.shape[-2:])
    with target.context():
        got = torch.nn.functional.fold(torch.nn.functional.unfold(x, **kwargs), output_size=lengths, **kwargs)
    want = x.cpu() * torch.from_numpy(overlap_count(lengths, **kwargs))
    torch.testing.assert_close(got.cpu(), want, msg=lambda m: f"fold(unfold(x)) for {kwargs} on {tuple(x.shape)}: {m}")

