"""Palette, category colours and the slide style context."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

from b12explore import load, style

DESCRIPTOR = Path(__file__).resolve().parent.parent / "data" / "datapackage.json"


def _enum(table: str, field: str) -> list[str]:
    descriptor = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
    res = next(r for r in descriptor["resources"] if r["name"] == table)
    return next(f for f in res["schema"]["fields"] if f["name"] == field)["constraints"]["enum"]


@pytest.mark.parametrize(
    ("kind", "table", "field"),
    [
        ("route", "studies", "route"),
        ("route", "delivery_routes", "route"),
        ("design", "studies", "design"),
        ("b12_form", "studies", "b12_form"),
        ("finding", "studies", "finding"),
        ("direction", "results", "direction"),
        ("risk_of_bias", "studies", "risk_of_bias"),
    ],
)
def test_every_schema_category_has_its_own_colour(kind, table, field):
    values = _enum(table, field)
    colours = [style.color_for(kind, v) for v in values]
    real = [c for v, c in zip(values, colours, strict=True) if not v.startswith("not_")]
    assert len(set(real)) == len(real), dict(zip(values, colours, strict=True))


def test_colours_come_from_okabe_ito():
    allowed = set(style.OKABE_ITO.values()) | {style.GREY, style.LIGHT_GREY}
    for mapping in (
        style.ROUTE_COLORS,
        style.DESIGN_COLORS,
        style.FINDING_COLORS,
        style.RISK_OF_BIAS_COLORS,
        style.FORM_COLORS,
    ):
        assert set(mapping.values()) <= allowed
    assert style.OKABE_ITO["orange"] == "#E69F00"
    assert style.color_for("route", None) == style.GREY


def test_unseen_codes_get_a_stable_okabe_ito_colour_not_used_by_the_field():
    palette = {c for k, c in style.OKABE_ITO.items() if k != "black"}
    used = set(style.ROUTE_COLORS.values())
    for code in ("nasal", "nasal_spray", "transdermal", "intrathecal"):
        colour = style.color_for("route", code)
        assert colour in palette - used, (code, colour)
        assert colour == style.color_for("route", code)
    # a field the module knows nothing about still gets palette colours
    assert style.color_for("p_scope", "between_group") in palette
    # the colour does not depend on the session (no salted hash): a child process agrees
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from b12explore import load, style;print(style.color_for('design', 'cohort'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == style.color_for("design", "cohort")


def test_style_holds_colours_only_labels_come_from_the_descriptor():
    # no label table and no label function: a label is the descriptor's (evidence.vocab)
    assert not hasattr(style, "pretty") and not hasattr(style, "_LABELS")
    names = [n for n in vars(style) if n.isupper()]
    assert all(not n.endswith("LABELS") or n == "SCORE_LABELS" for n in names), names
    vocab = load().vocab
    assert vocab.label("design", "rct") == "RCT"
    assert vocab.label("route", "not_reported") == "not reported"


def test_slide_context_sets_and_restores():
    before = dict(matplotlib.rcParams)
    with style.slide_context("4:3"):
        rc = matplotlib.rcParams
        assert tuple(rc["figure.figsize"]) == (10.0, 7.5)
        assert rc["svg.fonttype"] == "none"
        assert rc["svg.hashsalt"] == "b12explore"
        for key in (
            "font.size",
            "xtick.labelsize",
            "ytick.labelsize",
            "legend.fontsize",
            "axes.labelsize",
            "axes.titlesize",
        ):
            assert float(rc[key]) >= 14, key
    assert dict(matplotlib.rcParams) == before


def test_sizes_and_bad_size():
    assert style.SIZES["16:9"] == (13.333, 7.5)
    with pytest.raises(ValueError, match="16:9"):
        style.slide_rc("3:2")


def test_tint():
    assert style.tint("#000000", 0.5) == "#808080"
    assert style.tint("#FFFFFF", 0.3) == "#FFFFFF"


def test_style_does_not_import_matplotlib():
    code = "import sys, b12explore.style; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
