"""What a researcher sees in the notebooks: charts stored as pictures, clean saved files.

Two kinds of test:

- *hygiene* of the committed notebooks (no kernel needed): every code cell that draws a
  chart stores an ``image/png`` (or SVG) output, no cell stores an error, no notebook holds
  more than a few kB of saved widget state, execution counts run 1..n;
- *inline display*: a chart cell executed by nbconvert/nbclient and by papermill stores
  exactly one picture, without ``%matplotlib inline``, and ``import b12explore`` alone
  registers nothing (issue 9, "the analysis notebooks show no charts").
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
PICTURE = {"image/png", "image/svg+xml"}
# A cell draws a chart when it calls a chart function or shows a figure.
DRAWS = re.compile(r"charts\.(?!slide_charts)\w+\(|\.figure\s*$|evidence_overview\(", re.M)
MAX_WIDGET_STATE = 4_000  # bytes of metadata.widgets a committed notebook may hold


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def _code_cells(path: Path) -> list[dict]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _mimes(cell: dict) -> set[str]:
    return {m for o in cell.get("outputs", []) for m in o.get("data", {})}


def test_there_are_notebooks() -> None:
    assert {"explorer.ipynb", "01_sample_sizes.ipynb"} <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_chart_cell_stores_a_picture(path: Path) -> None:
    drawing = [c for c in _code_cells(path) if DRAWS.search(_source(c))]
    missing = [_source(c)[:80] for c in drawing if not _mimes(c) & PICTURE]
    assert not missing, f"{path.name}: chart cells without a stored picture: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_no_stored_errors(path: Path) -> None:
    errors = [
        (o.get("ename"), o.get("evalue"))
        for c in _code_cells(path)
        for o in c.get("outputs", [])
        if o["output_type"] == "error"
    ]
    stderr = [
        o["text"][:200]
        for c in _code_cells(path)
        for o in c.get("outputs", [])
        if o["output_type"] == "stream" and o["name"] == "stderr"
    ]
    assert not errors, errors
    assert not stderr, stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_little_saved_widget_state(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    state = json.dumps(nb.get("metadata", {}).get("widgets", {}))
    assert len(state) <= MAX_WIDGET_STATE, f"{path.name}: {len(state):,} bytes of widget state"
    views = [
        c for c in _code_cells(path) if "application/vnd.jupyter.widget-view+json" in _mimes(c)
    ]
    assert not views, f"{path.name}: stored widget views (they show as a repr before a run)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_execution_counts_run_one_to_n(path: Path) -> None:
    counts = [c.get("execution_count") for c in _code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), counts


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_no_run_timestamps(path: Path) -> None:
    # nbconvert's per-cell timing metadata changes on every run: diffs would not be reviewable
    stamped = [c for c in _code_cells(path) if "execution" in c.get("metadata", {})]
    assert not stamped, f"{path.name}: {len(stamped)} cells carry run timestamps"


# --- inline display in a real kernel -------------------------------------------------------

PROBE_CELLS = [
    # 0: importing the package registers nothing
    "import b12explore, b12explore.charts\n"
    "from matplotlib.figure import Figure\n"
    "png = get_ipython().display_formatter.formatters['image/png']\n"
    "print('registered on import:', Figure in png.type_printers)",
    # 1: a cell ending in a chart's figure
    "from b12explore import charts, load\n"
    "ev = load()\n"
    "ax = charts.sample_size_chart(ev.studies)\n"
    "ax.figure",
    # 2: a cell ending in the Axes the chart function returns
    "charts.timeline_chart(ev.studies)",
    # 3: pyplot figures stay with the inline backend: shown once, not twice
    "import matplotlib.pyplot as plt\nfig, a = plt.subplots()\na.plot([1, 2])\na",
]


def _probe(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in PROBE_CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    return path


def _pictures(cell) -> int:
    return sum(1 for o in cell.outputs if PICTURE & set(o.get("data", {})))


def _check_probe(nb) -> None:
    cells = nb.cells
    assert "registered on import: False" in "".join(o.get("text", "") for o in cells[0].outputs)
    assert [_pictures(c) for c in cells] == [0, 1, 1, 1]
    errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert not errors


def test_chart_cells_store_one_png_under_nbconvert(tmp_path: Path) -> None:
    from nbclient import NotebookClient

    path = _probe(tmp_path)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, resources={"metadata": {"path": str(REPO)}}).execute()
    _check_probe(nb)
    png = next(o for o in nb.cells[1].outputs if "image/png" in o.get("data", {}))
    assert png["data"]["image/png"].startswith("iVBORw0KGgo")  # base64 of the PNG signature


def test_chart_cells_store_one_png_under_papermill(tmp_path: Path) -> None:
    import papermill

    path = _probe(tmp_path)
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(path), str(out), cwd=str(REPO), progress_bar=False, kernel_name="python3"
    )
    _check_probe(nbformat.read(out, as_version=4))


def _cleaner():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "clean_notebooks", REPO / ".ci" / "clean_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_notebooks_are_already_clean(path: Path) -> None:
    # `make notebooks` ends with .ci/clean_notebooks.py; a committed notebook it would
    # still change was saved some other way (with widget state or run timestamps)
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert _cleaner().clean(json.loads(json.dumps(nb))) == nb


def test_cleaner_strips_widget_state_and_keeps_the_short_text() -> None:
    view = "application/vnd.jupyter.widget-view+json"
    nb = {
        "metadata": {"widgets": {"state": {"x": 1}}},
        "cells": [
            {
                "cell_type": "code",
                "metadata": {"execution": {"iopub.status.idle": "2026"}},
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "data": {view: {"model_id": "abc"}, "text/plain": "Explorer: run this"},
                        "metadata": {},
                    }
                ],
            }
        ],
    }
    cleaned = _cleaner().clean(nb)
    assert "widgets" not in cleaned["metadata"]
    assert cleaned["cells"][0]["metadata"] == {}
    assert cleaned["cells"][0]["outputs"][0]["data"] == {"text/plain": "Explorer: run this"}


def test_make_notebooks_cleans_after_running() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nnotebooks:", 1)[1].split("\n\n", 1)[0]
    assert "nbconvert" in recipe and ".ci/clean_notebooks.py" in recipe
    assert recipe.index("nbconvert") < recipe.index(".ci/clean_notebooks.py")


# --- narrative that stays true on a researcher's own data folder -------------------------


def _two_responder_studies(folder: Path) -> Path:
    """A copy of the shipped data with a second study reporting responders (made up:
    test data only, never shipped)."""
    import csv
    import shutil

    shutil.copytree(REPO / "data", folder)

    def rewrite(name: str, add) -> None:
        path = folder / name
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        fields = list(rows[0])
        rows += add(rows)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)

    def study(rows):
        copy = dict(next(r for r in rows if r["study_id"] == "dolor2009"))
        copy.update(study_id="testtrial2015", label="Test trial 2015", year="2015")
        for key in ("doi", "pmid"):
            if key in copy:
                copy[key] = ""
        return [copy]

    def results(rows):
        added = []
        for row in rows:
            if row["study_id"] == "dolor2009" and row["outcome"] == "responder":
                copy = dict(row, study_id="testtrial2015")
                copy["result_id"] = row["result_id"].replace("dolor2009", "testtrial2015")
                if copy["events"]:
                    copy["events"] = "40" if copy["arm_role"] == "intervention" else "30"
                    copy["total"] = "100"
                added.append(copy)
        return added

    rewrite("studies.csv", study)
    rewrite("results.csv", results)
    return folder


def test_findings_narrative_stays_true_with_two_responder_studies(tmp_path: Path) -> None:
    import papermill

    from b12explore import load, summaries

    data = _two_responder_studies(tmp_path / "data")
    effects = summaries.forest_table(load(data), outcome="responder", measure="RR")
    assert len(effects) == 2
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(REPO / "notebooks" / "03_findings.ipynb"),
        str(out),
        parameters={"data_dir": str(data), "export_slides": False},
        cwd=str(tmp_path),
        progress_bar=False,
        kernel_name="python3",
    )
    nb = nbformat.read(out, as_version=4)
    text = "\n".join(
        o.get("text", "") + json.dumps(o.get("data", {}))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "2 studies report responders. Pooled risk ratio" in text
    assert "HKSJ interval with t(1) quantiles" in text
    assert "PoolResult(" not in text
    for stale in ("Only one study", "Only\none study", "k = 1", "One study ("):
        assert stale not in text and stale not in prose
    assert _pictures(nb.cells[-1]) == 0  # export_slides=False: no slide export


def test_findings_notebook_as_committed_speaks_of_one_study() -> None:
    # the shipped data has one responder study: the stored text says so, from the data
    cells = _code_cells(REPO / "notebooks" / "03_findings.ipynb")
    text = "".join(_source({"source": o.get("text", "")}) for c in cells for o in c["outputs"])
    assert "One study (DOLOR 2009) reports responders: risk ratio" in text
    assert "PoolResult(" not in text


def test_claims_notebook_shows_every_claim_and_reason_in_full() -> None:
    import html

    from b12explore import load

    claims = load().claims
    cells = _code_cells(REPO / "notebooks" / "04_claims.ipynb")
    stored = "".join(
        "".join(o.get("data", {}).get("text/html", "")) for c in cells for o in c["outputs"]
    )
    readable = html.unescape(re.sub(r"\s+", " ", stored))
    for text in list(claims["claim"].unique()) + list(claims["note"].dropna()):
        assert re.sub(r"\s+", " ", str(text)) in readable, str(text)[:60]
    assert "white-space: normal" in stored
