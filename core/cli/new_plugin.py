"""``creatorpay new-plugin``: write a new platform plugin package from the templates in ``core/scaffold/``.

The package installs and passes its own tests unchanged: a ``pyproject.toml`` with the ``creatorpay``
entry point, the hook module, a rule file with one fictional rule, a README, and tests (the
conformance suite of :mod:`creatorpay.testing` and one hand-computed test).
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
import unicodedata
from importlib import metadata, resources
from pathlib import Path
from string import Template

import click

from ..errors import InputError
from ..files import write_text

NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
PREFIX = re.compile(r"^[A-Z]{1,16}$")
TITLE = re.compile(r'[^"\\$]{1,40}')
#: Unicode categories a title may not hold: control characters (they are invalid in TOML strings and
#: comments), line and paragraph separators, surrogates (bytes that are not UTF-8).
TITLE_REFUSED = ("Cc", "Zl", "Zp", "Cs")
#: Names the core registers itself.
RESERVED = ("core",)
#: Output path (``$name``, ``$module`` substituted) -> template in core/scaffold/ (None: an empty file).
FILES: dict[str, str | None] = {
    "pyproject.toml": "pyproject.toml.tmpl",
    "README.md": "README.md.tmpl",
    ".gitignore": "gitignore.tmpl",
    "src/$module/__init__.py": "plugin.py.tmpl",
    "src/$module/rules.toml": "rules.toml.tmpl",
    "src/$module/py.typed": None,
    "tests/test_${name}_conformance.py": "test_conformance.py.tmpl",
    "tests/test_${name}_rules.py": "test_rules.py.tmpl",
    "examples/month.toml": "month.toml.tmpl",
}


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a platform name, or None. It becomes the entry-point name, the key of
    ``[platform.<name>]`` and the module ``creatorpay_<name>``."""
    if not NAME.match(name) or name.endswith("_") or "__" in name:
        return (
            f"expected a platform name: 2-40 lowercase letters, digits and single underscores, starting "
            f"with a letter (it becomes the entry-point name and the module creatorpay_<name>), found {name!r}"
        )
    if keyword.iskeyword(name) or name in RESERVED:
        return f"{name!r} is reserved; choose another platform name"
    for ep in metadata.entry_points(group="creatorpay"):
        if ep.name == name:
            dist = ep.dist.name if ep.dist else "an installed package"
            return f"a plugin named {name!r} is already installed (from {dist}); choose another platform name"
    return None


def values(name: str, title: str | None = None, prefix: str | None = None) -> dict[str, str]:
    """The template values for a platform ``name``."""
    from .. import __version__

    letters = re.sub(r"[^a-z]", "", name).upper()[:16]
    return {
        "name": name,
        "module": f"creatorpay_{name}",
        "dist": f"creatorpay-{name.replace('_', '-')}",
        "title": title or name.replace("_", " ").title(),
        "prefix": prefix or letters,
        "camel": "".join(part.title() for part in name.split("_")),
        "core_version": __version__,
    }


def scaffold(directory: Path, fields: dict[str, str]) -> list[Path]:
    """Write the package into ``directory``, which must not exist or be an empty folder (as cargo and
    poetry accept); returns the files written. On failure nothing it wrote is left behind."""
    templates = resources.files("creatorpay.core").joinpath("scaffold")
    existed = directory.is_dir() and not directory.is_symlink()
    if existed and any(directory.iterdir()):
        raise InputError.one(
            str(directory),
            "",
            "is not empty; creatorpay new-plugin never overwrites: choose another --dir, or an empty folder",
        )
    try:
        directory.mkdir(parents=True, exist_ok=existed)
    except OSError as exc:
        raise InputError.one(str(directory), "", f"cannot create the directory: {exc.strerror or exc}") from None
    written: list[Path] = []
    try:
        for target, source in FILES.items():
            path = directory / Template(target).substitute(fields)
            path.parent.mkdir(parents=True, exist_ok=True)
            text = "" if source is None else Template(templates.joinpath(source).read_text("utf-8")).substitute(fields)
            write_text(path, text)  # whole or not at all
            written.append(path)
    except BaseException:
        if existed:  # the user's empty folder stays, empty again
            for child in list(directory.iterdir()):
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        else:
            shutil.rmtree(directory, ignore_errors=True)  # never leave half a package behind
        raise
    return written


@click.command("new-plugin")
@click.argument("name")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Directory for the package (default: ./creatorpay-NAME); must not exist or be empty.",
)
@click.option("--title", help="The platform's display name (default: from NAME, e.g. Acme).")
@click.option("--prefix", help="Capital letters that start the plugin's rule IDs (default: NAME's letters, e.g. ACME).")
def new_plugin(name: str, directory: Path | None, title: str | None, prefix: str | None) -> None:
    """Write a new platform plugin package NAME that installs and passes its own tests.

    It has the creatorpay entry point, a hook module, a rule file with one FICTIONAL rule to replace,
    a README and tests (the conformance suite and a hand-computed figure). Guide:
    docs/writing-a-plugin.md.

    \b
    Examples:
      creatorpay new-plugin acme
      creatorpay new-plugin kuaishou --dir plugins/creatorpay-kuaishou --title Kuaishou --prefix KS
    """
    problem = name_problem(name)
    if problem:
        raise click.BadParameter(problem, param_hint="NAME")
    if prefix is not None and not PREFIX.match(prefix):
        raise click.BadParameter(f"expected 1-16 capital letters such as KS, found {prefix!r}", param_hint="--prefix")
    if title is not None and (
        not TITLE.fullmatch(title) or any(unicodedata.category(ch) in TITLE_REFUSED for ch in title)
    ):
        raise click.BadParameter(
            f"expected 1-40 characters without quotes, backslashes, $ or control characters "
            f"(tabs, line breaks, escapes), found {title!r}",
            param_hint="--title",
        )
    fields = values(name, title, prefix)
    target = directory if directory is not None else Path(fields["dist"])
    if target.is_symlink() and not target.exists():
        raise InputError.one(
            str(target),
            "",
            f"is a symbolic link to {os.readlink(target)}, which does not "
            f"exist; creatorpay new-plugin creates a new directory: choose "
            f"another --dir or remove the link",
        )
    if target.exists() and not (target.is_dir() and not target.is_symlink() and not any(target.iterdir())):
        raise InputError.one(
            str(target),
            "",
            "already exists and is not an empty folder; creatorpay new-plugin "
            "never overwrites: choose another --dir, or an empty folder",
        )
    written = scaffold(target, fields)
    click.echo(
        f"created {target}/ with {len(written)} files: platform {name!r}, module {fields['module']}, "
        f"rules {fields['prefix']}-*"
    )
    click.echo("next:")
    click.echo(f"  cd {target}")
    click.echo("  python -m pip install -e '.[test]'")
    click.echo("  python -m pytest")
    click.echo(f"  creatorpay compare examples/month.toml     # {name} beside the other platforms")
    click.echo(f"  replace the FICTIONAL rule {fields['prefix']}-TIP-01 in src/{fields['module']}/rules.toml")
