"""The ``creatorpay`` command line. Subcommands load lazily: ``--help`` imports no plugin.

Exit codes: 0 computed, 2 bad input (a message, no traceback), 1 a failure (traceback with --debug).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from ..errors import InputError, PluginError
from ..files import WriteError

#: command name -> "module:function", imported only when the command runs or its help is shown.
COMMANDS = {
    "compare": "creatorpay.core.cli.compare:compare",
    "explain": "creatorpay.core.cli.explain:explain",
    "new-plugin": "creatorpay.core.cli.new_plugin:new_plugin",
    "ledger": "creatorpay.core.cli.ledger:ledger",
    "plugins": "creatorpay.core.cli.plugins:plugins",
    "rules": "creatorpay.core.cli.rules:rules",
    "settle": "creatorpay.core.cli.settle:settle",
    "sweep": "creatorpay.core.cli.sweep:sweep",
    "validate": "creatorpay.core.cli.validate:validate",
}


class LazyGroup(click.Group):
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


def _disable(ctx: click.Context, names: tuple[str, ...]) -> None:
    """``--disable-plugin NAME``: added to ``CREATORPAY_DISABLE_PLUGINS`` for this command, so every
    engine it builds (batch worker processes included) blocks the plugin; restored when it ends."""
    if not names:
        return
    variable = "CREATORPAY_DISABLE_PLUGINS"  # plugins.DISABLE_ENV, not imported: --help loads no plugin
    before = os.environ.get(variable)
    os.environ[variable] = ",".join(x for x in (before, *names) if x)

    def restore() -> None:
        if before is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = before

    ctx.call_on_close(restore)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks for failures.")
@click.option("--disable-plugin", "disable_plugin", multiple=True, metavar="NAME",
              help="Do not load the plugin NAME (repeatable); adds to CREATORPAY_DISABLE_PLUGINS.")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_versions,
              help="Show the core and plugin versions and exit.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, disable_plugin: tuple[str, ...]) -> None:
    """Compare what a creator earns for the same work on Xingtu, WeChat Channels and NetEase.

    \b
    Examples:
      creatorpay compare examples/food-vlogger.toml
      creatorpay explain examples/live-anchor.toml --platform wechat_channels
      creatorpay rules show wechat_channels --at 2022-02-01
      creatorpay --disable-plugin netease compare examples/food-vlogger.toml

    Exit codes: 0 done, 1 a failure (a plugin that failed, or violations with --strict), 2 bad input.
    """
    _disable(ctx, disable_plugin)


def main(argv: list[str] | None = None) -> Any:
    """Console entry point: maps errors to exit codes and messages."""
    args = sys.argv[1:] if argv is None else argv
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
