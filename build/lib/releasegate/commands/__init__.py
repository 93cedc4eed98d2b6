"""The CLI's commands, one module each; only :mod:`releasegate.cli` imports them."""
