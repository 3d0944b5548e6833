"""Delivery routes: studies by route and B12 form, the route x feature comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _codes, _order, participants, primary_studies, total

__all__ = ["delivery_features", "route_form_counts"]


def route_form_counts(studies: pd.DataFrame) -> pd.DataFrame:
    """Primary studies and participants by route and B12 form.

    Returns
    -------
    DataFrame
        ``route, b12_form, studies, participants`` for the combinations present,
        in schema order.

    Examples
    --------
    >>> route_form_counts(_demo_studies()).values.tolist()
    [['intramuscular', 'methylcobalamin', 1, 60], ['oral', 'cyanocobalamin', 1, 40]]
    """
    prim = primary_studies(studies)
    frame = pd.DataFrame(
        {
            "route": _codes(prim["route"]).to_numpy(),
            "b12_form": _codes(prim["b12_form"]).to_numpy(),
            "n": participants(prim).to_numpy(),
        }
    )
    groups = frame.groupby(["route", "b12_form"], sort=False)["n"]  # missing codes drop out
    found = {key: (len(part), total(part)) for key, part in groups}
    rows = [
        [route, form, *found[(route, form)]]
        for route in _order(frame["route"], prim["route"])
        for form in _order(frame["b12_form"], prim["b12_form"])
        if (route, form) in found
    ]
    return pd.DataFrame(rows, columns=["route", "b12_form", "studies", "participants"])


def delivery_features(delivery_routes: pd.DataFrame) -> pd.DataFrame:
    """The route x feature comparison, one row per cell, in schema order.

    Returns
    -------
    DataFrame
        ``feature, route, score, description, source_url`` sorted by feature then
        route (``source_url`` is missing when the input has no such column).

    Examples
    --------
    >>> df = pd.DataFrame({"route": ["oral"], "feature": ["cost"], "score": [3],
    ...                    "description": ["cheap"], "source_url": ["https://example.org"]})
    >>> delivery_features(df).values.tolist()
    [['cost', 'oral', 3, 'cheap', 'https://example.org']]
    """
    urls = delivery_routes.get("source_url", pd.Series(np.nan, index=delivery_routes.index))
    out = pd.DataFrame(
        {
            "feature": _codes(delivery_routes["feature"]),
            "route": _codes(delivery_routes["route"]),
            "score": delivery_routes["score"].astype("Int64"),
            "description": delivery_routes["description"],
            "source_url": urls,
        }
    )
    frank = {f: i for i, f in enumerate(_order(out["feature"], delivery_routes["feature"]))}
    rrank = {r: i for i, r in enumerate(_order(out["route"], delivery_routes["route"]))}
    key = out["feature"].map(frank) * 100 + out["route"].map(rrank)
    return out.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)
