"""docs/rules.md, the rulebook as users read it, generated from the built-in rule files.

Every rule ID with its title, label, source (the full citation), parameters (type, constraints,
meaning) and values by effective date. Generated, never edited by hand, so it cannot drift from
the rule files; a test fails when it is stale::

    python -m creatorpay.core.rulesdoc --output docs/rules.md     # regenerate
    python -m creatorpay.core.rulesdoc --check docs/rules.md      # exit 1 when stale
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .errors import RuleFileError
from .rules import ParamSpec, Rule, RuleBook, load_rule_file

if TYPE_CHECKING:
    from collections.abc import Sequence

#: The command that regenerates docs/rules.md, as the stale test and the page itself name it.
REGENERATE = "python -m creatorpay.core.rulesdoc --output docs/rules.md"

_LABELS = (
    ("source", "a document says so; implemented as written"),
    (
        "interpretation",
        "the document is ambiguous or silent; creatorpay implements the reading the rule's title and source state",
    ),
    ("unverified", "a commonly cited figure no document confirms; shipped as a default, flagged `!` by explain"),
    ("operator-set", "no public figure: you set it in a rules override file (`--rules`), or the rule is not applied"),
)


def builtin_rule_files() -> list[tuple[str, Path]]:
    """The core's rule file, then each built-in plugin's, by name (the package's own, not installed plugins)."""
    core = Path(__file__).resolve().parent
    plugins = core.parent / "plugins"
    found = [("core", core / "rules.toml")]
    found += sorted((d.name, d / "rules.toml") for d in plugins.iterdir() if (d / "rules.toml").is_file())
    return found


def builtin_books() -> list[RuleBook]:
    """The built-in rule files, loaded and checked."""
    return [load_rule_file(path, name) for name, path in builtin_rule_files()]


def render(books: Sequence[RuleBook]) -> str:
    """The markdown page of ``books``: a contents list, then each book's sources and rules."""
    out = [
        "# The rulebook",
        "",
        f"<!-- Generated from the rule files by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "Every rule creatorpay applies, as its rule files declare it: the rule's label, its source, its",
        "parameters and their values by effective date. A month is settled under the versions in force on",
        "its first day (CORE-DATE-01). `creatorpay rules show PLATFORM --at DATE` prints the versions in",
        "force at a date with any override applied; `creatorpay explain` cites these rules line by line.",
        "",
        "Labels, strongest first:",
        "",
        *[f"- `{label}`: {meaning}." for label, meaning in _LABELS],
        "",
        "Contents: " + ", ".join(f"[{book.platform}](#{book.platform})" for book in books) + ".",
    ]
    for book in books:
        out += ["", *_book(book)]
    return "\n".join(out) + "\n"


def _book(book: RuleBook) -> list[str]:
    rules = sorted(book.rules.values(), key=lambda r: r.id)
    out = [f"## {book.platform}", "", f"{len(rules)} rules: " + ", ".join(f"`{r.id}`" for r in rules) + "."]
    if book.sources:
        out += ["", "Sources:", ""]
        out += [f"- `{key}`: {_cell(citation)}" for key, citation in sorted(book.sources.items())]
    for rule in rules:
        out += ["", *_rule(rule)]
    return out


def _rule(rule: Rule) -> list[str]:
    out = [f"### {rule.id}: {_cell(rule.title)}", "", f"- Label: `{rule.label}`", f"- Source: {_cell(rule.source)}"]
    if not rule.params:
        out.append(
            "- In force: " + "; ".join(_when(v.effective_from, v.effective_to, v.version_label) for v in rule.versions)
        )
        return out
    out += ["", "| Parameter | Type | Constraints | Meaning |", "| --- | --- | --- | --- |"]
    for spec in rule.params.values():
        label = f" ({spec.label})" if spec.label else ""
        out.append(
            f"| `{spec.name}` | {_type(spec)}{label} | {_cell(constraint_text(spec)) or '-'} "
            f"| {_cell(spec.doc) or '-'} |"
        )
    heads = [_when(v.effective_from, v.effective_to, v.version_label) for v in rule.versions]
    out += ["", "| Values | " + " | ".join(heads) + " |", "| --- |" + " --- |" * len(heads)]
    for name in rule.params:
        out.append(f"| `{name}` | " + " | ".join(_cell(_value(v.params.get(name))) for v in rule.versions) + " |")
    return out


def _when(start: dt.date, end: dt.date | None, label: str | None) -> str:
    text = f"from {start.isoformat()}" + (f" to {end.isoformat()}" if end else "")
    return text + (f" ({label})" if label else "")


def _type(spec: ParamSpec) -> str:
    return f"choice of {', '.join(spec.choices)}" if spec.type == "choice" else spec.type


def _value(value: object) -> str:
    if value is None:
        return "unset (operator-set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _cell(text: str) -> str:
    """``text`` safe in a markdown table cell or list item: no pipe or line break ends it early."""
    return text.replace("|", "\\|").replace("\n", " ")


def constraints(spec: ParamSpec) -> dict[str, Any]:
    """What a value of the parameter must meet, as the rule file declares it (only those set)."""
    found: dict[str, Any] = {}
    for key in ("min", "max"):
        bound = getattr(spec, key)
        if bound is not None:
            found[key] = str(bound)
    if spec.positive:
        found["positive"] = True
    if spec.increasing:
        found["increasing"] = True
    if spec.length_of is not None:
        found["length"] = {"of": spec.length_of, "plus": spec.length_plus}
    if spec.above is not None:
        found["above"] = spec.above
    return found


def limit_text(key: str, given: Any) -> str:
    """A constraint as text, e.g. ``min 1`` or ``length of bracket_tops + 1``."""
    if key == "length":
        return f"length of {given['of']}" + (f" + {given['plus']}" if given["plus"] else "")
    return key if given is True else f"{key} {given}"


def constraint_text(spec: ParamSpec) -> str:
    """Every constraint of the parameter as text, ``; ``-separated; empty when it has none."""
    return "; ".join(limit_text(key, given) for key, given in constraints(spec).items())


def _stale(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") != text
    except OSError:
        return True


@click.command()
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write the page to FILE (default: standard output).",
)
@click.option(
    "--check",
    "check",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Exit 1 when FILE differs from the page the rule files give.",
)
def main(output: Path | None, check: Path | None) -> None:
    """Generate docs/rules.md from the built-in rule files."""
    try:
        text = render(builtin_books())
    except RuleFileError as exc:  # a packaged rule file is ours: broken, it is a failure, not bad input
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if check is not None:
        if _stale(check, text):
            click.echo(f"{check} is stale: regenerate it with {REGENERATE}", err=True)
            sys.exit(1)
        click.echo(f"ok: {check} is current")
    elif output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


if __name__ == "__main__":
    main()
