"""The dashboard builder: what each page shows, flakes told from changes, trends, the gate's alarms, links,
escaping, unreadable files and records, atomic output."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import jinja2
import pytest
from markupsafe import escape

from reports import dashboard
from reports.changes import differences
from reports.dashboard import PAGES, build
from reports.history import Run
from tests.dashboard_history import HOSTILE, ISSUE, SUM, VIEW, VIEW_DOC, write_history


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dashboard")
    history = write_history(folder / "history")
    build(history, folder / "site")
    return {page: (folder / "site" / page).read_text() for page in PAGES}


def _section(page: str, start: str, end: str = "</table>") -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def _ids(page: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', page))


def test_matrix_counts_families_by_torch_version_and_device(site):
    matrix = _section(site["index.html"], 'id="matrix"')
    assert "torch 2.9.1 · cpu" in matrix and "torch 2.13.0 · cpu" in matrix and "Test CPU" in matrix
    assert matrix.index("torch 2.9.1") < matrix.index("torch 2.13.0")  # versions in release order
    layout = _section(matrix, "<th>layout</th>", "</tr>").split("<td")[2]  # torch 2.13.0's cell
    assert '<span class="pass">1 pass</span>' in layout and ">1 fail</a>" in layout
    assert "1 new ✗" in layout and "1 new ✓" in layout  # test_view broke, test_t was fixed


def test_matrix_failure_counts_link_to_anchored_failures(site):
    targets = re.findall(r'<a class="(?:fail|error)" href="failures.html#([^"]+)"', site["index.html"])
    assert len(targets) == 2  # layout on torch 2.9.1 and on torch 2.13.0
    assert set(targets) <= _ids(site["failures.html"])
    news = re.findall(r'href="#(news-[^"]+)"', site["index.html"])
    assert news and set(news) <= _ids(site["index.html"])


def test_news_since_previous_run_is_a_change_with_what_differs(site):
    news = _section(site["index.html"], "<h3 id=\"news-2-13-0", "</table>")
    assert '<span class="badge change">change</span> suite def456 → 789abc' in news
    row = re.search(r'<tr class="new-fail"><td><a href="failures.html#([^"]+)"><code>' + re.escape(VIEW), news)
    assert row and row.group(1) in _ids(site["failures.html"])
    assert f"<code>{SUM}</code>" in news  # fail -> pass with the new suite commit


def test_flakes_page_lists_the_flake_with_its_falsifying_example(site):
    flakes = _section(site["flakes.html"], '<h2 id="flakes">', '<h2 id="changes">')
    assert flakes.count('<span class="badge flake">flake</span>') == 1
    assert "2026-11-21T00:00:00 → 2026-11-22T00:00:00" in flakes
    assert "Both runs: suite def456, torch git abc123, profile ci." in flakes
    assert SUM in flakes and '<span class="pass">pass</span> → <span class="fail">fail</span>' in flakes
    assert "Falsifying example: test_sum(x=tensor([1e308, 1e308]))" in flakes
    assert VIEW not in flakes  # test_view broke with a new suite commit: a change


def test_changes_are_listed_apart_with_what_differs(site):
    table = _section(site["flakes.html"], '<table class="changes">')
    rows = table.split("<tr>")[2:]
    assert len(rows) == 4  # test_raises, test_t, test_view, test_sum between runs b and c
    assert all("suite def456 → 789abc" in row for row in rows)


def test_flakes_are_counted_per_family_per_night(site):
    page = site["flakes.html"]
    table = _section(page, 'id="flake-table"')
    assert "<th>values</th>" in table and "layout" not in table
    assert re.search(r'<th>2026-11-22</th><th>2026-11-23</th>', table)
    assert re.search(r'<th>values</th><td class="num bad">1</td><td class="num">0</td>', table)
    assert "<title>values, 2026-11-22: 1 flake(s)</title>" in page


def test_a_flake_needs_the_same_suite_torch_and_profile():
    base = dict(source="x", schema=1, suite_git="s1", torch_git="t1", profile="nightly")
    assert differences(Run(**base), Run(**base)) == []
    assert differences(Run(**base), Run(**{**base, "suite_git": "s2"})) == ["suite s1 → s2"]
    assert differences(Run(**base), Run(**{**base, "torch_git": "t2"})) == ["torch git t1 → t2"]
    assert differences(Run(**base), Run(**{**base, "profile": "ci"})) == ["profile nightly → ci"]
    assert differences(Run(**{**base, "suite_git": None}), Run(**base)) == ["suite not recorded"]


def test_failures_show_message_example_repro_and_rule_link(site):
    failures = site["failures.html"]
    assert failures.count('<section class="failure"') == 2  # torch 2.9.1 test_t, torch 2.13.0 test_view
    assert escape("python -m pytest 'conformance/test_layout.py::test_view[cpu]' --device cpu") in failures
    assert f'<a class="rule" href="{VIEW_DOC}"' in failures and ">layout.rule</a>" in failures


def test_a_failure_without_falsifying_example_renders(site):
    """The older schema's test_t fails without a falsifying example (a template UndefinedError before)."""
    older = _section(site["failures.html"], "torch 2.9.1 · cpu · layout", "</section>")
    assert "AssertionError: strides differ" in older and "No falsifying example recorded." in older


def test_every_url_shown_is_a_link(site):
    for name, page in site.items():
        rest = re.sub(r"<a [^>]*>.*?</a>", "", page, flags=re.DOTALL)
        rest = rest.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "http" not in rest, name
    xpasses = _section(site["index.html"], 'id="xpasses"')
    assert f'<a href="{ISSUE}">{ISSUE}</a>' in xpasses


def test_every_test_line_links_to_its_rule(site):
    pages = dict(site, **{"failures.html": site["failures.html"].split("torch 2.13.0 · cpu · Test CPU · layout")[1]})
    for name in ("index.html", "failures.html", "flakes.html", "versions.html"):  # (the older schema has no source)
        lines = re.findall(r"<code>conformance/[^<]*</code>(?:</a>)?(.{0,40})", pages[name])
        assert lines and all(line.startswith('<a class="rule" href="https://') for line in lines), name


def test_trends_of_outcome_counts_per_family_and_run(site):
    page = site["trends.html"]
    assert [h for h in re.findall(r"<h2>(\w+)</h2>", page)] == ["errors", "layout", "values"]
    values = _section(page, "<h2>values</h2>", "</section>")
    assert values.count("<svg") == 3  # pass, fail/error, xfail panels of torch 2.13.0
    assert "<title>2026-11-22T00:00: 1 fail/error</title>" in values
    assert "<title>2026-11-21T00:00: 1 pass</title>" in values


def test_confirmed_slowdown_is_red_with_both_figures(site):
    gate = _section(site["benchmarks.html"], 'id="gate"', "</section>")
    row = _section(gate, '<tr class="slower">', "</tr>")
    assert "test_hot_op[cpu-add]" in row and "100 µs" in row and "127 µs" in row and "+25.7%" in row
    assert "1 confirmed slower" in gate and "1 ok" in gate
    alarm = _section(site["index.html"], 'id="gate-alarm"', "</div>")
    assert "test_hot_op[cpu-add]" in alarm and "125.7 µs against 100 µs (+26%)" in alarm
    add = _section(site["benchmarks.html"], "<h3>add · cpu · float32 · small</h3>", "</section>")
    assert add.count('class="alarm-mark"') == 1 and "the gate confirmed a slowdown" in add


def test_benchmark_trends_are_inline_svg_per_run(site):
    page = site["benchmarks.html"]
    add = _section(page, "<h3>add · cpu · float32 · small</h3>", "</section>")
    assert add.count("<svg") == 2 and "µs per call (median)" in add and "% of peak" in add
    assert add.count("<polyline") == 4  # median and % of peak, torch 2.9.1 and 2.13.0
    assert "63%" in add  # tonight: 8e-3 s·GB/s / 127 µs = 63 GB/s of a 100 GB/s peak
    detach = _section(page, "<h3>detach · cpu · float32 · small</h3>", "</section>")
    assert detach.count("<svg") == 1  # a latency: no peak
    assert "test_hot_op[cpu-add] · - · - · -" in page  # the older layout's file, without extra_info


def test_versions_view_lists_changed_tests_and_benchmarks(site):
    versions = site["versions.html"]
    assert "torch 2.9.1 → 2.13.0 on cpu" in versions
    changes = _section(versions, 'class="changes"')
    assert "test_t[cpu]" in changes and "test_view[cpu]" in changes and "test_raises[cpu]" in changes
    assert "-37%" in versions  # add's median: 220 µs on 2.9.1, 139.7 µs on the latest 2.13.0 run


def test_pages_are_self_contained(site):
    for page in site.values():
        assert "<script" not in page and "<link rel=\"stylesheet\"" not in page
        assert not re.search(r'\ssrc="(https?:)?//', page)
        for tag in re.findall(r'<(\w+)[^>]*\shref="(?:https?:)?//', page):
            assert tag == "a"


def test_untrusted_text_is_escaped(site):
    for name in ("index.html", "failures.html", "flakes.html", "versions.html"):
        assert HOSTILE not in site[name]
        assert escape(HOSTILE) in site[name]


def test_what_cannot_be_used_is_named_on_the_page(site):
    problems = _section(site["index.html"], '<section id="problems">', "</section>")
    assert "0023_bench.json</code>: not valid JSON" in problems
    assert ("c.jsonl</code>: line 7: a test record without a node id or a known outcome (&#39;timeout&#39;)"
            in problems)
    assert "test_future" not in _section(site["index.html"], 'id="matrix"')


def test_corrupt_foreign_and_unusable_records_are_named_and_the_rest_renders(tmp_path):
    history = write_history(tmp_path / "history")
    (history / "history" / "torch213" / "a.jsonl").open("a").write('{"kind": "test", "nodeid": "cut sho')
    (history / "history" / "torch213" / "d.jsonl").write_text("\n".join(json.dumps(r) for r in [
        {"kind": "run", "schema": 2, "start": "2026-11-24T00:00:00", "torch": "2.13.0", "devices": "cpu"},
        {"kind": "test", "nodeid": VIEW, "outcome": "flaky"},
        {"kind": "test", "outcome": "pass"},
        {"kind": "test", "nodeid": SUM, "outcome": "fail", "family": ["not", "text"], "examples": "many"},
        {"kind": "attachment"},
        {"kind": "end", "counts": [1]}]) + "\n")
    (history / "foreign.json").write_text('{"a": 1}')
    (history / "list.json").write_text("[1, 2]")
    (history / "broken.json").write_text("{")
    (history / "gate" / "partial.json").write_text(json.dumps({"kind": "benchmark-gate", "benchmarks": [
        {"fullname": "t.py::x"}, {"fullname": "t.py::y", "verdict": "slower"}]}))
    (history / "other.jsonl").write_text('{"kind": "test", "nodeid": "x"}\n')
    (history / "notes.txt").write_text("ignored")
    result = subprocess.run([sys.executable, "-m", "reports", "build", str(history), str(tmp_path / "site")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    problems = result.stderr.splitlines()
    expected = ["torch213/a.jsonl: line 7 is not a result record",
                "d.jsonl: line 1: result schema 2, newer than this dashboard's 1",
                "d.jsonl: line 2: a test record without a node id or a known outcome ('flaky')",
                "d.jsonl: line 3: a test record without a node id or a known outcome ('pass')",
                "d.jsonl: line 5: unknown record kind 'attachment'",
                "foreign.json: not a pytest-benchmark file", "list.json: not a pytest-benchmark file",
                "broken.json: not valid JSON", "partial.json: gate verdict 0 lacks a benchmark name or a verdict",
                "other.jsonl: line 1: a 'test' record before any run record"]
    for message in expected:
        assert any(message in p for p in problems), message
    assert not any("notes.txt" in p for p in problems)
    index = (tmp_path / "site" / "index.html").read_text()
    assert "foreign.json" in index and "torch 2.9.1 · cpu" in index and "torch 2.13.0 · cpu" in index
    assert "(schema 2)" in index and "t.py::y" in index  # what could be used of them is shown


def test_a_run_without_end_record_is_shown_as_crashed(tmp_path):
    history = write_history(tmp_path / "history")
    path = history / "history" / "torch213" / "c.jsonl"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-1]))
    loaded = build(history, tmp_path / "site")
    assert any(p.path.endswith("c.jsonl") and "no end record" in p.message for p in loaded.problems)
    assert "crashed or running" in (tmp_path / "site" / "index.html").read_text()


def test_output_replaced_whole_and_untouched_when_rendering_fails(tmp_path, monkeypatch):
    history = write_history(tmp_path / "history")
    out = tmp_path / "site"
    out.mkdir()
    (out / "stale.html").write_text("old")
    build(history, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(PAGES)

    before = {p.name: p.read_text() for p in out.iterdir()}
    monkeypatch.setattr(dashboard, "PAGES", PAGES + ("missing.html",))  # fails after every real page is written
    with pytest.raises(jinja2.TemplateNotFound):
        build(history, out)
    assert {p.name: p.read_text() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history", "site"]  # no staging folder left


def test_a_site_inside_the_history_folder_is_not_read_back(tmp_path):
    history = write_history(tmp_path / "history")
    before = build(history, history / "site").problems
    (history / "site" / "junk.jsonl").write_text("not json\n")
    assert build(history, history / "site").problems == before
    assert not any("site" in p.path for p in before)
