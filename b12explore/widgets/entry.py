"""``EntryForm``: add or edit a study or a result row of a data folder, in the notebook.

Built from the folder's ``datapackage.json`` (:func:`b12explore.rows.field_infos`), so a
column or a code added to the descriptor appears here without code changes:

* coded fields -> a dropdown of their labels (``enumLabels``, else the code);
* foreign keys (``results.study_id``) -> a dropdown of the existing keys;
* booleans -> yes / no / empty;
* integers and numbers -> a text box whose placeholder gives the schema's range. Not an
  ``IntText``: those cannot be empty (most numbers are optional) and the bounded boxes
  silently clamp an out-of-range number instead of reporting it;
* multi-value fields (``source_url``, ``outcomes``, ...) -> one value per line;
* URL fields -> a text box, with the link shown in the preview.

Beside each field, the message :func:`b12explore.load` would give for that cell
(:func:`b12explore.validate.check_value`), updated as the user types (once the field was
touched, or for all fields after "Check"). "Check" and "Add"/"Save" also validate the
whole folder with the new row on a staged copy, so cross-field and cross-table rules
(``n_analysed <= n_enrolled``, unique keys, foreign keys) show beside their fields too.
Writing is atomic with a backup (:mod:`b12explore.rows`); nothing is written while any
problem remains, and the shipped ``data/`` is refused unless ``allow_shipped=True``.

CSS classes: ``b12-entry`` (panel), ``b12-entry-tabs``, ``b12-row-form`` and
``b12-form-TABLE`` (each table's form: ``b12-form-studies``, ``b12-form-results``),
``b12-entry-mode`` (new row / edit a row), ``b12-field-NAME`` (each control),
``b12-problem-NAME`` (its message), ``b12-entry-preview``, ``b12-entry-check``,
``b12-entry-submit``,
``b12-entry-status`` (gets ``b12-error`` on failure), ``b12-entry-problems`` (problems
not tied to a field, e.g. in another table), ``b12-result-kind``,
``b12-refs-upload``, ``b12-refs-import``, ``b12-refs-status``, ``b12-entry-candidate``.

Examples
--------
>>> import shutil, tempfile
>>> from b12explore.schema import repo_data_dir
>>> folder = shutil.copytree(repo_data_dir(), tempfile.mkdtemp() + "/data")
>>> form = EntryForm(folder)
>>> form.study.controls["design"].options[1][1]  # (label from enumLabels, code)
'rct'
>>> form.study.submit()  # nothing typed yet: every required field says so
False
>>> form.study.problems["title"], "n_enrolled" in form.study.problems
('required', False)
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import ipywidgets as widgets

from .. import rows
from ..errors import DataValidationError
from ..schema import read_descriptor, resources
from .rowform import EMPTY, RowForm  # noqa: F401 (RowForm re-exported)

__all__ = ["EntryForm", "RowForm"]

#: results.csv fields shown only for one kind of result row (others always shown).
RESULT_KINDS = {
    "arm data": {"n", "mean", "sd", "events", "total", "arm_label"},
    "reported estimate": {"effect_measure", "estimate", "ci_low", "ci_high", "p_operator"},
}


class EntryForm:
    """Add or edit studies and result rows of a data folder; import references.

    Parameters
    ----------
    folder : str or Path
        The data folder to change (a copy of ``data/``, or your own).
    allow_shipped : bool, default False
        Allow writing into the repository's shipped ``data/`` (refused otherwise).

    Attributes
    ----------
    study, result : RowForm
        The studies form and the result-row form (``result.kind`` chooses arm data or
        a reported estimate).
    candidate : Dropdown
        Start a study from an imported reference (``import-refs`` candidates).
    panel : ipywidgets.VBox

    Examples
    --------
    See the module docstring; in a notebook, end a cell with ``EntryForm(folder)``.
    """

    def __init__(self, folder: str | os.PathLike, *, allow_shipped: bool = False) -> None:
        self.folder = Path(folder)
        rows.check_writable(self.folder, allow_shipped)
        self.allow_shipped = allow_shipped
        self.study = RowForm(folder, "studies", allow_shipped=allow_shipped, on_write=self._wrote)
        self.result = RowForm(folder, "results", allow_shipped=allow_shipped, on_write=self._wrote)
        self._build_result_kind()
        self._build_candidates()
        self._build_refs()
        self.tabs = widgets.Tab(
            [self.study.panel, self.result.panel, self.refs_box],
            titles=["Study", "Result", "Import references"],
        ).add_class("b12-entry-tabs")
        note = widgets.HTML(f"Data folder: <code>{html.escape(str(self.folder))}</code>")
        self.panel = widgets.VBox([note, self.tabs]).add_class("b12-entry")

    def _repr_mimebundle_(self, **kwargs):
        return self.panel._repr_mimebundle_(**kwargs)

    def _wrote(self, form: RowForm) -> None:
        other = self.result if form is self.study else self.study
        other.refresh_choices()
        self._refresh_candidates()

    # ------------------------------------------------------------ results
    def _build_result_kind(self) -> None:
        self.result_kind = widgets.ToggleButtons(
            options=list(RESULT_KINDS), value="arm data", description="Kind"
        ).add_class("b12-result-kind")
        self.result_kind.observe(lambda _c: self._on_kind(), names="value")
        self.result.header.children = [self.result.mode, self.result_kind]
        self.result.mode.observe(lambda _c: self._kind_of_row(), names="value")
        self._on_kind()

    def _kind_of_row(self) -> None:
        """Editing a row: show the fields of its kind (comparison rows: an estimate)."""
        role = self.result.controls.get("arm_role")
        if self.result.mode.value and role is not None:
            estimate = role.value == "comparison"
            self.result_kind.value = "reported estimate" if estimate else "arm data"

    def _on_kind(self) -> None:
        kind = self.result_kind.value
        hidden = set().union(*(f for k, f in RESULT_KINDS.items() if k != kind))
        hidden &= set(self.result.controls)
        self.result.hidden = hidden
        for name, box in self.result.boxes.items():
            box.layout.display = "none" if name in hidden else None
        role = self.result.controls.get("arm_role")
        if role is not None and not self.result.mode.value:
            codes = [v for _, v in role.options]
            if kind == "reported estimate" and "comparison" in codes:
                role.value = "comparison"
            elif role.value == "comparison":
                role.value = ""
        self.result._refresh()

    # ------------------------------------------------------------ candidates
    def _candidates(self) -> list[dict[str, str]]:
        from ..refs import CANDIDATES

        res = resources(read_descriptor(self.folder)).get(CANDIDATES)
        if res is None:
            return []
        text = rows.read_table_text(self.folder, res)
        found = [text.row_dict(i) for i in range(len(text.records))]
        return [r for r in found if r.get("status") == "to_complete"]

    def _build_candidates(self) -> None:
        self.candidate = widgets.Dropdown(description="From", layout={"width": "420px"})
        self.candidate.add_class("b12-entry-candidate")
        self.candidate.observe(lambda _c: self.study._guard(self._use_candidate), names="value")
        self.study.header.children = [self.study.mode, self.candidate]
        self.study.extra_changes = self._candidate_change
        self._refresh_candidates()

    def _refresh_candidates(self) -> None:
        options = [("(a new study, typed here)", "")]
        for row in self._candidates():
            title = row.get("title", "")[:60]
            options.append((f"{row.get('first_author', '')} {row.get('year', '')}: {title}", row))
        self.candidate.options = [(label, i) for i, (label, _) in enumerate(options)]
        self._candidate_rows = [row for _, row in options]
        self.candidate.value = 0

    def _use_candidate(self) -> None:
        row = self._candidate_rows[self.candidate.value] if self._candidate_rows else ""
        if row:
            self.study.mode.value = ""
            self.study.set_values({k: v for k, v in row.items() if v})
            self.study.touched.update(k for k, v in row.items() if v and k in self.study.controls)
            self.study._refresh()

    def _candidate_change(self, values: dict[str, str]) -> dict[str, bytes]:
        from ..refs import CANDIDATES

        row = self._candidate_rows[self.candidate.value] if self.candidate.options else ""
        if not row or self.study.mode.value:
            return {}
        update = {"status": "added", "study_id": values.get("study_id", "")}
        name, data, _ = rows.row_change(self.folder, CANDIDATES, update, row["candidate_id"])
        return {name: data}

    # ------------------------------------------------------------ references
    def _build_refs(self) -> None:
        self.upload = widgets.FileUpload(accept=".ris,.bib,.nbib,.txt", multiple=False)
        self.upload.add_class("b12-refs-upload")
        self.import_button = widgets.Button(description="Import references")
        self.import_button.add_class("b12-refs-import")
        self.import_button.on_click(lambda _b: self.study._guard(self.import_uploaded))
        self.refs_status = widgets.HTML().add_class("b12-refs-status")
        help_text = widgets.HTML(
            "A RIS, BibTeX or PubMed (.nbib) file becomes candidate rows (to be completed "
            "in the Study tab, “From”); references already in the folder (same DOI, PMID "
            "or title) are skipped."
        )
        self.refs_box = widgets.VBox(
            [help_text, widgets.HBox([self.upload, self.import_button]), self.refs_status]
        )

    def import_file(self, name: str, content: bytes) -> str:
        """Import a reference file's ``content`` (``name`` gives the format); the
        outcome in words (also shown under the button)."""
        from ..refs import RefsError, import_refs

        try:
            report = import_refs(
                content, into=self.folder, name=name, allow_shipped=self.allow_shipped
            )
        except (RefsError, DataValidationError, OSError) as exc:
            self.refs_status.value = f'<span class="b12-error">{html.escape(str(exc))}</span>'
            return str(exc)
        self.study.descriptor = read_descriptor(self.folder)
        self._refresh_candidates()
        self.refs_status.value = html.escape(report.summary())
        return report.summary()

    def import_uploaded(self) -> str:
        """Import the file chosen in the upload control."""
        if not self.upload.value:
            self.refs_status.value = "Choose a .ris, .bib or .nbib file first."
            return ""
        item = self.upload.value[0]
        return self.import_file(item["name"], bytes(item["content"]))
