"""``releasegate watch mark``: store a scrape of the target's ``/metrics`` before a deploy.

The watch layer (post-deploy) compares the service's own error rate and latency after the
deploy with before. Reading a Prometheus server it finds "before" itself; reading the
target's own ``/metrics`` it needs this mark, taken just before the deploy:

    releasegate watch mark --env production      # then deploy, then:
    releasegate run --env production --stage post-deploy

The mark is JSON at ``<report_dir>/watch/<environment>.json`` (or ``[layers.watch] mark_file``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from releasegate.configfile import layered, load_config
from releasegate.errors import UsageError
from releasegate.exitcodes import ExitCode
from releasegate.target import select_environment

__all__ = ["register", "run"]


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "watch",
        help="the post-deploy watch: `watch mark` stores the /metrics baseline before a deploy",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="watch_command", metavar="ACTION", required=True)
    mark = actions.add_parser("mark", help="scrape the target's /metrics now and store it as the baseline")
    mark.add_argument("--config", metavar="FILE", help="releasegate.toml (default: found upwards)")
    mark.add_argument("--env", metavar="NAME", help="environment from the config")
    mark.add_argument("--base-url", metavar="URL", help="the target's URL (instead of an environment's)")
    mark.add_argument("--report-dir", metavar="DIR", help="where run directories go (default: reports)")
    return parser


def run(args: argparse.Namespace) -> ExitCode:
    from pathlib import Path

    from pydantic import ValidationError

    from releasegate.configfile import config_error_from_validation
    from releasegate.layers._watch.sources import SourceError
    from releasegate.layers.watch import WatchSettings, take_mark

    config = load_config(args.config)
    env = select_environment(config, env_name=args.env, base_url=args.base_url)
    if env.embedded or not env.base_url:
        raise UsageError(
            f"environment {env.name!r} is the embedded demo: there is no deployed service to mark",
            hint="pass --base-url URL or --env NAME of a deployed environment",
        )
    raw = config.layer_settings("watch", env)
    try:
        settings = WatchSettings.model_validate(raw)
    except ValidationError as exc:
        raise config_error_from_validation(
            exc, file=config.source, model=WatchSettings, prefix=("layers", "watch")
        ) from None
    report_dir = layered(
        "report_dir",
        cli=args.report_dir,
        file=config.report_dir if "report_dir" in config.model_fields_set else None,
        default="reports",
    ).value
    try:
        path = take_mark(env.base_url, env.name, settings, Path(report_dir), env.resolved_headers())
    except SourceError as exc:
        print(f"releasegate: watch mark failed: {exc}", file=sys.stderr)
        return ExitCode.INCONCLUSIVE
    print(f"watch mark: {path}")
    return ExitCode.GO
