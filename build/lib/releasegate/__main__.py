"""``python -m releasegate``: the same as the ``releasegate`` command."""

import sys

from releasegate.cli import main

sys.exit(main())
