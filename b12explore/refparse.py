"""Reading reference files: RIS, BibTeX and PubMed MEDLINE (``.nbib``).

Parsers: `rispy <https://pypi.org/project/rispy/>`_ for RIS; for PubMed's MEDLINE
(``.nbib``) format, rispy's parser class with a MEDLINE mapping (:class:`MedlineParser`:
rispy has none built in); `bibtexparser <https://pypi.org/project/bibtexparser/>`_ 2 for
BibTeX (LaTeX decoded in text fields only; DOI and URL kept verbatim).

:func:`parse_references` returns one dict per reference with the candidate columns as
text: ``first_author``, ``authors`` ("Surname, Given; ..."), ``year``, ``title``,
``journal``, ``volume``, ``issue``, ``pages``, ``doi`` (no ``https://doi.org/``), ``pmid``,
``url``. A value the file does not give stays empty.

Examples
--------
>>> refs = parse_references("TY  - JOUR\\nAU  - Chiu, C K\\nPY  - 2011\\nTI  - B12\\nER  - \\n",
...                         "x.ris")
>>> refs[0]["first_author"], refs[0]["year"], refs[0]["authors"]
('Chiu', '2011', 'Chiu, C K')
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import rispy

__all__ = ["MedlineParser", "RefsError", "normalise_title", "parse_references"]


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

    decoded = bibtexparser.parse_string(text, append_middleware=[mw.LatexDecodingMiddleware()])
    raw = bibtexparser.parse_string(text)
    if decoded.failed_blocks:
        block = decoded.failed_blocks[0]
        line = getattr(block, "start_line", None)
        where = f" (entry starting on line {line + 1})" if line is not None else ""
        error = str(getattr(block, "error", "") or "")
        error = error or "cannot parse this entry (a missing closing brace or comma?)"
        raise RefsError(f"broken BibTeX{where}: {error}; nothing imported")
    split = [mw.SeparateCoAuthors()]
    library = bibtexparser.parse_string(text, append_middleware=split)
    named = bibtexparser.parse_string(text, append_middleware=[*split, mw.SplitNameParts()])
    out = []
    entries = zip(decoded.entries, raw.entries, library.entries, named.entries, strict=True)
    for entry, plain, listed, parts in entries:
        f = {k.lower(): v.value for k, v in entry.fields_dict.items()}
        v = {k.lower(): v.value for k, v in plain.fields_dict.items()}
        people = listed.fields_dict.get("author")
        # each name as written ("Surname, Given" or "Given Surname"), LaTeX decoded
        authors = [_unbrace(_latex(a)) for a in (people.value if people is not None else [])]
        first = parts.fields_dict.get("author")
        surname = ""
        if first is not None and first.value:  # BibTeX's own reading of the first name
            surname = _latex(" ".join(first.value[0].von + first.value[0].last))
        out.append(
            {
                "authors": authors,
                "first_author": surname,
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

    Examples
    --------
    >>> bib = "@article{k, author={Doe, Jane}, title={{B12} trial}, year={2020}, pages={1--9}}"
    >>> ref = parse_references(bib, "refs.bib")[0]
    >>> ref["first_author"], ref["title"], ref["pages"]
    ('Doe', 'B12 trial', '1-9')
    >>> parse_references(b"", "empty.ris")
    Traceback (most recent call last):
    ...
    b12explore.refparse.RefsError: empty.ris: the file is empty; nothing imported
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
        surname = ref.pop("first_author", "")
        ref["first_author"] = surname or (_surname(authors[0]) if authors else "")
        ref["authors"] = "; ".join(authors)
        out.append(ref)
    return out
