"""The JSON documents the history commands print with --json, and their published schemas (docs/schemas/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from m365exit.history.diff import RunDiff, SnapshotDiff
from m365exit.history.models import Run, RunSummary
from m365exit.history.trend import Trend

LIST_SCHEMA = "m365exit.history-list/1"
RUN_SCHEMA = "m365exit.history-run/1"


class RunList(BaseModel):
    """`m365exit history list --json`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    schema_: str = Field(default=LIST_SCHEMA, alias="schema")
    runs: list[RunSummary]


class RunDocument(Run):
    """`m365exit history show RUN --json`."""

    schema_: str = Field(default=RUN_SCHEMA, alias="schema")
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


DOCUMENTS: dict[str, type[BaseModel]] = {
    "history-list": RunList, "history-run": RunDocument, "history-diff": RunDiff,
    "history-trend": Trend, "snapshot-diff": SnapshotDiff,
}


def dumps(document: BaseModel) -> str:
    """Stable bytes: sorted keys, two-space indent, UTF-8 text."""
    data = document.model_dump(mode="json", by_alias=True)
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def schema_text(name: str) -> str:
    schema: dict[str, Any] = DOCUMENTS[name].model_json_schema(by_alias=True, mode="serialization")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": f"https://m365exit.org/schemas/{name}.json", **schema}
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Regenerate docs/schemas/*.json: python -m m365exit.history.documents docs/schemas"""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in DOCUMENTS:
        path = folder / f"{name}.json"
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    import sys

    for written_path in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas")):
        print(written_path)
