"""``python -m reports build HISTORY OUT``: render the dashboard of a history folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports.dashboard import build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("build", help="render the static dashboard of a history folder")
    command.add_argument("history", type=Path, help="folder of result files (*.jsonl) and benchmark files (*.json)")
    command.add_argument("out", type=Path, help="output folder; replaced as a whole once the new site is written")
    args = parser.parse_args(argv)
    if not args.history.is_dir():
        parser.error(f"history folder {args.history} does not exist")
    history = build(args.history, args.out)
    for problem in history.problems:
        print(f"{args.history / problem.path}: {problem.message}", file=sys.stderr)
    print(f"dashboard of {len(history.runs)} runs and {len(history.bench)} benchmark results: "
          f"{args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
