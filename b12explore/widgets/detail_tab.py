"""The explorer's Study detail tab: a study picker and the detail HTML.

A mixin of :class:`~b12explore.widgets.panel.Explorer` (split out to keep modules small).
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from .detail import DETAIL_CSS, study_detail_html
from .explain import empty_reason
from .table import _sort_studies

__all__: list[str] = []


class _DetailMixin:
    """``_build_detail``, ``show_study`` and the picker of the Explorer."""

    def _build_detail(self) -> None:
        self.study_picker = widgets.Dropdown(
            description="Study", layout={"width": "520px"}
        ).add_class("b12-study-picker")
        self.study_detail = widgets.HTML().add_class("b12-study-detail")
        self.study_picker.observe(lambda _c: self._guard(self._render_detail), names="value")
        box = widgets.VBox([self.study_picker, widgets.HTML(DETAIL_CSS), self.study_detail])
        self.tabs.children = (*self.tabs.children, box)
        self.tabs.set_title(len(self.tabs.children) - 1, "Study detail")
        self._tab_views.append([])
        self._detail_drawn: Any = None

    def show_study(self, study_id: str) -> None:
        """Open the Study detail tab on ``study_id`` (one of the filtered studies).

        Examples
        --------
        >>> from b12explore import Explorer, load
        >>> explorer = Explorer(load())
        >>> explorer.show_study("chiu2011")
        >>> "Chiu 2011" in explorer.study_detail.value
        True
        """
        self._update_picker()
        self.study_picker.value = study_id
        self.tabs.selected_index = len(self.tabs.children) - 1
        self._render_detail()

    def _update_picker(self) -> None:
        studies = _sort_studies(self._filtered.studies, "Study (A-Z)")
        options = [
            (f"{label} ({sid})" if not isinstance(label, str) else str(label), str(sid))
            for label, sid in zip(studies["label"], studies["study_id"], strict=True)
        ]
        if tuple(options) != tuple(self.study_picker.options):
            keep = self.study_picker.value
            self.study_picker.options = options
            ids = [v for _l, v in options]
            self.study_picker.value = keep if keep in ids else (ids[0] if ids else None)

    def _render_detail(self) -> None:
        self._update_picker()
        key = (self._ids, self.study_picker.value)
        if key == self._detail_drawn:
            return
        if self.study_picker.value is None:
            text = empty_reason(self._filtered, self._state, "table")
            self.study_detail.value = f'<div class="b12-detail">{html.escape(text)}</div>'
        else:
            self.study_detail.value = study_detail_html(self._filtered, self.study_picker.value)
        self._detail_drawn = key
