"""Citations for the studies shown: BibTeX, RIS and one-line references.

Only fields present in the studies table are written; a missing value is left
out, never guessed. BibTeX is written with ``bibtexparser`` and RIS with
``rispy``; this module only maps the table's columns to their fields.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = [
    "authors",
    "bibtex_escape",
    "citation_keys",
    "reference",
    "references_for",
    "split_urls",
    "to_bibtex",
    "to_ris",
]

_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _BIBTEX_ESCAPES))
# verbatim fields (doi, url): percent-encode the characters that would break a field
_VERBATIM_ESCAPES = {"{": "%7B", "}": "%7D", "\\": "%5C", "%": "%25"}


def _value(row: Mapping[str, Any], field: str) -> str | None:
    """The cell as clean one-line text, or None when missing or absent."""
    if field not in row:  # a Series: its index; a dict: its keys
        return None
    v = row[field]
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = " ".join(str(v).split())
    return text or None


#: The columns a citation is built from (the rest of the studies table is never read).
CITATION_FIELDS = (
    "study_id",
    "label",
    "first_author",
    "authors",
    "year",
    "title",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "source_url",
)


def _records(studies: pd.DataFrame) -> list[dict[str, Any]]:
    """The citation columns of each row as a dict (``iterrows`` builds a Series per row:
    10x slower at 10,000 studies; the other columns would triple the cost at 100,000)."""
    return studies[[c for c in CITATION_FIELDS if c in studies]].to_dict("records")


def split_urls(value: str | None) -> list[str]:
    """The URLs of a ``source_url`` cell (several are separated by `` | ``).

    Examples
    --------
    >>> split_urls("https://a.org/x | https://b.org/y")
    ['https://a.org/x', 'https://b.org/y']
    """
    return [u for u in re.split(r"\s+\|\s+", value or "") if u.strip()]


def bibtex_escape(text: str) -> str:
    r"""Escape the characters special to (La)TeX inside a BibTeX field.

    Examples
    --------
    >>> print(bibtex_escape("B12 & pain: 50% {better}_x"))
    B12 \& pain: 50\% \{better\}\_x
    """
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES[m.group(0)], text)


def _verbatim(text: str) -> str:
    return "".join(_VERBATIM_ESCAPES.get(c, c) for c in text)


def _key_base(row: pd.Series) -> str:
    author = _value(row, "first_author")
    year = _value(row, "year")
    if author:
        surname = re.split(r"[\s,]+", author)[0]
        ascii_name = unicodedata.normalize("NFKD", surname).encode("ascii", "ignore").decode()
        base = re.sub(r"[^A-Za-z0-9]", "", ascii_name)
        if base:
            return base + (year or "")
    sid = re.sub(r"[^A-Za-z0-9_-]", "", _value(row, "study_id") or "")
    return sid or "study"


def citation_keys(studies: pd.DataFrame) -> list[str]:
    """Unique BibTeX keys in row order: surname + year, then ``a``, ``b``, ... on clashes.

    Examples
    --------
    >>> df = pd.DataFrame({"first_author": ["Mauro GL", "Mauro", "Chiu CK"],
    ...                    "year": [2000, 2000, 2011]})
    >>> citation_keys(df)
    ['Mauro2000a', 'Mauro2000b', 'Chiu2011']
    """
    return _keys(_records(studies))


def _keys(rows: list[dict[str, Any]]) -> list[str]:
    """:func:`citation_keys` of rows already read as dicts."""
    bases = [_key_base(row) for row in rows]
    counts = pd.Series(bases).value_counts()
    seen: dict[str, int] = {}
    keys = []
    for base in bases:
        if counts[base] > 1:
            seen[base] = seen.get(base, 0) + 1
            keys.append(base + _letters(seen[base]))
        else:
            keys.append(base)
    return keys


def _letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def authors(row: pd.Series) -> list[str]:
    """Every author the row holds (``authors``, ``; ``-separated), else the first author.

    Examples
    --------
    >>> authors(pd.Series({"authors": "Chiu, CK; Low, TH", "first_author": "Chiu"}))
    ['Chiu, CK', 'Low, TH']
    >>> authors(pd.Series({"first_author": "Mauro GL"}))
    ['Mauro GL']
    """
    listed = _value(row, "authors")
    if listed:
        return [a.strip() for a in listed.split(";") if a.strip()]
    first = _value(row, "first_author")
    return [first] if first else []


def _split_pages(pages: str) -> tuple[str | None, str | None]:
    parts = [p for p in re.split(r"\s*(?:-+|–)\s*", pages, maxsplit=1) if p]
    if len(parts) == 2:
        return parts[0], parts[1]
    return pages, None


def _bib_fields(row: pd.Series) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    names = authors(row)
    if names:
        fields.append(("author", bibtex_escape(" and ".join(names))))
    for field, name in (("title", "title"), ("journal", "journal"), ("year", "year")):
        v = _value(row, field)
        if v:
            fields.append((name, bibtex_escape(v)))
    for field in ("volume", "issue"):
        v = _value(row, field)
        if v:
            fields.append(("number" if field == "issue" else field, bibtex_escape(v)))
    start, end = _split_pages(_value(row, "pages") or "") if _value(row, "pages") else (None, None)
    if start:
        fields.append(("pages", bibtex_escape(f"{start}--{end}" if end else start)))
    doi, pmid = _value(row, "doi"), _value(row, "pmid")
    urls = split_urls(_value(row, "source_url"))
    if doi:
        fields.append(("doi", _verbatim(doi)))
    if pmid:
        fields.append(("pmid", bibtex_escape(pmid)))
    if urls:
        fields.append(("url", _verbatim(urls[0])))
    if len(urls) > 1:
        fields.append(("note", f"Also at: {bibtex_escape(', '.join(urls[1:]))}"))
    return fields


def to_bibtex(studies: pd.DataFrame) -> str:
    """BibTeX entries for the studies (``@article`` with a journal, else ``@misc``).

    Written with ``bibtexparser``; every author, the title, journal, year, volume,
    issue (``number``), pages, DOI, PMID and URLs the table holds are included.

    Parameters
    ----------
    studies : DataFrame
        Columns used when present: study_id, first_author, authors, year, title,
        journal, volume, issue, pages, doi, pmid, source_url.

    Returns
    -------
    str

    Examples
    --------
    >>> df = pd.DataFrame({"study_id": ["s1"], "first_author": ["Mauro GL"], "year": [2000],
    ...                    "title": ["B12 & back pain"], "journal": ["Eur Rev"],
    ...                    "pages": ["1-7"], "pmid": ["10714554"]})
    >>> print(to_bibtex(df))
    @article{Mauro2000,
      author = {Mauro GL},
      title = {B12 \\& back pain},
      journal = {Eur Rev},
      year = {2000},
      pages = {1--7},
      pmid = {10714554},
    }
    <BLANKLINE>
    """
    import bibtexparser
    from bibtexparser.model import Entry, Field

    rows = _records(studies)
    entries = [
        Entry(
            "article" if _value(row, "journal") else "misc",
            key,
            [Field(name, value) for name, value in _bib_fields(row)],
        )
        for key, row in zip(_keys(rows), rows, strict=True)
    ]
    if not entries:
        return ""
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fmt.trailing_comma = True
    fmt.block_separator = "\n"
    # the library is thrown away after writing: no defensive deep copy of every block
    stack = bibtexparser.middlewares.default_unparse_stack(allow_inplace_modification=True)
    text = bibtexparser.write_string(
        bibtexparser.Library(entries), unparse_stack=stack, bibtex_format=fmt
    )
    return text.strip("\n") + "\n"


def _ris_writer():
    from rispy import RisWriter

    class _Writer(RisWriter):
        """RIS without the record counter line rispy writes by default."""

        def set_header(self, count: int) -> str:
            return ""

    return _Writer


def _ris_record(key: str, row: pd.Series) -> dict:
    rec: dict = {"type_of_reference": "JOUR" if _value(row, "journal") else "GEN", "id": key}
    names = authors(row)
    if names:
        rec["authors"] = names
    for field, tag in (
        ("year", "year"),
        ("title", "title"),
        ("journal", "journal_name"),
        ("volume", "volume"),
        ("issue", "number"),
        ("doi", "doi"),
        ("pmid", "accession_number"),
    ):
        v = _value(row, field)
        if v:
            rec[tag] = v
    if _value(row, "pages"):
        start, end = _split_pages(_value(row, "pages"))
        rec["start_page"] = start
        if end:
            rec["end_page"] = end
    urls = split_urls(_value(row, "source_url"))
    if urls:
        rec["urls"] = urls
    return rec


def to_ris(studies: pd.DataFrame) -> str:
    """RIS records for the studies (``JOUR`` with a journal, else ``GEN``), via ``rispy``.

    Examples
    --------
    >>> df = pd.DataFrame({"first_author": ["Chiu CK"], "year": [2011],
    ...                    "doi": ["10.1/x"], "journal": [None]})
    >>> print(to_ris(df))
    TY  - GEN
    ID  - Chiu2011
    AU  - Chiu CK
    PY  - 2011
    DO  - 10.1/x
    ER  -
    <BLANKLINE>
    """
    import rispy

    rows = _records(studies)
    records = [_ris_record(key, row) for key, row in zip(_keys(rows), rows, strict=True)]
    if not records:
        return ""
    mapping = {"TY": "type_of_reference", "ID": "id", **rispy.TAG_KEY_MAPPING}
    text = rispy.dumps(records, implementation=_ris_writer(), mapping=mapping)
    lines = [line.rstrip() for line in text.splitlines()]
    out = "\n".join(lines).strip("\n")
    return out.replace("ER  -\n\n", "ER  -\n\n") + "\n"


def reference(row: pd.Series) -> str:
    """One-line reference for slide notes, from the fields that are present.

    Examples
    --------
    >>> reference(pd.Series({"first_author": "Mauro GL", "year": 2000, "title": "B12",
    ...                      "journal": "Eur Rev", "doi": "10.1/x", "pmid": None}))
    'Mauro GL (2000). B12. Eur Rev. doi:10.1/x'
    """
    head = _value(row, "first_author") or _value(row, "label") or _value(row, "study_id") or "?"
    year = _value(row, "year")
    parts = [f"{head} ({year})" if year and year not in head else head]
    for field in ("title", "journal"):
        v = _value(row, field)
        if v:
            parts.append(v.rstrip("."))
    ids = []
    for field, prefix in (("doi", "doi:"), ("pmid", "PMID: "), ("source_url", "")):
        v = _value(row, field)
        if v and not (field == "source_url" and (_value(row, "doi") or _value(row, "pmid"))):
            ids.append(prefix + v)
    return ". ".join(parts + ids[:2])


def references_for(studies: pd.DataFrame, sources: list[str] | tuple[str, ...]) -> list[str]:
    """References for the studies named in ``sources`` (labels or study ids), in that order.

    A source that matches no study is kept as it is, so nothing silently disappears.
    Only the rows named are looked at, so this stays fast on a large table.

    Examples
    --------
    >>> df = pd.DataFrame({"study_id": ["s1"], "label": ["Mauro 2000"],
    ...                    "first_author": ["Mauro GL"], "year": [2000]})
    >>> references_for(df, ["Mauro 2000", "Unknown 1999"])
    ['Mauro GL (2000)', 'Unknown 1999']
    """
    wanted = {str(s) for s in sources}
    mask = pd.Series(False, index=studies.index)
    for field in ("study_id", "label"):
        if field in studies:
            mask |= studies[field].astype("string").isin(wanted).fillna(False).to_numpy()
    lookup: dict[str, pd.Series] = {}
    for _, row in studies[mask].iterrows():
        for field in ("study_id", "label"):
            v = _value(row, field)
            if v:
                lookup.setdefault(v, row)
    return [reference(lookup[s]) if s in lookup else str(s) for s in sources]
