"""One exit-code contract for every command releasegate ships."""

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes.

    GO (0) also covers "GO with warnings": a warning never fails a run.
    """

    GO = 0
    NO_GO = 1
    USAGE = 2
    INCONCLUSIVE = 3
