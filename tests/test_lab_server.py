"""``make lab`` starts a headless JupyterLab on 127.0.0.1 that serves the repository.

This runs the real Makefile recipe (``make lab``, default ``LAB_ROOT`` and ``NOTEBOOK``) on a
free port with a random token, fetches ``notebooks/explorer.ipynb`` and ``data/README.md``
over HTTP, checks the one URL it printed, then stops the server. Only GET requests are made:
the repository's files are read, never written. The test configuration allows neither root
nor hides the news pop-up: CI runs as root, so these tests fail if ``make lab`` refuses root.
"""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from _servers import EXPLORER_NOTEBOOK, REPO, start

pytestmark = pytest.mark.server


def _require_notebook() -> None:
    if not EXPLORER_NOTEBOOK.exists():
        pytest.fail(f"{EXPLORER_NOTEBOOK.relative_to(REPO)} is missing: `make lab` opens it")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """One `make lab` server shared by the read-only tests of this module."""
    _require_notebook()
    server = start("lab", None, tmp_path_factory.mktemp("jupyter"))
    try:
        yield server
    finally:
        server.stop()


def test_make_lab_serves_the_explorer_notebook(lab) -> None:
    status, body = lab.get("api/contents/notebooks/explorer.ipynb?content=1")
    assert status == 200, body[:500]
    model = json.loads(body)
    assert model["type"] == "notebook"
    assert model["path"] == "notebooks/explorer.ipynb"
    on_disk = json.loads(EXPLORER_NOTEBOOK.read_text(encoding="utf-8"))
    assert [c["source"] for c in model["content"]["cells"]] == [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in on_disk["cells"]
    ]
    code = "\n".join(c["source"] for c in model["content"]["cells"] if c["cell_type"] == "code")
    assert "Explorer(" in code


def test_make_lab_serves_the_repository_root(lab) -> None:
    status, body = lab.get("api/contents/data/README.md?content=1")
    assert status == 200, body[:500]
    assert json.loads(body)["path"] == "data/README.md"
    status, body = lab.get("api/contents/notebooks")
    names = {item["name"] for item in json.loads(body)["content"]}
    assert {"explorer.ipynb", "01_sample_sizes.ipynb"} <= names


def test_make_lab_prints_one_url_that_opens_the_explorer(lab) -> None:
    urls = lab.printed_urls()
    assert len(urls) == 1, lab.log()
    expected = f"{lab.url}lab/tree/notebooks/explorer.ipynb?token={lab.token}"
    assert urls[0] == expected
    status, body = lab.get(urls[0].removeprefix(lab.url))
    assert status == 200
    assert b"jupyter-config-data" in body  # the JupyterLab application page


def test_make_lab_turns_the_news_popup_off(lab) -> None:
    status, body = lab.get("lab/tree/notebooks/explorer.ipynb")
    match = re.search(
        rb'<script id="jupyter-config-data" type="application/json">(.*?)</script>', body, re.S
    )
    assert match, body[:500]
    config = json.loads(match.group(1))
    assert "@jupyterlab/apputils-extension:announcements" in config["disabledExtensions"]


def test_make_lab_runs_as_root_without_any_config_allowing_it(lab) -> None:
    # the server answered (fixture); under root that needs the Makefile's --allow-root,
    # since the test configuration does not allow root
    config = (lab.log_path.parent / "config" / "jupyter_server_config.json").read_text()
    assert "allow_root" not in config
    assert lab.proc.poll() is None  # still running (as root here: os.geteuid() == 0 in CI)


def test_make_lab_requires_the_token(lab) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(lab.url + "api/contents/explorer.ipynb", timeout=10)
    assert err.value.code == 403


def test_make_lab_listens_on_localhost_only_and_stops_cleanly(tmp_path: Path) -> None:
    _require_notebook()
    server = start("lab", None, tmp_path / "jupyter")
    try:
        assert server.url.startswith("http://127.0.0.1:")
        assert "127.0.0.1" in server.log(tail=100_000)
    finally:
        server.stop()
    assert server.proc.poll() is not None
    port = int(server.url.rstrip("/").rsplit(":", 1)[1])
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
