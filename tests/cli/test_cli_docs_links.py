"""The README and docs/ stand alone: no pointer to the project's own shared folder (users do not have it),
and every relative link of the README names a file of the repository."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.helpers import ROOT

if TYPE_CHECKING:
    from pathlib import Path

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Pointers to documents that only the project's developers have.
SHARED = re.compile(r"\.\./shared|shared docs|shared/(?:SCENARIO|RULES|OUTPUT|DESIGN)\.md", re.IGNORECASE)
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
#: Pages the README links to that another branch of issue 16 writes (the scenario format, part 2a); once
#: merged they exist and are checked like every other link.
PENDING = {"docs/scenario.md"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_pointer_to_the_shared_folder(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert [m.group(0) for m in SHARED.finditer(text)] == []


def test_readme_links_name_files_of_the_repository() -> None:
    links = {m.group(1) for m in LINK.finditer((ROOT / "README.md").read_text(encoding="utf-8"))}
    local = {link for link in links if "://" not in link}
    assert {
        "docs/cli.md",
        "docs/batch.md",
        "docs/output.md",
        "docs/writing-a-plugin.md",
        "docs/rules.md",
        *PENDING,
    } <= local
    missing = sorted(link for link in local if not (ROOT / link).exists() and link not in PENDING)
    assert missing == []
