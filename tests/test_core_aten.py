"""Self-tests of the Core ATen coverage (``conformance/core_aten.py``, ``conformance/core_aten.json``): the
baseline covers the reachable core opset of the torch it was measured on (bar: 95%), names only registry
entries and core overloads, the unreachable catalogue is current and cited, and the conformance test
detects an entry that stops reaching an overload."""

from __future__ import annotations

import pytest
import torch

from conformance import core_aten
from conformance.ops import REGISTRY
from conformance.test_core_aten import test_entry_reaches_its_core_aten_overloads as reaches

BAR = 0.95  # issue 13: at least 95% of the reachable core overloads
BASELINE = core_aten.load()
MEASURED_HERE = torch.__version__.split("+")[0] == BASELINE["torch"]
on_baseline_torch = pytest.mark.skipif(not MEASURED_HERE, reason=f"the baseline was measured on torch "
                                                                  f"{BASELINE['torch']}")


@on_baseline_torch
def test_baseline_reaches_the_reachable_core_opset():
    """At least 95% of the core overloads a public route can reach are reached by some entry."""
    reached = set().union(*core_aten.baseline().values())
    reachable = set(core_aten.reachable())
    missing = sorted(reachable - reached)
    fraction = len(reachable & reached) / len(reachable)
    assert fraction >= BAR, f"{fraction:.1%} of {len(reachable)} reachable core overloads reached; missing: {missing}"


def test_baseline_names_registry_entries_and_core_overloads():
    stale = sorted(set(core_aten.baseline()) - set(REGISTRY))
    assert not stale, f"core_aten.json names entries the registry no longer has: {stale}"
    if MEASURED_HERE:
        outside = {name: sorted(found - core_aten.core_overloads()) for name, found in core_aten.baseline().items()}
        assert not any(outside.values()), {k: v for k, v in outside.items() if v}


@on_baseline_torch
def test_unreachable_catalogue_is_current_and_cited():
    entries = BASELINE["unreachable"]
    assert all(e["reason"] and e["source"].startswith("https://") for e in entries)
    names = [e["overload"] for e in entries]
    assert len(names) == len(set(names))
    assert set(names) <= core_aten.core_overloads(), sorted(set(names) - core_aten.core_overloads())
    reached = set().union(*core_aten.baseline().values())
    assert not set(names) & reached, f"listed unreachable but reached: {sorted(set(names) & reached)}"


@on_baseline_torch
def test_an_entry_that_stops_reaching_an_overload_fails(monkeypatch):
    """Canary: abs computed through ``where`` on every route (``torch.abs``, ``torch.absolute``, the methods and
    the operator) no longer dispatches ``abs.default``."""
    assert "abs.default" in core_aten.baseline()["abs"]

    def through_where(x, *args, **kwargs):
        return torch.where(x < 0, -x, x)

    for owner, names in ((torch, ("abs", "absolute")), (torch.Tensor, ("abs", "absolute", "__abs__"))):
        for name in names:
            monkeypatch.setattr(owner, name, through_where)
    monkeypatch.setattr(torch.Tensor, "abs_", lambda x: x.copy_(through_where(x)))
    with pytest.raises(AssertionError, match=r"no longer reaches the Core ATen overloads \[[^]]*'abs.default'"):
        reaches(device="cpu", op=REGISTRY["abs"], record_property=lambda *_: None)
