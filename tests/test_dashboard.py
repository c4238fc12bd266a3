"""The dashboard builder: what each page shows, escaping, unreadable files, atomic output."""

from __future__ import annotations

import re
import subprocess
import sys

import jinja2
import pytest
from markupsafe import escape

from reports import dashboard
from reports.dashboard import PAGES, build
from tests.dashboard_history import HOSTILE, write_history


@pytest.fixture
def site(tmp_path):
    history = write_history(tmp_path / "history")
    out = tmp_path / "site"
    build(history, out)
    return {page: (out / page).read_text() for page in PAGES}


def test_matrix_counts_families_by_torch_version_and_device(site):
    matrix = site["index.html"].split('id="matrix"')[1].split("</table>")[0]
    assert "torch 2.9.1 · cpu" in matrix and "torch 2.13.0 · cpu" in matrix
    assert matrix.index("torch 2.9.1") < matrix.index("torch 2.13.0")  # versions in release order
    layout = matrix.split("<th>layout</th>")[1].split("</tr>")[0]
    assert '<span class="pass">1 pass</span>' in layout and '<span class="fail">1 fail</span>' in layout
    assert "1 new ✗" in layout and "1 new ✓" in layout  # test_view broke, test_t was fixed


def test_news_and_xpasses_since_previous_run(site):
    index = site["index.html"]
    assert re.search(r'<tr class="new-fail"><td>conformance/test_layout.py::test_view\[cpu\]</td><td>pass</td>'
                     r'<td>fail</td>', index)
    assert '<tr class="new-pass"><td>conformance/test_layout.py::test_t[cpu]</td><td>fail</td>' in index
    xpasses = index.split('id="xpasses"')[1].split("</table>")[0]
    assert "test_raises[cpu]" in xpasses and "https://github.com/pytorch/pytorch/issues/1" in xpasses


def test_failures_show_example_and_repro(site):
    failures = site["failures.html"]
    assert failures.count('<section class="failure">') == 2  # torch 2.9.1 test_t, torch 2.13.0 test_view
    assert "Falsifying example: test_t(x=1)" in failures
    assert escape("python -m pytest 'conformance/test_layout.py::test_view[cpu]' --device cpu") in failures


def test_versions_view_lists_changed_tests_and_benchmarks(site):
    versions = site["versions.html"]
    assert "torch 2.9.1 → 2.13.0 on cpu" in versions
    changes = versions.split('class="changes"')[1].split("</table>")[0]
    assert "test_t[cpu]" in changes and "test_view[cpu]" in changes and "test_raises[cpu]" in changes
    assert "-40%" in versions  # add: 200 µs on 2.9.1, 120 µs on the latest 2.13.0 run


def test_benchmark_plots_are_inline_svg(site):
    page = site["benchmarks.html"]
    assert page.count("<svg") == 2 and page.count("<polyline") == 4
    assert "% of peak" in page and "67%" in page  # add, latest on torch 2.13.0: 66.7 GB/s of a 100 GB/s peak
    assert "GB/s" in page and "µs per call" in page


def test_pages_are_self_contained(site):
    for page in site.values():
        assert not re.search(r'\s(src|href)="(https?:)?//', page)
        assert "<script" not in page


def test_untrusted_text_is_escaped(site):
    for name in ("index.html", "failures.html"):
        assert HOSTILE not in site[name]
        assert escape(HOSTILE) in site[name]


def test_corrupt_and_foreign_files_are_named_and_the_rest_renders(tmp_path):
    history = write_history(tmp_path / "history")
    (history / "history" / "torch29" / "a.jsonl").open("a").write('{"kind": "test", "nodeid": "cut sho')
    (history / "foreign.json").write_text('{"a": 1}')
    (history / "broken.json").write_text("{")
    (history / "other.jsonl").write_text('{"kind": "test", "nodeid": "x"}\n')
    (history / "notes.txt").write_text("ignored")
    result = subprocess.run([sys.executable, "-m", "reports", "build", str(history), str(tmp_path / "site")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    problems = result.stderr.splitlines()
    assert any("torch29/a.jsonl: line 6 is not a result record" in p for p in problems)
    assert any("foreign.json: not a pytest-benchmark file" in p for p in problems)
    assert any("broken.json: not valid JSON" in p for p in problems)
    assert any("other.jsonl: line 1: a 'test' record before any run record" in p for p in problems)
    assert not any("notes.txt" in p for p in problems)
    index = (tmp_path / "site" / "index.html").read_text()
    assert "foreign.json" in index and "torch 2.9.1 · cpu" in index and "torch 2.13.0 · cpu" in index


def test_a_run_without_end_record_is_shown_as_crashed(tmp_path):
    history = write_history(tmp_path / "history")
    path = history / "history" / "torch213" / "b.jsonl"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-1]))
    loaded = build(history, tmp_path / "site")
    assert any(p.path.endswith("b.jsonl") and "no end record" in p.message for p in loaded.problems)
    assert "crashed or running" in (tmp_path / "site" / "index.html").read_text()


def test_output_replaced_whole_and_untouched_when_rendering_fails(tmp_path, monkeypatch):
    history = write_history(tmp_path / "history")
    out = tmp_path / "site"
    out.mkdir()
    (out / "stale.html").write_text("old")
    build(history, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(PAGES)

    before = {p.name: p.read_text() for p in out.iterdir()}
    monkeypatch.setattr(dashboard, "PAGES", PAGES + ("missing.html",))  # fails after four pages are written
    with pytest.raises(jinja2.TemplateNotFound):
        build(history, out)
    assert {p.name: p.read_text() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history", "site"]  # no staging folder left


def test_a_site_inside_the_history_folder_is_not_read_back(tmp_path):
    history = write_history(tmp_path / "history")
    build(history, history / "site")
    (history / "site" / "junk.jsonl").write_text("not json\n")
    assert build(history, history / "site").problems == []
