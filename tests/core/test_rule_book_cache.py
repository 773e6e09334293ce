"""Rule books built from the cache's record of a checked rule file (core/rules.py, core/cache.py):
the same book as the checks make, for the same bytes under the same checking code only; the plugin's
``creatorpay_check_rules`` still runs on every version (issue 20)."""

from __future__ import annotations

import datetime as dt
import marshal
import pathlib
import zlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core import Engine, rules
from creatorpay.core import cache as rule_cache
from creatorpay.core.errors import RuleFileError
from creatorpay.core.rules import RuleBook, RuleVersion, load_rule_file
from tests.core.fakes import RULES

if TYPE_CHECKING:
    from pathlib import Path

    from creatorpay.core.checks import Checker


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources :func:`parse_rule_book` checked during the test."""
    calls: list[str] = []
    real = rules.parse_rule_book

    def counting(data: Any, platform: str, source: str, check: Any = None) -> RuleBook:
        calls.append(source)
        return real(data, platform, source, check)

    monkeypatch.setattr(rules, "parse_rule_book", counting)
    return calls


def shape(book: RuleBook) -> list[object]:
    """Everything a book holds, in order and with each value's type (``==`` alone would take 1 for True)."""
    return [
        book.platform,
        book.source,
        book.check,
        list(book.sources.items()),
        [
            (
                repr(rule),
                rule.file,
                [(name, repr(spec), type(spec.min), type(spec.max)) for name, spec in rule.params.items()],
                [
                    (repr(v), v.rule is rule, [(k, type(x), repr(x)) for k, x in v.params.items()], v.overridden)
                    for v in rule.versions
                ],
            )
            for rule in book.rules.values()
        ],
    ]


def test_every_shipped_rule_file_builds_from_its_record_as_the_checks_build_it(
    cache_folder: Path, checked: list[str]
) -> None:
    """Every rule of every shipped file, every parameter type among them (amounts, ratios, counts,
    choices, texts, dates, bounds, labels of versions): the book from the record is the checked one."""
    books = Engine().rulebooks
    assert len(checked) == len(books) == 5
    del checked[:]
    for book in books.values():
        again = load_rule_file(pathlib.Path(book.source), book.platform, book.check)
        assert shape(again) == shape(book)  # (Rule == recurses through its versions: compared by shape)
    assert checked == []  # none checked again: each came from its record
    assert len(list(cache_folder.glob("*.book"))) == 5


def test_a_changed_rule_file_is_checked_again(cache_folder: Path, tmp_path: Path, checked: list[str]) -> None:
    """A value that breaks its declared type is refused (CORE-INPUT-01), never taken from the record."""
    path = tmp_path / "fake.toml"
    path.write_text(RULES, encoding="utf-8")
    load_rule_file(path, "fake")
    assert load_rule_file(path, "fake").rules["FK-TIP-01"].versions[1]["share"] == Decimal("0.80")
    assert len(checked) == 1
    path.write_text(RULES.replace('share = "0.80"', 'share = "1.80"'), encoding="utf-8")
    with pytest.raises(RuleFileError, match="expected a ratio"):
        load_rule_file(path, "fake")
    path.write_text(RULES.replace('share = "0.80"', 'share = "0.75"'), encoding="utf-8")
    assert load_rule_file(path, "fake").rules["FK-TIP-01"].versions[1]["share"] == Decimal("0.75")
    assert len(checked) == 3


def test_changed_checking_code_checks_again(
    cache_folder: Path, tmp_path: Path, checked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record made by other checking code is never used; and the code's identity follows its files."""
    path = tmp_path / "fake.toml"
    path.write_text(RULES, encoding="utf-8")
    load_rule_file(path, "fake")
    load_rule_file(path, "fake")
    assert len(checked) == 1
    monkeypatch.setattr(rules, "checking_code", lambda: "other checks")
    load_rule_file(path, "fake")
    assert len(checked) == 2
    monkeypatch.setattr(rules, "checking_code", lambda: None)  # no identity: no record used or kept
    load_rule_file(path, "fake")
    load_rule_file(path, "fake")
    assert len(checked) == 4
    monkeypatch.undo()
    identity = rules.checking_code()
    assert identity is not None
    for module in ("rules.py", "checks.py", "money.py", "statement.py"):
        assert module in identity


def test_the_plugins_check_runs_on_every_version_of_a_recorded_book(cache_folder: Path, tmp_path: Path) -> None:
    """The plugin's code may change while its rule file does not: its check runs on a warm load too,
    and its problems name the version as on a cold one."""
    path = tmp_path / "fake.toml"
    path.write_text(RULES, encoding="utf-8")
    seen: list[tuple[str, dt.date]] = []

    def accepting(version: RuleVersion, checker: Checker, where: str) -> None:
        seen.append((where, version.effective_from))

    load_rule_file(path, "fake", accepting)
    cold = list(seen)
    del seen[:]
    load_rule_file(path, "fake", accepting)
    assert (
        seen
        == cold
        == [
            ('rules."FK-TIP-01".versions[0]', dt.date(2022, 1, 15)),
            ('rules."FK-TIP-01".versions[1]', dt.date(2024, 1, 1)),
            ('rules."FK-NEW-01".versions[0]', dt.date(2025, 3, 2)),
        ]
    )

    def refusing(version: RuleVersion, checker: Checker, where: str) -> None:
        if version.id == "FK-NEW-01":
            checker.fail(where, "refused by the plugin")

    with pytest.raises(RuleFileError, match=r'rules\."FK-NEW-01"\.versions\[0\]: refused by the plugin'):
        load_rule_file(path, "fake", refusing)


def test_a_record_of_anything_else_is_refused_and_checked_again(
    cache_folder: Path, tmp_path: Path, checked: list[str]
) -> None:
    """A record holding a code object, a float for a decimal or another shape is not built from:
    the file is checked again and the record written again."""
    path = tmp_path / "fake.toml"
    path.write_text(RULES, encoding="utf-8")
    expected = shape(load_rule_file(path, "fake"))
    (entry,) = cache_folder.glob("*.book")
    good = entry.read_bytes()
    versions, raw, record = marshal.loads(good[4:])  # noqa: S302 (the test's own entry)
    sources, made = record
    rule = list(made[0])
    rule[6] = [(("date", 738000), None, None, [("share", ("decimal", 0.5))])]  # a float, not text
    for foreign in (
        (sources, [tuple(rule), *made[1:]]),
        (sources, compile("1", "x", "eval")),
        ([("key", 1)], made),
        (),
    ):
        payload = marshal.dumps((versions, raw, foreign))
        entry.write_bytes(zlib.crc32(payload).to_bytes(4, "big") + payload)
        assert shape(load_rule_file(path, "fake")) == expected
        assert entry.read_bytes() == good
    assert len(checked) == 5


def test_no_cache_folder_checks_every_time(
    cache_folder: Path, tmp_path: Path, checked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(rule_cache.NO_CACHE_ENV, "1")
    path = tmp_path / "fake.toml"
    path.write_text(RULES, encoding="utf-8")
    assert shape(load_rule_file(path, "fake")) == shape(load_rule_file(path, "fake"))
    assert len(checked) == 2
    assert not cache_folder.exists()
