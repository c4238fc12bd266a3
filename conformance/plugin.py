"""The pytest plugin of the conformance suite: devices, Hypothesis profiles, invariant markers, header,
known divergences.

It is registered through the ``pytest11`` entry point ``conformance.plugin`` (``pyproject.toml``), so a checkout
(``python -m pytest conformance``) and an installed wheel (``pytest --pyargs conformance``) run the same suite with
the same options.  ``-p no:conformance.plugin`` turns it off.
"""

from __future__ import annotations

import dataclasses
import gc
import subprocess
from contextlib import nullcontext
from importlib import metadata
from pathlib import Path

import pytest
import torch
from hypothesis import Phase, settings

from conformance import accuracy, devices, divergences, profiles
from conformance.hypothesis_glue import is_given_test, overridden, settings_kept

PACKAGE = Path(__file__).parent  # the conformance families live here
DEVICES = pytest.StashKey[list]()

pytest_plugins = [
    "conformance.bench",  # benchmark options, fixtures and rate table
    "reports.plugin",  # --report: the JSON-lines result file
]
UNMATCHED = pytest.StashKey[list]()
KNOWN = pytest.StashKey[list]()
EXPECTED = pytest.StashKey[list]()  # the known divergences an item may show
# Warnings of other libraries that the suite cannot act on (applied in a checkout and an installed wheel alike).
IGNORED_WARNINGS = [
    # Hypothesis imports libcst to print failures; libcst uses a deprecated mypy_extensions API
    "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning",
    # torch's own modules still call torch.jit.script when torch.func/gradcheck import them
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning",
]

profiles.register()
settings.load_profile(profiles.DEFAULT)


def pytest_addoption(parser):
    group = parser.getgroup("conformance")
    group.addoption("--device", action="append", metavar="DEV",
                    help="device(s) under test, comma-separated or repeated (default: every available device)")
    group.addoption("--reference-device", default="cpu", metavar="DEV",
                    help="device whose results the devices under test are compared with (default: cpu)")
    group.addoption("--hypothesis-db", metavar="DIR",
                    help=f"example database folder of the nightly profile (or ${profiles.DB_ENV})")
    group.addoption("--compile", nargs="?", const="inductor", default=None, metavar="BACKEND",
                    help="also run op chains through torch.compile (default backend: inductor) and compare "
                         "with eager; off by default")


@pytest.hookimpl(tryfirst=True)  # before Hypothesis's own plugin loads the profile
def pytest_configure(config):
    config.addinivalue_line(
        "markers", "invariant(family, id, source): the conformance family and invariant a test checks, "
                   "and the documentation or seed example the rule comes from")
    for line in IGNORED_WARNINGS:
        config.addinivalue_line("filterwarnings", line)
    try:
        config.stash[DEVICES] = devices.parse(config.getoption("device"))
        config.option.reference_device = devices.validate(config.getoption("reference_device"))
    except devices.DeviceError as error:
        raise pytest.UsageError(str(error)) from None
    if config.getoption("hypothesis_db"):
        profiles.register(config.getoption("hypothesis_db"))
    profile = config.getoption("hypothesis_profile", None)
    if profile is not None and profile not in profiles.PROFILES and profile != "default":
        raise pytest.UsageError(f"unknown Hypothesis profile {profile!r}; choose from "
                                f"{', '.join(profiles.PROFILES)}")
    try:
        config.stash[KNOWN] = divergences.load()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    # Reference results are float32-exact: no TensorFloat-32 in matmul or convolutions.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def _git_hash() -> str:
    """The suite's git commit in a checkout; its package version when installed from a wheel."""
    try:
        git = ["git", "-C", str(PACKAGE), "rev-parse", "--show-toplevel", "--short", "HEAD"]
        top, commit = subprocess.run(git, capture_output=True, text=True, timeout=5).stdout.split()
        if Path(top).resolve() == PACKAGE.parent.resolve():
            return commit
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    try:
        return f"v{metadata.version('torch-conformance')}"
    except metadata.PackageNotFoundError:
        return "unknown"


def run_info(config) -> dict:
    """What the run tests, as the header shows it and the reports record it."""
    seed = config.getoption("hypothesis_seed", None)
    profile = profiles.current(config)
    from conformance import core_aten

    return {
        "torch": torch.__version__,
        "torch_git": torch.version.git_version,
        "suite_git": _git_hash(),
        "cuda": torch.version.cuda,
        "devices": config.stash[DEVICES],
        "reference_device": config.getoption("reference_device"),
        "profile": profile,
        "seed": seed if seed is not None else ("derandomized" if settings.default.derandomize else "random"),
        "core_aten": {"core": len(core_aten.core_overloads()), "reachable": core_aten.reachable()},
    }


def pytest_report_header(config):
    info = run_info(config)
    return [
        f"torch {info['torch']} (git {info['torch_git'][:12]}), CUDA {info['cuda'] or 'none'}, "
        f"suite git {info['suite_git']}",
        f"devices under test: {', '.join(info['devices'])}; reference: {info['reference_device']}",
        f"hypothesis profile: {info['profile']}, seed: {info['seed']}",
    ]


# Cyclic garbage collection of a long run: the objects that collection leaves (modules, strategies, items) are
# frozen out of every later collection (https://docs.python.org/3/library/gc.html#gc.freeze), and collections
# of the youngest generation come every 5000 net allocations, not 700. A single-process ci run of the meta and
# zero-size tests spent 10 s of about 60 in the collector (gc.callbacks), mostly re-scanning those objects; 4.4 s
# with both. Garbage is still reclaimed, a little later.
GC_THRESHOLD = (5000, 10, 10)
_GC_BEFORE = pytest.StashKey[tuple]()


def pytest_collection_finish(session):
    session.config.stash[_GC_BEFORE] = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def pytest_unconfigure(config):
    if _GC_BEFORE in config.stash:
        gc.set_threshold(*config.stash[_GC_BEFORE])
        gc.unfreeze()


def pytest_generate_tests(metafunc):
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", metafunc.config.stash[DEVICES], ids=str)


@pytest.fixture(scope="session")
def reference_device(pytestconfig) -> str:
    return pytestconfig.getoption("reference_device")


def item_key(item) -> tuple[str | None, str | None, str | None]:
    """(invariant, op, device) of a collected test; op and device come from its parameters."""
    marker = item.get_closest_marker("invariant")
    params = getattr(item, "callspec", None).params if hasattr(item, "callspec") else {}
    op = params.get("op")
    op = getattr(op, "name", op)
    return (f"{marker.args[0]}.{marker.args[1]}" if marker else None, op, params.get("device"))


def registry_area(item) -> str | None:
    """The registry area (``elementwise``, ``reductions``, ...) of a test's ``op`` parameter when it is an op of
    the registry (``conformance.ops``), else None: an ``op`` of another catalogue (errors, sharing, training)."""
    from conformance.ops import OpInfo

    op = item.callspec.params.get("op") if hasattr(item, "callspec") else None
    return (op.area or None) if isinstance(op, OpInfo) else None


def _declared_invariants(module) -> set[str]:
    """Every ``family.id`` a test module declares, whichever of its tests this run selected: markers on
    its functions and on their ``pytest.param`` values."""
    found = set()
    for obj in vars(module).values():
        marks = list(getattr(obj, "pytestmark", []))
        for mark in list(marks):
            if mark.name == "parametrize" and len(mark.args) > 1:
                marks += [m for value in mark.args[1] for m in getattr(value, "marks", ())]
        found |= {f"{m.args[0]}.{m.args[1]}" for m in marks if m.name == "invariant" and len(m.args) >= 2}
    return found


def _check_divergence_invariants(known, modules) -> None:
    """A known divergence must name an invariant its family declares (checked for the families collected)."""
    declared = set().union(*map(_declared_invariants, modules)) if modules else set()
    families = {invariant.split(".")[0] for invariant in declared}
    for index, entry in enumerate(known):
        family = entry.invariant.split(".")[0]
        if family in families and entry.invariant not in declared:
            choices = sorted(i for i in declared if i.startswith(family + "."))
            raise pytest.UsageError(
                f"{divergences.path()} entry {index}: no test has invariant {entry.invariant!r}; "
                f"the {family} family has {', '.join(choices)}")


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselect: every collected test can match a divergence
def pytest_collection_modifyitems(config, items):
    """Every conformance test names its family and invariant; known divergences become xfails."""
    family_root = PACKAGE
    known = config.stash[KNOWN]
    _check_divergence_invariants(known, {item.module for item in items
                                         if getattr(item, "module", None) is not None
                                         and family_root in Path(item.fspath).parents})
    used, families = set(), set()
    for item in items:
        marker = item.get_closest_marker("invariant")
        if marker is None:
            if family_root in Path(item.fspath).parents:
                raise pytest.UsageError(f"{item.nodeid} has no @pytest.mark.invariant(family, id, source)")
            continue
        family = marker.args[0]
        families.add(family)
        invariant, op, device = item_key(item)
        item.user_properties += [("family", family), ("invariant", invariant), ("op", op),
                                 ("op_area", registry_area(item)), ("source", marker.kwargs.get("source", "")),
                                 ("rule", marker.kwargs.get("rule", marker.kwargs.get("source", "")))]
        expected = [entry for entry in known if entry.matches(invariant, op, device, torch.__version__)]
        if expected:
            used.update(expected)
            item.stash[EXPECTED] = expected
            reason = " | ".join(f"{entry.reason} {entry.link}" for entry in expected)
            item.add_marker(pytest.mark.xfail(reason=f"known divergence: {reason}",
                                              strict=all(entry.strict for entry in expected)))
    device_types = {device.split(":")[0] for device in config.stash[DEVICES]}
    config.stash[UNMATCHED] = [entry for entry in known
                               if entry not in used and entry.invariant.split(".")[0] in families
                               and (entry.device is None or entry.device in device_types)]
    for entry in config.stash[UNMATCHED]:
        config.issue_config_time_warning(pytest.PytestWarning(
            f"known divergence matches no test here: {entry.invariant} op={entry.op} "
            f"device={entry.device} torch{entry.torch}"), stacklevel=2)


def pytest_conformance_run_info(config):
    """The run as the result file records it (hook of reports.plugin)."""
    return run_info(config)


def pytest_conformance_unmatched_divergences(config):
    """Known divergences that matched no collected test of their family (hook of reports.plugin)."""
    return [dataclasses.asdict(entry) for entry in config.stash.get(UNMATCHED, [])]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Each test's Hypothesis settings as they were before its call (``hypothesis_glue.settings_kept``)."""
    with settings_kept(getattr(item, "obj", None)):
        return (yield)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """A test's own ci example count (``profiles.ci_examples``) applies in the ci profile.  A known
    divergence's failure is expected, not news: it is never explained (Hypothesis's explain phase
    replays a failure hundreds of times: a nightly run spent as long on 60 known divergences as on 4361
    passing tests), and in the ci profile not shrunk either.  The ULP errors a check (a test of an
    ``invariant``) measured go to its report (``user_properties`` entry ``ulp``: max and p99 per op, dtype,
    device); the harness's self-tests plant faults, whose errors are not torch's."""
    accuracy.reset()
    test = item.obj if is_given_test(item.obj) else None
    changes = {}
    if test is not None:
        ci = profiles.current(item.config) == "ci"
        if item.get_closest_marker("xfail"):
            changes["phases"] = [Phase.explicit, Phase.generate] if ci else \
                [p for p in settings().phases if p is not Phase.explain]
        if ci and (count := profiles.ci_examples_of(test)):
            changes["max_examples"] = count
    with overridden(test, **changes) if changes else nullcontext():
        yield
    measured = accuracy.measured()
    if measured and item.get_closest_marker("invariant"):
        item.user_properties.append(("ulp", measured))


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outside pytest's own xfail handling: sees its verdict
def pytest_runtest_makereport(item, call):
    """A known divergence explains only the failure it names (exception type, message, dtypes): any
    other failure of the test is reported as a failure, with the reason each entry did not apply."""
    report = yield
    expected = item.stash.get(EXPECTED, None)
    if expected and call.excinfo is not None and getattr(report, "wasxfail", None) is not None:
        whys = divergences.unexplained(expected, call.excinfo.value)
        if whys:
            report.outcome = "failed"
            del report.wasxfail
            report.sections.append(("known divergence not matched", "\n".join(whys)))
    return report
