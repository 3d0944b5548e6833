"""Reviews apart from primary studies; optional tables; which review includes which study.

A review (``systematic_review``, ``meta_analysis``, ``narrative_review``) is never a
row of a primary-study chart, forest plot of studies, sample-size total or
"Enrolled" column. Its own pooled result is shown as its own labelled row and is
never pooled again with the trials it (possibly) includes: ``review_inclusions``
records, where a source says so, which primary studies each review includes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._common import REVIEW_DESIGNS, _codes, _labels

__all__ = ["is_review", "optional_table", "review_inclusions", "review_label"]


def _studies_of(data) -> pd.DataFrame:
    return data.studies if hasattr(data, "studies") else data


def is_review(data) -> pd.Series:
    """Boolean Series (index of the studies table): is each study a review?

    Parameters
    ----------
    data : Evidence or DataFrame
        An ``Evidence`` or its studies table.

    Examples
    --------
    >>> df = pd.DataFrame({"design": ["rct", "meta_analysis", "narrative_review"]})
    >>> is_review(df).tolist()
    [False, True, True]
    """
    studies = _studies_of(data)
    return _codes(studies["design"]).isin(REVIEW_DESIGNS).astype(bool)


def optional_table(evidence, name: str) -> pd.DataFrame:
    """A table of ``evidence`` by resource name, typed by its schema.

    Uses ``evidence.table(name)`` when the ``Evidence`` offers it; otherwise reads
    ``<data_dir>/<name>.csv`` with the descriptor's schema (invalid cells become
    missing: ``load`` has validated the folder already). An absent table gives an
    empty frame with the schema's columns (or no columns when not described).

    Examples
    --------
    >>> from b12explore import load
    >>> "judgement" in optional_table(load(), "rob2").columns
    True
    """
    getter = getattr(evidence, "table", None)
    if callable(getter):
        return getter(name)
    tables = getattr(evidence, "tables", None)
    if isinstance(tables, dict) and name in tables:
        return tables[name]
    descriptor = getattr(evidence, "descriptor", None) or {}
    res = next((r for r in descriptor.get("resources", []) if r.get("name") == name), None)
    if res is None:
        return pd.DataFrame()
    from ..validate import coerce

    fields = res["schema"]["fields"]
    folder = getattr(evidence, "data_dir", None)
    path = Path(folder) / res.get("path", f"{name}.csv") if folder is not None else None
    if path is None or not path.is_file():
        raw = pd.DataFrame({f["name"]: pd.Series(dtype="str") for f in fields})
    else:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return coerce(raw, fields)


def review_label(studies: pd.DataFrame, review_id: str) -> str:
    """ "Reported by <review>, review of k studies" for a review row of a chart.

    Examples
    --------
    >>> review_label(_demo_studies(), "r2020")
    'Reported by R 2020 (review of 5 studies)'
    """
    labels = _labels(studies)
    row = studies[studies["study_id"] == review_id]
    k = row["n_studies"].iloc[0] if len(row) and "n_studies" in row else None
    name = labels.get(review_id, review_id)
    if k is None or pd.isna(k):
        return f"Reported by {name} (review)"
    return f"Reported by {name} (review of {int(k):,} {'study' if int(k) == 1 else 'studies'})"


def review_inclusions(evidence) -> pd.DataFrame:
    """Which primary studies each review includes, with readable labels.

    Returns
    -------
    DataFrame
        ``review_id, review, study_id, study, included_study, inclusion, note,
        source_url`` (``study`` is empty when the included study is not among ours).

    Examples
    --------
    >>> from b12explore import load
    >>> t = review_inclusions(load())
    >>> set(t.loc[t["review_id"] == "calderonospina2020", "study_id"])
    {'dolor2009'}
    """
    cols = ["review_id", "review", "study_id", "study", "included_study", "inclusion", "note"]
    cols += ["source_url"]
    inc = optional_table(evidence, "review_inclusions")
    if inc.empty:
        return pd.DataFrame(columns=cols)
    labels = _labels(evidence.studies)
    out = inc.copy()
    out["inclusion"] = _codes(out["inclusion"])
    out["review"] = out["review_id"].map(labels).fillna(out["review_id"])
    out["study"] = out["study_id"].map(labels).fillna("")
    keep = out["review_id"].isin(evidence.studies["study_id"])
    return out.loc[keep, cols].reset_index(drop=True)
