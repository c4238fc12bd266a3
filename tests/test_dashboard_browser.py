"""The built dashboard in headless Chromium: every page loads with no error, the matrix, the flakes, the
trends and the benchmark gate render, links reach their anchors, hostile text stays text; a screenshot of
each page is saved to ``results/browser/``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reports.dashboard import PAGES, build
from tests import browser
from tests.dashboard_history import HOSTILE, write_history

SCREENSHOTS = Path(__file__).resolve().parent.parent / "results" / "browser"


@pytest.fixture(scope="module")
def chromium():
    if browser.executable() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (README's test command installs it)")
    with browser.Chromium() as instance:
        yield instance


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    build(write_history(folder / "history"), folder / "site")
    return folder / "site"


def test_every_page_loads_cleanly(site, chromium):
    for page in PAGES:
        chromium.open(site / page)
        assert chromium.errors() == [], page
        assert chromium.evaluate("document.title") != "pwned"
        assert chromium.evaluate("document.body.dataset.pwned") is None
        chromium.screenshot(SCREENSHOTS / page.replace(".html", ".png"))
        assert (SCREENSHOTS / page.replace(".html", ".png")).stat().st_size > 1000


def test_matrix_and_its_links_to_failures(site, chromium):
    chromium.open(site / "index.html")
    assert chromium.evaluate("document.querySelectorAll('#matrix tr').length") == 4  # header, errors, layout, values
    assert chromium.evaluate("document.querySelector('#matrix').getBoundingClientRect().width") > 300
    assert chromium.evaluate("document.querySelectorAll('#matrix .new-fail').length") == 1
    assert HOSTILE in chromium.evaluate("document.body.innerText")
    assert "+26%" in chromium.evaluate("document.querySelector('#gate-alarm').innerText")
    assert chromium.evaluate("document.querySelectorAll('#problems li').length") == 2  # truncated file, odd record
    targets = chromium.evaluate("[...document.querySelectorAll('#matrix a.fail')].map(a => a.hash.slice(1))")
    assert len(targets) == 2
    for target in targets:
        chromium.open(site / "failures.html", target)
        assert chromium.evaluate("document.querySelector(':target').id") == target
        assert chromium.evaluate("document.querySelector(':target').nextElementSibling.className") == "failure"


def test_flakes_page(site, chromium):
    chromium.open(site / "flakes.html")
    assert chromium.evaluate("document.querySelectorAll('.flake-step').length") == 1
    assert "test_sum(x=tensor([1e308, 1e308]))" in chromium.evaluate(
        "document.querySelector('.flake-step pre.example').innerText")
    assert chromium.evaluate("document.querySelectorAll('table.changes tr').length") == 5  # header + 4 changes
    assert chromium.evaluate("document.querySelector('#flake-counts + .plot svg').getBoundingClientRect().height") > 100


def test_trends_page(site, chromium):
    chromium.open(site / "trends.html")
    assert chromium.evaluate("document.querySelectorAll('.family-trend').length") == 3
    assert chromium.evaluate("document.querySelectorAll('.family-trend svg').length") == 3 * 5  # 5 family-columns
    assert chromium.evaluate("document.querySelector('.family-trend svg').getBoundingClientRect().width") > 300


def test_benchmarks_page_shows_the_gate_in_red(site, chromium):
    chromium.open(site / "benchmarks.html")
    row = "document.querySelector('#gate tr.slower td')"
    assert chromium.evaluate(f"getComputedStyle({row}).color") == "rgb(176, 0, 32)"
    assert chromium.evaluate(f"getComputedStyle({row}).backgroundColor") == "rgb(252, 232, 230)"
    assert chromium.evaluate("document.querySelectorAll('circle.alarm-mark').length") == 1
    assert chromium.evaluate("document.querySelector('circle.alarm-mark').getAttribute('fill')") == "#d00000"
    assert chromium.evaluate("document.querySelectorAll('section.bench svg').length") == 2 + 1 + 1  # add, detach, old
    link = chromium.evaluate("document.querySelector('#gate tr.slower a').hash.slice(1)")
    assert chromium.evaluate(f"document.getElementById('{link}').querySelector('h3').innerText") == \
        "add · cpu · float32 · small"
