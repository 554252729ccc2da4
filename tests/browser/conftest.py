"""Headless Chromium (Debian's package) driven by Playwright, for the fix list's browser tests.

Browser downloads are not possible here, so Playwright is pointed at /usr/bin/chromium;
scripts/test installs it. Outside CI a machine without it skips these tests; in CI
a missing browser is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import scrub_demo
from tests.serve_support import PASSWORDS, press

CHROMIUM = os.environ.get("SCRUBBER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    missing = None if shutil.which(CHROMIUM) else f"{CHROMIUM} not found (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "playwright is not installed (pip install -e '.[test]')"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """One page as a biller opens it, with everything the page tried to do on the side."""

    page: object
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def visit(browser):
    contexts = []

    def open_page(path: Path, scripts: bool = True, hash: str = "", width: int = 1280, height: int = 900) -> Visit:
        context = browser.new_context(java_script_enabled=scripts, viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page)
        page.on("request", lambda request: seen.requests.append(request.url))
        page.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda message: message.type == "error" and seen.errors.append(message.text))
        page.on("pageerror", lambda error: seen.errors.append(str(error)))
        page.goto(path.resolve().as_uri() + hash)
        return seen

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory) -> Path:
    """`scrubber demo --out DIR`, as a biller's first look would run it."""
    return scrub_demo(tmp_path_factory.mktemp("demo") / "report")


@pytest.fixture
def biller(browser, server):
    """A logged-in browser per person on the module's worklist `server`, each with its own cookies; every
    request it made is kept."""
    contexts = []

    def log_in(name: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.requests, page.errors = [], []
        page.on("request", lambda request: page.requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
        page.goto(server.url + "/")
        page.get_by_label("Name").fill(name)
        page.get_by_label("Password").fill(PASSWORDS[name])
        press(page, "Log in")
        assert page.locator('[data-test="me"]').inner_text() == name
        return page

    yield log_in
    for context in contexts:
        context.close()
