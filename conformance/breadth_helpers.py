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


def linalg_tolerance(dtype: torch.dtype, a: np.ndarray, factor: float = 10.0) -> float:
    """A backward-stable algorithm's residual bound, ``factor * n * cond(A) * eps(dtype)``: Higham,
    Accuracy and Stability of Numerical Algorithms, 2nd ed., sections 9-10 (LU, Cholesky) and 19 (QR);
    the factor covers the small constants of those bounds."""
    n = max(a.shape[-1], 1)
    cond = float(np.max(np.linalg.cond(a))) if a.size else 1.0
    return factor * n * cond * torch.finfo(dtype).eps
