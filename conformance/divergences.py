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

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

ENV = "CONFORMANCE_KNOWN_DIVERGENCES"  # another data file, e.g. a backend vendor's own list
DEFAULT = Path(__file__).with_name("known_divergences.json")
FIELDS = {"invariant", "op", "device", "torch", "reason", "link"}
REQUIRED = {"invariant", "torch", "reason", "link"}


def path() -> Path:
    """The known-divergences file of this run: $CONFORMANCE_KNOWN_DIVERGENCES, else the suite's own."""
    return Path(os.environ.get(ENV) or DEFAULT)


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


def load(file: Path | None = None) -> list[Divergence]:
    """The entries of a known-divergences file (default: :func:`path`).

    Anything wrong raises ValueError with one line naming the file, the entry and the fault: unreadable
    or invalid JSON, an entry that is not an object, missing or unknown fields, a field of the wrong type,
    an invariant not of the form ``family.id``, a torch range that is not a PEP 440 specifier.
    """
    file = Path(file or path())
    try:
        entries = json.loads(file.read_text())
    except OSError as error:
        raise ValueError(f"{file}: cannot read the known-divergences file: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{file}: not valid JSON: {error}") from None
    if not isinstance(entries, list):
        raise ValueError(f"{file}: expected a JSON list of entries, got {type(entries).__name__}")
    return [_entry(file, i, entry) for i, entry in enumerate(entries)]


def _entry(file: Path, index: int, entry) -> Divergence:
    where = f"{file} entry {index}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected an object, got {type(entry).__name__}")
    missing, extra = REQUIRED - set(entry), set(entry) - FIELDS
    if missing or extra:
        raise ValueError(f"{where}: missing fields {sorted(missing)}, unknown fields {sorted(extra)}; "
                         f"an entry has {sorted(FIELDS)}")
    for field in FIELDS & set(entry):
        if not isinstance(entry[field], str) and not (field in ("op", "device") and entry[field] is None):
            raise ValueError(f"{where}: {field} must be a string, got {entry[field]!r}")
    family, _, name = entry["invariant"].partition(".")
    if not family or not name:
        raise ValueError(f"{where}: invariant {entry['invariant']!r} is not of the form 'family.id'")
    try:
        SpecifierSet(entry["torch"])
    except InvalidSpecifier:
        raise ValueError(f"{where} ({entry['invariant']}): torch range {entry['torch']!r} is not a PEP 440 "
                         "specifier such as '>=2.4,<2.9'") from None
    return Divergence(entry["invariant"], entry.get("op"), entry.get("device"), entry["torch"],
                      entry["reason"], entry["link"])
