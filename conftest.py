"""Wires releasegate's pytest plugin for the suites when the package is not installed.

Installed (``pip install -e .``), the plugin arrives through the ``pytest11`` entry point;
run from a plain checkout (``PYTHONPATH=.``), this file registers it instead, so
``pytest suites/smoke --base-url URL`` works either way. ``pytester`` serves the
harness's own tests of the plugin.
"""

from __future__ import annotations

from importlib.metadata import entry_points

_INSTALLED = any(ep.value == "releasegate.pytest_plugin" for ep in entry_points(group="pytest11"))

pytest_plugins = ["pytester"] + ([] if _INSTALLED else ["releasegate.pytest_plugin"])
