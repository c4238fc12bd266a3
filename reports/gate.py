"""The benchmark gate: tonight's benchmark run against the previous nights of the same environment.

    python -m reports.benchcompare gate NEW [--history DIR ...] [--out PATH] [-- PYTEST_ARGS ...]

NEW is a pytest-benchmark file, or a folder whose newest benchmark file is judged; the previous nights
are every benchmark file under NEW's folder and the ``--history`` folders that ran before it in the same
environment: torch version and git hash, CUDA, device (and CPU model), intra-op threads, size set.

The rule, for each benchmark (figures are its **minimum** time per call over its rounds):

1. baseline: the median of its minimums in the last ``--nights`` (5) runs of the environment; with fewer
   than ``--min-nights`` (3) it is ``new`` and not judged;
2. flagged: tonight's minimum exceeds the baseline by more than ``--threshold`` (20%);
3. a flagged benchmark is run again (``--reruns`` times at most, with five times the timing budget,
   the size set, threads and devices of the night's run, and PYTEST_ARGS): its figure becomes the least
   of all its minimums.  Still over the threshold after the last re-run: ``slower`` (confirmed);
   within it after any: ``cleared``.

Other processes only ever add time, so a minimum moves with the code much more than with the load; the
median of several nights is not moved by one lucky or unlucky night; a re-run tells a busy moment of the
machine from slow code.  The exit status is 1 when any benchmark is confirmed slower.  ``--out`` writes
the verdicts as JSON (a folder gets a dated file), which the dashboard shows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from reports.benchcompare import format_table, seconds
from reports.history import GATE_KIND, BenchPoint, History, load, load_json

THRESHOLD = 0.2
NIGHTS = 5
MIN_NIGHTS = 3
RERUNS = 2
RERUN_TIME_FACTOR = 5  # a re-run times each benchmark this many times longer than the night's run did
SCHEMA = 1  # of the verdict file


@dataclass
class Verdict:
    """One benchmark of tonight's run: its baseline, its figures and what the gate made of them."""

    point: BenchPoint
    baseline: float | None
    nights: list[str]  # when each night of the baseline ran
    verdict: str  # new, ok, flagged (before re-runs), cleared, slower
    reruns: list[float] = field(default_factory=list)

    @property
    def best(self) -> float | None:
        figures = [f for f in (self.point.min, *self.reruns) if f is not None]
        return min(figures) if figures else None

    @property
    def change(self) -> float | None:
        """Relative change of the best figure from the baseline: 0.25 is 25% slower."""
        return None if self.baseline is None or self.best is None else self.best / self.baseline - 1.0

    def over(self, threshold: float) -> bool:
        return self.change is not None and self.change > threshold

    def record(self) -> dict:
        return {"fullname": self.point.fullname, "name": self.point.name, "op": self.point.op,
                "device": self.point.device, "size": self.point.size, "environment": self.point.environment.label,
                "verdict": self.verdict, "baseline": self.baseline, "nights": len(self.nights),
                "baseline_nights": self.nights, "new": self.point.min, "reruns": self.reruns,
                "best": self.best, "change": self.change}


def judge(tonight: list[BenchPoint], previous: list[BenchPoint], threshold: float = THRESHOLD,
          nights: int = NIGHTS, min_nights: int = MIN_NIGHTS) -> list[Verdict]:
    """Steps 1 and 2 of the rule: each of tonight's benchmarks ``new``, ``ok`` or ``flagged``."""
    earlier: dict[tuple, dict[str, BenchPoint]] = defaultdict(dict)
    for point in previous:
        if point.min is not None:
            earlier[point.fullname, point.environment][point.when] = point  # one figure per run
    verdicts = []
    for point in tonight:
        runs = sorted((p for when, p in earlier[point.fullname, point.environment].items() if when < point.when),
                      key=lambda p: p.when)[-nights:]
        if point.min is None or len(runs) < min_nights:
            verdicts.append(Verdict(point, None, [p.when for p in runs], "new"))
            continue
        baseline = statistics.median(p.min for p in runs)
        verdict = Verdict(point, baseline, [p.when for p in runs], "ok")
        verdict.verdict = "flagged" if verdict.over(threshold) else "ok"
        verdicts.append(verdict)
    return verdicts


Rerun = Callable[[list[BenchPoint]], dict[str, float]]


def confirm(verdicts: list[Verdict], rerun: Rerun, reruns: int = RERUNS, threshold: float = THRESHOLD) -> None:
    """Step 3: re-run the flagged benchmarks; each ends ``cleared`` or ``slower``."""
    for _ in range(reruns):
        flagged = [v for v in verdicts if v.verdict == "flagged"]
        if not flagged:
            return
        figures = rerun([v.point for v in flagged])
        for v in flagged:
            if figures.get(v.point.fullname) is not None:
                v.reruns.append(figures[v.point.fullname])
            if not v.over(threshold):
                v.verdict = "cleared"
    for v in verdicts:
        if v.verdict == "flagged":
            v.verdict = "slower"


class RerunError(RuntimeError):
    pass


def pytest_rerun(extra_args: list[str], root: Path) -> Rerun:
    """Re-run benchmarks with pytest in ``root``, as the night's run ran them but with a longer budget."""

    def rerun(points: list[BenchPoint]) -> dict[str, float]:
        environment = points[0].environment
        budget = max((p.max_time for p in points if p.max_time), default=0.2) * RERUN_TIME_FACTOR
        with tempfile.TemporaryDirectory(prefix="benchmark-gate-") as folder:
            out = Path(folder) / "rerun.json"
            command = [sys.executable, "-m", "pytest", *sorted({p.fullname for p in points}), "--benchmark-only",
                       "-p", "no:xdist", "-q", f"--benchmark-max-time={budget:g}", f"--benchmark-json={out}"]
            if environment.size:
                command.append(f"--bench-size={environment.size}")
            if environment.threads is not None:
                command.append(f"--bench-threads={environment.threads}")
            command += [f"--device={device}" for device in sorted({p.device for p in points})]
            command += extra_args
            print(f"re-running {len(points)} flagged benchmark(s): {' '.join(command)}", flush=True)
            result = subprocess.run(command, cwd=root, capture_output=True, text=True)
            if not out.exists():
                raise RerunError(f"the re-run wrote no results (exit status {result.returncode}):\n"
                                 + "\n".join((result.stdout + result.stderr).splitlines()[-30:]))
            data = json.loads(out.read_text())
        return {b["fullname"]: b["stats"]["min"] for b in data["benchmarks"]}

    return rerun


def newest_run(new: Path) -> tuple[list[BenchPoint], History]:
    """The benchmarks of NEW (a file, or the newest benchmark file under a folder) and what loading found."""
    history = History()
    if new.is_dir():
        history = load(new, results=False)
    else:
        load_json(new, new.name, history)
    if not history.bench:
        return [], history
    latest = max(history.bench, key=lambda p: p.when)
    return [p for p in history.bench if p.source == latest.source], history


def table(verdicts: list[Verdict]) -> str:
    """Minimum times per call: the baseline (median over its nights), tonight's, the re-runs'."""
    rows = [[v.point.name, seconds(v.baseline), str(len(v.nights)), seconds(v.point.min),
             " ".join(seconds(r) for r in v.reruns) or "-", "-" if v.change is None else f"{v.change:+.1%}",
             v.verdict.upper() if v.verdict == "slower" else v.verdict] for v in verdicts]
    return format_table(["benchmark", "baseline", "nights", "tonight", "re-runs", "change", "verdict"], rows)


def write(out: str, verdicts: list[Verdict], when: str, *, threshold: float = THRESHOLD, nights: int = NIGHTS,
          min_nights: int = MIN_NIGHTS, reruns: int = RERUNS) -> Path:
    """The verdict file; a folder (or a path ending in '/') gets a new dated file inside."""
    path = Path(out)
    if out.endswith(("/", os.sep)) or path.is_dir():
        path = path / f"gate-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%fZ')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "kind": GATE_KIND, "schema": SCHEMA, "when": when, "checked": datetime.now(timezone.utc).isoformat(),
        "stat": "min", "threshold": threshold, "nights": nights, "min_nights": min_nights, "reruns": reruns,
        "benchmarks": [v.record() for v in verdicts]}, indent=1))
    return path


def main(argv: list[str]) -> int:
    argv, extra = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    parser = argparse.ArgumentParser(prog="python -m reports.benchcompare gate",
                                     description=__doc__.split("\n\n")[0],
                                     epilog="Arguments after -- are passed to the pytest re-runs.")
    parser.add_argument("new", type=Path, metavar="NEW", help="tonight's pytest-benchmark file, or its folder")
    parser.add_argument("--history", type=Path, action="append", default=[], metavar="DIR",
                        help="folder of previous nights' benchmark files (repeatable; NEW's folder is always read)")
    parser.add_argument("--threshold", type=float, default=THRESHOLD,
                        help=f"slowdown flagged above this fraction of the baseline (default {THRESHOLD})")
    parser.add_argument("--nights", type=int, default=NIGHTS,
                        help=f"the baseline is the median of this many previous nights (default {NIGHTS})")
    parser.add_argument("--min-nights", type=int, default=MIN_NIGHTS,
                        help=f"fewer previous nights than this: not judged (default {MIN_NIGHTS})")
    parser.add_argument("--reruns", type=int, default=RERUNS,
                        help=f"re-runs of a flagged benchmark before it is confirmed (default {RERUNS}; "
                             "0: confirmed at once)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="where the re-runs run pytest (default: here)")
    parser.add_argument("--out", metavar="PATH", help="write the verdicts here as JSON (a folder gets a dated file)")
    args = parser.parse_args(argv)
    if not args.new.exists():
        parser.error(f"{args.new} does not exist")

    tonight, found = newest_run(args.new)
    previous = []
    for folder in [args.new if args.new.is_dir() else args.new.parent, *args.history]:
        if folder.is_dir():
            loaded = load(folder, results=False)
            previous += loaded.bench
            found.problems += loaded.problems
    for problem in found.problems:
        print(f"warning: {problem.path}: {problem.message}", file=sys.stderr)
    if not tonight:
        print(f"gate: no benchmark results in {args.new}", file=sys.stderr)
        return 2
    verdicts = judge(tonight, previous, args.threshold, args.nights, args.min_nights)
    try:
        confirm(verdicts, pytest_rerun(extra, args.root), args.reruns, args.threshold)
    except RerunError as error:
        print(f"gate: {error}", file=sys.stderr)
        for v in verdicts:
            v.verdict = "slower" if v.verdict == "flagged" else v.verdict  # flagged and not refuted
    print(f"gate of {tonight[0].source}, run {tonight[0].when}:")
    print(table(verdicts))
    if args.out:
        path = write(args.out, verdicts, tonight[0].when, threshold=args.threshold, nights=args.nights,
                     min_nights=args.min_nights, reruns=args.reruns)
        print(f"verdicts: {path}")
    counts = {name: sum(v.verdict == name for v in verdicts) for name in ("slower", "cleared", "new", "ok")}
    print(f"\n{counts['slower']} of {len(verdicts)} benchmarks confirmed slower than the median of their last "
          f"{args.nights} nights by more than {args.threshold:.0%} (minimum time per call); {counts['cleared']} "
          f"flagged and cleared by a re-run; {counts['new']} with fewer than {args.min_nights} previous nights")
    return 1 if counts["slower"] else 0
