"""The static dashboard: HTML pages with inline CSS and SVG plots, built from a history folder.

Pages: ``index.html`` (families by torch version and device, news since the previous run told as flakes
or changes, the benchmark gate's alarms, expected failures that passed, runs, unreadable files),
``failures.html`` (message, falsifying example and repro script of each failure, anchored for the
matrix), ``coverage.html`` (registry op × invariant: pass, fail, known divergence, unsupported or not
applicable, per torch version and device; ``reports.coverage``), ``accuracy.html`` (per op and dtype,
the largest and 99th-percentile error in ULPs against its budget, per torch version and device;
``reports.accuracy``), ``flakes.html`` (flakes with their falsifying examples, flakes per family per
night, changes), ``trends.html`` (outcome counts per family per night), ``versions.html`` (what changed
between torch versions) and ``benchmarks.html`` (the gate's verdicts; median and percent of peak per hot
op per night).  No script, no network: every page stands alone; links to upstream documentation and
issues are plain ``<a>`` links.  All text from result files is escaped by Jinja's autoescape.  The site
is built in a temporary sibling folder and renamed into place.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from reports import accuracy, changes, coverage, trends
from reports.changes import Column, anchor
from reports.history import BAD, OUTCOMES, BenchPoint, History, Run, load

PAGES = ("index.html", "failures.html", "coverage.html", "accuracy.html", "flakes.html", "trends.html",
         "versions.html", "benchmarks.html")
URL = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]")


def linkify(value) -> Markup:
    """Text with every http(s) URL in it made a link; everything else escaped."""
    value = "" if value is None else str(value)
    out, last = [], 0
    for match in URL.finditer(value):
        out += [escape(value[last:match.start()]),
                Markup('<a href="{0}">{0}</a>').format(match.group(0))]
        last = match.end()
    out.append(escape(value[last:]))
    return Markup("").join(out)


def first_url(value) -> str | None:
    match = URL.search(value or "")
    return match.group(0) if match else None


def matrix(cols: dict[Column, list[Run]]) -> dict:
    """Outcome counts of each family in the latest run of each column, and the column's news."""
    cells: dict[tuple[str, Column], Counter] = defaultdict(Counter)
    families, new = set(), {}
    for column, runs in cols.items():
        latest, previous = runs[-1], (runs[-2] if len(runs) > 1 else None)
        for test in latest.tests_on(column.device):
            families.add(test.family or "(none)")
            cells[test.family or "(none)", column][test.outcome] += 1
        failing, passing = changes.news(previous, latest, column.device)
        why = changes.differences(previous, latest) if previous else []
        new[column] = {"failing": failing, "passing": passing, "latest": latest, "previous": previous,
                       "kind": "change" if why else "flake", "why": why}
        for change in failing:
            cells[change.family, column]["newly_failing"] += 1
        for change in passing:
            cells[change.family, column]["newly_passing"] += 1
    return {"families": sorted(families), "cells": cells, "news": new}


def failures(cols: dict[Column, list[Run]]) -> list[dict]:
    """Failures of the latest run of each column, grouped by column and family, each with its anchor."""
    groups = []
    for column, runs in cols.items():
        by_family = defaultdict(list)
        for test in runs[-1].tests_on(column.device):
            if test.outcome in BAD:
                by_family[test.family or "(none)"].append(test)
        for family, tests in sorted(by_family.items()):
            groups.append({"column": column, "family": family, "run": runs[-1], "id": group_id(column, family),
                           "tests": [{"test": t, "id": failure_id(column, t.nodeid)} for t in tests]})
    return groups


def group_id(column: Column, family: str) -> str:
    return "failures-" + anchor(column.label, family)


def failure_id(column: Column, nodeid: str) -> str:
    return "failure-" + anchor(column.label, nodeid)


def version_steps(cols: dict[Column, list[Run]], bench: list[BenchPoint]) -> list[dict]:
    """For each device, each pair of adjacent torch versions (their latest runs, whatever the device's model):
    changed outcomes, family counts and benchmark medians."""
    steps = []
    for device in sorted({column.device for column in cols}):
        latest: dict[str, Run] = {}
        for column, runs in cols.items():  # by torch version
            if column.device == device and (column.torch not in latest or runs[-1].start > latest[column.torch].start):
                latest[column.torch] = runs[-1]
        versions = list(latest)
        for older, newer in zip(versions, versions[1:]):
            old_run, new_run = latest[older], latest[newer]
            steps.append({"device": device, "older": older, "newer": newer,
                          "changes": changes.changes(old_run, new_run, device),
                          "families": _family_deltas(old_run, new_run, device),
                          "bench": _bench_deltas(bench, device, older, newer)})
    return steps


def _family_deltas(older: Run, newer: Run, device: str) -> list[dict]:
    counts = {}
    for label, run in (("older", older), ("newer", newer)):
        for test in run.tests_on(device):
            counts.setdefault(test.family or "(none)", {"older": Counter(), "newer": Counter()})[label][
                test.outcome] += 1
    return [{"family": family, **value} for family, value in sorted(counts.items())
            if value["older"] != value["newer"]]


def _latest_bench(bench: list[BenchPoint], device: str, torch: str) -> dict[tuple, BenchPoint]:
    return {(p.name, p.size): p for p in bench if p.device == device and p.torch == torch}


def _bench_deltas(bench: list[BenchPoint], device: str, older: str, newer: str) -> list[dict]:
    before, after = _latest_bench(bench, device, older), _latest_bench(bench, device, newer)
    return [{"name": key[0], "size": key[1], "older": before[key], "newer": after[key],
             "ratio": after[key].median / before[key].median - 1.0}
            for key in sorted(set(before) & set(after))]


def context(history: History) -> dict:
    cols = changes.columns(history.runs)
    steps = changes.steps(cols)
    nights, flake_counts = changes.flake_counts(steps)
    xpasses = [{"column": column, "test": test} for column, runs in cols.items()
               for test in runs[-1].tests_on(column.device) if test.outcome == "xpass"]
    latest = {column: runs[-1] for column, runs in cols.items()}
    return {"history": history, "columns": cols, "matrix": matrix(cols), "outcomes": OUTCOMES,
            "failures": failures(cols), "coverage": coverage.coverage(cols), "states": coverage.STATES,
            "accuracy": accuracy.tables(cols),
            "xpasses": xpasses, "steps": version_steps(cols, history.bench),
            "flake_steps": [s for s in steps if s.kind == "flake" and s.changed],
            "flake_total": sum(len(s.changed) for s in steps if s.kind == "flake"),
            "change_steps": [s for s in steps if s.kind == "change" and s.changed],
            "flake_counts": flake_counts, "flake_nights": nights,
            "flake_plot": trends.flake_plot(nights, flake_counts) if flake_counts else None,
            "family_trends": trends.family_trends(cols), "bench_trends": trends.bench_trends(history.bench,
                                                                                              history.gates),
            "gates": trends.latest_gates(history.gates), "latest": latest, "pages": PAGES}


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("reports", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["linkify"] = linkify
    env.globals.update(first_url=first_url, failure_id=failure_id, group_id=group_id, anchor=anchor)
    return env


def build(history_dir: Path, out_dir: Path) -> History:
    """Render the site of ``history_dir`` into ``out_dir``, replacing it only once every page is written."""
    out_dir = out_dir.resolve()
    history = load(history_dir, skip=out_dir)
    data = context(history)
    env = environment()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        for page in PAGES:
            (staging / page).write_text(env.get_template(page).render(page=page, **data), encoding="utf-8")
        staging.chmod(0o755)
        if out_dir.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            out_dir.rename(retired / "site")
            staging.rename(out_dir)
            shutil.rmtree(retired)
        else:
            staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return history
