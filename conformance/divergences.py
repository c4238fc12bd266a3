"""Known divergences: expected failures keyed by invariant, op, device type and torch version range,
narrowed to the dtypes and the failure they explain.

The data lives in ``known_divergences.json`` beside this module (or the file $CONFORMANCE_KNOWN_DIVERGENCES
names); each entry carries the reason and an upstream link.  A matching test is marked ``xfail``
(``strict`` where the divergence is deterministic, so a fixed upstream bug fails the run until the entry
is narrowed).  Like pytest's ``xfail(raises=...)``, an entry may name the expected failure: the exception
type (``raises``), a regular expression its message must contain (``match``) and the dtypes it concerns
(``dtypes``: the message must name one, as ``torch.float32``).  Any other failure of the test -- a harness
crash, an unrelated bug, the same rule broken for another dtype -- is reported as a failure, not swallowed.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

ENV = "CONFORMANCE_KNOWN_DIVERGENCES"  # another data file, e.g. a backend vendor's own list
DEFAULT = Path(__file__).with_name("known_divergences.json")
FIELDS = {"invariant", "op", "device", "torch", "reason", "link", "dtypes", "raises", "match", "strict"}
REQUIRED = {"invariant", "torch", "reason", "link"}
DTYPES = {"float16", "bfloat16", "float32", "float64", "complex64", "complex128", "bool", "uint8", "int8",
          "int16", "int32", "int64", "uint64"}


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
    dtypes: tuple[str, ...] = ()  # the failure names one of them; () any
    raises: str | None = None  # the failure's exception type (a class name in its MRO); None any
    match: str | None = None  # a regular expression searched in the failure's message; None any
    strict: bool = False  # deterministic: a pass is an error (XPASS(strict))

    def matches(self, invariant: str, op: str | None, device: str | None, torch_version: str) -> bool:
        return (self.invariant == invariant
                and self.op in (None, op)
                and (self.device is None or (device or "").split(":")[0] == self.device)
                and _in_range(torch_version, self.torch))

    def unexplained(self, leaf: BaseException) -> str | None:
        """Why the exception ``leaf`` is not the failure this entry expects; None when it is."""
        names = [cls.__name__ for cls in type(leaf).__mro__]
        message = str(leaf)
        if self.raises and self.raises not in names:
            return f"expected {self.raises}, got {type(leaf).__name__}: {message.splitlines()[0] if message else ''}"
        if self.match and not re.search(self.match, message):
            return f"the message does not match {self.match!r}"
        if self.dtypes and not re.search(rf"\btorch\.({'|'.join(self.dtypes)})\b", message):
            return f"the failure concerns none of the dtypes {', '.join(self.dtypes)}"
        return None


@lru_cache(maxsize=None)
def _in_range(torch_version: str, specifier: str) -> bool:
    """Whether the release of ``torch_version`` (2.13.0+cpu -> 2.13.0) is in ``specifier``; cached, as every
    collected test asks it of every entry of its invariant."""
    return Version(Version(torch_version).base_version) in SpecifierSet(specifier)


def unexplained(entries, failure: BaseException) -> list[str]:
    """Why the known divergences ``entries`` (all that apply to one test) do not explain ``failure``: one
    line per entry, for an exception that none of them explains; [] when each exception is explained by
    one of them.  Every exception of an exception group (Hypothesis reports distinct failures together)
    must be explained, and two entries of one test may explain two of them."""
    for leaf in _leaves(failure):
        whys = [entry.unexplained(leaf) for entry in entries]
        if all(why is not None for why in whys):
            return [f"{entry.invariant} op={entry.op} ({entry.link}) expects another failure: {why}"
                    for entry, why in zip(entries, whys)]
    return []


def _leaves(failure: BaseException):
    inner = getattr(failure, "exceptions", None)  # a (Base)ExceptionGroup, also the backport's on 3.10
    if isinstance(inner, (list, tuple)):
        for exception in inner:
            yield from _leaves(exception)
    else:
        yield failure


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
    for field in FIELDS & set(entry) - {"dtypes", "strict"}:
        if not isinstance(entry[field], str) and not (field in ("op", "device") and entry[field] is None):
            raise ValueError(f"{where}: {field} must be a string, got {entry[field]!r}")
    dtypes = entry.get("dtypes", [])
    if not isinstance(dtypes, list) or set(dtypes) - DTYPES:
        raise ValueError(f"{where} ({entry['invariant']}): dtypes must be a list of dtype names from "
                         f"{sorted(DTYPES)}, got {dtypes!r}")
    if not isinstance(entry.get("strict", False), bool):
        raise ValueError(f"{where} ({entry['invariant']}): strict must be true or false, got {entry['strict']!r}")
    try:
        re.compile(entry.get("match", ""))
    except re.error as error:
        raise ValueError(f"{where} ({entry['invariant']}): match {entry['match']!r} is not a regular "
                         f"expression: {error}") from None
    family, _, name = entry["invariant"].partition(".")
    if not family or not name:
        raise ValueError(f"{where}: invariant {entry['invariant']!r} is not of the form 'family.id'")
    try:
        SpecifierSet(entry["torch"])
    except InvalidSpecifier:
        raise ValueError(f"{where} ({entry['invariant']}): torch range {entry['torch']!r} is not a PEP 440 "
                         "specifier such as '>=2.4,<2.9'") from None
    return Divergence(entry["invariant"], entry.get("op"), entry.get("device"), entry["torch"],
                      entry["reason"], entry["link"], tuple(dtypes), entry.get("raises"), entry.get("match"),
                      entry.get("strict", False))
