"""Run a conformance test with a planted fault and require that it fails.

A canary proves a family's power: the same test passes on torch as shipped (the conformance run)
and fails once one rule is broken on purpose.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase
from hypothesis.errors import HypothesisException

from conformance.profiles import overridden

# Derandomized so a canary is never flaky; no shrinking: that the fault is found is all we need.
CANARY_SETTINGS = dict(max_examples=200, derandomize=True, deadline=None, database=None, phases=[Phase.explicit, Phase.generate])


def assert_caught(test, **kwargs) -> BaseException:
    """Call ``test(**kwargs)`` (a Hypothesis test) and return the failure it must raise."""
    with overridden(test, **CANARY_SETTINGS):
        try:
            test(**kwargs)
        except HypothesisException:
            raise  # a harness problem (unsatisfiable, health check), not a caught fault
        except (Exception, pytest.fail.Exception) as failure:
            return failure
    pytest.fail(f"{test.__name__} did not detect the planted fault")
