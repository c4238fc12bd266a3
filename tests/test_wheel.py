"""The suite as a backend maintainer installs it: a built wheel, run with ``--pyargs`` from an empty folder.

The wheel goes into a target folder first on ``PYTHONPATH``, so its copy of every package (and its
``pytest11`` entry point) is the one imported, not the checkout's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args, cwd, env=None, timeout=600):
    run = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                         env={**os.environ, **(env or {})})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel of this checkout, unpacked into a target folder (no dependencies: those are installed)."""
    dist, target = tmp_path_factory.mktemp("dist"), tmp_path_factory.mktemp("site")
    _run("-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(dist), str(ROOT), cwd=ROOT)
    (wheel,) = dist.glob("torch_conformance-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for packaged in ("conformance/plugin.py", "conformance/ops/__init__.py", "conformance/known_divergences.json",
                     "reports/templates/index.html", "strategies/tensors.py"):
        assert packaged in names, f"{packaged} is missing from {wheel.name}"
    assert not any(name.startswith("tests/") for name in names)
    _run("-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel), cwd=dist)
    return target


def test_installed_wheel_runs_the_suite_from_an_empty_folder(installed, tmp_path):
    env = {"PYTHONPATH": str(installed)}
    run = _run("-m", "pytest", "--pyargs", "conformance", "-p", "no:cacheprovider", "--hypothesis-profile=ci",
               "-k", "view_matches_model or is_contiguous_matches_model", "--report", "results/history/", cwd=tmp_path,
               env=env)
    assert "suite git v" in run.stdout  # the package version: this copy is not a git checkout
    assert "hypothesis profile: ci, seed: derandomized" in run.stdout
    where = _run("-c", "import conformance, conformance.plugin as p; print(p.__file__)", cwd=tmp_path, env=env)
    assert where.stdout.strip().startswith(str(installed))
    (result,) = (tmp_path / "results" / "history").glob("*.jsonl")
    tests = [json.loads(line) for line in result.read_text().splitlines()]
    assert [t["outcome"] for t in tests if t["kind"] == "test"] == ["pass", "pass"]
    assert all(t["examples"] > 0 for t in tests if t["kind"] == "test")
    _run("-m", "reports", "build", "results/history", "results/dashboard", cwd=tmp_path, env=env)
    assert (tmp_path / "results" / "dashboard" / "index.html").is_file()
