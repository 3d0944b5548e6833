"""Citations for the studies shown: BibTeX, RIS and one-line references.

Only fields present in the studies table are written; a missing value is left
out, never guessed.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

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


def _value(row: pd.Series, field: str) -> str | None:
    """The cell as clean one-line text, or None when missing or absent."""
    if field not in row.index:
        return None
    v = row[field]
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = " ".join(str(v).split())
    return text or None


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
    bases = [_key_base(row) for _, row in studies.iterrows()]
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


def to_bibtex(studies: pd.DataFrame) -> str:
    """BibTeX entries for the studies (``@article`` with a journal, else ``@misc``).

    Parameters
    ----------
    studies : DataFrame
        Columns used when present: study_id, first_author, year, title, journal,
        doi, pmid, source_url.

    Returns
    -------
    str

    Examples
    --------
    >>> df = pd.DataFrame({"study_id": ["s1"], "first_author": ["Mauro GL"], "year": [2000],
    ...                    "title": ["B12 & back pain"], "journal": ["Eur Rev"],
    ...                    "doi": [None], "pmid": ["10714554"], "source_url": [None]})
    >>> print(to_bibtex(df))
    @article{Mauro2000,
      author = {Mauro GL},
      title = {B12 \\& back pain},
      journal = {Eur Rev},
      year = {2000},
      pmid = {10714554},
    }
    <BLANKLINE>
    """
    entries = []
    for key, (_, row) in zip(citation_keys(studies), studies.iterrows(), strict=True):
        kind = "article" if _value(row, "journal") else "misc"
        lines = [f"@{kind}{{{key},"]
        for field, name in (
            ("first_author", "author"),
            ("title", "title"),
            ("journal", "journal"),
            ("year", "year"),
        ):
            v = _value(row, field)
            if v:
                lines.append(f"  {name} = {{{bibtex_escape(v)}}},")
        doi, pmid = _value(row, "doi"), _value(row, "pmid")
        urls = split_urls(_value(row, "source_url"))
        if doi:
            lines.append(f"  doi = {{{_verbatim(doi)}}},")
        if pmid:
            lines.append(f"  pmid = {{{bibtex_escape(pmid)}}},")
        if urls:
            lines.append(f"  url = {{{_verbatim(urls[0])}}},")
        if len(urls) > 1:
            lines.append(f"  note = {{Also at: {bibtex_escape(', '.join(urls[1:]))}}},")
        lines.append("}")
        entries.append("\n".join(lines) + "\n")
    return "\n".join(entries)


def to_ris(studies: pd.DataFrame) -> str:
    """RIS records for the studies (``JOUR`` with a journal, else ``GEN``).

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
    records = []
    for key, (_, row) in zip(citation_keys(studies), studies.iterrows(), strict=True):
        lines = ["TY  - " + ("JOUR" if _value(row, "journal") else "GEN"), f"ID  - {key}"]
        for field, tag in (
            ("first_author", "AU"),
            ("year", "PY"),
            ("title", "TI"),
            ("journal", "JO"),
            ("doi", "DO"),
            ("pmid", "AN"),
        ):
            v = _value(row, field)
            if v:
                lines.append(f"{tag}  - {v}")
        lines += [f"UR  - {u}" for u in split_urls(_value(row, "source_url"))]
        lines.append("ER  -")
        records.append("\n".join(lines) + "\n")
    return "\n".join(records)


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

    Examples
    --------
    >>> df = pd.DataFrame({"study_id": ["s1"], "label": ["Mauro 2000"],
    ...                    "first_author": ["Mauro GL"], "year": [2000]})
    >>> references_for(df, ["Mauro 2000", "Unknown 1999"])
    ['Mauro GL (2000)', 'Unknown 1999']
    """
    lookup: dict[str, pd.Series] = {}
    for _, row in studies.iterrows():
        for field in ("study_id", "label"):
            v = _value(row, field)
            if v:
                lookup.setdefault(v, row)
    return [reference(lookup[s]) if s in lookup else str(s) for s in sources]
