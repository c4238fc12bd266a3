"""The built dashboard in headless Chromium: every page loads with no error, the matrix and plots render,
hostile text stays text; a screenshot of each page is saved to ``results/browser/``."""

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


def test_dashboard_in_chromium(tmp_path, chromium):
    site = tmp_path / "site"
    build(write_history(tmp_path / "history"), site)
    for page in PAGES:
        chromium.open(site / page)
        assert chromium.errors() == [], page
        assert chromium.evaluate("document.title") != "pwned"
        assert chromium.evaluate("document.body.dataset.pwned") is None
        chromium.screenshot(SCREENSHOTS / page.replace(".html", ".png"))
        assert (SCREENSHOTS / page.replace(".html", ".png")).stat().st_size > 1000

    chromium.open(site / "index.html")
    assert chromium.evaluate("document.querySelectorAll('#matrix tr').length") == 3  # header, errors, layout
    assert chromium.evaluate("document.querySelector('#matrix').getBoundingClientRect().width") > 300
    assert chromium.evaluate("document.querySelectorAll('#matrix .new-fail').length") == 1
    assert HOSTILE in chromium.evaluate("document.body.innerText")

    chromium.open(site / "benchmarks.html")
    assert chromium.evaluate("document.querySelectorAll('svg polyline').length") == 4  # 2 ops x 2 torch versions
    assert chromium.evaluate("document.querySelector('svg').getBoundingClientRect().height") > 100
