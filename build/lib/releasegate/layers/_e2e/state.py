"""What the e2e plugin and its fixtures share: the run's stash keys and two small lookups.

Both :mod:`.plugin` and :mod:`.persona_fixtures` import this module; neither imports the
other's fixtures module back (the plugin registers the fixtures), so there is no circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from releasegate.layers._e2e.adapter import AppAdapter
from releasegate.layers._e2e.journey import Journey
from releasegate.layers._e2e.personas import Persona


@dataclass(frozen=True)
class RunSettings:
    run_id: str
    state_dir: Path
    secret: str
    owns_state_dir: bool


SETTINGS = pytest.StashKey[RunSettings]()
PERSONAS = pytest.StashKey[dict[str, Persona]]()
JOURNEY = pytest.StashKey[Journey]()
PHASES = pytest.StashKey[dict[str, pytest.TestReport]]()
OUTPUT_PATH = pytest.StashKey[str]()
BROWSER_VERSION = pytest.StashKey[str]()


def persona_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("persona")
    return str(marker.args[0]) if marker and marker.args else None


def adapter_for(config: pytest.Config) -> AppAdapter | None:
    base_url = config.getoption("base_url", default=None) or ""
    adapter: AppAdapter | None = config.hook.pytest_releasegate_adapter(config=config, base_url=base_url)
    return adapter
