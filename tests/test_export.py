"""Slide exports: geometry, determinism, deck content, no clobbering, atomicity, safety."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure
from pptx import Presentation

from b12explore import export as ex
from b12explore.export import deck, safefiles
from b12explore.export.files import (
    export_chart,
    export_charts,
    export_citations,
    export_deck,
    render_figure,
)
from b12explore.export.safefiles import csv_bytes, neutralise_frame, safe_name, safe_path

CAPTION = "Sources: Mauro 2000; Chiu 2011. Filters: all studies. Data version 0.1.0."


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def bar_figure(title: str = "Participants") -> Figure:
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.bar(["Mauro 2000", "Chiu 2011"], [60, 120], label="n")
    ax.set_title(title)
    ax.legend()
    return fig


@dataclasses.dataclass(frozen=True)
class FakeChart:
    name: str
    title: str
    figure: Figure
    data: pd.DataFrame | None
    sources: tuple[str, ...]
    caption: str


def fake_charts(n: int = 2) -> list[FakeChart]:
    return [
        FakeChart(
            name=f"chart_{i}",
            title=f"Chart number {i}",
            figure=bar_figure(f"Chart {i}"),
            data=pd.DataFrame({"study": ["Mauro 2000"], "n": [60]}),
            sources=("Mauro 2000", "Chiu 2011"),
            caption=f"Caption {i}. {CAPTION}",
        )
        for i in range(1, n + 1)
    ]


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# ------------------------------------------------------------------ geometry


@pytest.mark.parametrize(
    ("size", "dpi", "pixels"),
    [("16:9", 200, (2667, 1500)), ("4:3", 200, (2000, 1500)), ("16:9", 100, (1333, 750))],
)
def test_png_has_slide_pixel_size(tmp_path, size, dpi, pixels):
    paths = export_chart(bar_figure(), tmp_path / "c", formats=["png"], size=size, dpi=dpi)
    assert png_size(paths[0].read_bytes()) == pixels


def test_png_16_9_aspect_at_300_dpi():
    w, h = png_size(render_figure(bar_figure(), ["png"], dpi=300)["png"])
    assert (w, h) == (4000, 2250)
    assert abs(w / h - 16 / 9) < 1e-3


def test_svg_and_pdf_have_slide_size_in_points():
    blobs = render_figure(bar_figure(), ["svg", "pdf"])
    assert b'width="960.12pt" height="540pt"' in blobs["svg"]
    assert b"/MediaBox [ 0 0 960.12 540 ]" in blobs["pdf"]


def test_figure_is_left_as_it_was():
    fig = bar_figure()
    fig.axes[0].set_position([0.2, 0.3, 0.5, 0.4])
    before_size = tuple(fig.get_size_inches())
    before_pos = fig.axes[0].get_position().bounds
    n_texts = len(fig.texts)
    render_figure(fig, ["png", "svg"], caption=CAPTION)
    assert tuple(fig.get_size_inches()) == before_size
    assert fig.axes[0].get_position().bounds == pytest.approx(before_pos)
    assert len(fig.texts) == n_texts


def test_a_render_does_not_change_later_renders():
    from b12explore.export.deck import picture_inches

    PICTURE_INCHES = picture_inches()

    used, fresh = Figure(layout="constrained"), Figure(layout="constrained")
    for fig in (used, fresh):
        fig.add_subplot().bar(["a", "b"], [1, 2])
        fig.add_subplot().plot([1, 3, 2])
    render_figure(used, ["png", "svg", "pdf"], caption=CAPTION, dpi=60)
    assert all(ax.get_in_layout() for ax in used.axes)  # set_position would drop them
    again = render_figure(used, ["png"], size=PICTURE_INCHES, caption=CAPTION, dpi=60)
    assert again == render_figure(fresh, ["png"], size=PICTURE_INCHES, caption=CAPTION, dpi=60)


def test_caption_is_drawn_as_text_and_axes_leave_room():
    fig = bar_figure()
    svg = render_figure(fig, ["svg"], caption=CAPTION)["svg"].decode()
    assert "Sources: Mauro 2000; Chiu 2011." in svg  # svg.fonttype none keeps text
    assert 'id="slide-caption"' in svg
    no_caption = render_figure(fig, ["svg"])["svg"].decode()
    assert "Sources:" not in no_caption


def test_constrained_layout_figure_gets_caption_room_and_engine_restored():
    fig = Figure(layout="constrained")
    fig.add_subplot().plot([1, 2])
    rect_before = fig.get_layout_engine().get()["rect"]
    png = render_figure(fig, ["png"], caption=CAPTION, dpi=50)["png"]
    assert png_size(png) == (667, 375)
    assert fig.get_layout_engine().get()["rect"] == rect_before


def test_global_rcparams_are_untouched():
    import matplotlib

    before = dict(matplotlib.rcParams)
    render_figure(bar_figure(), ["svg", "pdf"], caption=CAPTION)
    assert dict(matplotlib.rcParams) == before


def test_bad_size_and_format_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="size must be one of"):
        export_chart(bar_figure(), tmp_path / "c", size="21:9")
    with pytest.raises(ValueError, match="formats must be among"):
        export_chart(bar_figure(), tmp_path / "c", formats=["gif"])
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ determinism


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_chart_reexport_is_byte_identical(tmp_path, fmt):
    fig = bar_figure()
    a = export_chart(fig, tmp_path / "a" / "c", formats=[fmt], caption=CAPTION)[0]
    b = export_chart(fig, tmp_path / "b" / "c", formats=[fmt], caption=CAPTION)[0]
    c = export_chart(bar_figure(), tmp_path / "c" / "c", formats=[fmt], caption=CAPTION)[0]
    assert a.read_bytes() == b.read_bytes() == c.read_bytes()


def test_pdf_and_svg_carry_no_date(tmp_path):
    blobs = render_figure(bar_figure(), ["svg", "pdf"])
    assert b"<dc:date>" not in blobs["svg"]
    assert b"CreationDate" not in blobs["pdf"]


def test_deck_reexport_is_byte_identical(tmp_path):
    charts = fake_charts(2)
    a = export_deck(charts, tmp_path / "a" / "deck", dpi=60)
    b = export_deck(charts, tmp_path / "b" / "deck", dpi=60)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


# ------------------------------------------------------------------ deck content


def test_deck_content_reads_back(tmp_path):
    charts = fake_charts(3)
    studies = pd.DataFrame(
        {
            "study_id": ["mauro2000", "chiu2011"],
            "label": ["Mauro 2000", "Chiu 2011"],
            "first_author": ["Mauro GL", "Chiu CK"],
            "year": [2000, 2011],
            "title": ["Vitamin B12 in low back pain", "Methylcobalamin injections"],
            "journal": ["Eur Rev Med Pharmacol Sci", None],
            "doi": [None, "10.1000/example"],
            "pmid": ["10710842", None],
        }
    )
    path = export_deck(charts, tmp_path / "Slides deck.pptx", evidence=studies, dpi=60)
    assert path.name == "Slides_deck.pptx"
    prs = Presentation(str(path))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 1e-3
    assert len(prs.slides) == 3
    assert [s.shapes.title.text for s in prs.slides] == [c.title for c in charts]
    notes = prs.slides[1].notes_slide.notes_text_frame.text
    assert "Caption 2." in notes
    assert "Mauro GL (2000). Vitamin B12 in low back pain. Eur Rev Med Pharmacol Sci." in notes
    assert "PMID: 10710842" in notes
    assert "doi:10.1000/example" in notes
    for slide in prs.slides:
        pics = [s for s in slide.shapes if s.shape_type == 13]  # PICTURE
        assert len(pics) == 1
        assert pics[0].image.content_type == "image/png"
        assert pics[0].left + pics[0].width <= prs.slide_width
        assert pics[0].top + pics[0].height <= prs.slide_height
    props = prs.core_properties
    assert props.author == "b12explore"
    assert props.created == deck.DECK_DATE and props.modified == deck.DECK_DATE
    assert props.revision == 1


def test_deck_notes_fall_back_to_labels_or_citations(tmp_path):
    chart = fake_charts(1)[0]
    with_citations = dataclasses.make_dataclass(
        "C", [("title", str), ("figure", Figure), ("citations", list)]
    )("Titled", chart.figure, ["Full reference one."])
    path = export_deck([chart, with_citations], tmp_path / "d", dpi=40)
    prs = Presentation(str(path))
    assert "- Mauro 2000" in prs.slides[0].notes_slide.notes_text_frame.text
    assert "- Full reference one." in prs.slides[1].notes_slide.notes_text_frame.text


def test_deck_notes_list_source_urls_when_no_studies_are_named(tmp_path):
    chart = dataclasses.replace(
        fake_charts(1)[0],
        sources=(),
        data=pd.DataFrame({"route": ["oral", "nasal"], "source_url": ["https://a.org", None]}),
    )
    prs = Presentation(str(export_deck([chart], tmp_path / "d", dpi=40)))
    notes = prs.slides[0].notes_slide.notes_text_frame.text
    assert notes.endswith("Sources:\n- https://a.org")


def test_deck_overwrite_protection(tmp_path):
    target = tmp_path / "deck.pptx"
    target.write_bytes(b"keep me")
    with pytest.raises(FileExistsError, match="deck.pptx"):
        export_deck(fake_charts(1), tmp_path / "deck", dpi=40)
    assert target.read_bytes() == b"keep me"
    export_deck(fake_charts(1), tmp_path / "deck", dpi=40, overwrite=True)
    assert zipfile.is_zipfile(target)


# ------------------------------------------------------------------ no clobbering


def test_existing_file_is_an_error_and_nothing_is_written(tmp_path):
    (tmp_path / "c.svg").write_bytes(b"original")
    data = pd.DataFrame({"n": [1]})
    with pytest.raises(FileExistsError) as info:
        export_chart(bar_figure(), tmp_path / "c", data=data)
    assert str(tmp_path / "c.svg") in str(info.value)
    assert listing(tmp_path) == {"c.svg": b"original"}  # png/pdf/csv not written either


def test_overwrite_true_replaces(tmp_path):
    (tmp_path / "c.png").write_bytes(b"original")
    paths = export_chart(bar_figure(), tmp_path / "c", formats=["png"], overwrite=True)
    assert paths == [tmp_path / "c.png"]
    assert png_size(paths[0].read_bytes()) == (2667, 1500)


def test_known_extension_in_path_is_dropped(tmp_path):
    paths = export_chart(bar_figure(), tmp_path / "c.png", formats=["png", "svg"])
    assert [p.name for p in paths] == ["c.png", "c.svg"]


def test_atomic_write_refuses_a_file_that_appeared(tmp_path):
    target = tmp_path / "x.txt"
    target.write_bytes(b"theirs")
    with pytest.raises(FileExistsError, match="x.txt"):
        safefiles.atomic_write(target, b"mine")
    assert target.read_bytes() == b"theirs"
    assert listing(tmp_path) == {"x.txt": b"theirs"}


# ------------------------------------------------------------------ atomicity


def test_no_temporary_files_are_left(tmp_path):
    export_chart(bar_figure(), tmp_path / "c", data=pd.DataFrame({"a": [1]}))
    export_deck(fake_charts(1), tmp_path / "deck", dpi=40)
    export_citations(pd.DataFrame({"first_author": ["A"], "year": [2000]}), tmp_path / "refs")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["c.csv", "c.pdf", "c.png", "c.svg", "deck.pptx", "refs.bib", "refs.ris"]


def test_failure_while_rendering_writes_nothing(tmp_path, monkeypatch):
    fig = bar_figure()
    real = Figure.savefig

    def failing(self, fname, *, format=None, **kw):
        if format == "pdf":
            raise RuntimeError("renderer broke")
        return real(self, fname, format=format, **kw)

    monkeypatch.setattr(Figure, "savefig", failing)
    with pytest.raises(RuntimeError, match="renderer broke"):
        export_chart(fig, tmp_path / "c")
    assert list(tmp_path.iterdir()) == []


def test_failure_mid_write_leaves_no_partial_or_earlier_file(tmp_path, monkeypatch):
    calls = {"n": 0}
    real_fsync = os.fsync

    def flaky_fsync(fd):
        calls["n"] += 1
        if calls["n"] == 2:  # every file is staged (and synced) first: file 2 fails
            raise OSError(28, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(safefiles.os, "fsync", flaky_fsync)
    with pytest.raises(OSError, match="No space left"):
        export_chart(bar_figure(), tmp_path / "c", formats=["png", "svg"])
    assert list(tmp_path.iterdir()) == []


def test_failure_under_overwrite_keeps_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "c.png"
    target.write_bytes(b"old complete file")

    def broken_replace(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(safefiles.os, "replace", broken_replace)
    with pytest.raises(OSError, match="rename failed"):
        export_chart(bar_figure(), tmp_path / "c", formats=["png"], overwrite=True)
    assert listing(tmp_path) == {"c.png": b"old complete file"}


# ------------------------------------------------------------------ CSV side-car


def test_csv_cells_that_start_a_formula_are_neutralised(tmp_path):
    frame = pd.DataFrame(
        {
            "label": ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\ry", "\nz"],
            "ok": ["Mauro 2000", "a=b", "", None, "plain", "x-y", "é"],
            "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0],
            "n": pd.array([-1, 2, None, 4, 5, 6, 7], dtype="Int64"),
        }
    )
    path = export_chart(bar_figure(), tmp_path / "c", formats=["png"], data=frame)[1]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, dtype=str)
    assert back["label"].tolist() == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        "'\ry",
        "'\nz",
    ]
    assert back["ok"].tolist() == ["Mauro 2000", "a=b", "", "", "plain", "x-y", "é"]
    assert back["value"].tolist()[0] == "-1.5"  # numbers stay numbers
    assert back["n"].tolist()[:3] == ["-1", "2", ""]
    assert b'"\'=HYPERLINK(""http://x"")"' in raw  # embedded quotes doubled


def test_neutralise_frame_keeps_numbers_and_does_not_mutate():
    frame = pd.DataFrame({"=col": ["-x"], "v": [-1]})
    out = neutralise_frame(frame)
    assert list(out.columns) == ["'=col", "v"]
    assert out["v"].tolist() == [-1]
    assert frame.iloc[0, 0] == "-x"


def test_csv_keeps_a_meaningful_index_and_categoricals():
    frame = pd.DataFrame({"n": [3, 4]}, index=pd.Index(["=a", "b"], name="route")).assign(
        c=pd.Categorical(["-x", "y"])
    )
    text = csv_bytes(frame).decode("utf-8-sig")
    assert text.splitlines() == ["route,n,c", "'=a,3,'-x", "b,4,y"]


# ------------------------------------------------------------------ safe names


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("CON", "_CON"),
        ("con.png", "_con.png"),
        ("LPT9", "_LPT9"),
        ("COM10", "COM10"),
        (".hidden", "hidden"),
        ("-rf", "rf"),
        ("a b/c\\d:e*f?g", "a_b_c_d_e_f_g"),
        ("Ménière", "Meniere"),
        ("", "export"),
        ("...", "export"),
        ("trailing.", "trailing"),
    ],
)
def test_safe_name(raw, safe):
    assert safe_name(raw) == safe


def test_safe_name_caps_length_and_keeps_suffix():
    name = safe_name("x" * 300 + ".png")
    assert len(name) == safefiles.MAX_NAME_LENGTH
    assert name.endswith(".png")


def test_chart_name_cannot_escape_the_export_folder(tmp_path):
    out = tmp_path / "out"
    target = safe_path(out, "../../etc/passwd", ".png")
    assert target.parent == out.resolve()
    assert target.name == "etc_passwd.png"
    # in a path, the folder part is the caller's choice; only the last part is a name
    paths = export_chart(bar_figure(), out / "a" / "../../etc/passwd", formats=["png"])
    assert paths == [(tmp_path / "etc" / "passwd.png").resolve()]


def test_symlink_out_of_the_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "victim.png"
    outside.write_bytes(b"victim")
    (out / "c.png").symlink_to(outside)
    with pytest.raises(ValueError, match="not inside the export folder"):
        export_chart(bar_figure(), out / "c", formats=["png"], overwrite=True)
    assert outside.read_bytes() == b"victim"


def test_two_exports_to_the_same_name_are_refused(tmp_path):
    with pytest.raises(ValueError, match="same file"):
        safefiles.check_free([tmp_path / "a", tmp_path / "a"])


# ------------------------------------------------------------------ citations files


def test_export_citations_writes_bib_and_ris(tmp_path):
    studies = pd.DataFrame(
        {"first_author": ["Mauro GL"], "year": [2000], "doi": ["10.1/x"], "title": ["T"]}
    )
    paths = export_citations(studies, tmp_path / "refs.bib")
    assert [p.name for p in paths] == ["refs.bib", "refs.ris"]
    assert "doi = {10.1/x}" in paths[0].read_text(encoding="utf-8")
    assert "DO  - 10.1/x" in paths[1].read_text(encoding="utf-8")
    only = export_citations(studies, tmp_path / "only", format="ris")
    assert [p.name for p in only] == ["only.ris"]
    with pytest.raises(FileExistsError, match="refs.ris"):
        export_citations(studies, tmp_path / "refs")
    with pytest.raises(ValueError, match="format must be"):
        export_citations(studies, tmp_path / "x", format="endnote")


def test_export_citations_for_no_studies(tmp_path):
    empty = pd.DataFrame(columns=["study_id", "first_author", "year"])
    bib, ris = export_citations(empty, tmp_path / "refs")
    assert "No studies" in bib.read_text(encoding="utf-8")
    assert ris.read_bytes() == b""


def test_png_bytes_do_not_depend_on_the_figure_dpi():
    a = bar_figure()
    b = bar_figure()
    b.set_dpi(72)
    assert render_figure(a, ["png"], dpi=80) == render_figure(b, ["png"], dpi=80)
    assert isinstance(io.BytesIO(render_figure(a, ["png"], dpi=80)["png"]).read(8), bytes)


# ------------------------------------------------------------------ many charts


def test_export_charts_checks_every_target_first(tmp_path):
    charts = fake_charts(3)
    (tmp_path / "chart_3.csv").write_bytes(b"mine")
    with pytest.raises(FileExistsError, match="chart_3.csv"):
        export_charts(charts, tmp_path, deck=tmp_path / "deck", jobs=1)
    assert listing(tmp_path) == {"chart_3.csv": b"mine"}


def test_export_charts_reports_progress_and_writes_deck_last(tmp_path):
    seen = []
    paths = export_charts(
        fake_charts(2),
        tmp_path,
        formats=["png"],
        dpi=40,
        deck=tmp_path / "deck",
        progress=lambda i, n, chart, p: seen.append(
            (i, n, chart.name, [x.name for x in p], any(x.exists() for x in p))
        ),
    )
    assert seen == [  # reported when rendered; written together at the end
        (1, 2, "chart_1", ["chart_1.png", "chart_1.csv"], False),
        (2, 2, "chart_2", ["chart_2.png", "chart_2.csv"], False),
    ]
    assert paths[-1].name == "deck.pptx"
    assert len(Presentation(str(paths[-1])).slides) == 2


def test_parallel_export_gives_the_same_bytes(tmp_path):
    charts = fake_charts(3)
    kw = {"formats": ["png", "svg", "pdf"], "dpi": 50}
    export_charts(charts, tmp_path / "serial", deck=tmp_path / "serial" / "d", jobs=1, **kw)
    export_charts(charts, tmp_path / "parallel", deck=tmp_path / "parallel" / "d", jobs=2, **kw)
    serial, parallel = listing(tmp_path / "serial"), listing(tmp_path / "parallel")
    assert len(serial) == 3 * 4 + 1
    assert serial == parallel


def test_render_is_identical_in_a_fresh_interpreter():
    code = (
        "import hashlib\n"
        "from tests.test_export import bar_figure, CAPTION\n"
        "from b12explore.export.render import render_figure\n"
        "b = render_figure(bar_figure(), ['png', 'svg', 'pdf'], caption=CAPTION, dpi=60)\n"
        "print(' '.join(hashlib.sha256(b[k]).hexdigest() for k in ('png', 'svg', 'pdf')))\n"
    )
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    here = render_figure(bar_figure(), ["png", "svg", "pdf"], caption=CAPTION, dpi=60)
    expected = " ".join(hashlib.sha256(here[k]).hexdigest() for k in ("png", "svg", "pdf"))
    assert proc.stdout.strip() == expected


def test_png_is_opaque_rgb_with_physical_dpi():
    from PIL import Image

    png = render_figure(bar_figure(), ["png"], dpi=100)["png"]
    img = Image.open(io.BytesIO(png))
    assert img.mode == "RGB"
    assert img.size == (1333, 750)
    assert round(img.info["dpi"][0]) == 100


def test_transparent_figure_keeps_its_alpha():
    from PIL import Image

    fig = bar_figure()
    fig.patch.set_alpha(0)
    img = Image.open(io.BytesIO(render_figure(fig, ["png"], dpi=30)["png"]))
    assert img.mode == "RGBA"
    assert img.getextrema()[3][0] == 0


def test_existing_files_are_counted_and_the_list_is_capped(tmp_path):
    paths = [tmp_path / f"f{i}" for i in range(8)]
    for p in paths:
        p.write_bytes(b"")
    with pytest.raises(FileExistsError, match=r"refusing to overwrite 8 existing .* and 3 more"):
        safefiles.check_free(paths)


@pytest.mark.parametrize("jobs", [1, 2])
def test_export_charts_render_failure_writes_nothing(tmp_path, monkeypatch, jobs):
    real = Figure.savefig

    def failing(self, fname, *, format=None, **kw):
        if format == "pdf" and self.axes[0].get_title() == "Chart 3":
            raise RuntimeError("renderer broke on chart 3")
        return real(self, fname, format=format, **kw)

    monkeypatch.setattr(Figure, "savefig", failing)  # inherited by forked workers
    with pytest.raises(RuntimeError, match="chart 3"):
        export_charts(fake_charts(3), tmp_path / "out", dpi=30, jobs=jobs)
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_export_charts_write_failure_removes_what_it_wrote(tmp_path, monkeypatch):
    real = safefiles._stage
    calls = {"n": 0}

    def flaky(path, data):
        calls["n"] += 1
        if calls["n"] == 6:
            raise OSError(28, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(safefiles, "_stage", flaky)
    with pytest.raises(OSError, match="No space left"):
        export_charts(fake_charts(3), tmp_path, formats=["png"], dpi=30, deck=tmp_path / "d")
    assert list(tmp_path.iterdir()) == []


def test_files_table_gives_relative_posix_paths_and_formats(tmp_path):
    inside = [tmp_path / "out" / "a.png", tmp_path / "out" / "a.csv"]
    elsewhere = Path("/somewhere/else/deck.pptx")
    table = ex.files_table([*inside, elsewhere], root=tmp_path)
    assert table["file"].tolist() == ["out/a.png", "out/a.csv", "/somewhere/else/deck.pptx"]
    assert table["format"].tolist() == ["png", "csv", "pptx"]
