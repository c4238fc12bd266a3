"""The static dashboard: HTML pages with inline CSS and SVG plots, built from a history folder.

Pages: ``index.html`` (families by torch version and device, news since the previous run, expected
failures that passed, runs, unreadable files), ``failures.html`` (message, falsifying example and repro
script of each failure), ``versions.html`` (what changed between torch versions) and
``benchmarks.html`` (rates per op across runs and torch versions, percent of peak).  No script, no
network: every page stands alone.  All text from result files is escaped by Jinja's autoescape.
The site is built in a temporary sibling folder and renamed into place.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import jinja2

from reports.history import BAD, OUTCOMES, BenchPoint, History, Run, load, version_key

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
PAGES = ("index.html", "failures.html", "versions.html", "benchmarks.html")


@dataclass(frozen=True)
class Column:
    torch: str
    device: str

    @property
    def label(self) -> str:
        return f"torch {self.torch} · {self.device}"


@dataclass
class Change:
    nodeid: str
    family: str | None
    before: str | None  # outcome in the older run (None: not run there)
    after: str | None
    message: str | None


def columns(runs: list[Run]) -> dict[Column, list[Run]]:
    """The runs of each (torch version, device), oldest first, columns by torch version then device."""
    found: dict[Column, list[Run]] = defaultdict(list)
    for run in runs:
        for device in run.devices:
            found[Column(run.torch, device)].append(run)
    return dict(sorted(found.items(), key=lambda item: (version_key(item[0].torch), item[0].device)))


def _by_nodeid(run: Run, device: str) -> dict[str, dict]:
    return {t["nodeid"]: t for t in run.tests_on(device)}


def changes(older: Run, newer: Run, device: str) -> list[Change]:
    """Tests whose outcome differs between two runs on a device (or that ran in one only)."""
    before, after = _by_nodeid(older, device), _by_nodeid(newer, device)
    result = []
    for nodeid in sorted(set(before) | set(after)):
        old, new = before.get(nodeid), after.get(nodeid)
        old_outcome, new_outcome = old and old["outcome"], new and new["outcome"]
        if old_outcome != new_outcome:
            test = new or old
            result.append(Change(nodeid, test.get("family"), old_outcome, new_outcome,
                                 (new or {}).get("message") or (new or {}).get("reason")))
    return result


def news(older: Run | None, newer: Run, device: str) -> tuple[list[Change], list[Change]]:
    """(newly failing, newly passing) on a device since the previous run."""
    if older is None:
        return [], []
    found = changes(older, newer, device)
    failing = [c for c in found if c.after in BAD]
    passing = [c for c in found if c.before in BAD + ("xfail",) and c.after in ("pass", "xpass")]
    return failing, passing


def matrix(cols: dict[Column, list[Run]]) -> dict:
    """Outcome counts of each family in the latest run of each column, and the column's news."""
    cells: dict[tuple[str, Column], Counter] = defaultdict(Counter)
    families, new = set(), {}
    for column, runs in cols.items():
        latest = runs[-1]
        for test in latest.tests_on(column.device):
            family = test.get("family") or "(none)"
            families.add(family)
            cells[family, column][test["outcome"]] += 1
        failing, passing = news(runs[-2] if len(runs) > 1 else None, latest, column.device)
        new[column] = {"failing": failing, "passing": passing, "latest": latest,
                       "previous": runs[-2] if len(runs) > 1 else None}
        for change in failing:
            cells[change.family or "(none)", column]["newly_failing"] += 1
        for change in passing:
            cells[change.family or "(none)", column]["newly_passing"] += 1
    return {"families": sorted(families), "cells": cells, "news": new}


def version_steps(cols: dict[Column, list[Run]], bench: list[BenchPoint]) -> list[dict]:
    """For each device, each pair of adjacent torch versions: changed outcomes and benchmark medians."""
    steps = []
    devices = sorted({column.device for column in cols})
    for device in devices:
        versions = [column for column in cols if column.device == device]
        for older, newer in zip(versions, versions[1:]):
            old_run, new_run = cols[older][-1], cols[newer][-1]
            steps.append({"device": device, "older": older.torch, "newer": newer.torch,
                          "changes": changes(old_run, new_run, device),
                          "families": _family_deltas(old_run, new_run, device),
                          "bench": _bench_deltas(bench, device, older.torch, newer.torch)})
    return steps


def _family_deltas(older: Run, newer: Run, device: str) -> list[dict]:
    counts = {}
    for label, run in (("older", older), ("newer", newer)):
        for test in run.tests_on(device):
            counts.setdefault(test.get("family") or "(none)", {"older": Counter(), "newer": Counter()})[label][
                test["outcome"]] += 1
    return [{"family": family, **value} for family, value in sorted(counts.items())
            if value["older"] != value["newer"]]


def _latest_bench(bench: list[BenchPoint], device: str, torch: str) -> dict[tuple, BenchPoint]:
    return {(p.name, p.size): p for p in bench if p.device == device and p.torch == torch}


def _bench_deltas(bench: list[BenchPoint], device: str, older: str, newer: str) -> list[dict]:
    before, after = _latest_bench(bench, device, older), _latest_bench(bench, device, newer)
    return [{"name": key[0], "size": key[1], "older": before[key], "newer": after[key],
             "ratio": after[key].median / before[key].median - 1.0}
            for key in sorted(set(before) & set(after))]


def rate(point: BenchPoint) -> tuple[float, str]:
    """What a benchmark's plot shows: GFLOP/s (matmul-bound), GB/s (memory or link), else µs per call."""
    bound = point.info.get("bound")
    if bound == "matmul" and point.info.get("gflops") is not None:
        return float(point.info["gflops"]), "GFLOP/s"
    if bound and point.info.get("gbps") is not None:
        return float(point.info["gbps"]), "GB/s"
    return point.median * 1e6, "µs per call"


def bench_plots(bench: list[BenchPoint]) -> list[dict]:
    """One plot per (op, device, dtype, size set): its rate in every run, one series per torch version."""
    groups: dict[tuple, list[BenchPoint]] = defaultdict(list)
    for point in bench:
        groups[point.name, point.op, point.device, point.dtype, point.size].append(point)
    plots = []
    for (name, op, device, dtype, size), points in sorted(groups.items()):
        unit = rate(points[-1])[1]
        whens = sorted({p.when for p in points})
        versions = sorted({p.torch for p in points}, key=version_key)
        series = []
        for i, version in enumerate(versions):
            mine = [p for p in points if p.torch == version and rate(p)[1] == unit]
            series.append({"label": f"torch {version}", "color": PALETTE[i % len(PALETTE)],
                           "points": [(whens.index(p.when), rate(p)[0], p) for p in mine]})
        latest = {version: [p for p in points if p.torch == version][-1] for version in versions}
        plots.append({"title": f"{op} · {device} · {dtype} · {size}", "name": name, "unit": unit,
                      "svg": svg_plot(series, whens, unit), "latest": latest})
    return plots


def svg_plot(series: list[dict], whens: list[str], unit: str, width: int = 560, height: int = 220) -> dict:
    """Geometry of a line plot: x is the run (in time order), y the value; the template draws it."""
    left, right, top, bottom = 64, 40, 12, 40
    values = [y for s in series for _, y, _ in s["points"]]
    high = max(values) * 1.1 if values and max(values) > 0 else 1.0
    span_x = max(len(whens) - 1, 1)

    def x(index: int) -> float:
        return round(left + (width - left - right) * (index / span_x if len(whens) > 1 else 0.5), 1)

    def y(value: float) -> float:
        return round(top + (height - top - bottom) * (1 - value / high), 1)

    lines = []
    for s in series:
        points = [{"x": x(i), "y": y(v), "value": v, "point": p} for i, v, p in sorted(s["points"], key=lambda q: q[0])]
        lines.append({**s, "xy": " ".join(f"{q['x']},{q['y']}" for q in points), "marks": points})
    ticks = [{"y": y(high * k / 4), "label": f"{high * k / 4:.3g}"} for k in range(5)]
    xticks = [{"x": x(i), "label": when[5:16].replace("T", " ")} for i, when in enumerate(whens)]  # MM-DD HH:MM
    if len(xticks) > 6:  # keep the date labels readable
        step = -(-len(xticks) // 6)
        xticks = xticks[::step]
    return {"width": width, "height": height, "left": left, "bottom": height - bottom, "right": width - right,
            "top": top, "lines": lines, "ticks": ticks, "xticks": xticks, "unit": unit}


def context(history: History) -> dict:
    cols = columns(history.runs)
    failures = []
    for column, runs in cols.items():
        for test in runs[-1].tests_on(column.device):
            if test["outcome"] in BAD:
                failures.append({"column": column, "run": runs[-1], "test": test})
    xpasses = [{"column": column, "test": test} for column, runs in cols.items()
               for test in runs[-1].tests_on(column.device) if test["outcome"] == "xpass"]
    return {"history": history, "columns": cols, "matrix": matrix(cols), "outcomes": OUTCOMES,
            "failures": failures, "xpasses": xpasses, "steps": version_steps(cols, history.bench),
            "plots": bench_plots(history.bench), "pages": PAGES}


def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("reports", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


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
