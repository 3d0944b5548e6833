"""The skip policy of ``tests/conftest.py``: without Chromium a browser test skips on a laptop,
with a message saying how to enable it, and fails under ``CI=true``.

Runs pytest in a subprocess on a one-test project that uses the real ``conftest.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TEST = """
import pytest

@pytest.mark.browser
def test_needs_a_browser(browser):
    assert browser is not None
"""


def run_pytest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("conftest.py", "_servers.py"):
        shutil.copyfile(HERE / name, project / name)
    (project / "test_one.py").write_text(TEST, encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "B12EXPLORE_CHROMIUM")}
    environ.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-rsfE",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:nbval",
            str(project),
        ],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


MESSAGE = (
    "Chromium not found: apt-get install chromium (or set B12EXPLORE_CHROMIUM) "
    "to run browser tests"
)


def test_missing_chromium_skips_with_instructions_on_a_laptop(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, B12EXPLORE_CHROMIUM=str(tmp_path / "no-such-chromium"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert MESSAGE in result.stdout


@pytest.mark.parametrize("ci", ["true", "1"])
def test_missing_chromium_fails_in_ci(tmp_path: Path, ci: str) -> None:
    result = run_pytest(tmp_path, CI=ci, B12EXPLORE_CHROMIUM=str(tmp_path / "no-such-chromium"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 error" in result.stdout  # fails in set-up, before the test body
    assert MESSAGE in result.stdout
    assert "skipped" not in result.stdout


def test_ci_false_still_skips(tmp_path: Path) -> None:
    result = run_pytest(
        tmp_path, CI="false", B12EXPLORE_CHROMIUM=str(tmp_path / "no-such-chromium")
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
