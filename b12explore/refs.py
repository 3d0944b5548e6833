"""Import references (RIS, BibTeX, PubMed .nbib) as candidate rows of a data folder.

``python -m b12explore import-refs FILE --into DIR`` and the form's "Import references"
turn a reference manager's export into rows of the ``candidates`` table: bibliographic
fields filled (first author, authors, year, title, journal, volume, issue, pages, DOI,
PMID, URL), ``status`` ``to_complete``. A candidate becomes a study in the entry form
("From"), which sets its ``status`` to ``added`` and its ``study_id``. Candidates are a
table of their own because a study row needs design, route, findings and a source
that a reference file does not have, and nothing may be invented to fill them.

Parsers: `rispy <https://pypi.org/project/rispy/>`_ for RIS; for PubMed's MEDLINE
(``.nbib``) format, rispy's parser class with a MEDLINE mapping (:class:`MedlineParser`:
rispy has none built in); `bibtexparser <https://pypi.org/project/bibtexparser/>`_ 2 for
BibTeX (LaTeX decoded in text fields only; DOI and URL kept verbatim).

References already in the folder are skipped: same DOI (case-insensitive), same PMID,
or the same normalised title (:func:`normalise_title`) as a row of ``studies``,
``reports`` (when present) or ``candidates``, or as an earlier reference of the file.
A value that does not fit the candidates schema (a malformed DOI) is left out and
said so. A broken or empty file raises :class:`RefsError` and nothing is written.

Examples
--------
>>> refs = parse_references("TY  - JOUR\\nAU  - Chiu, C K\\nPY  - 2011\\nTI  - B12\\nER  - \\n",
...                         "x.ris")
>>> refs[0]["first_author"], refs[0]["year"], refs[0]["authors"]
('Chiu', '2011', 'Chiu, C K')
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

import rispy

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


class RefsError(ValueError):
    """The reference file cannot be used (empty, broken, unknown format)."""


# --------------------------------------------------------------------------- parsing
class MedlineParser(rispy.RisParser):
    """PubMed MEDLINE (``.nbib``) records with rispy: tags of up to four letters
    padded to four, ``- ``, the value; continuation lines start with six spaces;
    a record starts at ``PMID-`` and ends at a blank line."""

    START_TAG = "PMID"
    END_TAG = "ER"
    DEFAULT_MAPPING = {
        "PMID": "pmid",
        "TI": "title",
        "AU": "authors",
        "FAU": "full_authors",
        "JT": "journal_name",
        "TA": "alternate_title1",
        "VI": "volume",
        "IP": "number",
        "PG": "pages",
        "DP": "year",
        "LID": "lid",
        "AID": "aid",
        "ER": "end_of_reference",
        "UK": "unknown_tag",
    }
    DEFAULT_LIST_TAGS = ["AU", "FAU", "LID", "AID"]
    DEFAULT_DELIMITER_MAPPING: dict = {}

    def parse_line(self, line: str):
        match = re.match(r"([A-Z]{2,4}) *- (.*)", line)
        if match:
            return match[1], match[2].strip()
        return None, line.strip()

    def parse(self, text: str) -> list[dict]:
        blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
        lines = []
        for block in blocks:
            if block.strip():
                lines += [*block.strip("\n").split("\n"), "ER  - "]
        return self.parse_lines(iter(lines))


def normalise_title(title: str | None) -> str:
    """A title reduced for comparison: accents, case, punctuation and spacing removed.

    Examples
    --------
    >>> normalise_title("Vitamin B12 — in Low-Back  pain.")
    'vitamin b12 in low back pain'
    """
    text = unicodedata.normalize("NFKD", str(title or "")).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value or "").split())


def _surname(author: str) -> str:
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    return author.split()[0] if author.split() else ""


def _doi(value: str) -> str:
    value = _first(value)
    value = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", value, flags=re.I)
    return value.removesuffix(" [doi]").strip()


def _year(value: str) -> str:
    match = re.search(r"\b(1[89]\d\d|2\d\d\d)\b", _first(value))
    return match[1] if match else ""


def _from_ris(rec: dict) -> dict[str, str]:
    authors = [*rec.get("authors", []), *rec.get("first_authors", [])]
    pages = "-".join(p for p in (_first(rec.get("start_page")), _first(rec.get("end_page"))) if p)
    journal = next(
        (
            _first(rec.get(k))
            for k in ("journal_name", "secondary_title", "alternate_title3", "alternate_title1")
            if rec.get(k)
        ),
        "",
    )
    pmid = _first(rec.get("accession_number"))
    urls = [u for u in rec.get("urls", []) if u]
    return {
        "authors": authors,
        "year": _year(rec.get("year") or rec.get("publication_year") or rec.get("date")),
        "title": _first(rec.get("title") or rec.get("primary_title")),
        "journal": journal,
        "volume": _first(rec.get("volume")),
        "issue": _first(rec.get("number")),
        "pages": pages,
        "doi": _doi(rec.get("doi", "")),
        "pmid": pmid if re.fullmatch(r"[0-9]{1,9}", pmid) else "",
        "url": " | ".join(urls),
    }


def _from_medline(rec: dict) -> dict[str, str]:
    ids = [*rec.get("lid", []), *rec.get("aid", [])]
    doi = next((_doi(i) for i in ids if i.endswith("[doi]")), "")
    authors = [re.sub(r"^(.*\S)\s+([A-Z]+)$", r"\1, \2", a) for a in rec.get("authors", [])]
    return {
        "authors": authors,
        "year": _year(rec.get("year")),
        "title": _first(rec.get("title")),
        "journal": _first(rec.get("journal_name") or rec.get("alternate_title1")),
        "volume": _first(rec.get("volume")),
        "issue": _first(rec.get("number")),
        "pages": _first(rec.get("pages")),
        "doi": doi,
        "pmid": _first(rec.get("pmid")),
        "url": "",
    }


def _bibtex(text: str) -> list[dict[str, Any]]:
    import bibtexparser
    from bibtexparser import middlewares as mw

    names = [mw.SeparateCoAuthors(), mw.SplitNameParts()]
    decoded = bibtexparser.parse_string(text, append_middleware=[mw.LatexDecodingMiddleware()])
    raw = bibtexparser.parse_string(text)
    if decoded.failed_blocks:
        block = decoded.failed_blocks[0]
        line = getattr(block, "start_line", None)
        where = f" (entry starting on line {line + 1})" if line is not None else ""
        error = str(getattr(block, "error", "") or "")
        error = error or "cannot parse this entry (a missing closing brace or comma?)"
        raise RefsError(f"broken BibTeX{where}: {error}; nothing imported")
    library = bibtexparser.parse_string(text, append_middleware=names)
    out = []
    for entry, plain, named in zip(decoded.entries, raw.entries, library.entries, strict=True):
        f = {k.lower(): v.value for k, v in entry.fields_dict.items()}
        v = {k.lower(): v.value for k, v in plain.fields_dict.items()}
        people = named.fields_dict.get("author")
        authors = []
        for p in people.value if people is not None else []:
            last = " ".join(p.von + p.last)
            decoded_last = _latex(last)
            authors.append(", ".join(x for x in (decoded_last, _latex(" ".join(p.first))) if x))
        out.append(
            {
                "authors": authors,
                "year": _year(f.get("year") or f.get("date")),
                "title": _unbrace(f.get("title")),
                "journal": _unbrace(f.get("journal") or f.get("journaltitle")),
                "volume": _unbrace(f.get("volume")),
                "issue": _unbrace(f.get("number") or f.get("issue")),
                "pages": _unbrace(f.get("pages")).replace("–", "-"),
                "doi": _doi(v.get("doi", "")),
                "pmid": _unbrace(v.get("pmid")),
                "url": _unbrace(v.get("url")),
            }
        )
    return out


def _latex(text: str) -> str:
    from pylatexenc.latex2text import LatexNodes2Text

    return " ".join(LatexNodes2Text().latex_to_text(text).split())


def _unbrace(value: Any) -> str:
    return " ".join(str(value or "").replace("{", "").replace("}", "").split())


def _sniff(text: str, name: str) -> str:
    ext = Path(name).suffix.lower()
    if ext in (".bib", ".bibtex"):
        return "bibtex"
    if ext in (".nbib", ".medline"):
        return "medline"
    if ext == ".ris":
        return "ris"
    head = text.lstrip()[:2000]
    if re.search(r"^\s*@\w+\s*\{", head, re.M):
        return "bibtex"
    if re.search(r"^PMID- ", head, re.M):
        return "medline"
    if re.search(r"^TY  - ", head, re.M):
        return "ris"
    raise RefsError(
        f"{name}: not a reference file this can read (expected RIS 'TY  - ' lines, BibTeX "
        "'@article{' entries or PubMed 'PMID- ' records; name it .ris, .bib or .nbib)"
    )


def parse_references(content: bytes | str, name: str = "references") -> list[dict[str, str]]:
    """Parse a RIS, BibTeX or MEDLINE file into candidate fields (text by column name).

    Raises
    ------
    RefsError
        Empty, not UTF-8, unknown format, or broken (naming the line).
    """
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RefsError(
                f"{name}: not UTF-8 text (byte {exc.start}); export as UTF-8"
            ) from None
    if not content.strip():
        raise RefsError(f"{name}: the file is empty; nothing imported")
    kind = _sniff(content, name)
    if kind == "bibtex":
        found = _bibtex(content)
    else:
        parser = MedlineParser if kind == "medline" else rispy.RisParser
        text = content.replace("\r\n", "\n").replace("\r", "\n")
        try:
            records = parser().parse(text)
        except Exception as exc:  # rispy raises plain exceptions on odd lines
            raise RefsError(f"{name}: broken {kind.upper()} file ({exc})") from None
        starts = [
            i + 1
            for i, line in enumerate(text.split("\n"))
            if line.startswith("PMID-" if kind == "medline" else "TY  - ")
        ]
        if len(records) < len(starts):
            raise RefsError(
                f"{name}: the record starting on line {starts[len(records)]} has no end "
                "line 'ER  - ' (a truncated RIS file?); nothing imported"
            )
        convert = _from_medline if kind == "medline" else _from_ris
        found = [convert(r) for r in records]
    if not found:
        raise RefsError(f"{name}: no references found in this {kind.upper()} file")
    out = []
    for ref in found:
        authors = [" ".join(str(a).split()) for a in ref.pop("authors") if str(a).strip()]
        ref = {k: " ".join(str(v or "").split()) for k, v in ref.items()}
        ref["first_author"] = _surname(authors[0]) if authors else ""
        ref["authors"] = "; ".join(authors)
        out.append(ref)
    return out


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
