"""torch.nn.functional's own documented rules:

* softmax along ``dim`` sums to one (log_softmax: its exponential does);
* pooling with ``ceil_mode=True`` keeps a last, partial window that starts inside the input or its
  left padding, and averages it over the documented divisor (numpy, window by window);
* ``embedding``'s ``padding_idx`` row "does not contribute to the gradient";
* a convolution whose weight does not match the input's channels raises and leaves its operands.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import devices
from conformance.ops import Domain
from conformance.ops.nn import _pool_out, _pool_ref
from conformance.ops_helpers import draw_tensor
from conformance.oracles import assert_equal, to_numpy
from strategies import LAYOUTS, supported

FAMILY = "nn"
DOCS = "https://pytorch.org/docs/stable/generated/torch.nn.functional."

FLOATS = (torch.float32, torch.float64)


def _dtype(data, device, dtypes=FLOATS):
    return data.draw(st.sampled_from([d for d in dtypes if d in supported(devices.target(device).device)]),
                     label="dtype")


@pytest.mark.invariant(FAMILY, "softmax-sums-to-one", source=DOCS + "softmax.html ; " + DOCS + "log_softmax.html")
@pytest.mark.parametrize("which", ["softmax", "log_softmax"])
@given(data=st.data())
def test_softmax_along_dim_sums_to_one(device, which, data):
    """"elements in the n-dimensional output Tensor lie in the range [0,1] and sum to 1" along ``dim``
    (exp of log_softmax likewise), within the dtype's tolerance."""
    target = devices.target(device)
    dtype = _dtype(data, device)
    shape = tuple(data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=3), label="shape"))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    x = draw_tensor(data, dtype, shape, target.device, Domain(-20.0, 20.0), LAYOUTS, "x")
    with target.context():
        out = getattr(torch.nn.functional, which)(x, dim)
    p = out.exp() if which == "log_softmax" else out
    assert ((p >= 0) & (p <= 1)).all(), "a probability outside [0, 1]"
    torch.testing.assert_close(p.sum(dim), torch.ones_like(p.sum(dim)), msg=lambda m: f"{which} sum: {m}")


@pytest.mark.invariant(FAMILY, "pool-ceil-mode", source=DOCS + "avg_pool2d.html ; " + DOCS + "max_pool2d.html")
@pytest.mark.parametrize("pool", ["avg_pool2d", "max_pool2d"])
@given(data=st.data())
def test_ceil_mode_keeps_the_last_partial_window(device, pool, data):
    """With ``ceil_mode=True`` the output side is ceil((L + 2p - d(k - 1) - 1) / s) + 1, less one when
    that last window would start in the right padding; every window, the partial last one included,
    equals its numpy value (avg: over the documented divisor)."""
    target = devices.target(device)
    dtype = _dtype(data, device)
    kernel = tuple(data.draw(st.integers(2, 3), label="kernel") for _ in range(2))
    stride = tuple(data.draw(st.integers(2, 3), label="stride") for _ in range(2))
    padding = tuple(data.draw(st.integers(0, k // 2), label="padding") for k in kernel)
    shape = (data.draw(st.integers(1, 2), label="channels"),) + tuple(
        data.draw(st.integers(k, 7), label="side") for k in kernel)
    kwargs = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=True)
    if pool == "avg_pool2d":
        kwargs["count_include_pad"] = data.draw(st.booleans(), label="count_include_pad")
    x = draw_tensor(data, dtype, shape, target.device, Domain(-2.0, 2.0, grid=0.5, unique=pool == "max_pool2d"),
                    LAYOUTS, "x")
    with target.context():
        out = getattr(torch.nn.functional, pool)(x, **kwargs)
    sides = tuple(_pool_out(shape[1 + i], kernel[i], stride[i], padding[i], 1, True) for i in range(2))
    assert tuple(out.shape[-2:]) == sides, f"output sides {tuple(out.shape[-2:])}, documented {sides}"
    want = _pool_ref("avg" if pool == "avg_pool2d" else "max")(to_numpy(x).astype(np.float64), **kwargs)
    torch.testing.assert_close(out.cpu(), torch.from_numpy(want).to(dtype))


@pytest.mark.invariant(FAMILY, "embedding-padding-idx", source=DOCS + "embedding.html")
@given(data=st.data())
def test_padding_row_gets_no_gradient(device, data):
    """"the entries at padding_idx do not contribute to the gradient": after backward, the padding
    row's gradient is zero and every other row's is the sum of the output gradients of its lookups."""
    target = devices.target(device)
    dtype = _dtype(data, device)
    vocab, width = data.draw(st.integers(2, 5), label="vocabulary"), data.draw(st.integers(1, 3), label="width")
    padding = data.draw(st.integers(0, vocab - 1), label="padding_idx")
    count = data.draw(st.integers(1, 6), label="lookups")
    rest = data.draw(st.lists(st.integers(0, vocab - 1), min_size=count - 1, max_size=count - 1), label="indices")
    indices = torch.tensor([padding] + rest, device=target.device)
    weight = draw_tensor(data, dtype, (vocab, width), target.device, Domain(-2.0, 2.0), LAYOUTS, "weight")
    leaf = weight.detach().requires_grad_()
    grad_out = draw_tensor(data, dtype, (count, width), target.device, Domain(-2.0, 2.0), LAYOUTS, "grad_output")
    with target.context():
        out = torch.nn.functional.embedding(indices, leaf, padding_idx=padding)
        out.backward(grad_out)
    expected = np.zeros((vocab, width))
    np.add.at(expected, to_numpy(indices), to_numpy(grad_out).astype(np.float64))
    expected[padding] = 0
    assert_equal(leaf.grad[padding], torch.zeros_like(leaf.grad[padding]), msg="the padding row received gradient")
    torch.testing.assert_close(leaf.grad.cpu(), torch.from_numpy(expected).to(dtype))


@pytest.mark.invariant(FAMILY, "conv-mismatch-raises", source=DOCS + "conv2d.html")
@given(data=st.data())
def test_convolution_of_mismatched_channels_raises_and_leaves_operands(device, data):
    """A weight whose in-channels (times groups) differ from the input's raises RuntimeError, and
    neither input nor weight changes."""
    target = devices.target(device)
    dtype = _dtype(data, device)
    cin = data.draw(st.integers(1, 3), label="input channels")
    wrong = data.draw(st.integers(1, 4).filter(lambda c: c != cin), label="weight channels")
    x = draw_tensor(data, dtype, (1, cin, 4, 4), target.device, Domain(), LAYOUTS, "x")
    w = draw_tensor(data, dtype, (2, wrong, 2, 2), target.device, Domain(), LAYOUTS, "weight")
    before = (x.clone(), w.clone())
    with target.context():
        with pytest.raises(RuntimeError):
            torch.nn.functional.conv2d(x, w)
    assert_equal(x, before[0], msg="the input changed")
    assert_equal(w, before[1], msg="the weight changed")
