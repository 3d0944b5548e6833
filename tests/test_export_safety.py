"""Export safety (issue 15): all-or-nothing overwrite, recovery after a killed export,
render workers that die with their parent, one-line CLI errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pandas as pd
import psutil
import pytest
from matplotlib.figure import Figure

from b12explore import cli
from b12explore.export import cli as cli_export
from b12explore.export import safefiles
from b12explore.export.files import export_charts
from tests.evidence_factory import sample_rows, write_evidence

ROOT = Path(__file__).resolve().parent.parent


def chart(name: str, value: int):
    fig = Figure()
    fig.add_subplot().bar(["a", "b"], [value, 2])
    return types.SimpleNamespace(
        name=name, title=name, figure=fig, caption="Sources: x.", data=pd.DataFrame({"v": [value]})
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_failed_overwrite_leaves_the_previous_export_intact(tmp_path, monkeypatch):
    charts = [chart(f"c{i}", i) for i in range(4)]
    export_charts(charts, tmp_path, formats=["png", "svg"], deck=tmp_path / "deck", dpi=30)
    before = snapshot(tmp_path)
    real = os.replace
    calls = {"n": 0}

    def failing(src, dst, *a, **k):
        # let the first swaps through, then fail half way through the new export
        if str(src).endswith(".part"):
            calls["n"] += 1
            if calls["n"] == 5:
                raise PermissionError(1, "Operation not permitted (injected)", str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(safefiles.os, "replace", failing)
    newer = [chart(f"c{i}", 10 + i) for i in range(4)]
    with pytest.raises(PermissionError, match="injected"):
        export_charts(
            newer, tmp_path, formats=["png", "svg"], deck=tmp_path / "deck", dpi=30, overwrite=True
        )
    assert calls["n"] == 5
    assert snapshot(tmp_path) == before  # every old file back, no temporary file left


def test_stale_files_of_a_killed_export_are_cleaned_and_backups_restored(tmp_path):
    dead = 2**22 + 12345  # beyond pid_max on this kind of machine: not a running process
    (tmp_path / f".b12x-{dead}-ab12-c0.png.part").write_bytes(b"half")
    (tmp_path / ".tmp-x1y2.part").write_bytes(b"old style")
    (tmp_path / f".b12x-{dead}-cd34-c1.png.old").write_bytes(b"previous c1")
    live = tmp_path / f".b12x-{os.getpid()}-ef56-c2.png.part"
    live.write_bytes(b"mine, still being written")
    cleaned = safefiles.clean_stale(tmp_path)
    assert len(cleaned) == 3
    assert (tmp_path / "c1.png").read_bytes() == b"previous c1"  # restored, not lost
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["c1.png", live.name])


def test_overwrite_after_a_killed_export_removes_its_temporary_files(tmp_path):
    dead = 2**22 + 54321
    (tmp_path / f".b12x-{dead}-ab12-c0.png.part").write_bytes(b"half")
    (tmp_path / "c0.png").write_bytes(b"partial old export")
    export_charts([chart("c0", 1)], tmp_path, formats=["png"], dpi=30, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c0.csv", "c0.png"]


def test_render_workers_die_with_their_parent(tmp_path):
    data = write_evidence(tmp_path / "data", *sample_rows())
    script = (
        "import sys\n"
        "from b12explore import cli\n"
        "sys.exit(cli.main(['export', '--out', sys.argv[1], '--data', sys.argv[2],"
        " '--jobs', '3', '--dpi', '300']))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "out"), str(data)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parent = psutil.Process(proc.pid)
    workers: list[psutil.Process] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        workers = parent.children(recursive=True)
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    assert len(workers) >= 2, "the export never started its render workers"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=20)
    assert not alive, f"workers outlived their parent: {[p.pid for p in alive]}"


@pytest.fixture
def small(monkeypatch, tmp_path):
    monkeypatch.setattr(cli_export, "_slide_charts", lambda ev, f, s: [chart("c0", 1)])
    return write_evidence(tmp_path / "data", *sample_rows())


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("dpi", ["0", "-5"])
def test_cli_refuses_a_dpi_that_is_not_positive(small, tmp_path, capsys, dpi):
    code = cli.main(["export", "--out", str(tmp_path / "o"), "--data", str(small), f"--dpi={dpi}"])
    assert code == 2
    assert "--dpi" in one_line_error(capsys)
    assert not (tmp_path / "o").exists()


def test_cli_refuses_an_empty_out_and_a_file_as_not_a_folder(small, tmp_path, capsys):
    assert cli.main(["export", "--out", "", "--data", str(small)]) == 2
    assert "not a folder" in one_line_error(capsys)
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    assert cli.main(["export", "--out", str(afile), "--data", str(small)]) == 2
    assert "not a folder" in one_line_error(capsys)
    assert afile.read_text() == "keep me"


def test_cli_refuses_a_planted_link_with_one_line(small, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("secret")
    (out / "c0.png").symlink_to(victim)
    code = cli.main(["export", "--out", str(out), "--data", str(small), "--overwrite"])
    assert code == 2
    assert "c0.png" in one_line_error(capsys)
    assert victim.read_text() == "secret"


def test_cli_ctrl_c_exits_130_with_one_line(small, tmp_path, capsys, monkeypatch):
    from b12explore.export import view

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(view, "export_view", interrupted)
    code = cli.main(["export", "--out", str(tmp_path / "o"), "--data", str(small)])
    assert code == 130
    assert "interrupted" in one_line_error(capsys)


@pytest.mark.parametrize("overwrite", [False, True])
def test_cli_refuses_a_folder_planted_at_a_target_name_and_deletes_nothing(
    small, tmp_path, capsys, overwrite
):
    out = tmp_path / "out"
    out.mkdir()
    planted = out / "c0.png"
    planted.mkdir()
    (planted / "notes.txt").write_text("my own work")
    argv = ["export", "--out", str(out), "--data", str(small)]
    code = cli.main(argv + (["--overwrite"] if overwrite else []))
    assert code == 2
    line = one_line_error(capsys)
    assert "c0.png" in line and "folder" in line
    assert (planted / "notes.txt").read_text() == "my own work"
    assert sorted(p.name for p in out.iterdir()) == ["c0.png"]  # nothing written, nothing hidden


def test_a_lone_surrogate_in_a_label_renders_without_error():
    import xml.etree.ElementTree as ET

    from b12explore.charts import sample_size_chart
    from b12explore.export.render import render_figure

    fig = Figure()
    ax = fig.add_subplot()
    ax.bar(["lone \ud800 surrogate", "plain"], [1, 2])
    ax.set_title("title \udfff too", loc="left")
    from b12explore import load

    studies = load().studies
    studies["label"] = [f"Lone \ud800 {i}" for i in range(len(studies))]
    chart_fig = sample_size_chart(studies).figure
    for f in (fig, chart_fig):
        out = render_figure(f, ["svg", "png", "pdf"], dpi=30, caption="Sources: \ud800 x.")
        ET.fromstring(out["svg"])  # valid XML
        assert out["png"].startswith(b"\x89PNG") and out["pdf"].startswith(b"%PDF")
