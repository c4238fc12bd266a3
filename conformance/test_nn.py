"""Op-specific rules of the neural-network ops (``conformance/ops/nn.py``).

The universal invariants (``test_ops.py``, ``test_autograd.py``) check routes, layouts, meta, vmap and
gradients of every nn entry; here each test checks one rule the documentation states for one op: softmax is
a probability distribution along its dim, log_softmax is ``x - logsumexp(x)``, cross_entropy is nll_loss of
log_softmax and the numpy definition, layer_norm standardizes each normalized slice, batch_norm's running
statistics follow the momentum rule with the unbiased variance, embedding's padding row gets no gradient,
and embedding_bag(mode="sum") sums the rows of each bag.  Expected values come from numpy (float64) or from
the rule's own definition, never from the op under test.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices
from conformance.ops import Sizes, doc
from conformance.ops.nn import (_np_cross_entropy, _np_embedding_bag, _np_layer_norm, _np_log_softmax)
from conformance.ops_helpers import wide_numpy
from strategies import WRITABLE_LAYOUTS, supported, tensors

FAMILY = "nn"
invariant = functools.partial(pytest.mark.invariant, FAMILY)

SOFTMAX_DOC = doc("torch.nn.functional.softmax")
LOG_SOFTMAX_DOC = doc("torch.nn.functional.log_softmax")
CROSS_ENTROPY_DOC = doc("torch.nn.CrossEntropyLoss")
LAYER_NORM_DOC = doc("torch.nn.LayerNorm")
BATCH_NORM_DOC = doc("torch.nn.BatchNorm1d")
EMBEDDING_DOC = doc("torch.nn.functional.embedding")
EMBEDDING_BAG_DOC = doc("torch.nn.functional.embedding_bag")

F = torch.nn.functional
SHAPE = Sizes(max_numel=32).shape(min_dims=1, max_dims=3, zero_size=False)
PRECISE = (torch.float32, torch.float64)  # compared with float64 numpy within the dtype's tolerance


def _dtype(data, device, choices=PRECISE):
    found = [d for d in choices if d in supported(devices.target(device).device, ("float",))]
    if not found:
        pytest.skip(f"{devices.target(device).name} has none of {choices}")
    return data.draw(st.sampled_from(found), label="dtype")


def _tensor(data, device, dtype, shape, label, low=-5.0, high=5.0, **kwargs):
    return data.draw(tensors(dtype, tuple(shape), devices.target(device).device, low=low, high=high, **kwargs),
                     label=label)


def _close(got: torch.Tensor, want: np.ndarray, what: str) -> None:
    """``got`` within its dtype's default ``assert_close`` tolerance of ``want`` (float64, rounded to that dtype)."""
    torch.testing.assert_close(got.detach().cpu(), torch.from_numpy(np.asarray(want, dtype=np.float64)).to(got.dtype),
                               msg=lambda m: f"{what}: {m}")


def _dim(data, ndim: int) -> int:
    return data.draw(st.integers(-ndim, ndim - 1), label="dim")


# ---------------------------------------------------------------------------
# softmax family
# ---------------------------------------------------------------------------

@invariant("softmax-distribution", source=SOFTMAX_DOC)
@given(data=st.data())
def test_softmax_is_a_distribution_along_dim(device, data):
    """"Softmax is defined as exp(x_i) / sum_j exp(x_j) ... the elements of the n-dimensional output Tensor lie
    in the range [0,1] and sum to 1" along ``dim``: every element positive (inputs in [-10, 10]: no underflow)
    and each slice's float64 sum within the dtype's tolerance of 1."""
    dtype = _dtype(data, device)
    shape = data.draw(SHAPE, label="shape")
    x = _tensor(data, device, dtype, shape, "input", -10.0, 10.0)
    dim = _dim(data, len(shape))
    y = F.softmax(x, dim=dim)
    assert bool((y > 0).all()), f"softmax has elements <= 0 along dim {dim}: {y.flatten()[:8].tolist()}"
    sums = wide_numpy(y).sum(axis=dim)
    _close(torch.as_tensor(np.asarray(sums)).to(dtype), np.ones_like(sums), f"softmax's sums along dim {dim}")


@invariant("log-softmax-definition", source=LOG_SOFTMAX_DOC)
@given(data=st.data())
def test_log_softmax_is_input_minus_logsumexp(device, data):
    """log_softmax is "log(softmax(x))": ``x - log(sum(exp(x)))`` along ``dim``, evaluated by numpy in float64."""
    dtype = _dtype(data, device)
    shape = data.draw(SHAPE, label="shape")
    x = _tensor(data, device, dtype, shape, "input")
    dim = _dim(data, len(shape))
    _close(F.log_softmax(x, dim=dim), _np_log_softmax(wide_numpy(x), dim), f"log_softmax along dim {dim} vs numpy")


# ---------------------------------------------------------------------------
# cross_entropy
# ---------------------------------------------------------------------------

@st.composite
def _scores_and_classes(draw, device, dtype):
    """Scores (N, C) or (N, C, d) and class indices in [0, C)."""
    n, c, d = draw(st.integers(1, 4), label="N"), draw(st.integers(1, 4), label="C"), draw(st.integers(1, 3))
    spatial = draw(st.booleans(), label="spatial")
    x_shape, t_shape = ((n, c, d), (n, d)) if spatial else ((n, c), (n,))
    target = devices.target(device).device
    x = draw(tensors(dtype, x_shape, target, low=-5.0, high=5.0), label="input")
    t = draw(tensors(torch.int64, t_shape, target, low=0, high=c - 1), label="target")
    return x, t


REDUCTIONS = st.sampled_from(["none", "mean", "sum"])


@invariant("cross-entropy-composition", source=CROSS_ENTROPY_DOC)
@given(data=st.data())
def test_cross_entropy_is_nll_loss_of_log_softmax(device, data):
    """"This criterion computes the cross entropy loss between input logits and target"; with class indices
    and no label smoothing it is ``nll_loss(log_softmax(input, 1), target)``, for each reduction."""
    dtype = _dtype(data, device)
    x, t = data.draw(_scores_and_classes(device, dtype), label="arguments")
    reduction = data.draw(REDUCTIONS, label="reduction")
    got = F.cross_entropy(x, t, reduction=reduction)
    want = F.nll_loss(F.log_softmax(x, dim=1), t, reduction=reduction)
    torch.testing.assert_close(got, want, msg=lambda m: f"cross_entropy vs nll_loss(log_softmax) ({reduction}): {m}")


@invariant("cross-entropy-definition", source=CROSS_ENTROPY_DOC)
@given(data=st.data())
def test_cross_entropy_matches_its_definition(device, data):
    """The documented formula with class indices: ``l_n = -log(exp(x_{n,y_n}) / sum_c exp(x_{n,c}))``, with
    label smoothing ``(1 - s) l_n + s * mean_c(-log softmax(x_n)_c)``; "mean" divides by N (no weights, no
    ignored index), "sum" adds -- numpy in float64."""
    dtype = _dtype(data, device)
    x, t = data.draw(_scores_and_classes(device, dtype), label="arguments")
    reduction = data.draw(REDUCTIONS, label="reduction")
    smoothing = data.draw(st.sampled_from([0.0, 0.25]), label="label_smoothing")
    got = F.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing)
    want = _np_cross_entropy(wide_numpy(x), wide_numpy(t), reduction=reduction, label_smoothing=smoothing)
    _close(got, want, f"cross_entropy ({reduction}, label_smoothing={smoothing}) vs numpy")


# ---------------------------------------------------------------------------
# layer_norm
# ---------------------------------------------------------------------------

@st.composite
def _normalized(draw, device, dtype):
    shape = draw(SHAPE, label="shape")
    k = draw(st.integers(1, len(shape)), label="normalized dims")
    normalized = tuple(shape[len(shape) - k:])
    x = draw(tensors(dtype, shape, devices.target(device).device, low=-5.0, high=5.0, unique=True), label="input")
    return x, normalized


@invariant("layer-norm-standardizes", source=LAYER_NORM_DOC)
@given(data=st.data())
def test_layer_norm_standardizes_each_slice(device, data):
    """"The mean and standard-deviation are calculated over the last D dimensions ... The variance is calculated
    via the biased estimator": without weight and bias, each normalized slice of the output has mean 0 and
    biased variance ``v / (v + eps)`` (v the input slice's biased variance), in float64."""
    x, normalized = data.draw(_normalized(device, torch.float64), label="arguments")
    eps = 1e-5
    y = wide_numpy(F.layer_norm(x, normalized, eps=eps))
    a = wide_numpy(x)
    axes = tuple(range(a.ndim - len(normalized), a.ndim))
    v = a.var(axis=axes)
    _close(torch.as_tensor(np.asarray(y.mean(axis=axes))), np.zeros_like(v), "layer_norm's slice means")
    _close(torch.as_tensor(np.asarray(y.var(axis=axes))), v / (v + eps), "layer_norm's slice variances")


@invariant("layer-norm-definition", source=LAYER_NORM_DOC)
@given(data=st.data())
def test_layer_norm_matches_its_definition(device, data):
    """``y = (x - E[x]) / sqrt(Var[x] + eps) * gamma + beta`` over the normalized shape -- numpy in float64."""
    dtype = _dtype(data, device)
    x, normalized = data.draw(_normalized(device, dtype), label="arguments")
    weight = _tensor(data, device, dtype, normalized, "weight")
    bias = _tensor(data, device, dtype, normalized, "bias")
    got = F.layer_norm(x, normalized, weight, bias)
    want = _np_layer_norm(wide_numpy(x), wide_numpy(weight), wide_numpy(bias), normalized_shape=normalized)
    _close(got, want, f"layer_norm over {normalized} vs numpy")


# ---------------------------------------------------------------------------
# batch_norm's running statistics
# ---------------------------------------------------------------------------

@invariant("batch-norm-running-stats", source=BATCH_NORM_DOC)
@given(data=st.data())
def test_batch_norm_updates_running_stats_by_momentum(device, data):
    """In training, "the running estimates are kept with a default momentum of 0.1 ... x_new = (1 - momentum)
    x_hat + momentum x_t", and "the running estimates ... [use] the unbiased estimator" of the variance: over
    N and the spatial dims, per channel -- numpy in float64."""
    dtype = _dtype(data, device)
    n, c = data.draw(st.integers(2, 4), label="N"), data.draw(st.integers(1, 3), label="C")
    spatial = data.draw(st.lists(st.integers(1, 3), max_size=2), label="spatial")
    x = _tensor(data, device, dtype, (n, c, *spatial), "input", unique=True)
    # running statistics are written in place: no layout whose elements share memory
    mean = _tensor(data, device, dtype, (c,), "running_mean", -1.0, 1.0, layouts=WRITABLE_LAYOUTS)
    var = _tensor(data, device, dtype, (c,), "running_var", 0.5, 2.0, layouts=WRITABLE_LAYOUTS)
    momentum = data.draw(st.sampled_from([0.1, 0.5, 0.9]), label="momentum")
    before_mean, before_var, a = wide_numpy(mean), wide_numpy(var), wide_numpy(x)
    F.batch_norm(x, mean, var, training=True, momentum=momentum)
    axes = (0, *range(2, a.ndim))
    _close(mean, (1 - momentum) * before_mean + momentum * a.mean(axis=axes), "running_mean")
    _close(var, (1 - momentum) * before_var + momentum * a.var(axis=axes, ddof=1), "running_var")


# ---------------------------------------------------------------------------
# embedding and embedding_bag
# ---------------------------------------------------------------------------

@invariant("embedding-padding-no-gradient", source=EMBEDDING_DOC)
@given(data=st.data())
def test_embedding_padding_row_gets_no_gradient(device, data):
    """"padding_idx: If specified, the entries at padding_idx do not contribute to the gradient": the padding
    row's gradient is zero however often the indices name it (they always do here); every other row gets the
    sum of its grad_output rows (numpy)."""
    dtype = _dtype(data, device)
    rows, dim = data.draw(st.integers(2, 5), label="rows"), data.draw(st.integers(1, 3), label="dim")
    padding = data.draw(st.integers(-rows, rows - 1), label="padding_idx")
    count = data.draw(st.integers(1, 6), label="indices")
    target = devices.target(device).device
    idx = data.draw(tensors(torch.int64, (count,), target, low=0, high=rows - 1), label="indices")
    idx[0] = padding % rows
    weight = _tensor(data, device, dtype, (rows, dim), "weight").requires_grad_()
    grad_out = _tensor(data, device, dtype, (count, dim), "grad_output")
    (grad,) = torch.autograd.grad(F.embedding(idx, weight, padding_idx=padding), weight, grad_out)
    want = np.zeros((rows, dim))
    np.add.at(want, wide_numpy(idx), wide_numpy(grad_out))
    want[padding % rows] = 0
    _close(grad, want, f"embedding's weight gradient (padding_idx={padding})")


@invariant("embedding-bag-sum", source=EMBEDDING_BAG_DOC)
@given(data=st.data())
def test_embedding_bag_sum_adds_the_rows_of_each_bag(device, data):
    """mode="sum" "is equivalent to Embedding followed by torch.sum(dim=1)": each bag (a row of a 2-D input,
    or the indices from one offset to the next) is the sum of its weight rows; an empty bag is zeros -- numpy."""
    dtype = _dtype(data, device)
    rows, dim = data.draw(st.integers(1, 5), label="rows"), data.draw(st.integers(1, 3), label="dim")
    weight = _tensor(data, device, dtype, (rows, dim), "weight")
    target = devices.target(device).device
    if data.draw(st.booleans(), label="offsets"):
        count = data.draw(st.integers(0, 6), label="indices")
        idx = data.draw(tensors(torch.int64, (count,), target, low=0, high=rows - 1), label="indices")
        offsets = (0, *sorted(data.draw(st.lists(st.integers(0, count), max_size=3), label="bag starts")))
        got = F.embedding_bag(idx, weight, torch.tensor(offsets, device=target), mode="sum")
    else:
        shape = (data.draw(st.integers(1, 3), label="bags"), data.draw(st.integers(1, 3), label="per bag"))
        idx = data.draw(tensors(torch.int64, shape, target, low=0, high=rows - 1), label="indices")
        offsets = None
        got = F.embedding_bag(idx, weight, mode="sum")
    want = _np_embedding_bag(wide_numpy(weight), wide_numpy(idx), offsets, mode="sum")
    _close(got, want, "embedding_bag(mode='sum') vs numpy")
