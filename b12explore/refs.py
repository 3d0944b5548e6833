"""Import references (RIS, BibTeX, PubMed .nbib) as candidate rows of a data folder.

``python -m b12explore import-refs FILE --into DIR`` and the form's "Import references"
turn a reference manager's export into rows of the ``candidates`` table: bibliographic
fields filled (first author, authors, year, title, journal, volume, issue, pages, DOI,
PMID, URL), ``status`` ``to_complete``. A candidate becomes a study in the entry form
("From"), which sets its ``status`` to ``added`` and its ``study_id``. Candidates are a
table of their own because a study row needs design, route, findings and a source
that a reference file does not have, and nothing may be invented to fill them.

Parsing is in :mod:`b12explore.refparse` (rispy, bibtexparser).

References already in the folder are skipped: same DOI (case-insensitive), same PMID,
or the same normalised title (:func:`normalise_title`) as a row of ``studies``,
``reports`` (when present) or ``candidates``, or as an earlier reference of the file.
A value that does not fit the candidates schema (a malformed DOI) is left out and
said so. A broken or empty file raises :class:`RefsError` and nothing is written.

Examples
--------
>>> normalise_title("B12 for Low-Back Pain.") == normalise_title("b12 for low back pain")
True
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

from .refparse import MedlineParser, RefsError, normalise_title, parse_references
from .rows import apply_changes, check_writable, read_table_text
from .schema import DESCRIPTOR, read_descriptor, resources
from .validate import check_value

__all__ = [
    "CANDIDATES",
    "CANDIDATES_RESOURCE",
    "ImportReport",
    "MedlineParser",
    "RefsError",
    "import_refs",
    "normalise_title",
    "parse_references",
]

CANDIDATES = "candidates"
_URL = r"https?://\S+( \| https?://\S+)*"


def _f(name: str, title: str, description: str, **extra: Any) -> dict:
    return {"name": name, "type": "string", "title": title, "description": description, **extra}


#: The resource added to a folder's ``datapackage.json`` by the first import.
CANDIDATES_RESOURCE: dict = {
    "name": CANDIDATES,
    "path": "candidates.csv",
    "profile": "tabular-data-resource",
    "title": "Candidate studies from imported references",
    "format": "csv",
    "mediatype": "text/csv",
    "encoding": "utf-8",
    "dialect": {"delimiter": ",", "header": True},
    "schema": {
        "fields": [
            _f(
                "candidate_id",
                "Candidate",
                "Unique slug made from the first author and year.",
                constraints={"required": True, "unique": True, "pattern": "[a-z0-9_]+"},
            ),
            _f(
                "status",
                "Status",
                "to_complete: imported, not yet a study; added: now the study in study_id; "
                "excluded: read and left out.",
                constraints={"required": True, "enum": ["to_complete", "added", "excluded"]},
                enumLabels={
                    "to_complete": "Candidate, to be completed",
                    "added": "Added as a study",
                    "excluded": "Excluded",
                },
            ),
            _f("study_id", "Study", "The study this candidate became (studies.study_id)."),
            _f("first_author", "First author", "Surname of the first author."),
            _f("authors", "Authors", "All authors, 'Surname, Initials; ...', as in the file."),
            {
                "name": "year",
                "type": "integer",
                "title": "Year",
                "description": "Year of publication.",
                "constraints": {"minimum": 1800},
            },
            _f("title", "Title", "Title of the publication."),
            _f("journal", "Journal", "Journal name."),
            _f("volume", "Volume", "Journal volume."),
            _f("issue", "Issue", "Journal issue."),
            _f("pages", "Pages", "Page range or article number."),
            _f(
                "doi",
                "DOI",
                "Digital Object Identifier, without the https://doi.org/ prefix.",
                constraints={"pattern": r"10\.\d{4,9}/\S+"},
            ),
            _f("pmid", "PMID", "PubMed identifier.", constraints={"pattern": "[0-9]{1,9}"}),
            _f(
                "url", "URL", "Link(s) given in the reference file.", constraints={"pattern": _URL}
            ),
            _f("imported_from", "Imported from", "Name of the reference file."),
            _f("note", "Note", "What the import left out, and why."),
        ],
        "primaryKey": "candidate_id",
        "foreignKeys": [
            {"fields": "study_id", "reference": {"resource": "studies", "fields": "study_id"}}
        ],
    },
}


# --------------------------------------------------------------------------- importing
@dataclasses.dataclass
class ImportReport:
    """What an import did: ``added`` candidate ids, ``duplicates`` and ``skipped``
    (each ``(reference, why)``), ``notes`` (values left out), ``files`` written."""

    added: list[str] = dataclasses.field(default_factory=list)
    duplicates: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    skipped: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    files: list[Path] = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        """One line: counts of added, already present and skipped references."""
        text = f"{len(self.added)} candidates added"
        if self.duplicates:
            text += f", {len(self.duplicates)} already in the folder"
        if self.skipped:
            text += f", {len(self.skipped)} skipped (no title, DOI or PMID)"
        return text


def _label(ref: dict[str, str]) -> str:
    return f"{ref.get('first_author') or '?'} {ref.get('year') or ''}: {ref.get('title', '')[:60]}"


def _known(folder: Path, descriptor: dict) -> dict[str, dict[str, str]]:
    """Identifier -> where it is already, for DOI, PMID and normalised title."""
    known: dict[str, dict[str, str]] = {"doi": {}, "pmid": {}, "title": {}}
    for table in ("studies", "reports", CANDIDATES):
        res = resources(descriptor).get(table)
        if res is None:
            continue
        text = read_table_text(folder, res)
        key = res["schema"].get("primaryKey")
        key = key if isinstance(key, str) else (key or ["?"])[0]
        for i in range(len(text.records)):
            row = text.row_dict(i)
            where = f"{res['path']} ({row.get(key, '?')})"
            if row.get("doi"):
                known["doi"].setdefault(row["doi"].lower(), where)
            if row.get("pmid"):
                known["pmid"].setdefault(row["pmid"], where)
            if normalise_title(row.get("title")):
                known["title"].setdefault(normalise_title(row["title"]), where)
    return known


def _slug(ref: dict[str, str], taken: set[str]) -> str:
    base = normalise_title(ref.get("first_author")).replace(" ", "") or "ref"
    base = re.sub(r"[^a-z0-9_]", "", base + (ref.get("year") or ""))
    slug, n = base, 0
    while slug in taken:
        n += 1
        slug = f"{base}_{n}"
    taken.add(slug)
    return slug


def import_refs(
    source: str | os.PathLike | bytes,
    *,
    into: str | os.PathLike,
    name: str | None = None,
    allow_shipped: bool = False,
) -> ImportReport:
    """Add the references of a file as ``candidates`` rows of the folder ``into``.

    Parameters
    ----------
    source : path or bytes
        The reference file (``.ris``, ``.bib``, ``.nbib``), or its content.
    into : path
        The data folder. Its ``datapackage.json`` gains the ``candidates`` resource
        when it has none.
    name : str, optional
        File name (for the format and the ``imported_from`` column) when ``source`` is
        bytes.
    allow_shipped : bool, default False
        Allow writing into the repository's shipped ``data/``.

    Returns
    -------
    ImportReport

    Raises
    ------
    RefsError
        A broken or empty file (nothing written).

    Examples
    --------
    >>> import shutil, tempfile
    >>> from b12explore.schema import repo_data_dir
    >>> folder = shutil.copytree(repo_data_dir(), tempfile.mkdtemp() + "/data")
    >>> ris = b"TY  - JOUR\\nAU  - Doe, J\\nPY  - 2024\\nTI  - A new trial\\nER  - \\n"
    >>> import_refs(ris, into=folder, name="new.ris").summary()
    '1 candidates added'
    >>> import_refs(ris, into=folder, name="new.ris").summary()
    '0 candidates added, 1 already in the folder'
    """
    folder = check_writable(into, allow_shipped)
    if isinstance(source, bytes):
        content, name = source, name or "references"
    else:
        path = Path(source)
        name = name or path.name
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise RefsError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    refs = parse_references(content, name)
    descriptor = read_descriptor(folder)
    changes: dict[str, bytes] = {}
    if CANDIDATES not in resources(descriptor):
        descriptor = copy.deepcopy(descriptor)
        descriptor["resources"].append(copy.deepcopy(CANDIDATES_RESOURCE))
        raw = (folder / DESCRIPTOR).read_text(encoding="utf-8-sig")
        indent = len(re.match(r"\{\s*\n( *)", raw)[1]) if re.match(r"\{\s*\n( *)", raw) else 2
        changes[DESCRIPTOR] = (
            json.dumps(descriptor, indent=indent, ensure_ascii=False) + "\n"
        ).encode()
    res = resources(descriptor)[CANDIDATES]
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    known = _known(folder, descriptor)
    taken = set()
    existing = read_table_text(folder, res)
    taken |= {existing.row_dict(i).get("candidate_id", "") for i in range(len(existing.records))}
    report = ImportReport()
    new_rows = []
    for ref in refs:
        label = _label(ref)
        title = normalise_title(ref.get("title"))
        dup = (
            (ref.get("doi") and known["doi"].get(ref["doi"].lower()))
            or (ref.get("pmid") and known["pmid"].get(ref["pmid"]))
            or (title and known["title"].get(title))
        )
        if dup:
            report.duplicates.append((label, dup))
            continue
        if not (title or ref.get("doi") or ref.get("pmid")):
            report.skipped.append((label, "no title, DOI or PMID"))
            continue
        row, notes = {}, []
        for col, value in ref.items():
            if col in fields and value:
                if check_value(fields[col], value):
                    notes.append(f"{col} {value!r} left out: {check_value(fields[col], value)}")
                else:
                    row[col] = value
        row.update(status="to_complete", imported_from=Path(name).name, note="; ".join(notes))
        row["candidate_id"] = _slug(ref, taken)
        for kind, value in (("doi", row.get("doi", "").lower()), ("pmid", row.get("pmid"))):
            if value:
                known[kind][value] = f"this file ({row['candidate_id']})"
        if title:
            known["title"][title] = f"this file ({row['candidate_id']})"
        new_rows.append(row)
        report.added.append(row["candidate_id"])
        report.notes += [f"{row['candidate_id']}: {n}" for n in notes]
    if not new_rows:
        return report
    text = read_table_text(folder, res)  # an absent file: the schema's header
    body = text.text
    for row in new_rows:
        if body and not body.endswith("\n"):
            body += text.newline
        body += text.format_row(row)
    changes[res["path"]] = text.encode(body)
    report.files = apply_changes(folder, changes, allow_shipped=allow_shipped)
    return report
