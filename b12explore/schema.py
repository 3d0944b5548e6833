"""Where the data folder is, and reading its ``datapackage.json``.

The folder is, in order: the argument given, ``$B12EXPLORE_DATA``, the repository's
``data/``. Only the parts of the Frictionless Table Schema the project uses are
supported: field types ``string``, ``integer``, ``number``, ``boolean``; constraints
``required``, ``unique``, ``enum``, ``minimum``, ``maximum``, ``pattern``; ``primaryKey``
(single or composite), ``foreignKeys``, ``missingValues`` and ``trueValues`` /
``falseValues`` (defaults as in Frictionless). Anything else in a field is an error
here rather than silently ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .errors import DataFolderError, Problem

__all__ = [
    "DESCRIPTOR",
    "ENV_VAR",
    "TYPES",
    "field_names",
    "read_descriptor",
    "repo_data_dir",
    "resolve_data_dir",
    "resources",
]

DESCRIPTOR = "datapackage.json"
ENV_VAR = "B12EXPLORE_DATA"
TYPES = ("string", "integer", "number", "boolean")
CONSTRAINTS = {"required", "unique", "enum", "minimum", "maximum", "pattern"}
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")


def repo_data_dir() -> Path:
    """The repository's ``data/`` folder (next to the package).

    Examples
    --------
    >>> repo_data_dir().name
    'data'
    """
    return Path(__file__).resolve().parent.parent / "data"


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The data folder: ``data_dir`` if given, else ``$B12EXPLORE_DATA``, else ``data/``.

    Parameters
    ----------
    data_dir : str or PathLike, optional
        Folder holding ``datapackage.json`` and the CSV files.

    Returns
    -------
    Path
        The folder (checked to exist and be a directory).

    Raises
    ------
    DataFolderError
        When the folder does not exist or is not a directory.

    Examples
    --------
    >>> resolve_data_dir("data").name
    'data'
    """
    if data_dir is not None:
        folder, origin = Path(data_dir), ""
    elif os.environ.get(ENV_VAR):
        folder, origin = Path(os.environ[ENV_VAR]), f" (from ${ENV_VAR})"
    else:
        folder, origin = repo_data_dir(), ""
    if not folder.exists():
        raise DataFolderError([Problem(str(folder), message=f"data folder not found{origin}")])
    if not folder.is_dir():
        raise DataFolderError([Problem(str(folder), message=f"not a folder{origin}")])
    return folder


def read_descriptor(folder: str | os.PathLike) -> dict[str, Any]:
    """Read and check ``datapackage.json`` in ``folder``.

    Parameters
    ----------
    folder : str or PathLike
        The data folder.

    Returns
    -------
    dict
        The parsed descriptor.

    Raises
    ------
    DataFolderError
        Missing, unreadable, not JSON (naming the line and column), or not a
        descriptor this package can use (naming the resource and field).

    Examples
    --------
    >>> d = read_descriptor(repo_data_dir())
    >>> "studies" in resources(d)
    True
    """
    path = Path(folder) / DESCRIPTOR
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise _folder_error(name, "not found; a data folder needs a datapackage.json") from None
    except UnicodeDecodeError as exc:
        raise _folder_error(name, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise _folder_error(name, f"cannot be read ({exc.strerror or exc})") from None
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFolderError(
            [Problem(name, exc.lineno, message=f"broken JSON at column {exc.colno}: {exc.msg}")]
        ) from None
    problems = list(_check_descriptor(descriptor, name))
    if problems:
        raise DataFolderError(problems)
    return descriptor


def resources(descriptor: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Resource name -> resource dict, in descriptor order.

    Examples
    --------
    >>> list(resources({"resources": [{"name": "a"}, {"name": "b"}]}))
    ['a', 'b']
    """
    return {r["name"]: r for r in descriptor.get("resources", [])}


def field_names(resource: dict[str, Any]) -> list[str]:
    """The field names of a resource, in schema order.

    Examples
    --------
    >>> field_names({"schema": {"fields": [{"name": "x"}, {"name": "y"}]}})
    ['x', 'y']
    """
    return [f["name"] for f in resource["schema"]["fields"]]


def key_fields(spec: str | list[str] | None) -> list[str]:
    """A primary or foreign key spec as a list of field names.

    Examples
    --------
    >>> key_fields("study_id"), key_fields(["route", "feature"]), key_fields(None)
    (['study_id'], ['route', 'feature'], [])
    """
    if spec is None:
        return []
    return [spec] if isinstance(spec, str) else list(spec)


def _folder_error(name: str, message: str) -> DataFolderError:
    return DataFolderError([Problem(name, message=message)])


def _check_descriptor(descriptor: Any, name: str):
    """Yield problems that make the descriptor unusable."""
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        yield Problem(name, message='expected a JSON object with a "resources" list')
        return
    seen = set()
    for i, res in enumerate(descriptor["resources"]):
        where = f"resource {i + 1}"
        if not isinstance(res, dict) or not isinstance(res.get("name"), str):
            yield Problem(name, message=f"{where}: expected an object with a name")
            continue
        where = f'resource "{res["name"]}"'
        if res["name"] in seen:
            yield Problem(name, message=f"{where}: declared twice")
        seen.add(res["name"])
        if not isinstance(res.get("path"), str) or Path(res["path"]).name != res["path"]:
            yield Problem(name, message=f"{where}: expected a plain file name as path")
        yield from _check_schema(res.get("schema"), name, where)
    if "studies" not in seen:
        yield Problem(name, message='expected a resource named "studies"')


def _check_schema(schema: Any, name: str, where: str):
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        yield Problem(name, message=f"{where}: expected a schema with a fields list")
        return
    names = []
    for field in schema["fields"]:
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            yield Problem(name, message=f"{where}: every field needs a name")
            continue
        names.append(field["name"])
        yield from _check_field(field, name, f'{where}, field "{field["name"]}"')
    for key in key_fields(schema.get("primaryKey")):
        if key not in names:
            yield Problem(name, message=f"{where}: primaryKey names unknown field {key!r}")
    for fk in schema.get("foreignKeys", []):
        for key in key_fields(fk.get("fields")):
            if key not in names:
                yield Problem(name, message=f"{where}: foreignKey names unknown field {key!r}")


def _check_field(field: dict, name: str, where: str):
    ftype = field.get("type", "string")
    if ftype not in TYPES:
        yield Problem(name, message=f"{where}: type {ftype!r} is not supported ({TYPES})")
    constraints = field.get("constraints", {})
    unknown = set(constraints) - CONSTRAINTS if isinstance(constraints, dict) else {"?"}
    if unknown:
        yield Problem(name, message=f"{where}: unsupported constraints {sorted(unknown)}")
    elif "enum" in constraints and not isinstance(constraints["enum"], list):
        yield Problem(name, message=f"{where}: enum must be a list")
    elif any(
        isinstance(constraints.get(k), bool) or not isinstance(constraints.get(k, 0), int | float)
        for k in ("minimum", "maximum")
    ):
        yield Problem(name, message=f"{where}: minimum and maximum must be numbers")
    elif "pattern" in constraints:
        import re

        try:
            re.compile(constraints["pattern"])
        except (re.error, TypeError) as exc:
            yield Problem(name, message=f"{where}: pattern is not a valid regex ({exc})")
