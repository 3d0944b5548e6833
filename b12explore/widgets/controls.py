"""The explorer's filter controls: building them, and state <-> control values.

A mixin of :class:`~b12explore.widgets.panel.Explorer` (split out to keep modules small).
"""

from __future__ import annotations

import ipywidgets as widgets

from ..filters import CODED, FilterState, filter_codes

__all__: list[str] = []

#: Controls whose value is the filter's value, and those that show ``None`` as "any".
_AS_IS = (
    "routes",
    "forms",
    "designs",
    "risk_of_bias",
    "comparisons",
    "certainty",
    "min_n",
    "other_b_vitamins",
    "co_interventions",
    "text",
)
_OR_ANY = ("deficiency_required", "outcome")


class _ControlsMixin:
    """``_build_controls``, ``_write_controls`` and ``_read_controls`` of the Explorer."""

    def _options(self, name: str) -> list[tuple[str, str]]:
        """(label, code) of a coded filter, from the evidence's descriptor.

        A field the descriptor does not code offers the values found in the data.
        """
        field, table = CODED[name]
        codes = filter_codes(self.evidence.vocab, name)
        if codes is None:
            column = self.evidence.table(table).get(field, [])
            codes = tuple(sorted({str(v) for v in column if isinstance(v, str)}))
        return list(zip(self.evidence.vocab.labels_for(field, codes), codes, strict=True))

    def _build_controls(self) -> None:
        studies = self.evidence.studies
        years = studies["year"].dropna().astype(int)
        self._year_span = (int(years.min()), int(years.max())) if len(years) else (1950, 2030)
        c: dict[str, widgets.Widget] = {}

        def multi(
            name: str, description: str, css: str, width: int = 260
        ) -> widgets.SelectMultiple:
            options = self._options(name)
            w = widgets.SelectMultiple(
                options=options,
                rows=len(options),
                description=description,
                layout={"width": f"{width}px"},
            )
            return w.add_class(css)

        c["routes"] = multi("routes", "Route", "b12-route")
        c["forms"] = multi("forms", "B12 form", "b12-form")
        c["designs"] = multi("designs", "Design", "b12-design")
        c["risk_of_bias"] = multi("risk_of_bias", "Risk of bias", "b12-risk-of-bias")
        # the comparisons' labels are long: a wider list, so they are not cut off
        c["comparisons"] = multi("comparisons", "Compared", "b12-comparison", width=380)
        c["certainty"] = multi("certainty", "Certainty", "b12-certainty")
        c[
            "certainty"
        ].tooltip = "Studies behind a GRADE rating (comparison x outcome) at these levels"
        c["year_range"] = widgets.IntRangeSlider(
            value=self._year_span,
            min=self._year_span[0],
            max=self._year_span[1],
            description="Years",
            continuous_update=False,
            layout={"width": "340px"},
        ).add_class("b12-years")
        c["min_n"] = widgets.IntText(
            value=0, description="Min. n", continuous_update=False
        ).add_class("b12-min-n")
        c["deficiency_required"] = widgets.Dropdown(
            options=[("Any", "any"), *self._options("deficiency_required")],
            value="any",
            description="Deficient",
        ).add_class("b12-deficiency")
        c["outcome"] = widgets.Dropdown(
            options=[("Any", "any"), *self._options("outcome")],
            value="any",
            description="Outcome",
        ).add_class("b12-outcome")
        toggle = {"options": [("Any", "any"), ("With", "with"), ("Without", "without")]}
        c["other_b_vitamins"] = widgets.ToggleButtons(
            **toggle, value="any", description="Other B"
        ).add_class("b12-other-b")
        c["co_interventions"] = widgets.ToggleButtons(
            **toggle, value="any", description="Co-interv."
        ).add_class("b12-co-interventions")
        c["text"] = widgets.Text(
            value="",
            description="Search",
            placeholder="words in titles and labels",
            continuous_update=False,
        ).add_class("b12-text")
        for w in c.values():
            w.style.description_width = "80px"
            w.observe(self._on_control, names="value")
        for name in ("other_b_vitamins", "co_interventions"):
            c[name].style.button_width = "76px"
        self.controls = c
        self.reset_button = widgets.Button(description="Reset filters", icon="undo")
        self.reset_button.add_class("b12-reset")
        self.reset_button.on_click(lambda _b: self._guard(self.reset))
        self.status = widgets.HTML().add_class("b12-status")
        self.message = widgets.HTML().add_class("b12-message")

    def _write_controls(self, state: FilterState) -> None:
        """Show ``state`` in the controls without triggering a redraw per control."""
        c = self.controls
        lo, hi = self._year_span
        years = state.year_range or (lo, hi)
        values = {name: getattr(state, name) for name in _AS_IS}
        values |= {name: getattr(state, name) or "any" for name in _OR_ANY}
        values["year_range"] = (min(max(years[0], lo), hi), max(min(years[1], hi), lo))
        self._quiet = True
        try:
            for name, value in values.items():
                c[name].value = value
        finally:
            self._quiet = False

    def _read_controls(self) -> FilterState:
        c = self.controls
        years = tuple(c["year_range"].value)
        return FilterState.from_values(
            **{name: c[name].value for name in (*_AS_IS, *_OR_ANY)},
            year_range=None if years == self._year_span else years,
        )
