"""``creatorpay plugins``: every plugin found, its version, hooks and status. Never fails on a plugin."""

from __future__ import annotations

import json
import re

import click

from .common import make_engine


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def plugins(fmt: str) -> None:
    """List plugins: name, version, distribution, hooks implemented, status (loaded, blocked, failed).

    \b
    Examples:
      creatorpay plugins
      CREATORPAY_DISABLE_PLUGINS=netease creatorpay plugins --format json
    """
    engine = make_engine(None)
    reports = engine.reports
    if fmt == "json":
        click.echo(
            json.dumps([{**r.to_dict(), "distribution": project_name(r.distribution)} for r in reports], indent=2)
        )
        return
    for r in reports:
        where = f"{project_name(r.distribution)} {r.version}" if r.distribution else "registered in-process"
        click.echo(f"{r.name:<18} {r.status:<8} {where}")
        if r.hooks:
            click.echo(f"    hooks: {', '.join(r.hooks)}")
        if r.error:
            click.echo(f"    {r.error}")


def project_name(distribution: str | None) -> str | None:
    """A distribution as ``pip install`` names it (PEP 503): ``creatorpay_acme``, the form of its
    installed ``.dist-info`` folder, reads ``creatorpay-acme``."""
    return re.sub(r"[-_.]+", "-", distribution).lower() if distribution else distribution
