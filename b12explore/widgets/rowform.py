"""``RowForm``: one table's form (add a row or edit one), used by :class:`EntryForm`.

See :mod:`b12explore.widgets.entry` for the controls, the checks and the CSS classes.
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

__all__ = ["RowForm"]

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

    Examples
    --------
    >>> import shutil, tempfile
    >>> from b12explore.schema import repo_data_dir
    >>> folder = shutil.copytree(repo_data_dir(), tempfile.mkdtemp() + "/data")
    >>> form = RowForm(folder, "results")
    >>> form.controls["n"].value = "0"
    >>> form.problems["n"]
    'expected an integer >= 1, got "0"'
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
        self.general = widgets.HTML().add_class("b12-entry-problems")  # not tied to a field
        self.check_button = widgets.Button(description="Check").add_class("b12-entry-check")
        self.submit_button = widgets.Button(description="Add", button_style="primary")
        self.submit_button.add_class("b12-entry-submit")
        self.check_button.on_click(lambda _b: self._guard(self.check))
        self.submit_button.on_click(lambda _b: self._guard(self.submit))
        self.header = widgets.VBox([self.mode])
        self.fields_box = widgets.VBox(list(self.boxes.values()))
        buttons = widgets.HBox([self.check_button, self.submit_button])
        self.panel = widgets.VBox(
            [self.header, self.fields_box, buttons, self.status, self.general, self.preview]
        ).add_class("b12-row-form")
        self.panel.add_class(f"b12-form-{self.table}")

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
        """The cell text field ``name`` would be written as (a line break typed in a
        text box becomes a space: one record stays one line of the CSV file)."""
        if name in self.hidden:
            return ""
        value = self.controls[name].value
        info = self.infos[name]
        if info.kind == "multi":
            return info.separator.join(v.strip() for v in str(value).splitlines() if v.strip())
        text = str(value or "").strip()
        return " ".join(text.split()) if "\n" in text or "\r" in text else text

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
        lines = [html.escape(line) for line in problems.get("", "").splitlines()]
        self.general.value = (
            '<div style="color:#b00020">' + "<br>".join(lines) + "</div>" if lines else ""
        )
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
            labels = {code: label for label, code in self.infos[name].choices}
            if text in labels and labels[text] != text:
                shown = f"{html.escape(labels[text])} <code>{shown}</code>"
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
