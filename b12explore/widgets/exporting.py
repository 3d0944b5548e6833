"""The explorer's export row: a folder named after the selection, plain messages, downloads.

- The folder box follows the selection (``exports/route-oral``) until the user types
  another folder, so changing the filters and exporting again just works.
- Files from an earlier export are never replaced silently: the message says how many
  there are, in plain words, and a "Replace them" button appears.
- An empty selection is refused with a message; nothing is written.
- In a dashboard (Voilà, or ``Explorer(dashboard=True)``) there is no folder box: the
  export is written to a fresh temporary folder, packed into a zip, offered as a browser
  download (a ``data:`` link in the page) and the temporary folder is removed. No path
  typed in the page is ever written.

CSS classes: ``b12-export-folder``, ``b12-export-overwrite``, ``b12-export``,
``b12-export-replace``, ``b12-export-message`` (``b12-error`` on failure),
``b12-export-download`` (the download link, in a dashboard).
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
import shutil
import tempfile
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets

__all__ = ["ExportRow", "EmptySelectionError", "in_dashboard", "zip_files"]

EMPTY_MESSAGE = "No studies match the current filters, so there is nothing to export."


class EmptySelectionError(ValueError):
    """The filters keep no study: an export would only hold empty charts."""


def in_dashboard() -> bool:
    """True inside a Voilà kernel (Voilà sets ``SERVER_SOFTWARE=voila/<version>``).

    Examples
    --------
    >>> in_dashboard()
    False
    """
    return os.environ.get("SERVER_SOFTWARE", "").lower().startswith("voila/")


def zip_files(paths: list[Path], root: Path) -> bytes:
    """A zip of ``paths`` (stored relative to ``root``), with fixed dates.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d, "a.txt"); _ = p.write_text("x")
    ...     data = zip_files([p], Path(d))
    >>> zipfile.ZipFile(io.BytesIO(data)).namelist()
    ['a.txt']
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), (2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buf.getvalue()


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def _existing_count(err: FileExistsError, folder: Path) -> int:
    found = re.search(r"(\d+) existing file", str(err))
    if found:
        return int(found.group(1))
    return sum(1 for p in folder.glob("*") if p.is_file()) if folder.is_dir() else 0


class ExportRow:
    """The export widgets and what their buttons do (see the module docstring).

    Parameters
    ----------
    export : callable
        ``export(folder, overwrite)`` writes the current view and returns the paths.
    auto_folder : callable
        The folder named after the current selection.
    folder : str or None
        A fixed starting folder; ``None`` follows the selection.
    dashboard : bool
        Download a zip instead of writing to a folder typed in the page.
    """

    def __init__(
        self,
        export: Callable[[Path, bool], list[Path]],
        auto_folder: Callable[[], str],
        *,
        folder: str | None = None,
        dashboard: bool = False,
    ) -> None:
        self._export = export
        self._auto_folder = auto_folder
        self.dashboard = dashboard
        self._auto = folder is None
        self.folder = widgets.Text(
            value=auto_folder() if folder is None else str(folder),
            description="Folder",
            layout={"width": "420px"},
        ).add_class("b12-export-folder")
        self.folder.observe(self._typed, names="value")
        self.overwrite = widgets.Checkbox(
            value=False, description="Replace existing files", indent=False
        ).add_class("b12-export-overwrite")
        self.button = widgets.Button(
            description="Download current view" if dashboard else "Export current view",
            icon="download",
            button_style="primary",
            layout={"width": "220px"},
        ).add_class("b12-export")
        self.replace = widgets.Button(
            description="Replace them", button_style="warning", layout={"display": "none"}
        ).add_class("b12-export-replace")
        self.message = widgets.HTML().add_class("b12-export-message")
        self.download = widgets.HTML().add_class("b12-export-download")
        self.button.on_click(lambda _b: self.run())
        self.replace.on_click(lambda _b: self.run(overwrite=True))
        self.last_error: Exception | None = None
        self._setting = False
        if dashboard:
            self.folder.layout.display = "none"
            self.overwrite.layout.display = "none"

    # ------------------------------------------------------------ folder box

    def _typed(self, change) -> None:
        if not self._setting:
            self._auto = change["new"] == self._auto_folder()

    def selection_changed(self) -> None:
        """Follow the selection with the folder name, unless the user typed one."""
        self.replace.layout.display = "none"
        if self._auto:
            self._setting = True
            try:
                self.folder.value = self._auto_folder()
            finally:
                self._setting = False

    # ------------------------------------------------------------ actions

    def _say(self, text: str, error: bool = False) -> None:
        if error:
            self.message.add_class("b12-error")
            text = f'<span class="b12-error">{text}</span>'
        else:
            self.message.remove_class("b12-error")
        self.message.value = text

    def run(self, overwrite: bool | None = None) -> list[Path]:
        """Export now (the button does this); the message says what happened."""
        self.replace.layout.display = "none"
        self.download.value = ""
        self._say("Exporting...")
        try:
            if self.dashboard:
                return self._run_download()
            folder = Path(self.folder.value).expanduser()
            replace = self.overwrite.value if overwrite is None else overwrite
            written = self._export(folder, replace)
        except EmptySelectionError as exc:
            self.last_error = exc
            self._say(html.escape(str(exc)), error=True)
            return []
        except FileExistsError as exc:
            self.last_error = exc
            n = _existing_count(exc, folder)
            self._say(
                f"{n:,} file{'s' if n != 1 else ''} from an earlier export "
                f"{'are' if n != 1 else 'is'} already in <code>{html.escape(str(folder))}"
                "</code>. Replace them, or type another folder name.",
                error=True,
            )
            self.replace.layout.display = None
            return []
        except Exception as exc:  # shown in the panel, not lost in a log
            self.last_error = exc
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            self._say(f"Export failed: {html.escape(detail)}", error=True)
            return []
        where = written[0].parent if written else folder.resolve()
        names = ", ".join(p.name for p in written)
        self._say(
            f"Wrote {len(written)} files to <code>{html.escape(str(where))}</code>: "
            f"{html.escape(names)}"
        )
        return written

    def _run_download(self) -> list[Path]:
        name = Path(self._auto_folder()).name
        tmp = Path(tempfile.mkdtemp(prefix="b12explore-export-"))
        try:
            written = self._export(tmp / name, False)
            data = zip_files(written, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        payload = base64.b64encode(data).decode("ascii")
        filename = html.escape(f"b12explore-{name}.zip", quote=True)
        self.download.value = (
            f'<a class="b12-link b12-download" download="{filename}" '
            f'href="data:application/zip;base64,{payload}">Download {filename} '
            f"({len(written)} files, {_size(len(data))})</a>"
        )
        self._say(f"Ready: {len(written)} files packed into one zip. Click the link to save it.")
        return written

    def widgets(self) -> list[Any]:
        """The row's widgets in display order (row, then the messages)."""
        row = widgets.HBox([self.folder, self.overwrite, self.button, self.replace])
        return [row, self.message, self.download]
