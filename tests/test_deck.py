"""The editable deck, opened with python-pptx and converted by LibreOffice.

Title text on every chart slide equals the chart's title; native charts hold the
side-car CSV's numbers; a title slide and a closing slide exist; everything sits
inside 0.4 in margins; two exports are byte-identical; LibreOffice converts it.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Emu

from b12explore import load
from b12explore.export.registry import slide_charts
from b12explore.export.render import SAFE_MARGIN_IN
from b12explore.export.story import CLOSING_TITLE, TOPIC
from b12explore.export.view import DECK_NAME, export_view

NATIVE = {"sample-sizes", "review-sizes", "route-form", "timeline"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    evidence = load()
    out = tmp_path_factory.mktemp("deck")
    charts = slide_charts(evidence, filters_text="all studies")
    export_view(evidence, out, formats=[], charts=charts, dpi=60)
    return evidence, charts, out


def test_every_chart_slide_has_its_chart_title_as_slide_text(exported):
    _, charts, out = exported
    prs = Presentation(out / f"{DECK_NAME}.pptx")
    slides = list(prs.slides)
    assert len(slides) == len(charts) + 2
    for slide, chart in zip(slides[1:-1], charts, strict=True):
        assert slide.shapes.title.text == chart.title
        assert chart.title  # the chart's own drawn title
        captions = [s for s in slide.shapes if s.name == "Caption"]
        assert len(captions) == 1 and captions[0].text_frame.text.startswith("Sources:")
        notes = slide.notes_slide.notes_text_frame.text
        assert chart.caption in notes and "Sources:" in notes


def test_title_and_closing_slides_come_from_the_data(exported):
    evidence, _, out = exported
    slides = list(Presentation(out / f"{DECK_NAME}.pptx").slides)
    first, last = slides[0], slides[-1]
    assert first.shapes.title.text == TOPIC
    body = first.placeholders[1].text_frame.text
    assert "Filters: all studies" in body and f"{len(evidence.studies)} studies" in body
    assert "Data version 0.1.0+" in body
    assert last.shapes.title.text == CLOSING_TITLE
    closing = last.placeholders[1].text_frame.text
    assert "Can tell" in closing and "Cannot tell" in closing and "Not reported" in closing


def test_native_charts_hold_the_side_car_numbers(exported):
    _, charts, out = exported
    prs = Presentation(out / f"{DECK_NAME}.pptx")
    by_name = {c.name: s for c, s in zip(charts, list(prs.slides)[1:-1], strict=True)}
    seen = set()
    for name in NATIVE & set(by_name):
        graphic = [s for s in by_name[name].shapes if s.has_chart]
        assert len(graphic) == 1, name
        chart = graphic[0].chart
        csv = pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig")
        cats = list(chart.plots[0].categories)
        values = {s.name: list(s.values) for s in chart.plots[0].series}
        if name == "sample-sizes":
            rows = csv.set_index("label").loc[cats]
            assert values["Enrolled"] == [
                None if pd.isna(v) else float(v) for v in rows["n_enrolled"]
            ]
        elif name == "review-sizes":
            rows = csv.set_index("label").loc[cats]
            assert values["Included studies"] == [
                None if pd.isna(v) else float(v) for v in rows["n_studies"]
            ]
        else:
            total = sum(v or 0 for vals in values.values() for v in vals)
            assert total == csv["studies"].sum()
        seen.add(name)
    assert seen == NATIVE
    # the charts PowerPoint cannot draw stay pictures
    for name in ("effect-direction", "albatross", "evidence-map"):
        assert any(s.shape_type == 13 for s in by_name[name].shapes), name


def test_native_count_charts_step_in_whole_numbers_and_slant_crowded_labels(exported):
    _, charts, out = exported
    prs = Presentation(out / f"{DECK_NAME}.pptx")
    by_name = {c.name: s for c, s in zip(charts, list(prs.slides)[1:-1], strict=True)}
    timeline = next(s for s in by_name["timeline"].shapes if s.has_chart).chart
    assert timeline.value_axis.major_unit == 1  # counts of studies: 0, 1, 2, ...
    body = timeline.category_axis._element.xpath(".//a:bodyPr")
    assert body and body[0].get("rot") == "-2700000"  # 13 years would run together flat
    route = next(s for s in by_name["route-form"].shapes if s.has_chart).chart
    assert route.value_axis.major_unit == 1
    assert not route.category_axis._element.xpath(".//a:bodyPr[@rot]")  # 3 routes fit flat


def test_every_shape_sits_inside_the_margins(exported):
    _, _, out = exported
    prs = Presentation(out / f"{DECK_NAME}.pptx")
    m = Emu(int(SAFE_MARGIN_IN * 914400))
    for i, slide in enumerate(prs.slides):
        for shape in slide.shapes:
            assert shape.left >= m - 1 and shape.top >= m - 1, (i, shape.name)
            assert shape.left + shape.width <= prs.slide_width - m + 1, (i, shape.name)
            assert shape.top + shape.height <= prs.slide_height - m + 1, (i, shape.name)


def test_the_deck_is_byte_identical_run_to_run(exported, tmp_path):
    evidence, charts, out = exported
    export_view(evidence, tmp_path, formats=[], charts=charts, dpi=60)
    assert (tmp_path / f"{DECK_NAME}.pptx").read_bytes() == (
        out / f"{DECK_NAME}.pptx"
    ).read_bytes()


def test_libreoffice_converts_the_deck_to_pdf(exported, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (Debian: libreoffice-impress) is needed; .ci/run installs it"
    _, charts, out = exported
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(out / f"{DECK_NAME}.pptx"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    pdf = (tmp_path / f"{DECK_NAME}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type/Page") >= len(charts) + 2 or (
        pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= len(charts) + 2
    )
    # what a viewer shows: every page as LibreOffice draws it keeps its ink inside the
    # 0.4 in margins (text that overflows its box, which python-pptx cannot see, fails)
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (Debian: poppler-utils) is needed; .ci/run installs it"
    dpi = 40
    pdf_path, prefix = tmp_path / f"{DECK_NAME}.pdf", tmp_path / "p"
    subprocess.run(
        [pdftoppm, "-r", str(dpi), "-png", str(pdf_path), str(prefix)],
        check=True,
        timeout=300,
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == len(charts) + 2
    limit = SAFE_MARGIN_IN * dpi - 1
    tight = {}
    for page in pages:
        img = np.asarray(Image.open(page).convert("L"))
        rows, cols = np.nonzero(img < 245)
        h, w = img.shape
        margins = (cols.min(), rows.min(), w - 1 - cols.max(), h - 1 - rows.max())
        if min(margins) < limit:
            tight[page.name] = margins
    assert not tight, f"ink closer than {SAFE_MARGIN_IN} in to an edge (px at {dpi} dpi): {tight}"
