"""How small the canaries' shrunk falsifying examples are (issue: minimal falsifying examples).

With ``CONFORMANCE_SHRINK_TABLE=PATH`` set, :func:`tests.canary.assert_caught` runs each canary with
Hypothesis's shrink phase on and appends one JSON line per caught fault to ``PATH``: the canary's node id,
the test it ran, and the size of the falsifying example Hypothesis printed -- the drawn tensors' elements,
their distinct values (bitwise: ``-0.0`` is not ``0.0``, every NaN payload one value), and the characters
of the printed example. Render two such files side by side::

    CONFORMANCE_SHRINK_TABLE=before.jsonl python -m pytest tests/test_*_canaries.py -p no:randomly
    python -m tests.shrink_table before.jsonl [after.jsonl]
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from contextlib import contextmanager

from conformance.hypothesis_glue import notes

tensor_strategies = importlib.import_module("strategies.tensors")  # the package re-exports its function

ENV = "CONFORMANCE_SHRINK_TABLE"


def path() -> str | None:
    """The file the shrink table goes to, or None when not measuring."""
    return os.environ.get(ENV) or None


@contextmanager
def printed_recipes():
    """The (recipe, printed code) of every drawn tensor Hypothesis prints inside the block."""
    printed: list = []
    original = tensor_strategies.Recipe.code

    def recording(self, *args, **kwargs):
        text = original(self, *args, **kwargs)
        printed.append((self, text))
        return text

    tensor_strategies.Recipe.code = recording
    try:
        yield printed
    finally:
        tensor_strategies.Recipe.code = original


def example_text(failure: BaseException) -> str:
    """The falsifying example as Hypothesis printed it: its call and its draws."""
    return "\n".join(n for n in notes(failure) if n.startswith(("Falsifying example", "Draw ")))


def measure(failure: BaseException, printed) -> dict:
    """Elements, distinct values and characters of the falsifying example of ``failure``."""
    text = example_text(failure)
    shown = {code: recipe for recipe, code in printed if code in text}
    values = [v for recipe in shown.values() for v in recipe.on("cpu").build().detach().reshape(-1).tolist()]
    distinct = {tensor_strategies.value_key(v) for v in values}
    return {"tensors": len(shown), "elements": len(values), "distinct": len(distinct), "chars": len(text)}


def shrunk(test, **kwargs) -> dict:
    """The size of the shrunk example by which ``test(**kwargs)`` fails under the ci profile (a canary's
    planted fault), and its printed text."""
    from tests.canary import assert_caught  # canary records through this module

    with printed_recipes() as printed:
        failure = assert_caught(test, shrink=True, **kwargs)
    return {**measure(failure, printed), "text": example_text(failure)}


def record(test, failure: BaseException, printed, seconds: float) -> None:
    """Append the canary's row to the table file."""
    canary = os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" (", 1)[0]
    row = {"canary": canary, "test": test.__name__, **measure(failure, printed), "seconds": round(seconds, 2)}
    with open(path(), "a") as out:
        out.write(json.dumps(row) + "\n")


def _rows(file):
    rows = {}
    with open(file) as lines:
        for line in lines:
            row = json.loads(line)
            rows.setdefault(row["canary"], row)  # a canary that calls assert_caught twice: its first
    return rows


def main(argv) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__, file=sys.stderr)
        return 2
    tables = [_rows(f) for f in argv]
    columns = ("elements", "distinct", "chars")
    heads = [f"{c} ({name})" for c in columns for name in (("before", "after") if len(tables) == 2 else ("",))]
    print("| canary | " + " | ".join(h.replace(" ()", "") for h in heads) + " |")
    print("|---" * (1 + len(heads)) + "|")
    for canary in sorted(set().union(*tables)):
        cells = [str(t[canary][c]) if canary in t else "-" for c in columns for t in tables]
        print(f"| {canary.split('::', 1)[-1]} | " + " | ".join(cells) + " |")
    for name, table in zip(("before", "after"), tables):
        total = {c: sum(r[c] for r in table.values()) for c in columns}
        print(f"\n{name}: {len(table)} canaries; " + ", ".join(f"{c} {v}" for c, v in total.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
