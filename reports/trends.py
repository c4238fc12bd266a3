"""Trends: values over time as inline SVG line plots (no script, no network).

Outcome counts per family and column and, per hot op, the benchmark median and percent of peak per
environment: one point per run (the nightly makes one a night).  Flakes per family: one point per night
(the UTC date of the later run of each pair).  This module computes the geometry; ``templates/_plot.html``
draws it.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from reports.changes import Column, anchor
from reports.history import BenchPoint, Environment, GateReport, Run, version_key

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]  # no red:
OUTCOME_SERIES = (("pass", ("pass",), "#137333"), ("fail/error", ("fail", "error"), "#b00020"),
                  ("xfail", ("xfail",), "#80868b"))
SLOWER = "#d00000"  # red marks a run the gate confirmed slower


def line_plot(series: list[dict], times: list[str], unit: str, width: int = 560, height: int = 200,
              integer: bool = False) -> dict:
    """Geometry of a line plot: x is the time (an ISO date or date and time, in order), y the value from 0.

    ``series``: dicts with ``label``, ``color`` and ``points``, a dict time -> (value, title, mark colour or None).
    """
    left, right, top, bottom = 56, 36, 12, 28
    steps = 4 if height >= 150 else 2  # horizontal grid lines above zero
    values = [value for s in series for value, _, _ in s["points"].values()]
    high = max(values, default=0.0) * 1.1 or 1.0
    if integer:
        high = float(max(steps, -(-int(max(values, default=0)) // steps) * steps))  # whole-number steps

    def x(time: str) -> float:
        span = max(len(times) - 1, 1)
        return round(left + (width - left - right) * (times.index(time) / span if len(times) > 1 else 0.5), 1)

    def y(value: float) -> float:
        return round(top + (height - top - bottom) * (1 - value / high), 1)

    lines = []
    for s in series:
        marks = [{"x": x(time), "y": y(value), "title": title, "color": color or s["color"], "alarm": bool(color)}
                 for time, (value, title, color) in sorted(s["points"].items())]
        lines.append({"label": s["label"], "color": s["color"], "marks": marks,
                      "xy": " ".join(f"{m['x']},{m['y']}" for m in marks)})
    ticks = [{"y": y(high * k / steps), "label": f"{high * k / steps:.3g}"} for k in range(steps + 1)]
    step = -(-len(times) // 8)  # at most eight labels: MM-DD, and HH:MM for a time
    xticks = [{"x": x(time), "label": time[5:16].replace("T", " ")} for time in times[::max(step, 1)]]
    return {"width": width, "height": height, "left": left, "right": width - right, "top": top,
            "bottom": height - bottom, "lines": lines, "ticks": ticks, "xticks": xticks, "unit": unit}


def family_trends(cols: dict[Column, list[Run]]) -> list[dict]:
    """Per family and column, three small plots stacked: pass, fail/error and xfail counts per run.

    Each count has its own scale, so a failure shows even beside hundreds of passing tests.
    """
    plots: dict[str, list[dict]] = defaultdict(list)
    for column, runs in cols.items():
        counts: dict[str, dict[str, Counter]] = defaultdict(dict)  # family -> run start -> outcomes
        for run in runs:
            for test in run.tests_on(column.device):
                counts[test.family or "(none)"].setdefault(run.start, Counter())[test.outcome] += 1
        for family, by_run in counts.items():
            starts = sorted(by_run)
            series = []
            for label, outcomes, color in OUTCOME_SERIES:
                found = {start: sum(by_run[start][o] for o in outcomes) for start in starts}
                series.append({"label": label, "color": color,
                               "points": {start: (float(n), f"{start[:16]}: {n} {label}", None)
                                          for start, n in found.items()}})
            latest = {s["label"]: int(s["points"][starts[-1]][0]) for s in series}
            plots[family].append({"column": column, "latest": latest,
                                  "panels": [line_plot([s], starts, s["label"], width=380, height=90, integer=True)
                                             for s in series]})
    return [{"family": family, "plots": plots[family]} for family in sorted(plots)]


def flake_plot(nights: list[str], counts: dict[str, Counter]) -> dict:
    """Flakes per family per night, one line per family."""
    series = [{"label": family, "color": PALETTE[i % len(PALETTE)],
               "points": {night: (float(found[night]), f"{family}, {night}: {found[night]} flake(s)", None)
                          for night in nights}}
              for i, (family, found) in enumerate(counts.items())]
    return line_plot(series, nights, "flakes", integer=True)


def series_label(environment: Environment) -> str:
    """An environment within one plot (which is of one device and size set already)."""
    threads = environment.threads
    return " · ".join(filter(None, (f"torch {environment.torch or '?'}", environment.device_model,
                                    None if threads is None else f"{threads} thread" + "s" * (threads != 1))))


def bench_trends(bench: list[BenchPoint], gates: list[GateReport]) -> list[dict]:
    """One entry per benchmark and size set: median and percent of peak per run, one series per environment.

    A run the gate confirmed slower is marked in red, its title giving the gate's figures.
    """
    slower = {(row.fullname, row.environment, gate.when): (gate, row) for gate in gates for row in gate.slower}
    groups: dict[tuple, list[BenchPoint]] = defaultdict(list)
    for point in bench:
        groups[point.fullname, point.size].append(point)
    trends = []
    for (fullname, size), points in sorted(groups.items(), key=lambda item: (item[1][0].op, item[1][0].device,
                                                                              item[0][1])):
        op, device, dtype = points[-1].op, points[-1].device, points[-1].dtype or "-"
        whens = sorted({p.when for p in points})
        environments = sorted({p.environment for p in points},
                              key=lambda e: (version_key(e.torch or ""), str(e.device_model), e.threads or 0))
        medians, peaks, latest, alarms = [], [], [], []
        for i, environment in enumerate(environments):
            label, color = series_label(environment), PALETTE[i % len(PALETTE)]
            mine = [p for p in points if p.environment == environment]
            median_points, peak_points = {}, {}
            for p in mine:
                title = f"{label}, {p.when[:16]}: median {p.median * 1e6:.4g} µs"
                mark = None
                if (p.fullname, environment.label, p.when) in slower:
                    gate, row = slower[p.fullname, environment.label, p.when]
                    alarms.append({"point": p, "row": row, "gate": gate, "label": label})
                    title += "; the gate confirmed a slowdown"
                    if None not in (row.best, row.baseline, row.change):
                        title += f": min {row.best * 1e6:.4g} µs against a baseline of {row.baseline * 1e6:.4g} µs " \
                                 f"({row.change:+.0%})"
                    mark = SLOWER
                median_points[p.when] = (p.median * 1e6, title, mark)
                if p.pct_peak is not None:
                    peak_points[p.when] = (p.pct_peak, f"{label}, {p.when[:16]}: {p.pct_peak:.0f}% of "
                                                      f"{p.peak or 0:.4g} {p.peak_unit or ''}", None)
            medians.append({"label": label, "color": color, "points": median_points})
            if peak_points:
                peaks.append({"label": label, "color": color, "points": peak_points})
            latest.append({"label": label, "color": color, "point": mine[-1]})
        trends.append({"title": f"{op} · {device} · {dtype} · {size}", "id": anchor(fullname, size),
                       "median": line_plot(medians, whens, "µs per call (median)"),
                       "peak": line_plot(peaks, whens, "% of peak") if peaks else None,
                       "latest": latest, "alarms": alarms})
    return trends


def latest_gates(gates: list[GateReport]) -> list[dict]:
    """The latest verdicts of each environment the gate judged, environments in label order."""
    latest: dict[str, tuple[GateReport, list]] = {}
    for gate in gates:  # oldest first: later verdicts replace earlier ones
        by_environment: dict[str, list] = defaultdict(list)
        for row in gate.rows:
            by_environment[row.environment or "?"].append(row)
        for environment, rows in by_environment.items():
            latest[environment] = (gate, rows)
    return [{"environment": environment, "gate": gate, "rows": rows,
             "counts": Counter(row.verdict for row in rows),
             "alarms": [row for row in rows if row.verdict in ("slower", "cleared")]}
            for environment, (gate, rows) in sorted(latest.items())]
