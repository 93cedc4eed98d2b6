"""The curated public API and the import direction."""

from __future__ import annotations

import ast
from pathlib import Path

from releasegate import gates

GATES = Path(gates.__file__).resolve().parent


def test_all_is_honest():
    assert sorted(gates.__all__) == gates.__all__
    for name in gates.__all__:
        assert hasattr(gates, name), name
    public = {
        n for n in vars(gates) if not n.startswith("_") and not isinstance(getattr(gates, n), type(gates))
    }
    assert public == set(gates.__all__)


def test_gates_never_imports_the_cli():
    for path in GATES.rglob("*.py"):
        if path.name == "__main__.py":
            continue  # `python -m releasegate.gates`: the entry-point alias of `releasegate judge`
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("releasegate.cli", "releasegate.commands", "locust")), (
                    path,
                    name,
                )


def test_modules_stay_small():
    for path in GATES.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 450, path
