"""``releasegate install web``: install the web layer's pinned Node tools now, not on first use."""

from __future__ import annotations

import argparse
from typing import Any

from releasegate.exitcodes import ExitCode

__all__ = ["register", "run"]


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "install",
        help="install a layer's tools ahead of the first run (web: Lighthouse via npm ci)",
        description="Install the pinned Lighthouse and Lighthouse CI into releasegate's per-user cache "
        "(or find them in ./node_modules), so that the first web run does not wait for npm.",
    )
    parser.add_argument("what", choices=["web"], help="the layer whose tools to install")
    return parser


def run(args: argparse.Namespace) -> ExitCode:
    from releasegate.nodetools import ensure_web_tools

    folder = ensure_web_tools(progress=print)
    print(f"web tools: {folder / 'node_modules' / '.bin' / 'lighthouse'}")
    return ExitCode.GO
