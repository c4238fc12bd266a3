"""From a catalogue to pytest parameters: one helper for the op registry, the error catalogue and the
sharing matrix.

:func:`over` parametrizes a test over catalogue entries.  Each parameter gets a readable id (the
entry's name, then its other axis values), its own ``invariant(family, id, source=..., rule=...)``
marker, so the entry's documentation link reaches the report line next to the rule's (``rule``: the
rule's alone), and a skip outside the torch releases the entry describes (its ``torch`` specifier).
"""

from __future__ import annotations

from typing import Callable, Iterable

import pytest
import torch
from packaging.specifiers import SpecifierSet


def applies(specifier: str, version: str = torch.__version__) -> bool:
    """Whether a torch ``version`` (local part ignored: 2.13.0+cpu is 2.13.0) is inside ``specifier``."""
    return SpecifierSet(specifier).contains(version.split("+")[0], prereleases=True)


def source_of(entry) -> str:
    """An entry's documentation: its ``source``, else its ``doc``."""
    return getattr(entry, "source", None) or getattr(entry, "doc", "")


def over(family: str, invariant: str, entries: Iterable, *, rule: str = "", argnames: str = "op",
         axes: Callable[[object], Iterable[tuple]] | None = None,
         source: Callable[[object], str] = source_of) -> pytest.MarkDecorator:
    """``pytest.mark.parametrize(argnames, ...)`` over ``entries`` for the invariant ``family.invariant``.

    ``rule``: the documentation of the rule the test checks; each parameter cites it and the entry's
    own ``source(entry)``.  ``axes(entry)``: the other parameters' values for the entry, as tuples
    (one per test, e.g. ``[("float",), ("int",)]`` for ``argnames="op,kind"``); default one test per entry.
    """
    params = []
    for entry in entries:
        cited = " ; ".join(part for part in (rule, source(entry)) if part)
        marks = [pytest.mark.invariant(family, invariant, source=cited, rule=rule)]
        specifier = getattr(entry, "torch", None)
        if specifier and not applies(specifier):
            marks.append(pytest.mark.skip(reason=f"{entry.name} applies to torch{specifier}; installed is "
                                                 f"{torch.__version__}"))
        for values in (axes(entry) if axes else [()]):
            params.append(pytest.param(entry, *values, marks=marks, id="-".join([entry.name, *map(str, values)])))
    return pytest.mark.parametrize(argnames, params)
