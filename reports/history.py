"""Reading a history folder: result files (``*.jsonl``, from ``--report``), pytest-benchmark files and
benchmark gate verdicts (``*.json``).

History outlives the schema: nights accumulate files written by older (and newer) versions of the suite.
Every field a page shows is optional here: records are read into the dataclasses below, whose fields
are None (or empty) where a file lacks them or holds a value of the wrong type, so no page ever looks a
field up that is not there.  A record that cannot be used at all (a test without a node id or a known
outcome, a benchmark without a name or a time) is named in a :class:`Problem` and skipped, like a
corrupt file; loading goes on.  A result file carries its schema version in its ``run`` line (absent:
the first schema); other file types, hidden folders and the dashboard's own output are not looked at.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path

from packaging.version import InvalidVersion, Version

from reports.plugin import SCHEMA

BAD = ("fail", "error")  # outcomes that are failures
OUTCOMES = ("pass", "fail", "error", "xfail", "xpass", "skip")
GATE_KIND = "benchmark-gate"  # the "kind" of a gate verdict file (reports.gate)


@dataclass
class Problem:
    path: str  # relative to the history folder
    message: str


def text(value) -> str | None:
    """A field shown as text: strings and numbers as text, anything else (missing, lists, dicts) None."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def number(value) -> float | None:
    """A finite number, else None (booleans are not numbers here)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def integer(value) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Measured:
    """The float errors one test measured for one op, dtype and device (``conformance.accuracy.measured``)."""

    op: str
    dtype: str
    device: str
    elements: int
    max: float
    p99: float
    mismatches: int  # non-finite class or zero sign wrong
    budget: float  # the largest budget of an element
    edges: tuple[float, ...]  # the histogram's upper bucket edges (ULPs); the last count is beyond them
    counts: tuple[int, ...]

    @classmethod
    def read(cls, value) -> Measured | None:
        """One entry of a record's ``ulp`` mapping; None where a field is missing or of the wrong type."""
        value, histogram = mapping(value), mapping(mapping(value).get("histogram"))
        names = [text(value.get(k)) for k in ("op", "dtype", "device")]
        numbers = [number(value.get(k)) for k in ("max", "p99", "budget")]
        counts = [integer(value.get(k)) for k in ("elements", "nonfinite_mismatches")]
        edges, buckets = histogram.get("edges"), histogram.get("counts")
        if None in names + numbers + counts or not isinstance(edges, list) or not isinstance(buckets, list):
            return None
        edges, buckets = [number(e) for e in edges], [integer(c) for c in buckets]
        if None in edges + buckets or len(buckets) != len(edges) + 1:
            return None
        return cls(*names, counts[0], *numbers[:2], counts[1], numbers[2], tuple(edges), tuple(buckets))


@dataclass(frozen=True)
class TestResult:
    """One ``test`` record; every field but the node id and the outcome is optional."""

    nodeid: str
    outcome: str
    family: str | None = None
    invariant: str | None = None
    op: str | None = None
    op_area: str | None = None  # the registry area of the op; None: another catalogue's op, or an older record
    device: str | None = None  # None: a module that failed to import, counted on every device
    dtype: str | None = None
    torch: str | None = None
    reason: str | None = None
    duration: float | None = None
    examples: int | None = None
    source: str | None = None  # the rule's documentation and the entry's
    rule: str | None = None  # the rule's documentation alone (None in older records)
    message: str | None = None
    falsifying_example: str | None = None
    repro: str | None = None
    ulp: tuple[Measured, ...] = ()  # the float errors the test measured, per op, dtype and device
    core_aten: tuple[str, ...] = ()  # the Core ATen overloads the test's op reached (core-aten.reaches)

    @classmethod
    def read(cls, record: dict) -> TestResult | None:
        """The usable part of a record; None when it has no node id or no known outcome."""
        nodeid, outcome = text(record.get("nodeid")), record.get("outcome")
        if not nodeid or outcome not in OUTCOMES:
            return None
        optional = {f.name: text(record.get(f.name)) for f in fields(cls)
                    if f.name not in ("nodeid", "outcome", "duration", "examples", "ulp", "core_aten")}
        measured = tuple(m for m in map(Measured.read, mapping(record.get("ulp")).values()) if m is not None)
        reached = record.get("core_aten")
        reached = tuple(r for r in reached if text(r)) if isinstance(reached, list) else ()
        return cls(nodeid=nodeid, outcome=outcome, duration=number(record.get("duration")),
                   examples=integer(record.get("examples")), ulp=measured, core_aten=reached, **optional)


@dataclass(frozen=True)
class Unmatched:
    """A ``divergence`` record: a known divergence that matched no test."""

    invariant: str | None
    op: str | None
    device: str | None
    torch: str | None
    reason: str | None
    link: str | None

    @classmethod
    def read(cls, record: dict) -> Unmatched:
        return cls(**{f.name: text(record.get(f.name)) for f in fields(cls)})


@dataclass(frozen=True)
class End:
    """The ``end`` record: end time, exit status and outcome counts."""

    end: str | None
    exitstatus: int | None
    counts: dict[str, int]

    @classmethod
    def read(cls, record: dict) -> End:
        counts = {str(k): v for k, v in mapping(record.get("counts")).items() if integer(v) is not None}
        return cls(text(record.get("end")), integer(record.get("exitstatus")), counts)


@dataclass(frozen=True)
class CoreAten:
    """The Core ATen opset of a run's torch: how many overloads are core, and those a public route reaches."""

    core: int
    reachable: tuple[str, ...]

    @classmethod
    def read(cls, value) -> CoreAten | None:
        value = mapping(value)
        core, reachable = integer(value.get("core")), value.get("reachable")
        if core is None or not isinstance(reachable, list):
            return None
        return cls(core, tuple(r for r in reachable if text(r)))


@dataclass
class Run:
    """One conformance run: its ``run`` record, its tests, unmatched divergences and ``end`` record."""

    source: str
    schema: int
    start: str = ""
    torch: str = "unknown"
    torch_git: str | None = None
    suite_git: str | None = None
    cuda: str | None = None
    device_list: list[str] = field(default_factory=list)
    device_names: dict[str, str] = field(default_factory=dict)
    host: str | None = None
    profile: str | None = None
    seed: str | None = None
    env: str | None = None
    core_aten: CoreAten | None = None  # the Core ATen opset of the run's torch (None in older records)
    tests: list[TestResult] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    end: End | None = None

    @classmethod
    def read(cls, source: str, record: dict) -> Run:
        devices = record.get("devices")
        return cls(source=source, schema=integer(record.get("schema")) or 1,
                   start=text(record.get("start")) or "", torch=text(record.get("torch")) or "unknown",
                   torch_git=text(record.get("torch_git")), suite_git=text(record.get("suite_git")),
                   cuda=text(record.get("cuda")),
                   device_list=[str(d) for d in devices if text(d)] if isinstance(devices, list) else [],
                   device_names={str(k): str(v) for k, v in mapping(record.get("device_names")).items()
                                 if text(v)},
                   host=text(record.get("host")), profile=text(record.get("profile")),
                   seed=text(record.get("seed")), env=text(record.get("env")),
                   core_aten=CoreAten.read(record.get("core_aten")))

    @property
    def night(self) -> str:
        """The UTC date the run started (``YYYY-MM-DD``)."""
        return self.start[:10] or "?"

    @property
    def devices(self) -> list[str]:
        return self.device_list or sorted({t.device for t in self.tests if t.device}) or ["-"]

    def tests_on(self, device: str) -> list[TestResult]:
        """Tests of a device; a test without a device (a module that failed to import) counts on every one."""
        return [t for t in self.tests if t.device in (device, None)]


@dataclass(frozen=True)
class Environment:
    """What a benchmark figure depends on besides the code: the gate compares only figures of one environment."""

    torch: str | None
    torch_git: str | None
    cuda: str | None
    device: str | None
    device_model: str | None  # the CPU's brand for cpu; not recorded for accelerators
    threads: int | None
    size: str | None

    @property
    def label(self) -> str:
        parts = [f"torch {self.torch or '?'}", self.device or "?"]
        if self.device_model:
            parts.append(self.device_model)
        parts.append("? threads" if self.threads is None else f"{self.threads} thread" + "s" * (self.threads != 1))
        parts.append(f"{self.size or '?'} set")
        return " · ".join(parts)


@dataclass
class BenchPoint:
    """One benchmark of one pytest-benchmark file."""

    source: str
    when: str
    name: str
    fullname: str
    median: float
    min: float | None = None
    max_time: float | None = None  # the run's --benchmark-max-time for this benchmark
    environment: Environment = Environment(None, None, None, None, None, None, None)
    op: str | None = None
    dtype: str | None = None
    gbps: float | None = None
    gflops: float | None = None
    bound: str | None = None
    peak: float | None = None
    peak_unit: str | None = None
    pct_peak: float | None = None

    @property
    def torch(self) -> str:
        return self.environment.torch or "unknown"

    @property
    def device(self) -> str:
        return self.environment.device or "-"

    @property
    def size(self) -> str:
        return self.environment.size or "-"


@dataclass(frozen=True)
class GateRow:
    """One benchmark's verdict in a gate file (figures are seconds per call of the gate's statistic)."""

    fullname: str
    verdict: str  # ok, cleared, slower, new
    name: str | None = None
    size: str | None = None
    environment: str | None = None  # Environment.label
    baseline: float | None = None  # median of the previous nights' figures
    nights: int | None = None  # how many nights the baseline is the median of
    new: float | None = None  # tonight's figure
    reruns: tuple[float, ...] = ()
    best: float | None = None  # the least of tonight's figure and the re-runs'
    change: float | None = None  # best / baseline - 1

    @classmethod
    def read(cls, record: dict) -> GateRow | None:
        fullname, verdict = text(record.get("fullname")), text(record.get("verdict"))
        if not fullname or not verdict:
            return None
        reruns = record.get("reruns")
        return cls(fullname=fullname, verdict=verdict, name=text(record.get("name")), size=text(record.get("size")),
                   environment=text(record.get("environment")),
                   baseline=number(record.get("baseline")), nights=integer(record.get("nights")),
                   new=number(record.get("new")),
                   reruns=tuple(v for v in map(number, reruns) if v is not None) if isinstance(reruns, list) else (),
                   best=number(record.get("best")), change=number(record.get("change")))


@dataclass
class GateReport:
    """A benchmark gate verdict file: one night's run judged against the previous nights (reports.gate)."""

    source: str
    when: str  # the judged run's date and time
    threshold: float | None
    stat: str
    rows: list[GateRow]

    @property
    def slower(self) -> list[GateRow]:
        return [row for row in self.rows if row.verdict == "slower"]


@dataclass
class History:
    runs: list[Run] = field(default_factory=list)
    bench: list[BenchPoint] = field(default_factory=list)
    gates: list[GateReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def version_key(version: str):
    """Sort key of a torch version string; unparsable ones sort first, by text."""
    try:
        return (1, Version(version), version)
    except InvalidVersion:
        return (0, Version("0"), version)


def load(folder: Path, skip: Path | None = None, results: bool = True) -> History:
    """Every result (unless not ``results``), benchmark and gate file under ``folder`` (but ``skip``), by time."""
    history = History()
    skip = skip.resolve() if skip is not None else None
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if (not path.is_file() or any(part.startswith(".") for part in relative.parts)
                or (skip is not None and (path.resolve() == skip or skip in path.resolve().parents))):
            continue
        if path.suffix == ".jsonl" and results:
            _load_results(path, str(relative), history)
        elif path.suffix == ".json":
            load_json(path, str(relative), history)
    history.runs.sort(key=lambda run: run.start)
    history.bench.sort(key=lambda point: point.when)
    history.gates.sort(key=lambda gate: gate.when)
    return history


def _load_results(path: Path, name: str, history: History) -> None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        history.problems.append(Problem(name, f"cannot be read: {error}"))
        return
    run = None
    for number_, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            kind = record["kind"]
        except (ValueError, TypeError, KeyError):
            history.problems.append(Problem(name, f"line {number_} is not a result record (corrupt or truncated); "
                                                  "it is left out"))
            continue
        if kind == "run":
            run = Run.read(name, record)
            if run.schema > SCHEMA:
                history.problems.append(Problem(name, f"line {number_}: result schema {run.schema}, newer than "
                                                      f"this dashboard's {SCHEMA}: fields it does not know are "
                                                      "not shown"))
            history.runs.append(run)
        elif run is None:
            history.problems.append(Problem(name, f"line {number_}: a {kind!r} record before any run record: "
                                                  "not a conformance result file"))
            return
        elif kind == "test":
            test = TestResult.read(record)
            if test is None:
                history.problems.append(Problem(name, f"line {number_}: a test record without a node id or a known "
                                                      f"outcome ({record.get('outcome')!r}); it is left out"))
            else:
                run.tests.append(test)
        elif kind == "divergence":
            run.unmatched.append(Unmatched.read(record))
        elif kind == "end":
            run.end = End.read(record)
        else:
            history.problems.append(Problem(name, f"line {number_}: unknown record kind {kind!r}; it is left out"))
    if run is not None and run.end is None:
        history.problems.append(Problem(name, "no end record: the run crashed or is still going; "
                                              "its tests so far are shown"))


def load_json(path: Path, name: str, history: History) -> None:
    """A pytest-benchmark file or a gate verdict file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        history.problems.append(Problem(name, f"not valid JSON: {error}"))
        return
    if isinstance(data, dict) and data.get("kind") == GATE_KIND:
        _load_gate(data, name, history)
    elif isinstance(data, dict) and isinstance(data.get("benchmarks"), list):
        _load_benchmarks(data, name, history)
    else:
        history.problems.append(Problem(name, "not a pytest-benchmark file (no 'benchmarks' list) "
                                              "nor a benchmark gate verdict"))


def _load_benchmarks(data: dict, name: str, history: History) -> None:
    machine = mapping(data.get("machine_info"))
    when = text(data.get("datetime")) or ""
    for index, bench in enumerate(data["benchmarks"]):
        bench = mapping(bench)
        stats, info = mapping(bench.get("stats")), mapping(bench.get("extra_info"))
        options = mapping(bench.get("options"))
        bench_name, median = text(bench.get("name")), number(stats.get("median"))
        if not bench_name or median is None:
            history.problems.append(Problem(name, f"benchmark {index} lacks a name or a median time; "
                                                  "it is left out"))
            continue
        device = text(info.get("device"))
        threads = integer(info.get("threads"))
        environment = Environment(
            torch=text(info.get("torch")) or text(machine.get("torch")),
            torch_git=text(machine.get("torch_git")), cuda=text(machine.get("cuda")), device=device,
            device_model=text(mapping(machine.get("cpu")).get("brand_raw")) if device == "cpu" else None,
            threads=threads if threads is not None else integer(machine.get("threads")),
            size=text(info.get("size_set")) or text(machine.get("bench_size")))
        history.bench.append(BenchPoint(
            source=name, when=when, name=bench_name, fullname=text(bench.get("fullname")) or bench_name,
            median=median, min=number(stats.get("min")), max_time=number(options.get("max_time")),
            environment=environment, op=text(info.get("op")) or bench_name, dtype=text(info.get("dtype")),
            gbps=number(info.get("gbps")), gflops=number(info.get("gflops")), bound=text(info.get("bound")),
            peak=number(info.get("peak")), peak_unit=text(info.get("peak_unit")),
            pct_peak=number(info.get("pct_peak"))))


def _load_gate(data: dict, name: str, history: History) -> None:
    rows = []
    records = data.get("benchmarks") if isinstance(data.get("benchmarks"), list) else []
    for index, record in enumerate(records):
        row = GateRow.read(mapping(record))
        if row is None:
            history.problems.append(Problem(name, f"gate verdict {index} lacks a benchmark name or a verdict; "
                                                  "it is left out"))
        else:
            rows.append(row)
    history.gates.append(GateReport(source=name, when=text(data.get("when")) or "",
                                    threshold=number(data.get("threshold")), stat=text(data.get("stat")) or "min",
                                    rows=rows))
