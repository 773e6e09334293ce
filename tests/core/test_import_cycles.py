"""The package has no import cycle: the modules of creatorpay.core import each other one way
(docs/architecture.md). Imports inside functions are left out (they run late, on purpose); those
under ``if TYPE_CHECKING`` count (a cycle there is one for the reader and for mypy)."""

from __future__ import annotations

import ast
from pathlib import Path

import creatorpay.core

CORE = Path(creatorpay.core.__file__).resolve().parent
PACKAGE = "creatorpay.core"
#: The edges of cycles left, under ``if TYPE_CHECKING`` on one side: statement.py names rules.RuleSet
#: in annotations only, and rules.py imports statement.LABELS (the typed vocabulary of issue 18 moves
#: such names into a module of their own); statement.py names the classes it keeps in statement_rare.py
#: (built on first use, imported in functions) in annotations only, and statement_rare.py names
#: statement.Label.
ANNOTATION_ONLY = {
    ("creatorpay.core.statement", "creatorpay.core.rules"),
    ("creatorpay.core.statement", "creatorpay.core.statement_rare"),
}


def modules(core: Path = CORE) -> dict[str, Path]:
    """Each module of creatorpay.core (not its testing kit, a package of its own) by dotted name."""
    found = {}
    for path in sorted(core.rglob("*.py")):
        parts = path.relative_to(core).with_suffix("").parts
        if parts[0] in ("testing", "scaffold"):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join((PACKAGE, *parts))] = path
    return found


def module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The imports run when the module loads (or seen by the type checker), not those in functions."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If | ast.Try):
            stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt))
    return found


def graph(core: Path = CORE) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (``from . import x`` names module ``x``)."""
    known = modules(core)
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in module_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            source = (f"{base}.{node.module}" if node.module else base) if node.level else node.module or ""
            submodules = {f"{source}.{alias.name}" for alias in node.names} & known.keys()
            if node.module or len(submodules) < len(node.names):  # ``from . import a`` of modules: those only
                targets.add(source)
            targets.update(submodules)
        edges[name] = {target for target in targets if target in known and target != name}
    return edges


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules in order, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_import_graph_of_the_core_is_acyclic() -> None:
    """Issue 18: batch.py and batch_workers.py imported each other; creatorpay.core.batch's modules
    import one way (run -> workers -> ledger -> codec, run -> pipeline)."""
    edges = graph()
    for source, target in ANNOTATION_ONLY:
        edges[source].discard(target)
    assert edges.get("creatorpay.core.batch.run"), "the graph reads the batch subpackage"
    found = cycle(edges)
    assert found is None, "import cycle: " + " -> ".join(found or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None
