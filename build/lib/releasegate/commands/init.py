"""``releasegate init``: adopt releasegate in the repository of the current directory.

Discovers what the environment at ``--base-url`` offers (OpenAPI spec, health and version
endpoints, pages: see :mod:`releasegate.discover`) and writes ``releasegate.toml``, a persona
suite stub under ``suites/e2e/`` and a GitHub workflow using the releasegate action. It never
overwrites an existing file unless ``--force`` is given, and checks the config it wrote loads
and its budgets validate before saying so.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any, TextIO

from releasegate import scaffold
from releasegate.discover import Discovery, check_url, discover
from releasegate.errors import UsageError
from releasegate.exitcodes import ExitCode

__all__ = ["register", "run"]

EXAMPLES = """\
examples:
  releasegate init --base-url https://staging.example.com
  releasegate init --base-url https://api.staging.example.com --web-url https://staging.example.com
  releasegate init --base-url http://127.0.0.1:8000 --yes --force

exit codes: 0 files written, 2 bad URL or usage (or files exist without --force),
3 the URL could not be reached.
"""


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "init",
        help="discover an environment and write releasegate.toml, a persona suite and a workflow",
        description=textwrap.fill(
            "Discover what the environment at --base-url offers (OpenAPI spec, health and version "
            "endpoints, a few API endpoints, pages) with a bounded number of GET requests, and write "
            "releasegate.toml, a persona suite stub under suites/e2e/ and a GitHub workflow. "
            "Never overwrites a file without --force; asks before writing only on a terminal.",
            width=90,
            break_on_hyphens=False,
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--base-url", metavar="URL", help="the environment to verify (its API and pages)")
    parser.add_argument("--web-url", metavar="URL", help="where the pages live when not at --base-url")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask before writing")
    parser.add_argument("--force", action="store_true", help="overwrite files that already exist")
    return parser


def _ask(question: str, stdin: TextIO, out: TextIO) -> str:
    print(question, end="", file=out, flush=True)
    return stdin.readline().strip()


def _base_url(args: argparse.Namespace, interactive: bool, stdin: TextIO, out: TextIO) -> str:
    if args.base_url:
        return check_url(args.base_url)
    if interactive:
        answer = _ask("URL of the environment to verify (e.g. https://staging.example.com): ", stdin, out)
        if answer:
            return check_url(answer)
    raise UsageError(
        "init needs the environment's URL", hint="releasegate init --base-url https://staging.example.com"
    )


def _self_check(text: str) -> None:
    """The rendered config loads and its budgets validate (a bug here is an internal error)."""
    from releasegate.commands.judging import checked_budgets
    from releasegate.configfile import load

    with tempfile.TemporaryDirectory(prefix="releasegate-init-") as tmp:
        path = Path(tmp) / scaffold.CONFIG
        path.write_text(text, encoding="utf-8")
        checked_budgets(load(path))


def _report(found: Discovery, out: TextIO) -> None:
    print(f"discovered at {found.base_url} ({found.requests} requests):", file=out)
    rows = [
        (
            "openapi",
            found.openapi.path if found.openapi else None,
            found.openapi.detail if found.openapi else "",
        ),
        ("health", found.health.path if found.health else None, found.health.detail if found.health else ""),
        (
            "version",
            found.version.path if found.version else None,
            found.version.detail if found.version else "",
        ),
    ]
    for name, path, detail in rows:
        if path:
            print(f"  {name:<9} {path}  ({detail})", file=out)
        else:
            tried = found.tried.get(name, [])
            print(f"  {name:<9} not found (tried {len(tried)} locations): left commented out", file=out)
    print(f"  {'endpoints':<9} {', '.join(e.path for e in found.endpoints) or 'none answered 2xx'}", file=out)
    where = "" if found.same_origin_web else f" at {found.web_url}"
    print(f"  {'pages':<9} {', '.join(found.pages) or 'none'}{where}", file=out)
    for note in found.notes:
        print(f"  note: {note}", file=out)


def _next_steps(found: Discovery, out: TextIO) -> None:
    steps = [
        f"{scaffold.CONFIG}: check the discovered paths, fill in the lines marked 'not found', and name the "
        "variables holding credentials (headers_from_env, auth)",
        f"{scaffold.SCENARIO}: replace the stub with a journey your users make; "
        f"{scaffold.CONFTEST}: the adapter, for personas with accounts",
        f"{scaffold.WORKFLOW}: set OWNER in `uses: {scaffold.ACTION}` and pass the secrets the config names",
        "try it: releasegate run --layers smoke   (then the whole stage: releasegate run)",
    ]
    if not found.openapi:
        steps.insert(
            1, 'contract layer: set `openapi` in the config and add "contract" to the pre-deploy stage'
        )
    print("next:", file=out)
    for number, text in enumerate(steps, 1):
        print(f"  {number}. {text}", file=out)


def run(
    args: argparse.Namespace,
    *,
    cwd: Path | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
) -> ExitCode:
    out = out or sys.stdout
    stdin = stdin or sys.stdin
    here = cwd or Path.cwd()
    interactive = not args.yes and stdin.isatty()
    base = _base_url(args, interactive, stdin, out)
    web = check_url(args.web_url, flag="--web-url") if args.web_url else None
    existing = [name for name in scaffold.FILES if (here / name).exists()]  # before any request
    if existing and not args.force:
        raise UsageError(
            f"not overwriting {', '.join(existing)}: nothing was written",
            hint="pass --force to overwrite them, or run init in another directory",
        )
    found = discover(base, web)
    _report(found, out)
    files = scaffold.render(found)
    _self_check(files[scaffold.CONFIG])
    if interactive:
        listed = ", ".join(files)
        if _ask(f"write {listed} in {here}? [Y/n] ", stdin, out).lower() not in ("", "y", "yes"):
            print("nothing written", file=out)
            return ExitCode.USAGE
    for name, text in files.items():
        path = here / name
        path.parent.mkdir(parents=True, exist_ok=True)
        verb = "overwrote" if path.exists() else "wrote"
        path.write_text(text, encoding="utf-8")
        print(f"{verb} {name}", file=out)
    _next_steps(found, out)
    return ExitCode.GO
