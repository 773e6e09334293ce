"""``creatorpay rules``: the rule versions in force at a date, and checking an override file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError
from ..rulesdoc import constraints, limit_text
from . import SuggestingGroup, show_long
from .common import complete_platforms, make_engine

if TYPE_CHECKING:
    from ..rules import RuleVersion


@click.group(cls=SuggestingGroup)
def rules() -> None:
    """Show rules in force, or check a rules override file.

    \b
    Examples:
      creatorpay rules show wechat_channels --at 2022-02-01
      creatorpay rules validate my-overrides.toml
    """


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date YYYY-MM-DD, found {value!r}") from None


@rules.command()
@click.argument("platform", required=False, shell_complete=complete_platforms)
@click.option("--at", "day", callback=_date, metavar="YYYY-MM-DD", help="Date (default: today).")
@click.option(
    "--rules", "overrides", type=click.Path(path_type=Path), metavar="FILE", help="Rules override file to apply first."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show(platform: str | None, day: dt.date, overrides: Path | None, fmt: str) -> None:
    """The rule versions in force at a date, with every parameter and its provenance (long text goes
    through a pager on a terminal; --no-pager prints it all)."""
    engine = make_engine(overrides)
    books = engine.rulebooks
    if platform is not None and platform not in books:
        if engine.unloaded(platform) is not None:
            raise engine.not_loaded("PLATFORM", platform)
        raise InputError.one(
            "PLATFORM", "", f"unknown platform or plugin {platform!r}; loaded: {', '.join(sorted(books))}"
        )
    names = [platform] if platform else sorted(books)
    documents: list[dict[str, Any]] = []
    for name in names:
        ruleset = books[name].at(day)
        documents.append(
            {
                "book": name,
                "date": day.isoformat(),
                "in_force": [_version(v) for v in ruleset],
                "not_in_force": [{"rule": r, "reason": why} for r, why in ruleset.not_in_force.items()],
            }
        )
    if fmt == "json":
        click.echo(json.dumps(documents, ensure_ascii=False, indent=2, default=str))
        return
    out: list[str] = []
    for doc in documents:
        out.append(f"{doc['book']} at {doc['date']}")
        for v in doc["in_force"]:
            until = f" to {v['effective_to']}" if v["effective_to"] else ""
            out.append(f"  {v['rule']}  [{v['label']}]  from {v['effective_from']}{until}  {v['title']}")
            out.append(f"      source: {v['source']}")
            for p in v["params"]:
                value = "unset (operator-set)" if p["value"] is None else p["value"]
                if isinstance(value, list):
                    value = ", ".join(value)
                origin = " (override)" if p["overridden"] else ""
                label = f" [{p['label']}]" if p["label"] else ""
                limits = "; ".join(limit_text(key, given) for key, given in p["constraints"].items())
                out.append(f"      {p['name']} = {value}{origin}{label}{f'  ({limits})' if limits else ''}")
        for item in doc["not_in_force"]:
            out.append(f"  {item['rule']}  {item['reason']}")
    show_long(out)


def _version(v: RuleVersion) -> dict[str, Any]:
    return {
        "rule": v.id,
        "title": v.rule.title,
        "label": v.label,
        "source": v.rule.source,
        "effective_from": v.effective_from.isoformat(),
        "effective_to": v.effective_to.isoformat() if v.effective_to else None,
        "params": [
            {
                "name": name,
                "type": spec.type,
                "value": _plain(v.params.get(name)),
                "label": spec.label,
                "overridden": name in v.overridden,
                "doc": spec.doc,
                "constraints": constraints(spec),
            }
            for name, spec in v.rule.params.items()
        ],
    }


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, tuple):
        return [str(item) for item in value]
    return str(value)


@rules.command(name="validate")
@click.argument("file", type=click.Path(path_type=Path))
def validate_overrides(file: Path) -> None:
    """Check an override file against the loaded rule files: exit 2 naming each bad key."""
    make_engine(file)
    click.echo(f"ok: {file} is a valid rules override file")
