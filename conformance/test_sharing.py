"""Memory sharing and the numpy bridge: who shares storage with whom, version counters, dtype round trips.

The sharing matrix (``conformance/sharing.py``) is checked three ways per row: a write through the
source is seen through the result exactly when they share memory, a write through the result is seen
through the source likewise, and the memory itself (storage pointers, ``np.shares_memory``) agrees.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance import sharing
from conformance.oracles import assert_equal, same_storage, to_numpy
from conformance.params import over
from conformance.sharing import DTYPES, MATRIX, SHARES, TORCH_DTYPE, crosses_device
from strategies import ALL_KINDS, dtypes, shapes, supported, tensors

invariant = functools.partial(pytest.mark.invariant, "sharing")

DOCS = sharing.DOCS
TENSOR_NUMPY_SRC = "https://github.com/pytorch/pytorch/blob/main/torch/csrc/utils/tensor_numpy.cpp"
INCREMENT_VERSION_DOC = DOCS + "generated/torch.autograd.graph.increment_version.html"
RESOLVE_NEG_DOC = DOCS + "generated/torch.resolve_neg.html"
SEED_NUMPY_REQUIRES_GRAD = "seed 000 (numpy() of a tensor that requires grad) and seed 002 (use detach().numpy())"
SEED_DETACH_INPLACE = "seed 004 (zero_() on a detached output breaks the original backward)"

# Constructors that share a numpy array's memory (looked up at call time, so faults can be planted).
NUMPY_CONSTRUCTORS = {
    "from_numpy": lambda a: torch.from_numpy(a),
    "as_tensor": lambda a: torch.as_tensor(a),
}
DTYPE_NAMES = [np_dtype.name for np_dtype, _ in DTYPES]
NUMPY_DTYPE = {np_dtype.name: np_dtype for np_dtype, _ in DTYPES}


HOST_ONLY = "host-only numpy conversion: checked under device=cpu"


@pytest.fixture
def host_only(device):
    """Numpy arrays live in host memory: a host-only check runs under device=cpu and is skipped elsewhere."""
    if crosses_device(device):
        pytest.skip(HOST_ONLY)


@pytest.fixture
def host_only_row(op, device):
    """Skip a host-only row of the matrix off the CPU."""
    if op.host_only and crosses_device(device):
        pytest.skip(HOST_ONLY)


# ---------------------------------------------------------------------------
# Sources: strided tensors and numpy arrays with non-standard strides
# ---------------------------------------------------------------------------

def _elements(dtype: np.dtype) -> st.SearchStrategy:
    """Finite values that stay distinct from themselves plus one (see :func:`_poke`)."""
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        return st.integers(0 if dtype.kind == "u" else -100, 100)
    if dtype.kind == "f":
        return hnp.from_dtype(dtype, min_value=-10, max_value=10, allow_nan=False, allow_infinity=False)
    return hnp.from_dtype(dtype, allow_nan=False, allow_infinity=False, max_magnitude=10)


@st.composite
def arrays(draw, dtype=None, shape=None):
    """A numpy array with non-standard strides: an offset, stepped and transposed view of a larger C-ordered array."""
    dtype = draw(st.sampled_from([np_dtype for np_dtype, _ in DTYPES]), label="dtype") if dtype is None else dtype
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4), label="shape") \
        if shape is None else shape
    starts = [draw(st.integers(0, 2), label="start") for _ in shape]
    steps = [draw(st.integers(1, 3), label="step") for _ in shape]
    index = tuple(slice(start, start + (size - 1) * step + 1, step) for start, step, size in zip(starts, steps, shape))
    base = draw(hnp.arrays(dtype, tuple(part.stop for part in index), elements=_elements(dtype)), label="base")
    axes = draw(st.permutations(range(len(shape))), label="axes")
    return base[index].transpose(axes)


def _numpy_dtypes(device: str, kinds=ALL_KINDS) -> st.SearchStrategy[torch.dtype]:
    """The dtypes of ``kinds`` that ``device`` holds and numpy has (all but bfloat16)."""
    return st.sampled_from([d for d in supported(device, kinds) if d != torch.bfloat16])


def _source(data, op: sharing.Conversion, device: str):
    """A source for a matrix row: a numpy array, or a strided tensor on the device under test (or the CPU)."""
    if op.source == "ndarray":
        return data.draw(arrays(), label="source")
    kinds = ("float", "complex") if op.requires_grad else ALL_KINDS
    dtype = _numpy_dtypes(device, kinds) if op.numpy else dtypes(device, kinds)
    return data.draw(tensors(dtype=dtype, shape=shapes(min_dims=1, zero_size=False),
                             device=device if op.source == "tensor" else "cpu", requires_grad=op.requires_grad),
                     label="source")


def _index(data, x, label: str) -> tuple:
    return data.draw(st.tuples(*(st.integers(0, size - 1) for size in x.shape)), label=label)


# ---------------------------------------------------------------------------
# Observing memory: values, single-element writes, and the memory itself
# ---------------------------------------------------------------------------

def _values(x) -> np.ndarray:
    """A copy of the values of a tensor or array."""
    return np.array(to_numpy(x) if isinstance(x, torch.Tensor) else x, copy=True)


def _assert_values(actual, expected: np.ndarray) -> None:
    np.testing.assert_array_equal(_values(actual), expected, strict=True)


def _poke(x, index: tuple) -> None:
    """Change one element of a tensor or array in place: a bool is negated, a number gets 1 added."""
    old = x[index].item()
    new = (not old) if isinstance(old, bool) else old + 1
    if isinstance(x, torch.Tensor):
        with torch.no_grad():
            x[index] = new
    else:
        x[index] = new


def _host_memory(x) -> np.ndarray:
    """A CPU tensor's memory as a numpy array through DLPack (independent of ``Tensor.numpy``)."""
    if isinstance(x, np.ndarray):
        return x
    x = x.detach()
    return np.from_dlpack(x.view(torch.uint8) if x.dtype == torch.bool else x)


def _memory_shared(a, b) -> bool:
    """Whether two tensors or arrays overlap in memory: one storage, or overlapping host bytes."""
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.device == b.device and same_storage(a, b)
    tensor_devices = {x.device.type for x in (a, b) if isinstance(x, torch.Tensor)}
    return tensor_devices == {"cpu"} and np.shares_memory(_host_memory(a), _host_memory(b))


@contextmanager
def warn_always():
    """Emit PyTorch's once-per-process warnings every time (``torch.set_warn_always``)."""
    previous = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        yield
    finally:
        torch.set_warn_always(previous)


# ---------------------------------------------------------------------------
# The sharing matrix
# ---------------------------------------------------------------------------

def over_matrix(invariant_id: str):
    """Parametrize a test over the matrix as ``op``; each row's test cites the row's documentation."""
    parametrize = over("sharing", invariant_id, MATRIX, source=lambda row: row.source_note)
    return lambda test: parametrize(pytest.mark.usefixtures("host_only_row")(test))


def _matrix_case(data, op, device):
    src = _source(data, op, device)
    return src, op.make(src, device), SHARES[op.shares](src, device)


@over_matrix("write-source-read-result")
@given(data=st.data())
def test_write_through_source_is_seen_through_result_iff_shared(device, op, data):
    """Change one source element: a sharing result equals the conversion of the changed source, a copy is unchanged."""
    src, res, shares = _matrix_case(data, op, device)
    before = _values(res)
    _poke(src, _index(data, src, "source index"))
    _assert_values(res, _values(op.make(src, device)) if shares else before)


@over_matrix("write-result-read-source")
@given(data=st.data())
def test_write_through_result_is_seen_through_source_iff_shared(device, op, data):
    """Change one result element: a sharing source now converts to the changed result, a copied source is unchanged."""
    src, res, shares = _matrix_case(data, op, device)
    before = _values(src)
    _poke(res, _index(data, res, "result index"))
    if shares:
        _assert_values(res, _values(op.make(src, device)))
    else:
        _assert_values(src, before)


@over_matrix("memory-overlap")
@given(data=st.data())
def test_memory_overlap_matches_the_matrix(device, op, data):
    """Storage pointers (tensor and tensor) or ``np.shares_memory`` (tensor and array) agree with the matrix."""
    src, res, shares = _matrix_case(data, op, device)
    assert _memory_shared(src, res) == shares


# ---------------------------------------------------------------------------
# numpy edge cases
# ---------------------------------------------------------------------------

@st.composite
def _flipped(draw):
    """A numpy array with a negative stride: one dim of a drawn array reversed."""
    a = draw(arrays(), label="array")
    dim = draw(st.integers(0, a.ndim - 1), label="reversed dim")
    return a[tuple(slice(None, None, -1) if d == dim else slice(None) for d in range(a.ndim))]


@invariant("negative-strides-raise", source=TENSOR_NUMPY_SRC)
@pytest.mark.usefixtures("host_only")
@pytest.mark.parametrize("op", sorted(NUMPY_CONSTRUCTORS))
@given(data=st.data())
def test_negative_strides_raise_value_error(device, op, data):
    """Tensors have no negative strides, so a reversed array is refused rather than copied."""
    a = data.draw(_flipped(), label="a")
    with pytest.raises(ValueError, match="negative"):
        NUMPY_CONSTRUCTORS[op](a)


@invariant("non-writable-warns", source=sharing.FROM_NUMPY_DOC)
@pytest.mark.usefixtures("host_only")
@pytest.mark.parametrize("op", sorted(NUMPY_CONSTRUCTORS))
@given(data=st.data())
def test_non_writable_array_warns(device, op, data):
    """Writing to a tensor made from a read-only array is undefined behaviour: sharing it warns."""
    a = data.draw(arrays(), label="a")
    a.flags.writeable = False
    with warn_always(), pytest.warns(UserWarning, match="not writable"):
        NUMPY_CONSTRUCTORS[op](a)


@invariant("non-native-byte-order-raises", source=TENSOR_NUMPY_SRC)
@pytest.mark.usefixtures("host_only")
@pytest.mark.parametrize("op", sorted(NUMPY_CONSTRUCTORS))
@given(data=st.data())
def test_non_native_byte_order_raises_value_error(device, op, data):
    """Tensors hold native-order values only, so a byte-swapped array cannot be shared and is refused."""
    dtype = data.draw(st.sampled_from([d for d, _ in DTYPES if d.itemsize > 1]), label="dtype")
    a = data.draw(arrays(dtype=dtype.newbyteorder("S")), label="a")
    with pytest.raises(ValueError, match="byte order"):
        NUMPY_CONSTRUCTORS[op](a)


@invariant("zero-size-round-trip", source=sharing.FROM_NUMPY_DOC)
@pytest.mark.usefixtures("host_only")
@given(data=st.data())
def test_zero_size_array_round_trips_shape_and_dtype(device, data):
    """An array without elements converts both ways with its shape and dtype."""
    np_dtype, dtype = data.draw(st.sampled_from(DTYPES), label="dtypes")
    shape = list(data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4), label="shape"))
    shape[data.draw(st.integers(0, len(shape) - 1), label="zero dim")] = 0
    t = torch.from_numpy(np.empty(shape, np_dtype))
    back = t.numpy()
    assert (tuple(t.shape), t.dtype, back.shape, back.dtype) == (tuple(shape), dtype, tuple(shape), np_dtype)


@invariant("zero-dim-shares", source=sharing.FROM_NUMPY_DOC)
@pytest.mark.usefixtures("host_only")
@given(data=st.data())
def test_zero_dim_array_and_tensor_share_memory(device, data):
    """A 0-d array becomes a 0-d tensor over the same memory, and ``numpy()`` gives it back as a 0-d array."""
    np_dtype = data.draw(st.sampled_from([d for d, _ in DTYPES]), label="dtype")
    a = np.array(data.draw(_elements(np_dtype), label="value"), dtype=np_dtype)
    t = torch.from_numpy(a)
    back = t.numpy()
    assert t.dim() == 0 and isinstance(back, np.ndarray) and back.ndim == 0
    _poke(t, ())
    _assert_values(a, _values(t))
    _poke(back, ())
    _assert_values(t, _values(a))


@invariant("from-numpy-rejects-scalars", source=sharing.FROM_NUMPY_DOC)
@pytest.mark.usefixtures("host_only")
@pytest.mark.parametrize("op", DTYPE_NAMES)
@given(data=st.data())
def test_from_numpy_rejects_numpy_scalars(device, op, data):
    """``from_numpy`` takes an ``ndarray``; a numpy scalar has no array memory to share."""
    np_dtype = NUMPY_DTYPE[op]
    scalar = np_dtype.type(data.draw(_elements(np_dtype), label="value"))
    with pytest.raises(TypeError, match="expected np.ndarray"):
        torch.from_numpy(scalar)


@invariant("as-tensor-numpy-scalar", source=sharing.AS_TENSOR_DOC)
@pytest.mark.usefixtures("host_only")
@pytest.mark.parametrize("op", DTYPE_NAMES)
@given(data=st.data())
def test_as_tensor_of_numpy_scalar_is_zero_dim_of_its_dtype(device, op, data):
    """``as_tensor`` takes scalars and infers the dtype from the data: a numpy scalar keeps its own dtype."""
    np_dtype = NUMPY_DTYPE[op]
    scalar = np_dtype.type(data.draw(_elements(np_dtype), label="value"))
    t = torch.as_tensor(scalar)
    assert (t.dim(), t.dtype) == (0, TORCH_DTYPE[np_dtype])
    _assert_values(t, np.array(scalar))


# ---------------------------------------------------------------------------
# dtype round trips
# ---------------------------------------------------------------------------

@invariant("dtype-round-trip", source=sharing.FROM_NUMPY_DOC)
@pytest.mark.usefixtures("host_only")
@pytest.mark.parametrize("op", DTYPE_NAMES)
@given(data=st.data())
def test_numpy_torch_numpy_round_trip_is_the_same_array(device, op, data):
    """numpy -> ``from_numpy`` -> ``numpy()`` maps the dtype both ways and gives back the same memory and strides."""
    a = data.draw(arrays(dtype=NUMPY_DTYPE[op]), label="a")
    t = torch.from_numpy(a)
    back = t.numpy()
    assert t.dtype == TORCH_DTYPE[a.dtype]
    assert (back.dtype, back.shape, back.strides, back.ctypes.data) == (a.dtype, a.shape, a.strides, a.ctypes.data)
    np.testing.assert_array_equal(back, a, strict=True)


@invariant("numpy-bfloat16-raises", source=sharing.NUMPY_DOC)
@pytest.mark.usefixtures("host_only")
@given(data=st.data())
def test_numpy_of_bfloat16_raises_type_error(device, data):
    """numpy has no bfloat16: "a dtype ... that NumPy supports" is required."""
    t = data.draw(tensors(dtype=torch.bfloat16), label="t")
    with pytest.raises(TypeError, match="BFloat16"):
        t.numpy()


# ---------------------------------------------------------------------------
# Version counters
# ---------------------------------------------------------------------------

def _leaf(data, device):
    return data.draw(tensors(dtype=dtypes(device, ("float",)), device=device,
                             requires_grad=True), label="x")


@invariant("detach-shares-version-counter", source=sharing.DETACH_DOC)
@given(data=st.data())
def test_detach_shares_the_version_counter(device, data):
    """An in-place change through ``detach()`` bumps the original's version: autograd sees it."""
    out = _leaf(data, device).exp()
    version = out._version
    out.detach().add_(1)
    assert out._version == version + 1


@invariant("detach-inplace-breaks-backward", source=f"{sharing.DETACH_DOC}; {SEED_DETACH_INPLACE}")
@given(data=st.data())
def test_inplace_on_detached_output_makes_backward_raise(device, data):
    """``sigmoid`` saves its output for backward; zeroing it through ``detach()`` makes backward refuse to run."""
    out = _leaf(data, device).sigmoid()
    out.detach().zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


@invariant("data-hides-inplace", source=sharing.DATA_DOC)
@given(data=st.data())
def test_inplace_through_data_is_invisible_to_autograd(device, data):
    """The documented hazard of ``.data``: its own version counter, so backward silently uses the changed values.

    ``exp`` saves its output ``y`` and its gradient is ``y``; after ``y.data.add_(1)`` backward
    returns ``exp(x) + 1`` without error.
    """
    x = _leaf(data, device)
    out = x.exp()
    version = out._version
    out.data.add_(1)
    out.sum().backward()
    assert out._version == version
    assert_equal(x.grad, out.detach())


@invariant("numpy-write-keeps-version", source=INCREMENT_VERSION_DOC)
@pytest.mark.usefixtures("host_only")
@given(data=st.data())
def test_write_through_numpy_does_not_bump_the_version(device, data):
    """A write through ``numpy()`` changes the tensor behind autograd's back (``increment_version`` is the remedy)."""
    t = data.draw(tensors(dtype=_numpy_dtypes(device), shape=shapes(min_dims=1, zero_size=False)), label="t")
    version, before = t._version, _values(t)
    array = t.numpy()
    _poke(array, _index(data, array, "index"))
    assert t._version == version and not np.array_equal(_values(t), before)


# ---------------------------------------------------------------------------
# Errors of numpy()
# ---------------------------------------------------------------------------

@invariant("numpy-requires-grad-raises", source=f"{sharing.NUMPY_DOC}; {SEED_NUMPY_REQUIRES_GRAD}")
@pytest.mark.usefixtures("host_only")
@given(data=st.data())
def test_numpy_of_tensor_requiring_grad_raises(device, data):
    """Outside ``no_grad`` (see the ``numpy-no-grad`` matrix row) a tensor that requires grad is refused."""
    x = data.draw(tensors(dtype=_numpy_dtypes(device, ("float", "complex")), requires_grad=True), label="x")
    with pytest.raises(RuntimeError, match=r"requires grad\. Use tensor\.detach\(\)\.numpy\(\)"):
        x.numpy()


@invariant("numpy-non-cpu-raises", source=sharing.NUMPY_DOC)
@given(data=st.data())
def test_numpy_of_non_cpu_tensor_raises_type_error(device, data):
    """Only CPU tensors convert; on a CPU-only run the meta device stands in for a non-CPU one."""
    target = device if crosses_device(device) else "meta"
    x = data.draw(tensors(dtype=_numpy_dtypes(device), device=device), label="x").to(target)
    with pytest.raises(TypeError, match=r"Use Tensor\.cpu\(\)"):
        x.numpy()


@invariant("numpy-conj-view-raises", source=sharing.NUMPY_DOC)
@pytest.mark.usefixtures("host_only")
@given(data=st.data())
def test_numpy_of_conjugate_view_raises_until_resolved(device, data):
    """numpy has no lazy conjugation: ``conj()`` sets a bit that must be resolved before converting."""
    x = data.draw(tensors(dtype=st.sampled_from([torch.complex64, torch.complex128])), label="x")
    view = x.conj()
    with pytest.raises(RuntimeError, match="conjugate bit"):
        view.numpy()
    np.testing.assert_array_equal(view.resolve_conj().numpy(), np.conj(x.numpy()), strict=True)


@invariant("numpy-neg-view-raises", source=f"{sharing.NUMPY_DOC}; {RESOLVE_NEG_DOC}")
@pytest.mark.usefixtures("host_only")
@given(data=st.data())
def test_numpy_of_negative_view_raises_until_resolved(device, data):
    """``x.conj().imag`` is a view with the negative bit set (the ``resolve_neg`` example)."""
    x = data.draw(tensors(dtype=st.sampled_from([torch.complex64, torch.complex128])), label="x")
    view = x.conj().imag
    with pytest.raises(RuntimeError, match="negative bit"):
        view.numpy()
    np.testing.assert_array_equal(view.resolve_neg().numpy(), -x.numpy().imag, strict=True)


# ---------------------------------------------------------------------------
# Devices (cross-device copies are the "unless cross-device" matrix rows)
# ---------------------------------------------------------------------------

@invariant("to-own-device-returns-self", source=sharing.TO_DOC)
@given(data=st.data())
def test_to_the_device_a_tensor_is_on_returns_self(device, data):
    """"If the self Tensor already has the correct torch.dtype and torch.device, then self is returned." """
    x = data.draw(tensors(device=device), label="x")
    assert x.to(device) is x and x.to(x.device) is x
