"""Planted faults the chains family must detect, and repro scripts that reproduce them alone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import torch

from conformance import chains
from conformance import test_chains
from tests.canary import assert_caught
from tests.faulty_device import cpu_with_fault

# The floating unary methods of the chains (exp, sin, tanh) off by 1e-5 (relative): planted in this
# process with monkeypatch, and in the repro script's own interpreter by a sitecustomize module.
UNARY_FAULT = textwrap.dedent('''\
    import torch

    FAULTY = {}
    for _name in ("exp", "sin", "tanh"):
        def _faulty(self, _original=getattr(torch.Tensor, _name)):
            return _original(self) * (1 + 1e-5)
        FAULTY[_name] = _faulty
    ''')


def _plant_unary_fault(monkeypatch):
    namespace = {}
    exec(UNARY_FAULT, namespace)  # noqa: S102 -- the fault's own source, shared with the subprocess
    for name, faulty in namespace["FAULTY"].items():
        monkeypatch.setattr(torch.Tensor, name, faulty)


def test_device_only_fault_is_caught_in_chain_values():
    """mul off by 1e-5 (relative) on the device: elements outside the chain's error bound and farther from
    numpy's value than the reference device's."""
    failure = assert_caught(test_chains.test_chain_values, device=cpu_with_fault(strided_only=False),
                            reference_device="cpu")
    assert "farther from the exact value" in str(failure) and chains.SCRIPT_BANNER in str(failure), failure


def test_device_only_fault_is_caught_in_chain_gradients():
    """mul off on every input on the device: its vector-Jacobian products differ from the reference's."""
    failure = assert_caught(test_chains.test_chain_gradient, device=cpu_with_fault(strided_only=False),
                            reference_device="cpu")
    assert chains.SCRIPT_BANNER in str(failure), failure


def test_transpose_that_copies_breaks_the_layout_model(transpose_copies):
    assert_caught(test_chains.test_chain_structure_matches_layout_model, device="cpu")


def test_meta_contiguous_that_keeps_strides_is_caught(monkeypatch):
    """``contiguous()`` on meta returning its input: meta strides diverge from the device's."""
    original = torch.Tensor.contiguous
    monkeypatch.setattr(torch.Tensor, "contiguous",
                        lambda self, *args, **kwargs: self if self.is_meta else original(self, *args, **kwargs))
    assert_caught(test_chains.test_chain_on_meta_matches_device, device="cpu")


def test_wrong_backward_is_caught_by_gradcheck(monkeypatch):
    """sin whose backward uses -cos."""
    class WrongSin(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.sin(x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return -grad * torch.cos(x)

    monkeypatch.setattr(torch.Tensor, "sin", lambda self: WrongSin.apply(self))
    assert_caught(test_chains.test_chain_gradient, device="cpu", reference_device="cpu")


def _run_script(path, tmp_path, fault: bool):
    env = dict(os.environ)
    if fault:
        (tmp_path / "sitecustomize.py").write_text(
            UNARY_FAULT + "\nfor _name, _f in FAULTY.items():\n    setattr(torch.Tensor, _name, _f)\n")
        env["PYTHONPATH"] = str(tmp_path)
    else:
        env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=120,
                          cwd=tmp_path.parent)


def test_repro_script_reproduces_the_failure_alone(monkeypatch, tmp_path):
    """The script of a failing chain, run in a fresh interpreter: AssertionError with the fault
    planted there, a clean exit without it."""
    _plant_unary_fault(monkeypatch)
    failure = assert_caught(test_chains.test_chain_values, device="cpu", reference_device="cpu")
    script = chains.script_of(failure)
    assert "conformance" not in script.replace("torch-conformance", "") and "hypothesis" not in script, script
    path = tmp_path.parent / f"{tmp_path.name}_repro.py"
    path.write_text(script)
    with_fault = _run_script(path, tmp_path, fault=True)
    assert with_fault.returncode != 0 and "AssertionError" in with_fault.stderr, with_fault.stderr
    without_fault = _run_script(path, tmp_path, fault=False)
    assert without_fault.returncode == 0, without_fault.stderr
