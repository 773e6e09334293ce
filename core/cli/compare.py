"""``creatorpay compare``: one scenario's payouts on several platforms, side by side."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import click

from ..engine import Engine, Report
from ..scenario import load_scenario


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--platform", "platforms", multiple=True, metavar="NAME",
              help="Platform to settle on (repeatable; default: all loaded).")
@click.option("--rules", type=click.Path(path_type=Path), help="Rules override file (TOML).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def compare(scenarios: tuple[Path, ...], platforms: tuple[str, ...], rules: Path | None, fmt: str) -> None:
    """Compare payouts for the same month of work across platforms.

    Example: creatorpay compare examples/food-vlogger.toml --format json
    """
    engine = Engine(rules=rules)
    reports = [engine.compare(load_scenario(path), platforms or None) for path in scenarios]
    if fmt == "json":
        documents = [r.to_dict() for r in reports]
        payload = documents[0] if len(documents) == 1 else documents
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    from .render import print_table

    for report in reports:
        print_table(report)


__all__ = ["Decimal", "Report", "compare"]
