"""Files of the data folder that are not plain files (issue 15), control characters,
capped warnings and integer limits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from broken_csv import check_both_paths, columns, csv_line, make_folder, studies_text, study

from b12explore.cli import main
from b12explore.errors import MAX_PER_COLUMN, DataFolderError, DataValidationError
from b12explore.io import load

REPO = Path(__file__).resolve().parent.parent
SECRET = "TOP-SECRET-CONTENT-1234"


def _problems(folder) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        load(folder)
    return [str(p) for p in info.value.problems]


def test_symlink_to_a_device_is_refused_without_reading(tmp_path):
    folder = make_folder(tmp_path)
    (folder / "results.csv").symlink_to("/dev/zero")
    assert _problems(folder) == [
        "results.csv: not a regular file (a device); refused without reading it"
    ]


def test_fifo_is_never_opened(tmp_path):
    folder = make_folder(tmp_path)
    os.mkfifo(folder / "results.csv")
    code = f"import b12explore.cli as c; raise SystemExit(c.main(['validate', {str(folder)!r}]))"
    out = subprocess.run(  # a regression would block: the timeout turns it into a failure
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert out.returncode == 1
    assert out.stdout.strip() == (
        "results.csv: not a regular file (a named pipe); refused without reading it"
    )


def test_fifo_as_descriptor_exits_2(tmp_path, capsys):
    folder = make_folder(tmp_path)
    (folder / "datapackage.json").unlink()
    os.mkfifo(folder / "datapackage.json")
    assert main(["validate", str(folder)]) == 2
    assert "not a regular file (a named pipe)" in capsys.readouterr().err


def test_symlink_leaving_the_folder_is_refused_and_never_quoted(tmp_path, capsys):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(studies_text().replace("A trial", SECRET), encoding="utf-8")
    folder = make_folder(tmp_path / "in", studies=None)
    (folder / "studies.csv").symlink_to(outside)
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr()
    assert out.out.strip() == (
        "studies.csv: is a link to a file outside the data folder; refused (copy the file "
        "into the folder)"
    )
    assert SECRET not in out.out + out.err


def test_symlink_inside_the_folder_is_followed(tmp_path):
    folder = make_folder(tmp_path, studies=None)
    (folder / "real.csv").write_text(studies_text(), encoding="utf-8")
    (folder / "studies.csv").symlink_to("real.csv")
    assert load(folder).studies["study_id"].tolist() == ["s1", "s2"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda f: (f / "results.csv").symlink_to(f / "gone.csv"), "is a link to a file that"),
        (lambda f: (f / "results.csv").symlink_to(f / "results.csv"), "loops back on itself"),
    ],
)
def test_broken_link_as_optional_table_is_an_error_not_zero_results(tmp_path, make, message):
    folder = make_folder(tmp_path)
    make(folder)
    (found,) = _problems(folder)
    assert found.startswith("results.csv: ") and message in found


def test_descriptor_linked_from_outside_is_refused(tmp_path):
    outside = tmp_path / "dp.json"
    outside.write_text((make_folder(tmp_path / "a") / "datapackage.json").read_text("utf-8"))
    folder = make_folder(tmp_path / "b")
    (folder / "datapackage.json").unlink()
    (folder / "datapackage.json").symlink_to(outside)
    with pytest.raises(DataFolderError, match="outside the data folder"):
        load(folder)


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1b", "\x1f"])
def test_control_characters_in_text_cells_are_refused(tmp_path, char):
    folder = make_folder(tmp_path, studies=studies_text(study(1), study(2, title=f"a{char}b")))
    shown = json.dumps(f"a{char}b")
    assert _problems(folder) == [
        f'studies.csv, line 3, column "title": expected text without control characters, '
        f"got {shown}"
    ]
    assert check_both_paths(folder)


def test_tabs_and_newlines_in_text_are_fine(tmp_path):
    ev = load(make_folder(tmp_path, studies=studies_text(study(1, summary="a\tb\nc"))))
    assert ev.studies.loc[0, "summary"] == "a\tb\nc"


def test_warnings_are_capped_like_problems(tmp_path):
    cols = columns("studies")
    extra = [f"extra_{i}" for i in range(200)]
    lines = studies_text().splitlines()
    text = (
        "\n".join([csv_line(cols + extra)] + [line + "," * len(extra) for line in lines[1:]])
        + "\n"
    )
    ev = load(make_folder(tmp_path, studies=text))
    assert len(ev.warnings) == MAX_PER_COLUMN + 1
    assert ev.warnings[-1] == f"studies.csv: ... and {200 - MAX_PER_COLUMN} more warnings"


def test_participant_counts_have_a_sane_maximum(tmp_path):
    folder = make_folder(tmp_path, studies=studies_text(study(1, n_enrolled=str(2**62))))
    (found,) = _problems(folder)
    assert found.startswith(
        'studies.csv, line 2, column "n_enrolled": expected an integer between'
    )
