"""The words around the charts: data version, the title slide and the closing slide.

Every sentence is built from the (filtered) evidence: counts, designs, what the
studies do not report, and the certainty statements when a ``certainty`` table
exists. Nothing here draws; :mod:`b12explore.export.deck` lays the text out.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from .. import summaries
from ..schema import vocab_of
from .deck import TextSlide

__all__ = ["TOPIC", "closing_slide", "data_version", "labeler", "title_slide"]

TOPIC = "Vitamin B12 and low back pain: the evidence"
CLOSING_TITLE = "What this evidence can and cannot tell you"
#: Study columns whose absence a closing slide reports, with the words for them.
REPORTED = {
    "b12_form": "the form of B12",
    "dose_mcg": "the B12 dose",
    "duration_weeks": "how long treatment lasted",
    "n_analysed": "how many people were analysed",
    "blinding": "blinding",
}
_MISSING = {"not_reported", "not_described", "unclear", ""}


def labeler(evidence: Any):
    """``label(field, code)``: the descriptor's display label (``evidence.vocab``).

    Examples
    --------
    >>> from b12explore import load
    >>> labeler(load())("design", "rct")
    'RCT'
    """
    return vocab_of(evidence).label


def _resource_files(evidence: Any) -> list[Path]:
    folder = Path(evidence.data_dir)
    names = ["datapackage.json"]
    names += [r.get("path", "") for r in evidence.descriptor.get("resources", [])]
    return [folder / n for n in names if isinstance(n, str) and n and (folder / n).is_file()]


def data_version(evidence: Any) -> str:
    """The descriptor's version plus a content hash of the data folder's files.

    An edited folder gets a new hash, so a caption never claims to show the
    shipped data when it does not. Without a folder the tables themselves are hashed.

    Examples
    --------
    >>> from b12explore import load
    >>> data_version(load()).startswith("0.1.0+")
    True
    """
    digest = hashlib.sha256()
    files = _resource_files(evidence) if getattr(evidence, "data_dir", None) else []
    if files:
        for path in files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    else:
        for name in ("studies", "results"):
            frame = getattr(evidence, name, None)
            if isinstance(frame, pd.DataFrame):
                digest.update(frame.to_csv(index=False).encode())
    return f"{evidence.version}+{digest.hexdigest()[:10]}"


def _split(studies: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return summaries.primary_studies(studies), summaries.review_studies(studies)


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def title_slide(evidence: Any, filters_text: str = "all studies") -> TextSlide:
    """The deck's first slide: topic, filters, data version and dates, study counts.

    Examples
    --------
    >>> from b12explore import load
    >>> slide = title_slide(load())
    >>> slide.title, slide.lines[0]
    ('Vitamin B12 and low back pain: the evidence', 'Filters: all studies')
    """
    primary, reviews = _split(evidence.studies)
    years = pd.to_numeric(evidence.studies.get("year"), errors="coerce").dropna()
    span = f"published {int(years.min())}–{int(years.max())}" if len(years) else "no dates"
    n = int(summaries.participants(primary).sum()) if len(primary) else 0
    lines = [
        f"Filters: {filters_text}",
        f"{_plural(len(evidence.studies), 'study', 'studies')} ({span}): "
        f"{_plural(len(primary), 'primary study', 'primary studies')} with "
        f"{_plural(n, 'participant')}, {_plural(len(reviews), 'review')}",
        f"Data version {data_version(evidence)}",
    ]
    return TextSlide(TOPIC, lines, subtitle=True)


def _not_reported(primary: pd.DataFrame) -> str | None:
    parts = []
    for col, words in REPORTED.items():
        if col not in primary:
            continue
        values = primary[col]
        missing = values.isna() | values.astype(str).str.strip().isin(_MISSING)
        k = int(missing.sum())
        if k:
            parts.append(f"{words} ({k} of {len(primary)})")
    if not parts:
        return None
    return "Not reported by some primary studies: " + "; ".join(parts) + "."


def _p_value_only(results: pd.DataFrame) -> int:
    """Result rows with a p-value but no estimate, mean or event count."""
    if results.empty or "p_value" not in results:
        return 0
    numbers = [c for c in ("estimate", "mean", "events") if c in results]
    has_number = results[numbers].notna().any(axis=1) if numbers else False
    return int((results["p_value"].notna() & ~has_number).sum())


def _certainty_lines(evidence: Any) -> list[str]:
    get = getattr(evidence, "table", None)
    if get is None:
        return []
    try:
        table = get("certainty")
    except (KeyError, ValueError):
        return []
    if not isinstance(table, pd.DataFrame) or table.empty or "statement" not in table:
        return []
    lines = []
    for row in table.itertuples(index=False):
        statement = str(getattr(row, "statement", "") or "").strip()
        level = getattr(row, "certainty", None)
        if statement:
            shown = vocab_of(table).label("certainty", level).lower()
            suffix = f" (certainty: {shown})" if isinstance(level, str) else ""
            lines.append(statement + suffix)
    return lines


def closing_slide(evidence: Any) -> TextSlide:
    """The closing slide: what the data can and cannot tell, from the data.

    Counts and designs of the primary studies, how many results are reported,
    what is not reported, and the certainty statements when there are any.

    Examples
    --------
    >>> from b12explore import load
    >>> slide = closing_slide(load())
    >>> slide.title
    'What this evidence can and cannot tell you'
    """
    studies = evidence.studies
    primary, reviews = _split(studies)
    lines: list[str] = []
    if primary.empty:
        lines.append("No primary study matches the filters: these slides show no trial result.")
    else:
        label = labeler(evidence)
        designs = primary["design"].astype(str).value_counts(sort=False)
        design_words = ", ".join(f"{k} {label('design', d)}" for d, k in designs.items() if k)
        n = int(summaries.participants(primary).sum())
        lines.append(
            f"Can tell: what {_plural(len(primary), 'primary study', 'primary studies')} "
            f"({design_words}; {_plural(n, 'participant')} in all) tested, by route and "
            "form, and the direction each reports."
        )
        results = evidence.results
        ids = set(primary["study_id"])
        with_results = results[results["study_id"].isin(ids)] if len(results) else results
        k = with_results["study_id"].nunique() if len(with_results) else 0
        others = "; the others report no extractable result" if k < len(primary) else ""
        lines.append(
            f"Results: {_plural(len(with_results), 'result row')} from {k} of "
            f"{len(primary)} primary studies{others}."
        )
        rct = int((primary["design"].astype(str) == "rct").sum())
        n_rct = int(summaries.participants(primary[primary["design"].astype(str) == "rct"]).sum())
        p_only = _p_value_only(with_results)
        lines.append(
            f"Cannot tell: a precise size of effect — {_plural(rct, 'randomised trial')} "
            f"({_plural(n_rct, 'participant')}); {p_only} of {len(with_results)} result rows "
            "give only a p-value, with no estimate, means or counts."
        )
        missing = _not_reported(primary)
        if missing:
            lines.append(missing)
    if len(reviews):
        lines.append(
            f"{_plural(len(reviews), 'review')} summarise parts of this evidence; "
            "they are not counted again as studies."
        )
    certainty = _certainty_lines(evidence)
    notes = "\n".join(lines + certainty)
    return TextSlide(
        CLOSING_TITLE,
        lines,
        notes=notes,
        optional=tuple(certainty),
        more="… and {n} more certainty statements in the notes.",
    )
