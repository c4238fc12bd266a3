"""Hypothesis profiles: ``dev`` (local default), ``ci`` (derandomized), ``nightly`` (10x, random)."""

from __future__ import annotations

import os
from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

DB_ENV = "CONFORMANCE_HYPOTHESIS_DB"
DEFAULT = "dev"

# No deadlines anywhere: first calls pay for kernel loading and accelerators queue work
# asynchronously, so wall time per example says nothing about conformance.
_COMMON = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
# The explain phase replays a failure many times over; CI wants the minimal example only.
_NO_EXPLAIN = tuple(p for p in Phase if p is not Phase.explain)

CI_EXAMPLES = 40
NIGHTLY_EXAMPLES = 10 * CI_EXAMPLES
_CI_COUNT_ATTR = "_conformance_ci_examples"
PROFILES = {
    "dev": dict(max_examples=15, phases=_NO_EXPLAIN),
    "ci": dict(max_examples=CI_EXAMPLES, derandomize=True, database=None, phases=_NO_EXPLAIN),
    "nightly": dict(max_examples=NIGHTLY_EXAMPLES),
}


def ci_examples(count: int):
    """Decorator: run a test at ``count`` examples in the ``ci`` profile (in others, at the profile's count):
    fewer for an invariant whose example costs several of another's (finite differences, both modes of AD) and
    whose faults every example shows; more, up to the nightly count, for a cheap one whose faults only some
    combinations show (a drawn program must contain the faulty op, in a dtype that resolves the fault).  The
    plugin applies it (``pytest_runtest_call``), and the canaries run the test at the same count
    (``tests/canary.py``)."""
    if not 0 < count <= NIGHTLY_EXAMPLES:
        raise ValueError(f"ci_examples({count!r}): expected 1..{NIGHTLY_EXAMPLES}, the nightly profile's count")

    def mark(test):
        setattr(test, _CI_COUNT_ATTR, count)
        return test
    return mark


def ci_examples_of(test) -> int | None:
    """The count :func:`ci_examples` gave ``test``, else None (the profile's)."""
    return getattr(test, _CI_COUNT_ATTR, None)


def register(database_dir: str | None = None) -> None:
    """Register the three profiles; ``nightly`` keeps its examples in ``database_dir`` (or $CONFORMANCE_HYPOTHESIS_DB)."""
    for name, values in PROFILES.items():
        extra = {}
        if name == "nightly":
            path = database_dir or os.environ.get(DB_ENV)
            if path:
                extra["database"] = DirectoryBasedExampleDatabase(path)
        # parent: Hypothesis's own defaults, not whichever profile happens to be loaded now
        settings.register_profile(name, parent=settings.get_profile("default"), **_COMMON, **values, **extra)


def current(config) -> str:
    """The profile this run loaded: ``--hypothesis-profile``, else :data:`DEFAULT`."""
    return config.getoption("hypothesis_profile", None) or DEFAULT
