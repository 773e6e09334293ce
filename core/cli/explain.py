"""``creatorpay explain``: every line of a statement with its rule, computation and provenance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..engine import Engine, Report, document_header
from ..files import check_outputs
from ..money import grouped
from ..scenario import load_scenario
from . import show_long
from .common import (
    check_platforms,
    document_to,
    exit_if_failed,
    make_engine,
    output_option,
    platform_option,
    rules_option,
)

if TYPE_CHECKING:
    from ..rules import Rule
    from ..statement import Statement


@click.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@platform_option
@rules_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@output_option
def explain(scenario: Path, platforms: tuple[str, ...], rules: Path | None, fmt: str, output: Path | None) -> None:
    """Explain each line: rule ID, payer → payee, base × rate = amount, label and source.

    Lines computed from an unverified figure are flagged with "!" (the rulebook's label
    "unverified": commonly cited, not confirmed by a source). Long text goes through a pager on a
    terminal (PAGER; --no-pager to print it all).

    \b
    Examples:
      creatorpay explain examples/food-vlogger.toml --platform xingtu
      creatorpay explain examples/live-anchor.toml --format json
    """
    inputs = [("SCENARIO", scenario), ("--rules", rules)]
    check_outputs([("--output", output)], inputs)  # before anything is settled
    engine = make_engine(rules)
    report = engine.compare(load_scenario(scenario, schema=engine.schema), check_platforms(engine, platforms))
    with document_to(output, inputs):
        if fmt == "json":
            click.echo(json.dumps(explained_document(engine, report), ensure_ascii=False, indent=2))
        else:
            lines: list[str] = []
            for index, statement in enumerate(report.results):
                if index:
                    lines.append("")
                lines.extend(explain_text(engine, statement))
            show_long(lines)
    exit_if_failed((str(scenario), s) for s in report.results)


def rule_index(engine: Engine) -> dict[str, Rule]:
    """Every rule of every loaded rule book by ID (platform, core, adjustments)."""
    return {rule_id: rule for book in engine.rulebooks.values() for rule_id, rule in book.rules.items()}


def explained_document(engine: Engine, report: Report) -> dict[str, object]:
    """The document ``compare --format json`` writes (schema header, results, notices), each line
    explained: one shape for every JSON output (docs/output.md)."""
    return {
        **document_header(report.scenario),
        "results": [explained(engine, s) for s in report.results],
        "notices": list(report.notices),
    }


def explained(engine: Engine, statement: Statement) -> dict[str, object]:
    """The statement's JSON with each line's rule title, label and source added."""
    index = rule_index(engine)
    data = statement.to_dict()
    for line in data["lines"]:
        rule = index.get(line["rule"])
        line["rule_title"] = rule.title if rule else ""
        line["source"] = rule.source if rule else ""
        line["flagged"] = line["label"] == "unverified"
    return data


def explain_text(engine: Engine, statement: Statement) -> list[str]:
    from .render import explain_line

    index = rule_index(engine)
    out = [f"{statement.platform} — {statement.title}: {statement.status}"]
    if statement.error:
        out.append(f"  {statement.error}")
        return out
    for line in statement.lines:
        rule = index.get(line.rule)
        source = f"{rule.source}" if rule else "(rule not in any loaded rule file)"
        out.append(explain_line(line, source, line.label == "unverified"))
    out.append(
        f"  net {grouped(statement.net)}   " + "   ".join(f"{k} {grouped(v)}" for k, v in statement.totals.items() if v)
    )
    if any(line.label == "unverified" for line in statement.lines):
        out.append("  ! computed from an unverified figure (commonly cited, not confirmed by a source)")
    sections = (
        (
            "traffic (never cash)",
            [
                f"{t.rule}: {t.impressions:,} impressions, {t.matched_users:,} matched users"
                f"{' - ' + t.note if t.note else ''}"
                for t in statement.traffic_items
            ],
        ),
        ("not applied", [f"{n.rule}: {n.reason}" for n in statement.not_applied]),
        ("not offered", [f"{n.activity}: {n.reason}" for n in statement.not_offered]),
        (
            "violations",
            [
                f"{v.rule}{' order ' + v.order if v.order else ''}"
                f"{' (' + v.participant + ')' if v.participant else ''}: {v.message}"
                for v in statement.violations
            ],
        ),
        ("pending", [f"{p.order}: {p.reason}" for p in statement.pending]),
        ("facts", [f"{k}: {v}" for k, v in statement.facts.items()]),
    )
    for title, items in sections:
        if items:
            out.append(f"  {title}:")
            out.extend(f"    {item}" for item in items)
    return out
