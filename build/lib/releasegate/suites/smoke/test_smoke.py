"""The smoke checks as pytest tests: ``pytest suites/smoke --base-url URL [--rg-env NAME]``.

The ``smoke`` layer runs the same checks without pytest; this file is for people who want
them in an existing pytest job. A test per kind of check, failing with the checks' messages.
"""

from __future__ import annotations

import pytest

from releasegate.smoke import SmokeRun

CATEGORIES = ("health", "dependency", "version", "page", "endpoint", "latency", "security", "indexing", "tls")


@pytest.mark.parametrize("category", CATEGORIES)
def test_smoke(smoke_run: SmokeRun, category: str) -> None:
    outcomes = [o for o in smoke_run.outcomes if o.category == category]
    if not outcomes:
        pytest.skip(f"no {category} check configured for this environment")
    failing = [o.message for o in outcomes if o.status in ("fail", "flaky")]
    assert not failing, "\n".join(failing)
