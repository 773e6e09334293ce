"""``creatorpay validate``: input errors (exit 2) and rule violations (exit 1), nothing else."""

from __future__ import annotations

from pathlib import Path

import click

from ..scenario import load_scenario
from .common import check_platforms, exit_if_failed, make_engine, platform_option, rules_option


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@platform_option
@rules_option
def validate(scenarios: tuple[Path, ...], platforms: tuple[str, ...], rules: Path | None) -> None:
    """Check scenarios: exit 2 on an input error, 1 on a rule violation or a plugin failure, 0 when clean.

    \b
    Example:
      creatorpay validate examples/co-creation-terminated.toml
    """
    engine = make_engine(rules)
    chosen = check_platforms(engine, platforms)
    found = 0
    settled = []
    for path in scenarios:
        report = engine.compare(load_scenario(path), chosen)
        for statement in report.results:
            settled.append((str(path), statement))
            for v in statement.violations:
                found += 1
                order = f" order {v.order}" if v.order else ""
                click.echo(f"{path}: {statement.platform}: {v.rule}{order}: {v.message}")
    if found:
        click.echo(f"{found} violation{'s' if found != 1 else ''}")
    exit_if_failed(settled)
    if found:
        raise click.exceptions.Exit(1)
    click.echo(f"ok: {len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''}, no violations")
