"""Progress output: plain lines for CI, a live line on a terminal."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from pathlib import Path

from releasegate.events import LayerFinished, LayerMessage, LayerStarted, RunFinished, RunStarted
from releasegate.progress import Progress, describe_layer
from releasegate.results import LayerResult, LayerStatus, Record, RunInfo, RunResult, Status

RESULT = LayerResult(
    layer="smoke",
    status=LayerStatus.OK,
    started_at=datetime(2026, 1, 1, tzinfo=UTC),
    finished_at=datetime(2026, 1, 1, 0, 0, 3, tzinfo=UTC),
    records=[
        Record(layer="smoke", check="a", status=Status.PASS),
        Record(layer="smoke", check="b", status=Status.FAIL),
    ],
)


def _feed(progress: Progress) -> None:
    progress(RunStarted("r1", Path("reports/r1"), "demo", "http://x", "post-deploy", ("smoke",)))
    progress(LayerStarted("smoke", 1, 1, 120))
    progress(LayerMessage("smoke", "probing"))
    time.sleep(0.3)
    progress(LayerFinished("smoke", RESULT))
    info = RunInfo(run_id="r1", environment="demo", stage="s", base_url="http://x", layers=["smoke"])
    progress(RunFinished(RunResult(info=info), Path("reports/r1")))


def test_plain_lines() -> None:
    stream = io.StringIO()
    _feed(Progress(stream, live=False))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "releasegate run r1: demo at http://x, stage post-deploy, layers smoke"
    assert lines[1] == "[smoke] started (1/1, timeout 120s)"
    assert lines[2] == "[smoke] probing"
    assert lines[3] == "[smoke] ok in 3.0s: 2 checks, 1 fail"
    assert lines[4] == "results: reports/r1/results.json"
    assert "\r" not in stream.getvalue()


def test_live_line_is_rewritten() -> None:
    stream = io.StringIO()
    _feed(Progress(stream, live=True))
    text = stream.getvalue()
    assert "\r\x1b[K" in text
    assert "[smoke]" in text
    assert "probing" in text
    assert "\r\x1b[K+ [smoke] ok in 3.0s: 2 checks, 1 fail\n" in text


def test_describe_an_error_layer() -> None:
    broken = LayerResult(layer="load", status=LayerStatus.ERROR, error="Locust wrote no results")
    assert describe_layer(broken) == "ERROR: Locust wrote no results"
