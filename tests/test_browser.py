"""Real-browser tests: the explorer notebook in JupyterLab and in Voilà, in headless Chromium.

Both servers are started through ``make lab`` / ``make dashboard`` on 127.0.0.1 with a
random token, on a temporary copy of ``notebooks/explorer.ipynb`` (so running, saving and
exporting never touch the repository), and stopped even when a test fails.

The expected notebook (see ``_servers.write_standin_notebook``): a ``parameters`` cell with
``data_dir = None``, then a cell whose value is ``Explorer(load(data_dir))``. Selectors are the
CSS classes documented in ``b12explore/widgets/__init__.py``. Expected numbers are computed
here from the same data with the package's own filter function, so the tests follow the data.

Screenshots: ``test-artifacts/explorer.png`` (README), ``explorer-filtered.png``,
``explorer-exported.png``, ``voila.png``.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from _servers import REPO, Server, copy_explorer_notebook, start

from b12explore import load
from b12explore.filters import FilterState, apply_filters, filter_codes

pytestmark = [pytest.mark.browser, pytest.mark.server]

TIMEOUT_MS = 60_000
PAYLOAD = "<img src=x onerror=window.__pwned=1>"
ERROR = re.compile(r"Traceback|Error:|There was an error when executing cell")


@pytest.fixture
def lab(notebook_root: Path, tmp_path: Path):
    server = start("lab", notebook_root / "explorer.ipynb", tmp_path / "jupyter")
    try:
        yield server
    finally:
        server.stop()


def route_filter(data_dir: Path | None) -> tuple[int, int, int]:
    """(option index, studies kept, total) for a route that keeps some but not all studies."""
    evidence = load(data_dir)
    studies = evidence.studies
    routes = filter_codes(evidence.vocab, "routes")  # the control's options, in order
    total = len(studies)
    counts = studies["route"].value_counts()
    usable = [r for r in routes if 0 < counts.get(r, 0) < total]
    assert usable, "the data needs studies with at least two different routes"
    route = max(usable, key=lambda r: (r not in ("mixed", "not_reported"), counts[r]))
    kept = len(apply_filters(load(data_dir), FilterState(routes=(route,))).studies)
    return routes.index(route), kept, total


def status_text(page) -> str:
    return page.locator(".b12-status").inner_text().strip()


def wait_for_status(page, expected_start: str) -> str:
    page.wait_for_function(
        "s => document.querySelector('.b12-status')?.innerText.trim().startsWith(s)",
        arg=expected_start,
        timeout=TIMEOUT_MS,
    )
    return status_text(page)


def chart_src(page, css: str, previous: str | None = None) -> str:
    """The ``src`` of chart image ``css`` once it is set (and differs from ``previous``)."""
    page.wait_for_function(
        """([css, prev]) => {
            const img = document.querySelector('img.' + css);
            return img && img.src && img.src !== prev && img.naturalWidth > 0;
        }""",
        arg=[css, previous or ""],
        timeout=TIMEOUT_MS,
    )
    return page.locator(f"img.{css}").get_attribute("src")


def show_tab(page, title: str) -> None:
    page.locator(".b12-views .lm-TabBar-tab", has_text=title).click()


def choose_route(page, index: int) -> None:
    page.locator(".b12-route select").select_option(index=index)


def wait_for_explorer(page, rerun=None) -> None:
    """Wait until the explorer shows; fail at once, with the outputs, if a cell fails.

    ``rerun``: called again after a late JupyterLab dialog was accepted (the dialog
    cancels the Run All it interrupted).
    """
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        if page.locator(".b12-explorer .b12-status").count():
            return
        if rerun is not None and accept_dialog(page):
            rerun()
        outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
        if any(ERROR.search(text) for text in outputs):
            pytest.fail("the notebook failed before showing the explorer:\n" + "\n".join(outputs))
        page.wait_for_timeout(200)
    pytest.fail(f"no explorer after {TIMEOUT_MS / 1000:.0f} s")


def accept_dialog(page) -> bool:
    """Accept a JupyterLab dialog if one is open (the kernel chooser can appear when the
    notebook opens before the kernel specs are loaded; its default is ``python3``)."""
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    if accept.count():
        accept.first.click()
        return True
    return False


def wait_for_kernel(page, server: Server) -> None:
    """Wait until the notebook's kernel is started and idle (checked over the REST API)
    and no dialog is open, twice in a row."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    ready_polls = 0
    while time.monotonic() < deadline and ready_polls < 2:
        ready_polls = 0 if accept_dialog(page) or not _kernel_idle(server) else ready_polls + 1
        page.wait_for_timeout(200)
    if ready_polls < 2:
        pytest.fail(f"the notebook's kernel was not idle after {TIMEOUT_MS / 1000:.0f} s")


def _kernel_idle(server: Server) -> bool:
    status, body = server.get("api/sessions")
    sessions = json.loads(body) if status == 200 else []
    return any(
        s["path"].endswith("explorer.ipynb") and s["kernel"]["execution_state"] == "idle"
        for s in sessions
    )


def run_all_in_lab(page, server: Server) -> None:
    page.goto(f"{server.url}lab/tree/explorer.ipynb?token={server.token}")
    wait_for_kernel(page, server)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status=idle]", timeout=TIMEOUT_MS)

    def run_all() -> None:
        page.locator("li.lm-MenuBar-item", has_text="Run").click()
        page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()

    run_all()
    wait_for_explorer(page, rerun=run_all)


class Phases:
    """Wall time of each phase of a browser test, saved as JSON next to the screenshots
    (a record for the report, never asserted: no timed tests)."""

    def __init__(self, name: str, folder: Path) -> None:
        self.path = folder / f"timings-{name}.json"
        self.times: dict[str, float] = {}
        self.last = time.monotonic()

    def __call__(self, label: str) -> None:
        now = time.monotonic()
        self.times[label] = round(now - self.last, 2)
        self.last = now

    def save(self) -> None:
        self.times["total"] = round(sum(self.times.values()), 2)
        self.path.write_text(json.dumps(self.times, indent=1) + "\n", encoding="utf-8")


def test_explorer_in_jupyterlab(lab: Server, page, notebook_root: Path, artifacts_dir: Path):
    index, kept, total = route_filter(None)
    phase = Phases("jupyterlab", artifacts_dir)
    # tall enough that the whole panel fits: its screenshot is the README's picture
    page.set_viewport_size({"width": 1400, "height": 1500})
    run_all_in_lab(page, lab)
    before = wait_for_status(page, f"{total:,} of {total:,} ")
    phase("open notebook, run all, explorer shown")
    show_tab(page, "Sample sizes")
    chart_before = chart_src(page, "b12-chart-sample-sizes")
    phase("show the sample-size chart")
    page.locator(".b12-explorer").screenshot(path=str(artifacts_dir / "explorer.png"))

    phase("screenshot")
    choose_route(page, index)
    after = wait_for_status(page, f"{kept:,} of {total:,} ")
    chart_after = chart_src(page, "b12-chart-sample-sizes", previous=chart_before)
    phase("filter: new status and chart")
    assert after != before
    assert chart_after != chart_before
    assert page.locator(".b12-message").inner_text().strip() == ""
    page.locator(".b12-explorer").screenshot(path=str(artifacts_dir / "explorer-filtered.png"))

    exports = notebook_root / "exports"
    assert not exports.exists()
    phase("screenshot")
    page.locator("button.b12-export").click()
    page.wait_for_function(
        "() => /Wrote|failed/.test(document.querySelector('.b12-export-message')?.innerText)",
        timeout=TIMEOUT_MS,
    )
    phase("export")
    message = page.locator(".b12-export-message").inner_text()
    assert message.startswith("Wrote "), message
    written = sorted(p.relative_to(exports) for p in exports.rglob("*") if p.is_file())
    names = {p.name for p in written}
    assert {"b12explore-slides.pptx", "citations.bib", "citations.ris"} <= names
    assert any(name.endswith(".png") for name in names)
    assert message.split()[1] == str(len(written))  # "Wrote N files to ..."
    page.locator(".b12-explorer").screenshot(path=str(artifacts_dir / "explorer-exported.png"))
    phase("screenshot")
    phase.save()


# ------------------------------------------------------------------ Voilà


def write_hostile_data(data: Path) -> Path:
    """A copy of the shipped data in which every study title is an HTML-injection attempt."""
    shutil.copytree(REPO / "data", data)
    path = data / "studies.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    for row in rows:
        row["title"] = PAYLOAD
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return data


@pytest.fixture(scope="module")
def voila(tmp_path_factory: pytest.TempPathFactory):
    """``make dashboard`` on a copy of the notebook, reading the hostile data folder:
    (server, notebook folder, data folder). One server for this module's Voilà tests."""
    base = tmp_path_factory.mktemp("voila")
    root = copy_explorer_notebook(base / "root")
    data = write_hostile_data(base / "data")
    env = {"B12EXPLORE_DATA": str(data)}
    server = start("voila", root / "explorer.ipynb", base / "jupyter", env)
    try:
        yield server, root, data
    finally:
        server.stop()


def test_voila_serves_the_explorer_without_code(voila, page, artifacts_dir: Path):
    voila, notebook_root, hostile_data = voila
    index, kept, total = route_filter(hostile_data)
    phase = Phases("voila", artifacts_dir)
    page.goto(f"{voila.url}?token={voila.token}")
    wait_for_explorer(page)
    before = wait_for_status(page, f"{total:,} of {total:,} ")
    phase("open page, explorer shown")

    # no code: no input areas, no editors, no code cell source in the page
    code = ".jp-CodeCell .jp-InputArea, .jp-InputArea-editor, .jp-CodeMirrorEditor, .cm-editor"
    assert page.locator(code).count() == 0  # markdown cells do show, in .jp-InputArea
    html = page.content()
    notebook = json.loads((notebook_root / "explorer.ipynb").read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and len(source.strip()) >= 20:
            assert source.strip() not in html

    # CSV text is shown as text, never run as HTML
    titles = page.locator(".b12-study-table td", has_text=PAYLOAD)
    assert titles.count() == min(total, 25)
    assert titles.first.is_visible()
    assert page.locator(".b12-study-table img").count() == 0
    page.wait_for_timeout(500)  # give a broken image time to fire onerror
    assert page.evaluate("() => window.__pwned") is None

    page.screenshot(path=str(artifacts_dir / "voila.png"), full_page=True)

    phase("checks and screenshot")
    choose_route(page, index)
    assert wait_for_status(page, f"{kept:,} of {total:,} ") != before
    phase("filter: new status")
    phase.save()


def test_voila_requires_the_token_and_hides_the_notebook(voila):
    voila = voila[0]
    # without the token, the page is refused or sent to the login form
    status, location = _get_no_redirect(voila.url)
    assert status == 403 or (status in (301, 302) and "/login" in location), (status, location)
    # the notebook file itself is never served (sources stay hidden)
    for path in ("explorer.ipynb", "voila/files/explorer.ipynb", "files/explorer.ipynb"):
        status, body = voila.get(path)
        assert status != 200 or b'"cells"' not in body, path


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get_no_redirect(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, ""
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Location", "")


def test_voila_filters_by_certainty_and_shows_the_ratings(voila, page, artifacts_dir: Path):
    server, _root, data = voila
    evidence = load(data)
    total = len(evidence.studies)
    kept = len(apply_filters(evidence, FilterState(certainty=("low",))).studies)
    assert 0 < kept < total, "the data needs studies behind a 'low' certainty rating"
    page.goto(f"{server.url}?token={server.token}")
    wait_for_explorer(page)
    wait_for_status(page, f"{total:,} of {total:,} ")
    codes = filter_codes(evidence.vocab, "certainty")
    shown = [
        t.replace("\xa0", " ")
        for t in page.locator(".b12-certainty select option").all_inner_texts()
    ]
    assert shown == [evidence.vocab.label("certainty", c) for c in codes]
    assert page.locator(".b12-comparison select option").count() == len(
        filter_codes(evidence.vocab, "comparisons")
    )
    page.locator(".b12-certainty select").select_option(index=codes.index("low"))
    status = wait_for_status(page, f"{kept:,} of {total:,} ")
    assert "certainty: low" in status
    assert page.locator(".b12-study-table th", has_text="Certainty").is_visible()
    rated = page.locator(".b12-study-table td", has_text=re.compile(r"(^|; )low: "))
    assert rated.count() == kept
    page.locator(".b12-explorer").screenshot(path=str(artifacts_dir / "voila-certainty.png"))
