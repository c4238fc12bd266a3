"""Write the oldest release of every dependency that pyproject.toml allows, as pip requirements.

tox's ``mindeps`` env installs them, so every lower bound in pyproject.toml is one the suite has run on::

    python tests/lowest_requirements.py OUT.txt [EXTRA ...]

torch is left out: the env pins its own (the local CPU wheel).
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
SKIP = {"torch"}


def lowest(requirement: str) -> str | None:
    """``name>=X`` as ``name==X``; None for a skipped name.  A requirement without a lower bound is an error:
    its oldest release is untestable."""
    parsed = Requirement(requirement)
    if parsed.name in SKIP:
        return None
    bounds = [spec.version for spec in parsed.specifier if spec.operator == ">="]
    if len(bounds) != 1:
        raise SystemExit(f"{PYPROJECT}: {requirement!r} needs exactly one '>=' lower bound")
    return f"{parsed.name}=={bounds[0]}"


def main(out: str, *extras: str) -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    requirements = project["dependencies"] + [r for e in extras for r in project["optional-dependencies"][e]]
    lines = [line for line in map(lowest, requirements) if line]
    Path(out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(*sys.argv[1:])
