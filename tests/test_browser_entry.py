"""Real browser: the entry form in JupyterLab adds a study to a copy of the data.

A throwaway notebook (``entry.ipynb``: ``EntryForm(<copy of data/>)``) is served by
``make lab`` (see ``_servers.start``) and driven in headless Chromium: a value that
breaks a rule shows its message beside the field while typing, then every required
field is filled through the page and "Add" writes the study. The copy then loads, with
the new study in it. Screenshot: ``test-artifacts/entry-form.png``.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from _servers import REPO, Server, start

from b12explore import load
from b12explore.rows import field_infos
from b12explore.schema import read_descriptor

pytestmark = [pytest.mark.browser, pytest.mark.server]

TIMEOUT_MS = 120_000  # a bound, not a target: a cold CI kernel imports pandas and matplotlib
STUDY_ID = "browser2024"


def write_notebook(root: Path, data: Path) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook.cells = [
        nbformat.v4.new_code_cell("from b12explore import EntryForm"),
        nbformat.v4.new_code_cell(f"form = EntryForm({str(data)!r})\nform"),
    ]
    path = root / "entry.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def lab_with_form(tmp_path: Path):
    data = Path(shutil.copytree(REPO / "data", tmp_path / "data"))
    root = tmp_path / "root"
    root.mkdir()
    notebook = write_notebook(root, data)
    server = start("lab", notebook, tmp_path / "jupyter")
    try:
        yield server, data
    finally:
        server.stop()


def kernel_idle(server: Server) -> bool:
    status, body = server.get("api/sessions")
    sessions = json.loads(body) if status == 200 else []
    return any(
        s["path"].endswith("entry.ipynb") and s["kernel"]["execution_state"] == "idle"
        for s in sessions
    )


def accept_dialog(page) -> bool:
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    if accept.count():
        accept.first.click()
        return True
    return False


def run_all(page, server: Server) -> None:
    page.goto(f"{server.url}lab/tree/entry.ipynb?token={server.token}")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    ready = 0
    while time.monotonic() < deadline and ready < 2:
        ready = 0 if accept_dialog(page) or not kernel_idle(server) else ready + 1
        page.wait_for_timeout(200)
    assert ready == 2, "the notebook's kernel was not idle in time"

    def click_run_all() -> None:
        page.locator("li.lm-MenuBar-item", has_text="Run").click()
        page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()

    click_run_all()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        if page.locator(".b12-entry .b12-entry-submit").count():
            return
        if accept_dialog(page):
            click_run_all()
        outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
        if any("Traceback" in text or "Error" in text for text in outputs):
            pytest.fail("the notebook failed before showing the form:\n" + "\n".join(outputs))
        page.wait_for_timeout(200)
    outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
    busy = page.locator(".jp-Notebook-ExecutionIndicator").get_attribute("data-status")
    pytest.fail(
        f"no entry form shown in {TIMEOUT_MS / 1000:.0f} s (kernel: {busy}); outputs:\n"
        + "\n".join(outputs)
    )


def required_values(data: Path) -> dict[str, tuple[str, str]]:
    """Field -> (kind, text to enter or option label to choose) for every required field."""
    out = {}
    texts = {
        "study_id": STUDY_ID,
        "label": "Browser 2024",
        "year": "2024",
        "title": "A study typed in the browser test",
        "condition": "chronic low back pain",
        "summary": "Entered through the form in a real browser.",
        "source_url": "https://example.org/browser2024",
    }
    for info in field_infos(read_descriptor(data), "studies"):
        if not info.required:
            continue
        if info.kind == "enum":
            out[info.name] = ("select", info.choices[0][0])
        elif info.kind == "boolean":
            out[info.name] = ("select", "no")
        else:
            out[info.name] = ("text", texts.get(info.name, "x"))
    return out


def test_fill_the_entry_form_in_jupyterlab_and_add_a_study(lab_with_form, page, artifacts_dir):
    server, data = lab_with_form
    before = (data / "studies.csv").read_bytes()
    run_all(page, server)
    form = page.locator(".b12-entry")
    study = page.locator(".b12-form-studies")

    # a value that breaks a rule is reported beside its field while typing
    study.locator(".b12-field-n_enrolled input").fill("0")
    problem = study.locator(".b12-problem-n_enrolled")
    problem.filter(has_text="expected an integer").filter(has_text='got "0"').wait_for(
        timeout=TIMEOUT_MS
    )
    study.locator(".b12-field-n_enrolled input").fill("30")
    page.wait_for_function(
        "() => !document.querySelector('.b12-form-studies .b12-problem-n_enrolled')"
        ".innerText.trim()",
        timeout=TIMEOUT_MS,
    )

    for name, (kind, value) in required_values(data).items():
        css = f".b12-field-{name}"
        if kind == "select":
            study.locator(f"{css} select").select_option(label=value)
        elif study.locator(f"{css} textarea").count():
            study.locator(f"{css} textarea").fill(value)
        else:
            study.locator(f"{css} input").fill(value)
    study.locator(".b12-entry-preview").filter(has_text="Browser 2024").wait_for()
    form.screenshot(path=str(artifacts_dir / "entry-form.png"))

    study.locator("button.b12-entry-submit").click()
    page.wait_for_function(
        "() => /^Added|nothing written|failed/.test("
        "document.querySelector('.b12-form-studies .b12-entry-status')?.innerText)",
        timeout=TIMEOUT_MS,
    )
    status = study.locator(".b12-entry-status").inner_text()
    assert status.startswith(f"Added {STUDY_ID}"), status
    after = (data / "studies.csv").read_bytes()
    assert after.startswith(before) and after != before
    assert (data / "studies.csv.bak").read_bytes() == before
    studies = load(data).studies.set_index("study_id")
    assert studies.loc[STUDY_ID, "title"] == "A study typed in the browser test"
    assert studies.loc[STUDY_ID, "n_enrolled"] == 30
    form.screenshot(path=str(artifacts_dir / "entry-form-added.png"))
