"""Measurements of the strategies: examples per second of a ci run, and the size of shrunk canary examples.

    python -m tests.measure speed [PYTEST ARGS]   # default: the conformance suite, one process, ci profile
    python -m tests.measure shrink [PYTEST ARGS]  # default: every canary module, with the shrink phase

``speed`` sums the passing examples of every passing test and the seconds of its Hypothesis phases
(the statistics Hypothesis keeps per test), and prints valid examples per second of phase time.
``shrink`` runs the canaries with shrinking enabled and records, for each, the tensors its falsifying
example prints: their elements, distinct values (bitwise: -0.0 is not 0.0, NaNs are one value) and the
characters of the printed example.  Both print one JSON object and, with ``--json PATH``, write it there.
Run either from the root of the tree to measure: it measures the ``strategies`` found there.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import time
from contextlib import contextmanager

import pytest

_PHASE = re.compile(r"during (\w+) phase \(([\d.]+) seconds\):.*?(\d+) passing(?: examples?)?, (\d+) failing"
                    r"(?: examples?)?, (?:and )?(\d+) invalid", re.DOTALL)


def phases(statistics: str) -> list[tuple[str, float, int, int, int]]:
    """(phase, seconds, passing, failing, invalid) for each phase of a test's statistics text."""
    return [(name, float(seconds), int(passing), int(failing), int(invalid))
            for name, seconds, passing, failing, invalid in _PHASE.findall(statistics)]


class Speed:
    """Passing examples, Hypothesis phase seconds and the process's CPU seconds of every passing test.

    Phase seconds are wall time: on a shared machine CPU seconds (time.process_time around the test's
    call) are the steadier figure.
    """

    def __init__(self):
        self.tests = {}
        self.cpu = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        start = time.process_time()
        yield
        self.cpu[item.nodeid] = time.process_time() - start

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        statistics = getattr(item, "hypothesis_statistics", None)
        if call.when == "call" and report.passed and statistics:
            rows = phases(statistics)
            self.tests[item.nodeid] = {
                "examples": sum(r[2] for r in rows if r[0] != "shrink"),
                "invalid": sum(r[4] for r in rows if r[0] != "shrink"),
                "seconds": sum(r[1] for r in rows),
                "cpu seconds": self.cpu.get(item.nodeid, 0.0),
            }

    def summary(self) -> dict:
        examples = sum(t["examples"] for t in self.tests.values())
        seconds = sum(t["seconds"] for t in self.tests.values())
        cpu = sum(t["cpu seconds"] for t in self.tests.values())
        shares = {k: t["invalid"] / (t["invalid"] + t["examples"]) for k, t in self.tests.items()
                  if t["invalid"] + t["examples"]}
        modules = {}
        for name, test in self.tests.items():
            module = modules.setdefault(name.split("::")[0], {"valid examples": 0, "phase seconds": 0.0,
                                                              "cpu seconds": 0.0})
            module["valid examples"] += test["examples"]
            module["phase seconds"] += test["seconds"]
            module["cpu seconds"] += test["cpu seconds"]
        return {"passing tests": len(self.tests), "valid examples": examples, "phase seconds": round(seconds, 2),
                "valid examples/s": round(examples / seconds, 1) if seconds else None,
                "cpu seconds": round(cpu, 2),
                "valid examples per cpu second": round(examples / cpu, 1) if cpu else None,
                "invalid examples": sum(t["invalid"] for t in self.tests.values()),
                "tests with invalid share >= 50%": sorted(k for k, v in shares.items() if v >= 0.5),
                "by module": {name: {**m, "valid examples/s": round(m["valid examples"] / m["phase seconds"], 1),
                                     "valid examples per cpu second": round(m["valid examples"] / m["cpu seconds"], 1)}
                              for name, m in sorted(modules.items()) if m["phase seconds"] and m["cpu seconds"]}}


def _keys(t) -> list:
    """A hashable key per element of ``t``: its value, floats as their float64 bytes (-0.0 differs from 0.0)."""
    import struct

    def key(v):
        if isinstance(v, complex):
            return key(v.real), key(v.imag)
        return "nan" if isinstance(v, float) and math.isnan(v) else struct.pack("<d", v) if isinstance(v, float) else v

    return [key(v) for v in t.detach().cpu().reshape(-1).tolist()]


def distinct(t) -> int:
    """Distinct values of ``t``: bitwise (so -0.0 differs from 0.0), every NaN counted as one value."""
    return len(set(_keys(t)))


def _final() -> bool:
    """Whether Hypothesis is replaying the (shrunk) failing example it reports."""
    from hypothesis.control import current_build_context

    try:
        return current_build_context().is_final
    except Exception:  # outside a test case
        return False


@contextmanager
def printed_recipes():
    """The recipes whose code the final replay of a failing example prints (as Hypothesis's draws or
    in a family's own example text), one per storage, in a list filled while the block runs."""
    import strategies

    recipes, code = {}, strategies.Recipe.code

    def recorded_code(recipe, *args, **kwargs):
        if _final():
            recipes.setdefault(id(recipe.storage), recipe)
        return code(recipe, *args, **kwargs)

    found = []
    strategies.Recipe.code = recorded_code
    try:
        yield found
    finally:
        strategies.Recipe.code = code
        found += recipes.values()


def sizes(recipes, example: str) -> dict:
    """Elements, distinct values and printed characters of a falsifying example (build after the fault is gone)."""
    built = [recipe.build() for recipe in recipes]
    return {"tensors": len(built), "elements": sum(t.numel() for t in built),
            "distinct values": sum(distinct(t) for t in built), "characters": len(example),
            "recipe characters": sum(len(recipe.code()) for recipe in recipes), "example": example}


def example_text(failure: BaseException) -> str:
    """The falsifying examples Hypothesis attached to ``failure`` (its notes, without the reproduce blob;
    of each failure it found, when it raises several as an exception group)."""
    notes = [n for n in getattr(failure, "__notes__", []) if "@reproduce_failure" not in n]
    return "\n".join(notes + [example_text(e) for e in getattr(failure, "exceptions", ())])


class Shrink:
    """Each canary's falsifying example, shrunk: the drawn tensors whose recipes it prints, and its text.

    Sizes are measured after the canary, once its planted fault is gone.
    """

    def __init__(self):
        self.canaries = {}
        self.current = None

    def pytest_configure(self, config):
        from hypothesis import Phase

        import tests.canary as canary

        canary.CANARY_SETTINGS["phases"] = [Phase.explicit, Phase.generate, Phase.shrink]
        caught = canary.assert_caught

        def recording(test, **kwargs):
            with printed_recipes() as recipes:
                failure = caught(test, **kwargs)
            self.canaries[self.current] = (recipes, example_text(failure))
            return failure

        canary.assert_caught = recording

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item):
        self.current = item.nodeid

    def summary(self) -> dict:
        return {name: sizes(recipes, example) for name, (recipes, example) in self.canaries.items()}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("speed", "shrink"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    out = None
    if "--json" in rest:
        i = rest.index("--json")
        out, rest = rest[i + 1], rest[:i] + rest[i + 2:]
    if command == "speed":
        plugin = Speed()
        args = rest or ["conformance"]
        args += ["-p", "no:xdist", "--hypothesis-profile=ci", "-q"]
    else:
        plugin = Shrink()
        args = rest or sorted(f"tests/{name}" for name in os.listdir("tests") if name.endswith("_canaries.py"))
        args += ["-p", "no:xdist", "-q"]
    load_before = os.getloadavg()
    start = time.perf_counter()
    status = pytest.main(args, plugins=[plugin])
    result = {"command": command, "args": args, "exit status": int(status),
              "wall seconds": round(time.perf_counter() - start, 1),
              "load average before": load_before, "load average after": os.getloadavg(),
              "result": plugin.summary()}
    text = json.dumps(result, indent=1, default=str)
    if out:
        with open(out, "w") as f:
            f.write(text)
    print(text if command == "speed" else json.dumps(
        {k: v for k, v in result.items() if k != "result"} | {"result": {
            k: {f: v[f] for f in ("tensors", "elements", "distinct values", "characters", "recipe characters")}
            for k, v in result["result"].items()}}, indent=1, default=str))
    return int(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
