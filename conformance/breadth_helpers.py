"""Helpers of the breadth families (definitions, sorting, index ops, linalg, nn): the ops of the
breadth areas, comparing an op with its numpy definition, and linalg tolerances derived from the
condition number.
"""

from __future__ import annotations

import numpy as np
import torch

from conformance import devices
from conformance.differential import assert_matches_numpy
from conformance.ops import REGISTRY
from conformance.ops_helpers import outcome, skip_if_unsupported

AREAS = ("cumulative", "index_ops", "sorting", "nn", "activations", "matmul_family", "linalg_ext", "special", "fft",
         "tensor_ops", "factories")


def area_ops(*areas, predicate=lambda op: True) -> list:
    """The registry entries of ``areas`` (default: every breadth area) that ``predicate`` accepts."""
    return [op for op in REGISTRY.values() if op.area in (areas or AREAS) and predicate(op)]


def assert_matches_definition(op, case, device) -> None:
    """The op on the drawn case against its numpy reference: both raise, or torch's result (dtype
    kept) equals numpy's float64 one within the result dtype's tolerance (exactly for exact ops)."""
    target = devices.target(device)
    with target.context():
        got = outcome(case.run, op.fn)
    skip_if_unsupported(op, device, got)
    arrays, kwargs = case.reference_arguments()
    with np.errstate(all="ignore"):
        want = outcome(op.reference, *arrays, **kwargs)
    assert got.raised == want.raised, (
        f"torch {'raises ' + got.error.__name__ + ': ' + got.message[:200] if got.raised else 'succeeds'}, "
        f"numpy {'raises ' + want.error.__name__ + ': ' + want.message[:200] if want.raised else 'succeeds'}")
    if not got.raised:
        assert_matches_numpy(got.result, want.result, op.exact)


def forward_tolerance(dtype: torch.dtype, a: np.ndarray, factor: float = 10.0) -> float:
    """The error of a computed solution or inverse of a backward-stable algorithm, relative to its size:
    ``factor * n * cond(A) * eps(dtype)`` (Higham, Accuracy and Stability of Numerical Algorithms, 2nd
    ed., 7.2 and 9-10: forward error <= cond(A) x backward error); the factor covers the constants."""
    n = max(a.shape[-1], 1)
    cond = float(np.max(np.linalg.cond(a))) if a.size else 1.0
    return factor * n * cond * torch.finfo(dtype).eps


def backward_tolerance(dtype: torch.dtype, a: np.ndarray, factor: float = 10.0) -> float:
    """The residual of a backward-stable factorization (``Q R - A``, ``L L^H - A``, ``U S V^H - A``,
    ``A V - V W``), element by element: ``factor * n * eps(dtype) * ||A||_2`` (Higham, 2nd ed., 10.1,
    18-19; the error is relative to the norm of A, not to each element)."""
    n = max(a.shape[-1], 1)
    norm = float(np.max(np.linalg.norm(a, 2, axis=(-2, -1)))) if a.size else 1.0
    return factor * n * torch.finfo(dtype).eps * max(norm, 1.0)
