"""The one module that reaches past Hypothesis's decorators (conformance/hypothesis_glue.py), against the
installed Hypothesis: tox's mindeps and newest envs run this file on the oldest and newest releases."""

from __future__ import annotations

import pytest
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

from conformance import hypothesis_glue as glue


def test_a_passing_run_counts_its_examples_and_invalid_ones():
    @settings(max_examples=30, derandomize=True, database=None)
    @given(st.integers(0, 9))
    def passes(n):
        assume(n != 3)

    with glue.observing() as seen:
        passes()
    summary = glue.summary(seen)
    generated = summary["phases"]["generate"]
    assert summary["examples"] == generated["passed"] >= 1
    assert summary["invalid_examples"] == generated.get("gave_up", 0) >= 1  # n == 3 is drawn
    assert sum(summary["invalid_reasons"].values()) == summary["invalid_examples"]
    assert any(reason.startswith("failed to satisfy assume() in passes") for reason in summary["invalid_reasons"])
    assert summary["falsifying_example"] is None


def test_a_failing_run_gives_its_shrunk_example_without_wording():
    @settings(max_examples=50, derandomize=True, database=None, print_blob=True)
    @given(st.data())
    def fails(data):
        x = data.draw(st.integers(0, 100), label="x")
        assert x < 5

    with glue.observing() as seen, pytest.raises(AssertionError) as failure:
        fails()
    summary = glue.summary(seen)
    assert summary["falsifying_example"].startswith("fails(") and "Draw 1 (x): 5" in summary["falsifying_example"]
    assert summary["phases"]["final"] == {"failed": 1} and summary["phases"]["shrink"]
    assert summary["examples"] == sum(summary["phases"]["generate"].get(k, 0) for k in ("passed", "failed"))
    assert glue.reproduce_failure_line(failure.value).startswith("@reproduce_failure(")
    assert any("Draw 1 (x): 5" in note for note in glue.notes(failure.value))


def test_overridden_changes_settings_for_one_call_and_restores_them():
    calls = []

    @settings(max_examples=5, derandomize=True, database=None)
    @given(st.integers())
    def counted(n):
        calls.append(n)

    with glue.overridden(counted, max_examples=17, phases=[Phase.generate]):
        counted()
    assert len(calls) == 17
    calls.clear()
    counted()
    assert len(calls) == 5


def test_overridden_fails_loudly_when_hypothesis_changes():
    def not_given():
        pass

    with pytest.raises(TypeError, match="not a @given test"):
        with glue.overridden(not_given, max_examples=1):
            pass
    not_given.hypothesis = object()  # a @given test of a Hypothesis that keeps its settings elsewhere
    with pytest.raises(glue.UnsupportedHypothesis, match="Hypothesis .* no longer keeps a test's settings"):
        with glue.overridden(not_given, max_examples=1):
            pass


def test_own_seed_sets_aside_the_plugins_addition_and_restores_it():
    seen = []

    @settings(max_examples=3, derandomize=True, database=None)
    @given(st.integers(0, 10**6))
    def drawn(n):
        seen.append(n)

    drawn()
    plain, seen[:] = list(seen), []
    inner = drawn.hypothesis.inner_test
    inner._hypothesis_internal_add_digest = b"test_x[some-param]"  # as the pytest plugin leaves it
    with glue.own_seed(drawn):
        drawn()
    assert seen == plain and inner._hypothesis_internal_add_digest == b"test_x[some-param]"
