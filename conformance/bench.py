"""Benchmark support: work accounting, the machine's own peaks, and the one shared benchmark runner.

A pytest plugin (registered by ``conformance.plugin``). Benchmarks run with ``--benchmark-only`` (or
``--benchmark-enable``); every other run skips them. Every benchmark goes
through :func:`hot_bench`, which turns warm-up on and GC off, pins the thread count, and on
accelerators times rounds with a clock that synchronizes the device at round boundaries only.
Rates are computed from the median time per call; percent of peak is against a copy-bandwidth,
matmul-rate or host/device-link probe measured once per device in the same session.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import torch
from pytest_benchmark.utils import get_tag

from reports.benchcompare import rate_table

RESULTS = pytest.StashKey[list]()

# What bounds an op, and so which peak its rate is compared with.
MEMORY, MATMUL, LINK = "copy", "matmul", "link"


# ---------------------------------------------------------------------------
# Work accounting: the minimum bytes an op must move and the FLOPs it must do
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Work:
    """Bytes moved (read + written) and floating-point operations of one call."""

    bytes: int
    flops: int = 0

    def __add__(self, other: Work) -> Work:
        return Work(self.bytes + other.bytes, self.flops + other.flops)


def elementwise(numel: int, itemsize: int, inputs: int) -> Work:
    """``inputs`` operands read and one result written, one FLOP per element (exp counts as one)."""
    return Work((inputs + 1) * numel * itemsize, numel)


def reduction(numel: int, outputs: int, itemsize: int, mean: bool = False) -> Work:
    """Read every element, write ``outputs``; ``numel - outputs`` additions, plus a division per output for mean."""
    return Work((numel + outputs) * itemsize, numel - outputs + (outputs if mean else 0))


def matmul(n: int, m: int, k: int, itemsize: int) -> Work:
    """(n, k) @ (k, m): each operand read once, the result written once; 2nmk FLOPs."""
    return Work((n * k + k * m + n * m) * itemsize, 2 * n * m * k)


def copy(numel: int, itemsize: int) -> Work:
    """Every element read once and written once (copy, contiguous, cat)."""
    return Work(2 * numel * itemsize)


def gather(count: int, itemsize: int, index_itemsize: int = 8) -> Work:
    """``x[index]``: each index read, the element it names read, and the result written."""
    return Work(count * (2 * itemsize + index_itemsize))


def masked(numel: int, selected: int, itemsize: int) -> Work:
    """``x[mask]``: the input and its one-byte mask read in full, the ``selected`` elements written."""
    return Work(numel * (itemsize + 1) + selected * itemsize)


def transfer(numel: int, itemsize: int) -> Work:
    """Host/device copy: bytes over the link."""
    return Work(numel * itemsize)


def rates(work: Work, seconds: float) -> tuple[float, float]:
    """(GB/s, GFLOP/s) achieved by ``work`` done in ``seconds``."""
    return work.bytes / seconds / 1e9, work.flops / seconds / 1e9


def percent(achieved: float, peak: float | None) -> float | None:
    """Achieved rate as percent of the peak (None without a peak)."""
    return None if not peak else 100.0 * achieved / peak


# ---------------------------------------------------------------------------
# Size sets
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Sizes:
    """Tensor sizes of one benchmark set (float32 unless an op says otherwise)."""

    vector: int  # elementwise, mask, transfers, numpy bridge
    matrix: tuple[int, int]  # reductions, transpose copy, cat (in four row blocks)
    square: int  # matmul side
    gathered: int  # number of gathered indices
    chain: int  # elements of the backward chain
    max_time: float  # seconds of timed rounds per benchmark, unless --benchmark-max-time is given


SIZES = {
    # Seconds in total, cache-resident on most machines: for CI and pull requests.
    "small": Sizes(vector=1 << 18, matrix=(512, 512), square=256, gathered=1 << 16, chain=1 << 16, max_time=0.2),
    # 128 MiB per float32 operand, far beyond any last-level cache: for nightly runs.
    "large": Sizes(vector=1 << 25, matrix=(8192, 4096), square=2048, gathered=1 << 24, chain=1 << 24,
                   max_time=1.0),
}


# ---------------------------------------------------------------------------
# Clocks and peaks
# ---------------------------------------------------------------------------

def is_accelerator(device: str) -> bool:
    return torch.device(device).type != "cpu"


def _synchronize(device: str) -> Callable[[], None]:
    dev = torch.device(device)
    if hasattr(torch, "accelerator") and hasattr(torch.accelerator, "synchronize"):  # torch >= 2.6
        return functools.partial(torch.accelerator.synchronize, dev)
    backend = getattr(torch, dev.type)
    return functools.partial(backend.synchronize, dev) if dev.index is not None else backend.synchronize


@functools.cache
def device_timer(device: str) -> Callable[[], float]:
    """``time.perf_counter`` on cpu; on an accelerator, the same after waiting for the device's queued work.

    pytest-benchmark reads the clock once at each round's start and end, so the device is
    synchronized at round boundaries, never inside a round. One function per device: pytest-benchmark
    caches a timer's precision by identity.
    """
    if not is_accelerator(device):
        return time.perf_counter
    sync = _synchronize(device)

    def synchronized_perf_counter() -> float:
        sync()
        return time.perf_counter()

    synchronized_perf_counter.__name__ = synchronized_perf_counter.__qualname__ = f"synchronized_perf_counter[{device}]"
    return synchronized_perf_counter


def best_seconds(fn: Callable[[], object], device: str, budget: float = 0.5, repeats: int = 3) -> float:
    """Shortest timed call after one untimed call: at least ``repeats`` calls, more while within ``budget`` seconds.

    The best of many is the machine's limit even when other processes share it for a while.
    """
    timer = device_timer(device)
    fn()
    best, calls, end = math.inf, 0, time.perf_counter() + budget
    while calls < repeats or time.perf_counter() < end:
        start = timer()
        fn()
        best, calls = min(best, timer() - start), calls + 1
    return best


PROBE_ELEMENTS = 1 << 26  # 256 MiB of float32 per buffer: beyond the last-level cache of any current machine
# On cpu the probes are cut into calls of a few milliseconds, shorter than a scheduler time slice, so
# that the best call is one no other process interrupted; an accelerator is not shared that way.
PROBE_CHUNKS = {"cpu": 16, "accelerator": 1}
PROBE_MATMUL = {"cpu": 512, "accelerator": 8192}


def _kind(device: str) -> str:
    return "accelerator" if is_accelerator(device) else "cpu"


def probe_copy(device: str, dtype: torch.dtype | None) -> float:
    """Device-memory copy bandwidth (GB/s): ``dst.copy_(src)`` over 256 MiB, chunk after chunk.

    Cycling through the whole buffer, each chunk was last touched 240 MiB earlier: never in cache.
    """
    src = torch.ones(PROBE_ELEMENTS, device=device)
    dst = torch.zeros_like(src)  # written once, so no call pays for first-touch page faults
    n = PROBE_CHUNKS[_kind(device)]
    chunks = itertools.cycle(list(zip(dst.chunk(n), src.chunk(n))))
    seconds = best_seconds(lambda: torch.Tensor.copy_(*next(chunks)), device)
    return rates(copy(PROBE_ELEMENTS // n, src.element_size()), seconds)[0]


def probe_matmul(device: str, dtype: torch.dtype) -> float:
    """Square matmul rate (GFLOP/s) in ``dtype``, at a size where the BLAS runs near its peak."""
    n = PROBE_MATMUL[_kind(device)]
    a, b = (torch.rand(n, n, device=device, dtype=dtype) for _ in range(2))
    return rates(matmul(n, n, n, a.element_size()), best_seconds(lambda: a @ b, device, budget=1.0))[1]


def probe_link(device: str, dtype: torch.dtype | None) -> float:
    """Host-to-device bandwidth (GB/s) from pinned memory, 256 MiB."""
    src = torch.rand(PROBE_ELEMENTS).pin_memory()
    dst = torch.empty(PROBE_ELEMENTS, device=device)
    return rates(transfer(src.numel(), src.element_size()),
                 best_seconds(lambda: dst.copy_(src, non_blocking=True), device))[0]


PROBES = {MEMORY: probe_copy, MATMUL: probe_matmul, LINK: probe_link}


class Peaks:
    """The machine's own limits, each measured on first use and then kept for the session."""

    def __init__(self, probes: dict[str, Callable] = PROBES):
        self._probes = probes
        self._measured: dict[tuple, float] = {}

    def get(self, bound: str, device: str, dtype: torch.dtype) -> float:
        key = (bound, device, dtype if bound == MATMUL else None)
        if key not in self._measured:
            self._measured[key] = self._probes[bound](device, key[2])
        return self._measured[key]


# ---------------------------------------------------------------------------
# The shared runner
# ---------------------------------------------------------------------------

@dataclass
class Case:
    """One benchmark: ``fn(*args)`` is timed; the rest is what it does and where."""

    fn: Callable
    args: tuple
    work: Work
    dtype: torch.dtype
    shape: tuple
    layout: str = "contiguous"
    bound: str | None = MEMORY  # MEMORY, MATMUL, LINK, or None for a latency (no peak)


class Runner:
    """Times a :class:`Case` with pytest-benchmark and records its rates in ``extra_info``."""

    def __init__(self, benchmark, device: str, peaks: Peaks, size: str, threads: int, results: list):
        self.benchmark, self.device, self.peaks = benchmark, device, peaks
        self.size, self.threads, self.results = size, threads, results

    def __call__(self, op: str, case: Case):
        result = self.benchmark(case.fn, *case.args)
        if self.benchmark.disabled:  # --benchmark-disable: ran once as a plain test, nothing timed
            return result
        median = self.benchmark.stats["median"]
        gbps, gflops = rates(case.work, median)
        peak = self.peaks.get(case.bound, self.device, case.dtype) if case.bound else None
        info = self.benchmark.extra_info
        info.update(
            op=op, device=self.device, dtype=str(case.dtype).removeprefix("torch."), shape=list(case.shape),
            layout=case.layout, size_set=self.size, torch=torch.__version__, threads=self.threads,
            bytes=case.work.bytes, flops=case.work.flops, gbps=gbps, gflops=gflops,
            bound=case.bound, peak=peak, peak_unit="GFLOP/s" if case.bound == MATMUL else "GB/s",
            pct_peak=percent(gflops if case.bound == MATMUL else gbps, peak),
        )
        self.results.append({"name": self.benchmark.name, "fullname": self.benchmark.fullname,
                             "extra_info": info, "stats": {"median": median, "min": self.benchmark.stats["min"]}})
        return result


@pytest.fixture(scope="session")
def bench_threads(pytestconfig) -> int:
    """Pin torch's intra-op thread count for the session (``--bench-threads``)."""
    previous = torch.get_num_threads()
    threads = pytestconfig.getoption("bench_threads")
    torch.set_num_threads(threads)
    yield threads
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def machine_peaks(bench_threads) -> Peaks:
    """Peaks measured once per device (and matmul dtype) per session, with the pinned thread count."""
    return Peaks()


@pytest.fixture(scope="session")
def bench_sizes(pytestconfig) -> Sizes:
    return SIZES[pytestconfig.getoption("bench_size")]


@pytest.fixture
def hot_bench(request, device, benchmark, machine_peaks, bench_threads) -> Runner:
    """The one way to benchmark: warm-up on, GC off, pinned threads, device-synchronized rounds.

    pytest-benchmark reads its settings from the ``benchmark`` marker that
    :func:`pytest_collection_modifyitems` puts on every test using this fixture.
    """
    size = request.config.getoption("bench_size")
    return Runner(benchmark, device, machine_peaks, size, bench_threads, request.config.stash[RESULTS])


# ---------------------------------------------------------------------------
# Plugin hooks: options, where results go, machine info, the rate table
# ---------------------------------------------------------------------------

def pytest_addoption(parser):
    group = parser.getgroup("conformance")
    group.addoption("--bench-size", choices=sorted(SIZES), default="small",
                    help="benchmark size set: small (seconds, CI) or large (beyond the last-level cache, nightly)")
    group.addoption("--bench-threads", type=int, default=1, metavar="N",
                    help="torch intra-op threads during benchmarks (default 1: results independent of the "
                         "core count and robust to other processes)")


def environment_name() -> str:
    """$TOX_ENV_NAME, else the torch and Python versions: results of different envs never collide."""
    return os.environ.get("TOX_ENV_NAME") or f"torch{torch.__version__}-py{sys.version_info[0]}.{sys.version_info[1]}"


def _given(config, option: str) -> bool:
    """Whether ``option`` is on the command line."""
    return any(arg == option or arg.startswith(option + "=") for arg in config.invocation_params.args)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Before pytest-benchmark reads its options: the size set's time per benchmark, and where results go.

    Benchmark runs without an output choice autosave to ``results/benchmarks/<env>/<size set>/``.
    """
    config.stash[RESULTS] = []
    if not config.getoption("benchmark_enable"):
        config.option.benchmark_skip = True  # --benchmark-only still runs them: pytest-benchmark lets it win
    size = config.getoption("bench_size")
    if not _given(config, "--benchmark-max-time"):
        config.option.benchmark_max_time = SIZES[size].max_time
    runs = config.getoption("benchmark_only") or not config.getoption("benchmark_skip")
    chosen = (any(config.getoption(f"benchmark_{name}") for name in ("json", "save", "autosave"))
              or config.getoption("benchmark_storage") != "file://./.benchmarks")
    if runs and not chosen:
        results = Path(config.invocation_params.dir) / "results"
        config.option.benchmark_storage = f"file://{results / 'benchmarks' / environment_name() / size}"
        config.option.benchmark_autosave = get_tag()


def pytest_collection_modifyitems(config, items):
    """Benchmark settings of each :func:`hot_bench` test, by its device."""
    for item in items:
        if "hot_bench" in getattr(item, "fixturenames", ()):
            device = item.callspec.params["device"]
            item.add_marker(pytest.mark.benchmark(
                warmup=True, disable_gc=True, timer=device_timer(device),
                # Rounds long enough that the per-round timer call (a device sync on accelerators) is noise.
                min_time=1e-3 if is_accelerator(device) else 1e-4,
                group=f"{device} {config.getoption('bench_size')}",
            ))


def pytest_benchmark_update_machine_info(config, machine_info):
    machine_info.update(torch=torch.__version__, torch_git=torch.version.git_version, cuda=torch.version.cuda,
                        bench_size=config.getoption("bench_size"), env=environment_name(),
                        threads=config.getoption("bench_threads"))


def pytest_terminal_summary(terminalreporter, config):
    results = config.stash.get(RESULTS, [])
    if results:
        terminalreporter.write_sep("-", "hot-op rates (median time) against this session's peaks")
        terminalreporter.write_line(rate_table(results))
