"""Report plugin: ``--report PATH`` writes one JSON-lines result file per run, line by line.

Each line is one JSON object with a ``kind``:

- ``run``: written when the session starts: torch version and git hash, CUDA version, devices under
  test and their names, host, profile, seed, start time (and the tox env, when tox runs it);
- ``test``: one per test, written as soon as its teardown is reported: family, invariant, op (and
  ``op_area``, the registry area of an op of ``conformance.ops``; null for other catalogues), device,
  dtype, torch version, outcome (``pass``, ``fail``, ``error``, ``xfail``, ``xpass``, ``skip``) with
  its reason, duration, Hypothesis examples run, ``source`` (the rule's documentation and the
  entry's) and ``rule`` (the rule's alone), where the test judged float results in ULPs ``ulp`` (per
  op, dtype and device the elements judged, largest and 99th-percentile error, budget and histogram:
  ``conformance.accuracy.measured``), and for a failure the message, falsifying example and a repro
  script; a module that fails to import is a ``test`` with outcome ``error``;
- ``divergence``: a known divergence that matched no collected test of its family;
- ``end``: end time, exit status and counts; a file without it comes from a run that crashed.

Each line is written with one ``os.write`` on a file opened with ``O_APPEND``, so a crash loses no
line already written.  Only one process writes: under pytest-xdist every worker's test reports
(with the data this plugin attaches to them) and its unmatched divergences reach the controller,
which writes them into the same file.

Examples run (per phase) and the falsifying example come from Hypothesis's test-case observations, read
through its documented observability callbacks (``conformance.hypothesis_glue``), never from its printed text;
the ``@reproduce_failure`` line is the decorator Hypothesis offers in a failure's notes (``print_blob=True``).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import socket
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conformance import hypothesis_glue

SCHEMA = 1
OBSERVATIONS = pytest.StashKey[list]()
ANNOTATION = "conformance_report"  # attribute of a TestReport; xdist forwards it to the controller
UNMATCHED_OUTPUT = "conformance_unmatched_divergences"  # key of an xdist worker's workeroutput
MAX_TEXT = 20_000  # characters kept of a message, traceback or example
class HookSpecs:
    @pytest.hookspec(firstresult=True)
    def pytest_conformance_run_info(self, config):
        """What the run tests (torch version and git hash, CUDA, devices, profile, seed), as a dict."""

    @pytest.hookspec(firstresult=True)
    def pytest_conformance_unmatched_divergences(self, config):
        """The known divergences (JSON-ready dicts) that matched no collected test of their family."""


def pytest_addhooks(pluginmanager):
    pluginmanager.add_hookspecs(HookSpecs)


def pytest_addoption(parser):
    parser.getgroup("conformance").addoption(
        "--report", metavar="PATH",
        help="write a JSON-lines result file, appended as the run goes; "
             "an existing folder or a PATH ending in '/' gets a new dated file inside")


def pytest_configure(config):
    if config.getoption("report") is None:
        return
    try:
        hypothesis_glue.require_observability()
    except hypothesis_glue.UnsupportedHypothesis as error:
        raise pytest.UsageError(f"--report: {error}") from None
    config.pluginmanager.register(Annotator(), "conformance-report-annotator")
    if not hasattr(config, "workerinput"):  # the controller, or a run without xdist
        config.pluginmanager.register(Writer(config, _report_path(config.getoption("report"))),
                                      "conformance-report-writer")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _report_path(option: str) -> Path:
    path = Path(option)
    if option.endswith(("/", os.sep)) or path.is_dir():
        import torch

        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        path = path / f"{stamp}-torch{torch.__version__}-{socket.gethostname()}.jsonl"
    return path


def device_names(devices: list[str]) -> dict[str, str]:
    """Human names of the devices under test: the CPU model, each accelerator's product name."""
    import torch

    names = {}
    for spec in devices:
        device = torch.device(spec)
        if device.type == "cpu":
            names[spec] = _cpu_name()
            continue
        backend = getattr(torch, device.type, None)
        get_name = getattr(backend, "get_device_name", None)
        names[spec] = get_name(device.index or 0) if get_name else device.type
    return names


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class Annotator:
    """In the process that runs a test: attach what only that process knows to its reports."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        if not hypothesis_glue.is_given_test(getattr(item, "obj", None)):
            yield
            return
        with hypothesis_glue.observing() as seen:
            yield
        item.stash[OBSERVATIONS] = seen

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        params = item.callspec.params if hasattr(item, "callspec") else {}
        annotation = {"device": _param(params.get("device")), "dtype": _param(params.get("dtype"))}
        if call.when == "call" and OBSERVATIONS in item.stash:
            annotation.update(hypothesis_glue.summary(item.stash[OBSERVATIONS]))
        if call.excinfo is not None:
            annotation["reproduce_failure"] = hypothesis_glue.reproduce_failure_line(call.excinfo.value)
            annotation["notes"] = hypothesis_glue.notes(call.excinfo.value)
        setattr(report, ANNOTATION, annotation)

    def pytest_sessionfinish(self, session):
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[UNMATCHED_OUTPUT] = _unmatched(session.config)


def _param(value) -> str | None:
    """A parameter as reports show it: ``torch.float32`` -> ``float32``; a device as its string."""
    if value is None:
        return None
    return str(value).removeprefix("torch.")


def _unmatched(config) -> list[dict]:
    return config.hook.pytest_conformance_unmatched_divergences(config=config) or []


class Writer:
    """In the controller (or the only process): turn reports into lines of the result file."""

    def __init__(self, config, path: Path):
        self.config = config
        self.path = path
        self.pending: dict[str, dict] = {}
        self.counts: Counter = Counter()
        self.unmatched: dict[str, dict] = {}
        self.info: dict = {}
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)

    def _write(self, record: dict) -> None:
        os.write(self.fd, (json.dumps(record, default=str) + "\n").encode())

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session):
        import hypothesis
        import torch

        info = dict(self.config.hook.pytest_conformance_run_info(config=self.config) or {})
        info.setdefault("torch", torch.__version__)
        info.setdefault("torch_git", torch.version.git_version)
        info.setdefault("cuda", torch.version.cuda)
        info.setdefault("devices", [])
        self.info = info
        self._write({"kind": "run", "schema": SCHEMA, "start": _now(), **info,
                     "device_names": device_names(info["devices"]),
                     "host": socket.gethostname(), "platform": platform.platform(),
                     "python": platform.python_version(), "hypothesis": hypothesis.__version__,
                     "env": os.environ.get("TOX_ENV_NAME"), "argv": sys.argv[1:]})

    def pytest_collectreport(self, report):
        if report.failed:
            record = self._test_record(report.nodeid, [report])
            record.update(outcome="error", phase="collect", family=_family_of(report.nodeid))
            self._emit(record)

    def pytest_runtest_logreport(self, report):
        reports = self.pending.setdefault(report.nodeid, [])
        reports.append(report)
        if report.when not in ("setup", "call"):  # teardown, or xdist's report of a crashed worker
            del self.pending[report.nodeid]
            self._emit(self._test_record(report.nodeid, reports))

    def _emit(self, record: dict) -> None:
        self.counts[record["outcome"]] += 1
        self._write(record)

    def _test_record(self, nodeid: str, reports: list) -> dict:
        props = dict(p for r in reports for p in getattr(r, "user_properties", ()) if len(p) == 2)
        annotation = {}
        for r in reports:
            annotation.update({k: v for k, v in (getattr(r, ANNOTATION, None) or {}).items()
                               if v is not None})
        outcome, reason, failed = _outcome(reports)
        record = {
            "kind": "test", "nodeid": nodeid,
            "family": props.get("family"),
            "invariant": props.get("invariant"), "op": props.get("op"), "op_area": props.get("op_area"),
            "device": annotation.get("device"), "dtype": annotation.get("dtype"),
            "torch": self.info.get("torch"),
            "outcome": outcome, "reason": reason,
            "duration": round(sum(getattr(r, "duration", 0.0) for r in reports), 6),
            "examples": annotation.get("examples"), "invalid_examples": annotation.get("invalid_examples"),
            "invalid_reasons": annotation.get("invalid_reasons"), "phases": annotation.get("phases"),
            "source": props.get("source"), "rule": props.get("rule"),
        }
        if "ulp" in props:
            record["ulp"] = props["ulp"]
        if "core_aten" in props:
            record["core_aten"] = props["core_aten"]
        if failed is not None:
            record["message"] = _without(_crash_message(failed), annotation.get("notes", ()))
            record["traceback"] = str(failed.longrepr)[-MAX_TEXT:]
            record["falsifying_example"] = annotation.get("falsifying_example")
            record["repro"] = self._repro(nodeid, record, annotation.get("reproduce_failure"))
        return record

    def _repro(self, nodeid: str, record: dict, reproduce: str | None) -> str:
        info = self.info
        command = ["python", "-m", "pytest", nodeid]
        if record["device"]:
            command += ["--device", record["device"]]
        if info.get("reference_device"):
            command += ["--reference-device", info["reference_device"]]
        if info.get("profile"):
            command += [f"--hypothesis-profile={info['profile']}"]
        if isinstance(info.get("seed"), int):
            command += [f"--hypothesis-seed={info['seed']}"]
        lines = [f"# {nodeid}: {record['outcome']} on torch {info.get('torch')} "
                 f"(git {str(info.get('torch_git'))[:12]}), suite git {info.get('suite_git', 'unknown')}",
                 shlex.join(command)]
        if reproduce:
            lines += ["# Hypothesis replays exactly this example once this decorator is added above the test:",
                      f"#   {reproduce}  (from hypothesis import reproduce_failure)"]
        return "\n".join(lines)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):  # an xdist worker finished: its unmatched divergences
        for entry in getattr(node, "workeroutput", {}).get(UNMATCHED_OUTPUT, []):
            self.unmatched.setdefault(json.dumps(entry, sort_keys=True), entry)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        if not hasattr(session.config, "workeroutput"):
            for entry in _unmatched(session.config):
                self.unmatched.setdefault(json.dumps(entry, sort_keys=True), entry)
        for entry in self.unmatched.values():
            self._write({"kind": "divergence", "matched": False, **entry})
        self._write({"kind": "end", "end": _now(), "exitstatus": int(exitstatus), "counts": dict(self.counts)})
        os.close(self.fd)

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.write_sep("-", f"results: {self.path}")


def _outcome(reports: list) -> tuple[str, str | None, object]:
    """(outcome, reason, report of the failure or None) of one test from its setup/call/teardown reports."""
    for r in reports:
        if r.failed:
            return ("error" if r.when in ("setup", "teardown") else "fail"), None, r  # "???": xdist crash
    for r in reports:
        if hasattr(r, "wasxfail"):  # an expected failure keeps its failure's report
            return ("xfail", r.wasxfail or None, r) if r.skipped else ("xpass", r.wasxfail or None, None)
        if r.skipped:  # xdist sends the (path, line, reason) tuple of a skip as a list
            reason = r.longrepr[2] if isinstance(r.longrepr, (tuple, list)) else str(r.longrepr)
            return "skip", reason.removeprefix("Skipped: "), None
    return "pass", None, None


def _crash_message(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message if crash is not None else str(report.longrepr).strip().splitlines()[-1:]
    return str(message if isinstance(message, str) else "\n".join(message))[:MAX_TEXT]


def _without(message: str, notes) -> str:
    """A failure's message without the notes Hypothesis attached (the example has a field of its own)."""
    for note in notes:
        message = message.replace(note, "")
    return message.rstrip()


def _family_of(nodeid: str) -> str | None:
    """The family of a test module named ``test_<family>.py`` (for a module that failed to import)."""
    match = re.search(r"(?:^|/)test_(\w+)\.py", nodeid)
    return match.group(1) if match else None
