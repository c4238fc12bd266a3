"""A synthetic history folder for the dashboard's tests.

Result files:

- torch 2.9.1: one run written by an older version of the suite (no schema version, no suite or torch
  git hash, no device names; test records without invariant, source, examples or falsifying example),
  one of whose tests failed;
- torch 2.13.0 on "Test CPU": three runs.  The first two test the same suite commit with the same torch
  build and profile, and ``test_sum`` passes in one and fails in the other: a **flake**.  The third comes
  with a new suite commit: ``test_view`` starts failing and ``test_t`` is fixed: **changes**.  Hostile text
  sits in test ids, messages and examples.

Benchmark files: five nights of torch 2.13.0 (``add`` and ``detach``), then a night where ``add`` is 27%
slower, with the gate's verdict on it (a confirmed slowdown); one night of torch 2.9.1; one file of an
older pytest-benchmark layout without ``extra_info``.

What cannot be used: a truncated benchmark file, and a test record with an outcome this dashboard does not
know (the third run's last line).

:func:`write_coverage_history` writes a history of its own, of registry ops, for the coverage page.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from reports import gate
from reports.history import History, load_json

HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=\"document.body.dataset.pwned=1\">"
ISSUE = "https://github.com/pytorch/pytorch/issues/1"
VIEW_DOC = "https://pytorch.org/docs/stable/generated/torch.Tensor.view.html"
SUM = "conformance/test_values.py::test_sum[cpu]"
VIEW = "conformance/test_layout.py::test_view[cpu]"
T = "conformance/test_layout.py::test_t[cpu]"
RAISES = "conformance/test_errors.py::test_raises[cpu]"


def _test(nodeid: str, family: str, outcome: str, torch: str, **extra) -> dict:
    return {"kind": "test", "nodeid": nodeid, "family": family, "invariant": f"{family}.rule", "op": None,
            "device": "cpu", "dtype": None, "torch": torch, "outcome": outcome, "reason": None,
            "duration": 0.1, "examples": 40, "invalid_examples": 0, "source": f"{VIEW_DOC} ; seed 000", **extra}


def _write_lines(folder: Path, name: str, records: list[dict]) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def _run(folder: Path, name: str, start: str, suite: str, tests: list[dict]) -> None:
    torch = "2.13.0"
    records = [{"kind": "run", "schema": 1, "start": start, "torch": torch, "torch_git": "abc123",
                "suite_git": suite, "cuda": None, "devices": ["cpu"], "reference_device": "cpu",
                "device_names": {"cpu": "Test CPU"}, "host": "host", "profile": "ci", "seed": "derandomized",
                "env": "torch213"}]
    records += [_test(torch=torch, **t) for t in tests]
    records.append({"kind": "end", "end": start.replace("T00", "T01"), "exitstatus": 1, "counts": {"pass": 1}})
    _write_lines(folder, name, records)


def _older_run(folder: Path) -> None:
    """A result file of an older schema: no version, fewer fields, a failure without a falsifying example."""
    minimal = {"kind": "test", "family": "layout", "device": "cpu", "torch": "2.9.1"}
    _write_lines(folder, "history/torch29/a.jsonl", [
        {"kind": "run", "start": "2026-11-20T00:00:00", "torch": "2.9.1", "devices": ["cpu"], "profile": "ci"},
        {**minimal, "nodeid": VIEW, "outcome": "pass"},
        {**minimal, "nodeid": T, "outcome": "fail", "message": "AssertionError: strides differ"},
        {**minimal, "nodeid": RAISES, "family": "errors", "outcome": "xfail",
         "reason": f"known divergence: message text differs {ISSUE}"},
        {"kind": "end", "end": "2026-11-20T01:00:00", "exitstatus": 1},
    ])


def _bench_file(folder: Path, name: str, torch: str, when: str, add: float, detach: float = 4e-7) -> Path:
    def entry(op: str, seconds: float, bound: str | None) -> dict:
        gbps = 8e-3 / seconds if bound else 0.0
        return {"name": f"test_hot_op[cpu-{op}]", "fullname": f"conformance/test_benchmarks.py::test_hot_op[cpu-{op}]",
                "stats": {"median": seconds * 1.1, "min": seconds, "mean": seconds * 1.2},
                "options": {"max_time": 0.2},
                "extra_info": {"op": op, "device": "cpu", "dtype": "float32", "size_set": "small", "torch": torch,
                               "threads": 1, "gbps": gbps, "gflops": gbps / 4, "bound": bound,
                               "peak": 100.0 if bound else None, "peak_unit": "GB/s",
                               "pct_peak": gbps if bound else None}}

    data = {"machine_info": {"torch": torch, "torch_git": f"git-{torch}", "cuda": None, "bench_size": "small",
                             "threads": 1, "cpu": {"brand_raw": "Test CPU"}},
            "datetime": when, "version": "5.2.3",
            "benchmarks": [entry("add", add, "copy"), entry("detach", detach, None)]}
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def _benchmarks(folder: Path) -> None:
    base = "benchmarks/torch2.13.0/small/Linux"
    for day, add in zip(range(17, 22), (1.00e-4, 1.02e-4, 0.99e-4, 1.01e-4, 1.00e-4)):
        _bench_file(folder, f"{base}/00{day}_bench.json", "2.13.0", f"2026-11-{day}T00:30:00", add)
    tonight = _bench_file(folder, f"{base}/0022_bench.json", "2.13.0", "2026-11-22T00:30:00", 1.27e-4)
    _bench_file(folder, "benchmarks/torch2.9.1/small/Linux/0001_bench.json", "2.9.1", "2026-11-20T00:30:00", 2e-4)
    (folder / f"{base}/0023_bench.json").write_text('{"datetime": "2026-11-23T00:30:00", "benchmarks": [{"na')
    (folder / "benchmarks/old-layout.json").write_text(json.dumps({"datetime": "2026-11-16T00:30:00", "benchmarks": [
        {"name": "test_hot_op[cpu-add]", "stats": {"median": 1.1e-4}}]}))

    # The gate's verdict on tonight, as the nightly writes it: add re-run twice and still 26% slower.
    history, loaded = History(), History()
    load_json(tonight, "tonight", loaded)
    for path in sorted((folder / base).glob("00[12]*.json")):
        load_json(path, path.name, history)
    verdicts = gate.judge(loaded.bench, history.bench)
    gate.confirm(verdicts, lambda points: {p.fullname: p.min * 0.99 for p in points})
    gate.write(f"{folder}/gate/", verdicts, loaded.bench[0].when, threshold=gate.THRESHOLD)


def write_history(folder: Path) -> Path:
    _older_run(folder)
    _run(folder, "history/torch213/a.jsonl", "2026-11-21T00:00:00", "def456", [
        dict(nodeid=VIEW, family="layout", outcome="pass"),
        dict(nodeid=T, family="layout", outcome="fail", message="AssertionError: strides differ"),
        dict(nodeid=RAISES, family="errors", outcome="xfail"),
        dict(nodeid=SUM, family="values", outcome="pass"),
    ])
    _run(folder, "history/torch213/b.jsonl", "2026-11-22T00:00:00", "def456", [
        dict(nodeid=VIEW, family="layout", outcome="pass"),
        dict(nodeid=T, family="layout", outcome="fail", message="AssertionError: strides differ"),
        dict(nodeid=RAISES, family="errors", outcome="xfail"),
        dict(nodeid=SUM, family="values", outcome="fail", message=f"AssertionError: sum differs {HOSTILE}",
             falsifying_example="Falsifying example: test_sum(x=tensor([1e308, 1e308]))"),
    ])
    _run(folder, "history/torch213/c.jsonl", "2026-11-23T00:00:00", "789abc", [
        dict(nodeid=VIEW, family="layout", outcome="fail",
             message=f"AssertionError: {HOSTILE}", falsifying_example=f"Draw 1 (x): {HOSTILE}",
             repro="python -m pytest 'conformance/test_layout.py::test_view[cpu]' --device cpu"),
        dict(nodeid=T, family="layout", outcome="pass"),
        dict(nodeid=RAISES, family="errors", outcome="xpass", reason=f"known divergence: message text differs {ISSUE}"),
        dict(nodeid=SUM, family="values", outcome="pass"),
        dict(nodeid=f"conformance/test_errors.py::test_weird[cpu-{HOSTILE}]", family="errors", outcome="pass"),
        dict(nodeid="conformance/test_errors.py::test_future[cpu]", family="errors", outcome="timeout"),
    ])
    _benchmarks(folder)
    return folder


# --- op coverage (reports.coverage) -------------------------------------------------------------------------------

OPS_DOC = "https://pytorch.org/docs/stable/tensors.html"
UNSUPPORTED = 'unsupported: lt on cpu: "lt_cpu" not implemented for \'ComplexFloat\''
COVERAGE_OPS = ("abs", "lt", "sum", "where")
COVERAGE_INVARIANTS = ("ops.inplace", "ops.routes-agree", "autograd.gradcheck", "values.unary")
# The latest cpu run of torch 2.13.0: each cell's parametrizations -> the state the page must show.
COVERAGE_CPU = {
    ("abs", "ops.routes-agree"): (["pass", "pass"], "pass"),
    ("abs", "ops.inplace"): (["pass", "fail"], "fail"),
    ("abs", "values.unary"): (["pass", "xfail"], "divergence"),
    ("lt", "ops.routes-agree"): (["pass", "unsupported"], "unsupported"),
    ("lt", "ops.inplace"): (["xfail", "error", "pass"], "fail"),
    ("sum", "ops.routes-agree"): (["skip"], "n/a"),  # skipped for another reason: the device is the reference
    ("sum", "ops.inplace"): (["unsupported", "xfail"], "divergence"),
    ("sum", "values.unary"): (["xpass"], "pass"),
}  # every other cell (where's whole row, lt × values.unary, autograd.gradcheck): no test, n/a


def coverage_test(op: str, invariant: str, outcome: str, kind: str, device: str = "cpu", torch: str = "2.13.0") -> dict:
    """A test record of a registry op (``op_area`` set) and invariant; ``outcome`` "unsupported" is a skip whose
    reason says the device does not implement the op."""
    family, name = invariant.split(".")
    reason = {"unsupported": UNSUPPORTED, "skip": "the device is the reference device",
              "xfail": f"known divergence: {op} differs {ISSUE}", "xpass": f"known divergence: fixed? {ISSUE}"}
    nodeid = f"conformance/test_{family}.py::test_{name.replace('-', '_')}[{device}-{op}-{kind}]"
    return _test(nodeid, family, "skip" if outcome == "unsupported" else outcome, torch, invariant=invariant,
                 op=op, op_area="reductions" if op == "sum" else "elementwise", device=device,
                 reason=reason.get(outcome), rule=f"{OPS_DOC}#{name}", source=f"{OPS_DOC}#{name} ; {VIEW_DOC}",
                 message="AssertionError: routes differ" if outcome in ("fail", "error") else None)


# The Core ATen opset the torch 2.13.0 runs record, and the overloads their tests reached.
CORE_ATEN = {"core": 5, "reachable": ["abs.default", "add.Tensor", "sum.dim_IntList", "where.self"]}
CORE_ATEN_REACHED = {("abs", "ops.routes-agree"): ["abs.default"],
                     ("sum", "values.unary"): ["sum.dim_IntList", "add.Tensor"]}  # cpu: 3 of 4; cuda: abs only


def _coverage_run(folder: Path, name: str, start: str, torch: str, device: str, tests: list[dict]) -> None:
    records = [{"kind": "run", "schema": 1, "start": start, "torch": torch, "torch_git": "abc123", "suite_git": "s1",
                "devices": [device], "device_names": {device: f"Test {device.upper()}"}, "profile": "ci",
                **({"core_aten": CORE_ATEN} if torch == "2.13.0" else {})}]
    tests = [{**test, "core_aten": CORE_ATEN_REACHED[test["op"], test["invariant"]]}
             if (test.get("op"), test.get("invariant")) in CORE_ATEN_REACHED else test for test in tests]
    _write_lines(folder, name, records + tests + [{"kind": "end", "end": start, "exitstatus": 1}])


def write_coverage_history(folder: Path) -> Path:
    """Runs of registry ops for the coverage page.

    - torch 2.13.0 on cpu: an earlier run where abs's routes fail, then the latest run with every cell state of
      :data:`COVERAGE_CPU`, plus what is not a registry test: an errors-catalogue entry named ``abs`` (no
      ``op_area``), a test without an op, and one whose node id is hostile text;
    - torch 2.13.0 on cuda: abs's routes fail, its gradcheck is unsupported, where's routes pass;
    - torch 2.9.1 on cpu, written by an older suite (no ``op_area``, no ``rule``): the ``ops`` family's tests
      count, a values test of abs does not.

    The 2.13.0 runs record the Core ATen opset :data:`CORE_ATEN`; some of their tests the overloads they reached
    (:data:`CORE_ATEN_REACHED`); the 2.9.1 run neither.
    """
    earlier = [coverage_test("abs", "ops.routes-agree", "fail", "float")]
    _coverage_run(folder, "coverage/cpu-1.jsonl", "2026-11-21T00:00:00", "2.13.0", "cpu", earlier)
    latest = [coverage_test(op, invariant, outcome, f"kind{i}")
              for (op, invariant), (outcomes, _) in COVERAGE_CPU.items() for i, outcome in enumerate(outcomes)]
    latest += [{**coverage_test("abs", "errors.raises", "fail", "float"), "op_area": None},
               {**coverage_test("abs", "ops.meta-agrees", "fail", "float"), "op": None},
               {**coverage_test("lt", "ops.routes-agree", "pass", "int"),
                "nodeid": f"conformance/test_ops.py::t[{HOSTILE}]"}]
    _coverage_run(folder, "coverage/cpu-2.jsonl", "2026-11-22T00:00:00", "2.13.0", "cpu", latest)
    cuda = [coverage_test("abs", "ops.routes-agree", "fail", "float", device="cuda"),
            coverage_test("abs", "autograd.gradcheck", "unsupported", "float", device="cuda"),
            coverage_test("where", "ops.routes-agree", "pass", "float", device="cuda")]
    _coverage_run(folder, "coverage/cuda.jsonl", "2026-11-22T00:00:00", "2.13.0", "cuda", cuda)
    older = [{key: value for key, value in coverage_test("abs", invariant, "pass", "float", torch="2.9.1").items()
              if key not in ("op_area", "rule")} for invariant in ("ops.routes-agree", "values.unary")]
    _coverage_run(folder, "coverage/old.jsonl", "2026-11-20T00:00:00", "2.9.1", "cpu", older)
    return folder


def real_run_site(folder: Path, *pytest_args: str) -> tuple[Path, str]:
    """Run the suite on the cpu with ``pytest_args`` (ci profile, one process) reporting into ``folder/history``,
    build the dashboard into ``folder/site``; the site and the label of the run's column."""
    import torch

    from reports.dashboard import build
    from reports.plugin import device_names

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *pytest_args, "-p", "no:cacheprovider", "-p", "no:xdist", "--device", "cpu",
         "--hypothesis-profile=ci", "-q", f"--report={folder / 'history'}/"],
        cwd=root, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    build(folder / "history", folder / "site")
    return folder / "site", f"torch {torch.__version__} · cpu · {device_names(['cpu'])['cpu']}"
