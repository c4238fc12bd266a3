"""Core ATen coverage, measured on each device: every registry entry still reaches the Core ATen
overloads it reached when ``conformance/core_aten.json`` was written (``python -m conformance.core_aten``).

An entry's routes and backward run under a dispatch trace (``conformance.core_aten.reach``); the overloads
reached go to the test's report (``core_aten``), from which the dashboard's coverage page counts the Core
ATen fraction per torch version and device.  An overload that drops out -- a route now decomposed
otherwise, an argument strategy that no longer draws a variant -- fails the entry's test.
"""

from __future__ import annotations

import pytest
import torch

from conformance import core_aten, devices
from conformance.ops import REGISTRY
from conformance.params import over

BASELINE = core_aten.load()
REACHED = core_aten.baseline()
ENTRIES = [op for op in REGISTRY.values() if op.name in REACHED]


@over("core-aten", "reaches", ENTRIES, rule=core_aten.DOC)
def test_entry_reaches_its_core_aten_overloads(device, op, record_property):
    """The entry's public routes (and backward) dispatch every Core ATen overload they reached when the
    baseline was measured: a backend that implements the core opset runs what this entry tests."""
    target = devices.target(device)
    release = torch.__version__.split("+")[0]
    wanted = REACHED[op.name] & core_aten.core_overloads() if release == BASELINE["torch"] else frozenset()
    with target.context():
        reached = core_aten.reach(op, target.device, wanted)
    record_property("core_aten", sorted(reached))
    if release != BASELINE["torch"]:
        pytest.skip(f"the baseline was measured on torch {BASELINE['torch']}; on {release} an op may "
                    f"decompose otherwise (reached here: {len(reached)} core overloads, in the report)")
    missing = wanted - reached
    assert not missing, (
        f"{op.name} on {target.name} no longer reaches the Core ATen overloads {sorted(missing)} "
        f"(reached: {sorted(reached)}); if a change of the suite meant this, rewrite the baseline with "
        f"`python -m conformance.core_aten`")
