"""The package is layered (docs/architecture.md, "Which way imports go"): a module imports from its
own layer or the ones above it, never from a layer below; and ``import creatorpay.core`` (or the CLI's
entry module) loads none of the heavy optional libraries, which only the functions using them import."""

from __future__ import annotations

import subprocess
import sys

from tests.core.test_import_cycles import PACKAGE, graph

#: The layers of docs/architecture.md, top first: each module of creatorpay.core by its first name.
LAYERS = (
    ("errors", "money", "files", "checks", "fields"),
    ("scenario", "statement", "rules", "types", "store"),
    ("context", "hookspecs", "entrypoints", "plugins", "engine", "mcn", "plugin"),
    (
        *("sqlite_store", "sqlite_schema", "postgres_store", "postgres_schema"),
        *("events", "profiles", "rows", "batch", "scale", "sweep", "rulesdoc"),
    ),
    ("", "cli"),
)
#: Optional libraries (extras) or slow ones that only the code using them imports.
HEAVY = ("pyarrow", "pyspark", "psycopg", "matplotlib", "rich", "pandas", "hypothesis")


def layer(module: str) -> int:
    """The layer of a module of creatorpay.core (``creatorpay.core`` itself, which re-exports
    the stores too, is the front's)."""
    first = module.removeprefix(PACKAGE).lstrip(".").split(".")[0]
    return next(index for index, names in enumerate(LAYERS) if first in names)


def test_every_module_has_a_layer() -> None:
    for module in graph():
        layer(module)  # StopIteration names a module docs/architecture.md does not place


def test_no_module_imports_from_a_layer_below_its_own() -> None:
    upward = sorted(
        f"{source} -> {target}"
        for source, targets in graph().items()
        for target in targets
        if layer(target) > layer(source)
    )
    assert upward == []


def test_the_layer_check_sees_an_upward_import() -> None:
    assert layer("creatorpay.core.money") < layer("creatorpay.core.engine") < layer("creatorpay.core.cli.settle")
    assert layer("creatorpay.core.scale.spark") == layer("creatorpay.core.batch.run")


def test_importing_the_core_and_the_cli_loads_no_heavy_library() -> None:
    code = (
        "import sys, creatorpay.core, creatorpay.core.plugin, creatorpay.core.cli\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
