"""The Voilà dashboard works without internet: every asset comes from the local server.

Issue 15: Voilà 0.5.13's ``lab`` template links Font Awesome from a public CDN. ``make
dashboard`` now runs Voilà with the project's ``b12explore`` template
(``b12explore/share/jupyter/voila/templates/b12explore``), which serves a vendored Font
Awesome Free from
the server itself. Two checks: the served HTML names no remote asset (plain HTTP, cheap), and
a real Chromium that loads the page, shows the explorer and draws an icon sends no request
to any host but the loopback one.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from _servers import REPO, copy_explorer_notebook, start

pytestmark = [pytest.mark.server]

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
TEMPLATE = REPO / "b12explore" / "share" / "jupyter" / "voila" / "templates" / "b12explore"
TIMEOUT_S = 90


class _Assets(HTMLParser):
    """URLs of everything the page loads: link href, script/img/iframe/source src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])
        for key in ("src", "data-src"):
            if tag in ("script", "img", "iframe", "source", "embed") and a.get(key):
                self.urls.append(a[key])


def remote(url: str) -> bool:
    """True for a URL that would leave the machine."""
    parts = urlsplit(url)
    if parts.scheme in ("", "data", "blob", "about"):
        return bool(parts.netloc) and parts.hostname not in LOCAL_HOSTS  # "//host/x"
    return parts.hostname not in LOCAL_HOSTS


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("offline")
    root = copy_explorer_notebook(base / "root")
    server = start("voila", root / "explorer.ipynb", base / "jupyter")
    try:
        yield server
    finally:
        server.stop()


def test_remote_helper():
    assert remote("https://cdn.jsdelivr.net/npm/x.css")
    assert remote("//cdnjs.cloudflare.com/x.js")
    assert not remote("http://127.0.0.1:8866/voila/static/x.js")
    assert not remote("/voila/templates/b12explore/static/x.css")
    assert not remote("data:;base64,=")


def test_template_ships_font_awesome_locally():
    static = TEMPLATE / "static" / "fontawesome"
    css = (static / "css" / "all.min.css").read_text(encoding="utf-8")
    assert "Font Awesome" in css and "http" not in css.split("*/", 1)[1]
    fonts = re.findall(r"url\(\.\./webfonts/([\w.-]+\.woff2)\)", css)
    assert fonts and all((static / "webfonts" / f).is_file() for f in fonts)
    assert (static / "LICENSE.txt").is_file()


def test_served_page_names_no_remote_asset(dashboard):
    status, body = dashboard.get("")
    assert status == 200
    html = body.decode("utf-8")
    parser = _Assets()
    parser.feed(html)
    assert parser.urls, "no assets found: wrong page?"
    assert [u for u in parser.urls if remote(u)] == []
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost)[\w.-]+/[^\"'\s]*\.(css|js)", html)
    local_fa = [u for u in parser.urls if "fontawesome" in u]
    assert local_fa, "Font Awesome is not linked at all"
    for url in local_fa:
        path = urlsplit(url).path
        status, css = dashboard.get(path)
        assert status == 200 and b"Font Awesome" in css, url


@pytest.mark.browser
def test_browser_sends_no_request_off_the_machine(dashboard, page):
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(f"{dashboard.url}?token={dashboard.token}")
    deadline = time.monotonic() + TIMEOUT_S
    while not page.locator(".b12-explorer .b12-status").count():
        assert time.monotonic() < deadline, "the explorer did not show"
        page.wait_for_timeout(250)
    # draw an icon so the icon font is fetched, and wait until it is usable
    loaded = page.evaluate(
        """async () => {
            const i = document.createElement('i');
            i.className = 'fa fa-download';
            document.body.appendChild(i);
            await document.fonts.load('900 16px "Font Awesome 6 Free"');
            await document.fonts.ready;
            return document.fonts.check('900 16px "Font Awesome 6 Free"');
        }"""
    )
    page.wait_for_load_state("networkidle")
    off_machine = sorted({u for u in requests if remote(u)})
    assert off_machine == [], off_machine
    assert loaded, "the local Font Awesome did not load"
    assert any("fa-solid-900.woff2" in u for u in requests)
    assert len(requests) > 5  # the recorder saw the page's traffic
