"""``releasegate envs`` and ``releasegate layers``: what the config and this build offer."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from releasegate import layers as registry
from releasegate.configfile import load_config
from releasegate.exitcodes import ExitCode

__all__ = ["envs_command", "layers_command"]


def envs_command(args: argparse.Namespace, *, out: TextIO | None = None) -> ExitCode:
    out = out or sys.stdout
    config = load_config(args.config)
    print(f"config: {config.source or '(built-in defaults)'}", file=out)
    width = max(len(name) for name in config.environments)
    for name, env in config.environments.items():
        where = (
            "embedded promptlib (started on a free port)" if env.embedded else env.base_url or "(no base_url)"
        )
        flags = [
            f
            for f, on in (("default", name == config.default_environment), ("production", env.production))
            if on
        ]
        suffix = f"  [{', '.join(flags)}]" if flags else ""
        print(f"  {name.ljust(width)}  {where}{suffix}", file=out)
    print("stages:", file=out)
    for name, stage in config.stages.items():
        print(f"  {name}: {', '.join(stage.layers)}", file=out)
    return ExitCode.GO


def layers_command(args: argparse.Namespace, *, out: TextIO | None = None) -> ExitCode:
    out = out or sys.stdout
    config = load_config(args.config)
    installed = registry.available()
    for name in registry.LAYER_NAMES:
        spec = installed.get(name)
        if spec is None:
            print(f"{name}: not installed in this build", file=out)
            continue
        stages = [s for s, stage in config.stages.items() if name in stage.layers]
        writes = " (sends writes/load: refused on production unless allowed)" if spec.writes else ""
        print(f"{name}: {spec.summary}{writes}", file=out)
        print(f"  stages: {', '.join(stages) or '-'}", file=out)
        for metric, m in spec.metrics.items():
            unit = f" [{m.unit}]" if m.unit else ""
            tags = f" tags: {', '.join(m.tags)}" if m.tags else ""
            print(f"  {name}.{metric}  {m.kind.value}{unit}  {m.description}{tags}", file=out)
    return ExitCode.GO
