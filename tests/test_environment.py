"""environment.yml (conda) and pyproject.toml (pip) must name the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"^([A-Za-z0-9_.-]+)(.*)$")


def _normalise(requirement: str) -> tuple[str, str]:
    match = NAME.match(requirement.replace(" ", ""))
    assert match, requirement
    return match.group(1).lower().replace("_", "-"), match.group(2)


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in ("lab", "test"):
        reqs += [r for r in project["optional-dependencies"][extra] if "b12explore" not in r]
    return dict(_normalise(r) for r in reqs)


def _conda_requirements() -> tuple[dict[str, str], list[str]]:
    deps, pip_section, in_pip, in_deps = {}, [], False, False
    for raw in (ROOT / "environment.yml").read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not raw.startswith(" "):
            in_deps = line == "dependencies:"
            continue
        if not in_deps:
            continue
        if line.strip() == "- pip:":
            in_pip = True
            continue
        if in_pip and raw.startswith("      - "):
            pip_section.append(line.strip()[2:])
            continue
        in_pip = False
        if raw.startswith("  - ") and ":" not in line:
            name, spec = _normalise(line.strip()[2:])
            deps[name] = spec
    return deps, pip_section


def test_environment_names_the_same_pinned_dependencies_as_pyproject():
    conda, _ = _conda_requirements()
    conda.pop("python")
    conda.pop("pip")
    assert conda == _pyproject_requirements()


def test_environment_installs_the_package_itself_with_pip():
    _, pip_section = _conda_requirements()
    assert pip_section == ["-e ."]


def test_environment_uses_conda_forge_only():
    text = (ROOT / "environment.yml").read_text()
    assert "  - conda-forge\n  - nodefaults\n" in text


def test_environment_python_matches_requires_python():
    conda, _ = _conda_requirements()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert conda["python"] == project["requires-python"]
