"""The public API of the smoke checks, for running them under pytest or from your own code.

``run_checks(SmokeParams(...))`` probes the health endpoint, the version, each page and
endpoint (``PageSpec``), timings, security headers, indexing and TLS, and returns a
``SmokeRun`` whose ``outcomes`` say what passed and what did not. The ``smoke`` layer of
``releasegate run`` uses the same function; ``suites/smoke`` wraps it for pytest.
"""

from __future__ import annotations

from releasegate.layers._smoke.checks import Outcome
from releasegate.layers._smoke.runner import PageSpec, SmokeParams, SmokeRun, run_checks

__all__ = ["Outcome", "PageSpec", "SmokeParams", "SmokeRun", "run_checks"]
