"""``verdict.json``: the verdict records as versioned JSON (schema: gates/schema/verdict.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path

from releasegate.gates.model import Verdict, VerdictDocument, verdict_json_schema

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "verdict.schema.json"


def render_json(verdict: Verdict) -> str:
    return VerdictDocument.from_verdict(verdict).model_dump_json(indent=2) + "\n"


def render_schema() -> str:
    return json.dumps(verdict_json_schema(), indent=2, sort_keys=True) + "\n"


def write_schema(path: Path = SCHEMA_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_schema(), encoding="utf-8")
    return path
