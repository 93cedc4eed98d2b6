"""The web layer's pinned Node tools (Lighthouse, Lighthouse CI): ``package.json`` and its lockfile.

The repository root links to these two files, so ``npm ci`` there (``make deps``) installs the
same versions an installed releasegate installs on first use (:mod:`releasegate.nodetools`).
"""
