"""The seed article's background, as tables: food sources, groups at risk, mechanisms.

Also the search log's PRISMA-style flow (records found, screened, read, included).

Every function takes one table (a DataFrame as loaded, or an ``Evidence`` from which the
table is taken) and returns a new DataFrame; nothing is changed in place and nothing is
drawn here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..schema import vocab_of

__all__ = [
    "PRISMA_STAGES",
    "background_table",
    "evidence_types",
    "food_table",
    "mechanism_table",
    "prisma_flow",
    "risk_group_table",
]

#: Stages of the PRISMA-style flow, in order.
PRISMA_STAGES: tuple[str, ...] = (
    "identified",
    "duplicates",
    "screened",
    "screened_out",
    "read",
    "excluded",
    "used_existing",
    "included_new",
)

_SOURCE_NAMES = {
    "ods.od.nih.gov/factsheets/VitaminB12-HealthProfessional": "NIH ODS Vitamin B12 fact sheet",
    "ods.od.nih.gov/factsheets/VitaminB12-Consumer": "NIH ODS Vitamin B12 consumer fact sheet",
}


def background_table(evidence_or_table, name: str) -> pd.DataFrame:
    """The table ``name`` from an ``Evidence``, or the DataFrame itself.

    Parameters
    ----------
    evidence_or_table : Evidence or DataFrame
    name : str
        Resource name, e.g. ``"food_sources"`` or ``"search_log"``.

    Returns
    -------
    DataFrame
        The table; an empty frame when the evidence has no such table.

    Examples
    --------
    >>> from b12explore import load
    >>> len(background_table(load(), "food_sources")) > 0
    True
    """
    if isinstance(evidence_or_table, pd.DataFrame):
        return evidence_or_table
    getter = getattr(evidence_or_table, "table", None)
    if callable(getter):
        try:
            return getter(name)
        except KeyError:
            return pd.DataFrame()
    frame = getattr(evidence_or_table, name, None)
    if isinstance(frame, pd.DataFrame):
        return frame
    folder = getattr(evidence_or_table, "data_dir", None)
    path = Path(folder) / f"{name}.csv" if folder else None
    if path is not None and path.is_file():
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    return pd.DataFrame()


def _source_name(urls: object) -> str:
    text = "" if pd.isna(urls) else str(urls)
    for key, label in _SOURCE_NAMES.items():
        if key in text:
            return label
    return text.split(" | ")[0]


def food_table(evidence_or_table) -> pd.DataFrame:
    """Foods by B12 per serving, richest first, with serving and % Daily Value.

    Parameters
    ----------
    evidence_or_table : Evidence or DataFrame
        The ``food_sources`` table (or evidence holding it).

    Returns
    -------
    DataFrame
        Columns ``food, serving, mcg_per_serving, percent_dv, label, source``; ``label``
        is "food (serving)" and ``source`` names the fact sheet the values come from.

    Examples
    --------
    >>> from b12explore import load
    >>> first = food_table(load()).iloc[0]
    >>> first["food"], float(first["mcg_per_serving"]), int(first["percent_dv"])
    ('Beef liver, cooked, pan-fried', 70.7, 2944)
    """
    foods = background_table(evidence_or_table, "food_sources")
    cols = ["food", "serving", "mcg_per_serving", "percent_dv", "label", "source"]
    if foods.empty:
        return pd.DataFrame(columns=cols)
    out = foods.copy()
    out["mcg_per_serving"] = pd.to_numeric(out["mcg_per_serving"], errors="coerce")
    out["percent_dv"] = pd.to_numeric(out["percent_dv"], errors="coerce").astype("Int64")
    out["label"] = out["food"].astype(str) + " (" + out["serving"].astype(str) + ")"
    out["source"] = out["source_url"].map(_source_name)
    out = out.sort_values("mcg_per_serving", ascending=False, kind="stable")
    return out[cols].reset_index(drop=True)


def risk_group_table(evidence_or_table) -> pd.DataFrame:
    """Groups at risk of low B12 with what puts them at risk and how many sources say so.

    Parameters
    ----------
    evidence_or_table : Evidence or DataFrame
        The ``risk_groups`` table (or evidence holding it).

    Returns
    -------
    DataFrame
        Columns ``group_id, group, why, sources`` (number of primary sources cited),
        in table order.

    Examples
    --------
    >>> from b12explore import load
    >>> risk_group_table(load())[["group_id", "sources"]].head(2).values.tolist()
    [['older_adults', 2], ['pernicious_anaemia', 2]]
    """
    groups = background_table(evidence_or_table, "risk_groups")
    cols = ["group_id", "group", "why", "sources"]
    if groups.empty:
        return pd.DataFrame(columns=cols)
    out = groups.copy()
    out["sources"] = out["source_url"].map(
        lambda v: 0 if pd.isna(v) else len([u for u in str(v).split(" | ") if u])
    )
    return out[cols].reset_index(drop=True)


def mechanism_table(evidence_or_table) -> pd.DataFrame:
    """Proposed mechanisms with the kind of evidence behind each, strongest kind first.

    Parameters
    ----------
    evidence_or_table : Evidence or DataFrame
        The ``mechanisms`` table (or evidence holding it).

    Returns
    -------
    DataFrame
        Columns ``mechanism_id, mechanism, evidence_type, studies, summary``;
        ``studies`` counts the linked ``study_ids``. Sorted by evidence kind in the order
        of :func:`evidence_types` (the descriptor's), then by name.

    Examples
    --------
    >>> from b12explore import load
    >>> mechanism_table(load())["evidence_type"].iloc[0]
    'human_observational'
    """
    mech = background_table(evidence_or_table, "mechanisms")
    cols = ["mechanism_id", "mechanism", "evidence_type", "studies", "summary"]
    if mech.empty:
        return pd.DataFrame(columns=cols)
    out = mech.copy()
    out["evidence_type"] = out["evidence_type"].astype(str)
    out["studies"] = out["study_ids"].map(
        lambda v: 0 if pd.isna(v) else len([s for s in str(v).split(";") if s])
    )
    rank = {code: i for i, code in enumerate(evidence_types(mech))}
    out["_rank"] = out["evidence_type"].map(lambda c: rank.get(c, len(rank)))
    out = out.sort_values(["_rank", "mechanism"], kind="stable")
    return out[cols].reset_index(drop=True)


def evidence_types(evidence_or_table) -> tuple[str, ...]:
    """Kinds of evidence behind a mechanism, in display order.

    The descriptor's ``mechanisms.evidence_type`` codes (strongest, human trial,
    first), then any other code present in the table, alphabetically.

    Parameters
    ----------
    evidence_or_table : Evidence or DataFrame
        The ``mechanisms`` table (or evidence holding it).

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> from b12explore import load
    >>> evidence_types(load())[:2]
    ('human_trial', 'human_observational')
    """
    table = background_table(evidence_or_table, "mechanisms")
    vocab = vocab_of(evidence_or_table)
    known = vocab.enums.get("mechanisms", {}).get("evidence_type", ())
    present = table["evidence_type"].dropna().astype(str) if "evidence_type" in table else []
    return tuple(known) + tuple(sorted(set(present) - set(known)))


def prisma_flow(evidence_or_table) -> pd.DataFrame:
    """Counts for a PRISMA-style flow, summed over the search log.

    Parameters
    ----------
    evidence_or_table : Evidence or DataFrame
        The ``search_log`` table (or evidence holding it).

    Returns
    -------
    DataFrame
        One row per stage of :data:`PRISMA_STAGES` with ``stage``, ``count`` and
        ``label``: records identified, duplicates removed, records screened, screened
        out, records read, excluded after reading, used as sources of existing rows,
        and new studies or reports included. Empty when there is no search log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"hits": [8, 8], "new_records": [8, 5], "screened_out": [3, 1],
    ...     "excluded_after_reading": [2, 2], "used_for_existing_rows": [2, 1],
    ...     "included_new": [1, 1]})
    >>> prisma_flow(log).set_index("stage")["count"].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'identified': 16, 'duplicates': 3, 'screened': 13, 'screened_out': 4, 'read': 9,
     'excluded': 4, 'used_existing': 3, 'included_new': 2}
    """
    log = background_table(evidence_or_table, "search_log")
    if log.empty:
        return pd.DataFrame(columns=["stage", "count", "label"])

    def total(col: str) -> int:
        return int(pd.to_numeric(log[col], errors="coerce").fillna(0).sum())

    identified, screened = total("hits"), total("new_records")
    out = total("screened_out")
    counts = {
        "identified": identified,
        "duplicates": identified - screened,
        "screened": screened,
        "screened_out": out,
        "read": screened - out,
        "excluded": total("excluded_after_reading"),
        "used_existing": total("used_for_existing_rows"),
        "included_new": total("included_new"),
    }
    labels = {
        "identified": f"Records returned by {len(log)} searches",
        "duplicates": "Duplicates removed",
        "screened": "Distinct records screened",
        "screened_out": "Screened out (off topic, consumer pages)",
        "read": "Records read",
        "excluded": "Excluded after reading",
        "used_existing": "Sources of rows already in the tables",
        "included_new": "New studies or reports added",
    }
    return pd.DataFrame(
        {
            "stage": list(PRISMA_STAGES),
            "count": [counts[s] for s in PRISMA_STAGES],
            "label": [labels[s] for s in PRISMA_STAGES],
        }
    )
