"""The seed article's claims checked against the primary sources, as tables.

Pure functions over the ``claims`` and ``studies`` frames of an
:class:`~b12explore.io.Evidence`; nothing is mutated, nothing is drawn. The
verdicts themselves live in ``data/claims.csv`` (one row per checkable detail of a
claim); these functions only count and arrange them, so the notebook's tables and
any chart of them show the same figures.
"""

from __future__ import annotations

import pandas as pd

from .schema import vocab_of
from .summaries import NOT_REPORTED

__all__ = ["SEVERITY", "claim_verdicts", "claims_table", "verdict_codes", "verdict_counts"]

#: The rule behind a claim's overall verdict, strongest first: the overall verdict is
#: the weakest among its details. A verdict code not listed here (a researcher's own)
#: counts as weaker than all of them.
SEVERITY = ("supported", "partly_supported", "not_verifiable", "misattributed", "not_supported")


def verdict_codes(claims: pd.DataFrame) -> tuple[str, ...]:
    """The verdict codes in display order: the descriptor's, then any others present.

    Examples
    --------
    >>> from b12explore import load
    >>> verdict_codes(load().claims)[:2]
    ('supported', 'partly_supported')
    """
    col = claims["verdict"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = [str(c) for c in col.cat.categories]
    else:
        vocab = vocab_of(claims)
        codes = list(vocab.enums.get("claims", {}).get("verdict", ()))
    extra = [str(v) for v in col.dropna().astype(object).unique() if str(v) not in codes]
    return tuple(dict.fromkeys([*codes, *extra]))


def _verdict_codes(claims: pd.DataFrame) -> pd.Categorical:
    return pd.Categorical(claims["verdict"].astype(object), categories=verdict_codes(claims))


def _weakness(verdict: object) -> int:
    return SEVERITY.index(verdict) if verdict in SEVERITY else len(SEVERITY)


def verdict_counts(claims: pd.DataFrame) -> pd.DataFrame:
    """Number and share of checked claim details per verdict.

    Parameters
    ----------
    claims : DataFrame
        The ``claims`` table (``verdict`` column required).

    Returns
    -------
    DataFrame
        One row per verdict in the descriptor's order (``verdict, details,
        percent``), every verdict listed even when its count is zero; percent
        rounded to one decimal.

    Examples
    --------
    >>> claims = pd.DataFrame({"verdict": ["supported", "supported", "not_verifiable"]})
    >>> verdict_counts(claims)["details"].tolist()
    [2, 0, 0, 0, 1]
    """
    counts = pd.Series(_verdict_codes(claims)).value_counts(sort=False)
    total = int(counts.sum())
    share = (100 * counts / total).round(1) if total else counts.astype(float)
    return pd.DataFrame(
        {
            "verdict": list(verdict_codes(claims)),
            "details": counts.to_numpy(),
            "percent": share.to_numpy(),
        }
    )


def claim_verdicts(claims: pd.DataFrame) -> pd.DataFrame:
    """One row per claim of the article, with how many of its details got each verdict.

    A claim's ``overall`` verdict is the weakest of its details, in the order
    supported < partly_supported < not_verifiable < misattributed < not_supported:
    one unsupported detail is enough to mark the whole claim.

    Returns
    -------
    DataFrame
        ``claim, details, <one count column per verdict>, overall``, claims in the
        order they first appear in the table.

    Examples
    --------
    >>> claims = pd.DataFrame({"claim": ["A", "A", "B"],
    ...                        "verdict": ["supported", "not_verifiable", "supported"]})
    >>> claim_verdicts(claims)[["claim", "overall"]].values.tolist()
    [['A', 'not_verifiable'], ['B', 'supported']]
    """
    frame = pd.DataFrame({"claim": claims["claim"].to_numpy(), "verdict": _verdict_codes(claims)})
    table = pd.crosstab(frame["claim"], frame["verdict"], dropna=False)
    table = table.reindex(columns=list(verdict_codes(claims)), fill_value=0)
    order = list(dict.fromkeys(frame["claim"]))
    table = table.reindex(order)
    worst = frame.groupby("claim", sort=False, observed=True)["verdict"].agg(
        lambda v: max(v.astype(object), key=_weakness)
    )
    out = table.reset_index()
    out.columns.name = None
    out.insert(1, "details", table.sum(axis=1).to_numpy())
    out["overall"] = worst.reindex(order).to_numpy()
    return out


def claims_table(claims: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """The claim details for reading: detail, source label, verdict and why.

    Returns
    -------
    DataFrame
        ``Claim, Detail, Source, Verdict, Why`` as text; a detail with no study shows
        "not reported" as its source (it was checked against a general reference,
        whose URL is in the ``source_url`` column of the CSV).

    Examples
    --------
    >>> studies = pd.DataFrame({"study_id": ["chiu2011"], "label": ["Chiu 2011"]})
    >>> claims = pd.DataFrame({"claim": ["c"], "detail": ["year"], "study_id": ["chiu2011"],
    ...                        "verdict": ["supported"], "note": ["2011 in the journal"]})
    >>> claims_table(claims, studies).loc[0, "Source"]
    'Chiu 2011'
    """
    labels = dict(zip(studies["study_id"], studies["label"], strict=True))
    source = claims["study_id"].map(labels)
    return pd.DataFrame(
        {
            "Claim": claims["claim"].astype(object).to_numpy(),
            "Detail": claims["detail"].astype(object).str.replace("_", " ").to_numpy(),
            "Source": source.astype(object).where(source.notna(), NOT_REPORTED).to_numpy(),
            "Verdict": claims["verdict"].astype(object).str.replace("_", " ").to_numpy(),
            "Why": claims["note"].astype(object).to_numpy(),
        }
    )
