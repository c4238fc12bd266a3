"""Benchmark tables and regression checks over pytest-benchmark JSON files.

    python -m reports.benchcompare RUN.json                      # rates: GB/s, GFLOP/s, percent of peak
    python -m reports.benchcompare OLD.json NEW.json [--stat min|median] [--threshold 0.2]
    python -m reports.benchcompare gate NEW [--history DIR] ...  # the nightly gate (reports.gate)

With two files, every benchmark in both is compared on the chosen statistic of its time per call;
one slower by more than the threshold (a fraction: 0.2 = 20%) is flagged, and the exit status is 1
when any is flagged. Benchmarks are matched by their pytest node id (``fullname``).

The default statistic is the minimum: other processes only ever add time, so on a shared machine the
minimum moves with the code and the median with the load.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass

DEFAULT_STAT = "min"
# On a shared 2-core machine, unchanged code moved the minimum by up to 12% between runs and a
# planted 25% slowdown moved it by 26-30%.
DEFAULT_THRESHOLD = 0.2


def load(path: str) -> list[dict]:
    """The benchmarks of a pytest-benchmark JSON file (``--benchmark-json`` or autosaved)."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["benchmarks"]


@dataclass(frozen=True)
class Change:
    """One benchmark's statistic in the old and new run (None where it ran in one only)."""

    name: str
    old: float | None
    new: float | None

    @property
    def ratio(self) -> float | None:
        """Relative change of the time per call: 0.25 is 25% slower, -0.2 is 20% faster."""
        return None if self.old is None or self.new is None else self.new / self.old - 1.0

    def slower_than(self, threshold: float) -> bool:
        return self.ratio is not None and self.ratio > threshold


def compare(old: list[dict], new: list[dict], stat: str = DEFAULT_STAT) -> list[Change]:
    """Changes of ``stat`` for every benchmark of either run, in the new run's order, then removed ones."""
    before = {b["fullname"]: b["stats"][stat] for b in old}
    after = {b["fullname"]: b["stats"][stat] for b in new}
    names = list(after) + [name for name in before if name not in after]
    return [Change(name, before.get(name), after.get(name)) for name in names]


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell; the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = []
    for row in [headers, *rows]:
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def _number(value: float | None, digits: str = ".3g") -> str:
    return "-" if not value else format(value, digits)


def change_table(changes: list[Change], threshold: float, stat: str) -> str:
    rows = []
    for change in changes:
        verdict = ("SLOWER" if change.slower_than(threshold) else "ok") if change.ratio is not None else (
            "only in new" if change.old is None else "only in old")
        ratio = "-" if change.ratio is None else f"{change.ratio:+.1%}"
        rows.append([change.name, seconds(change.old), seconds(change.new), ratio, verdict])
    return format_table(["benchmark", f"old {stat}", f"new {stat}", "change", f"> {threshold:.0%}?"], rows)


def rate_table(benchmarks: list[dict]) -> str:
    """GB/s, GFLOP/s and percent of the session's peak of each benchmark (from ``extra_info``)."""
    rows = []
    for bench in benchmarks:
        info = bench["extra_info"]
        pct = info.get("pct_peak")
        peak = f"{info['peak']:.4g} {info['peak_unit']} {info['bound']}" if info.get("peak") else "- (latency)"
        rows.append([bench["name"], info["dtype"], "x".join(map(str, info["shape"])), info["layout"],
                     seconds(bench["stats"]["median"]), _number(info["gbps"]), _number(info["gflops"]),
                     "-" if pct is None else f"{pct:.0f}%", peak])
    return format_table(["benchmark", "dtype", "shape", "layout", "median", "GB/s", "GFLOP/s", "% peak", "peak"],
                        rows)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["gate"]:
        from reports import gate  # imported here: reports.gate imports this module

        return gate.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m reports.benchcompare", description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", metavar="JSON", help="one run (rate table) or OLD NEW (comparison)")
    parser.add_argument("--stat", choices=("min", "median"), default=DEFAULT_STAT,
                        help=f"statistic of the time per call compared (default {DEFAULT_STAT})")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                        help=f"slowdown flagged above this fraction (default {DEFAULT_THRESHOLD})")
    args = parser.parse_args(argv)
    if len(args.files) > 2:
        parser.error("give one file (rates) or two files (OLD NEW)")
    if len(args.files) == 1:
        print(rate_table(load(args.files[0])))
        return 0
    changes = compare(load(args.files[0]), load(args.files[1]), args.stat)
    print(change_table(changes, args.threshold, args.stat))
    slower = [c for c in changes if c.slower_than(args.threshold)]
    print(f"\n{len(slower)} of {sum(c.ratio is not None for c in changes)} benchmarks slower by more than "
          f"{args.threshold:.0%} on the {args.stat}")
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
