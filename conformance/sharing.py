"""The sharing matrix: every way of making one tensor or array from another, and whether the two share memory.

Each :class:`Conversion` row names its source (a tensor on the device under test, a CPU tensor, or a
numpy array), how the result is made, when the result shares memory with the source (a key of
:data:`SHARES`) and the documentation that says so.  ``conformance/test_sharing.py`` checks every row.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from conformance import layout_model as model
from strategies import supported

DOCS = "https://pytorch.org/docs/stable/"
NUMPY_DOC = DOCS + "generated/torch.Tensor.numpy.html"
FROM_NUMPY_DOC = DOCS + "generated/torch.from_numpy.html"
AS_TENSOR_DOC = DOCS + "generated/torch.as_tensor.html"
TENSOR_DOC = DOCS + "generated/torch.tensor.html"
NEW_TENSOR_DOC = DOCS + "generated/torch.Tensor.new_tensor.html"
DETACH_DOC = DOCS + "generated/torch.Tensor.detach.html"
DATA_DOC = "https://pytorch.org/blog/pytorch-0_4_0-migration-guide/"  # "What about .data?"
VIEWS_DOC = DOCS + "tensor_view.html"  # basic indexing returns views, advanced indexing a copy
RESHAPE_DOC = DOCS + "generated/torch.reshape.html"
TRANSPOSE_DOC = DOCS + "generated/torch.transpose.html"
PERMUTE_DOC = DOCS + "generated/torch.permute.html"
EXPAND_DOC = DOCS + "generated/torch.Tensor.expand.html"
NARROW_DOC = DOCS + "generated/torch.narrow.html"
CLONE_DOC = DOCS + "generated/torch.clone.html"
CONTIGUOUS_DOC = DOCS + "generated/torch.Tensor.contiguous.html"
TO_DOC = DOCS + "generated/torch.Tensor.to.html"
CPU_DOC = DOCS + "generated/torch.Tensor.cpu.html"
# numpy() under no_grad: allowed by the maintainers' decision in this issue (fixed by PR #38906).
NUMPY_NO_GRAD_ISSUE = "https://github.com/pytorch/pytorch/issues/37000"
SEED_NUMPY = "seed 003 (Bridge with NumPy: t.numpy() and torch.from_numpy(n) share memory)"
SEED_DETACH = "seed 002 (detach shares data) and seed 004 (detach points at the original storage)"
SEED_NEW_TENSOR = "seed 000 (torch.Tensor.new_tensor copies data only)"

# numpy dtypes and the torch dtypes from_numpy gives them; the wider unsigned ones exist since torch 2.3.
DTYPES = (
    (np.dtype(np.bool_), torch.bool),
    (np.dtype(np.int8), torch.int8),
    (np.dtype(np.int16), torch.int16),
    (np.dtype(np.int32), torch.int32),
    (np.dtype(np.int64), torch.int64),
    (np.dtype(np.uint8), torch.uint8),
    (np.dtype(np.uint16), torch.uint16),
    (np.dtype(np.uint32), torch.uint32),
    (np.dtype(np.uint64), torch.uint64),
    (np.dtype(np.float16), torch.float16),
    (np.dtype(np.float32), torch.float32),
    (np.dtype(np.float64), torch.float64),
    (np.dtype(np.complex64), torch.complex64),
    (np.dtype(np.complex128), torch.complex128),
)
TORCH_DTYPE = dict(DTYPES)


def crosses_device(device: str) -> bool:
    """Whether a conversion between the CPU and ``device`` moves data to another device."""
    return torch.device(device).type != "cpu"


# When a row's result shares memory with its source, given the source and the device under test.
SHARES: dict[str, Callable[[object, str], bool]] = {
    "always": lambda src, device: True,
    "never": lambda src, device: False,
    "unless cross-device": lambda src, device: not crosses_device(device),
    "if contiguous": lambda src, device: model.is_contiguous(src.shape, src.stride()),
    "if view(-1) works": lambda src, device: model.view_strides(src.shape, src.stride(), (-1,)) is not None,
}


@dataclass(frozen=True)
class Conversion:
    """One way of making a tensor or array from another, and when the two share memory."""

    name: str
    source: str  # "tensor" (on the device under test), "cpu tensor" or "ndarray"
    result: str  # "tensor" or "ndarray"
    make: Callable  # (source, device under test) -> result
    shares: str  # a key of SHARES
    doc: str
    requires_grad: bool = False  # the source is a leaf that requires grad (float and complex dtypes)
    host_only: bool = False  # a CPU-only conversion: checked under device=cpu only
    seed: str = ""  # the seed example that shows the rule, if one does

    @property
    def source_note(self) -> str:
        """What the row's checks cite: its documentation, and its seed example if it has one."""
        return f"{self.doc}; {self.seed}" if self.seed else self.doc

    @property
    def numpy(self) -> bool:
        """Whether a numpy array takes part (so no bfloat16, which numpy lacks)."""
        return "ndarray" in (self.source, self.result)


def other_dtype(dtype: torch.dtype, device: str) -> torch.dtype:
    """A dtype other than ``dtype`` that ``device`` holds; complex first, so no imaginary part is dropped."""
    return next(d for d in (torch.complex128, torch.complex64, torch.float32)
                if d != dtype and d in supported(device))


def _copy_constructed(construct):
    """``construct(t)`` without the UserWarning that recommends ``t.detach().clone()``, its documented equivalent."""
    def make(t, device):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "To copy construct from a tensor", UserWarning)
            return construct(t)
    return make


def _numpy_without_grad_mode(t, device):
    with torch.no_grad():
        return t.numpy()


MATRIX = (
    # tensor -> ndarray
    Conversion("numpy", "tensor", "ndarray", lambda t, d: t.numpy(), "always", NUMPY_DOC, host_only=True,
               seed=SEED_NUMPY),
    Conversion("numpy-no-grad", "tensor", "ndarray", _numpy_without_grad_mode, "always", NUMPY_NO_GRAD_ISSUE,
               requires_grad=True, host_only=True),
    Conversion("numpy-force", "tensor", "ndarray", lambda t, d: t.numpy(force=True), "unless cross-device",
               NUMPY_DOC, requires_grad=True),
    # ndarray -> tensor
    Conversion("from_numpy", "ndarray", "tensor", lambda a, d: torch.from_numpy(a), "always", FROM_NUMPY_DOC,
               host_only=True, seed=SEED_NUMPY),
    Conversion("as_tensor-ndarray", "ndarray", "tensor", lambda a, d: torch.as_tensor(a), "always", AS_TENSOR_DOC,
               host_only=True),
    Conversion("as_tensor-ndarray-dtype", "ndarray", "tensor",
               lambda a, d: torch.as_tensor(a, dtype=other_dtype(TORCH_DTYPE[a.dtype], "cpu")), "never",
               AS_TENSOR_DOC, host_only=True),
    Conversion("as_tensor-ndarray-device", "ndarray", "tensor", lambda a, d: torch.as_tensor(a, device=d),
               "unless cross-device", AS_TENSOR_DOC),
    Conversion("tensor-ndarray", "ndarray", "tensor", lambda a, d: torch.tensor(a), "never", TENSOR_DOC,
               host_only=True),
    # tensor -> tensor: constructors
    Conversion("as_tensor", "tensor", "tensor", lambda t, d: torch.as_tensor(t), "always", AS_TENSOR_DOC),
    Conversion("as_tensor-dtype", "tensor", "tensor", lambda t, d: torch.as_tensor(t, dtype=other_dtype(t.dtype, d)),
               "never", AS_TENSOR_DOC),
    Conversion("as_tensor-device", "cpu tensor", "tensor", lambda t, d: torch.as_tensor(t, device=d),
               "unless cross-device", AS_TENSOR_DOC),
    Conversion("tensor", "tensor", "tensor", _copy_constructed(torch.tensor), "never", TENSOR_DOC),
    Conversion("new_tensor", "tensor", "tensor", _copy_constructed(lambda t: t.new_tensor(t)), "never",
               NEW_TENSOR_DOC, seed=SEED_NEW_TENSOR),
    # tensor -> tensor: autograd
    Conversion("detach", "tensor", "tensor", lambda t, d: t.detach(), "always", DETACH_DOC, requires_grad=True,
               seed=SEED_DETACH),
    Conversion("data", "tensor", "tensor", lambda t, d: t.data, "always", DATA_DOC, requires_grad=True),
    # tensor -> tensor: views and indexing
    Conversion("view", "tensor", "tensor", lambda t, d: t.view(1, *t.shape), "always", VIEWS_DOC),
    Conversion("reshape", "tensor", "tensor", lambda t, d: t.reshape(-1), "if view(-1) works", RESHAPE_DOC),
    Conversion("transpose", "tensor", "tensor", lambda t, d: t.transpose(0, -1), "always", TRANSPOSE_DOC),
    Conversion("permute", "tensor", "tensor", lambda t, d: t.permute(*reversed(range(t.dim()))), "always",
               PERMUTE_DOC),
    Conversion("expand", "tensor", "tensor", lambda t, d: t.expand(2, *t.shape), "always", EXPAND_DOC),
    Conversion("narrow", "tensor", "tensor", lambda t, d: t.narrow(0, t.shape[0] // 2, t.shape[0] - t.shape[0] // 2),
               "always", NARROW_DOC),
    Conversion("slice", "tensor", "tensor", lambda t, d: t[..., ::2], "always", VIEWS_DOC),
    Conversion("int-index", "tensor", "tensor", lambda t, d: t[0], "always", VIEWS_DOC),
    Conversion("index-int-tensor", "tensor", "tensor",
               lambda t, d: t[torch.arange(t.shape[0] - 1, -1, -1, device=t.device)], "never", VIEWS_DOC),
    Conversion("index-bool-tensor", "tensor", "tensor",
               lambda t, d: t[torch.ones(t.shape[0], dtype=torch.bool, device=t.device)], "never", VIEWS_DOC),
    # tensor -> tensor: copies and conversions
    Conversion("clone", "tensor", "tensor", lambda t, d: t.clone(), "never", CLONE_DOC),
    Conversion("contiguous", "tensor", "tensor", lambda t, d: t.contiguous(), "if contiguous", CONTIGUOUS_DOC),
    Conversion("to-same", "tensor", "tensor", lambda t, d: t.to(t.dtype), "always", TO_DOC),
    Conversion("to-other-dtype", "tensor", "tensor", lambda t, d: t.to(other_dtype(t.dtype, d)), "never", TO_DOC),
    Conversion("cpu", "tensor", "tensor", lambda t, d: t.cpu(), "unless cross-device", CPU_DOC),
    Conversion("to-device", "cpu tensor", "tensor", lambda t, d: t.to(d), "unless cross-device", TO_DOC),
)
assert len({row.name for row in MATRIX}) == len(MATRIX) and all(row.shares in SHARES for row in MATRIX)
