"""The application's own unit-test coverage, read from a Cobertura XML report.

pytest-cov writes one with ``--cov-report xml`` (coverage.py's ``coverage xml``); the root
``<coverage>`` element carries ``lines-covered``/``lines-valid`` and ``line-rate``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from releasegate.layers._preflight.outcome import Outcome, gauge, record
from releasegate.results import Measurement, Status

METRIC = "coverage_line_rate"


class CoverageFormatError(ValueError):
    """The file is not a Cobertura coverage report."""


def line_rate(path: Path) -> tuple[float, int | None, int | None]:
    """``(rate 0..1, lines covered, lines valid)`` from a Cobertura report."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise CoverageFormatError(f"{path} is not well-formed XML ({exc})") from None
    if root.tag != "coverage":
        raise CoverageFormatError(
            f"{path}: the root element is <{root.tag}>, expected <coverage> (Cobertura)"
        )
    covered, valid = root.get("lines-covered"), root.get("lines-valid")
    try:
        if covered is not None and valid is not None:
            n_covered, n_valid = int(covered), int(valid)
            rate = n_covered / n_valid if n_valid else 1.0
            return rate, n_covered, n_valid
        raw = root.get("line-rate")
        if raw is None:
            raise CoverageFormatError(
                f"{path}: <coverage> has neither lines-covered/lines-valid nor line-rate"
            )
        rate = float(raw)
    except ValueError as exc:
        if isinstance(exc, CoverageFormatError):
            raise
        raise CoverageFormatError(f"{path}: a <coverage> attribute is not a number ({exc})") from None
    if not 0.0 <= rate <= 1.0:
        raise CoverageFormatError(f"{path}: line-rate {rate} is outside 0..1")
    return rate, None, None


def check_coverage(path: Path, *, shown_as: str | None = None) -> Outcome:
    outcome = Outcome(metric=METRIC)
    name = shown_as or str(path)
    try:
        rate, covered, valid = line_rate(path)
    except (CoverageFormatError, OSError) as exc:
        outcome.records.append(record("coverage", Status.ERROR, f"cannot read coverage: {exc}", file=name))
        return outcome
    counts = f" ({covered} of {valid} lines)" if covered is not None else ""
    rec = record("coverage", Status.PASS, f"line coverage {rate:.1%}{counts} from {name}", file=name)
    rec.measurements.append(Measurement(name="line_rate", value=rate, unit="ratio"))
    outcome.records.append(rec)
    outcome.samples.append(gauge(METRIC, rate, unit="ratio"))
    return outcome
