"""Risk-of-bias and certainty arithmetic: the published rules, as code.

Every overall judgement stored in ``data/`` (``rob2``, ``robins_i``, ``amstar2``,
``certainty``) is re-computed here from its domain judgements, and a test checks that
the stored value equals the computed one. Nothing here reads files or plots.

Rules implemented
-----------------
RoB 2 (Sterne et al. 2019, Cochrane Handbook ch. 8, table 8.2.b)
    *low* only if every domain is low; *high* if any domain is high, **or** if
    ``several_concerns`` (default 3) or more domains have some concerns - our
    written reading of "some concerns for multiple domains in a way that
    substantially lowers confidence in the result"; otherwise *some concerns*.
ROBINS-I (Sterne et al. 2016, table 3)
    *critical* if any domain is critical; else *serious* if any is serious; else
    *no information* if any domain lacks information (and none is serious or
    critical); else *moderate* if any is moderate; else *low*.
AMSTAR 2 (Shea et al. 2017, critical items 2, 4, 7, 9, 11, 13, 15)
    a *no* on a critical item is a critical flaw, on another item a weakness.
    *high*: no critical flaw and at most one weakness; *moderate*: no critical flaw
    and more than one weakness; *low*: one critical flaw; *critically low*: more
    than one. AMSTAR 2 asks whether a review *reports* each safeguard, so an item
    the text we could read does not show (``cannot_tell``) is not credited: it
    counts as a *no* (``unverified_as_flaw=True``). The rating is therefore a
    floor that the full text may raise; ``basis`` in the data says what was read.
Which tool (Handbook ch. 8, 25; Shea et al. 2017)
    randomised trials: RoB 2; non-randomised comparisons of interventions
    (``non_randomised``, ``observational``): ROBINS-I; systematic reviews and
    meta-analyses: AMSTAR 2. Single-group studies (no comparison: ROBINS-I judges a
    comparison against a target trial), narrative reviews (AMSTAR 2 is for
    systematic reviews) and animal studies are not appraised, each with a stated
    reason (:func:`appraisal_tool`).
``studies.risk_of_bias`` (:func:`study_risk_of_bias`)
    derived from the tables' overall judgement, never typed: RoB 2 keeps its code;
    ROBINS-I *low* -> low (the tool's "comparable to a well-performed randomised
    trial"), *moderate* -> some concerns, *serious* and *critical* -> high, *no
    information* -> not assessed; reviews and studies without a risk-of-bias tool
    -> not assessed (a review's AMSTAR 2 rating is confidence in the review, not
    risk of bias).
GRADE (Guyatt et al. 2008; Handbook ch. 14)
    start *high* (4) for randomised evidence, *low* (2) for non-randomised; add
    the five downgrade domains (0, -1 or -2 each); add upgrades (0, +1, +2) only
    for non-randomised evidence whose risk of bias was not downgraded; clip to 1..4
    (*very low* .. *high*).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = [
    "AMSTAR2_CRITICAL",
    "AMSTAR2_ITEMS",
    "GRADE_DOMAINS",
    "GRADE_LEVELS",
    "ROB2_DOMAINS",
    "ROBINS_I_DOMAINS",
    "STUDY_RISK_OF_BIAS",
    "amstar2_overall",
    "appraisal_tool",
    "grade_level",
    "rob2_overall",
    "robins_i_overall",
    "study_risk_of_bias",
]

ROB2_DOMAINS = (
    "d1_randomisation",
    "d2_deviations",
    "d3_missing_data",
    "d4_measurement",
    "d5_selection",
)
ROB2_JUDGEMENTS = ("low", "some_concerns", "high")
ROBINS_I_DOMAINS = (
    "d1_confounding",
    "d2_selection",
    "d3_classification",
    "d4_deviations",
    "d5_missing_data",
    "d6_measurement",
    "d7_selection_reported",
)
ROBINS_I_JUDGEMENTS = ("low", "moderate", "serious", "critical", "no_information")
AMSTAR2_ITEMS = tuple(f"item{i:02d}" for i in range(1, 17))
AMSTAR2_CRITICAL = ("item02", "item04", "item07", "item09", "item11", "item13", "item15")
AMSTAR2_ANSWERS = ("yes", "partial_yes", "no", "cannot_tell", "no_meta_analysis")
GRADE_DOMAINS = (
    "risk_of_bias",
    "inconsistency",
    "indirectness",
    "imprecision",
    "publication_bias",
)
#: Level number -> GRADE certainty code.
GRADE_LEVELS = {4: "high", 3: "moderate", 2: "low", 1: "very_low"}


def _check(values: Iterable[str], allowed: tuple[str, ...], tool: str) -> list[str]:
    values = [str(v) for v in values]
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"{tool}: unknown judgement(s) {bad}; expected one of {allowed}")
    return values


def rob2_overall(domains: Mapping[str, str] | Iterable[str], *, several_concerns: int = 3) -> str:
    """Overall RoB 2 judgement from the five domain judgements.

    Parameters
    ----------
    domains : mapping or iterable of str
        Domain judgements (``low``, ``some_concerns``, ``high``); a mapping's values
        are used.
    several_concerns : int
        How many *some concerns* domains make the overall judgement *high*.

    Returns
    -------
    str

    Examples
    --------
    >>> rob2_overall(["low"] * 5)
    'low'
    >>> rob2_overall(["low", "some_concerns", "low", "low", "some_concerns"])
    'some_concerns'
    >>> rob2_overall(["low", "high", "low", "low", "low"])
    'high'
    """
    values = list(domains.values()) if isinstance(domains, Mapping) else list(domains)
    values = _check(values, ROB2_JUDGEMENTS, "RoB 2")
    if not values:
        raise ValueError("RoB 2: no domain judgements")
    if "high" in values or values.count("some_concerns") >= several_concerns:
        return "high"
    if all(v == "low" for v in values):
        return "low"
    return "some_concerns"


def robins_i_overall(domains: Mapping[str, str] | Iterable[str]) -> str:
    """Overall ROBINS-I judgement: the most severe domain (see module notes).

    Examples
    --------
    >>> robins_i_overall(["low", "moderate", "low"])
    'moderate'
    >>> robins_i_overall(["low", "no_information", "moderate"])
    'no_information'
    >>> robins_i_overall(["serious", "no_information"])
    'serious'
    """
    values = list(domains.values()) if isinstance(domains, Mapping) else list(domains)
    values = _check(values, ROBINS_I_JUDGEMENTS, "ROBINS-I")
    if not values:
        raise ValueError("ROBINS-I: no domain judgements")
    for level in ("critical", "serious", "no_information", "moderate"):
        if level in values:
            return level
    return "low"


def amstar2_overall(items: Mapping[str, str], *, unverified_as_flaw: bool = True) -> str:
    """Overall AMSTAR 2 confidence from item answers (see module notes).

    Parameters
    ----------
    items : mapping
        ``item01`` .. ``item16`` -> ``yes``, ``partial_yes``, ``no``,
        ``cannot_tell`` or ``no_meta_analysis``; missing items count as
        ``cannot_tell``.
    unverified_as_flaw : bool
        Count ``cannot_tell`` as ``no``.

    Examples
    --------
    >>> amstar2_overall({i: "yes" for i in AMSTAR2_ITEMS})
    'high'
    >>> amstar2_overall({**{i: "yes" for i in AMSTAR2_ITEMS}, "item02": "no"})
    'low'
    """
    unknown = set(items) - set(AMSTAR2_ITEMS)
    if unknown:
        raise ValueError(f"AMSTAR 2: unknown item(s) {sorted(unknown)}")
    answers = {i: str(items.get(i, "cannot_tell")) for i in AMSTAR2_ITEMS}
    _check(answers.values(), AMSTAR2_ANSWERS, "AMSTAR 2")
    flaws = {"no", "cannot_tell"} if unverified_as_flaw else {"no"}
    critical = sum(answers[i] in flaws for i in AMSTAR2_CRITICAL)
    weak = sum(answers[i] in flaws for i in AMSTAR2_ITEMS if i not in AMSTAR2_CRITICAL)
    if critical > 1:
        return "critically_low"
    if critical == 1:
        return "low"
    return "high" if weak <= 1 else "moderate"


def grade_level(
    randomised: bool,
    downgrades: Mapping[str, int] | Iterable[int],
    upgrades: int = 0,
) -> str:
    """GRADE certainty from the starting design, five downgrades and upgrades.

    Parameters
    ----------
    randomised : bool
        Randomised trials start at *high*, other designs at *low*.
    downgrades : mapping or iterable of int
        Each 0, -1 or -2 (a mapping is keyed by :data:`GRADE_DOMAINS`).
    upgrades : int
        0, 1 or 2; counted only for non-randomised evidence with no risk-of-bias
        downgrade.

    Returns
    -------
    str
        ``high``, ``moderate``, ``low`` or ``very_low``.

    Examples
    --------
    >>> grade_level(True, [-1, 0, 0, -1, 0])
    'low'
    >>> grade_level(False, [0, 0, 0, 0, 0], upgrades=1)
    'moderate'
    >>> grade_level(True, [-2, 0, -1, -2, 0])
    'very_low'
    """
    if isinstance(downgrades, Mapping):
        unknown = set(downgrades) - set(GRADE_DOMAINS)
        if unknown:
            raise ValueError(f"GRADE: unknown domain(s) {sorted(unknown)}")
        rob = int(downgrades.get("risk_of_bias", 0))
        steps = [int(v) for v in downgrades.values()]
    else:
        steps = [int(v) for v in downgrades]
        rob = steps[0] if steps else 0
    if any(s not in (0, -1, -2) for s in steps):
        raise ValueError(f"GRADE: downgrades must be 0, -1 or -2, got {steps}")
    if int(upgrades) not in (0, 1, 2):
        raise ValueError(f"GRADE: upgrades must be 0, 1 or 2, got {upgrades}")
    level = 4 if randomised else 2
    level += sum(steps)
    if not randomised and rob == 0:
        level += int(upgrades)
    return GRADE_LEVELS[min(4, max(1, level))]


#: Tool -> overall judgement -> ``studies.risk_of_bias`` code (see module notes).
STUDY_RISK_OF_BIAS: dict[str, dict[str, str]] = {
    "RoB 2": {"low": "low", "some_concerns": "some_concerns", "high": "high"},
    "ROBINS-I": {
        "low": "low",
        "moderate": "some_concerns",
        "serious": "high",
        "critical": "high",
        "no_information": "not_assessed",
    },
}
_NOT_APPRAISED = {
    "single_group": "single group: no comparison of interventions for RoB 2 or ROBINS-I to "
    "appraise (ROBINS-I judges a comparison against a target trial)",
    "narrative_review": "narrative review: AMSTAR 2 appraises systematic reviews only",
    "animal": "animal study: RoB 2 and ROBINS-I appraise studies in people",
}


def appraisal_tool(design: str, comparison: str | None = None) -> tuple[str | None, str]:
    """Which appraisal tool applies to a study, or why none does.

    Parameters
    ----------
    design : str
        ``studies.design`` code.
    comparison : str, optional
        ``studies.comparison`` code; ``single_group`` means no comparator.

    Returns
    -------
    (str or None, str)
        ``("RoB 2" | "ROBINS-I" | "AMSTAR 2", "")`` or ``(None, reason)``.

    Examples
    --------
    >>> appraisal_tool("rct", "b12_vs_placebo")
    ('RoB 2', '')
    >>> appraisal_tool("observational", "bvit_nsaid_vs_nsaid")
    ('ROBINS-I', '')
    >>> appraisal_tool("non_randomised", "single_group")[0] is None
    True
    """
    design = str(design)
    if comparison == "single_group":
        return None, _NOT_APPRAISED["single_group"]
    if design == "rct":
        return "RoB 2", ""
    if design in ("non_randomised", "observational"):
        return "ROBINS-I", ""
    if design in ("systematic_review", "meta_analysis"):
        return "AMSTAR 2", ""
    if design in _NOT_APPRAISED:
        return None, _NOT_APPRAISED[design]
    raise ValueError(f"appraisal: unknown design {design!r}")


def study_risk_of_bias(tool: str | None, overall: str | None) -> str:
    """``studies.risk_of_bias`` code from a tool's overall judgement.

    Parameters
    ----------
    tool : {"RoB 2", "ROBINS-I", "AMSTAR 2"} or None
    overall : str or None
        The table's overall judgement (missing when not appraised).

    Returns
    -------
    str
        ``low``, ``some_concerns``, ``high`` or ``not_assessed``.

    Examples
    --------
    >>> study_risk_of_bias("ROBINS-I", "serious")
    'high'
    >>> study_risk_of_bias("RoB 2", "some_concerns")
    'some_concerns'
    >>> study_risk_of_bias("AMSTAR 2", "critically_low")
    'not_assessed'
    """
    if tool is None or overall is None or tool not in STUDY_RISK_OF_BIAS:
        return "not_assessed"
    table = STUDY_RISK_OF_BIAS[tool]
    if overall not in table:
        raise ValueError(f"{tool}: unknown overall judgement {overall!r}; expected {tuple(table)}")
    return table[overall]
