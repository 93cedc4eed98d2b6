"""The files ``releasegate init`` writes, rendered from a :class:`~releasegate.discover.Discovery`.

Pure: :func:`render` returns ``{relative path: text}`` and touches nothing. What was not
discovered is written commented out with a note, so the config always loads and validates and
says what is left to fill in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from releasegate.discover import Discovery, Found

__all__ = [
    "ACTION",
    "CONFIG",
    "CONFTEST",
    "FILES",
    "PERSONAS",
    "SCENARIO",
    "WORKFLOW",
    "budget_lines",
    "render",
]

ACTION = "OWNER/releasegate@v1"  # where the releasegate repository lives: edit OWNER
ENV = "staging"
CONFIG = "releasegate.toml"
PERSONAS = "suites/e2e/personas.yaml"
SCENARIO = "suites/e2e/test_visitor.py"
CONFTEST = "suites/e2e/conftest.py"
WORKFLOW = ".github/workflows/release-gate.yml"
WEB_PAGES = 3  # Lighthouse pages written: about 10-20 s per run and page on a small runner
FILES = (CONFIG, PERSONAS, SCENARIO, CONFTEST, WORKFLOW)

#: The product's targets: (budget key, expression, what it says).
BUDGETS: tuple[tuple[str, str, str], ...] = (
    ("smoke.checks_failed", "count == 0", "every smoke check passes (health, pages, headers)"),
    ("smoke.availability", "rate >= 99.5%", "availability >= 99.5 %"),
    ("smoke.response_time", "avg < 2s", "average response < 2 s"),
    ("contract.server_errors", "count == 0", "no server errors (5xx) from the contract tests"),
    ("e2e.failed", "count == 0", "no failed personas"),
    ("load.http_req_duration", "avg < 2s", "average response under load < 2 s"),
    ("load.http_req_failed", "rate < 0.5%", "error rate under load < 0.5 %"),
    ("web.largest_contentful_paint{page:*}", "median <= 2.5s", "LCP <= 2.5 s on each page"),
    ("web.cumulative_layout_shift{page:*}", "median <= 0.1", "CLS <= 0.1 on each page"),
    ("web.total_blocking_time{page:*}", "median <= 200ms", "TBT <= 200 ms on each page"),
)


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _tried(paths: Sequence[str], limit: int = 6) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "") if paths else "nothing"


def _key(name: str, found: Found | None, default: str, tried: Sequence[str], consequence: str) -> list[str]:
    if found is not None:
        return [f"{name} = {_q(found.path)}".ljust(40) + f"# found: {found.detail}"]
    return [
        f"# {name} = {_q(default)}".ljust(40) + f"# not found (tried {_tried(tried)}): {consequence}",
    ]


def stage_layers(found: Discovery) -> tuple[list[str], list[str]]:
    """The pre-deploy stage's layers, and a note for each one left out."""
    layers, notes = ["smoke"], []
    if found.openapi:
        layers.append("contract")
    else:
        notes.append('"contract" is left out: no OpenAPI spec found (set `openapi` above, then add it)')
    if found.pages:
        layers.append("e2e")
    else:
        notes.append('"e2e" is left out: no HTML page found (write scenarios under suites/e2e, then add it)')
    layers.append("load")
    if found.pages:
        layers.append("web")
    else:
        notes.append('"web" is left out: no HTML page found (set [layers.web] pages, then add it)')
    return layers, notes


def budget_lines() -> list[str]:
    return [f"{_q(key)} = {_q(expr)}".ljust(60) + f"# {what}" for key, expr, what in BUDGETS]


def _toml(found: Discovery) -> str:
    env = found
    out = [
        "# releasegate: environments, stages, layer settings and budgets (written by `releasegate init`",
        f"# from what {env.base_url} answered). Check it with `releasegate envs` and `releasegate layers`;",
        '# every run validates it before anything starts. Lines marked "not found" are what init could',
        "# not discover: fill them in. Precedence: flag > RELEASEGATE_* variable > this file > default.",
        "",
        f"default_environment = {_q(ENV)}",
        'default_stage = "pre-deploy"',
        'report_dir = "reports"',
        "",
        "# ---------------------------------------------------------------- environments",
        "",
        f"[environments.{ENV}]",
        f"base_url = {_q(env.base_url)}",
        *(
            []
            if env.same_origin_web
            else [f"web_url = {_q(env.web_url)}".ljust(40) + "# the frontend: pages, web and e2e use it"]
        ),
        *_key(
            "openapi",
            env.openapi,
            "/openapi.json",
            env.tried.get("openapi", []),
            "the contract layer needs it",
        ),
        *_key(
            "health_path",
            env.health,
            "/health",
            env.tried.get("health", []),
            "smoke fails until it answers 2xx JSON",
        ),
        *_key(
            "version_path",
            env.version,
            "/version",
            env.tried.get("version", []),
            "--expect-version needs an endpoint reporting the deployed version",
        ),
    ]
    if env.pages:
        out.append("pages = [                               # the pages the smoke layer checks (status 200)")
        out += [f"  {{ path = {_q(p)} }}," for p in env.pages]
        out.append("]")
    else:
        out.append(
            '# pages = [{ path = "/" }]'.ljust(40)
            + f"# not found (tried {_tried(env.tried.get('pages', []))})"
        )
    if env.endpoints:
        out.append("endpoints = [                           # API endpoints smoke checks and load requests")
        out += [f"  {{ path = {_q(e.path)} }},".ljust(38) + f"  # found: {e.detail}" for e in env.endpoints]
        out.append("]")
    else:
        out.append(
            '# endpoints = [{ path = "/api/items" }]'.ljust(40) + "# no parameterless GET answered 2xx"
        )
    out += [
        "# Headers and credentials come from environment variables (values never printed or stored):",
        '# headers_from_env = { "X-Api-Key" = "STAGING_API_KEY" }',
        '# auth = { token_env = "STAGING_TOKEN" }       # or a login flow, see docs/adopt.md',
        "",
        "# Production: `releasegate run --env production --stage post-deploy` after a deploy. With",
        "# production = true, layers that write or load are refused (exit 2) unless --allow-production",
        "# (writes) or --allow-production-load --max-rate RPS (load) is passed.",
        "# [environments.production]",
        '# base_url = "https://www.example.com"',
        "# production = true",
        "",
        "# ---------------------------------------------------------------- stages",
        "",
    ]
    layers, notes = stage_layers(env)
    out += [
        "[stages.pre-deploy]",
        'description = "Before promoting a build: every layer against staging."',
        *(f"# {note}" for note in notes),
        f"layers = [{', '.join(_q(name) for name in layers)}]",
        "",
        "[stages.post-deploy]",
        'description = "Right after a deploy, and on a schedule: read-only checks (smoke personas only)."',
        f"layers = [{', '.join(_q(name) for name in layers if name in ('smoke', 'e2e'))}]",
        "",
        "# ---------------------------------------------------------------- layer settings",
        "# `releasegate layers` lists every layer; docs/developers.md their settings.",
        "",
        "[layers.smoke]",
        "repeats = 3                                # each URL is probed this many times",
        "limit_s = 2.0                              # median response time that fails a check",
        "",
        "[layers.contract]",
        "max_examples = 20                          # per operation and phase",
        "timeout_s = 300",
        "",
        "[layers.e2e]",
        f"suite = {_q('suites/e2e')}                      # your persona scenarios",
        f"personas = {_q(PERSONAS)}",
        "",
        "[layers.load]",
        'profile = "smoke-load"                     # a few users; or "average", "stress", "spike", "soak"',
        '# endpoints = [{ method = "GET", path = "/api/items", weight = 5 }]   # default: the environment\'s',
        "",
        "[layers.web]",
    ]
    pages = env.pages[:WEB_PAGES]
    if pages:
        out.append(
            f"pages = [{', '.join(_q(p) for p in pages)}]".ljust(43) + "# each costs `runs` Lighthouse runs"
        )
    else:
        out.append('# pages = ["/"]                           # not found: the pages Lighthouse measures')
    out += [
        "runs = 3                                   # Lighthouse runs per page",
        'preset = "desktop"',
        "",
        "# ---------------------------------------------------------------- budgets",
        "# k6-style expressions over the metrics the layers publish (`releasegate layers` lists them;",
        "# docs/budgets.md the language). A budget of a layer that did not run is not judged.",
        "",
        "[budgets]",
        *budget_lines(),
        '"smoke.checks_degraded" = { expr = "count == 0", level = "warn" }   # slow but within the limit',
        "",
    ]
    return "\n".join(out)


def _personas() -> str:
    return """\
# Who the e2e scenarios act as (one test_<persona>.py each).
#   credentials: none      -> anonymous, never logged in
#                generated -> an account the run creates and removes (needs the adapter in conftest.py)
#                env: {email: VAR, password: VAR} -> an existing account read from variables
#   tags: [smoke] = read-only, safe against production after a deploy
personas:
  visitor:
    name: Anonymous visitor
    role: visitor
    credentials: none
    tags: [smoke]
    description: Opens the main pages, never logged in.
  # member:
  #   name: Sam Member
  #   role: member
  #   credentials: generated
  #   tags: [journey]
  #   description: Signs up, does the one thing the app is for, and is removed at the end.
"""


def _scenario(found: Discovery) -> str:
    pages = found.pages or ["/"]
    return f'''\
"""The visitor opens the main pages (read-only: safe after a deploy).

A starting point written by `releasegate init`: replace the steps with a journey your users
make. Scenarios use only the public API `releasegate.e2e`; see docs/adopt.md.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from releasegate.e2e import Step, StepFailed

PAGES = {pages!r}


@pytest.mark.persona("visitor")
def test_visitor_opens_the_main_pages(page: Page, step: Step) -> None:
    for path in PAGES:
        with step(f"open {{path}}"):
            response = page.goto(path)
            if response is None or response.status >= 400:
                raise StepFailed(f"{{path}} answered {{response.status if response else 'nothing'}}")
            expect(page.locator("body")).to_be_visible()
'''


def _conftest() -> str:
    return '''\
"""Your app's side of the persona machinery: how persona accounts are made, logged into and removed.

Anonymous personas (`credentials: none`) need none of it. Before adding a persona with
`credentials: generated`, fill these in (through your app's API where you can: faster and
steadier than the UI).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from releasegate.e2e import Account


class AppAdapter:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def create_account(self, account: Account) -> None:
        raise NotImplementedError(f"create {account.email} through the app (suites/e2e/conftest.py)")

    def log_in(self, page: Page, account: Account) -> None:
        raise NotImplementedError(f"log {account.email} in through the UI (suites/e2e/conftest.py)")

    def delete_account(self, account: Account) -> str | None:
        """Remove the account; a problem sentence when it remains (counted as residue)."""
        return f"account {account.email} remains: delete_account is not written (suites/e2e/conftest.py)"


def pytest_releasegate_adapter(config: pytest.Config, base_url: str) -> AppAdapter | None:
    return AppAdapter(base_url) if base_url else None
'''


def _workflow() -> str:
    return f"""\
name: release-gate

# Written by `releasegate init`: the pre-deploy stage against staging on every pull request.
# The verdict lands in the job summary and the run directory in an artifact; NO-GO (exit 1),
# a config error (2) and INCONCLUSIVE (3) fail the job.

on:
  pull_request:
  workflow_dispatch:

permissions:
  contents: read

# One gate at a time per environment: two pull requests must not load staging at once.
concurrency:
  group: release-gate-{ENV}
  cancel-in-progress: false

jobs:
  gate:
    runs-on: ubuntu-latest
    timeout-minutes: 40
    steps:
      - uses: actions/checkout@v4
      - uses: {ACTION}
        with:
          env: {ENV}
          stage: pre-deploy
        # The variables releasegate.toml names (headers_from_env, auth), from secrets:
        # env:
        #   STAGING_TOKEN: ${{{{ secrets.STAGING_TOKEN }}}}
"""


def render(found: Discovery) -> dict[str, str]:
    """Every file ``init`` writes, by path relative to the directory it runs in."""
    return {
        CONFIG: _toml(found),
        PERSONAS: _personas(),
        SCENARIO: _scenario(found),
        CONFTEST: _conftest(),
        WORKFLOW: _workflow(),
    }
