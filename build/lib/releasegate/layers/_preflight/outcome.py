"""What one preflight check hands back."""

from __future__ import annotations

from dataclasses import dataclass, field

from releasegate.results import MetricKind, Record, Samples, Status

LAYER = "preflight"


@dataclass
class Outcome:
    """Records (evidence), samples (data for gates) and which metric the check feeds.

    ``applicable`` is False when there was nothing to check (no expected version given, no
    migrations check in the health payload): the check's budget is then left out rather than
    judged on missing data. A check that applied but failed to measure keeps ``applicable``
    and produces no sample, so its budget comes out inconclusive.
    """

    metric: str
    records: list[Record] = field(default_factory=list)
    samples: list[Samples] = field(default_factory=list)
    applicable: bool = True

    @property
    def measured(self) -> bool:
        return bool(self.samples)


def record(check_id: str, status: Status, message: str, /, **tags: str) -> Record:
    return Record(layer=LAYER, check=check_id, status=status, message=message, tags=dict(tags))


def gauge(metric: str, value: float, unit: str = "") -> Samples:
    return Samples(metric=metric, kind=MetricKind.GAUGE, unit=unit, values=[float(value)])
