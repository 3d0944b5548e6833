"""Summary tables that the charts draw and the notebooks show.

Every function is pure: it takes typed frames (as returned by
:func:`b12explore.load`) and returns a new DataFrame; the input is never changed.
Charts compute nothing themselves, so a chart and the table printed beside it
always agree.

Conventions
-----------
- *Primary studies* are human studies with participants: designs ``rct``,
  ``non_randomised`` and ``observational``. *Reviews* are ``systematic_review``,
  ``meta_analysis`` and ``narrative_review``. Animal studies count in the timeline,
  the risk-of-bias and the study tables but never as participants.
- *Participants* of a study are ``n_enrolled``, or ``n_analysed`` when enrolment
  is not reported.
- Category columns keep the schema's codes (``"intramuscular"``); charts turn them
  into the descriptor's labels (:func:`b12explore.schema.vocab_of`).
- This module does not import matplotlib (nor does any module of this package).

Modules: ``_common`` (constants, participants, primary/review studies, labels,
counts), ``sizes`` (sample sizes, totals, reviews), ``routes`` (route x form,
delivery features), ``findings`` (directions, p-values, forest effects, pooling; per-study
effects in ``_effects``),
``overview`` (evidence map, timeline, risk of bias, study table), ``reviews``
(reviews apart from primary studies, optional tables, review inclusions),
``comparisons`` (what was compared, arm names, favours-labels), ``bias`` (RoB 2,
ROBINS-I, AMSTAR 2 by domain), ``certainty`` (GRADE, summary of findings, claims,
clinician questions). Every public name is importable from here; the docstring
examples' demo frames come from ``b12explore/conftest.py`` (pytest's
``doctest_namespace``), not from the package.
"""

from __future__ import annotations

from ._common import (
    NOT_REPORTED,
    PRIMARY_DESIGNS,
    REVIEW_DESIGNS,
    format_count,
    participants,
    primary_studies,
    review_studies,
    source_labels,
    total,
)
from .bias import (
    overall_mismatches,
    risk_of_bias_domains,
    risk_of_bias_overall,
    risk_of_bias_summary,
)
from .certainty import (
    CERTAINTY_SYMBOLS,
    certainty_by_study,
    certainty_line,
    certainty_table,
    claims_certainty,
    clinical_questions,
    summary_of_findings,
    summary_of_findings_styled,
)
from .comparisons import (
    COMPARISON_ARMS,
    arms_for,
    favours_labels,
    result_comparisons,
    study_comparisons,
)
from .findings import (
    RATIO_MEASURES,
    direction_table,
    forest_outcomes,
    forest_table,
    pooled_effect,
    pvalue_table,
)
from .overview import (
    BLINDING_JUDGEMENT,
    NO_RESULT,
    enrolled_text,
    evidence_map_table,
    risk_of_bias_table,
    study_table,
    timeline_table,
)
from .reviews import is_review, optional_table, review_inclusions, review_label
from .routes import delivery_features, route_form_counts
from .sizes import (
    Rest,
    largest_studies,
    rest_summary,
    rest_text,
    review_sizes,
    sample_sizes,
    totals_by,
)

__all__ = [
    "BLINDING_JUDGEMENT",
    "CERTAINTY_SYMBOLS",
    "COMPARISON_ARMS",
    "NO_RESULT",
    "arms_for",
    "certainty_by_study",
    "certainty_line",
    "certainty_table",
    "claims_certainty",
    "clinical_questions",
    "enrolled_text",
    "favours_labels",
    "is_review",
    "optional_table",
    "overall_mismatches",
    "result_comparisons",
    "review_inclusions",
    "review_label",
    "risk_of_bias_domains",
    "risk_of_bias_overall",
    "risk_of_bias_summary",
    "study_comparisons",
    "summary_of_findings",
    "summary_of_findings_styled",
    "NOT_REPORTED",
    "PRIMARY_DESIGNS",
    "RATIO_MEASURES",
    "REVIEW_DESIGNS",
    "delivery_features",
    "direction_table",
    "evidence_map_table",
    "forest_outcomes",
    "forest_table",
    "format_count",
    "participants",
    "total",
    "pooled_effect",
    "primary_studies",
    "pvalue_table",
    "review_sizes",
    "review_studies",
    "risk_of_bias_table",
    "route_form_counts",
    "sample_sizes",
    "source_labels",
    "study_table",
    "timeline_table",
    "totals_by",
    "Rest",
    "largest_studies",
    "rest_summary",
    "rest_text",
]
