"""Op coverage: registry op × invariant, one matrix per torch version and device (the latest run of each).

Rows are the ops of the registry (``conformance.ops``) that any run tested; columns are the invariants
that tested them: the universal ``ops.*`` ones and every other family's invariant parametrized by a
registry op.  A test is a registry op's when its record names the op's registry area (``op_area``); a
record of an older suite has no area, and then only the ``ops`` family's tests count.  A cell aggregates
the op's tests of the invariant (its dtype kinds, operand kinds, routes), in this order:

- ``fail``: one of them failed or errored;
- ``divergence``: else one is a known divergence (xfail, ``conformance/known_divergences.json``);
- ``unsupported``: else one was skipped because the device does not implement the op (a reason
  starting with ``unsupported:``, ``conformance.ops_helpers.unsupported_reason``);
- ``pass``: else one passed (an xpass passed too);
- ``n/a``: no test of the op checks the invariant there, or every one was skipped for another reason
  (the device is the reference device, the rule is of other torch releases).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import groupby

from reports.changes import Column
from reports.history import BAD, Run, TestResult

STATES = ("fail", "divergence", "unsupported", "pass", "n/a")  # a cell's state: the first that applies
UNSUPPORTED = "unsupported:"  # the reason prefix of a skip for an op the device does not implement


def is_registry_test(test: TestResult) -> bool:
    return bool(test.op) and bool(test.invariant) and (test.op_area is not None or test.family == "ops")


def state(tests: list[TestResult]) -> str:
    """The state of a cell of ``tests`` (see the module's docstring)."""
    outcomes = {t.outcome for t in tests}
    if outcomes & set(BAD):
        return "fail"
    if "xfail" in outcomes:
        return "divergence"
    if any(t.outcome == "skip" and (t.reason or "").startswith(UNSUPPORTED) for t in tests):
        return "unsupported"
    if outcomes & {"pass", "xpass"}:
        return "pass"
    return "n/a"


@dataclass(frozen=True)
class Cell:
    state: str
    tests: tuple[TestResult, ...] = ()

    @property
    def title(self) -> str:
        """The cell's tooltip: its state, then each test behind it with its outcome (and skip or xfail reason)."""
        lines = [self.state if self.tests else "n/a: no test of this op checks this invariant"]
        lines += [f"{t.outcome}: {t.nodeid}" + (f" ({t.reason})" if t.reason else "") for t in self.tests]
        return "\n".join(lines)

    @property
    def failed(self) -> TestResult | None:
        """The first failing test, whose failure the cell links to."""
        return next((t for t in self.tests if t.outcome in BAD), None)


@dataclass
class Matrix:
    """The coverage of one column (torch version, device) in its latest run."""

    column: Column
    run: Run
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)

    def cell(self, op: str, invariant: str) -> Cell:
        return self.cells.get((op, invariant), Cell("n/a"))

    @property
    def core_aten(self) -> CoreAten | None:
        """The reachable Core ATen overloads the run's ``core-aten.reaches`` tests reached on this device;
        None where the run recorded no Core ATen opset (an older suite) or no test measured reach."""
        opset = self.run.core_aten
        tests = [t for t in self.run.tests_on(self.column.device) if t.core_aten]
        if opset is None or not tests:
            return None
        reached = set().union(*(t.core_aten for t in tests))
        return CoreAten(reached=tuple(o for o in opset.reachable if o in reached),
                        missing=tuple(o for o in opset.reachable if o not in reached), core=opset.core)


@dataclass(frozen=True)
class CoreAten:
    """The Core ATen fraction of one matrix: reachable overloads reached and missed, of ``core`` in all."""

    reached: tuple[str, ...]
    missing: tuple[str, ...]
    core: int

    @property
    def fraction(self) -> float:
        return len(self.reached) / max(1, len(self.reached) + len(self.missing))


@dataclass
class Coverage:
    ops: list[str]  # rows, by area then name
    areas: dict[str, str]  # op -> registry area ("" when no record named it)
    invariants: list[str]  # columns: ops.* first, then the other families', by name
    rules: dict[str, str]  # invariant -> the documentation of its rule ("" where no record names it)
    matrices: list[Matrix]

    @property
    def families(self) -> list[tuple[str, int]]:
        """(family, how many of the columns are its invariants), in column order."""
        return [(family, len(list(group))) for family, group in groupby(self.invariants, lambda i: i.split(".")[0])]

    def counts(self, matrix: Matrix) -> Counter:
        """Cells of each state in ``matrix`` (every op × invariant of the page)."""
        counted = Counter(matrix.cell(op, invariant).state for op in self.ops for invariant in self.invariants)
        return Counter({s: counted[s] for s in STATES})


def coverage(cols: dict[Column, list[Run]]) -> Coverage:
    """The coverage matrix of the latest run of each column."""
    matrices, areas, cited = [], {}, defaultdict(Counter)
    for column, runs in cols.items():
        grouped = defaultdict(list)
        for test in runs[-1].tests_on(column.device):
            if is_registry_test(test):
                grouped[test.op, test.invariant].append(test)
                areas[test.op] = areas.get(test.op) or test.op_area or ""
                cited[test.invariant][test.rule or ""] += 1
        matrices.append(Matrix(column, runs[-1], {key: Cell(state(tests), tuple(tests))
                                                  for key, tests in grouped.items()}))
    invariants = sorted(cited, key=lambda i: (not i.startswith("ops."), i))
    return Coverage(ops=sorted(areas, key=lambda op: (areas[op], op)), areas=areas, invariants=invariants,
                    rules={i: max(cited[i], key=lambda rule: (bool(rule), cited[i][rule])) for i in invariants},
                    matrices=matrices)
