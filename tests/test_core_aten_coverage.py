"""Core ATen coverage, measured: which registry entries reach each Core ATen overload of the
installed torch (``conformance.core_aten``), with the bar of issue 13 and a baseline that a covered
overload may not drop out of.

The measured document is written as JSON (format ``core-aten-coverage/1``) to
$CONFORMANCE_CORE_ATEN_JSON, default ``results/core_aten_coverage.json``, for the dashboard.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import torch

from conformance import core_aten
from conformance.ops import REGISTRY

BASELINE = Path(__file__).with_name("core_aten_baseline.json")  # torch release -> covered overloads
OUTPUT = Path(os.environ.get("CONFORMANCE_CORE_ATEN_JSON", "results/core_aten_coverage.json"))
BAR = 0.95
RELEASE = torch.__version__.split("+")[0]


def test_core_aten_coverage_holds():
    """Measured once (the measurement takes minutes): at least 95% of the core overloads a public route
    reaches are reached by some registry entry, and every overload the baseline records as covered for
    this torch release still is.  The document is written for the dashboard first."""
    document = core_aten.report(core_aten.measure(REGISTRY.values(), "cpu", examples=3), "cpu")
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(document, indent=1, sort_keys=True))
    uncovered = sorted(k for k, v in document["overloads"].items() if v["status"] == "uncovered")
    assert document["fraction"] >= BAR, f"{document['fraction']:.1%} of reachable core overloads; missing {uncovered}"
    baseline = json.loads(BASELINE.read_text()).get(RELEASE)
    if baseline is None:
        warnings.warn(f"no Core ATen coverage baseline for torch {RELEASE}")
        return
    lost = sorted(o for o in baseline if document["overloads"].get(o, {}).get("status") != "covered")
    assert not lost, f"core overloads no registry entry reaches any more: {lost}"


def test_unreachable_list_names_core_overloads():
    """Each overload listed as unreachable is a core overload of the installed torch (a stale name
    warns: a torch release dropped or renamed it)."""
    core = set(core_aten.core_overloads())
    stale = sorted(set(core_aten.UNREACHABLE) - core)
    if stale:
        warnings.warn(f"listed unreachable but not core in torch {torch.__version__}: {stale}")
    assert set(core_aten.UNREACHABLE) & core, "no listed overload is a core overload"


def test_measurement_sees_what_an_entry_runs():
    """The recorder itself: ``F.interpolate`` reaches the CompositeImplicit ``upsample_nearest2d.vec``
    (seen by the profiler) and its kernel ``upsample_nearest2d.default``; cumsum reaches ``cumsum.default``."""
    assert "upsample_nearest2d.vec" in core_aten.measure_op(REGISTRY["interpolate-nearest2d"], examples=2)
    assert "cumsum.default" in core_aten.measure_op(REGISTRY["cumsum"], examples=1)
