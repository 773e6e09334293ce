"""A rule file's [sources] table: each rule's source names a key, printed as the full citation
(publisher, document, date) by ``rules show``, ``explain`` and docs/rules.md (issue 16)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import RuleFileError
from creatorpay.core.checks import parse_toml
from creatorpay.core.cli import cli
from creatorpay.core.rules import RuleBook, parse_rule_book
from creatorpay.core.rulesdoc import builtin_books
from tests.helpers import examples

RULES = """
[sources]
handbook = 'Acme (艾克米), "Creator handbook" (2026-06-15)'
reading = "our reading"

[rules."FK-TIP-01"]
title = "A fake rule"
label = "interpretation"
source = "{handbook}, §4; share: {reading}"
[[rules."FK-TIP-01".versions]]
effective_from = 2022-01-01
"""


def book(text: str) -> RuleBook:
    return parse_rule_book(parse_toml(text, "fake.toml"), "fake", "fake.toml")


def problems(text: str) -> str:
    with pytest.raises(RuleFileError) as caught:
        book(text)
    return str(caught.value)


def test_a_source_key_is_printed_as_its_full_citation() -> None:
    rule = book(RULES).rules["FK-TIP-01"]
    assert rule.source == 'Acme (艾克米), "Creator handbook" (2026-06-15), §4; share: our reading'
    assert rule.cites == ("handbook", "reading")
    assert dict(book(RULES).sources) == {
        "handbook": 'Acme (艾克米), "Creator handbook" (2026-06-15)',
        "reading": "our reading",
    }


def test_a_rule_file_without_sources_keeps_its_plain_source_text() -> None:
    plain = RULES.split('[rules."FK-TIP-01"]')[1].replace("{handbook}, §4; share: {reading}", "a test")
    rule = book('[rules."FK-TIP-01"]' + plain).rules["FK-TIP-01"]
    assert (rule.source, rule.cites) == ("a test", ())


def test_an_unknown_source_key_names_the_rule_and_the_keys() -> None:
    text = problems(RULES.replace("{reading}", "{readin}"))
    assert 'fake.toml: rules."FK-TIP-01".source: cites {readin}, which is not a key of [sources]' in text
    assert "its keys are: handbook, reading" in text


def test_a_source_never_cited_is_an_error() -> None:
    text = problems(RULES.replace('reading = "our reading"', 'reading = "our reading"\nunused = "A book"'))
    assert "fake.toml: sources.unused: cited by no rule" in text


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("{handbook, §4", "expected each { to close with }"),
        ("handbook}, §4 {reading}", "expected each { to close with }"),
    ],
)
def test_an_unbalanced_brace_is_an_error(source: str, found: str) -> None:
    assert found in problems(RULES.replace("{handbook}, §4; share: {reading}", source))


@pytest.mark.parametrize(
    ("entry", "found"),
    [
        ('Hand_Book = "x"', "sources.Hand_Book: expected a key of lowercase letters, digits and hyphens"),
        ('empty = " "', "sources.empty: expected a citation"),
        ("number = 3", "sources.number: expected a string"),
    ],
)
def test_a_bad_sources_entry_is_an_error(entry: str, found: str) -> None:
    assert found in problems(RULES.replace('reading = "our reading"', f'reading = "our reading"\n{entry}'))


@settings(max_examples=examples(40))
@given(
    citation=st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=80).filter(
        lambda t: t.strip()
    ),
    section=st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="{}"), max_size=40),
)
def test_any_citation_is_printed_verbatim_before_its_section(citation: str, section: str) -> None:
    data: dict[str, Any] = {
        "sources": {"doc": citation},
        "rules": {
            "FK-A-01": {
                "title": "t",
                "label": "source",
                "source": "{doc}" + section,
                "versions": [{"effective_from": parse_toml("d = 2022-01-01", "x")["d"]}],
            }
        },
    }
    assert parse_rule_book(data, "fake", "fake.toml").rules["FK-A-01"].source == citation + section


def test_every_builtin_rule_cites_a_source_of_its_file() -> None:
    """Every rule of every built-in rule file names its source by a [sources] key (issue 16)."""
    for loaded in builtin_books():
        for rule in loaded.rules.values():
            assert rule.cites, f"{loaded.platform} {rule.id}: its source cites no [sources] key: {rule.source}"


@pytest.mark.usefixtures("built_in_at_root")
def test_rules_show_and_explain_print_the_full_title() -> None:
    shown = CliRunner().invoke(cli, ["rules", "show", "xingtu", "--at", "2023-01-01", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    rules = {v["rule"]: v for v in json.loads(shown.output)[0]["in_force"]}
    assert rules["XT-CC-02"]["source"].startswith("Juliang Xingtu (巨量星图) co-creation order rules")
    assert rules["XT-CC-02"]["source"].endswith("§二.1 (最多不超过5个)")
    explained = CliRunner().invoke(
        cli, ["explain", "examples/live-anchor.toml", "--platform", "wechat_channels", "--format", "json"]
    )
    assert explained.exit_code == 0, explained.output
    sources = {line["rule"]: line["source"] for s in json.loads(explained.output)["results"] for line in s["lines"]}
    assert "State Taxation Administration (国家税务总局) Announcement 2025 No. 16" in sources["CN-TAX-02"]


def test_a_source_key_means_one_document_in_every_builtin_rule_file() -> None:
    """core and xingtu both cite the Xingtu co-creation rules: one key, one citation, everywhere."""
    seen: dict[str, tuple[str, str]] = {}
    for loaded in builtin_books():
        for key, citation in loaded.sources.items():
            first = seen.setdefault(key, (loaded.platform, citation))
            assert first[1] == citation, f"[sources] {key} differs between {first[0]} and {loaded.platform}"
    assert {"xingtu-cocreation", "reading", "sat-2018-61", "netease-2021", "wechat-2022"} <= set(seen)
