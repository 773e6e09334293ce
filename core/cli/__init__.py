"""The ``creatorpay`` command line. Subcommands load lazily: ``--help`` imports no plugin.

Exit codes: 0 computed, 2 bad input (a message, no traceback), 1 a failure (traceback with --debug).
Global options (``--debug``, ``--disable-plugin``, ``--color``, ``-q``, ``--no-pager``) are accepted
before or after the subcommand; defaults come from ``creatorpay.toml`` and ``CREATORPAY_*``
variables (:mod:`.config`).
"""

from __future__ import annotations

import gc

from .. import collector

# The collector is paused while click and the core import (core/collector.py): click's import alone
# collected the youngest generation about 19 times, 0.5% of a ``creatorpay compare``.
_collecting = collector.pause()
try:
    import importlib
    import os
    import sys
    from contextlib import contextmanager
    from typing import TYPE_CHECKING, Any

    import click

    from .. import codecache
    from ..errors import InputError, PluginError
    from ..files import WriteError
finally:
    collector.resume(_collecting)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

#: command name -> "module:function", imported only when the command runs or its help is shown.
COMMANDS = {
    "compare": "creatorpay.core.cli.compare:compare",
    "config": "creatorpay.core.cli.config:config",
    "example": "creatorpay.core.cli.example:example",
    "explain": "creatorpay.core.cli.explain:explain",
    "new-plugin": "creatorpay.core.cli.new_plugin:new_plugin",
    "ledger": "creatorpay.core.cli.ledger:ledger",
    "plugins": "creatorpay.core.cli.plugins:plugins",
    "rules": "creatorpay.core.cli.rules:rules",
    "schema": "creatorpay.core.cli.schema:schema",
    "settle": "creatorpay.core.cli.settle:settle",
    "sweep": "creatorpay.core.cli.sweep:sweep",
    "validate": "creatorpay.core.cli.validate:validate",
}
#: Global options that are flags, and those that take a value: moved before the subcommand when given after it.
GLOBAL_FLAGS = ("--debug", "-q", "--quiet", "--no-pager")
GLOBAL_VALUED = ("--disable-plugin", "--color")
#: Where the root context keeps the global options' choices for the commands.
QUIET, PAGER, TO_FILE = "creatorpay.quiet", "creatorpay.pager", "creatorpay.to_file"


def hoist_globals(args: Sequence[str]) -> list[str]:
    """``args`` with the global options given after the subcommand moved before it (up to ``--``),
    so ``creatorpay compare x.toml --debug`` works as ``creatorpay --debug compare x.toml`` (as tox
    and httpie accept options anywhere)."""
    args = list(args)
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            return args
        if arg in GLOBAL_VALUED:
            index += 2
        elif arg.startswith("-"):
            index += 1
        else:
            break
    else:
        return args
    head, rest = args[: index + 1], args[index + 1 :]
    moved: list[str] = []
    kept: list[str] = []
    position = 0
    while position < len(rest):
        arg = rest[position]
        if arg == "--":
            kept.extend(rest[position:])
            break
        if arg in GLOBAL_FLAGS or (arg.split("=", 1)[0] in GLOBAL_VALUED and "=" in arg):
            moved.append(arg)
        elif arg in GLOBAL_VALUED and position + 1 < len(rest):
            moved.extend(rest[position : position + 2])
            position += 1
        else:
            kept.append(arg)
        position += 1
    return head[:-1] + moved + head[-1:] + kept


class SuggestingGroup(click.Group):
    """A group that answers an unknown subcommand with the closest names ("did you mean")."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = click.utils.make_str(args[0]) if args else ""
        if args and not ctx.resilient_parsing and self.get_command(ctx, name) is None and not name.startswith("-"):
            import difflib  # here: only a misspelled command needs it

            close = difflib.get_close_matches(name, self.list_commands(ctx), n=3, cutoff=0.6)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            ctx.fail(f"No such command {name!r}.{hint} Commands: {', '.join(self.list_commands(ctx))}.")
        return super().resolve_command(ctx, args)


class LazyGroup(SuggestingGroup):
    """A group whose subcommands are imported on first use (click's documented lazy pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, name = target.split(":")
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        return command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_globals(args) if ctx.parent is None else args)


def _versions(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: the core's and each plugin distribution's version, read from metadata only
    (no plugin is imported)."""
    if not value or ctx.resilient_parsing:
        return
    from importlib import metadata

    from ..entrypoints import entry_points
    from ..plugins import GROUP

    click.echo(f"creatorpay {metadata.version('creatorpay')}")
    for ep in sorted(entry_points(GROUP), key=lambda e: e.name):
        where = f"{ep.distribution} {ep.version}" if ep.distribution else "unknown distribution"
        click.echo(f"  plugin {ep.name}: {where}")
    ctx.exit()


def _set_env(ctx: click.Context, values: dict[str, str | None]) -> None:
    """Set (a str) or remove (None) environment variables for this command, restored when it ends,
    so every engine and renderer it builds (batch worker processes included) sees them."""
    before = {name: os.environ.get(name) for name in values}
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value

    def restore() -> None:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    ctx.call_on_close(restore)


def _disable(ctx: click.Context, names: tuple[str, ...]) -> None:
    """``--disable-plugin NAME``: added to ``CREATORPAY_DISABLE_PLUGINS`` for this command."""
    if not names:
        return
    variable = "CREATORPAY_DISABLE_PLUGINS"  # plugins.DISABLE_ENV, not imported: --help loads no plugin
    _set_env(ctx, {variable: ",".join(x for x in (os.environ.get(variable), *names) if x)})


def _colour(ctx: click.Context, when: str | None) -> None:
    """``--color``: ``never`` sets ``NO_COLOR``, ``always`` sets ``FORCE_COLOR`` (both read by rich and
    :func:`plain`); ``auto`` (the default) leaves the environment: colour on a terminal only."""
    if when == "never":
        _set_env(ctx, {"NO_COLOR": "1", "FORCE_COLOR": None})
    elif when == "always":
        _set_env(ctx, {"NO_COLOR": None, "FORCE_COLOR": "1"})


def _root_meta() -> dict[str, Any]:
    ctx = click.get_current_context(silent=True)
    return ctx.find_root().meta if ctx is not None else {}


def plain() -> bool:
    """No colour and no box art: output to a file (``-o``), ``NO_COLOR`` set (https://no-color.org), or
    output that is not a terminal unless ``FORCE_COLOR`` is set (``--color`` sets one of them)."""
    if _root_meta().get(TO_FILE) or os.environ.get("NO_COLOR"):
        return True
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return False
    return not sys.stdout.isatty()


@contextmanager
def writing_to_file() -> Iterator[None]:
    """While the document goes to a file (``-o``): plain text, whatever the colour settings."""
    meta = _root_meta()
    before = meta.get(TO_FILE, False)
    meta[TO_FILE] = True
    try:
        yield
    finally:
        meta[TO_FILE] = before


def quiet() -> bool:
    """``-q``: print only errors and the document itself."""
    return bool(_root_meta().get(QUIET))


def note(text: str) -> None:
    """A message about the run (``wrote FILE``) on stderr, unless ``-q``."""
    if not quiet():
        click.echo(text, err=True)


def show_long(lines: Sequence[str]) -> None:
    """Print ``lines``; through a pager (``PAGER``, else less) when stdout is a terminal and they do
    not fit on the screen, unless ``--no-pager``; never when piped (as git and llm do)."""
    import shutil  # here: shutil imports bz2, lzma and zlib, which a command that prints no long text never needs

    if (
        _root_meta().get(PAGER, True)
        and sys.stdout.isatty()
        and not _root_meta().get(TO_FILE)
        and len(lines) > shutil.get_terminal_size().lines - 1
    ):
        click.echo_via_pager("\n".join(lines) + "\n", color=not plain())
        return
    for line in lines:
        click.echo(line)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks for failures.")
@click.option(
    "--disable-plugin",
    "disable_plugin",
    multiple=True,
    metavar="NAME",
    help="Do not load the plugin NAME (repeatable); adds to CREATORPAY_DISABLE_PLUGINS.",
)
@click.option(
    "--color",
    "color",
    type=click.Choice(["auto", "always", "never"]),
    default=None,
    help="Colour and box art: auto (on a terminal, unless NO_COLOR or FORCE_COLOR is set), always, never.",
)
@click.option("-q", "--quiet", "quiet_flag", is_flag=True, help="Print only errors and the document itself.")
@click.option("--no-pager", "no_pager", is_flag=True, help="Never page long explain and rules show output.")
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_versions,
    help="Show the core and plugin versions and exit.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    debug: bool,
    disable_plugin: tuple[str, ...],
    color: str | None,
    quiet_flag: bool,
    no_pager: bool,
) -> None:
    """Compare what a creator earns for the same work on Xingtu, WeChat Channels and NetEase.

    \b
    Examples:
      creatorpay compare examples/food-vlogger.toml
      creatorpay explain examples/live-anchor.toml --platform wechat_channels
      creatorpay rules show wechat_channels --at 2022-02-01
      creatorpay compare examples/food-vlogger.toml --disable-plugin netease

    Global options may follow the subcommand. Defaults for --rules, --platform, --format and --cpm:
    creatorpay.toml here or in the user config folder, and CREATORPAY_* variables (creatorpay config).

    Exit codes: 0 done, 1 a failure (a plugin that failed, or violations with --strict), 2 bad input.
    """
    from .config import default_map, load

    ctx.meta[QUIET] = quiet_flag
    ctx.meta[PAGER] = not no_pager
    _disable(ctx, disable_plugin)
    _colour(ctx, color)
    ctx.default_map = default_map(load())


def main(argv: list[str] | None = None) -> Any:
    """Console entry point: maps errors to exit codes and messages.

    Run as the process's own command (``argv`` None: the console script), the garbage collector is
    tuned for a short run, as mypy and Instagram's services do: the objects made by importing the
    modules are frozen (they live until exit; no collection need walk them again), the youngest
    generation is collected every :data:`~creatorpay.core.collector.GC_FIRST_GENERATION`
    allocations, and everything is frozen again at the end, so the interpreter's last collection at
    exit has nothing to walk. Together about a tenth of ``creatorpay compare``'s instructions
    (docs/performance.md, "Start-up"). Called with ``argv`` (in-process, as the tests do), the
    collector is left as it is.
    """
    args = sys.argv[1:] if argv is None else argv
    if argv is None:
        gc.freeze()
        gc.set_threshold(collector.GC_FIRST_GENERATION, *gc.get_threshold()[1:])
        try:
            return _main(args)
        finally:
            codecache.save()  # attrs' methods compiled by this run, for the next (core/codecache.py)
            gc.freeze()
    return _main(args)


def _main(args: list[str]) -> Any:
    """:func:`main`'s body: the command run, its errors mapped to exit codes and messages."""
    try:
        code = cli.main(args=args, prog_name="creatorpay", standalone_mode=False)
    except InputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except (WriteError, PluginError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except Exception as exc:
        if "--debug" in args:
            raise
        click.echo(f"error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
