"""Hypothesis profiles: ``dev`` (local default), ``ci`` (derandomized), ``nightly`` (10x, random)."""

from __future__ import annotations

import os
from contextlib import contextmanager

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
PROFILES = {
    "dev": dict(max_examples=15, phases=_NO_EXPLAIN),
    "ci": dict(max_examples=CI_EXAMPLES, derandomize=True, database=None, phases=_NO_EXPLAIN),
    "nightly": dict(max_examples=10 * CI_EXAMPLES),
}


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


@contextmanager
def overridden(test, **changes):
    """Run a ``@given`` test with some settings changed, then restore them.

    The Hypothesis pytest plugin keeps a parametrized test's settings on this same attribute;
    it is the only per-call way to change them once a test is defined.
    """
    attr = "_hypothesis_internal_use_settings"
    saved = getattr(test, attr, None)
    setattr(test, attr, settings(saved or settings.default, **changes))
    try:
        yield test
    finally:
        if saved is None:
            delattr(test, attr)
        else:
            setattr(test, attr, saved)
