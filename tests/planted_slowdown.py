"""A planted benchmark slowdown, to show that the benchmark gate catches one (README, Benchmarks).

    PYTEST_PLUGINS=tests.planted_slowdown CONFORMANCE_PLANTED_SLOWDOWN=add:0.25 python -m pytest ...

makes every call of the hot op ``add`` take 25% longer: after each call it busy-waits a quarter of the
op's own best time per call, measured over 0.2 s when its benchmark starts.  Both settings are
environment variables so that the gate's re-runs (child processes) carry the same slowdown.
"""

from __future__ import annotations

import dataclasses
import os
import time

ENV = "CONFORMANCE_PLANTED_SLOWDOWN"


def best_call(fn, args, budget: float = 0.2) -> float:
    """The least time of one call of ``fn(*args)`` over ``budget`` seconds of calls."""
    best, end = float("inf"), time.perf_counter() + budget
    while time.perf_counter() < end:
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def slowed(fn, args, fraction: float):
    """``fn`` followed by a busy wait of ``fraction`` of its best time per call."""
    extra = fraction * best_call(fn, args)

    def slow(*call_args):
        result = fn(*call_args)
        end = time.perf_counter() + extra
        while time.perf_counter() < end:
            pass
        return result

    return slow


def pytest_configure(config):
    spec = os.environ.get(ENV)
    if not spec:
        return
    from conformance import bench  # the root conftest has registered it by now (earlier, pytest warns)

    op, fraction = spec.rsplit(":", 1)
    original = bench.Runner.__call__

    def planted(self, name, case):
        if name == op:
            case = dataclasses.replace(case, fn=slowed(case.fn, case.args, float(fraction)))
        return original(self, name, case)

    bench.Runner.__call__ = planted
    config.add_cleanup(lambda: setattr(bench.Runner, "__call__", original))
