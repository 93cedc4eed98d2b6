"""releasegate: layered release verification judged against one budget file.

The public API is re-exported here; everything else lives in private-ish modules
whose layering is written down in ARCHITECTURE.md.
"""

from releasegate.errors import (
    ConfigError,
    HistoryError,
    LayerError,
    ReleasegateError,
    TargetError,
    UsageError,
)
from releasegate.exitcodes import ExitCode
from releasegate.results import (
    LayerResult,
    LayerStatus,
    MetricKind,
    Record,
    RunInfo,
    RunResult,
    Samples,
    Status,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "ExitCode",
    "HistoryError",
    "LayerError",
    "LayerResult",
    "LayerStatus",
    "MetricKind",
    "Record",
    "ReleasegateError",
    "RunInfo",
    "RunResult",
    "Samples",
    "Status",
    "TargetError",
    "UsageError",
    "__version__",
]
