"""The JSON Schema of `assessment.json` (docs/assessment-schema.json), version 1.

The models describe what `exports.to_dict` writes; a test validates real output against the published file
and fails when the file is stale. A change that removes or renames a field needs a new schema version
(`m365exit.assessment/2`); adding an optional field does not.

    python -m m365exit.report.schema > docs/assessment-schema.json
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from m365exit.engine.model import Severity
from m365exit.engine.types import Status
from m365exit.report.exports import SCHEMA
from m365exit.snapshot import CollectionIssue, TenantInfo


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FindingOut(_Model):
    rule: str
    workload: str
    severity: Severity
    status: Status
    title: str = Field(description="In English; the reports carry the translations.")
    effort_days: float = Field(description="Person-days; 0 unless the finding applies.")
    missing: dict[str, str] = Field(description="Fact → why it is absent (the rule is not assessed).")


class WorkloadOut(_Model):
    id: str
    readiness: int | None = Field(ge=0, le=100, description="None when nothing could be assessed.")
    status: Literal["ready", "needs-work", "blocked", "not-assessed"]
    blockers: int = Field(ge=0)
    effort_days: float = Field(ge=0)
    data_bytes: int = Field(ge=0)
    data_items: int = Field(ge=0)
    candidates: list[str] = Field(description="Product ids from rules/replacements.yaml, best fit first.")
    not_assessed: list[str] = Field(description="Ids of the rules that lacked a fact.")
    findings: list[FindingOut] = Field(description="Findings that apply or are excepted, most severe first.")


class DecisionOut(_Model):
    rule: str
    workload: str
    status: Status
    owner: str | None
    reason: str | None
    expires: str | None = Field(description="ISO date of the exception's end.")
    expired: bool | None


class AssessmentOut(_Model):
    schema_: Literal["m365exit.assessment/1"] = Field(alias="schema")
    tool_version: str
    collected_at: str = Field(description="The snapshot's collection time (ISO 8601), never the time of the run.")
    tenant: TenantInfo
    readiness: int | None = Field(ge=0, le=100, description="Usage-weighted overall readiness.")
    effort_days: float = Field(ge=0)
    data_bytes: int = Field(ge=0)
    transfer_days: float = Field(ge=0)
    spend_monthly: float = Field(ge=0, description="Licence spend per month at the price table's prices.")
    waves: list[list[str]] = Field(description="Workload ids per wave, in migration order.")
    wave_weeks: list[float] = Field(description="Each wave's duration in weeks, at users_per_week.")
    wave_start_weeks: list[float] = Field(description="The week each wave starts, counted from 0.")
    wave_people: list[int] = Field(description="The people each wave moves: the largest user count of its workloads.")
    users_per_week: float = Field(gt=0, description="The pace the waves are planned at (people moved per week).")
    pseudonymized: list[str] = Field(description="What was pseudonymised: 'people', and 'resources' if asked.")
    workloads: list[WorkloadOut]
    issues: list[CollectionIssue]
    decisions: list[DecisionOut]


def json_schema() -> dict[str, Any]:
    schema = AssessmentOut.model_json_schema(by_alias=True)
    assert SCHEMA == "m365exit.assessment/1", "a new assessment schema version needs new models"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://m365exit.eu/schemas/assessment-1.json",
        **schema,
        "title": "m365exit assessment (assessment.json), schema m365exit.assessment/1",
    }


def text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(text(), end="")
