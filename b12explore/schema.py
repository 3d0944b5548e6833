"""Where the data folder is, and reading its ``datapackage.json``.

The folder is, in order: the argument given, ``$B12EXPLORE_DATA``, the repository's
``data/``. Only the parts of the Frictionless Table Schema the project uses are
supported: field types ``string``, ``integer``, ``number``, ``boolean``; constraints
``required``, ``unique``, ``enum``, ``minimum``, ``maximum``, ``pattern``; ``primaryKey``
(single or composite), ``foreignKeys``, ``missingValues`` and ``trueValues`` /
``falseValues`` (defaults as in Frictionless). Anything else is an error rather than
silently ignored: ``profile`` checks the descriptor's shape before any CSV is read.

The descriptor is also the project's one vocabulary (:class:`Vocabulary`): a coded
field lists its codes in display order in ``constraints.enum`` and may give display
labels in the field property ``enumLabels`` (``{"code": "Label"}``). Filters,
controls, command-line choices, summaries and charts read codes and labels from
there, so a code added to the descriptor works everywhere without a code change.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import DataFolderError, Problem, check_option
from .profile import TYPES

__all__ = [
    "DESCRIPTOR",
    "ENV_VAR",
    "TYPES",
    "Vocabulary",
    "field_names",
    "read_descriptor",
    "repo_data_dir",
    "resolve_data_dir",
    "resources",
    "VOCAB_ATTR",
    "shipped_vocabulary",
    "tag_vocabulary",
    "vocab_of",
]

DESCRIPTOR = "datapackage.json"
ENV_VAR = "B12EXPLORE_DATA"
#: What a missing code is called in every label.
NOT_REPORTED = "not reported"
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")


#: Why no folder was found when none was given (a non-editable install has no ``data/``).
NO_DEFAULT_FOLDER = (
    "no data folder given, and no data/ next to the package (an installed copy of "
    "b12explore does not include the data); pass the folder, "
    'load("path/to/data") or `b12explore validate path/to/data`, '
    f"or set the environment variable {ENV_VAR}=path/to/data"
)


def repo_data_dir() -> Path:
    """The repository's ``data/`` folder (next to the package; absent in a non-editable
    install, where :func:`resolve_data_dir` says what to pass instead).

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
        if not folder.is_dir():
            raise DataFolderError([Problem(str(folder), message=NO_DEFAULT_FOLDER)])
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
    from .localfiles import FileRefused, read_local
    from .profile import descriptor_problems

    name = str(Path(folder) / DESCRIPTOR)
    try:
        data = read_local(folder, DESCRIPTOR)
        if data is None:
            raise FileRefused("not found; a data folder needs a datapackage.json")
        text = data.decode("utf-8-sig")
    except FileRefused as exc:
        raise _folder_error(name, str(exc)) from None
    except UnicodeDecodeError as exc:
        raise _folder_error(name, f"not UTF-8 text (byte {exc.start})") from None
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFolderError(
            [Problem(name, exc.lineno, message=f"broken JSON at column {exc.colno}: {exc.msg}")]
        ) from None
    except RecursionError:
        raise _folder_error(name, "nested too deeply to be read") from None
    problems = descriptor_problems(descriptor, name)
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


# --------------------------------------------------------------------------- vocabulary


def readable(code: object) -> str:
    """A readable form of a code without a label: ``"nasal_spray"`` -> ``"Nasal spray"``.

    Missing values (``None``, NaN, ``pd.NA``) read ``"not reported"``.

    Examples
    --------
    >>> readable("nasal_spray"), readable(None)
    ('Nasal spray', 'not reported')
    """
    if _missing(code):
        return NOT_REPORTED
    return str(code).replace("_", " ").capitalize()


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """The codes, their order and display labels, as the descriptor declares them.

    A *coded field* is a string field with ``constraints.enum``. Its codes keep the
    enum's order (the display order everywhere); its labels come from the field
    property ``enumLabels`` and fall back to :func:`readable`. Fields are named
    without their table: a field name used by several tables (``route`` in
    ``studies`` and ``delivery_routes``) has the union of their codes, in
    descriptor order, unless a table is named.

    Parameters
    ----------
    enums : mapping
        ``{table: {field: (code, ...)}}`` in descriptor order.
    labels : mapping
        ``{field: {code: label}}``.
    titles : mapping
        ``{field: title}`` (the field's ``title``, when given).

    Examples
    --------
    >>> vocab = Vocabulary.from_descriptor(read_descriptor(repo_data_dir()))
    >>> vocab.codes("route", "studies")[:2]
    ('intramuscular', 'oral')
    >>> vocab.label("design", "rct"), vocab.label("route", "nasal_spray")
    ('RCT', 'Nasal spray')
    """

    enums: Mapping[str, Mapping[str, tuple[str, ...]]] = dataclasses.field(default_factory=dict)
    labels: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)
    titles: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_descriptor(cls, descriptor: Mapping[str, Any]) -> Vocabulary:
        """The vocabulary of a parsed ``datapackage.json``.

        Examples
        --------
        >>> d = {"resources": [{"name": "t", "schema": {"fields": [{"name": "f",
        ...      "constraints": {"enum": ["a_b", "c"]}, "enumLabels": {"c": "Cee"}}]}}]}
        >>> v = Vocabulary.from_descriptor(d)
        >>> v.codes("f"), v.label("f", "a_b"), v.label("f", "c")
        (('a_b', 'c'), 'A b', 'Cee')
        """
        enums: dict[str, dict[str, tuple[str, ...]]] = {}
        labels: dict[str, dict[str, str]] = {}
        titles: dict[str, str] = {}
        for res in descriptor.get("resources", []):
            for field in res.get("schema", {}).get("fields", []):
                name = field.get("name")
                if "title" in field:
                    titles.setdefault(name, str(field["title"]))
                enum = field.get("constraints", {}).get("enum")
                if field.get("type", "string") != "string" or not isinstance(enum, list):
                    continue
                enums.setdefault(res["name"], {})[name] = tuple(str(c) for c in enum)
                known = labels.setdefault(name, {})
                for code, label in (field.get("enumLabels") or {}).items():
                    known.setdefault(str(code), str(label))
        return cls(enums, labels, titles)

    def fields(self) -> tuple[str, ...]:
        """The coded fields, in descriptor order (each name once).

        Examples
        --------
        >>> Vocabulary({"t": {"a": ("x",), "b": ("y",)}, "u": {"a": ("z",)}}).fields()
        ('a', 'b')
        """
        return tuple(dict.fromkeys(f for table in self.enums.values() for f in table))

    def codes(self, field: str, table: str | None = None) -> tuple[str, ...]:
        """The codes of ``field`` in display (enum) order.

        Parameters
        ----------
        field : str
            A coded field, e.g. ``"route"``.
        table : str, optional
            Only this table's enum (else the union over tables, in descriptor order).

        Raises
        ------
        ValueError
            When the field (or table) has no codes, with a "did you mean".

        Examples
        --------
        >>> v = Vocabulary({"s": {"route": ("oral", "im")}, "d": {"route": ("oral", "nasal")}})
        >>> v.codes("route"), v.codes("route", "d")
        (('oral', 'im', 'nasal'), ('oral', 'nasal'))
        >>> v.codes("rout")
        Traceback (most recent call last):
        ...
        ValueError: field: 'rout' is not one of route; did you mean 'route'?
        """
        if table is not None:
            check_option("table", table, tuple(self.enums))
            check_option("field", field, tuple(self.enums[table]))
            return self.enums[table][field]
        check_option("field", field, self.fields())
        found = (t[field] for t in self.enums.values() if field in t)
        return tuple(dict.fromkeys(c for codes in found for c in codes))

    def label(self, field: str, code: object) -> str:
        """The display label of ``code`` in ``field``.

        ``enumLabels`` when the descriptor gives one, else :func:`readable` (so an
        unknown field or code still reads well); missing values read "not reported".

        Examples
        --------
        >>> Vocabulary(labels={"design": {"rct": "RCT"}}).label("design", "rct")
        'RCT'
        >>> Vocabulary().label("design", float("nan"))
        'not reported'
        """
        if _missing(code):
            return NOT_REPORTED
        text = str(code)
        return self.labels.get(field, {}).get(text) or readable(text)

    def labels_for(self, field: str, codes: Iterable[object]) -> list[str]:
        """:meth:`label` of each code (one lookup per distinct code).

        Examples
        --------
        >>> Vocabulary(labels={"r": {"im": "IM"}}).labels_for("r", ["im", "oral", "im"])
        ['IM', 'Oral', 'IM']
        """
        seen: dict[object, str] = {}
        out = []
        for code in codes:
            key = NOT_REPORTED if _missing(code) else str(code)
            if key not in seen:
                seen[key] = self.label(field, code)
            out.append(seen[key])
        return out

    def __deepcopy__(self, memo: dict) -> Vocabulary:
        # immutable: pandas deep-copies ``DataFrame.attrs`` on every operation
        return self

    def title(self, field: str) -> str:
        """The field's ``title`` in the descriptor, else a readable form of its name.

        Examples
        --------
        >>> Vocabulary(titles={"b12_form": "B12 form"}).title("b12_form")
        'B12 form'
        """
        return self.titles.get(field) or readable(field)


_SHIPPED: dict[str, Vocabulary] = {}


def shipped_vocabulary() -> Vocabulary:
    """The vocabulary of the default data folder (``$B12EXPLORE_DATA`` or ``data/``).

    For functions called on bare tables without an ``Evidence`` (whose
    ``evidence.vocab`` should be preferred). Read once per folder; an empty
    vocabulary (readable labels only) when no data folder can be found.

    Examples
    --------
    >>> shipped_vocabulary().label("outcome", "vas")
    'Pain VAS'
    """
    folder = os.environ.get(ENV_VAR) or str(repo_data_dir())
    if folder not in _SHIPPED:
        try:
            _SHIPPED[folder] = Vocabulary.from_descriptor(read_descriptor(folder))
        except DataFolderError:
            _SHIPPED[folder] = Vocabulary()
    return _SHIPPED[folder]


#: ``DataFrame.attrs`` key under which a loaded table carries its vocabulary.
VOCAB_ATTR = "vocabulary"


def tag_vocabulary(evidence: Any) -> Any:
    """Let every table of ``evidence`` carry its vocabulary (``attrs[VOCAB_ATTR]``).

    So a function given one table (``sample_size_chart(evidence.studies)``) labels
    a researcher's own codes from their descriptor; pandas keeps ``attrs`` through
    row selections (filters), and copies of the vocabulary cost nothing. Called by
    :func:`b12explore.io.load`; returns ``evidence``.

    Examples
    --------
    >>> from b12explore import load
    >>> ev = load()
    >>> ev.studies.attrs[VOCAB_ATTR] is ev.vocab
    True
    """
    vocab = evidence.vocab
    fields = (getattr(evidence, f.name) for f in dataclasses.fields(evidence))
    for frame in (*fields, *evidence.others.values()):
        if hasattr(frame, "attrs"):  # the DataFrames among the fields
            frame.attrs[VOCAB_ATTR] = vocab
    return evidence


def vocab_of(data: Any) -> Vocabulary:
    """The vocabulary behind an ``Evidence`` or one of its tables.

    ``evidence.vocab``; a table's ``attrs[VOCAB_ATTR]`` (set by ``load`` and kept
    by row selections); else :func:`shipped_vocabulary`.

    Examples
    --------
    >>> from b12explore import load
    >>> ev = load()
    >>> vocab_of(ev) is vocab_of(ev.studies.head(3)) is ev.vocab
    True
    >>> vocab_of(None) is shipped_vocabulary()
    True
    """
    vocab = getattr(data, "vocab", None)
    if isinstance(vocab, Vocabulary):
        return vocab
    attrs = getattr(data, "attrs", None)
    if isinstance(attrs, dict) and isinstance(attrs.get(VOCAB_ATTR), Vocabulary):
        return attrs[VOCAB_ATTR]
    return shipped_vocabulary()
