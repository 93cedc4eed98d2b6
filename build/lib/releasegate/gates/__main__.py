"""``python -m releasegate.gates RUN_DIR``: an alias of ``releasegate judge RUN_DIR``.

An entry point, not part of the gates library: it is the one module under ``gates/`` that
calls the CLI (the architecture test names it as the exception).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from releasegate.cli import main as cli_main


def main(argv: Sequence[str] | None = None) -> int:
    return int(cli_main(["judge", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
