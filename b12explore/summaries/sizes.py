"""Sample sizes: primary studies ranked by participants, totals per group, reviews."""

from __future__ import annotations

import pandas as pd

from ..errors import check_option
from ._common import (
    _codes,
    _labels,
    _order,
    participants,
    primary_studies,
    review_studies,
    total,
)

__all__ = ["GROUPS", "SIZE_MEASURES", "review_sizes", "sample_sizes", "totals_by"]

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
