"""Browser journeys: Playwright driving Debian's Chromium against Django's live server.

A journey takes the `site` fixture (parametrized over a desktop and a phone viewport) and speaks in
user actions; every page it lands on is checked for serious accessibility violations (axe-core),
Content-Security-Policy violations, JavaScript errors and server errors, and a failing journey
leaves a screenshot in test-results/. A new feature's journey is a few lines:

    @pytest.mark.e2e
    def test_a_volunteer_signs_up_for_a_shift(site, tree):
        site.login_as(VolunteerFactory().user)
        site.visit("/projects/")
        site.click_link("社区助老")
        site.click_button("报名")
        site.expect_text("报名成功")

Browsers are never downloaded: Playwright's bundled driver launches /usr/bin/chromium.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.factories import PASSWORD

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
AXE_JS = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
RESULTS_DIR = Path(settings.BASE_DIR) / "test-results"
# Impacts that fail a journey; "moderate" and "minor" findings are reported, not fatal.
FATAL_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


class JourneyError(AssertionError):
    pass


@dataclass(frozen=True)
class Download:
    name: str  # the file name the server suggested
    content: bytes


@dataclass
class Site:
    """A person at a browser: visit pages, follow links, fill and submit forms. Every page reached
    is checked (axe-core, CSP, JS errors, 5xx) once per distinct URL and display mode."""

    page: Any
    base_url: str
    viewport: str
    problems: list[str] = field(default_factory=list)
    checked: set[tuple[str, str]] = field(default_factory=set)
    audited: list[str] = field(default_factory=list)

    # --- navigation ---------------------------------------------------------------------
    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def visit(self, path: str, *, status: int = 200) -> Site:
        response = self.page.goto(self.url(path))
        assert response is not None, f"no response for {path}"
        assert response.status == status, f"GET {path} answered {response.status}, not {status}"
        return self.arrived()

    def reload(self) -> Site:
        """Load the current page again (what someone does to see what changed meanwhile)."""
        self.page.reload()
        return self.arrived()

    def click_link(self, name: str | re.Pattern[str], *, within: str = "body") -> Site:
        """Follow a link (or a link styled as a button) by its accessible name."""
        scope = self.page.locator(within)
        exact = isinstance(name, str)
        link = scope.get_by_role("link", name=name, exact=exact)
        styled = scope.get_by_role("button", name=name, exact=exact).and_(scope.locator("a"))
        return self._click(link.or_(styled).first, navigates=True)

    def click_button(
        self, name: str | re.Pattern[str], *, within: str = "body", navigates: bool = True
    ) -> Site:
        """Press a button; `navigates=False` for htmx buttons that swap part of the page."""
        exact = isinstance(name, str)
        target = self.page.locator(within).get_by_role("button", name=name, exact=exact).first
        return self._click(target, navigates=navigates)

    def _click(self, target: Any, *, navigates: bool) -> Site:
        if not navigates:
            target.click()
            self.page.wait_for_load_state("networkidle")
            return self.arrived()
        with self.page.expect_navigation(wait_until="load"):
            target.click()
        return self.arrived()

    def field(self, label: str | re.Pattern[str]) -> Any:
        """The one form control with this accessible label (so unlabelled controls cannot be
        used). A string matches the whole label, give or take a trailing colon or required
        mark: "密码" is not "密码（重复）", "文件" is not "整个文件都不导入"."""
        if isinstance(label, str):
            label = re.compile(rf"^\s*{re.escape(label)}\s*[:：]?\s*\*?\s*$")
        control = self.page.get_by_label(label)
        assert control.count() == 1, f"{control.count()} fields labelled {label.pattern!r}"
        return control

    def fill(self, label: str | re.Pattern[str], value: str) -> Site:
        self.field(label).fill(value)
        return self

    def select(self, label: str | re.Pattern[str], option: str) -> Site:
        """Choose an option of a select by its visible text."""
        self.field(label).select_option(label=option)
        return self

    def check(self, label: str | re.Pattern[str]) -> Site:
        """Tick a checkbox or choose a radio button."""
        self.field(label).check()
        return self

    def attach(self, label: str | re.Pattern[str], name: str, content: bytes) -> Site:
        """Choose a file for a file input, as if picked from the phone or computer."""
        self.field(label).set_input_files(
            files=[{"name": name, "mimeType": "application/octet-stream", "buffer": content}]
        )
        return self

    def fill_form(self, values: dict[str, str]) -> Site:
        for label, value in values.items():
            self.fill(label, value)
        return self

    def arrived(self) -> Site:
        self.page.wait_for_load_state("load")
        self.audit()
        return self

    def download(self, name: str | re.Pattern[str], *, within: str = "main") -> Download:
        """Follow a link that downloads a file (an attachment, or a PDF the browser saves)."""
        exact = isinstance(name, str)
        link = self.page.locator(within).get_by_role("link", name=name, exact=exact).first
        with self.page.expect_download() as info:
            link.click()
        download = info.value
        failure = download.failure()
        assert failure is None, f"the download of {download.url} failed: {failure}"
        return Download(
            name=download.suggested_filename, content=Path(download.path()).read_bytes()
        )

    def table(self, within: str = "main table") -> list[list[str]]:
        """The rows of a table as shown (header row included), each cell's visible text."""
        return self.page.locator(within).first.evaluate(
            """table => Array.from(table.rows).map(
                row => Array.from(row.cells).map(cell => cell.innerText.trim()))"""
        )

    # --- expectations -------------------------------------------------------------------
    def expect_text(self, text: str | re.Pattern[str], *, within: str = "main") -> Site:
        from playwright.sync_api import expect

        expect(self.page.locator(within)).to_contain_text(text)
        return self

    def expect_heading(self, text: str | re.Pattern[str]) -> Site:
        from playwright.sync_api import expect

        expect(self.page.get_by_role("heading", level=1)).to_contain_text(text)
        return self

    def expect_path(self, path: str | re.Pattern[str]) -> Site:
        current = self.page.url.removeprefix(self.base_url).split("?")[0]
        if isinstance(path, re.Pattern):
            assert path.fullmatch(current), f"at {current}, expected {path.pattern}"
        else:
            assert current == path, f"at {current}, expected {path}"
        return self

    @property
    def signed_in(self) -> bool:
        return self.page.locator("header").get_by_role("link", name="退出").count() > 0

    # --- accounts -----------------------------------------------------------------------
    def login(self, login: str, password: str = PASSWORD) -> Site:
        self.visit("/accounts/login/")
        self.fill("登录", login)
        self.fill("密码", password)
        self.click_button(re.compile("^(登录|Sign In)$"), within="main")
        assert self.signed_in, f"could not sign in as {login}: {self.page.url}"
        return self

    def login_as(self, user: Any, password: str = PASSWORD) -> Site:
        return self.login(user.phone or user.email, password)

    def logout(self) -> Site:
        self.click_link("退出", within="header")
        self.click_button(re.compile("^(登出|退出|注销|Sign Out)$"), within="main")
        assert not self.signed_in, "still signed in after logging out"
        return self

    # --- checks -------------------------------------------------------------------------
    def audit(self, *, again: bool = False) -> None:
        """axe-core on the current page (once per URL and display mode in a test)."""
        path = self.page.url.removeprefix(self.base_url)
        mode = "elder" if "elder-mode" in (self.page.get_attribute("body", "class") or "") else ""
        if (path, mode) in self.checked and not again:
            return
        self.checked.add((path, mode))
        self.audited.append(f"{path} {mode}".strip())
        violations = self.page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary),
                }));
            }"""
        )
        for v in violations:
            if v["impact"] in FATAL_IMPACTS:
                nodes = "\n      ".join(v["nodes"])
                self.problems.append(
                    f"axe {v['impact']} {v['id']} on {path} [{self.viewport}{' ' + mode if mode else ''}]:"
                    f" {v['help']}\n      {nodes}"
                )

    def assert_clean(self) -> None:
        if self.problems:
            raise JourneyError(
                "problems found on pages the journey visited:\n  " + "\n  ".join(self.problems)
            )


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 at full strength costs a third of a second per password; the journeys hash many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def site(
    request: pytest.FixtureRequest, browser: Any, live_server: Any, viewport: str
) -> Iterator[Site]:
    with open_site(request, browser, live_server.url, viewport) as site:
        yield site


@pytest.fixture
def another_site(
    request: pytest.FixtureRequest, browser: Any, live_server: Any, viewport: str
) -> Iterator[Callable[[str], Site]]:
    """More people in one journey: `admin = another_site("admin")` opens another browser
    context (its own cookies and session) at the same viewport, checked like `site`."""
    opened: list[Any] = []

    def make(label: str) -> Site:
        manager = open_site(request, browser, live_server.url, viewport, label=label)
        opened.append(manager)
        return manager.__enter__()

    yield make
    problems = []
    for manager in reversed(opened):  # every context is checked and closed, whatever the others
        try:
            manager.__exit__(None, None, None)
        except JourneyError as error:
            problems.append(str(error))
    if problems:
        raise JourneyError("\n".join(problems))


@contextmanager
def open_site(
    request: pytest.FixtureRequest, browser: Any, base_url: str, viewport: str, label: str = ""
) -> Iterator[Site]:
    """A browser context with the page checks wired in; on leaving it, a journey that passed
    fails if a check found a problem, and a failing one leaves a screenshot."""
    context = browser.new_context(locale="zh-CN", accept_downloads=True, **VIEWPORTS[viewport])
    # Injected through the DevTools protocol, so the CSP (no inline scripts) does not block it.
    context.add_init_script(script=AXE_JS)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    site = Site(page=page, base_url=base_url, viewport=viewport)

    def on_console(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            site.problems.append(f"CSP violation on {page.url}: {message.text}")

    def on_response(response: Any) -> None:
        if response.status >= 500:
            site.problems.append(f"server error {response.status} for {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: site.problems.append(f"JS error on {page.url}: {error}"))
    page.on("response", on_response)
    # Whether the journey failed, read from the session's failure count: it works for journeys in
    # any test package that imports these fixtures (a report hook here would see only tests/e2e).
    failures_before = request.session.testsfailed
    failed = True
    try:
        yield site
        failed = request.session.testsfailed > failures_before
        if not failed:
            site.assert_clean()
        elif site.problems:  # the journey failed already: show what the checks saw, once
            print("problems found on pages the journey visited:", *site.problems, sep="\n  ")
    finally:
        if failed or site.problems:
            RESULTS_DIR.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid + (f"-{label}" if label else ""))
            page.screenshot(path=str(RESULTS_DIR / f"{name[-150:]}.png"), full_page=True)
        context.close()
