"""The harness's own proof: every seeded fault blocks the run with the budget meant to catch
it and raises no false alarm elsewhere, and clean runs never come out NO-GO (the flake check).

Set ``RELEASEGATE_WRITE_MATRIX=1`` to also rewrite ``docs/fault-matrix.md`` from this run
(``python -m tests.matrix.generate`` does the same without pytest).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from releasegate.layers import available
from tests.matrix.cases import (
    CLEAN_CHEAP,
    CLEAN_FULL,
    CLEAN_REPEATS,
    DOC,
    FAULTS,
    Case,
    Outcome,
    config_for,
    matrix_configs,
    render,
    run_case,
)

pytestmark = [pytest.mark.slow, pytest.mark.integration]

WRITE_ENV = "RELEASEGATE_WRITE_MATRIX"


class Collected:
    def __init__(self) -> None:
        self.faults: dict[str, Outcome] = {}
        self.clean: list[Outcome] = []
        self.skipped: dict[str, str] = {}
        self.started = time.monotonic()


@pytest.fixture(scope="module")
def collected() -> Iterator[Collected]:
    box = Collected()
    yield box
    if os.environ.get(WRITE_ENV) == "1":
        ordered = [box.faults[c.name] for c in FAULTS if c.name in box.faults]
        DOC.write_text(
            render(ordered, box.clean, skipped=box.skipped, total_s=time.monotonic() - box.started)
        )


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return matrix_configs(tmp_path_factory.mktemp("matrix-config"))


def explain(outcome: Outcome) -> str:
    tail = "\n".join(outcome.output.strip().splitlines()[-25:])
    return (
        f"{'; '.join(outcome.problems()) or 'unexpected verdict'}\n"
        f"failing error-level budgets: {outcome.blocked_by}; other non-passing: {outcome.other}\n"
        f"run dir: {outcome.run_dir}\n{tail}"
    )


@pytest.mark.parametrize("case", FAULTS, ids=[c.name for c in FAULTS])
def test_fault_is_blocked_by_its_budget(
    case: Case, collected: Collected, configs: dict[str, Path], tmp_path: Path
) -> None:
    absent = [name for name in case.layers if name not in available()]
    if absent:
        reason = f"layer module(s) {', '.join(absent)} not in this build (releasegate.layers.available())"
        collected.skipped[case.name] = reason
        pytest.fail(reason)
    outcome = run_case(case, tmp_path / "reports", config=config_for(case, configs))
    collected.faults[case.name] = outcome
    assert not outcome.problems(), explain(outcome)


@pytest.mark.parametrize("repeat", range(1, CLEAN_REPEATS + 1))
def test_clean_runs_never_come_out_no_go(
    repeat: int, collected: Collected, configs: dict[str, Path], tmp_path: Path
) -> None:
    outcome = run_case(CLEAN_CHEAP, tmp_path / "reports", config=configs["matrix"])
    collected.clean.append(outcome)
    assert outcome.decision in ("GO", "GO_WITH_WARNINGS"), explain(outcome)
    assert outcome.exit_code == 0, explain(outcome)


def test_clean_full_pre_deploy_stage_is_go(
    collected: Collected, configs: dict[str, Path], tmp_path: Path
) -> None:
    outcome = run_case(CLEAN_FULL, tmp_path / "reports", config=configs["matrix"])
    collected.clean.append(outcome)
    assert outcome.decision in ("GO", "GO_WITH_WARNINGS"), explain(outcome)
    assert outcome.exit_code == 0, explain(outcome)
