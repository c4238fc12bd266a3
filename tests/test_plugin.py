"""Self-tests of the pytest plugin: device options, profiles, header, known divergences, xdist."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

from conformance import devices, divergences, profiles

ROOT = Path(__file__).resolve().parents[1]


def _pytest(*args, timeout=300, env=None):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("spec, message", [
    ("nosuchdevice", "unknown device 'nosuchdevice'"),
    ("cuda:7" if torch.cuda.is_available() else "cuda", "not available"),
    ("meta", "'meta' is not a device under test"),
])
def test_bad_device_stops_the_run_with_one_line(spec, message):
    run = _pytest(f"--device={spec}", "--collect-only", "-q", "conformance/test_layout.py")
    lines = [line for line in (run.stdout + run.stderr).splitlines() if line.strip()]
    assert run.returncode != 0
    assert len(lines) == 1 and lines[0].startswith("ERROR: ") and message in lines[0], lines


def test_header_names_torch_devices_profile_and_seed():
    run = _pytest("--collect-only", "--hypothesis-profile=ci", "--device=cpu,cpu",
                  "conformance/test_layout.py", "-k", "view_matches_model")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert f"torch {torch.__version__} (git {torch.version.git_version[:12]})" in out
    assert "devices under test: cpu; reference: cpu" in out
    assert "hypothesis profile: ci, seed: derandomized" in out
    assert "<Function test_view_matches_model[cpu]>" in out


def test_device_lists_are_split_deduplicated_and_validated():
    assert devices.parse(["cpu", "cpu,cpu"]) == ["cpu"]
    assert devices.parse(None) == devices.available_devices()
    assert devices.available_devices()[0] == "cpu"
    with pytest.raises(devices.DeviceError):
        devices.parse(["cpu,bogus"])


def test_profiles(tmp_path):
    profiles.register(str(tmp_path))
    ci, nightly, dev = (settings.get_profile(name) for name in ("ci", "nightly", "dev"))
    assert ci.derandomize and ci.database is None
    assert nightly.max_examples >= 10 * ci.max_examples and not nightly.derandomize
    assert isinstance(nightly.database, DirectoryBasedExampleDatabase)
    assert Path(nightly.database.path) == tmp_path
    assert dev.max_examples < ci.max_examples
    assert ci.deadline is None and nightly.deadline is None and dev.deadline is None


@pytest.mark.parametrize("count", [0, -1, profiles.NIGHTLY_EXAMPLES + 1])
def test_a_ci_example_count_outside_the_profiles_is_refused(count):
    with pytest.raises(ValueError, match=rf"ci_examples\({count}\): expected 1\.\.{profiles.NIGHTLY_EXAMPLES}"):
        profiles.ci_examples(count)


def test_known_divergences_file_is_well_formed():
    entries = divergences.load()
    assert entries and all(e.link.startswith("https://") and e.reason for e in entries)


def test_known_divergence_matching_by_version_device_and_op(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"invariant": "fam.rule", "op": "exp", "device": "cuda", "torch": ">=2.4,<2.9",
                                 "reason": "r", "link": "https://example.org/1"}]))
    [entry] = divergences.load(path)
    assert entry.matches("fam.rule", "exp", "cuda:1", "2.5.1+cu121")
    assert not entry.matches("fam.rule", "exp", "cuda", "2.9.0")
    assert not entry.matches("fam.rule", "exp", "cpu", "2.5.0")
    assert not entry.matches("fam.rule", "log", "cuda", "2.5.0")


ENTRY = {"invariant": "layout.view-model", "torch": ">=2.4", "reason": "r", "link": "https://example.org/1"}


@pytest.mark.parametrize("content, message", [
    ("[{", "not valid JSON"),
    ('{"invariant": "x"}', "expected a JSON list of entries"),
    ("[7]", "entry 0: expected an object"),
    (json.dumps([{**ENTRY, "link": None}]), "entry 0: link must be a string"),
    (json.dumps([{k: v for k, v in ENTRY.items() if k != "link"}]), "entry 0: missing fields ['link']"),
    (json.dumps([ENTRY, {**ENTRY, "torhc": ">=2.4"}]), "entry 1: missing fields [], unknown fields ['torhc']"),
    (json.dumps([{**ENTRY, "invariant": "view-model"}]), "is not of the form 'family.id'"),
    (json.dumps([{**ENTRY, "torch": ">=abc"}]), "torch range '>=abc' is not a PEP 440 specifier"),
])
def test_a_bad_known_divergences_file_stops_the_run_with_one_line(tmp_path, content, message):
    path = tmp_path / "divergences.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=re.escape(message)):
        divergences.load(path)
    run = _pytest("--collect-only", "-q", "conformance/test_layout.py", env={divergences.ENV: str(path)})
    _assert_one_error_line(run, f"ERROR: {path}")
    assert message in run.stderr


def test_a_divergence_of_an_invariant_no_test_has_stops_the_run(tmp_path):
    path = tmp_path / "divergences.json"
    path.write_text(json.dumps([{**ENTRY, "invariant": "layout.no-such-rule"}]))
    run = _pytest("-q", "conformance/test_layout.py", env={divergences.ENV: str(path)})  # stops at collection
    _assert_one_error_line(run, f"ERROR: {path} entry 0: no test has invariant 'layout.no-such-rule'")
    assert "layout.view-model" in run.stderr  # the valid choices


def test_an_unknown_profile_stops_the_run_with_one_line():
    run = _pytest("--collect-only", "-q", "--hypothesis-profile=nosuch", "conformance/test_layout.py")
    _assert_one_error_line(run, "ERROR: unknown Hypothesis profile 'nosuch'; choose from dev, ci, nightly")


def _assert_one_error_line(run, start: str) -> None:
    """A usage exit status, and the error as one line: no traceback, no INTERNALERROR."""
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert len(lines) == 1 and lines[0].startswith(start), lines
    assert "Traceback" not in run.stdout and "INTERNALERROR" not in run.stdout


def _outcomes(junit: Path) -> dict:
    result = {}
    for case in ET.parse(junit).iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        result[f"{case.get('classname')}::{case.get('name')}"] = kinds[0] if kinds else "passed"
    return result


def test_xdist_run_has_the_serial_outcomes(tmp_path):
    args = ["conformance/test_layout.py", "-k", "view or elementwise", "--hypothesis-profile=ci", "-q"]
    _pytest(*args, f"--junitxml={tmp_path / 'serial.xml'}")
    _pytest(*args, "-n", "2", f"--junitxml={tmp_path / 'parallel.xml'}")
    serial, parallel = _outcomes(tmp_path / "serial.xml"), _outcomes(tmp_path / "parallel.xml")
    assert len(serial) > 10 and serial == parallel


def test_a_test_with_a_thousand_parametrizations_keeps_its_settings(tmp_path):
    """Hypothesis's pytest plugin adds a settings layer per parametrized call; the plugin removes it after
    each call (``hypothesis_glue.settings_kept``), so a test parametrized past Python's recursion limit
    still reads its settings, and the chain ends as it began."""
    test = tmp_path / "test_many.py"
    test.write_text(
        "import pytest\nfrom hypothesis import given, settings, strategies as st\n\n"
        "def depth(s):\n    n = 0\n    while s is not None:\n        n, s = n + 1, s._fallback\n    return n\n\n"
        "@pytest.mark.parametrize('i', range(1100))\n@settings(max_examples=1, database=None)\n"
        "@given(x=st.just(0))\ndef test_one(i, x):\n    pass\n\n"
        "def test_after():\n    assert depth(test_one._hypothesis_internal_use_settings) < 5\n")
    junit = tmp_path / "junit.xml"
    run = _pytest(str(test), "-q", "-n", "0", f"--junitxml={junit}", timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (int(suite.get("tests")), int(suite.get("failures")), int(suite.get("errors"))) == (1101, 0, 0)
