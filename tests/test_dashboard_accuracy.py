"""The accuracy page (``accuracy.html``, ``reports.accuracy``): rows summed over tests from a synthetic history,
the 99th percentile from summed histograms, over-budget rows, what is left out, and the whole path from a real
run's result file to the page."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import pytest

from reports import accuracy, changes
from reports.dashboard import PAGES, build
from reports.history import Measured, load
from tests.dashboard_history import _test, _write_lines, real_run_site

EDGES = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 8.0, 16.0, 64.0, 1024.0]


def ulp(op: str, dtype: str, counts: list[int], worst: float, budget: float, device: str = "cpu",
        mismatches: int = 0) -> dict:
    """One entry of a record's ``ulp`` mapping, as ``conformance.accuracy.measured`` writes it."""
    return {f"{op}/{dtype}/{device}": {
        "op": op, "dtype": dtype, "device": device, "elements": sum(counts), "max": worst, "p99": worst,
        "nonfinite_mismatches": mismatches, "budget": budget, "histogram": {"edges": EDGES, "counts": counts}}}


def counts(**by_edge) -> list[int]:
    """A histogram: ``e1_5=3`` puts 3 errors in the bucket whose upper edge is 1.5 (``beyond``: past the last)."""
    out = [0] * (len(EDGES) + 1)
    for key, n in by_edge.items():
        out[len(EDGES) if key == "beyond" else EDGES.index(float(key[1:].replace("_", ".")))] += n
    return out


def _run(folder: Path, name: str, start: str, torch_version: str, device: str, tests: list[dict]) -> None:
    records = [{"kind": "run", "schema": 1, "start": start, "torch": torch_version, "suite_git": "s1",
                "devices": [device], "device_names": {device: f"Test {device.upper()}"}, "profile": "ci"}]
    _write_lines(folder, name, records + tests + [{"kind": "end", "end": start, "exitstatus": 0}])


def _values(name: str, outcome: str = "pass", device: str = "cpu", **measured) -> dict:
    return _test(f"conformance/test_values.py::{name}[{device}]", "values", outcome, "2.13.0", device=device,
                 ulp={k: v for entry in measured.values() for k, v in entry.items()})


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    """torch 2.13.0 on cpu: an earlier run (exp over budget; not the latest), then the latest: sum float32 from two
    tests (99 errors within 0.5 ulp and one of 3 ulp; 900 within 1 ulp, a known divergence), exp float16 with a
    zero-sign mismatch, tan float32 over budget (p99 beyond the histogram), a malformed entry and a cuda entry (both left out);
    torch 2.13.0 on cuda: sin float32."""
    folder = tmp_path_factory.mktemp("accuracy") / "history"
    _run(folder, "cpu-1.jsonl", "2026-11-21T00:00:00", "2.13.0", "cpu",
         [_values("test_old", a=ulp("exp", "float32", counts(e64=5), 50.0, 1.5))])
    latest = [
        _values("test_a", a=ulp("sum", "float32", counts(e0_5=99, e3=1), 2.9, 4.0)),
        _values("test_b", "xfail", a=ulp("sum", "float32", counts(e1=900), 0.9, 6.0),
                b=ulp("exp", "float16", counts(e0_5=10), 0.49, 0.501, mismatches=1)),
        _values("test_c", a=ulp("tan", "float32", counts(beyond=3), 2000.0, 4.5),
                b={"bad/float32/cpu": {"op": "bad", "dtype": "float32"}},
                c=ulp("sin", "float32", counts(e1=4), 0.7, 1.5, device="cuda:0")),
    ]
    _run(folder, "cpu-2.jsonl", "2026-11-22T00:00:00", "2.13.0", "cpu", latest)
    _run(folder, "cuda.jsonl", "2026-11-22T00:00:00", "2.13.0", "cuda",
         [_values("test_d", device="cuda", a=ulp("sin", "float32", counts(e1=4), 0.7, 1.5, device="cuda:0"))])
    return folder


@pytest.fixture(scope="module")
def tables(history) -> dict[tuple[str, str], accuracy.Table]:
    return {(t.column.torch, t.column.device): t for t in accuracy.tables(changes.columns(load(history).runs))}


@pytest.fixture(scope="module")
def site(history) -> dict[str, str]:
    out = history.parent / "site"
    build(history, out)
    return {page: (out / page).read_text() for page in PAGES}


def test_the_percentile_is_the_upper_edge_of_its_bucket():
    assert accuracy.percentile((0.5, 1.0), [99, 1, 0]) == 0.5
    assert accuracy.percentile((0.5, 1.0), [98, 2, 0]) == 1.0
    assert accuracy.percentile((0.5, 1.0), [0, 0, 5]) == math.inf
    assert accuracy.percentile((0.5, 1.0), [0, 0, 0]) == 0.0


def test_rows_sum_the_tests_of_one_op_and_dtype(tables):
    rows = {(r.op, r.dtype): r for r in tables["2.13.0", "cpu"].rows}
    assert set(rows) == {("sum", "float32"), ("exp", "float16"), ("tan", "float32")}  # latest run, cpu only
    total = rows["sum", "float32"]
    assert (total.tests, total.elements, total.max, total.budget) == (2, 1000, 2.9, 6.0)
    assert (total.mismatches, total.known) == (0, 1)
    assert total.p99 == 1.0 and not total.over  # 99 + 900 of 1000 errors are within 1 ulp
    assert rows["exp", "float16"].over  # a zero-sign mismatch, although within budget
    assert rows["tan", "float32"].over and rows["tan", "float32"].p99 == math.inf
    (cuda,) = tables["2.13.0", "cuda"].rows
    assert (cuda.op, cuda.dtype, cuda.elements) == ("sin", "float32", 4)


def test_a_malformed_entry_is_left_out():
    assert Measured.read({"op": "bad", "dtype": "float32"}) is None
    entry = ulp("sum", "float32", counts(e1=1), 0.9, 1.0)["sum/float32/cpu"]
    assert Measured.read(entry) is not None
    assert Measured.read({**entry, "histogram": {"edges": EDGES, "counts": [1]}}) is None
    assert Measured.read({**entry, "max": "0.9"}) is None


def _rows(page: str, label: str) -> dict[tuple[str, str], tuple[bool, list[str]]]:
    table = page.split(f">{label}</h2>", 1)[1].split("</table>", 1)[0]
    found = re.findall(r'<tr( class="over")? data-op="([^"]*)" data-dtype="([^"]*)">(.*?)</tr>', table)
    return {(op, dtype): (bool(over), [html.unescape(re.sub("<[^>]+>", "", c))
                                       for c in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", cells)])
            for over, op, dtype, cells in found}


def test_the_page_shows_each_row_against_its_budget(site):
    page = site["accuracy.html"]
    rows = _rows(page, "torch 2.13.0 · cpu · Test CPU")
    assert rows["sum", "float32"] == (False, ["sum", "float32", "2", "1000", "2.9", "1", "6", "0", "1"])
    assert rows["tan", "float32"] == (True, ["tan", "float32", "1", "3", "2e+03", "> 1024", "4.5", "0", "0"])
    assert rows["exp", "float16"][0]
    assert set(_rows(page, "torch 2.13.0 · cuda · Test CUDA")) == {("sin", "float32")}


def test_every_page_links_to_the_accuracy_page(site):
    for name, page in site.items():
        assert re.search(r'<a href="accuracy.html"( class="here")?>Accuracy</a>', page), name


def test_the_page_from_a_real_run(tmp_path):
    """The numerics oracles' measurements of a real run, through the plugin's records, into the page; a canary's
    planted fault (float64 tan computed in float32) is not torch's accuracy and stays off it."""
    site, label = real_run_site(tmp_path, "conformance/test_values.py", "tests/test_values_canaries.py",
                                "-k", "unary and cpu-exp] or test_float64_tan_computed_in_float32")
    rows = _rows((site / "accuracy.html").read_text(), label)
    assert {op for op, _ in rows} == {"exp"}
    over, (_, _, _, elements, largest, _, budget, mismatches, _) = rows["exp", "float32"]
    assert not over and int(elements) > 0 and float(largest) <= float(budget) == 1.5 and mismatches == "0"
