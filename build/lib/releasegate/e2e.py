"""The public API for persona scenario authors (``suites/e2e`` and your own suites).

A scenario is a pytest test marked with its persona; the persona machinery (run with
``releasegate run --layers e2e``) gives it fixtures and keeps the evidence::

    import pytest
    from playwright.sync_api import Page
    from releasegate.e2e import Account, Step, StepFailed

    @pytest.mark.persona("shopper", signs_up=True)
    def test_shopper_buys(page: Page, *, account: Account, step: Step) -> None:
        with step("sign up"):
            ...
        with step("pay"):
            if not page.get_by_text("Thank you").is_visible():
                raise StepFailed("the confirmation never showed")

Fixtures (registered by the machinery): ``persona`` (:class:`Persona`), ``account``
(:class:`Account` or None), ``step`` (:data:`Step`), ``cleanup`` (:data:`Cleanup`: register
an undo that runs at the end even when the scenario fails), ``run_id`` (unique per run), and
pytest-playwright's ``page`` / ``context`` set up for the persona's device and session.

Your suite's ``conftest.py`` implements the :class:`AppAdapter` protocol and returns it from
the hook ``pytest_releasegate_adapter(config, base_url)`` (see :class:`AdapterHooks`): it
creates, logs into and removes the persona accounts of your app.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from releasegate.layers._e2e.adapter import AdapterHooks, AppAdapter
from releasegate.layers._e2e.journey import StepFailed
from releasegate.layers._e2e.personas import Account, Persona, load_personas

__all__ = [
    "PLUGIN",
    "Account",
    "AdapterHooks",
    "AppAdapter",
    "Cleanup",
    "Persona",
    "Step",
    "StepFailed",
    "load_personas",
]

#: The pytest plugin that runs persona suites (``pytest -p releasegate.layers._e2e.plugin``);
#: ``releasegate run --layers e2e`` loads it for you.
PLUGIN = "releasegate.layers._e2e.plugin"

#: The ``step`` fixture: ``with step("name"):`` names what the persona is doing.
Step = Callable[[str], AbstractContextManager[Any]]

#: The ``cleanup`` fixture: ``cleanup("what", undo)`` runs ``undo`` at the end of the scenario.
Cleanup = Callable[[str, Callable[[], object]], None]
