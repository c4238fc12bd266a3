"""The op coverage page (``coverage.html``, ``reports.coverage``): cell states from a synthetic history, one
matrix per torch version and device, what is not a registry test, the page's links and tooltips, and the whole
path from a real run's result file to the page."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from reports import changes, coverage
from reports.dashboard import PAGES, build, failure_id
from reports.history import TestResult as Record
from reports.history import load
from tests.dashboard_history import (
    CORE_ATEN, COVERAGE_CPU, COVERAGE_INVARIANTS, COVERAGE_OPS, HOSTILE, OPS_DOC, coverage_test, real_run_site,
    write_coverage_history,
)
from tests.test_dashboard_browser import chromium  # noqa: F401 -- the browser fixture (fails in CI without one)


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    return write_coverage_history(tmp_path_factory.mktemp("coverage") / "history")


@pytest.fixture(scope="module")
def cover(history) -> coverage.Coverage:
    return coverage.coverage(changes.columns(load(history).runs))


@pytest.fixture(scope="module")
def site(history) -> dict[str, str]:
    out = history.parent / "site"
    build(history, out)
    return {page: (out / page).read_text() for page in PAGES}


def _matrix(cover: coverage.Coverage, torch: str, device: str) -> coverage.Matrix:
    (matrix,) = [m for m in cover.matrices if (m.column.torch, m.column.device) == (torch, device)]
    return matrix


def _cells(page: str, label: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(op, invariant) -> (state class, tooltip) of the matrix headed ``label`` on the page."""
    table = page.split(f">{label}</h2>", 1)[1].split("</table>", 1)[0]
    found = re.findall(r'<td class="cov (\w+)" data-op="([^"]*)" data-invariant="([^"]*)" title="([^"]*)"', table)
    return {(html.unescape(op), invariant): (state, html.unescape(title)) for state, op, invariant, title in found}


def test_each_cell_state_from_the_outcomes_behind_it(cover):
    matrix = _matrix(cover, "2.13.0", "cpu")
    states = {(op, invariant): matrix.cell(op, invariant).state for op in cover.ops for invariant in cover.invariants}
    expected = {key: state for key, (_, state) in COVERAGE_CPU.items()}
    assert {key: state for key, state in states.items() if state != "n/a"} == \
        {key: state for key, state in expected.items() if state != "n/a"}
    assert states[("sum", "ops.routes-agree")] == "n/a"  # every test skipped, none as unsupported
    assert len(matrix.cell("sum", "ops.routes-agree").tests) == 1  # ... and the tooltip still names it
    assert set(coverage.STATES) == set(states.values())


@pytest.mark.parametrize("outcomes, state", [
    (["pass", "error"], "fail"), (["xfail", "fail"], "fail"), (["unsupported", "xfail", "pass"], "divergence"),
    (["pass", "unsupported"], "unsupported"), (["xpass", "skip"], "pass"), (["skip"], "n/a"), ([], "n/a"),
])
def test_a_cell_is_its_worst_parametrization(outcomes, state):
    tests = [Record.read(coverage_test("abs", "ops.inplace", outcome, f"k{i}")) for i, outcome in enumerate(outcomes)]
    assert coverage.state(tests) == state


def test_one_matrix_per_torch_version_and_device_from_its_latest_run(cover):
    assert [(m.column.torch, m.column.device) for m in cover.matrices] == \
        [("2.9.1", "cpu"), ("2.13.0", "cpu"), ("2.13.0", "cuda")]
    assert _matrix(cover, "2.13.0", "cpu").run.start.startswith("2026-11-22")  # not the earlier run
    assert _matrix(cover, "2.13.0", "cpu").cell("abs", "ops.routes-agree").state == "pass"  # failed in the earlier one
    cuda = _matrix(cover, "2.13.0", "cuda")
    assert [cuda.cell(*key).state for key in (("abs", "ops.routes-agree"), ("abs", "autograd.gradcheck"),
                                               ("where", "ops.routes-agree"), ("lt", "ops.inplace"))] == \
        ["fail", "unsupported", "pass", "n/a"]
    assert cover.counts(cuda) == {"fail": 1, "divergence": 0, "unsupported": 1, "pass": 1, "n/a": 13}


def test_rows_are_registry_ops_and_columns_their_invariants(cover):
    assert sorted(cover.ops) == sorted(COVERAGE_OPS) and cover.areas["sum"] == "reductions"
    assert cover.ops == ["abs", "lt", "where", "sum"]  # by area, then name
    assert cover.invariants == ["ops.inplace", "ops.routes-agree", "autograd.gradcheck", "values.unary"]
    assert set(cover.invariants) == set(COVERAGE_INVARIANTS)  # not errors.raises (op "abs" of the errors
    # catalogue: no op_area), not ops.meta-agrees (a test without an op)
    assert cover.families == [("ops", 2), ("autograd", 1), ("values", 1)]
    assert cover.rules["ops.routes-agree"] == f"{OPS_DOC}#routes-agree"


def test_an_op_without_tests_is_not_applicable(cover):
    matrix = _matrix(cover, "2.13.0", "cpu")
    assert all(matrix.cell("where", invariant).state == "n/a" and not matrix.cell("where", invariant).tests
               for invariant in cover.invariants)
    assert matrix.cell("lt", "values.unary") == coverage.Cell("n/a")
    assert cover.counts(matrix) == {"fail": 2, "divergence": 2, "unsupported": 1, "pass": 2, "n/a": 9}


def test_an_older_record_counts_for_the_ops_family_only(cover):
    older = _matrix(cover, "2.9.1", "cpu")  # records without op_area nor rule
    assert older.cell("abs", "ops.routes-agree").state == "pass"
    assert older.cell("abs", "values.unary").state == "n/a"  # a values test of an older record: which op is unknown


def test_page_counts_states_per_matrix_and_cells_carry_their_tests(site):
    page = site["coverage.html"]
    counts = re.findall(r'<a href="#coverage-[^"]+">([^<]+)</a></th>((?:<td class="num" data-state="[^"]+">\d+</td>)+)',
                        page)
    by_label = {label: dict(re.findall(r'data-state="([^"]+)">(\d+)<', cells)) for label, cells in counts}
    assert by_label["torch 2.13.0 · cpu · Test CPU"] == \
        {"fail": "2", "divergence": "2", "unsupported": "1", "pass": "2", "n/a": "9"}
    assert set(by_label) == {"torch 2.9.1 · cpu · Test CPU", "torch 2.13.0 · cpu · Test CPU",
                             "torch 2.13.0 · cuda · Test CUDA"}
    cells = _cells(page, "torch 2.13.0 · cpu · Test CPU")
    assert {key: state for key, (state, _) in cells.items() if key in COVERAGE_CPU} == \
        {key: state.replace("/", "") for key, (_, state) in COVERAGE_CPU.items()}
    state, title = cells[("lt", "ops.routes-agree")]
    assert title.splitlines()[0] == "unsupported"
    assert "skip: conformance/test_ops.py::test_routes_agree[cpu-lt-kind1] (unsupported: lt on cpu" in title
    assert f"pass: conformance/test_ops.py::t[{HOSTILE}]" in title  # hostile text stays text
    assert HOSTILE not in page
    assert cells[("where", "ops.inplace")] == ("na", "n/a: no test of this op checks this invariant")


def test_failing_cells_link_to_their_failure_and_invariants_to_their_rule(site, cover):
    page = site["coverage.html"]
    matrix = _matrix(cover, "2.13.0", "cpu")
    failing = matrix.cell("abs", "ops.inplace").failed
    target = failure_id(matrix.column, failing.nodeid)
    assert f'<a class="fail" href="failures.html#{target}">' in page and f'id="{target}"' in site["failures.html"]
    assert f'<a href="{OPS_DOC}#routes-agree" title="ops.routes-agree: {OPS_DOC}#routes-agree">routes-agree</a>' in page


def test_every_page_links_to_the_coverage_page(site):
    for name, page in site.items():
        assert re.search(r'<a href="coverage.html"( class="here")?>Op coverage</a>', page), name
    assert '<a href="coverage.html" class="here">' in site["coverage.html"]


def test_the_page_from_a_real_run(tmp_path):
    """The plugin's records of a real run, through the history reader, into the page."""
    site, label = real_run_site(tmp_path, "conformance/test_ops.py", "conformance/test_values.py", "-k", "[cpu-lt")
    cells = _cells((site / "coverage.html").read_text(), label)
    assert {op for op, _ in cells} == {"lt"}
    assert cells[("lt", "ops.layout-independent")][0] == "pass"
    assert cells[("lt", "values.binary-broadcast")][0] == "pass"  # another family's test of the registry op
    state, title = cells[("lt", "ops.routes-agree")]  # lt of a complex operand: not implemented on cpu
    assert state == "unsupported" and "skip: conformance/test_ops.py::test_routes_agree[cpu-lt-int-complex]" in title
    state, title = cells[("lt", "ops.device-matches-reference")]  # cpu is the reference device
    assert state == "na" and "the device is the reference device" in title
    page = (site / "coverage.html").read_text()
    assert '<a href="https://pytorch.org/docs/stable/tensors.html" title="ops.routes-agree: ' in page


def test_the_page_renders_in_a_browser(history, site, chromium):
    chromium.open(history.parent / "site" / "coverage.html")
    assert chromium.errors() == []
    assert chromium.evaluate("document.querySelectorAll('table.coverage').length") == 3
    assert chromium.evaluate("document.querySelectorAll('table.coverage td.cov.fail').length") == 3
    assert chromium.evaluate("document.body.dataset.pwned") is None
    width = chromium.evaluate("document.querySelector('table.coverage th.inv').getBoundingClientRect().width")
    assert 0 < width < 40  # invariant names run vertically


def test_core_aten_fraction_is_the_reachable_overloads_reached_per_matrix(cover):
    """A matrix counts the reachable Core ATen overloads its run's tests reached on its device; a run that
    recorded no opset (an older suite) has none."""
    cpu, cuda = _matrix(cover, "2.13.0", "cpu").core_aten, _matrix(cover, "2.13.0", "cuda").core_aten
    assert cpu.reached == ("abs.default", "add.Tensor", "sum.dim_IntList") and cpu.missing == ("where.self",)
    assert (cpu.fraction, cpu.core) == (0.75, CORE_ATEN["core"])
    assert cuda.reached == ("abs.default",) and len(cuda.missing) == 3
    assert _matrix(cover, "2.9.1", "cpu").core_aten is None


def test_page_shows_the_core_aten_fraction_and_what_is_missing(site):
    page = site["coverage.html"]
    cells = re.findall(r'<td class="num core-aten"(?: title="([^"]*)")?>(.*?)</td>', page)
    shown = {html.unescape(text): html.unescape(title) for title, text in cells}
    assert shown["3 / 4 reachable (75.0%; 5 core)"] == "not reached: where.self"
    assert shown["1 / 4 reachable (25.0%; 5 core)"] == "not reached: add.Tensor, sum.dim_IntList, where.self"
    assert shown['<span class="muted">not measured</span>'] == ""
