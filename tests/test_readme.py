"""Every README example runs as written (issue 9: ``meta.pool(yi, vi, ...)`` used names it
never defined). Each ``python`` block is executed in a fresh namespace, in a temporary
folder (so files it writes land there), in README order; the shell commands that need no
set-up beyond the package are run too."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_readme_has_python_examples() -> None:
    assert BLOCKS


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs(index: int, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code = compile(BLOCKS[index], f"README.md python block {index + 1}", "exec")
    exec(code, {"__name__": "__readme__"})  # noqa: S102 - the README's own examples


def test_readme_validate_command_runs() -> None:
    assert ".venv/bin/python -m b12explore validate data" in README
    done = subprocess.run(
        [sys.executable, "-m", "b12explore", "validate", "data"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_readme_make_targets_exist() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"`make (\w+)", README):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_make_export_works_without_activating_anything(tmp_path: Path) -> None:
    # issue 9: the README's `python -m b12explore export` failed outside the venv; the
    # README now says `make export ARGS=...`, which uses the project's own interpreter
    assert 'make export ARGS="--route oral"' in README
    out = tmp_path / "out"
    done = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.installed-lab",
            "export",
            f"BIN={Path(sys.executable).parent}",
            f"OUT={out}",
            "ARGS=--route oral --format png --jobs 1",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    names = {p.name for p in out.iterdir()}
    assert "citations.ris" in names and any(n.endswith(".png") for n in names)
