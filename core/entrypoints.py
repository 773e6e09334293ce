"""Installed plugins' entry points, read from their distributions' files.

``importlib.metadata`` costs about 20 ms to import (it pulls in email, zipfile and csv): a third of
the command line's start-up budget (docs/performance.md). An installed distribution's entry points are
a plain INI file, ``<name>-<version>.dist-info/entry_points.txt`` in a ``sys.path`` folder (the wheel
and PEP 376 layout, also used by editable installs), so they are read here: only a file naming the
group is parsed, its plain ``name = value`` lines directly, anything else with configparser. A
``sys.path`` entry that is not a folder (a zip file) falls back to ``importlib.metadata``.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator


class EntryPoint:
    """``name = module[:attribute]`` in a group, and the distribution that declares it.

    A plain class: every command reads its plugins' entry points at start, where attrs would build
    this class for about 1M instructions (docs/performance.md, "Start-up")."""

    __slots__ = ("distribution", "name", "value", "version")

    def __init__(self, name: str, value: str, distribution: str | None = None, version: str | None = None) -> None:
        self.name = name
        self.value = value
        self.distribution = distribution
        self.version = version

    def __repr__(self) -> str:
        return (
            f"EntryPoint(name={self.name!r}, value={self.value!r}, "
            f"distribution={self.distribution!r}, version={self.version!r})"
        )

    def load(self) -> object:
        """Import the module and return the object named by the entry point."""
        module, _, attribute = self.value.partition(":")
        target: object = importlib.import_module(module.strip())
        for part in attribute.strip().split(".") if attribute.strip() else ():
            target = getattr(target, part)
        return target


def entry_points(group: str, path: Iterable[str] | None = None) -> list[EntryPoint]:
    """Every entry point of ``group``; a distribution found twice counts once, the first on the path."""
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for entry in sys.path if path is None else path:
        folder = entry or "."
        if os.path.isdir(folder):
            found.extend(_from_folder(folder, group, seen))
        elif os.path.isfile(folder):
            found.extend(_from_archive(folder, group, seen))
    return found


#: The endings of installed distributions' metadata folders (the wheel's, and setuptools' older one).
_METADATA = (".dist-info", ".egg-info")


def _from_folder(folder: str, group: str, seen: set[str]) -> Iterator[EntryPoint]:
    try:
        with os.scandir(folder) as scan:
            # Only metadata folders are sorted and looked at: a folder such as the standard library's
            # holds hundreds of other entries, and this runs at every command's start.
            names = sorted([item.name for item in scan if item.name.endswith(_METADATA) and item.is_dir()])
    except OSError:
        return
    for entry in names:
        name, _, version = entry.rpartition(".")[0].partition("-")
        key = name.lower().replace("-", "_").replace(".", "_")
        if key in seen:
            continue
        seen.add(key)
        # A distribution without entry points has no file: _parse's open fails, and it yields none.
        yield from _parse(os.path.join(folder, entry, "entry_points.txt"), group, name, version or None)


def _parse(file: str, group: str, distribution: str, version: str | None) -> Iterator[EntryPoint]:
    try:
        with open(file, encoding="utf-8") as stream:
            text = stream.read()
    except (OSError, UnicodeDecodeError):
        return
    if f"[{group}]" not in text:  # most distributions: no plugin, nothing to parse
        return
    pairs = _plain_section(text, group)
    if pairs is None:
        pairs = _configparser_section(text, group)
    for name, value in pairs.items():
        yield EntryPoint(name, value, distribution, version)


def _plain_section(text: str, group: str) -> dict[str, str] | None:
    """The ``name = value`` lines of ``[group]``, read as configparser reads them (comments and blank
    lines skipped, the last value of a name given twice); None when a line is of another form (a
    continuation line, no ``=``), left to configparser. Importing configparser and building a parser
    per file cost more than the rest of the command's plugin loading."""
    found: dict[str, str] = {}
    inside = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if stripped[0] == "[":
            if stripped[-1] != "]":
                return None
            inside = stripped == f"[{group}]"
        elif inside:
            if line[0].isspace() or "=" not in stripped:
                return None
            name, _, value = stripped.partition("=")
            found[name.rstrip()] = value.strip()
    return found


def _configparser_section(text: str, group: str) -> dict[str, str]:
    """``[group]`` read by configparser, for what :func:`_plain_section` leaves to it."""
    from configparser import ConfigParser, Error

    parser = ConfigParser(delimiters=("=",), interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment, method-assign]  # names are case-sensitive
    try:
        parser.read_string(text)
    except Error:
        return {}
    return {name: value.strip() for name, value in parser.items(group)} if parser.has_section(group) else {}


def _from_archive(archive: str, group: str, seen: set[str]) -> Iterator[EntryPoint]:
    """Distributions inside a zip file on sys.path: rare, so the standard library reads them."""
    from importlib import metadata

    for dist in metadata.distributions(path=[archive]):
        key = dist.metadata["Name"].lower().replace("-", "_").replace(".", "_")
        if key in seen:
            continue
        seen.add(key)
        for ep in dist.entry_points.select(group=group):
            yield EntryPoint(ep.name, ep.value, dist.metadata["Name"], dist.version)
