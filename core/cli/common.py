"""Options and helpers shared by the commands: the engine options and scenario loading."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..engine import Engine
from ..errors import InputError

F = TypeVar("F", bound=Callable[..., Any])


def rules_option(function: F) -> F:
    """``--rules FILE``: a rules override file (TOML) applied on top of every plugin's rule file."""
    return click.option("--rules", type=click.Path(path_type=Path), metavar="FILE",
                        help="Rules override file (TOML), e.g. [wechat_channels.\"WC-TIP-03\"] mode = \"marginal\".")(
        function)


def platform_option(function: F) -> F:
    """``--platform NAME`` (repeatable)."""
    return click.option("--platform", "platforms", multiple=True, metavar="NAME",
                        help="Platform to settle on (repeatable; default: every loaded platform).")(function)


def make_engine(rules: Path | None) -> Engine:
    return Engine(rules=rules)


def check_platforms(engine: Engine, platforms: tuple[str, ...]) -> list[str] | None:
    """The platforms asked for, checked now so a typo fails before anything is settled."""
    for name in platforms:
        if name not in engine.platforms:
            raise InputError.one("--platform", "", f"unknown platform {name!r}; loaded: "
                                                   f"{', '.join(engine.platforms) or 'none'}")
    return list(platforms) or None
