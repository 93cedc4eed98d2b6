"""Helpers for the e2e layer's tests: a LayerContext against a running promptlib."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from releasegate.config import Environment
from releasegate.layers import e2e
from releasegate.layers.e2e import E2ESettings
from releasegate.policy import Access, access
from releasegate.spec import LayerContext, RunOptions

_ids = itertools.count(1)


@pytest.fixture
def e2e_context(tmp_path: Path) -> Callable[..., LayerContext]:
    def make(
        base_url: str,
        *,
        stage: str = "pre-deploy",
        production: bool = False,
        options: RunOptions | None = None,
        **settings: Any,
    ) -> LayerContext:
        run_dir = tmp_path / f"run{next(_ids)}"
        environment = Environment(name="test", production=production)
        options = options or RunOptions()
        return LayerContext(
            run_id=f"t{run_dir.name}x{abs(hash(tmp_path)) % 10_000}",
            stage=stage,
            environment=environment,
            base_url=base_url,
            settings=E2ESettings(**settings),
            run_dir=run_dir,
            artifact_dir=run_dir / "e2e",
            options=options,
            progress=lambda _msg: None,
            read_only=access(e2e.SPEC, environment, options) is Access.READ_ONLY,
        )

    return make
