"""The import rules of ARCHITECTURE.md, held by parsing every module's imports."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from releasegate.registry import ENTRIES

ROOT = Path(__file__).resolve().parents[1]
LAYERS = tuple(entry.name for entry in ENTRIES)
CLI_MODULES = ("releasegate.cli", "releasegate.commands")
BOTTOM = ("releasegate.results", "releasegate.errors", "releasegate.exitcodes", "releasegate.config",
          "releasegate.configfile", "releasegate.spec", "releasegate.registry")  # fmt: skip
ENGINE = ("releasegate.engine", "releasegate.target", "releasegate.policy", "releasegate.progress",
          "releasegate.events")  # fmt: skip
LOCUST_SIDE = (
    "releasegate.load",
    "releasegate.layers._load.pacing",
    "releasegate.layers._load.recorder",
    "releasegate.layers._load.remote",
    "releasegate.suites.load",
)
ENTRY_ALIASES = (
    "releasegate.gates.__main__",
)  # `python -m releasegate.gates`, an alias of `releasegate judge`


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


GATES, SUITES, FIXTURES = "releasegate.gates", "releasegate.suites", "releasegate.fixtures"


def engine_modules() -> list[Path]:
    """The engine: releasegate itself, without the judge, the content and the reference targets."""
    return [p for p in modules("releasegate") if not within(module_name(p), GATES, SUITES, FIXTURES)]


def test_only_the_cli_imports_gates() -> None:
    engine = [p for p in engine_modules() if not within(module_name(p), *CLI_MODULES)]
    assert violations(engine, (GATES,)) == []


def test_gates_never_imports_the_cli() -> None:
    library = [p for p in modules("releasegate/gates") if module_name(p) not in ENTRY_ALIASES]
    assert violations(library, CLI_MODULES) == []


def test_gates_imports_nothing_from_the_layers_or_the_engine() -> None:
    """Gates receive the metric catalogue as data (the specs, from the bottom module)."""
    assert violations(modules("releasegate/gates"), ("releasegate.layers", *ENGINE)) == []


def _string_constants(path: Path) -> Iterator[tuple[str, int]]:
    """Every string literal of a module except docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.value, node.lineno


def test_no_layer_name_in_gates_or_the_engine() -> None:
    """What a layer is (writes, feeds the SLO, is charted as bars) is declared on its spec."""
    paths = modules("releasegate/gates") + [p for p in engine_modules() if module_name(p) in ENGINE]
    found = [
        f"{p.relative_to(ROOT)}:{line} names layer {text!r}"
        for p in paths
        for text, line in _string_constants(p)
        if text in LAYERS or any(text.startswith(f"{layer}.") for layer in LAYERS)
    ]
    assert found == []


def test_suites_import_only_public_modules() -> None:
    found = [
        f"{p.relative_to(ROOT)}:{line} imports {name}"
        for p in modules("releasegate/suites")
        for name, line in imports(p)
        if within(name, "releasegate") and any(part.startswith("_") for part in name.split(".")[1:-1])
    ]
    assert found == []


def _graph(paths: list[Path]) -> dict[str, set[str]]:
    known = {module_name(p) for p in paths}
    return {
        module_name(p): {name for name, _ in imports(p) if name in known and name != module_name(p)}
        for p in paths
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_circle() -> None:
    """Between modules (package __init__ re-exports aside), imports form no circle."""
    paths = [
        p for p in modules("releasegate") if p.name != "__init__.py" and not within(module_name(p), FIXTURES)
    ]
    assert _cycle(_graph(paths)) is None


def test_the_circle_finder_finds_circles() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_bottom_imports_nothing_above_it() -> None:
    bottom = [p for p in engine_modules() if module_name(p) in BOTTOM]
    assert len(bottom) == len(BOTTOM)
    above = ("releasegate.engine", "releasegate.target", "releasegate.layers", GATES, *CLI_MODULES)
    assert violations(bottom, above) == []


def _layer_of(name: str) -> str | None:
    for layer in LAYERS:
        if within(name, f"releasegate.layers.{layer}", f"releasegate.layers._{layer}", f"{SUITES}.{layer}"):
            return layer
    return None


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_no_other_layer(layer: str) -> None:
    own = [
        p for p in modules("releasegate/layers", "releasegate/suites") if _layer_of(module_name(p)) == layer
    ]
    found = [
        f"{p.relative_to(ROOT)}:{line} imports {name}"
        for p in own
        for name, line in imports(p)
        if _layer_of(name) not in (None, layer)
    ]
    assert found == []


def test_nothing_in_this_process_imports_locust() -> None:
    """Locust's gevent patching poisons the process: only the locustfile side (run in a child
    process: the public ``releasegate.load``, the recorder and ``suites/load``) may import it."""
    process = [p for p in modules("releasegate") if not within(module_name(p), *LOCUST_SIDE, FIXTURES)]
    assert violations(process, ("locust", "gevent", *LOCUST_SIDE)) == []


def test_the_reference_target_stands_alone() -> None:
    """A reference target imports nothing of the harness (only its own modules)."""
    found = [
        f"{p.relative_to(ROOT)}:{line} imports {name}"
        for p in modules("releasegate/fixtures")
        for name, line in imports(p)
        if within(name, "releasegate") and not within(name, FIXTURES)
    ]
    assert found == []


def test_only_the_target_resolver_imports_fixtures() -> None:
    engine = [p for p in engine_modules() if module_name(p) != "releasegate.target"]
    assert violations(engine + modules("releasegate/gates"), (FIXTURES,)) == []


def test_the_rules_see_real_imports() -> None:
    """The parser finds what the rules look for, so an empty violation list means something."""
    found = {name for name, _ in imports(ROOT / "releasegate" / "target.py")}
    assert "releasegate.fixtures.promptlib.launcher" in found
    assert "releasegate.configfile.environment_named" in found
