"""Self-tests of the benchmark accounting (bytes, FLOPs, rates, peaks) and of the regression check."""

from __future__ import annotations

import json
import time

import pytest
import torch

from conformance import bench
from conformance.bench import Sizes, Work
from conformance.test_benchmarks import HOT_OPS
from reports import benchcompare

TINY = Sizes(vector=64, matrix=(8, 4), square=4, gathered=16, chain=32, max_time=0.0)
OPS = {op.name: op for op in HOT_OPS}

# Ops whose minimum traffic is: read every input tensor once, write the result once.
READ_INPUTS_WRITE_RESULT = ["add", "add-out", "mul", "mul-out", "exp", "sum-all", "sum-rows", "sum-cols",
                            "mean-all", "mean-rows", "mean-cols", "matmul-float32", "matmul-bfloat16",
                            "transpose-contiguous", "cat", "mask-index"]


def _tensors(args):
    for arg in args:
        if isinstance(arg, torch.Tensor):
            yield arg
        elif isinstance(arg, (list, tuple)):
            yield from _tensors(arg)


@pytest.mark.parametrize("name", READ_INPUTS_WRITE_RESULT)
def test_bytes_are_inputs_read_plus_result_written(name):
    case = OPS[name].build(TINY, "cpu")
    result = case.fn(*case.args)
    assert case.work.bytes == sum(t.nbytes for t in _tensors(case.args)) + result.nbytes


def test_gather_reads_the_indices_and_only_the_gathered_elements():
    case = OPS["gather-index"].build(TINY, "cpu")
    x, index = case.args
    result = case.fn(*case.args)
    assert case.work.bytes == index.nbytes + 2 * result.nbytes < x.nbytes + index.nbytes + result.nbytes


def test_latency_ops_move_nothing_and_have_no_peak():
    for name in ("from-numpy", "numpy", "detach"):
        case = OPS[name].build(TINY, "cpu")
        assert (case.work, case.bound) == (Work(0), None)


def test_backward_chain_model():
    """exp's backward: read result, write grad (2n); mul's: two products of two inputs (3n each)."""
    assert OPS["backward-chain"].build(TINY, "cpu").work == Work(8 * TINY.chain * 4, 3 * TINY.chain)


def test_flops():
    n = 1000
    assert bench.elementwise(n, 4, inputs=2).flops == n
    assert bench.matmul(3, 5, 7, 2) == Work((3 * 7 + 7 * 5 + 3 * 5) * 2, 2 * 3 * 5 * 7)
    assert bench.reduction(12, 1, 4).flops == 11  # 11 additions sum 12 numbers
    assert bench.reduction(12, 3, 4).flops == 9  # three sums of four
    assert bench.reduction(12, 3, 4, mean=True).flops == 12  # and three divisions
    assert OPS["sum-rows"].build(TINY, "cpu").work.flops == 8 * 3
    assert OPS["sum-cols"].build(TINY, "cpu").work.flops == 4 * 7
    assert OPS["matmul-bfloat16"].build(TINY, "cpu").work.flops == 2 * 4 ** 3
    assert bench.copy(10, 4).flops == bench.gather(10, 4).flops == 0


def test_rates_and_percent():
    assert bench.rates(Work(6_000_000_000, 2_000_000_000), 2.0) == (3.0, 1.0)
    assert bench.percent(25.0, 100.0) == 25.0
    assert bench.percent(25.0, None) is None
    assert Work(1, 2) + Work(10, 20) == Work(11, 22)


def test_peaks_are_measured_once_per_device_and_matmul_dtype():
    calls = []

    def probe(device, dtype):
        calls.append((device, dtype))
        return float(len(calls))

    peaks = bench.Peaks({bench.MEMORY: probe, bench.MATMUL: probe})
    assert peaks.get(bench.MEMORY, "cpu", torch.float32) == peaks.get(bench.MEMORY, "cpu", torch.bfloat16) == 1.0
    assert peaks.get(bench.MATMUL, "cpu", torch.float32) == 2.0
    assert peaks.get(bench.MATMUL, "cpu", torch.bfloat16) == 3.0
    assert peaks.get(bench.MATMUL, "cpu", torch.float32) == 2.0
    assert calls == [("cpu", None), ("cpu", torch.float32), ("cpu", torch.bfloat16)]


def test_cpu_clock_is_perf_counter_without_synchronization():
    assert bench.device_timer("cpu") is time.perf_counter


def test_environment_name(monkeypatch):
    monkeypatch.setenv("TOX_ENV_NAME", "torch212")
    assert bench.environment_name() == "torch212"
    monkeypatch.delenv("TOX_ENV_NAME")
    assert bench.environment_name().startswith(f"torch{torch.__version__}-py")


# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------

def _run(times: dict[str, float], spread: float = 0.5) -> list[dict]:
    """Benchmarks as pytest-benchmark writes them; min is ``spread`` times the median."""
    return [{"name": name, "fullname": f"t.py::{name}", "stats": {"median": t, "min": t * spread},
             "extra_info": {}} for name, t in times.items()]


def test_slowdown_beyond_threshold_is_flagged():
    changes = benchcompare.compare(_run({"a": 1.0, "b": 1.0, "c": 1.0}), _run({"a": 1.25, "b": 1.1, "c": 0.5}),
                                   "median")
    assert [round(c.ratio, 6) for c in changes] == [0.25, 0.1, -0.5]
    assert [c.slower_than(0.2) for c in changes] == [True, False, False]


def test_minimum_is_compared_when_asked():
    old, new = _run({"a": 1.0}, spread=0.5), _run({"a": 1.0}, spread=0.7)
    assert not benchcompare.compare(old, new, "median")[0].slower_than(0.2)
    assert benchcompare.compare(old, new, "min")[0].slower_than(0.2)
    assert benchcompare.compare(old, new)[0].ratio == benchcompare.compare(old, new, "min")[0].ratio


def test_benchmarks_in_one_run_only_are_listed_not_flagged():
    changes = benchcompare.compare(_run({"a": 1.0, "gone": 1.0}), _run({"a": 1.0, "new": 9.0}))
    assert [(c.name, c.ratio) for c in changes] == [("t.py::a", 0.0), ("t.py::new", None), ("t.py::gone", None)]
    assert not any(c.slower_than(0.0) for c in changes)


def _write(path, benchmarks):
    path.write_text(json.dumps({"benchmarks": benchmarks}))
    return str(path)


def test_command_exit_status_and_table(tmp_path, capsys):
    old = _write(tmp_path / "old.json", _run({"a": 1.0, "b": 1.0}))
    same = _write(tmp_path / "same.json", _run({"a": 1.05, "b": 0.97}))
    slow = _write(tmp_path / "slow.json", _run({"a": 1.0, "b": 1.25}))
    assert benchcompare.main([old, same, "--threshold", "0.2"]) == 0
    assert benchcompare.main([old, slow, "--threshold", "0.2"]) == 1
    out = capsys.readouterr().out
    assert "t.py::b" in out and "+25.0%" in out and "SLOWER" in out and "1 of 2 benchmarks slower" in out
    assert benchcompare.main([old, slow, "--threshold", "0.3"]) == 0


def test_rate_table_shows_rates_and_percent_of_peak(tmp_path, capsys):
    info = dict(dtype="float32", shape=[4, 4], layout="contiguous", gbps=12.5, gflops=0.0, pct_peak=41.6,
                peak=30.0, peak_unit="GB/s", bound="copy")
    latency = dict(info, gbps=0.0, pct_peak=None, peak=None, bound=None)
    runs = [{"name": "copy-op", "stats": {"median": 2e-6}, "extra_info": info},
            {"name": "latency-op", "stats": {"median": 4e-7}, "extra_info": latency}]
    assert benchcompare.main([_write(tmp_path / "run.json", runs)]) == 0
    header, rule, copy_row, latency_row = capsys.readouterr().out.splitlines()
    assert header.split()[:9] == ["benchmark", "dtype", "shape", "layout", "median", "GB/s", "GFLOP/s", "%", "peak"]
    assert copy_row.split() == ["copy-op", "float32", "4x4", "contiguous", "2", "us", "12.5", "-", "42%", "30", "GB/s",
                                "copy"]
    assert latency_row.split()[-5:] == ["-", "-", "-", "-", "(latency)"]
