"""The public APIs for suite authors keep their ``__all__`` honest."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types

import pytest

IN_PROCESS = ("releasegate.e2e", "releasegate.smoke")


def _public_names(module: types.ModuleType) -> set[str]:
    """Names a reader would take for the API: not private, not imported modules, not typing helpers."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
        and (getattr(value, "__module__", module.__name__) or "").startswith("releasegate")
    }


@pytest.mark.parametrize("name", IN_PROCESS)
def test_all_lists_exactly_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    assert sorted(module.__all__) == sorted(set(module.__all__)), "duplicates in __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == []
    assert _public_names(module) <= set(module.__all__)


def test_the_load_api_in_its_own_process() -> None:
    """``releasegate.load`` imports Locust, so it is checked in a child process."""
    code = (
        "import json, releasegate.load as m;"
        "print(json.dumps({'all': m.__all__, 'missing': [n for n in m.__all__ if not hasattr(m, n)],"
        "'plan': m.plan(), 'headers': m.headers()}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["missing"] == []
    assert set(found["all"]) >= {"headers", "label", "plan", "think_time"}
    assert found["plan"] == {}  # no plan outside a run
    assert found["headers"] == {}
