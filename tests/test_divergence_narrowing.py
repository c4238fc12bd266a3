"""Self-tests of narrow known divergences: an entry explains only the failure it names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conformance import divergences

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup  # Hypothesis's dependency on 3.10

ROOT = Path(__file__).resolve().parents[1]
SQUARE = "conformance/test_layout.py::test_elementwise_on_strided_equals_on_contiguous_copy[cpu-square]"


def _entry(**fields) -> divergences.Divergence:
    return divergences.Divergence("fam.rule", None, None, ">=2.4", "r", "https://example.org/1", **fields)


def test_an_entry_explains_its_own_failure_only():
    entry = _entry(dtypes=("complex64", "complex128"), raises="AssertionError", match="differ bitwise")
    assert entry.unexplained(AssertionError("3 of 8 elements (torch.complex64) differ bitwise")) is None
    assert "dtypes" in entry.unexplained(AssertionError("3 of 8 elements (torch.float32) differ bitwise"))
    assert "does not match" in entry.unexplained(AssertionError("shape (2,), expected (3,) torch.complex64"))
    assert "expected AssertionError, got TypeError" in entry.unexplained(TypeError("torch.complex64"))


def test_every_failure_of_a_group_must_be_explained():
    entry = _entry(raises="AssertionError", match="differ bitwise")
    explained = AssertionError("differ bitwise")
    assert entry.unexplained(ExceptionGroup("two", [explained, AssertionError("differ bitwise too")])) is None
    assert entry.unexplained(ExceptionGroup("two", [explained, RuntimeError("a crash")])) is not None


def _square_outcome(*plugins) -> tuple[str, str]:
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *plugins, SQUARE,
                          "--hypothesis-profile=ci", "-q", "-rA"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    for outcome in ("FAILED", "XFAIL", "XPASS", "PASSED"):
        if f"{outcome} {SQUARE}" in run.stdout:
            return outcome, run.stdout
    raise AssertionError(run.stdout + run.stderr)


def test_an_unrelated_failure_is_not_swallowed_by_the_complex_only_square_divergence():
    """square's known divergence explains complex64/complex128 rounding; a float32 fault in the same test
    (planted by tests/plant_square_fault.py) is reported as a failure, saying why the entry did not apply."""
    outcome, output = _square_outcome("-p", "tests.plant_square_fault")
    assert outcome == "FAILED", output
    assert "known divergence not matched" in output and "complex64, complex128" in output, output


def test_without_the_fault_the_square_row_is_not_a_failure():
    outcome, output = _square_outcome()
    assert outcome in ("XFAIL", "XPASS"), output
