"""The journey harness itself: its checks must catch what they are there to catch."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["desktop"])
def test_the_accessibility_check_reports_a_serious_violation(site):
    site.visit("/")
    assert site.problems == []
    site.page.evaluate(
        """() => { const img = document.createElement("img");
                   img.src = "/static/css/app.css"; document.querySelector("main").append(img); }"""
    )
    site.audit(again=True)
    found, site.problems = site.problems, []
    assert any("image-alt" in p for p in found), found


@pytest.mark.parametrize("viewport", ["desktop"])
def test_the_csp_blocks_an_injected_inline_script_and_the_harness_reports_it(site):
    site.visit("/")
    with site.page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        ran = site.page.evaluate(
            """() => { const s = document.createElement("script");
                       s.textContent = "window.__injected = true;"; document.body.append(s);
                       return window.__injected === true; }"""
        )
    found, site.problems = site.problems, []
    assert ran is False
    assert any("Content Security Policy" in p for p in found), found


@pytest.mark.parametrize("viewport", ["desktop"])
def test_a_second_persons_browser_is_checked_like_the_first(another_site):
    other = another_site("second")
    other.visit("/")
    other.page.evaluate(
        """() => { const img = document.createElement("img");
                   img.src = "/static/css/app.css"; document.querySelector("main").append(img); }"""
    )
    other.audit(again=True)
    found, other.problems = other.problems, []
    assert any("image-alt" in p and "[desktop]" in p for p in found), found
