"""Palette, category colours and the slide style context (colours only, no labels).

Colours come from the Okabe–Ito palette, which stays distinguishable under the
common forms of colour-vision deficiency. Each shipped code has a fixed colour, so
that "oral" is the same colour in every chart, whatever the filter; a code added
by a researcher gets a stable colour from :func:`color_for`. Display labels and the
order of codes are not kept here: they come from the descriptor
(``evidence.vocab``, :class:`b12explore.schema.Vocabulary`).

Nothing here changes matplotlib's global ``rcParams``: slide styling is applied
with :func:`slide_context`, a ``matplotlib.rc_context``. matplotlib is imported
only inside that function, so importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator

__all__ = [
    "DESIGN_COLORS",
    "EVIDENCE_TYPE_COLORS",
    "FINDING_COLORS",
    "FORM_COLORS",
    "GREY",
    "LIGHT_GREY",
    "MIN_SLIDE_PT",
    "OKABE_ITO",
    "RISK_OF_BIAS_COLORS",
    "RISK_OF_BIAS_SYMBOLS",
    "ROUTE_COLORS",
    "SAFE_MARGIN_IN",
    "SCORE_COLORS",
    "SCORE_LABELS",
    "SIZES",
    "SVG_RC",
    "VERDICT_COLORS",
    "color_for",
    "slide_context",
    "slide_rc",
    "tint",
]

#: Okabe & Ito (2008) "Color Universal Design" palette.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "skyblue": "#56B4E9",
    "bluishgreen": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddishpurple": "#CC79A7",
}
#: Neutral grey for "not reported" / "not assessed" categories.
GREY = "#999999"
LIGHT_GREY = "#DDDDDD"
_P = OKABE_ITO

#: Slide sizes in inches: PowerPoint's default 16:9 and the classic 4:3.
SIZES: dict[str, tuple[float, float]] = {"16:9": (13.333, 7.5), "4:3": (10.0, 7.5)}
#: Settings that make SVG output reproducible and keep its text editable.
SVG_RC: dict[str, str] = {"svg.hashsalt": "b12explore", "svg.fonttype": "none"}
#: Smallest text on a slide, in points at the slide's real size.
MIN_SLIDE_PT = 18
#: No ink closer than this to any edge of the slide (projectors and templates crop).
SAFE_MARGIN_IN = 0.4

ROUTE_COLORS: dict[str, str] = {
    "intramuscular": _P["blue"],
    "oral": _P["orange"],
    "intravenous": _P["reddishpurple"],
    "sublingual": _P["bluishgreen"],
    "mixed": _P["vermillion"],
    "not_reported": GREY,
}
DESIGN_COLORS: dict[str, str] = {
    "rct": _P["blue"],
    "non_randomised": _P["skyblue"],
    "observational": _P["orange"],
    "animal": _P["reddishpurple"],
    "systematic_review": _P["bluishgreen"],
    "meta_analysis": _P["vermillion"],
    "narrative_review": _P["yellow"],
}
FORM_COLORS: dict[str, str] = {
    "methylcobalamin": _P["bluishgreen"],
    "cyanocobalamin": _P["blue"],
    "hydroxocobalamin": _P["orange"],
    "mixed": _P["reddishpurple"],
    "not_reported": GREY,
}
FINDING_COLORS: dict[str, str] = {
    "benefit": _P["bluishgreen"],
    "no_difference": _P["skyblue"],
    "mixed": _P["yellow"],
    "inconclusive": GREY,
    "harm": _P["vermillion"],
}
RISK_OF_BIAS_COLORS: dict[str, str] = {
    "low": _P["bluishgreen"],
    "some_concerns": _P["yellow"],
    "high": _P["vermillion"],
    "not_assessed": GREY,
    "not_applicable": LIGHT_GREY,
}
#: Symbols drawn inside traffic lights so that colour is never the only cue.
RISK_OF_BIAS_SYMBOLS: dict[str, str] = {
    "low": "+",
    "some_concerns": "!",
    "high": "×",
    "not_assessed": "?",
    "not_applicable": "",
}

#: Colour of each kind of evidence behind a mechanism (strongest kind darkest).
EVIDENCE_TYPE_COLORS: dict[str, str] = {
    "human_trial": _P["blue"],
    "human_observational": _P["bluishgreen"],
    "animal": _P["orange"],
    "review": _P["reddishpurple"],
}

#: Verdicts on the article's claims, from supported (green) to not supported (vermillion).
VERDICT_COLORS: dict[str, str] = {
    "supported": _P["bluishgreen"],
    "partly_supported": _P["skyblue"],
    "not_verifiable": "#BBBBBB",
    "misattributed": _P["orange"],
    "not_supported": _P["vermillion"],
}

_COLOR_MAPS = {
    "route": ROUTE_COLORS,
    "design": DESIGN_COLORS,
    "b12_form": FORM_COLORS,
    "finding": FINDING_COLORS,
    "direction": FINDING_COLORS,
    "risk_of_bias": RISK_OF_BIAS_COLORS,
    "evidence_type": EVIDENCE_TYPE_COLORS,
    "verdict": VERDICT_COLORS,
}


def color_for(field: str, code: object) -> str:
    """The fixed colour of a code of a coded field.

    Known codes have the colours above. A code this module has never seen (a
    researcher's own route, design, ...) gets a stable colour-blind-safe colour: the
    code's CRC-32 picks an Okabe–Ito colour, preferring those the field does not
    already use, so it is the same colour in every chart and every session.

    Parameters
    ----------
    field : str
        The coded field, e.g. ``"route"``, ``"design"``, ``"b12_form"``,
        ``"finding"``, ``"direction"``, ``"risk_of_bias"`` (or any other name).
    code : object
        A code; missing values (``None``, NaN) are grey.

    Returns
    -------
    str
        A hex colour.

    Examples
    --------
    >>> color_for("route", "oral")
    '#E69F00'
    >>> color_for("route", None)
    '#999999'
    >>> color_for("route", "nasal_spray") == color_for("route", "nasal_spray")
    True
    """
    if code is None or code != code or type(code).__name__ == "NAType":
        return GREY
    known = _COLOR_MAPS.get(field, {})
    text = str(code)
    if text in known:
        return known[text]
    used = set(known.values())
    free = [c for k, c in OKABE_ITO.items() if k != "black" and c not in used]
    choices = free or [c for k, c in OKABE_ITO.items() if k != "black"]
    return choices[zlib.crc32(text.encode("utf-8")) % len(choices)]


def slide_rc(size: str = "16:9") -> dict:
    """The rc settings of :func:`slide_context` as a plain dict.

    Examples
    --------
    >>> slide_rc()["figure.figsize"]
    (13.333, 7.5)
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}, got {size!r}")
    return {
        "figure.figsize": SIZES[size],
        "figure.dpi": 100,
        "savefig.dpi": 200,
        "font.family": "DejaVu Sans",
        "font.size": MIN_SLIDE_PT,
        "axes.titlesize": 24,
        "axes.labelsize": MIN_SLIDE_PT,
        "xtick.labelsize": MIN_SLIDE_PT,
        "ytick.labelsize": MIN_SLIDE_PT,
        "legend.fontsize": MIN_SLIDE_PT,
        "legend.title_fontsize": MIN_SLIDE_PT,
        "figure.titlesize": 26,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": _cycler(),
        **SVG_RC,
        "path.simplify": True,
    }


def _cycler():
    from cycler import cycler

    return cycler(color=[c for k, c in OKABE_ITO.items() if k != "black"])


@contextlib.contextmanager
def slide_context(size: str = "16:9") -> Iterator[dict]:
    """Slide styling for figures created inside the block.

    Fonts are at least 18 pt at the slide's real size, SVG text stays text and SVG
    ids are reproducible. Global ``rcParams`` are restored on exit.

    Parameters
    ----------
    size : {"16:9", "4:3"}
        Slide aspect; sets ``figure.figsize`` from :data:`SIZES`.

    Examples
    --------
    >>> import matplotlib
    >>> before = matplotlib.rcParams["font.size"]
    >>> with slide_context() as rc:
    ...     matplotlib.rcParams["font.size"]
    18.0
    >>> matplotlib.rcParams["font.size"] == before
    True
    """
    import matplotlib

    rc = slide_rc(size)
    with matplotlib.rc_context(rc):
        yield rc


def tint(color: str, amount: float = 0.55) -> str:
    """``color`` mixed with white (``amount`` of white), as hex.

    Examples
    --------
    >>> tint("#000000", 0.5)
    '#808080'
    """
    c = color.lstrip("#")
    rgb = [int(c[i : i + 2], 16) for i in (0, 2, 4)]
    mixed = [round(v + (255 - v) * amount) for v in rgb]
    return "#" + "".join(f"{v:02X}" for v in mixed)


#: Cell colours of the delivery-route matrix: 1 least, 3 most favourable.
SCORE_COLORS: dict[int, str] = {
    1: tint(OKABE_ITO["vermillion"], 0.6),
    2: tint(OKABE_ITO["yellow"], 0.5),
    3: tint(OKABE_ITO["bluishgreen"], 0.6),
}
SCORE_LABELS: dict[int, str] = {
    1: "1 least favourable",
    2: "2 intermediate",
    3: "3 most favourable",
}
