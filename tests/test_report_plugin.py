"""The report plugin (``--report``), run as a user runs it: pytest subprocesses on small generated test files.

The installed plugin (entry point ``conformance.plugin``) loads in those subprocesses as in any run, so
devices, invariant markers, known divergences and the result file work exactly as in the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent

DEMO = '''
import functools
import pytest
from hypothesis import given, strategies as st

invariant = functools.partial(pytest.mark.invariant, "demo")


@invariant("passes", source="https://example.org/rule")
@pytest.mark.parametrize("op", ["a", "b"])
@pytest.mark.parametrize("dtype", [__import__("torch").float32], ids=["float32"])
def test_passes(device, op, dtype):
    assert device == "cpu"


@invariant("measures")
def test_measures(device):
    import numpy, torch
    from conformance import accuracy
    accuracy.record("exp", torch.float32, device, numpy.array([0.0, 0.5, 2.0]), 1.0)


@invariant("finds")
@given(st.data())
def test_finds(device, data):
    x = data.draw(st.integers(0, 100), label="x")
    assert x < 5, "<b>too big</b>"


@invariant("expected")
@pytest.mark.xfail(reason="expected to fail", strict=False)
def test_xfail(device):
    assert False


@invariant("unexpected")
@pytest.mark.xfail(reason="thought to fail", strict=False)
def test_xpass(device):
    pass


@invariant("skipped")
@pytest.mark.skip(reason="no such op here")
def test_skip(device):
    pass


@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")


@invariant("setup")
def test_error(device, broken):
    pass
'''

DIVERGENCES = [
    {"invariant": "demo.passes", "op": "a", "device": "cpu", "torch": ">=2.0",
     "reason": "fixed upstream?", "link": "https://example.org/issue/1"},
    {"invariant": "demo.passes", "op": "zzz", "device": "cpu", "torch": ">=2.0",
     "reason": "matches nothing", "link": "https://example.org/issue/2"},
]


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONFORMANCE_KNOWN_DIVERGENCES": str(folder / "divergences.json")}
    env.pop("TOX_ENV_NAME", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           "--device", "cpu", "--hypothesis-profile=ci", *args],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def by_nodeid(path: Path) -> dict[str, dict]:
    return {r["nodeid"]: r for r in records(path) if r["kind"] == "test"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    (folder / "test_demo.py").write_text(DEMO)
    (folder / "divergences.json").write_text(json.dumps(DIVERGENCES))
    return folder


@pytest.fixture(scope="module")
def serial(demo) -> tuple[Path, subprocess.CompletedProcess]:
    result = run_pytest(demo, "--report", "serial/", "test_demo.py")
    files = list((demo / "serial").glob("*.jsonl"))
    assert len(files) == 1, result.stdout + result.stderr
    return files[0], result


def test_run_record_describes_the_run(serial):
    path, _ = serial
    run, *_, end = records(path)
    assert run["kind"] == "run" and run["schema"] == 1
    assert run["torch"] == torch.__version__ and run["torch_git"] == torch.version.git_version
    assert run["cuda"] == torch.version.cuda and run["devices"] == ["cpu"] and run["device_names"]["cpu"]
    assert run["profile"] == "ci" and run["seed"] == "derandomized" and run["host"]
    assert end["kind"] == "end" and end["end"] >= run["start"] and end["exitstatus"] == 1
    assert path.name.endswith(f"-torch{torch.__version__}-{run['host']}.jsonl")


def test_every_outcome_is_recorded(serial):
    path, _ = serial
    tests = by_nodeid(path)
    outcomes = {nodeid.split("::")[1]: t["outcome"] for nodeid, t in tests.items()}
    assert outcomes == {
        "test_passes[cpu-float32-a]": "xpass",  # a known divergence that passed: reported
        "test_passes[cpu-float32-b]": "pass", "test_measures[cpu]": "pass",
        "test_finds[cpu]": "fail", "test_xfail[cpu]": "xfail", "test_xpass[cpu]": "xpass",
        "test_skip[cpu]": "skip", "test_error[cpu]": "error",
    }
    passed = tests["test_demo.py::test_passes[cpu-float32-b]"]
    assert (passed["family"], passed["invariant"], passed["op"], passed["device"], passed["dtype"]) == \
        ("demo", "demo.passes", "b", "cpu", "float32")
    assert passed["torch"] == torch.__version__ and passed["duration"] >= 0
    assert tests["test_demo.py::test_skip[cpu]"]["reason"] == "no such op here"
    assert tests["test_demo.py::test_xfail[cpu]"]["reason"] == "expected to fail"
    assert "fixture broke" in tests["test_demo.py::test_error[cpu]"]["message"]
    counts = records(path)[-1]["counts"]
    assert counts == {"pass": 2, "xpass": 2, "fail": 1, "xfail": 1, "skip": 1, "error": 1}


def test_ulp_errors_a_test_measured_are_recorded(serial):
    path, _ = serial
    tests = by_nodeid(path)
    ulp = tests["test_demo.py::test_measures[cpu]"]["ulp"]["exp/float32/cpu"]
    assert (ulp["elements"], ulp["max"], ulp["budget"]) == (3, 2.0, 1.0)
    assert sum(ulp["histogram"]["counts"]) == 3 and len(ulp["histogram"]["counts"]) == len(ulp["histogram"]["edges"]) + 1
    assert "ulp" not in tests["test_demo.py::test_passes[cpu-float32-b]"]


def test_failure_carries_example_and_repro(serial):
    path, _ = serial
    failed = by_nodeid(path)["test_demo.py::test_finds[cpu]"]
    assert failed["examples"] >= 1 and failed["phases"]["generate"]["failed"] >= 1
    assert sum(failed["invalid_reasons"].values()) == failed["invalid_examples"]
    assert failed["phases"]["final"] == {"failed": 1}  # the replay of the minimal example
    # the structured example: the shrunk call and its draws, not Hypothesis's wording around them
    assert failed["falsifying_example"].startswith("test_finds(")
    assert "Draw 1 (x): 5" in failed["falsifying_example"]
    assert "<b>too big</b>" in failed["message"] and "Draw 1" not in failed["message"]
    assert "python -m pytest 'test_demo.py::test_finds[cpu]' --device cpu" in failed["repro"]
    assert "--hypothesis-profile=ci" in failed["repro"] and "@reproduce_failure(" in failed["repro"]


def test_known_divergences_xpass_and_unmatched(serial):
    path, result = serial
    xpassed = by_nodeid(path)["test_demo.py::test_passes[cpu-float32-a]"]
    assert xpassed["reason"].startswith("known divergence: fixed upstream?")
    assert "https://example.org/issue/1" in xpassed["reason"]
    unmatched = [r for r in records(path) if r["kind"] == "divergence"]
    assert [(u["invariant"], u["op"], u["link"]) for u in unmatched] == \
        [("demo.passes", "zzz", "https://example.org/issue/2")]
    assert "known divergence matches no test here: demo.passes op=zzz" in result.stdout


def test_xdist_workers_write_one_file_like_a_serial_run(demo, serial):
    path, _ = serial
    result = run_pytest(demo, "-n", "2", "--report", "xdist.jsonl", "test_demo.py")
    merged = demo / "xdist.jsonl"
    kinds = [r["kind"] for r in records(merged)]
    assert kinds.count("run") == 1 and kinds[-1] == "end", result.stdout
    summary = {n: (t["outcome"], t["examples"], t["op"], t["dtype"]) for n, t in by_nodeid(merged).items()}
    assert summary == {n: (t["outcome"], t["examples"], t["op"], t["dtype"]) for n, t in by_nodeid(path).items()}
    assert [r["op"] for r in records(merged) if r["kind"] == "divergence"] == ["zzz"]
    assert "known divergence matches no test here: demo.passes op=zzz" in result.stdout


CRASH = '''
import os, signal
def test_1(): pass
def test_2(): pass
def test_3(): os.kill(os.getpid(), signal.SIGKILL)
def test_4(): pass
'''


def test_a_crash_loses_no_test_already_run(tmp_path):
    (tmp_path / "test_crash.py").write_text(CRASH)
    (tmp_path / "divergences.json").write_text("[]")
    result = run_pytest(tmp_path, "--report", "crash.jsonl", "test_crash.py")
    assert result.returncode < 0  # killed
    lines = (tmp_path / "crash.jsonl").read_text().splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["run", "test", "test"]
    assert [json.loads(line)["nodeid"] for line in lines[1:]] == ["test_crash.py::test_1", "test_crash.py::test_2"]


def test_a_crashed_xdist_worker_is_recorded_and_the_run_goes_on(tmp_path):
    (tmp_path / "test_crash.py").write_text(CRASH)
    (tmp_path / "divergences.json").write_text("[]")
    run_pytest(tmp_path, "-n", "2", "--report", "crash.jsonl", "test_crash.py")
    tests = by_nodeid(tmp_path / "crash.jsonl")
    assert {n.split("::")[1]: t["outcome"] for n, t in tests.items()} == \
        {"test_1": "pass", "test_2": "pass", "test_3": "fail", "test_4": "pass"}
    assert "crashed" in tests["test_crash.py::test_3"]["message"]


KNOWN = '''
import pytest
from hypothesis import given, strategies as st


@pytest.mark.invariant("demo", "known")
@pytest.mark.xfail(reason="a known divergence", strict=True)
@given(st.integers(0, 100), st.lists(st.integers(0, 100)))
def test_known(device, x, ys):  # ys is free: the explain phase would say so
    assert x < 5
'''


@pytest.mark.parametrize("profile", ["ci", "nightly"])
def test_a_known_divergence_is_never_explained_and_shrunk_only_nightly(tmp_path, profile):
    """Hypothesis's explain phase replays a failure hundreds of times; a known divergence's failure is
    expected, so it skips that phase in every profile (and the shrink phase in ci): the phases its test
    cases ran in, from the result file."""
    (tmp_path / "test_known.py").write_text(KNOWN)
    (tmp_path / "divergences.json").write_text("[]")
    result = run_pytest(tmp_path, "--report", "out/", f"--hypothesis-profile={profile}", "--hypothesis-seed=1",
                        "test_known.py")
    (path,) = (tmp_path / "out").glob("*.jsonl")
    (known,) = by_nodeid(path).values()
    assert known["outcome"] == "xfail", result.stdout
    assert "generate" in known["phases"] and "explain" not in known["phases"], known["phases"]
    assert ("shrink" in known["phases"]) == (profile == "nightly"), known["phases"]


FEW = '''
from hypothesis import given, strategies as st
from conformance.profiles import ci_examples


@ci_examples(3)
@given(st.integers())
def test_few(x):
    pass


@given(st.integers())
def test_many(x):
    pass
'''


def test_a_tests_own_ci_example_count_applies_in_ci_only(tmp_path):
    """``profiles.ci_examples(3)``: 3 examples under ci, the profile's count (dev: 15) elsewhere."""
    (tmp_path / "test_few.py").write_text(FEW)
    (tmp_path / "divergences.json").write_text("[]")
    for profile, few, many in (("ci", 3, 40), ("dev", 15, 15)):
        run_pytest(tmp_path, "--report", f"{profile}/", f"--hypothesis-profile={profile}", "test_few.py")
        (path,) = (tmp_path / profile).glob("*.jsonl")
        examples = {nodeid.split("::")[1]: t["examples"] for nodeid, t in by_nodeid(path).items()}
        assert examples == {"test_few": few, "test_many": many}, (profile, examples)


def test_a_module_that_fails_to_import_is_an_error_of_its_family(tmp_path):
    (tmp_path / "test_broken.py").write_text(textwrap.dedent("""
        import torch
        torch.no_such_api_in_this_release
    """))
    (tmp_path / "divergences.json").write_text("[]")
    run_pytest(tmp_path, "--report", "broken.jsonl", "test_broken.py")
    (error,) = by_nodeid(tmp_path / "broken.jsonl").values()
    assert (error["outcome"], error["phase"], error["family"]) == ("error", "collect", "broken")
    assert "no_such_api_in_this_release" in error["message"]


REGISTRY_DEMO = '''
import pytest
from conformance.ops import REGISTRY
from conformance.params import over


@pytest.mark.invariant("demo", "plain", source="https://example.org/plain ; seed 001")
@pytest.mark.parametrize("op", [REGISTRY["abs"], REGISTRY["sum"], "abs"], ids=["abs", "sum", "abs-name"])
def test_plain(device, op):
    pass


@over("demo", "over-ops", [REGISTRY["abs"]], rule="https://example.org/rule")
def test_over_ops(device, op):
    pass
'''


def test_registry_ops_carry_their_area_and_tests_their_rule(tmp_path):
    (tmp_path / "test_registry_demo.py").write_text(REGISTRY_DEMO)
    (tmp_path / "divergences.json").write_text("[]")
    result = run_pytest(tmp_path, "--report", "registry.jsonl", "test_registry_demo.py")
    tests = {n.split("::")[1]: t for n, t in by_nodeid(tmp_path / "registry.jsonl").items()}
    assert {name: (t["op"], t["op_area"]) for name, t in tests.items()} == {
        "test_plain[cpu-abs]": ("abs", "elementwise"), "test_plain[cpu-sum]": ("sum", "reductions"),
        "test_plain[cpu-abs-name]": ("abs", None),  # a string named like an op is not the registry's op
        "test_over_ops[cpu-abs]": ("abs", "elementwise"),
    }, result.stdout + result.stderr
    over_ops = tests["test_over_ops[cpu-abs]"]
    assert over_ops["rule"] == "https://example.org/rule"  # the rule alone; the source cites abs's page too
    assert over_ops["source"] == "https://example.org/rule ; https://pytorch.org/docs/stable/generated/torch.abs.html"
    assert tests["test_plain[cpu-sum]"]["rule"] == "https://example.org/plain ; seed 001"  # no entry: the source
