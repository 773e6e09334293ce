"""``creatorpay schema``: the JSON Schema (draft 2020-12) or the reference page of the input formats,
both made from the field definitions (:mod:`~creatorpay.core.fields`), so they never drift apart."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .. import fields
from ..fields import Field, Section
from ..files import write_text

#: ``$`` in Python's ``re`` (which Python validators use) also matches before a final newline, as
#: ECMA-262's does not: ``(?!\n)`` after it makes both refuse ``"1.00\n"``, which the loader refuses.
_END = r"$(?!\n)"
#: The loader's readers as patterns (CORE-INPUT-01): ASCII digits only, matched whole.
PATTERNS = {
    "amount": r"^0*[0-9]{1,12}(\.[0-9]{1,2})?" + _END,
    "ratio": r"^(0+(\.[0-9]{1,4})?|0*1(\.0{1,4})?)" + _END,
    "period": r"^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])" + _END,
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}" + _END,
    # no control character (the loader also refuses other unprintable text, which a pattern cannot name)
    "id": r"^(?![\s\S]*[\u0000-\u001f\u007f-\u009f])",
}
KINDS = ("scenario", "event", "creator")
_ID = "https://creatorpay.invalid/schema/1/"


# -- JSON Schema ------------------------------------------------------------------------------------


def json_schema(kind: str = "scenario", schema: fields.Schema | None = None) -> dict[str, Any]:
    """The JSON Schema of a scenario, an event row or a creator row (JSON, as after TOML parsing),
    with the fields of ``schema``'s plugins (by default the installed plugins')."""
    schema = fields.installed() if schema is None else schema
    defs: dict[str, Any] = {}
    if kind == "scenario":
        root = _section(schema.scenario, defs)
        title, about = "creatorpay scenario (schema 1)", schema.scenario.meaning
    elif kind == "event":
        common = [(f, True) for f in schema.event.fields if f.name != "kind"]
        root = {
            "oneOf": [
                _object([*common, (_kind(schema, name), True), *((f, f.required) for f in extra)], defs)
                for name, extra in schema.kinds.items()
            ]
        }
        title, about = "creatorpay event row", f"{schema.event.meaning}, as a JSON Lines row. {schema.event.note}"
    elif kind == "creator":
        root = _section(schema.creator_row, defs)
        title, about = "creatorpay creator row", f"{schema.creator_row.meaning}, as a JSON Lines row"
    else:
        raise ValueError(f"unknown schema {kind!r}; expected one of {', '.join(KINDS)}")
    head = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{_ID}{kind}.json",
        "title": title,
        "description": about,
    }
    return {**head, **root, "$defs": dict(sorted(defs.items()))}


def _kind(schema: fields.Schema, name: str) -> Field:
    """The ``kind`` field of one event kind: that kind only."""
    kind = schema.event["kind"]
    return fields.Field(
        "kind", "choice", kind.meaning, required=True, choices=tuple(c for c in kind.choices if c.value == name)
    )


def _section(section: Section, defs: dict[str, Any]) -> dict[str, Any]:
    schema = _object([(f, f.required) for f in section.fields], defs)
    schema["description"] = section.meaning + (f". {section.note}" if section.note else "")
    for first, second in section.exclusive:
        schema["not"] = {"required": [first, second], "description": f"give either {first} or {second}, not both"}
    return schema


def _object(members: list[tuple[Field, bool]], defs: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {f.name: _field(f, defs) for f, _ in members},
        "required": [f.name for f, required in members if required],
        "additionalProperties": False,
    }


def _ref(section: Section, defs: dict[str, Any]) -> dict[str, Any]:
    if section.name not in defs:
        defs[section.name] = {}  # a placeholder while it is built
        defs[section.name] = _section(section, defs)
    return {"$ref": f"#/$defs/{section.name}"}


def _field(f: Field, defs: dict[str, Any]) -> dict[str, Any]:
    """One field's schema, with its meaning, rules and default as annotations."""
    schema = _value(f.type, f, defs)
    words = [f.meaning]
    if f.note:
        words.append(f.note)
    if f.rules:
        words.append(", ".join(f.rules))
    schema["description"] = "; ".join(w for w in words if w)
    if f.default is not None:
        try:
            schema["default"] = json.loads(f.default)
        except ValueError:
            schema["description"] += f" (default: {f.default})"
    return schema


def _value(kind: str, f: Field | None, defs: dict[str, Any]) -> dict[str, Any]:
    if kind in ("amount", "ratio", "period", "date"):
        return {"type": "string", "pattern": PATTERNS[kind], **({"format": "date"} if kind == "date" else {})}
    if kind == "id":
        return {"type": "string", "minLength": 1, "maxLength": 128, "pattern": PATTERNS["id"]}
    if kind == "text":
        return {"type": "string", "maxLength": 200}
    if kind == "bool":
        return {"type": "boolean"}
    assert f is not None
    if kind in ("count", "integer"):
        return {
            "type": "integer",
            "minimum": f.minimum or 0,
            **({"maximum": f.maximum} if f.maximum is not None else {}),
        }
    if kind == "choice":
        return {
            "type": "string",
            "enum": list(f.values),
            "oneOf": [{"const": c.value, "description": c.meaning} for c in f.choices],
        }
    if kind == "table":
        assert f.section is not None
        return _ref(f.section, defs)
    if kind == "tables":
        assert f.section is not None
        return {"type": "array", "items": _ref(f.section, defs), **({"minItems": f.minimum} if f.minimum else {})}
    # a map: listed keys to values of one type, or any key to a table of a section (or to any table)
    if f.choices:
        assert f.value is not None
        return {
            "type": "object",
            "additionalProperties": False,
            "properties": {c.value: {**_value(f.value, None, defs), "description": c.meaning} for c in f.choices},
        }
    inner = _ref(f.section, defs) if f.section is not None else {"type": "object"}
    return {"type": "object", "additionalProperties": inner}


# -- the reference page -----------------------------------------------------------------------------

_INTRO = """\
# The scenario format (schema 1)

<!-- Generated from core/fields.py by `creatorpay schema scenario --format markdown -o docs/scenario.md`:
     edit the definitions, not this page. -->

A scenario is one creator's month of work, described once and settled on every platform. It is TOML
(or the same structure as JSON or a Python dict); the files in `examples/` are written in it.
`creatorpay schema scenario` prints its JSON Schema (draft 2020-12) for editors and other tools, and
`creatorpay validate FILE` checks a file. The format may only grow compatibly: a key not listed here is
an input error, except inside `[ext.<plugin>]`. Every value is checked before anything is settled
(CORE-INPUT-01); an error names the file, the field path (0-based: `orders[0].participants[2].agreed`)
and what was expected.

```toml
schema = 1
period = "2026-10"

[creator]
id = "me"
followers = 120000

[[orders]]
id = "o-1"
amount = "8000.00"
stage = "published"   # paid this month; "settled" means paid in an earlier month
```
"""
_OUTRO = """\
## Operator-set parameters

Figures no source gives (traffic package sizes, a normal fee rate, budgets' later years) are set in a
rules override file (`--rules FILE`, keyed `[<platform>."<RULE-ID>"]`, checked by
`creatorpay rules validate FILE`), never in the scenario.
"""


def markdown(kind: str = "scenario", schema: fields.Schema | None = None) -> str:
    """The reference page of a format: its types, then each table's keys (with the fields of
    ``schema``'s plugins, by default the installed plugins') and each enumeration's values."""
    schema = fields.installed() if schema is None else schema
    if kind == "scenario":
        shown: set[tuple[fields.Choice, ...]] = set()
        parts = [_INTRO, _types()]
        parts += [_table(section, shown) for section in schema.sections]
        parts.append(_OUTRO)
    elif kind == "event":
        parts = [f"# The event row\n\n{schema.event.meaning.capitalize()}.\n", _types(), _table(schema.event)]
        for name, extra in schema.kinds.items():
            parts.append(_table(Section(name, f'kind = "{name}"', f"the fields of a {name} event", extra)))
        parts += [_table(schema["participant"]), _table(fields.TERMINATION)]
    elif kind == "creator":
        parts = [
            f"# The creator row\n\n{schema.creator_row.meaning.capitalize()}.\n",
            _types(),
            _table(schema.creator_row),
        ]
    else:
        raise ValueError(f"unknown schema {kind!r}; expected one of {', '.join(KINDS)}")
    return "\n".join(parts)


def _types() -> str:
    rows = "\n".join(f"| {name} | {text} |" for name, text in fields.TYPES.items())
    return f"## Types\n\n| type | how it is written |\n|---|---|\n{rows}\n"


def _table(section: Section, shown: set[tuple[fields.Choice, ...]] | None = None) -> str:
    """A table's keys, then the values of each enumeration not ``shown`` on the page already."""
    shown = set() if shown is None else shown
    title = section.heading.capitalize() if section.heading.replace(" ", "").isalpha() else f"`{section.heading}`"
    lines = [
        f"## {title}",
        "",
        f"{section.meaning[0].upper()}{section.meaning[1:]}.",
        "",
        "| key | type | required / default | rules | meaning |",
        "|---|---|---|---|---|",
    ]
    for f in section.fields:
        need = "required" if f.required else f"default {_default(f.default)}" if f.default is not None else "optional"
        meaning = f.meaning + (f"; {f.note}" if f.note else "")
        lines.append(f"| `{f.name}` | {_type(f)} | {need} | {', '.join(f.rules)} | {_cell(meaning)} |")
    for first, second in section.exclusive:
        lines += ["", f"Give either `{first}` or `{second}`, not both."]
    if section.note:
        lines += ["", section.note]
    for f in section.fields:
        if f.choices and f.choices not in shown:
            shown.add(f.choices)
            what = "key" if f.type == "map" else "value"
            lines += ["", f"{what.capitalize()}s of `{f.name}`:", "", f"| {what} | meaning |", "|---|---|"]
            lines += [f"| `{c.value}` | {_cell(c.meaning)} |" for c in f.choices]
    return "\n".join(lines) + "\n"


def _type(f: Field) -> str:
    if f.type == "count":
        low = f.minimum or 0
        return f"count from {low} to {f.maximum:,}" if f.maximum is not None else f"count ≥ {low}"
    if f.type == "integer":
        return f"integer `{f.minimum}`" if f.minimum == f.maximum else "integer"
    if f.type == "text":
        return "text ≤ 200"
    if f.type == "choice":
        return " \\| ".join(f"`{v}`" for v in f.values)
    if f.type in ("table", "tables"):
        assert f.section is not None
        what = "table" if f.type == "table" else "list of tables"
        return f"{what}, see `{f.section.heading}`"
    if f.type == "map":
        if f.choices:
            return f"table of {f.key.lower()} → {f.value}"
        if f.section is not None:
            return f"table of name → `{f.section.heading}`"
        return "table of plugin → table"
    return f.type


def _default(text: str) -> str:
    """A default as code when it is a value (``"0.00"``, ``false``), else as words."""
    try:
        json.loads(text)
    except ValueError:
        return _cell(text)
    return f"`{text}`"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a pipe escaped."""
    return text.replace("|", "\\|")


# -- the command ------------------------------------------------------------------------------------


@click.command()
@click.argument("kind", type=click.Choice(KINDS), default="scenario", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "markdown"]),
    default="json",
    show_default=True,
    help="JSON Schema (draft 2020-12), or the reference page in Markdown.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write here, not stdout (whole or not at all).",
)
def schema(kind: str, fmt: str, output: Path | None) -> None:
    """The input format of a scenario, a batch event row or a creator row.

    \b
    Examples:
      creatorpay schema scenario -o scenario.schema.json
      creatorpay schema event --format markdown
    """
    from .common import make_engine

    found = make_engine(None).schema  # with the plugins' fields
    text = (
        json.dumps(json_schema(kind, found), ensure_ascii=False, indent=2) + "\n"
        if fmt == "json"
        else markdown(kind, found)
    )
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    write_text(output, text)
