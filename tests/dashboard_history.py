"""A small history folder for the dashboard's tests: result files of three runs and two torch versions,
benchmark files of both versions, and hostile text in test ids and messages."""

from __future__ import annotations

import json
from pathlib import Path

HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=\"document.body.dataset.pwned=1\">"


def _test(nodeid: str, family: str, outcome: str, **extra) -> dict:
    return {"kind": "test", "nodeid": nodeid, "family": family, "invariant": f"{family}.rule", "op": None,
            "device": "cpu", "dtype": None, "torch": extra.pop("torch"), "outcome": outcome, "reason": None,
            "duration": 0.1, "examples": 40, "invalid_examples": 0, "source": "seed 000", **extra}


def _run(folder: Path, name: str, torch: str, start: str, tests: list[dict], end: bool = True) -> None:
    records = [{"kind": "run", "schema": 1, "start": start, "torch": torch, "torch_git": "abc123",
                "suite_git": "def456", "cuda": None, "devices": ["cpu"], "reference_device": "cpu",
                "device_names": {"cpu": "Test CPU"}, "host": "host", "profile": "ci", "seed": "derandomized",
                "env": f"torch{torch}"}]
    records += [_test(torch=torch, **t) for t in tests]
    if end:
        records.append({"kind": "end", "end": start.replace("T00", "T01"), "exitstatus": 1, "counts": {}})
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def _bench(folder: Path, name: str, torch: str, when: str, median: float) -> None:
    def entry(op: str, bound: str | None, gbps: float, pct: float | None) -> dict:
        return {"name": f"test_hot_op[cpu-{op}]", "fullname": f"conformance/test_benchmarks.py::test_hot_op[cpu-{op}]",
                "stats": {"median": median, "min": median, "mean": median},
                "extra_info": {"op": op, "device": "cpu", "dtype": "float32", "size_set": "small", "torch": torch,
                               "gbps": gbps, "gflops": gbps / 4, "bound": bound, "peak": 100.0 if pct else None,
                               "peak_unit": "GB/s", "pct_peak": pct}}

    data = {"machine_info": {"torch": torch, "bench_size": "small"}, "datetime": when, "version": "5.2.3",
            "benchmarks": [entry("add", "copy", 8e-3 / median, 8e-3 / median),
                           entry("detach", None, 0.0, None)]}
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def write_history(folder: Path) -> Path:
    """torch 2.9.1: one run; torch 2.13.0: two runs, the second with one new failure and one fix."""
    _run(folder, "history/torch29/a.jsonl", "2.9.1", "2026-11-20T00:00:00", [
        dict(nodeid="conformance/test_layout.py::test_view[cpu]", family="layout", outcome="pass"),
        dict(nodeid="conformance/test_layout.py::test_t[cpu]", family="layout", outcome="fail",
             message="AssertionError: strides differ", falsifying_example="Falsifying example: test_t(x=1)",
             repro="python -m pytest 'conformance/test_layout.py::test_t[cpu]'"),
        dict(nodeid="conformance/test_errors.py::test_raises[cpu]", family="errors", outcome="xfail"),
    ])
    _run(folder, "history/torch213/a.jsonl", "2.13.0", "2026-11-21T00:00:00", [
        dict(nodeid="conformance/test_layout.py::test_view[cpu]", family="layout", outcome="pass"),
        dict(nodeid="conformance/test_layout.py::test_t[cpu]", family="layout", outcome="fail",
             message="AssertionError: strides differ"),
        dict(nodeid="conformance/test_errors.py::test_raises[cpu]", family="errors", outcome="xfail"),
    ])
    _run(folder, "history/torch213/b.jsonl", "2.13.0", "2026-11-22T00:00:00", [
        dict(nodeid="conformance/test_layout.py::test_view[cpu]", family="layout", outcome="fail",
             message=f"AssertionError: {HOSTILE}", falsifying_example=f"Draw 1 (x): {HOSTILE}",
             repro="python -m pytest 'conformance/test_layout.py::test_view[cpu]' --device cpu"),
        dict(nodeid="conformance/test_layout.py::test_t[cpu]", family="layout", outcome="pass"),
        dict(nodeid="conformance/test_errors.py::test_raises[cpu]", family="errors", outcome="xpass",
             reason="known divergence: message text differs https://github.com/pytorch/pytorch/issues/1"),
        dict(nodeid=f"conformance/test_errors.py::test_weird[cpu-{HOSTILE}]", family="errors", outcome="pass"),
    ])
    for i, (torch, when, median) in enumerate([("2.9.1", "2026-11-20T00:30:00", 2e-4),
                                               ("2.13.0", "2026-11-21T00:30:00", 1e-4),
                                               ("2.13.0", "2026-11-22T00:30:00", 1.2e-4)]):
        _bench(folder, f"benchmarks/torch{torch}/small/Linux/000{i}_bench.json", torch, when, median)
    return folder
