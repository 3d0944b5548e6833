"""Shared fixtures and the skip policy for server and browser tests.

Policy (issue 2, item 4): on a researcher's laptop without Chromium (or without the test
extra's Playwright) the browser tests *skip* with a message saying how to enable them; with
``CI=true`` the same tests *fail*, so CI can never pass by skipping them.

Browser tests use the system Chromium (``/usr/bin/chromium`` from Debian's ``chromium``
package, or the executable named by ``B12EXPLORE_CHROMIUM``) through Playwright; Playwright
never downloads a browser here. Screenshots go to ``test-artifacts/`` (git-ignored); a failing
browser test leaves ``test-artifacts/<test>-failure.png`` behind (server logs stay in the
test's ``tmp_path``; a server that does not start puts its log in the error message).
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from _servers import REPO, copy_explorer_notebook

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_MISSING = (
    "Chromium not found: apt-get install chromium (or set B12EXPLORE_CHROMIUM) "
    "to run browser tests"
)
PLAYWRIGHT_MISSING = (
    "Playwright not installed: pip install -e '.[test]' (no browser download needed) "
    "to run browser tests"
)
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI containers run as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}


def in_ci() -> bool:
    """True when the environment variable ``CI`` says we run in continuous integration."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip on a laptop; fail under ``CI=true`` (a missing dependency must not hide there)."""
    if in_ci():
        pytest.fail(f"{reason} [CI=true: browser and server tests must run, not skip]")
    pytest.skip(reason)


def find_chromium() -> str | None:
    """Path of the Chromium to drive: ``$B12EXPLORE_CHROMIUM``, else the system one."""
    configured = os.environ.get("B12EXPLORE_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _playwright_importable() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") is None:
        return
    if find_chromium() is None:
        skip_or_fail(CHROMIUM_MISSING)
    if not _playwright_importable():
        skip_or_fail(PLAYWRIGHT_MISSING)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Remember each phase's report on the item, so fixtures can see a failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``test-artifacts/`` at the repository root (git-ignored): screenshots go here."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless system Chromium driven by Playwright, shared by the session."""
    chromium = find_chromium()
    if chromium is None:
        skip_or_fail(CHROMIUM_MISSING)
    if not _playwright_importable():
        skip_or_fail(PLAYWRIGHT_MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest, artifacts_dir: Path) -> Iterator[object]:
    """A fresh page in its own browser context (1400 x 1000 px, 60 s default timeout).

    On failure a screenshot is saved as ``test-artifacts/<test>-failure.png``.
    """
    name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    failure_png = artifacts_dir / f"{name}-failure.png"
    failure_png.unlink(missing_ok=True)  # from an earlier run
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    new_page = context.new_page()
    try:
        yield new_page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            try:
                new_page.screenshot(path=str(failure_png))
            except Exception as err:  # a crashed page must not hide the real failure
                warnings.warn(f"no failure screenshot: {err}", stacklevel=1)
        context.close()


@pytest.fixture
def notebook_root(tmp_path: Path) -> Path:
    """A throwaway folder holding a copy of the explorer notebook as ``explorer.ipynb``."""
    return copy_explorer_notebook(tmp_path / "root")
