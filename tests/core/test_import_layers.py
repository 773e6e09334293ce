"""The package is layered (docs/architecture.md, "Which way imports go"): a module imports from its
own layer or the ones above it, never from a layer below; and ``import creatorpay.core`` (or the CLI's
entry module) loads none of the heavy optional libraries, which only the functions using them import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.core.test_import_cycles import PACKAGE, graph

#: The layers of docs/architecture.md, top first: each module of creatorpay.core by its first name.
LAYERS = (
    ("errors", "problem", "model", "money", "files", "checks", "cache", "codecache", "collector", "fields"),
    ("scenario", "scenario_rare", "statement", "statement_rare", "rules", "types", "store"),
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


#: Modules a ``compare`` never needs (issue 20, docs/performance.md "Start-up"): the batch, scale and
#: sweep layers, the stores, the other commands, and standard-library modules only some paths use,
#: each imported inside the function that needs it (a misspelled name: difflib; a plugin reported:
#: logging; writing a file: tempfile; a ledger: sqlite3; a long page: shutil; an odd entry_points.txt:
#: configparser; entry points of a zip file: importlib.metadata with email, zipfile and csv).
NOT_AT_START = (
    *("creatorpay.core.batch", "creatorpay.core.scale", "creatorpay.core.sweep", "creatorpay.core.events"),
    *("creatorpay.core.sqlite_store", "creatorpay.core.postgres_store", "creatorpay.core.rulesdoc"),
    *("creatorpay.core.cli.settle", "creatorpay.core.cli.sweep", "creatorpay.core.cli.ledger"),
    *("creatorpay.core.cli.schema", "creatorpay.core.cli.render", "creatorpay.core.cli.explain"),
    *("logging", "traceback", "difflib", "tempfile", "shutil", "sqlite3", "configparser", "asyncio"),
    *("importlib.metadata", "email", "zipfile", "csv", "hashlib", "random"),
    "fractions",  # a plugin's rate given as a Fraction: WeChat's beans (tips.per_bean)
    # a path given to an option, a file written or a path to normalise (core/files.py path_text); pathlib
    # imports urllib.parse (and ipaddress) and fnmatch: 14.8M instructions of a compare
    *("pathlib", "urllib", "ipaddress", "fnmatch"),
    *("creatorpay.plugins.cn_tax.vat", "creatorpay.plugins.cn_tax.withholding"),  # a month the platform taxes
    "creatorpay.plugins.cn_tax.brackets",  # its classes too: the rule check is in cn_tax.bracket_rules
)


def test_a_compare_imports_only_what_it_needs() -> None:
    code = (
        "import contextlib, io, sys\n"
        "from creatorpay.core.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['compare', 'examples/food-vlogger.toml', '--format', 'json'])\n"
        f"print(sorted(m for m in sys.modules if m.startswith({NOT_AT_START!r})))"
    )
    root = Path(__file__).parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREATORPAY_") or k == "CREATORPAY_CACHE_DIR"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root, env=env)
    assert done.stdout.strip() == "[]", done.stderr


def test_a_compare_whose_files_are_cached_imports_no_toml_parser(tmp_path: Path) -> None:
    """The rule files and the scenario come from the parsed-file cache (core/cache.py), which finds
    tomli's version without importing it: the second compare imports no parser (issue 20)."""
    code = (
        "import contextlib, io, sys\n"
        "from creatorpay.core.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['compare', 'examples/food-vlogger.toml', '--format', 'json'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tomli', 'tomllib')))"
    )
    root = Path(__file__).parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREATORPAY_")}
    env["CREATORPAY_CACHE_DIR"] = str(tmp_path)
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root, env=env)
        for _ in range(2)
    ]
    assert runs[0].stdout.strip() != "[]"  # the first parses the files
    assert runs[1].stdout.strip() == "[]", runs[1].stderr


def test_a_compare_builds_no_class_it_never_uses() -> None:
    """The scenario's and the statement's parts most months lack (core/scenario_rare.py,
    core/statement_rare.py), a configured setting
    (core/cli/setting.py) and an input's problem (core/problem.py) are built on first use (issue 20): a
    compare of a valid month without them and with no settings never imports their modules, yet the
    names are still the scenario's, config's and errors' (and the core's and the plugin facade's)."""
    code = (
        "import contextlib, io, sys\n"
        "from creatorpay.core.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['compare', 'examples/food-vlogger.toml', '--format', 'json'])\n"
        "print(sorted(m for m in sys.modules if m.endswith(('_rare', '.setting', '.problem'))))\n"
        "from creatorpay.core import scenario\n"
        "from creatorpay.core.scenario import Termination\n"
        "print(Termination is scenario.Termination, Termination.__module__, {*scenario._RARE} <= {*dir(scenario)})\n"
        "from creatorpay.core import statement\n"
        "from creatorpay.core.statement import Violation\n"
        "print(Violation is statement.Violation, Violation.__module__, {*statement._RARE} <= {*dir(statement)})\n"
        "from creatorpay.core.cli import config\n"
        "from creatorpay.core.cli.config import Setting\n"
        "print(Setting is config.Setting, Setting.__module__, 'Setting' in dir(config))\n"
        "import creatorpay.core as core, creatorpay.core.plugin as facade\n"
        "from creatorpay.core.errors import Problem\n"
        "print(Problem is core.Problem is facade.Problem, Problem.__module__, 'Problem' in dir(facade))"
    )
    root = Path(__file__).parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREATORPAY_") or k == "CREATORPAY_CACHE_DIR"}
    env["XDG_CONFIG_HOME"] = str(root / "no-such-folder")  # no user creatorpay.toml
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root, env=env)
    assert done.stdout.split("\n")[:5] == [
        "[]",
        "True creatorpay.core.scenario True",
        "True creatorpay.core.statement True",
        "True creatorpay.core.cli.config True",
        "True creatorpay.core.errors True",
    ], done.stderr
