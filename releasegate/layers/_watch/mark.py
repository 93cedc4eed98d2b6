"""``releasegate watch mark``: a scrape of ``/metrics`` stored before a deploy, the /metrics baseline.

The file is JSON (``<report_dir>/watch/<environment>.json`` unless ``mark_file`` says
otherwise): the environment, the URL scraped, when, and per route the counters since the
process started (requests, errors, cumulative latency buckets). The watch after the deploy
reads it as its baseline window: the old process's whole lifetime up to the mark.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from releasegate.layers._watch.exposition import Snapshot

__all__ = ["load_mark", "mark_path", "write_mark"]

VERSION = 1


def mark_path(report_dir: Path, environment: str, mark_file: str | None = None) -> Path:
    if mark_file:
        return Path(mark_file)
    return report_dir / "watch" / f"{environment}.json"


def write_mark(path: Path, *, environment: str, url: str, snap: Snapshot) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"version": VERSION, "environment": environment, "url": url, **snap.to_json()}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path


def load_mark(path: Path) -> tuple[dict[str, Any], Snapshot]:
    """The mark's header and its snapshot; ValueError saying why when it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data, Snapshot.from_json(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a watch mark: {type(exc).__name__}: {exc}") from None
