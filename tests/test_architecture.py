"""The import rules of ARCHITECTURE.md, held by parsing every module's imports."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("smoke", "contract", "e2e", "load", "web")
CLI_MODULES = ("releasegate.cli", "releasegate.commands")
BOTTOM = ("releasegate.results", "releasegate.errors", "releasegate.exitcodes", "releasegate.config",
          "releasegate.configfile")  # fmt: skip


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports (relative imports resolved), with the line number."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base, node.lineno
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno


def modules(*tops: str) -> list[Path]:
    return sorted(p for top in tops for p in (ROOT / top).rglob("*.py") if "node_modules" not in p.parts)


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{p.relative_to(ROOT)}:{line} imports {name}"
        for p in paths
        for name, line in imports(p)
        if within(name, *forbidden)
    ]


def test_only_the_cli_imports_gates() -> None:
    engine = [p for p in modules("releasegate") if not within(module_name(p), *CLI_MODULES)]
    assert violations(engine, ("gates",)) == []


def test_gates_never_imports_the_cli() -> None:
    assert violations(modules("gates"), CLI_MODULES) == []


def test_the_bottom_imports_nothing_above_it() -> None:
    bottom = [p for p in modules("releasegate") if module_name(p) in BOTTOM]
    assert len(bottom) == len(BOTTOM)
    above = ("releasegate.engine", "releasegate.target", "releasegate.layers", "gates", *CLI_MODULES)
    assert violations(bottom, above) == []


def _layer_of(name: str) -> str | None:
    for layer in LAYERS:
        if within(name, f"releasegate.layers.{layer}", f"releasegate.layers._{layer}", f"suites.{layer}"):
            return layer
    return None


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_no_other_layer(layer: str) -> None:
    own = [p for p in modules("releasegate/layers", "suites") if _layer_of(module_name(p)) == layer]
    found = [
        f"{p.relative_to(ROOT)}:{line} imports {name}"
        for p in own
        for name, line in imports(p)
        if _layer_of(name) not in (None, layer)
    ]
    assert found == []


def test_nothing_in_this_process_imports_locust() -> None:
    """Locust's gevent patching poisons the process: only locustfiles (run in a child) may import it."""
    assert (
        violations(modules("releasegate", "gates", "suites/smoke"), ("locust", "gevent", "suites.load")) == []
    )


def test_the_reference_target_stands_alone() -> None:
    assert violations(modules("fixtures"), ("releasegate", "gates", "suites")) == []


def test_only_the_target_resolver_imports_fixtures() -> None:
    engine = [p for p in modules("releasegate") if module_name(p) != "releasegate.target"]
    assert violations(engine, ("fixtures",)) == []


def test_the_rules_see_real_imports() -> None:
    """The parser finds what the rules look for, so an empty violation list means something."""
    found = {name for name, _ in imports(ROOT / "releasegate" / "target.py")}
    assert "fixtures.promptlib.launcher" in found
    assert "releasegate.configfile.environment_named" in found
