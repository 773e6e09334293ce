"""docs/rules.md is generated from the rule files, complete against the rulebook, and no output, doc
or rule file names a file a user cannot read (issue 16)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from creatorpay.core.rulesdoc import REGENERATE, builtin_books, builtin_rule_files, main, render
from tests.helpers import ROOT

if TYPE_CHECKING:
    from pathlib import Path

DOC = ROOT / "docs" / "rules.md"
#: The rulebook the project works from: beside the repository in development and CI, absent from
#: the wheel and from a user's clone.
RULEBOOK = ROOT.parent / "shared" / "RULES.md"
RULE_ID = re.compile(r"\b(?:CORE|XT|NE|WC|CN)-[A-Z]+-\d{2}\b")
#: What a user cannot read: our names for the source documents, and our own rulebook.
UNREADABLE = re.compile(r"\b[0-9]{3}_[0-9a-f]{16}\.txt\b|RULES\.md")


def test_docs_rules_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(builtin_books()), (
        f"docs/rules.md is stale: regenerate it with `{REGENERATE}` and commit it"
    )


def test_every_rule_id_of_the_rulebook_is_in_docs_rules_md() -> None:
    if not RULEBOOK.is_file():
        pytest.skip(f"no rulebook at {RULEBOOK} (the wheel and a user's clone have none; CI has it)")
    documented = set(re.findall(r"^### ([A-Z]+-[A-Z]+-\d{2}):", DOC.read_text(encoding="utf-8"), re.M))
    missing = sorted(set(RULE_ID.findall(RULEBOOK.read_text(encoding="utf-8"))) - documented)
    assert not missing, f"rule IDs of the rulebook missing from docs/rules.md: {', '.join(missing)}"


def test_every_rule_of_the_rule_files_is_documented_with_its_source() -> None:
    text = DOC.read_text(encoding="utf-8")
    for book in builtin_books():
        assert f"\n## {book.platform}\n" in text
        for rule in book.rules.values():
            assert f"\n### {rule.id}: " in text
            assert f"- Source: {rule.source}\n" in text.replace("\\|", "|")


@pytest.mark.parametrize("folder", ["docs", "tests/cli/golden", "core", "plugins"])
def test_no_output_doc_or_rule_file_names_a_file_users_cannot_read(folder: str) -> None:
    """Sources are cited by title (a [sources] table), never by our file names or our rulebook."""
    suffixes = {
        "docs": (".md",),
        "tests/cli/golden": (".txt", ".json", ".csv"),
        "core": ("rules.toml", ".tmpl", ".md"),
        "plugins": ("rules.toml",),
    }[folder]
    files = [p for p in (ROOT / folder).rglob("*") if p.is_file() and p.name.endswith(suffixes)]
    assert files
    named = [
        f"{p.relative_to(ROOT)}:{n}: {m.group(0)}"
        for p in files
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        for m in UNREADABLE.finditer(line)
    ]
    assert not named, "\n".join(named)


def test_the_rule_files_found_are_the_packaged_ones() -> None:
    names = [name for name, _ in builtin_rule_files()]
    assert names == ["core", "cn_tax", "netease", "wechat_channels", "xingtu"]


def test_check_names_the_regeneration_command_when_stale(tmp_path: Path) -> None:
    stale = tmp_path / "rules.md"
    stale.write_text("# old\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--check", str(stale)])
    assert result.exit_code == 1 and REGENERATE in result.output
    written = tmp_path / "new.md"
    assert CliRunner().invoke(main, ["--output", str(written)]).exit_code == 0
    assert CliRunner().invoke(main, ["--check", str(written)]).exit_code == 0


def test_a_rule_shows_its_parameters_and_values_by_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### NE-BASE-01:")[1].split("\n### ")[0]
    assert "| `floor` | amount | - |" in section
    assert "| Values | from 2021-12-25 | from 2022-12-25 (unverified) |" in section
    assert "| `floor` | 10000.00 | 10000.00 |" in section
    assert "| `bracket_rates` | ratios | increasing; length of bracket_tops + 1 |" in text
