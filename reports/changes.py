"""What changed between runs: the columns of the history, outcome changes, and flakes told from news.

A column is one torch version on one device of one model (the CPU or accelerator name the run
recorded): its runs, oldest first, are the nights of one environment.  Between two consecutive runs
of a column, a test whose outcome differs is

- a **flake** when both runs tested the same code the same way: same suite commit, same torch git
  hash, same Hypothesis profile.  Nothing that should decide the outcome changed, so the test is
  nondeterministic or reaches a failing input only sometimes: a defect of the suite either way;
- a **change** otherwise (the suite, torch or the profile differs, or a run did not record them):
  news, possibly a torch regression or fix.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from reports.history import BAD, Run, TestResult, version_key


def anchor(*parts: str) -> str:
    """A stable, valid HTML id for a thing named by ``parts``: readable start, hashed end."""
    joined = "\0".join(parts)
    readable = re.sub(r"[^a-z0-9]+", "-", joined.lower()).strip("-")[:40]
    return f"{readable}-{hashlib.sha1(joined.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class Column:
    torch: str
    device: str
    hardware: str = ""  # the device's name as the run recorded it ("" when it did not)

    @property
    def label(self) -> str:
        return " · ".join(filter(None, (f"torch {self.torch}", self.device, self.hardware)))

    @property
    def id(self) -> str:
        return anchor(self.torch, self.device, self.hardware)


def columns(runs: list[Run]) -> dict[Column, list[Run]]:
    """The runs of each column, oldest first; columns by torch version, then device and its name."""
    found: dict[Column, list[Run]] = defaultdict(list)
    for run in runs:
        for device in run.devices:
            found[Column(run.torch, device, run.device_names.get(device, ""))].append(run)
    return dict(sorted(found.items(), key=lambda item: (version_key(item[0].torch), item[0].device,
                                                        item[0].hardware)))


@dataclass(frozen=True)
class Change:
    """A test whose outcome differs between two runs (None: not run there)."""

    nodeid: str
    before: TestResult | None
    after: TestResult | None

    @property
    def test(self) -> TestResult:
        return self.after or self.before

    @property
    def family(self) -> str:
        return self.test.family or "(none)"

    @property
    def failed(self) -> TestResult | None:
        """The side that failed: the one to show a message and a falsifying example of."""
        for side in (self.after, self.before):
            if side is not None and side.outcome in BAD + ("xfail",):
                return side
        return None


def _by_nodeid(run: Run, device: str) -> dict[str, TestResult]:
    return {t.nodeid: t for t in run.tests_on(device)}


def changes(older: Run, newer: Run, device: str) -> list[Change]:
    """Tests whose outcome differs between two runs on a device (or that ran in one only)."""
    before, after = _by_nodeid(older, device), _by_nodeid(newer, device)
    return [Change(nodeid, before.get(nodeid), after.get(nodeid)) for nodeid in sorted(set(before) | set(after))
            if (before.get(nodeid) and before[nodeid].outcome) != (after.get(nodeid) and after[nodeid].outcome)]


def news(older: Run | None, newer: Run, device: str) -> tuple[list[Change], list[Change]]:
    """(newly failing, newly passing) on a device since the previous run."""
    if older is None:
        return [], []
    found = changes(older, newer, device)
    failing = [c for c in found if c.after is not None and c.after.outcome in BAD]
    passing = [c for c in found if c.before is not None and c.before.outcome in BAD + ("xfail",)
               and c.after is not None and c.after.outcome in ("pass", "xpass")]
    return failing, passing


def differences(older: Run, newer: Run) -> list[str]:
    """What differs between two runs that may decide outcomes; empty when they tested the same code the same way."""
    found = []
    for what, attribute in (("suite", "suite_git"), ("torch git", "torch_git"), ("profile", "profile")):
        old, new = getattr(older, attribute), getattr(newer, attribute)
        if not old or not new:
            found.append(f"{what} not recorded")
        elif old != new:
            found.append(f"{what} {old[:12]} → {new[:12]}")
    return found


@dataclass(frozen=True)
class Step:
    """Two consecutive runs of a column and the outcome changes between them."""

    column: Column
    older: Run
    newer: Run
    changed: tuple[Change, ...]  # tests run in both whose outcome differs
    why: tuple[str, ...]  # what differs between the runs (empty: a flake)

    @property
    def kind(self) -> str:
        return "change" if self.why else "flake"

    @property
    def same(self) -> str:
        """What the two runs share, for a flake's line."""
        return (f"suite {(self.newer.suite_git or '?')[:12]}, torch git {(self.newer.torch_git or '?')[:12]}, "
                f"profile {self.newer.profile or '?'}")


def steps(cols: dict[Column, list[Run]]) -> list[Step]:
    """Every pair of consecutive runs of every column, newest first."""
    found = []
    for column, runs in cols.items():
        for older, newer in zip(runs, runs[1:]):
            changed = tuple(c for c in changes(older, newer, column.device)
                            if c.before is not None and c.after is not None)
            found.append(Step(column, older, newer, changed, tuple(differences(older, newer))))
    return sorted(found, key=lambda step: step.newer.start, reverse=True)


def flake_counts(found: list[Step]) -> tuple[list[str], dict[str, Counter]]:
    """(nights, family -> flakes per night): flakes counted on the night of the later run of their pair."""
    nights = sorted({step.newer.night for step in found})
    counts: dict[str, Counter] = defaultdict(Counter)
    for step in found:
        for change in step.changed:
            counts[change.family][step.newer.night] += step.kind == "flake"
    return nights, {family: counts[family] for family in sorted(counts) if sum(counts[family].values())}
