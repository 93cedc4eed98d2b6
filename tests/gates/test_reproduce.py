"""A fixed seed that did not reproduce (the target was in another state) is said, not hidden."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from releasegate.gates.budgets import BudgetSet
from releasegate.gates.evaluate import judge
from releasegate.gates.history import History
from releasegate.gates.reproduce import seed_notes
from tests.gates.factories import T0, counter, layer, run


def _contract(run_id: str, failing: list[str], *, seed: int = 7, fixed: bool = True, minutes: int = 0):
    counts = [counter("failures", 1.0, check=c) for c in failing] + [counter("failures", 0.0, check="ok")]
    lr = layer("contract", *counts)
    lr.meta.update({"seed": seed, "seed_fixed": fixed})
    return run(lr, run_id=run_id, started=T0 + timedelta(minutes=minutes))


def test_a_fixed_seed_that_did_not_reproduce_is_noted(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as h:
        first = _contract("r1", ["not_a_server_error POST /api/prompts"])
        h.record(first, judge(first, BudgetSet()))
        same = _contract("r2", ["not_a_server_error POST /api/prompts"], minutes=1)
        assert seed_notes(same, h) == []
        other = _contract("r3", ["response_schema_conformance GET /api/tags"], minutes=2)
        (note,) = seed_notes(other, h)
        assert "seed 7 did not reproduce run r1" in note
        assert "failures{check:response_schema_conformance GET /api/tags}" in note
        assert seed_notes(_contract("r4", [], seed=8, minutes=3), h) == []  # another seed: nothing to compare
        assert (
            seed_notes(_contract("r5", [], fixed=False, minutes=4), h) == []
        )  # a random seed reproduces nothing


def test_a_layers_own_notes_reach_the_report(tmp_path: Path) -> None:
    """A layer that could not keep to itself (the contract layer ran as the shared account) says
    so in ``meta["notes"]``; the verdict and summary.md carry it, with the layer's name."""
    from releasegate.config import Config
    from releasegate.gates import run_gates
    from tests.gates.factories import LAYERS

    lr = layer("contract", counter("failures", 0.0, check="ok"))
    lr.meta["notes"] = ["ran as the environment's configured (shared) account"]
    config = Config(history={"enabled": False})
    verdict = run_gates(tmp_path, run(lr), config, layers=LAYERS, record_history=False)
    assert "contract: ran as the environment's configured (shared) account" in verdict.notes
    assert "configured (shared) account" in (tmp_path / "summary.md").read_text(encoding="utf-8")
