"""Every use of Hypothesis beyond its decorators and strategies lives here, and nowhere else.

- What a test run did (examples run, invalid examples, per phase; the falsifying example) is read from
  Hypothesis's documented observability callbacks (``add_observability_callback``, Hypothesis >= 6.137), as
  structured test-case observations, never from the text Hypothesis prints.  Coverage collection, which
  observability turns on by default and which slows Python <= 3.11 several times over, is switched off
  through the documented ``OBSERVABILITY_COLLECT_COVERAGE`` attribute.
- Changing the settings of an already-decorated ``@given`` test for one call (the canaries, and known
  divergences that must not shrink) has no public interface: :func:`overridden` sets the attribute the
  Hypothesis pytest plugin itself uses, and fails loudly, naming the installed version, if it is gone.
- A canary calls a parametrized test function directly; :func:`own_seed` keeps the seed the pytest
  plugin left on it (the node id of the last parametrized run) out of that call.
- The pytest plugin wraps a parametrized test's settings in one more layer on every call and never
  unwraps them; :func:`settings_kept` restores them after each call (see there).

``tests/test_hypothesis_glue.py`` checks both against the installed Hypothesis; tox's ``mindeps`` and
``newest`` envs run it against the oldest supported and the newest release.
"""

from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager

import hypothesis
from hypothesis import settings

MINIMUM = "6.137"  # the first release with add_observability_callback; pyproject's lower bound

try:
    from hypothesis.internal import observability as _observability
    from hypothesis.internal.observability import add_observability_callback, remove_observability_callback
except ImportError:  # pragma: no cover - older than the declared minimum
    _observability = add_observability_callback = remove_observability_callback = None

_SETTINGS_ATTR = "_hypothesis_internal_use_settings"
_PHASE = re.compile(r"during (\w+) phase")
_REPRODUCE = re.compile(r"@reproduce_failure\([^)]*\)")  # the documented decorator that replays a failure


class UnsupportedHypothesis(RuntimeError):
    """The installed Hypothesis lacks an interface the suite relies on; the message names the version."""


def require_observability() -> None:
    """Raise :class:`UnsupportedHypothesis` unless test-case observations can be collected."""
    if add_observability_callback is None:
        raise UnsupportedHypothesis(
            f"the result file needs Hypothesis >= {MINIMUM} (observability callbacks); "
            f"Hypothesis {hypothesis.__version__} is installed")


@contextmanager
def observing():
    """Collect the test-case observations of the Hypothesis tests run inside the block (this thread).

    >>> with observing() as seen:
    ...     some_given_test()
    >>> summary(seen)["examples"]
    """
    require_observability()
    seen: list = []
    _observability.OBSERVABILITY_COLLECT_COVERAGE = False
    add_observability_callback(seen.append)
    try:
        yield seen
    finally:
        remove_observability_callback(seen.append)


def _phase(how_generated: str) -> str:
    """``"generate"`` for "during generate phase", ``"explicit"``; any other origin (the final replay of
    the minimal failing example) is ``"final"``."""
    match = _PHASE.search(how_generated or "")
    if match:
        return match.group(1)
    return "explicit" if "explicit" in (how_generated or "") else "final"


def summary(observations) -> dict:
    """Examples run and invalid examples (all phases but shrinking and the final replay) with Hypothesis's
    reason for each invalid one (a failed ``assume()`` names its line; an "exceeded maximum test case size"
    is a generated or mutated choice sequence that ran out, not a filter), the counts of each phase by
    status, and the falsifying example(s): the representation of each final failing replay."""
    phases: dict[str, Counter] = {}
    reasons: Counter = Counter()
    falsifying = []
    for observation in observations:
        if getattr(observation, "type", None) != "test_case":
            continue
        phase = _phase(observation.how_generated)
        phases.setdefault(phase, Counter())[observation.status] += 1
        if observation.status == "gave_up" and phase not in ("shrink", "final"):
            reasons[observation.status_reason or "unknown"] += 1
        if observation.status == "failed" and phase in ("final", "explicit"):
            falsifying.append(observation.representation)
    counted = [counts for phase, counts in phases.items() if phase not in ("shrink", "final")]
    return {
        "examples": sum(c["passed"] + c["failed"] for c in counted),
        "invalid_examples": sum(c["gave_up"] for c in counted),
        "invalid_reasons": dict(reasons),
        "phases": {phase: dict(counts) for phase, counts in phases.items()},
        "falsifying_example": "\n\n".join(dict.fromkeys(falsifying)) or None,
    }


def _exceptions(error: BaseException):
    """An exception and, for a group (several distinct Hypothesis failures), its members."""
    yield error
    for member in getattr(error, "exceptions", ()):
        yield from _exceptions(member)


def notes(error: BaseException) -> list[str]:
    """The notes attached to a failure and to each member of a failure group."""
    return [str(note) for member in _exceptions(error) for note in getattr(member, "__notes__", ())]


def reproduce_failure_line(error: BaseException) -> str | None:
    """The ``@reproduce_failure(...)`` decorator Hypothesis offers for a failure (``print_blob=True``)."""
    for note in notes(error):
        match = _REPRODUCE.search(note)
        if match:
            return match.group(0)
    return None


def is_given_test(test) -> bool:
    """Whether ``test`` is decorated with ``@given`` (its documented ``.hypothesis`` attribute)."""
    return hasattr(test, "hypothesis")


@contextmanager
def overridden(test, **changes):
    """Run a ``@given`` test with some settings changed (on top of ``parent=``, default its own), then
    restore them.

    The Hypothesis pytest plugin keeps a test's settings on this attribute; it is the only per-call way
    to change them once a test is defined.  Hypothesis sets it on every ``@given`` test.
    """
    if not is_given_test(test):
        raise TypeError(f"{getattr(test, '__name__', test)!r} is not a @given test")
    if not hasattr(test, _SETTINGS_ATTR):
        raise UnsupportedHypothesis(
            f"Hypothesis {hypothesis.__version__} no longer keeps a test's settings in {_SETTINGS_ATTR}: "
            "conformance/hypothesis_glue.py must learn the new way to override them")
    saved = getattr(test, _SETTINGS_ATTR)
    parent = changes.pop("parent", None) or saved or settings.default
    setattr(test, _SETTINGS_ATTR, settings(parent, **changes))
    try:
        yield test
    finally:
        setattr(test, _SETTINGS_ATTR, saved)


@contextmanager
def settings_kept(function):
    """Run one call of a test ``function`` and then give it back the settings it had before.

    Hypothesis's pytest plugin sets a parametrized test's settings to a child of its current ones on every
    call (to suppress the ``differing_executors`` health check, Hypothesis issue 3733) and leaves it there,
    so the chain grows by one per parametrization; reading a setting walks it recursively, and a test
    function with about a thousand parametrizations (the registry's invariants over every op) hits
    Python's recursion limit.  A function that is not a ``@given`` test is left alone.
    """
    function = getattr(function, "__func__", function)
    saved = getattr(function, _SETTINGS_ATTR, None)
    try:
        yield
    finally:
        if saved is not None:
            setattr(function, _SETTINGS_ATTR, saved)


_DIGEST_ATTR = "_hypothesis_internal_add_digest"


@contextmanager
def own_seed(test):
    """Call a ``@given`` test with its own derandomized examples, whichever tests ran before.

    Hypothesis's pytest plugin adds the node id of the last parametrized run to the function's seed (on
    its inner test), which would make a direct call's examples depend on test order; the addition is
    set aside for the block.
    """
    if not is_given_test(test):
        raise TypeError(f"{getattr(test, '__name__', test)!r} is not a @given test")
    inner = test.hypothesis.inner_test
    digest = inner.__dict__.pop(_DIGEST_ATTR, None)
    try:
        yield test
    finally:
        if digest is not None:
            setattr(inner, _DIGEST_ATTR, digest)
