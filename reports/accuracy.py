"""Measured accuracy: per torch version and device (the latest run of each), the error in ULPs of each
op and dtype against its budget.

The numerics oracles (``conformance.accuracy``) record the error of every float element they judge, and
a test's record carries them per op, dtype and device (``ulp``: elements, largest and 99th-percentile
error, non-finite mismatches, the largest budget, a histogram over fixed ULP edges).  A row sums the
tests of one op and dtype: its largest error is the largest of theirs; its 99th percentile is read from
the summed histograms, as the upper edge of the bucket it falls in (a bound, exact to a bucket; inf
beyond the last edge); its budget is the largest any element had (a sum's budget grows with its terms).
A row is over budget when its largest error exceeds that budget or an element had the wrong non-finite
class or zero sign; it names how many of its tests are known divergences (an entry of
``conformance/known_divergences.json`` explains their failure).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from reports.changes import Column
from reports.history import Measured, Run


@dataclass(frozen=True)
class Row:
    op: str
    dtype: str
    tests: int
    elements: int
    max: float
    p99: float
    mismatches: int
    budget: float
    beyond: float = math.inf  # the histogram's last edge: a 99th percentile of inf lies beyond it
    known: int = 0  # of the tests, those that are known divergences (xfail: an entry explains them)

    @property
    def over(self) -> bool:
        return self.max > self.budget or self.mismatches > 0


def percentile(edges: tuple[float, ...], counts: list[int], q: float = 0.99) -> float:
    """The upper edge of the bucket holding the ``q`` quantile of a histogram (inf: beyond the last edge)."""
    total = sum(counts)
    if not total:
        return 0.0
    seen = 0
    for i, count in enumerate(counts):
        seen += count
        if seen >= q * total:
            return edges[i] if i < len(edges) else math.inf
    return math.inf


def row(op: str, dtype: str, measured: list[Measured], tests: int, known: int = 0) -> Row:
    edges = measured[0].edges
    if all(m.edges == edges for m in measured):
        p99 = percentile(edges, [sum(c) for c in zip(*(m.counts for m in measured))])
    else:  # histograms of other edges (another suite version) do not add up: the largest of the tests' own
        p99 = max(m.p99 for m in measured)
    return Row(op, dtype, tests, sum(m.elements for m in measured), max(m.max for m in measured), p99,
               sum(m.mismatches for m in measured), max(m.budget for m in measured), edges[-1] if edges else 0.0,
               known)


@dataclass
class Table:
    """The accuracy rows of one column (torch version, device) in its latest run."""

    column: Column
    run: Run
    rows: list[Row]

    @property
    def over(self) -> list[Row]:
        return [r for r in self.rows if r.over]


def _device_type(device: str) -> str:
    return device.split(":", 1)[0]


def tables(cols: dict[Column, list[Run]]) -> list[Table]:
    """The accuracy table of the latest run of each column that measured any float error."""
    found = []
    for column, runs in cols.items():
        measured, tests, known = defaultdict(list), defaultdict(set), defaultdict(set)
        for test in runs[-1].tests_on(column.device):
            for m in test.ulp:
                if _device_type(m.device) == _device_type(column.device):
                    measured[m.op, m.dtype].append(m)
                    tests[m.op, m.dtype].add(test.nodeid)
                    if test.outcome == "xfail":
                        known[m.op, m.dtype].add(test.nodeid)
        if measured:
            found.append(Table(column, runs[-1], [row(*key, measured[key], len(tests[key]), len(known[key]))
                                                  for key in sorted(measured)]))
    return found
