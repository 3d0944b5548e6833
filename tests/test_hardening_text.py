"""Text from the data is drawn literally in every chart, and every exported SVG is XML.

Issue 15: a label ``Costs $5 and $10`` was drawn as mathtext (italic "Costs 5and10"),
``$\\foo$`` or a nested ``$\\sqrt{...}$`` made every chart fail, and control characters in a
title made exported SVG files invalid XML. The charts make their text literal in one place
(``charts._base.literal_text``, called by ``new_axes``); control characters are dropped by
``b12explore.textsafe``, on the chart text and again on the SVG output.

The evidence here is the shipped data with nasty text put into the frames *after* loading
(validation rejects control characters at load time; this tests the second line of defence).
"""

from __future__ import annotations

import importlib
import pickle
import xml.etree.ElementTree as ET

import pytest
from matplotlib.figure import Figure

from b12explore import charts, load, textsafe
from b12explore.charts import _base

DOLLARS = "Costs $5 and $10"
MACRO = r"$\foo$ trial"
NESTED = r"$\sqrt{$\sqrt{x}$}$"  # short: long labels are truncated with an ellipsis
CONTROL = "Ctrl\x01\x0b\x1b[31m\x00 title"
NASTY = [DOLLARS, MACRO, NESTED, CONTROL, r"100% \$ sign", "a_b^c {x} #1 & <b>"]
SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "t"}


def _render_figure():
    try:
        return importlib.import_module("b12explore.export.render").render_figure
    except ImportError:  # before the export/ subpackage move
        return importlib.import_module("b12explore.render").render_figure


def _export_view():
    export = importlib.import_module("b12explore.export")
    if hasattr(export, "export_view"):
        return export.export_view
    return importlib.import_module("b12explore.slides").export_view


@pytest.fixture(scope="module")
def nasty():
    """The shipped evidence with every drawn text column replaced by nasty strings."""
    ev = load()
    s, r = ev.studies, ev.results

    def cycle(n, offset=0):
        return [f"{NASTY[(i + offset) % len(NASTY)]} {i}" for i in range(n)]

    for col, off in (("label", 0), ("first_author", 1), ("title", 2), ("summary", 3)):
        if col in s.columns:
            s[col] = cycle(len(s), off)
    for col, off in (("outcome_label", 1), ("arm_label", 2), ("timepoint", 0)):
        if col in r.columns:
            r[col] = cycle(len(r), off)
    d = ev.delivery_routes
    if "description" in d.columns:
        d["description"] = cycle(len(d), 3)
    return ev


def svg_texts(svg: bytes) -> str:
    root = ET.fromstring(svg)  # raises ParseError for invalid XML
    return "\n".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))


def test_literal_text_keeps_figure_repr_and_pickles():
    fig = Figure()
    ax = _base.new_axes(fig.add_subplot())
    ax.set_title(DOLLARS)
    assert repr(fig).startswith("<Figure size")
    again = pickle.loads(pickle.dumps(fig))
    assert type(again) is type(fig)
    again.canvas.draw()
    assert again.axes[0].title.get_parse_math() is False


def test_dollar_label_is_drawn_as_written():
    import matplotlib

    ax = _base.new_axes(None)
    ax.set_title(DOLLARS)
    ax.set_xticks([0, 1], labels=[MACRO, NESTED])
    ax.set_ylabel(CONTROL)
    fig = ax.figure
    import io

    buf = io.BytesIO()
    with matplotlib.rc_context(SVG_RC):
        fig.savefig(buf, format="svg")
    texts = svg_texts(buf.getvalue())
    assert DOLLARS in texts
    assert MACRO in texts and NESTED in texts
    assert textsafe.clean_text(CONTROL) in texts


def test_categorical_tick_labels_made_at_draw_time_are_literal():
    import io

    import matplotlib

    ax = _base.new_axes(None)
    ax.bar([DOLLARS, NESTED], [1, 2])  # string categories: labels made by the formatter
    buf = io.BytesIO()
    with matplotlib.rc_context(SVG_RC):
        ax.figure.savefig(buf, format="svg")
    texts = svg_texts(buf.getvalue())
    assert DOLLARS in texts and NESTED in texts


def test_control_characters_in_draw_time_tick_labels_are_dropped():
    """Category labels are made by the formatter during the draw: cleaned there too."""
    import io

    import matplotlib

    ax = _base.new_axes(None)
    ax.bar(["a\x01b", "lone \ud800 surrogate", "c\x1bd"], [1, 2, 3])
    formatter = ax.xaxis.get_major_formatter()
    for fmt in ("svg", "png", "pdf"):
        buf = io.BytesIO()
        with matplotlib.rc_context(SVG_RC):
            ax.figure.savefig(buf, format=fmt)  # raw savefig: no output-side cleaning
        if fmt == "svg":
            texts = svg_texts(buf.getvalue())
            assert "ab" in texts and "lone  surrogate" in texts and "cd" in texts
    assert ax.xaxis.get_major_formatter() is formatter  # the wrapper is only for the draw


def test_every_slide_chart_renders_nasty_labels_literally(nasty):
    render_figure = _render_figure()
    built = charts.slide_charts(nasty)
    assert len(built) >= 9
    seen = set()
    for chart in built:
        out = render_figure(chart.figure, ["svg", "png"], dpi=40, caption=DOLLARS)
        assert out["png"].startswith(b"\x89PNG"), chart.name
        texts = svg_texts(out["svg"])  # valid XML
        assert DOLLARS in texts, chart.name  # the caption, at least
        flat = "".join(texts.split())  # long labels may be wrapped onto several lines
        for s in NASTY:
            if "".join(s.split()) in flat:
                seen.add(s)
        assert "\x01" not in texts and "\x1b" not in texts, chart.name
    # the study labels reached the charts as written
    assert {DOLLARS, MACRO, NESTED} <= seen


def test_every_exported_svg_parses_as_xml(nasty, tmp_path):
    export_view = _export_view()
    written = export_view(nasty, tmp_path / "out", formats=["svg"], deck=False)
    svgs = [p for p in written if p.suffix == ".svg"]
    assert len(svgs) >= 9
    for path in svgs:
        data = path.read_bytes()
        svg_texts(data)
        assert b"\x01" not in data and b"\x1b" not in data, path.name


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x00b", "ab"),
        ("tab\tnew\nline\r", "tab\tnew\nline\r"),
        ("esc\x1b[0m", "esc[0m"),
        ("c1\x85\x96", "c1"),
        ("lone\ud800surrogate", "lonesurrogate"),
        ("non\ufffechar\uffff", "nonchar"),
        (DOLLARS, DOLLARS),
        (12, "12"),
    ],
)
def test_clean_text(raw, clean):
    assert textsafe.clean_text(raw) == clean


def test_clean_svg_makes_xml_parse():
    doc = (
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>bad\x01\x0b\x1f \xef\xbf\xbf</text></svg>'
    )
    with pytest.raises(ET.ParseError):
        ET.fromstring(doc)
    assert svg_texts(textsafe.clean_svg(doc)) == "bad "
    text = doc.decode("utf-8")
    assert svg_texts(textsafe.clean_svg(text).encode()) == "bad "
