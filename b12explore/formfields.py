"""What a form needs to know about each field, read from ``datapackage.json`` only.

Coded fields (``enum``, labels from ``enumLabels``, else the code), numbers with their
range, booleans, foreign keys, multi-value fields (a ``pattern`` of the form
``ITEM(SEP ITEM)*``, such as ``source_url`` or ``outcomes``) and URL fields (a pattern
starting ``https?://``). Checks are :func:`b12explore.validate.check_value`: the same
per-value checks as :func:`b12explore.load`.
"""

from __future__ import annotations

import dataclasses
import re

from .schema import key_fields, resources
from .validate import check_value

__all__ = ["FieldInfo", "field_infos", "split_multi"]

_MULTI = re.compile(r"(?P<item>.+?)\((?P<sep>[^()]*?)(?P=item)\)\*")


@dataclasses.dataclass(frozen=True)
class FieldInfo:
    """What a form needs to know about one field, read from the descriptor.

    ``kind`` is one of ``"enum"``, ``"boolean"``, ``"integer"``, ``"number"``,
    ``"reference"`` (a foreign key: choices are the referenced keys), ``"multi"`` (several
    values joined by ``separator``), ``"url"``, ``"text"``.
    """

    name: str
    title: str
    description: str
    kind: str
    required: bool
    field: dict
    choices: tuple[tuple[str, str], ...] = ()  # (label, code)
    minimum: float | None = None
    maximum: float | None = None
    separator: str | None = None
    item_pattern: str | None = None
    url: bool = False
    reference: tuple[str, str] | None = None  # (resource, field)

    def check(self, text: str, missing_values=("",)) -> str | None:
        """The problem with ``text`` as :func:`b12explore.load` would see it, or None.

        Examples
        --------
        >>> info = FieldInfo("n", "n", "", "integer", False, {"type": "integer",
        ...                  "constraints": {"minimum": 1}}, minimum=1)
        >>> info.check("0")
        'expected an integer >= 1, got "0"'
        """
        message = check_value(self.field, text, missing_values=missing_values)
        if message and self.separator is not None and self.item_pattern:
            item = {"name": self.name, "constraints": {"pattern": self.item_pattern}}
            bad = [v for v in split_multi(text, self.separator) if check_value(item, v)]
            if bad:
                message += f" (not valid: {', '.join(bad[:3])})"
        return message


def split_multi(text: str, separator: str) -> list[str]:
    """Values of a multi-value cell.

    Examples
    --------
    >>> split_multi("a | b", " | "), split_multi("vas;odi", ";")
    (['a', 'b'], ['vas', 'odi'])
    """
    return [v.strip() for v in str(text).split(separator.strip() or separator) if v.strip()]


def _multi(pattern: str) -> tuple[str, str] | None:
    match = _MULTI.fullmatch(pattern or "")
    if not match:
        return None
    sep = re.sub(r"\\(.)", r"\1", match["sep"])
    return match["item"], sep


def field_infos(descriptor: dict, table: str) -> list[FieldInfo]:
    """One :class:`FieldInfo` per field of ``table``, in schema order.

    Examples
    --------
    >>> from b12explore.schema import read_descriptor, repo_data_dir
    >>> infos = {f.name: f for f in field_infos(read_descriptor(repo_data_dir()), "studies")}
    >>> infos["design"].kind, infos["design"].choices[0][1]
    ('enum', 'rct')
    >>> infos["source_url"].kind, infos["source_url"].separator, infos["source_url"].url
    ('multi', ' | ', True)
    >>> infos["n_enrolled"].kind, infos["n_enrolled"].minimum
    ('integer', 1)
    """
    res = resources(descriptor)[table]
    schema = res["schema"]
    refs = {}
    for fk in schema.get("foreignKeys", []):
        cols, ref = key_fields(fk.get("fields")), fk.get("reference", {})
        if len(cols) == 1:
            refs[cols[0]] = (ref.get("resource") or table, key_fields(ref.get("fields"))[0])
    out = []
    for field in schema["fields"]:
        c = field.get("constraints", {})
        ftype = field.get("type", "string")
        pattern = c.get("pattern", "")
        multi = _multi(pattern)
        item = multi[0] if multi else pattern
        common = {
            "name": field["name"],
            "title": field.get("title", field["name"]),
            "description": field.get("description", ""),
            "required": bool(c.get("required")),
            "field": field,
            "url": item.startswith("https?://") or field.get("format") == "uri",
        }
        if "enum" in c:
            labels = field.get("enumLabels", {})
            choices = tuple((str(labels.get(v, v)), str(v)) for v in c["enum"])
            out.append(FieldInfo(kind="enum", choices=choices, **common))
        elif ftype == "boolean":
            out.append(FieldInfo(kind="boolean", **common))
        elif ftype in ("integer", "number"):
            out.append(
                FieldInfo(kind=ftype, minimum=c.get("minimum"), maximum=c.get("maximum"), **common)
            )
        elif field["name"] in refs:
            out.append(FieldInfo(kind="reference", reference=refs[field["name"]], **common))
        elif multi:
            out.append(FieldInfo(kind="multi", separator=multi[1], item_pattern=item, **common))
        else:
            out.append(FieldInfo(kind="url" if common["url"] else "text", **common))
    return out
