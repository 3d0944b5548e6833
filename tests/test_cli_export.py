"""``python -m b12explore export`` end to end on a tiny data folder.

The charts are replaced by small figures through ``cli_export._slide_charts`` so
these tests check the command (filters, plan, progress, no clobbering, exit
codes), not the charts.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from evidence_factory import sample_rows, write_evidence
from matplotlib.figure import Figure
from pptx import Presentation

from b12explore import cli
from b12explore.export import cli as cli_export

ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True)
class FakeChart:
    name: str
    title: str
    figure: Figure
    data: pd.DataFrame | None
    sources: tuple[str, ...]
    caption: str


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return write_evidence(tmp_path / "data", *sample_rows())


@pytest.fixture
def seen(monkeypatch) -> dict:
    """Replace the charts with two small ones; record what the command passed."""
    record: dict = {}

    def fake(evidence, filters_text, size):
        record["size"] = size
        record["study_ids"] = sorted(evidence.studies["study_id"])
        record["filters_text"] = filters_text
        charts = []
        for name in ("sample_sizes", "Evidence map!"):
            fig = Figure()
            fig.add_subplot().bar(["a", "b"], [1, 2])
            data = pd.DataFrame({"study": list(evidence.studies["label"])})
            labels = tuple(evidence.studies["label"])
            charts.append(
                FakeChart(name, f"Title {name}", fig, data, labels, f"Filters: {filters_text}")
            )
        return charts

    monkeypatch.setattr(cli_export, "_slide_charts", fake)
    return record


def run(*argv: str) -> int:
    return cli.main(["export", *argv])


def test_export_writes_charts_deck_and_citations(tmp_path, data_dir, seen, capsys):
    out = tmp_path / "out"
    code = run("--out", str(out), "--data", str(data_dir), "--route", "oral", "--dpi", "40")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert seen["study_ids"] == ["ahmed2021", "waikakul2000"]
    assert seen["filters_text"] == "route: oral"
    assert seen["size"] == "16:9"
    lines = captured.out.splitlines()
    assert lines[0] == "[1/2] sample_sizes: png svg pdf csv"
    assert lines[1] == "[2/2] Evidence map!: png svg pdf csv"
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            *(f"sample_sizes.{s}" for s in ("png", "svg", "pdf", "csv")),
            *(f"Evidence_map.{s}" for s in ("png", "svg", "pdf", "csv")),
            "b12explore-slides.pptx",
            "citations.bib",
            "citations.ris",
        ]
    )
    assert "wrote 11 files to" in captured.out
    for name in names:
        assert f"  {name}" in lines
    prs = Presentation(str(out / "b12explore-slides.pptx"))
    assert [s.shapes.title.text for s in list(prs.slides)[1:-1]] == [
        "Title sample_sizes",
        "Title Evidence map!",
    ]
    notes = prs.slides[1].notes_slide.notes_text_frame.text
    assert "Filters: route: oral" in notes
    assert "Author (2021). Trial ahmed2021. Journal" in notes  # full reference from studies
    bib = (out / "citations.bib").read_text(encoding="utf-8")
    assert bib.count("@article{") == 2 and "Trial ahmed2021" in bib
    assert "Trial chiu2011" not in bib  # filtered out


def test_second_export_exits_1_and_touches_nothing(tmp_path, data_dir, seen, capsys):
    out = tmp_path / "out"
    assert run("--out", str(out), "--data", str(data_dir), "--format", "png", "--dpi", "30") == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "sample_sizes.png").unlink()  # only some targets exist: still nothing is written
    before.pop("sample_sizes.png")
    capsys.readouterr()
    code = run("--out", str(out), "--data", str(data_dir), "--format", "png", "--dpi", "30")
    err = capsys.readouterr().err
    assert code == 1
    assert "refusing to overwrite 5 existing file(s)" in err  # 1 png, 2 csv, bib, ris
    assert "citations.bib" in err and "--overwrite" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    code = run(
        "--out",
        str(out),
        "--data",
        str(data_dir),
        "--format",
        "png",
        "--dpi",
        "30",
        "--overwrite",
    )
    assert code == 0
    assert (out / "sample_sizes.png").exists()


def test_pptx_only_writes_deck_csvs_and_citations(tmp_path, data_dir, seen, capsys):
    out = tmp_path / "out"
    code = run(
        "--out",
        str(out),
        "--data",
        str(data_dir),
        "--format",
        "pptx",
        "--design",
        "meta_analysis",
        "rct",
    )
    assert code == 0
    assert seen["study_ids"] == [
        "anon1999",
        "buesing2015",
        "chiu2011",
        "mauro2000",
        "waikakul2000",
    ]
    assert sorted(p.suffix for p in out.iterdir()) == [".bib", ".csv", ".csv", ".pptx", ".ris"]
    assert "[1/2] sample_sizes: csv" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--data", "{missing}"], "data folder not found"),
        (["--route", "nasal_spray"], "nasal_spray"),
        (["--design", "anecdote"], "anecdote"),
        (["--format", "png,gif"], "gif"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, data_dir, seen, capsys, argv, message):
    out = tmp_path / "out"
    argv = [a.replace("{missing}", str(tmp_path / "nope")) for a in argv]
    if "--data" not in argv:
        argv += ["--data", str(data_dir)]
    assert run("--out", str(out), *argv) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_invalid_data_exits_2(tmp_path, seen, capsys):
    studies, results, claims = sample_rows()
    studies[0]["n_enrolled"] = "sixty"
    bad = write_evidence(tmp_path / "bad", studies, results, claims)
    assert run("--out", str(tmp_path / "out"), "--data", str(bad)) == 2
    assert "n_enrolled" in capsys.readouterr().err


def test_module_runs_as_a_program(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "b12explore", "export", "--out", str(tmp_path), "--format", "x"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "--format: unknown x" in proc.stderr
    assert "Traceback" not in proc.stderr
