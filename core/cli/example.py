"""``creatorpay example``: the bundled example scenarios, listed or printed, so that an installed wheel has a
scenario to start from. They are the files of ``examples/`` in the source tree, installed as package data of
``creatorpay.examples`` (one copy: the tests and the README use the same files).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import InputError
from ..files import STDIN, check_outputs, write_text

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

#: The package whose data files are the examples.
PACKAGE = "creatorpay.examples"
#: The file name ending of an example; its name is the file name without it.
SUFFIX = ".toml"


def bundled() -> dict[str, Traversable]:
    """Each bundled example by name (``food-vlogger``), in name order."""
    found = {
        item.name.removesuffix(SUFFIX): item
        for item in resources.files(PACKAGE).iterdir()
        if item.name.endswith(SUFFIX) and item.is_file()
    }
    return dict(sorted(found.items()))


def description(text: str) -> str:
    """An example's one-line description: the first line of the comment that opens the file."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        if stripped.lstrip("#").strip():
            return stripped.lstrip("#").strip()
    return ""


def read(name: str) -> str:
    """The text of the bundled example ``name`` (``food-vlogger`` or ``food-vlogger.toml``); an unknown name
    is bad input naming the examples there are."""
    examples = bundled()
    item = examples.get(name.removesuffix(SUFFIX))
    if item is None:
        raise InputError.one(
            "NAME",
            "",
            f"no bundled example {name!r}; the examples are: {', '.join(examples)} (`creatorpay example` lists them)",
        )
    return item.read_text(encoding="utf-8")


@click.command()
@click.argument("name", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write the example to FILE (whole or not at all) instead of standard output.",
)
def example(name: str | None, output: Path | None) -> None:
    """List the bundled example scenarios, or print the one called NAME.

    Each example is a complete scenario, commented key by key (meaning, unit, the rule it feeds), to copy
    and edit.

    \b
    Examples:
      creatorpay example
      creatorpay example food-vlogger > scenario.toml && creatorpay compare scenario.toml
      creatorpay example live-anchor -o anchor.toml
    """
    if name is None:
        if output is not None:
            raise click.UsageError("-o FILE needs an example NAME; run `creatorpay example` to list them")
        examples = bundled()
        width = max((len(n) for n in examples), default=0)
        for example_name, item in examples.items():
            click.echo(f"{example_name:<{width}}  {description(item.read_text(encoding='utf-8'))}")
        click.echo(
            "\nPrint one with `creatorpay example NAME > scenario.toml`, then `creatorpay compare scenario.toml`."
        )
        return
    text = read(name)
    if output is None or str(output) == STDIN:
        click.echo(text.encode("utf-8"), nl=False)  # bytes: UTF-8 whatever the terminal's encoding
        return
    source = bundled()[name.removesuffix(SUFFIX)]
    if isinstance(source, Path):
        check_outputs([("-o", output)], [("the bundled example", source)])
    write_text(output, text)
