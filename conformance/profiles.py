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


def current(config) -> str:
    """The profile this run loaded: ``--hypothesis-profile``, else :data:`DEFAULT`."""
    return config.getoption("hypothesis_profile", None) or DEFAULT
