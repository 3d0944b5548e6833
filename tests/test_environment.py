"""Packaging: pyproject.toml (ranges), .ci/constraints.txt (exact versions make installs),
environment.yml (conda) and the pytest / make entry points agree with each other.

environment.yml is read with a real YAML parser (PyYAML) and its specifiers compared as
``packaging`` specifier sets. The conda environment itself cannot be created here: CI
machines reach PyPI, Debian and npm but not conda-forge, so these tests check everything
about the file short of solving it (see the README, "Conda instead of pip").
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

import b12explore

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
CONSTRAINTS = ROOT / ".ci" / "constraints.txt"
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
CONDA_SPEC = re.compile(r"^([A-Za-z0-9_.-]+)\s*(.*)$")


def _requirements(extras: tuple[str, ...]) -> list[Requirement]:
    reqs = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in extras:
        reqs += [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
    return [r for r in reqs if canonicalize_name(r.name) != "b12explore"]


def _by_name(reqs: list[Requirement]) -> dict[str, SpecifierSet]:
    return {canonicalize_name(r.name): r.specifier for r in reqs}


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def _conda_dependencies() -> tuple[dict[str, SpecifierSet], list[str]]:
    conda, pip = {}, []
    for item in _environment()["dependencies"]:
        if isinstance(item, dict):
            pip += item["pip"]
            continue
        match = CONDA_SPEC.match(item)
        assert match, f"environment.yml: cannot read the dependency {item!r}"
        conda[canonicalize_name(match.group(1))] = SpecifierSet(match.group(2))
    return conda, pip


def _constraints() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for number, raw in enumerate(CONSTRAINTS.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep and name and version, f"constraints.txt, line {number}: not name==version"
        key = canonicalize_name(name)
        assert key not in pins, f"constraints.txt, line {number}: {name} pinned twice"
        pins[key] = Version(version)
    return pins


# -- pyproject.toml -------------------------------------------------------------------------


def test_runtime_dependencies_are_ranges_not_pins() -> None:
    pinned = [str(r) for r in _requirements(()) if any(s.operator == "==" for s in r.specifier)]
    assert not pinned, f"a library takes ranges; exact versions go in constraints: {pinned}"


def test_every_dependency_has_a_lower_bound() -> None:
    reqs = _requirements(tuple(PROJECT["optional-dependencies"]))
    unbounded = [str(r) for r in reqs if not any(s.operator == ">=" for s in r.specifier)]
    assert not unbounded


def test_version_has_one_source_the_package() -> None:
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    attr = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "b12explore.__version__"
    Version(b12explore.__version__)  # a valid version string


# -- .ci/constraints.txt --------------------------------------------------------------------


def test_every_dependency_has_a_constraint_within_its_range() -> None:
    pins = _constraints()
    reqs = _requirements(tuple(PROJECT["optional-dependencies"]))
    missing = [r.name for r in reqs if canonicalize_name(r.name) not in pins]
    assert not missing, f"no line in .ci/constraints.txt for {missing}"
    outside = {
        str(r): str(pins[canonicalize_name(r.name)])
        for r in reqs
        if not r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True)
    }
    assert not outside, f"constraint outside the range of pyproject.toml: {outside}"


def test_constraints_do_not_pin_the_project_itself() -> None:
    assert "b12explore" not in _constraints()


def test_make_installs_every_extra_from_the_constraints() -> None:
    assert re.search(r"^CONSTRAINTS := \.ci/constraints\.txt$", MAKEFILE, re.M)
    assert re.search(r"^PIP_INSTALL := .*pip install .*-c \$\(CONSTRAINTS\)", MAKEFILE, re.M)
    installs = [line for line in MAKEFILE.splitlines() if "-e '." in line]
    assert len(installs) == 3  # lab, test, test+bench
    assert all(line.strip().startswith("$(PIP_INSTALL) -e") for line in installs), installs
    stamps = re.findall(r"^\$\(VENV\)/\.installed-\w+: (.*)\|", MAKEFILE, re.M)
    assert stamps and all("$(CONSTRAINTS)" in s for s in stamps)


# -- environment.yml ------------------------------------------------------------------------


def test_environment_names_the_same_dependencies_and_ranges_as_pyproject() -> None:
    conda, _ = _conda_dependencies()
    conda.pop("python")
    conda.pop("pip")
    assert conda == _by_name(_requirements(("lab", "test")))


def test_environment_installs_the_package_itself_with_pip() -> None:
    _, pip = _conda_dependencies()
    assert pip == ["-e ."]


def test_environment_uses_conda_forge_only() -> None:
    env = _environment()
    assert env["name"] == "b12explore"
    assert env["channels"] == ["conda-forge", "nodefaults"]


def test_environment_python_matches_requires_python() -> None:
    conda, _ = _conda_dependencies()
    assert conda["python"] == SpecifierSet(PROJECT["requires-python"])


# -- pytest and make entry points -----------------------------------------------------------


def _pytest_args(line: str) -> list[str]:
    return shlex.split(line.replace("$(BIN)/python -m pytest", "pytest", 1))


def test_bare_pytest_runs_the_fast_tests_only() -> None:
    ini = PYPROJECT["tool"]["pytest"]["ini_options"]
    addopts = shlex.split(ini["addopts"])
    assert "notebooks" not in ini["testpaths"]
    assert not any(a.startswith("--nbval") for a in addopts)
    marks = addopts[addopts.index("-m") + 1]
    assert marks == "not browser and not server"
    assert {"browser", "server"} <= {m.split(":")[0] for m in ini["markers"]}


def test_make_test_runs_everything() -> None:
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", MAKEFILE, re.M)
    assert recipe
    line = next(x for x in recipe.group(1).splitlines() if "-m pytest" in x)
    args = _pytest_args(line.strip())
    assert args[args.index("-m") + 1] == ""  # the last -m wins: no marker deselected
    assert "--nbval-lax" in args
    assert {"b12explore", "tests", "notebooks"} <= set(args)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == "make test"
    assert "make test " in readme


@pytest.mark.parametrize("extra", sorted(PROJECT["optional-dependencies"]))
def test_extras_have_no_duplicates(extra: str) -> None:
    names = [canonicalize_name(r.name) for r in _requirements((extra,))]
    assert len(names) == len(set(names))
