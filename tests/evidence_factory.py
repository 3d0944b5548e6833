"""Small, valid evidence folders for the filter and explorer tests.

``write_evidence(folder, studies, results=(), claims=())`` writes CSVs with every
schema column (defaults fill what a row leaves out) next to a copy of the shipped
``datapackage.json``, so tests load them through the real ``b12explore.load``.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

DESCRIPTOR = Path(__file__).resolve().parent.parent / "data" / "datapackage.json"

STUDY_DEFAULTS = {
    "first_author": "Author",
    "journal": "Journal",
    "doi": "",
    "pmid": "",
    "country": "",
    "design": "rct",
    "allocation": "randomised",
    "comparison": "b12_vs_placebo",
    "blinding": "double",
    "condition": "low back pain",
    "deficiency_required": "no",
    "n_enrolled": "",
    "n_analysed": "",
    "n_studies": "",
    "b12_form": "cyanocobalamin",
    "route": "intramuscular",
    "dose_mcg": "",
    "schedule": "",
    "duration_weeks": "",
    "comparator": "placebo",
    "co_interventions": "none",
    "other_b_vitamins": "false",
    "outcomes": "vas",
    "finding": "benefit",
    "summary": "A test row.",
    "risk_of_bias": "some_concerns",
    "in_article": "false",
}

RESULT_DEFAULTS = {
    "outcome": "vas",
    "outcome_label": "Pain (VAS)",
    "lower_is_better": "true",
    "timepoint": "end of treatment",
    "arm_role": "intervention",
    "value_type": "final",
    "direction": "benefit",
}


def _fields(table: str) -> list[str]:
    descriptor = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        if res["name"] == table:
            return [f["name"] for f in res["schema"]["fields"]]
    raise KeyError(table)


def _write(path: Path, table: str, rows: list[dict]) -> None:
    fields = _fields(table)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in fields})


def study(study_id: str, year: int, **values) -> dict:
    """One studies.csv row with defaults for what is not given."""
    row = dict(STUDY_DEFAULTS)
    row.update(
        study_id=study_id,
        label=f"{study_id.rstrip('0123456789').title()} {year}",
        year=str(year),
        title=f"Trial {study_id}",
        source_url=f"https://example.org/{study_id}",
    )
    row.update({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in values.items()})
    return row


def result(result_id: str, study_id: str, **values) -> dict:
    """One results.csv row with defaults for what is not given."""
    row = dict(RESULT_DEFAULTS)
    row.update(result_id=result_id, study_id=study_id, source_url="https://example.org/r")
    row.update({k: str(v) for k, v in values.items()})
    return row


def write_evidence(folder: Path, studies, results=(), claims=()) -> Path:
    """Write a loadable evidence folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DESCRIPTOR, folder / "datapackage.json")
    _write(folder / "studies.csv", "studies", list(studies))
    _write(folder / "results.csv", "results", list(results))
    _write(folder / "claims.csv", "claims", list(claims))
    return folder


def sample_rows():
    """Six studies covering every filter dimension, with results and claims."""
    studies = [
        study("chiu2011", 2011, n_enrolled=60, n_analysed=60, route="intramuscular"),
        study(
            "ahmed2021",
            2021,
            n_enrolled=120,
            n_analysed=110,
            route="oral",
            b12_form="methylcobalamin",
            design="non_randomised",
            risk_of_bias="high",
            co_interventions="diclofenac",
            other_b_vitamins=True,
            outcomes="vas;odi",
            deficiency_required="yes",
        ),
        study(
            "mauro2000",
            2000,
            n_enrolled=60,
            route="intramuscular",
            co_interventions="",
            outcomes="vas;therapy_duration",
            risk_of_bias="low",
            title="Vitamin B12 in low back pain: a randomised trial",
        ),
        study(
            "buesing2015",
            2015,
            design="meta_analysis",
            n_enrolled=1200,
            n_studies=8,
            route="mixed",
            b12_form="mixed",
            other_b_vitamins=True,
            outcomes="pain_relief",
            finding="mixed",
            deficiency_required="not_reported",
            blinding="not_applicable",
            risk_of_bias="not_assessed",
        ),
        study(
            "waikakul2000",
            2000,
            n_enrolled=152,
            route="oral",
            design="rct",
            b12_form="methylcobalamin",
            outcomes="walking_distance",
            finding="no_difference",
            title="Methylcobalamin in lumbar spinal stenosis",
        ),
        study(
            "anon1999",
            1999,
            route="not_reported",
            b12_form="not_reported",
            other_b_vitamins=False,
            outcomes="",
            finding="inconclusive",
        ),
    ]
    results = [
        result("chiu2011_vas_b12", "chiu2011", n=30, mean=2.1, sd=1.0),
        result("chiu2011_vas_ctl", "chiu2011", arm_role="control", n=30, mean=3.9, sd=1.2),
        result("ahmed2021_odi", "ahmed2021", outcome="odi", outcome_label="ODI", p_value=0.01),
        result("mauro2000_vas", "mauro2000", p_value=0.001, p_operator="<"),
    ]
    claims = [
        {
            "claim_id": "c1",
            "claim": "A trial found benefit.",
            "detail": "conclusion",
            "study_id": "chiu2011",
            "verdict": "supported",
            "note": "Checked in a test.",
            "source_url": "https://example.org/c1",
        },
        {
            "claim_id": "c2",
            "claim": "An oral study.",
            "detail": "route",
            "study_id": "ahmed2021",
            "verdict": "partly_supported",
            "note": "Checked in a test.",
            "source_url": "https://example.org/c2",
        },
        {
            "claim_id": "c3",
            "claim": "A general claim.",
            "detail": "other",
            "study_id": "",
            "verdict": "not_verifiable",
            "note": "Checked in a test.",
            "source_url": "https://example.org/c3",
        },
    ]
    return studies, results, claims
