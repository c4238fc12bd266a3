"""Run a conformance test with a planted fault and require that it fails.

A canary proves a family's power: the same test passes on torch as shipped (the conformance run)
and fails once one rule is broken on purpose -- at the example count of the ``ci`` profile, the count
CI and users run, derandomized so a canary is never flaky.  Shrinking is off: that the fault is found
is all a canary needs -- except when measuring how small the shrunk examples are
(``CONFORMANCE_SHRINK_TABLE``, :mod:`tests.shrink_table`).
"""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import Phase, settings
from hypothesis.errors import HypothesisException

from conformance import profiles
from conformance.hypothesis_glue import overridden, own_seed
from tests import shrink_table

CANARY_SETTINGS = dict(parent=settings.get_profile("ci"), phases=[Phase.explicit, Phase.generate])


def assert_caught(test, max_examples: int | None = None, shrink: bool = False, **kwargs) -> BaseException:
    """Call ``test(**kwargs)`` (a Hypothesis test) under the ci profile and return the failure it must raise.

    The examples are the test function's own derandomized ones, whichever tests ran before
    (:func:`conformance.hypothesis_glue.own_seed`).  ``max_examples``: the count ci runs this test at
    when it is not the profile's (a test run once per op and dtype kind).  ``shrink``: shrink the
    falsifying example, as a user's run does.
    """
    max_examples = max_examples or profiles.ci_examples_of(test)
    changes = dict(CANARY_SETTINGS, **({"max_examples": max_examples} if max_examples else {}))
    measuring = shrink_table.path() is not None
    if shrink or measuring:
        changes["phases"] = [*changes["phases"], Phase.shrink]
    start = time.perf_counter()
    with own_seed(test), overridden(test, **changes), \
            (shrink_table.printed_recipes() if measuring else contextlib.nullcontext([])) as printed:
        try:
            test(**kwargs)
        except HypothesisException:
            raise  # a harness problem (unsatisfiable, health check), not a caught fault
        except (Exception, pytest.fail.Exception) as failure:
            if measuring:
                shrink_table.record(test, failure, printed, time.perf_counter() - start)
            return failure
    pytest.fail(f"{test.__name__} did not detect the planted fault under the ci profile")
