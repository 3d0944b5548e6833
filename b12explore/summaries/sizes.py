"""Sample sizes: primary studies ranked by participants, totals per group, reviews.

Also what a capped chart leaves out (:func:`largest_studies`, :func:`rest_summary`,
:func:`rest_text`): every chart that draws at most N studies names the rest with
these numbers, so a chart, its CSV and a table agree.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from ..errors import check_option
from ._common import (
    _codes,
    _labels,
    _order,
    format_count,
    participants,
    primary_studies,
    review_studies,
    total,
)

__all__ = [
    "GROUPS",
    "SIZE_MEASURES",
    "Rest",
    "largest_studies",
    "rest_summary",
    "rest_text",
    "review_sizes",
    "sample_sizes",
    "totals_by",
]

#: Studies-table columns the sample-size tables group by (``by=``).
GROUPS = ("route", "design", "b12_form")
#: What ``sample_sizes`` ranks by (``measure=``).
SIZE_MEASURES = ("enrolled", "analysed")


def sample_sizes(
    studies: pd.DataFrame, *, by: str = "route", measure: str = "enrolled"
) -> pd.DataFrame:
    """Primary studies ranked by participants.

    Parameters
    ----------
    studies : DataFrame
        The studies table.
    by : {"route", "design", "b12_form"}
        Column copied into ``group`` (what the chart colours by).
    measure : {"enrolled", "analysed"}
        What to rank by; a study missing that number is ranked by the other one.

    Returns
    -------
    DataFrame
        ``study_id, label, year, design, route, b12_form, group, n_enrolled,
        n_analysed, n`` — one row per primary study, largest ``n`` first; studies
        with no sample size at all come last with ``n`` missing.

    Examples
    --------
    >>> studies = _demo_studies()
    >>> sample_sizes(studies)[["label", "n"]].values.tolist()
    [['B 2011', 60], ['A 2000', 40]]
    """
    check_option("measure", measure, SIZE_MEASURES)
    check_option("by", by, GROUPS)
    prim = primary_studies(studies)
    first, other = ("n_enrolled", "n_analysed")[:: 1 if measure == "enrolled" else -1]
    out = pd.DataFrame(
        {
            "study_id": prim["study_id"],
            "label": pd.Series(_labels(prim)).reindex(prim["study_id"]).to_numpy(),
            "year": prim["year"].astype("Int64"),
            "design": _codes(prim["design"]),
            "route": _codes(prim["route"]),
            "b12_form": _codes(prim["b12_form"]),
            "group": _codes(prim[by]),
            "n_enrolled": prim["n_enrolled"].astype("Int64"),
            "n_analysed": prim["n_analysed"].astype("Int64"),
            "n": prim[first].astype("Int64").fillna(prim[other].astype("Int64")),
        }
    )
    out = out.sort_values(["n", "label"], ascending=[False, True], na_position="last")
    return out.reset_index(drop=True)


def totals_by(studies: pd.DataFrame, *, by: str = "route") -> pd.DataFrame:
    """Number of primary studies and participants per group.

    Parameters
    ----------
    studies : DataFrame
        The studies table.
    by : {"route", "design", "b12_form"}
        The column whose codes are the groups.

    Returns
    -------
    DataFrame
        ``group, studies, n_enrolled, n_analysed, participants, size_not_reported``
        in schema order of ``by``; sums skip missing numbers, and
        ``size_not_reported`` counts the studies that report no size at all.

    Examples
    --------
    >>> t = totals_by(_demo_studies(), by="route")
    >>> t[["group", "studies", "participants"]].values.tolist()
    [['intramuscular', 1, 60], ['oral', 1, 40]]
    >>> totals_by(_demo_studies(), by="rout")
    Traceback (most recent call last):
    ...
    ValueError: by: 'rout' is not one of route, design, b12_form; did you mean 'route'?
    """
    check_option("by", by, GROUPS)
    prim = primary_studies(studies)
    n = participants(prim)
    frame = pd.DataFrame(
        {
            "group": _codes(prim[by]).to_numpy(),
            "n_enrolled": prim["n_enrolled"].astype("Int64").to_numpy(),
            "n_analysed": prim["n_analysed"].astype("Int64").to_numpy(),
            "participants": n.to_numpy(),
            "missing": n.isna().to_numpy(),
        }
    )
    rows = []
    for group in _order(frame["group"], prim[by]):
        part = frame[frame["group"] == group]
        rows.append(
            {
                "group": group,
                "studies": len(part),
                "n_enrolled": total(part["n_enrolled"]),
                "n_analysed": total(part["n_analysed"]),
                "participants": total(part["participants"]),
                "size_not_reported": int(part["missing"].sum()),
            }
        )
    cols = ["group", "studies", "n_enrolled", "n_analysed", "participants", "size_not_reported"]
    return pd.DataFrame(rows, columns=cols)


def review_sizes(studies: pd.DataFrame) -> pd.DataFrame:
    """Reviews with their number of included studies and patients.

    Returns
    -------
    DataFrame
        ``study_id, label, year, design, n_studies, n_patients`` sorted by
        included studies (largest first; missing last).

    Examples
    --------
    >>> review_sizes(_demo_studies())[["label", "n_studies"]].values.tolist()
    [['R 2020', 5]]
    """
    rev = review_studies(studies)
    out = pd.DataFrame(
        {
            "study_id": rev["study_id"],
            "label": pd.Series(_labels(rev)).reindex(rev["study_id"]).to_numpy(),
            "year": rev["year"].astype("Int64"),
            "design": _codes(rev["design"]),
            "n_studies": rev["n_studies"].astype("Int64"),
            "n_patients": rev["n_enrolled"].astype("Int64"),
        }
    )
    out = out.sort_values(["n_studies", "label"], ascending=[False, True], na_position="last")
    return out.reset_index(drop=True)


class Rest(NamedTuple):
    """The studies a capped chart leaves out: how many, and their participants.

    ``participants`` sums the sizes that are reported; ``size_not_reported``
    counts the studies left out that report none.
    """

    studies: int
    participants: int
    size_not_reported: int


def rest_summary(table: pd.DataFrame, *, n_col: str = "n") -> Rest:
    """How many studies ``table`` holds and their participants (each study once).

    Parameters
    ----------
    table : DataFrame
        Rows with ``study_id`` (a study may have several rows) and ``n_col``, the
        study's participants (missing when not reported). Without ``study_id``
        every row is a study.
    n_col : str, default "n"

    Returns
    -------
    Rest

    Examples
    --------
    >>> t = pd.DataFrame({"study_id": ["a", "a", "b", "c"],
    ...                   "n": pd.array([40, 40, 60, None], dtype="Int64")})
    >>> rest_summary(t)
    Rest(studies=3, participants=100, size_not_reported=1)
    """
    per_study = table.drop_duplicates("study_id") if "study_id" in table else table
    n = per_study[n_col] if n_col in per_study else pd.Series(pd.NA, index=per_study.index)
    n = pd.to_numeric(n, errors="coerce")
    if pd.api.types.is_float_dtype(n.dtype):
        n = n.round().astype("Int64")
    return Rest(len(per_study), total(n), int(n.isna().sum()))


def largest_studies(
    table: pd.DataFrame, max_studies: int, *, n_col: str = "n"
) -> tuple[pd.DataFrame, Rest]:
    """Rows of the ``max_studies`` studies with most participants, and the rest.

    Parameters
    ----------
    table : DataFrame
        Rows with ``study_id`` and ``n_col`` (see :func:`rest_summary`).
    max_studies : int
        Most studies kept; ties keep the earlier rows, and a study without a size
        comes after every study with one.
    n_col : str, default "n"

    Returns
    -------
    kept : DataFrame
        The rows of the kept studies, in their original order.
    rest : Rest
        The studies left out (``Rest(0, 0, 0)`` when none are).

    Examples
    --------
    >>> t = pd.DataFrame({"study_id": ["a", "b", "c"], "n": [40, 60, 10]})
    >>> kept, rest = largest_studies(t, 2)
    >>> kept["study_id"].tolist(), rest
    (['a', 'b'], Rest(studies=1, participants=10, size_not_reported=0))
    """
    ids = table.drop_duplicates("study_id")
    if len(ids) <= max_studies:
        return table, Rest(0, 0, 0)
    n = pd.to_numeric(ids[n_col], errors="coerce").astype(float).fillna(-1)
    keep = set(
        ids.loc[n.sort_values(ascending=False, kind="stable").index[:max_studies], "study_id"]
    )
    inside = table["study_id"].isin(keep)
    return table[inside], rest_summary(table[~inside], n_col=n_col)


def rest_text(rest: Rest) -> str:
    """The studies left out, in words: ``"and 12 more studies, 3,400 participants"``.

    Parameters
    ----------
    rest : Rest
        From :func:`largest_studies` or :func:`rest_summary`.

    Returns
    -------
    str
        "at least" when some sizes are not reported; "participants not reported"
        when none is.

    Examples
    --------
    >>> rest_text(Rest(12, 3400, 0))
    'and 12 more studies, 3,400 participants'
    >>> rest_text(Rest(3, 25, 1))
    'and 3 more studies, at least 25 participants'
    >>> rest_text(Rest(2, 0, 2))
    'and 2 more studies, participants not reported'
    """
    studies = f"and {rest.studies:,} more {'study' if rest.studies == 1 else 'studies'}"
    if rest.size_not_reported >= rest.studies:
        return f"{studies}, participants not reported"
    least = "at least " if rest.size_not_reported else ""
    return f"{studies}, {least}{format_count(rest.participants)} participants"
