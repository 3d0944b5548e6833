"""What a researcher sees after ``make lab``: the printed URL, the explorer, chart pictures.

Both tests start the real ``make lab`` recipe (as root in CI: the test configuration does
not allow root, the Makefile must) on a temporary copy of the files they open, follow the
one URL it printed, and look at the page in headless Chromium:

- the URL opens ``notebooks/explorer.ipynb`` itself (not the Launcher), no news pop-up
  covers the page, and Run All shows the explorer;
- ``01_sample_sizes`` saved *without* outputs, run with Run All, shows its charts as
  rendered images (issue 9: chart cells used to show ``<Figure size ... with 1 Axes>``).

Screenshots: ``test-artifacts/lab-explorer.png``, ``lab-01_sample_sizes.png``.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from _servers import REPO, Server, start
from test_browser import accept_dialog, wait_for_explorer

pytestmark = [pytest.mark.browser, pytest.mark.server]

TIMEOUT_MS = 60_000
NEWS = "official Jupyter news"


def _copy_tree(root: Path, notebooks: list[str], *, clear_outputs: bool = False) -> Path:
    (root / "notebooks").mkdir(parents=True)
    shutil.copytree(REPO / "data", root / "data")
    for name in notebooks:
        nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
        if clear_outputs:
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs = []
                    cell.execution_count = None
        nbformat.write(nb, root / "notebooks" / name)
    return root


def _printed_url(server: Server) -> str:
    urls = server.printed_urls()
    assert len(urls) == 1, server.log()
    return urls[0]


def _wait_kernel_idle(page, server: Server, name: str) -> None:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    ready = 0
    while time.monotonic() < deadline and ready < 2:
        status, body = server.get("api/sessions")
        sessions = json.loads(body) if status == 200 else []
        idle = any(
            s["path"].endswith(name) and s["kernel"]["execution_state"] == "idle" for s in sessions
        )
        ready = 0 if accept_dialog(page) or not idle else ready + 1
        page.wait_for_timeout(200)
    if ready < 2:
        pytest.fail(f"the kernel of {name} was not idle after {TIMEOUT_MS / 1000:.0f} s")


def _run_all(page) -> None:
    page.locator("li.lm-MenuBar-item", has_text="Run").click()
    page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()


def test_printed_url_opens_the_explorer(page, tmp_path: Path, artifacts_dir: Path) -> None:
    root = _copy_tree(tmp_path / "repo", ["explorer.ipynb"])
    server = start("lab", None, tmp_path / "jupyter", lab_root=root)
    try:
        url = _printed_url(server)
        assert url.startswith(server.url + "lab/tree/notebooks/explorer.ipynb?token=")
        page.goto(url)
        current = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
        current.filter(has_text="explorer.ipynb").wait_for(timeout=TIMEOUT_MS)
        assert page.locator(".jp-Launcher").count() == 0
        _wait_kernel_idle(page, server, "explorer.ipynb")
        _run_all(page)
        wait_for_explorer(page, rerun=lambda: _run_all(page))
        page.wait_for_timeout(1000)  # the news question, when enabled, shows by now
        assert page.get_by_text(NEWS).count() == 0
        # layout: the years read-out is whole and inside the notebook; every design shows
        readout = page.locator(".b12-years .widget-readout").bounding_box()
        notebook = page.locator(".jp-NotebookPanel").bounding_box()
        assert readout["x"] + readout["width"] <= notebook["x"] + notebook["width"]
        assert page.evaluate(
            "() => { const s = document.querySelector('.b12-design select');"
            " return s.scrollHeight <= s.clientHeight + 1; }"
        )
        page.screenshot(path=str(artifacts_dir / "lab-explorer.png"))
    finally:
        server.stop()


def test_sample_sizes_notebook_shows_chart_images(page, tmp_path: Path, artifacts_dir: Path):
    name = "01_sample_sizes.ipynb"
    root = _copy_tree(tmp_path / "repo", [name], clear_outputs=True)
    notebook = root / "notebooks" / name
    charts = sum(
        1
        for c in nbformat.read(notebook, as_version=4).cells
        if c.cell_type == "code" and "charts." in c.source and "slide_charts" not in c.source
    )
    assert charts >= 3
    server = start("lab", notebook, tmp_path / "jupyter")
    try:
        url = _printed_url(server)
        assert f"/lab/tree/{name}?token=" in url
        page.goto(url)
        _wait_kernel_idle(page, server, name)
        assert page.locator(".jp-OutputArea-output img").count() == 0  # outputs cleared
        _run_all(page)
        page.wait_for_function(
            """n => {
                const imgs = [...document.querySelectorAll('.jp-RenderedImage img')];
                return imgs.filter(i => i.complete && i.naturalWidth > 100).length >= n;
            }""",
            arg=charts,
            timeout=TIMEOUT_MS * 2,
        )
        texts = page.locator(".jp-OutputArea-output").all_inner_texts()
        assert not [t for t in texts if "<Figure size" in t or "Traceback" in t]
        images = page.locator(".jp-RenderedImage img")
        assert images.count() == charts  # one picture per chart cell, none shown twice
        images.first.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts_dir / "lab-01_sample_sizes.png"))
    finally:
        server.stop()


def test_voila_export_is_a_browser_download(page, tmp_path: Path, artifacts_dir: Path):
    import zipfile

    from _servers import copy_explorer_notebook

    root = copy_explorer_notebook(tmp_path / "root")
    server = start("voila", root / "explorer.ipynb", tmp_path / "jupyter")
    try:
        page.goto(f"{server.url}?token={server.token}")
        wait_for_explorer(page)
        assert page.locator(".b12-export-folder").is_hidden()  # no path can be typed
        # pictures keep their own aspect ratio (Voila used to stretch them)
        page.locator(".b12-views .lm-TabBar-tab", has_text="Sample sizes").click()
        page.wait_for_function(
            "() => document.querySelector('img.b12-chart-sample-sizes')?.naturalWidth > 0"
        )
        ratio = page.evaluate(
            "() => { const i = document.querySelector('img.b12-chart-sample-sizes');"
            " return [i.naturalWidth / i.naturalHeight, i.clientWidth / i.clientHeight]; }"
        )
        assert abs(ratio[0] - ratio[1]) < 0.02 * ratio[0], ratio
        page.locator("button.b12-export").click()
        link = page.locator(".b12-export-download a[download]")
        link.wait_for(timeout=TIMEOUT_MS * 3)
        with page.expect_download(timeout=TIMEOUT_MS) as download:
            link.click()
        saved = tmp_path / "download.zip"
        download.value.save_as(saved)
        assert download.value.suggested_filename == "b12explore-all-studies.zip"
        names = zipfile.ZipFile(saved).namelist()
        assert "all-studies/b12explore-slides.pptx" in names
        assert not (root / "exports").exists()  # nothing written beside the notebook
        page.screenshot(path=str(artifacts_dir / "voila-download.png"))
    finally:
        server.stop()
