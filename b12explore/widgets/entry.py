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

CSS classes: ``b12-entry`` (panel), ``b12-entry-tabs``, ``b12-row-form``, ``b12-entry-mode``
(new row / edit a row), ``b12-field-NAME`` (each control), ``b12-problem-NAME`` (its
message), ``b12-entry-preview``, ``b12-entry-check``, ``b12-entry-submit``,
``b12-entry-status`` (gets ``b12-error`` on failure), ``b12-result-kind``,
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
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path

import ipywidgets as widgets

from .. import rows
from ..errors import DataValidationError
from ..schema import key_fields, read_descriptor, resources

__all__ = ["EntryForm", "RowForm"]

#: results.csv fields shown only for one kind of result row (others always shown).
RESULT_KINDS = {
    "arm data": {"n", "mean", "sd", "events", "total", "arm_label"},
    "reported estimate": {"effect_measure", "estimate", "ci_low", "ci_high", "p_operator"},
}
LONG_TEXT = 60  # characters: longer existing values on average -> a Textarea
EMPTY = ("—", "")


def _range_hint(info: rows.FieldInfo) -> str:
    from ..validate import describe_field

    return describe_field(info.field) + ("" if info.required else " (empty: not reported)")


class RowForm:
    """A form for one table of a data folder: add a row or edit an existing one.

    Parameters
    ----------
    folder : str or Path
        The data folder (with ``datapackage.json``).
    table : str
        Resource name, e.g. ``"studies"`` or ``"results"``.
    allow_shipped : bool, default False
        Allow writing into the repository's shipped ``data/``.
    on_write : callable, optional
        Called with this form after each successful write.

    Attributes
    ----------
    controls, messages : dict of str to Widget
        The control and the message line of each field, by field name.
    mode : Dropdown
        ``""`` for a new row, else the key of the row being edited.
    preview, status : HTML
    problems : dict of str to str
        The messages now shown, by field (``""``: problems not tied to a field).
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        table: str,
        *,
        allow_shipped: bool = False,
        on_write: Callable[[RowForm], None] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.table = table
        self.allow_shipped = allow_shipped
        self.on_write = on_write
        self.extra_changes: Callable[[dict[str, str]], dict[str, bytes]] | None = None
        self.descriptor = read_descriptor(self.folder)
        self.resource = resources(self.descriptor)[table]
        self.infos = {i.name: i for i in rows.field_infos(self.descriptor, table)}
        self.key = key_fields(self.resource["schema"].get("primaryKey"))
        self.missing = tuple(self.resource["schema"].get("missingValues", [""]))
        self.touched: set[str] = set()
        self.show_all = False
        self.hidden: set[str] = set()
        self.problems: dict[str, str] = {}
        self.last_error: Exception | None = None
        self._filling = False
        self._quiet = False
        self._build()
        self.refresh_choices()

    # ------------------------------------------------------------ building
    def _control(self, info: rows.FieldInfo, long: bool) -> widgets.Widget:
        layout = {"width": "420px"}
        if info.kind == "enum":
            return widgets.Dropdown(options=[EMPTY, *info.choices], value="", layout=layout)
        if info.kind == "boolean":
            options = [EMPTY, ("yes", "true"), ("no", "false")]
            return widgets.Dropdown(options=options, value="", layout=layout)
        if info.kind == "reference":
            return widgets.Dropdown(options=[EMPTY], value="", layout=layout)
        if info.kind == "multi":
            hint = "one per line" + ("" if info.required else " (may be empty)")
            return widgets.Textarea(placeholder=hint, rows=2, layout=layout)
        if info.kind in ("integer", "number"):
            return widgets.Text(placeholder=_range_hint(info), layout=layout)
        if long:
            return widgets.Textarea(rows=3, layout=layout)
        placeholder = "https://..." if info.url else ("required" if info.required else "")
        return widgets.Text(placeholder=placeholder, layout=layout)

    def _build(self) -> None:
        lengths = self._mean_lengths()
        self.controls: dict[str, widgets.Widget] = {}
        self.messages: dict[str, widgets.HTML] = {}
        self.boxes: dict[str, widgets.HBox] = {}
        for name, info in self.infos.items():
            control = self._control(info, lengths.get(name, 0) > LONG_TEXT)
            control.add_class(f"b12-field-{name}")
            control.observe(lambda change, n=name: self._on_change(n), names="value")
            label = widgets.HTML(
                f"<b>{html.escape(info.title)}</b>{' *' if info.required else ''}",
                layout={"width": "170px"},
            )
            label.tooltip = info.description
            message = widgets.HTML(layout={"width": "360px"}).add_class(f"b12-problem-{name}")
            self.controls[name] = control
            self.messages[name] = message
            self.boxes[name] = widgets.HBox([label, control, message])
        self.mode = widgets.Dropdown(description="Row", layout={"width": "420px"})
        self.mode.add_class("b12-entry-mode")
        self.mode.observe(lambda _c: self._guard(self._on_mode), names="value")
        self.preview = widgets.HTML().add_class("b12-entry-preview")
        self.status = widgets.HTML().add_class("b12-entry-status")
        self.check_button = widgets.Button(description="Check").add_class("b12-entry-check")
        self.submit_button = widgets.Button(description="Add", button_style="primary")
        self.submit_button.add_class("b12-entry-submit")
        self.check_button.on_click(lambda _b: self._guard(self.check))
        self.submit_button.on_click(lambda _b: self._guard(self.submit))
        self.header = widgets.VBox([self.mode])
        self.fields_box = widgets.VBox(list(self.boxes.values()))
        buttons = widgets.HBox([self.check_button, self.submit_button])
        self.panel = widgets.VBox(
            [self.header, self.fields_box, buttons, self.status, self.preview]
        ).add_class("b12-row-form")

    def _mean_lengths(self) -> dict[str, float]:
        text = rows.read_table_text(self.folder, self.resource)
        out = {}
        for i, name in enumerate(text.header):
            cells = [r[2][i] for r in text.records if i < len(r[2]) and r[2][i]]
            out[name] = sum(map(len, cells)) / len(cells) if cells else 0
        return out

    def refresh_choices(self) -> None:
        """Re-read the keys offered for editing and by foreign-key dropdowns."""
        text = rows.read_table_text(self.folder, self.resource)
        keys = []
        for i in range(len(text.records)):
            row = text.row_dict(i)
            keys.append(", ".join(row.get(k, "") for k in self.key))
        current = self.mode.value
        self._quiet = True
        try:
            self.mode.options = [("New row", "")] + [(f"Edit {k}", k) for k in keys]
            self.mode.value = current if current in keys else ""
        finally:
            self._quiet = False
        for name, info in self.infos.items():
            if info.kind != "reference":
                continue
            target = resources(self.descriptor).get(info.reference[0])
            if target is None:
                continue
            ref = rows.read_table_text(self.folder, target)
            values = [ref.row_dict(i).get(info.reference[1], "") for i in range(len(ref.records))]
            control = self.controls[name]
            keep = control.value
            self._filling = True
            try:
                control.options = [EMPTY, *[(v, v) for v in values if v]]
                control.value = keep if keep in values else ""
            finally:
                self._filling = False

    # ------------------------------------------------------------ values
    def text_of(self, name: str) -> str:
        """The cell text field ``name`` would be written as."""
        if name in self.hidden:
            return ""
        value = self.controls[name].value
        info = self.infos[name]
        if info.kind == "multi":
            return info.separator.join(v.strip() for v in str(value).splitlines() if v.strip())
        return str(value or "").strip()

    def values(self) -> dict[str, str]:
        """Cell texts by column name, as they would be written."""
        return {name: self.text_of(name) for name in self.controls}

    def set_values(self, values: Mapping[str, str]) -> None:
        """Fill the controls from cell texts (unknown names are ignored)."""
        self._filling = True
        try:
            for name, text in values.items():
                if name not in self.controls:
                    continue
                info, control = self.infos[name], self.controls[name]
                text = "" if text is None else str(text).strip()
                if info.kind == "multi":
                    text = "\n".join(rows.split_multi(text, info.separator))
                if isinstance(control, widgets.Dropdown):
                    codes = [v for _, v in control.options]
                    if text not in codes:  # keep an unknown code visible: it will be reported
                        control.options = [*control.options, (text, text)]
                control.value = text
        finally:
            self._filling = False
        self._refresh()

    def clear(self) -> None:
        """Empty every field (a new row)."""
        self.set_values(dict.fromkeys(self.controls, ""))
        self.touched.clear()
        self.show_all = False
        self._refresh()

    def edit(self, key: str) -> None:
        """Load the row whose primary key is ``key`` (``", "``-joined when composite)."""
        self.mode.value = key

    # ------------------------------------------------------------ checking
    def field_problems(self) -> dict[str, str]:
        """Per-cell problems (as ``load()`` would report them) of the visible fields."""
        out = {}
        for name, info in self.infos.items():
            if name in self.hidden:
                continue
            text = self.text_of(name)
            message = info.check(text, self.missing)
            if message and info.required and text in self.missing:
                message = "required"
            if message:
                out[name] = message
        return out

    def _change(self) -> tuple[dict[str, bytes], int]:
        key = self.mode.value or None
        if key is not None and len(self.key) > 1:
            key = tuple(key.split(", "))
        name, data, line = rows.row_change(self.folder, self.table, self.values(), key)
        changes = {name: data}
        if self.extra_changes is not None:
            changes.update(self.extra_changes(self.values()))
        return changes, line

    def check(self) -> bool:
        """Check every field and the whole folder with this row; show the messages."""
        self.show_all = True
        problems = self.field_problems()
        if not problems:
            changes, line = self._change()
            for p in rows.staged_problems(self.folder, changes):
                mine = Path(p.file).name == self.resource["path"] and p.line == line
                if mine and p.column in self.controls:
                    problems.setdefault(p.column, str(p).split(": ", 1)[-1])
                else:
                    problems[""] = (problems.get("", "") + "\n" + str(p)).strip()
        self._show(problems)
        if problems:
            n = len(problems)
            self._status(f"{n} problem{'s' if n != 1 else ''}: nothing written", error=True)
        else:
            self._status("No problems: ready to write.")
        return not problems

    def submit(self) -> bool:
        """Add the row (or save the edited row) if nothing is wrong; True when written."""
        rows.check_writable(self.folder, self.allow_shipped)
        if not self.check():
            return False
        changes, _ = self._change()
        try:
            written = rows.apply_changes(self.folder, changes, allow_shipped=self.allow_shipped)
        except DataValidationError as exc:  # changed on disk since the check
            self._show({"": str(exc)})
            self._status("Problems: nothing written", error=True)
            return False
        except OSError as exc:
            self.last_error = exc
            self._status(f"Writing failed, the previous files are kept: {exc}", error=True)
            return False
        names = ", ".join(p.name for p in written)
        verb = "Saved" if self.mode.value else "Added"
        key = ", ".join(self.values().get(k, "") for k in self.key)
        self.refresh_choices()
        self.mode.value = key  # now editing the row just written (read back from the file)
        self._status(f"{verb} {key} ({names}; previous file kept as .bak).")
        if self.on_write is not None:
            self.on_write(self)
        return True

    # ------------------------------------------------------------ events
    def _on_change(self, name: str) -> None:
        if self._filling:
            return
        self.touched.add(name)
        self._refresh()

    def _on_mode(self) -> None:
        if self._quiet:
            return
        key = self.mode.value
        self.touched.clear()
        self.show_all = False
        if not key:
            self.set_values(dict.fromkeys(self.controls, ""))
            self.submit_button.description = "Add"
        else:
            text = rows.read_table_text(self.folder, self.resource)
            index = text.find(self.key, tuple(key.split(", ")))
            self.set_values(text.row_dict(index))
            self.submit_button.description = "Save changes"
        self._status("")

    def _refresh(self) -> None:
        problems = self.field_problems()
        shown = {n: m for n, m in problems.items() if self.show_all or n in self.touched}
        self._show(shown)
        self._preview()

    def _show(self, problems: dict[str, str]) -> None:
        self.problems = problems
        for name, message in self.messages.items():
            text = problems.get(name, "")
            message.value = (
                f'<span style="color:#b00020">{html.escape(text)}</span>' if text else ""
            )

    def _preview(self) -> None:
        cells = []
        for name, text in self.values().items():
            if not text:
                continue
            shown = html.escape(text)
            if self.infos[name].url:
                from .table import safe_href

                links = rows.split_multi(text, self.infos[name].separator or " | ")
                shown = " | ".join(
                    f'<a href="{html.escape(h)}" target="_blank" rel="noopener noreferrer">'
                    f"{html.escape(u)}</a>"
                    if (h := safe_href(u))
                    else html.escape(u)
                    for u in links
                )
            cells.append(
                f"<tr><th>{html.escape(self.infos[name].title)}</th><td>{shown}</td></tr>"
            )
        body = "".join(cells) or "<tr><td>(empty row)</td></tr>"
        self.preview.value = f"<b>Preview</b><table class='b12-table'>{body}</table>"

    def _status(self, text: str, error: bool = False) -> None:
        self.status.value = html.escape(text)
        if error:
            self.status.add_class("b12-error")
        else:
            self.status.remove_class("b12-error")

    def _guard(self, action: Callable[[], object]) -> None:
        try:
            action()
        except Exception as exc:  # shown in the panel: callback errors are invisible in Lab
            self.last_error = exc
            self._status(f"{type(exc).__name__}: {exc}", error=True)
            traceback.print_exc()


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
