"""The nightly benchmark gate (reports.gate), whose verdicts the dashboard shows: the rule on synthetic
nights, the command's exit status and verdict file, and one real re-run through pytest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from reports import benchcompare, gate
from reports.history import BenchPoint, Environment, load

ROOT = Path(__file__).resolve().parent.parent
ENV = Environment("2.13.0+cpu", "cf30153", None, "cpu", "Test CPU", 1, "small")


def _point(minimum: float | None, day: int, environment: Environment = ENV, name: str = "add") -> BenchPoint:
    return BenchPoint(source=f"night{day}.json", when=f"2026-11-{day:02d}T00:30:00", name=f"test_hot_op[cpu-{name}]",
                      fullname=f"t.py::test_hot_op[cpu-{name}]", median=(minimum or 1.0) * 1.1, min=minimum,
                      environment=environment, op=name)


def _nights(*minimums: float, environment: Environment = ENV) -> list[BenchPoint]:
    return [_point(m, day, environment) for day, m in enumerate(minimums, 1)]


def _judge(tonight: float, *previous: float, **kwargs) -> gate.Verdict:
    return gate.judge([_point(tonight, 20)], _nights(*previous), **kwargs)[0]


def test_slowdown_over_the_threshold_is_flagged_against_the_median_of_the_last_nights():
    verdict = _judge(1.25, 1.0, 1.02, 0.98, 1.01, 0.99)
    assert (verdict.verdict, verdict.baseline, len(verdict.nights)) == ("flagged", 1.0, 5)
    assert verdict.change == pytest.approx(0.25)
    assert _judge(1.15, 1.0, 1.02, 0.98, 1.01, 0.99).verdict == "ok"
    assert _judge(0.5, 1.0, 1.02, 0.98, 1.01, 0.99).verdict == "ok"  # faster is never an alarm


def test_one_odd_night_moves_the_baseline_neither_way():
    assert _judge(1.1, 1.0, 0.6, 1.0, 1.0, 1.0).verdict == "ok"  # a lucky night does not raise an alarm
    assert _judge(1.25, 1.0, 1.9, 1.0, 1.0, 1.0).verdict == "flagged"  # a busy night does not hide one


def test_only_the_last_nights_before_tonight_count():
    verdict = gate.judge([_point(1.25, 20)], _nights(2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0)
                         + [_point(0.5, 25), _point(0.5, 26)], nights=5)[0]
    assert verdict.baseline == 1.0 and verdict.nights == [f"2026-11-0{d}T00:30:00" for d in range(4, 9)]


def test_other_environments_are_not_compared():
    for field, value in [("torch_git", "another"), ("threads", 2), ("size", "large"), ("device_model", "Other CPU"),
                         ("torch", "2.15.0"), ("cuda", "12.8")]:
        other = replace(ENV, **{field: value})
        verdict = gate.judge([_point(9.0, 20)], _nights(1.0, 1.0, 1.0, environment=other))[0]
        assert verdict.verdict == "new" and verdict.nights == [], field


def test_too_little_history_or_no_minimum_is_not_judged():
    assert _judge(9.0, 1.0, 1.0).verdict == "new"
    assert _judge(9.0, 1.0, 1.0, min_nights=2).verdict == "flagged"
    assert gate.judge([_point(None, 20)], _nights(1.0, 1.0, 1.0))[0].verdict == "new"


def test_a_flagged_benchmark_is_confirmed_only_if_its_reruns_stay_slow():
    def rerun_with(*figures):
        calls = iter(figures)
        return lambda points: {p.fullname: next(calls) for p in points}

    slow, cleared, once = (_judge(1.3, 1.0, 1.0, 1.0) for _ in range(3))
    gate.confirm([slow], rerun_with(1.28, 1.27))
    assert (slow.verdict, slow.reruns, slow.best) == ("slower", [1.28, 1.27], 1.27)
    gate.confirm([cleared], rerun_with(1.1, 9.9))
    assert (cleared.verdict, cleared.reruns) == ("cleared", [1.1])  # cleared at the first re-run: no second
    gate.confirm([once], rerun_with(), reruns=0)
    assert once.verdict == "slower"


def _bench_file(path: Path, minimum: float, when: str, **machine) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "datetime": when, "machine_info": {"torch": "2.13.0+cpu", "torch_git": "g", "bench_size": "small",
                                           "threads": 1, "cpu": {"brand_raw": "Test CPU"}, **machine},
        "benchmarks": [{"name": "test_hot_op[cpu-add]", "fullname": "t.py::test_hot_op[cpu-add]",
                        "stats": {"min": minimum, "median": minimum * 1.1}, "options": {"max_time": 0.2},
                        "extra_info": {"op": "add", "device": "cpu", "size_set": "small", "threads": 1}}]}))
    return path


def test_command_exit_status_table_and_verdict_file(tmp_path, monkeypatch, capsys):
    history = tmp_path / "history"
    for day in (1, 2, 3):
        _bench_file(history / f"n{day}.json", 1e-4, f"2026-11-0{day}T00:30:00")
    tonight = _bench_file(tmp_path / "tonight" / "run.json", 1.3e-4, "2026-11-04T00:30:00")
    monkeypatch.setattr(gate, "pytest_rerun", lambda extra, root: lambda points: {p.fullname: 1.29e-4 for p in points})
    assert benchcompare.main(["gate", str(tonight.parent), "--history", str(history), "--out", f"{tmp_path}/v/"]) == 1
    out = capsys.readouterr().out
    assert "test_hot_op[cpu-add]" in out and "100 us" in out and "129 us" in out and "+29.0%" in out
    assert "SLOWER" in out and "1 of 1 benchmarks confirmed slower" in out
    verdicts = load(tmp_path / "v").gates[0]
    assert verdicts.when == "2026-11-04T00:30:00" and verdicts.threshold == 0.2
    assert [(r.verdict, r.baseline, r.new, r.reruns, r.nights) for r in verdicts.rows] == \
        [("slower", 1e-4, 1.3e-4, (1.29e-4, 1.29e-4), 3)]

    monkeypatch.setattr(gate, "pytest_rerun", lambda extra, root: lambda points: {p.fullname: 1.05e-4 for p in points})
    assert benchcompare.main(["gate", str(tonight), "--history", str(history)]) == 0
    assert "1 flagged and cleared by a re-run" in capsys.readouterr().out


def test_a_real_rerun_through_pytest(tmp_path):
    """A night of ``detach`` a thousand times slower than the nights before: flagged, run again through pytest
    (with the arguments after --), and confirmed; the re-run's figure is a real time per call."""
    detach = "conformance/test_benchmarks.py::test_hot_op[cpu-detach]"
    for day, minimum in ((1, 1e-12), (2, 1e-12), (3, 1e-12), (4, 1e-9)):
        path = _bench_file(tmp_path / ("tonight" if day == 4 else "history") / f"n{day}.json", minimum,
                           f"2026-11-0{day}T00:30:00")
        data = json.loads(path.read_text())
        data["benchmarks"][0].update(name="test_hot_op[cpu-detach]", fullname=detach, options={"max_time": 0.01})
        path.write_text(json.dumps(data))
    result = subprocess.run([sys.executable, "-m", "reports.benchcompare", "gate", str(tmp_path / "tonight"),
                             "--history", str(tmp_path / "history"), "--reruns", "1", "--out", str(tmp_path / "v.json"),
                             "--", "--benchmark-min-rounds=7"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTEST_ADDOPTS": ""})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "re-running 1 flagged benchmark(s)" in result.stdout and "--benchmark-min-rounds=7" in result.stdout
    assert "--bench-size=small --bench-threads=1 --device=cpu" in result.stdout
    row = load(tmp_path).gates[0].rows[0]
    assert row.verdict == "slower" and len(row.reruns) == 1 and 1e-8 < row.reruns[0] < 1e-3
