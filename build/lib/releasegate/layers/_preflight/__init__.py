"""The checks behind ``releasegate preflight``, one module per kind of check.

Each check returns a :class:`~releasegate.layers._preflight.outcome.Outcome`: records for people,
samples for gates, and whether the check applied at all (a check that does not apply feeds
no budget; a check that applied but could not measure leaves its budget without data, which
gates judge inconclusive).
"""
