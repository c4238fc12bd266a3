"""Reading a history folder: result files (``*.jsonl``, from ``--report``) and pytest-benchmark files (``*.json``).

Every file that cannot be read as one of the two yields a :class:`Problem` naming it, and loading goes on;
a result file with a corrupt line keeps its other lines.  Other file types, hidden folders and the
dashboard's own output folder are not looked at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import InvalidVersion, Version

from reports.plugin import SCHEMA

BAD = ("fail", "error")  # outcomes that are failures
OUTCOMES = ("pass", "fail", "error", "xfail", "xpass", "skip")


@dataclass
class Problem:
    path: str  # relative to the history folder
    message: str


@dataclass
class Run:
    """One conformance run: its ``run`` record, its tests, unmatched divergences and ``end`` record."""

    source: str
    info: dict
    tests: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    end: dict | None = None

    @property
    def start(self) -> str:
        return str(self.info.get("start", ""))

    @property
    def torch(self) -> str:
        return str(self.info.get("torch", "unknown"))

    @property
    def devices(self) -> list[str]:
        devices = [str(d) for d in self.info.get("devices") or []]
        return devices or sorted({str(t["device"]) for t in self.tests if t.get("device")}) or ["-"]

    def tests_on(self, device: str) -> list[dict]:
        """Tests of a device; a test without a device (a module that failed to import) counts on every one."""
        return [t for t in self.tests if t.get("device") in (device, None)]


@dataclass
class BenchPoint:
    """One benchmark of one pytest-benchmark file."""

    source: str
    when: str
    torch: str
    name: str
    op: str
    device: str
    dtype: str
    size: str
    median: float
    info: dict


@dataclass
class History:
    runs: list[Run] = field(default_factory=list)
    bench: list[BenchPoint] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def version_key(version: str):
    """Sort key of a torch version string; unparsable ones sort first, by text."""
    try:
        return (1, Version(version), version)
    except InvalidVersion:
        return (0, Version("0"), version)


def load(folder: Path, skip: Path | None = None) -> History:
    """Every result and benchmark file under ``folder`` (but ``skip``), runs sorted by start time."""
    history = History()
    skip = skip.resolve() if skip is not None else None
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if (not path.is_file() or any(part.startswith(".") for part in relative.parts)
                or (skip is not None and (path.resolve() == skip or skip in path.resolve().parents))):
            continue
        if path.suffix == ".jsonl":
            _load_results(path, str(relative), history)
        elif path.suffix == ".json":
            _load_benchmarks(path, str(relative), history)
    history.runs.sort(key=lambda run: run.start)
    history.bench.sort(key=lambda point: point.when)
    return history


def _load_results(path: Path, name: str, history: History) -> None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        history.problems.append(Problem(name, f"cannot be read: {error}"))
        return
    run = None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            kind = record["kind"]
        except (ValueError, TypeError, KeyError):
            history.problems.append(Problem(name, f"line {number} is not a result record (corrupt or truncated); "
                                                  "it is left out"))
            continue
        if kind == "run":
            if record.get("schema") != SCHEMA:
                history.problems.append(Problem(name, f"line {number}: result schema {record.get('schema')!r}, "
                                                      f"this dashboard reads {SCHEMA}; the run is left out"))
                run = None
                continue
            run = Run(name, record)
            history.runs.append(run)
        elif run is None:
            history.problems.append(Problem(name, f"line {number}: a {kind!r} record before any run record: "
                                                  "not a conformance result file"))
            return
        elif kind == "test":
            run.tests.append(record)
        elif kind == "divergence":
            run.unmatched.append(record)
        elif kind == "end":
            run.end = record
        else:
            history.problems.append(Problem(name, f"line {number}: unknown record kind {kind!r}; it is left out"))
    if run is not None and run.end is None:
        history.problems.append(Problem(name, "no end record: the run crashed or is still going; "
                                              "its tests so far are shown"))


def _load_benchmarks(path: Path, name: str, history: History) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        benchmarks = data["benchmarks"]
        machine = data.get("machine_info") or {}
        if not isinstance(benchmarks, list):
            raise TypeError
    except (OSError, UnicodeDecodeError, ValueError) as error:
        history.problems.append(Problem(name, f"not valid JSON: {error}"))
        return
    except (KeyError, TypeError, AttributeError):
        history.problems.append(Problem(name, "not a pytest-benchmark file (no 'benchmarks' list)"))
        return
    for number, bench in enumerate(benchmarks):
        try:
            info = bench.get("extra_info") or {}
            history.bench.append(BenchPoint(
                source=name, when=str(data.get("datetime", "")),
                torch=str(info.get("torch") or machine.get("torch") or "unknown"),
                name=str(bench["name"]), op=str(info.get("op") or bench["name"]),
                device=str(info.get("device", "-")), dtype=str(info.get("dtype", "-")),
                size=str(info.get("size_set") or machine.get("bench_size") or "-"),
                median=float(bench["stats"]["median"]), info=info))
        except (KeyError, TypeError, ValueError, AttributeError):
            history.problems.append(Problem(name, f"benchmark {number} lacks a name or a median time; "
                                                  "it is left out"))
