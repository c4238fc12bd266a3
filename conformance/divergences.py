"""Known divergences: expected failures keyed by invariant, op, device type and torch version range.

The data lives in ``known_divergences.json`` beside this module (or the file $CONFORMANCE_KNOWN_DIVERGENCES
names); each entry carries the reason and
an upstream link.  A matching test is marked ``xfail(strict=False)``: when it passes it is reported
as XPASS, so a fixed upstream bug is noticed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import Version

ENV = "CONFORMANCE_KNOWN_DIVERGENCES"  # another data file, e.g. a backend vendor's own list
PATH = Path(os.environ.get(ENV) or Path(__file__).with_name("known_divergences.json"))
FIELDS = {"invariant", "op", "device", "torch", "reason", "link"}


@dataclass(frozen=True)
class Divergence:
    invariant: str  # "family.id"
    op: str | None  # the test's ``op`` parameter id; None matches every op
    device: str | None  # device type ("cpu", "cuda", ...); None matches every device
    torch: str  # PEP 440 specifier of the affected torch releases, e.g. ">=2.4,<2.9"
    reason: str
    link: str

    def matches(self, invariant: str, op: str | None, device: str | None, torch_version: str) -> bool:
        release = Version(Version(torch_version).base_version)  # 2.13.0+cpu -> 2.13.0
        return (self.invariant == invariant
                and self.op in (None, op)
                and (self.device is None or (device or "").split(":")[0] == self.device)
                and release in SpecifierSet(self.torch))


def load(path: Path = PATH) -> list[Divergence]:
    """The entries of a known-divergences file; a malformed entry raises ValueError naming it."""
    entries = json.loads(path.read_text())
    result = []
    for i, entry in enumerate(entries):
        missing, extra = {"invariant", "torch", "reason", "link"} - set(entry), set(entry) - FIELDS
        if missing or extra:
            raise ValueError(f"{path.name} entry {i}: missing {sorted(missing)}, unknown {sorted(extra)}")
        result.append(Divergence(entry["invariant"], entry.get("op"), entry.get("device"), entry["torch"],
                                 entry["reason"], entry["link"]))
    return result
