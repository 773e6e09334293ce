"""Defaults for ``--rules``, ``--platform``, ``--format`` and ``--cpm`` from ``creatorpay.toml`` and
``CREATORPAY_*`` variables, and ``creatorpay config`` that shows them.

Precedence: the option given > ``CREATORPAY_RULES``/``_PLATFORM``/``_FORMAT``/``_CPM`` > ``creatorpay.toml``
in the working folder > ``creatorpay.toml`` in the user config folder (``click.get_app_dir``:
``$XDG_CONFIG_HOME/creatorpay`` or ``~/.config/creatorpay`` on Linux). The values become click's
``default_map``, so each command reads them as its options' defaults.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError
from ..files import path_text

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .setting import Setting

FILE_NAME = "creatorpay.toml"
KEYS = ("rules", "platform", "format", "cpm")
#: The environment variable of each key.
ENV = {key: f"CREATORPAY_{key.upper()}" for key in KEYS}
#: Each command that takes a key, as the path to it in click's default map, its parameter name and,
#: for ``format``, the values the command offers (a default format applies where it is offered).
TARGETS: dict[str, tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]] = {
    "rules": (
        (("compare",), "rules", ()),
        (("explain",), "rules", ()),
        (("validate",), "rules", ()),
        (("sweep",), "rules", ()),
        (("settle",), "rules", ()),
        (("rules", "show"), "overrides", ()),
    ),
    "platform": (
        (("compare",), "platforms", ()),
        (("explain",), "platforms", ()),
        (("validate",), "platforms", ()),
        (("sweep",), "platforms", ()),
    ),
    "format": (
        (("compare",), "fmt", ("table", "json", "csv")),
        (("explain",), "fmt", ("text", "json")),
        (("sweep",), "fmt_name", ("table", "csv", "json", "png", "svg")),
        (("rules", "show"), "fmt", ("text", "json")),
        (("ledger", "export"), "fmt", ("csv", "json")),
    ),
    "cpm": ((("compare",), "cpm", ()),),
}
FORMATS = tuple(sorted({f for _, _, offered in TARGETS["format"] for f in offered}))


def __getattr__(name: str) -> Any:
    """``Setting``, built on first use (:mod:`.setting`, PEP 562)."""
    if name == "Setting":
        from .setting import Setting

        globals()[name] = Setting
        return Setting
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, with ``Setting``, built on first use."""
    return sorted({*globals(), "Setting"})


def user_file() -> str:
    """``creatorpay.toml`` in the user config folder (honours ``XDG_CONFIG_HOME``)."""
    return path_text(os.path.join(click.get_app_dir("creatorpay"), FILE_NAME))


def files() -> list[str]:
    """The config files read, strongest first: the working folder's, then the user's (as texts:
    pathlib is not imported to find them)."""
    return [path_text(os.path.join(os.getcwd(), FILE_NAME)), user_file()]


def load() -> dict[str, Setting]:
    """The effective settings, each from the strongest place that sets it; a bad file or variable is
    an input error naming it and the key."""
    found: dict[str, Setting] = {}
    for path in reversed(files()):
        if os.path.isfile(path):
            found.update(_read_file(path))
    for key, variable in ENV.items():
        text = os.environ.get(variable)
        if text:
            from .setting import Setting  # built on first use: most runs set no variable

            found[key] = Setting(key, _check(key, _from_env(key, text), variable, ""), variable)
    return found


def _from_env(key: str, text: str) -> str | tuple[str, ...]:
    if key == "platform":
        return tuple(name.strip() for name in text.split(",") if name.strip())
    return text


def _parse(path: str) -> dict[str, Any]:
    """The file's TOML, floats read exactly (``cpm = 12.5`` is ``Decimal("12.5")``)."""
    from tomli import TOMLDecodeError, loads

    from ..files import read_input

    raw = read_input(path)
    try:
        return loads(raw.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise InputError.one(str(path), "", f"not UTF-8 text (byte {exc.start})") from None
    except TOMLDecodeError as exc:
        raise InputError.one(str(path), "", f"not valid TOML: {exc}") from None


def _read_file(path: str) -> dict[str, Setting]:
    from .setting import Setting  # built on first use: most folders have no creatorpay.toml

    data = _parse(path)
    settings: dict[str, Setting] = {}
    for key, raw in data.items():
        if key not in KEYS:
            import difflib  # here: only a misspelled key needs it

            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InputError.one(str(path), key, f"unknown key; expected one of: {', '.join(KEYS)}{hint}")
        value = _value(key, raw, str(path))
        if key == "rules":
            assert isinstance(value, str)
            from pathlib import Path  # here: only a file that sets rules needs it

            value = str(Path(path).parent / Path(value).expanduser()) if value != "-" else value
        settings[key] = Setting(key, _check(key, value, str(path), key), str(path))
    return settings


def _value(key: str, raw: object, source: str) -> str | tuple[str, ...]:
    """The TOML value as text (a list of names for ``platform``)."""
    if key == "platform" and isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        return tuple(raw)
    if key == "cpm" and isinstance(raw, int | Decimal) and not isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, str):
        return (raw,) if key == "platform" else raw
    expected = {"platform": "a name or a list of names", "cpm": "a number such as 12.5"}.get(key, "a string")
    raise InputError.one(source, key, f"expected {expected}, found {type(raw).__name__}")


def _check(key: str, value: str | tuple[str, ...], source: str, path: str) -> str | tuple[str, ...]:
    """The checks the options make, done here so a bad default names where it came from."""
    if key == "format" and value not in FORMATS:
        raise InputError.one(source, path, f"unknown format {value!r}; expected one of: {', '.join(FORMATS)}")
    if key == "cpm":
        assert isinstance(value, str)
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or number < 0:
            raise InputError.one(
                source, path, f"expected CNY per 1,000 impressions (a number >= 0 such as 12.5), found {value!r}"
            )
    if key == "platform" and not value:
        raise InputError.one(source, path, "expected at least one platform name")
    return value


def default_map(settings: Mapping[str, Setting]) -> dict[str, Any]:
    """click's ``default_map``: each setting under every command that takes it."""
    tree: dict[str, Any] = {}
    for key, setting in settings.items():
        for where, param, offered in TARGETS[key]:
            if offered and setting.value not in offered:
                continue
            node = tree
            for name in where:
                node = node.setdefault(name, {})
            node[param] = setting.value
    return tree


def _shown(value: str | tuple[str, ...] | None) -> str:
    if value is None:
        return "(not set)"
    return ", ".join(value) if isinstance(value, tuple) else value


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def config(fmt: str) -> None:
    """Show the defaults in effect for --rules, --platform, --format and --cpm, and where each came from.

    Precedence: the option > CREATORPAY_RULES, CREATORPAY_PLATFORM (comma-separated), CREATORPAY_FORMAT,
    CREATORPAY_CPM > creatorpay.toml in the working folder > creatorpay.toml in the user config folder.

    \b
    Example creatorpay.toml:
      rules = "marginal.toml"      # relative to this file's folder
      platform = ["wechat_channels", "xingtu"]
      format = "json"              # where the command offers it
      cpm = 12.5
    \b
    Example:
      CREATORPAY_FORMAT=csv creatorpay config
    """
    settings = load()
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "files": [{"path": p, "found": os.path.isfile(p)} for p in files()],
                    "settings": {
                        k: {"value": list(s.value) if isinstance(s.value, tuple) else s.value, "source": s.source}
                        for k in KEYS
                        if (s := settings.get(k)) is not None
                    },
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for key in KEYS:
        setting = settings.get(key)
        where = f"  ({setting.source})" if setting else "  (default)"
        click.echo(f"{key:<8} = {_shown(setting.value if setting else None)}{where}")
    click.echo("files read (strongest first):")
    for path in files():
        click.echo(f"  {path}{'' if os.path.isfile(path) else '  (none)'}")
