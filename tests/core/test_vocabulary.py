"""The typed vocabulary: error classes, rule parameter accessors (also under ``python -O``), line keys."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from decimal import Decimal
from typing import get_args

import pytest

from creatorpay.core import CreatorpayError, PluginError
from creatorpay.core.batch.ledger import StatementType
from creatorpay.core.errors import SchemaError
from creatorpay.core.plugins import PluginStatus
from creatorpay.core.rules import RuleVersion, parse_rule_book
from creatorpay.core.sqlite_schema import SchemaError as SQLiteSchemaError
from creatorpay.core.statement import LABELS, STATUSES, Kind, StatementBuilder, weakest
from tests.helpers import ROOT

#: A rule file with one parameter of each kind the accessors read.
RULES = {
    "sources": {"fake-doc": "Fake platform, rules (2024-01-01)"},
    "rules": {
        "FK-TYPE-01": {
            "title": "Typed parameters",
            "label": "source",
            "source": "{fake-doc}",
            "params": {
                "share": {"type": "ratio"},
                "beans": {"type": "count"},
                "mode": {"type": "choice", "choices": ["a", "b"]},
                "on": {"type": "bool"},
            },
            "versions": [{"effective_from": "2024-01-01", "share": "0.50", "beans": 7, "mode": "a", "on": True}],
        }
    },
}


def version() -> RuleVersion:
    """The one version of FK-TYPE-01, loaded as from plugins/fake/rules.toml."""
    book = parse_rule_book(RULES, "fake", "plugins/fake/rules.toml")
    return book.rules["FK-TYPE-01"].versions[0]


def test_schema_error_is_a_creatorpay_error_and_one_class() -> None:
    """``except CreatorpayError`` catches every error creatorpay raises on purpose, a store's schema's too."""
    assert issubclass(SchemaError, CreatorpayError)
    assert SQLiteSchemaError is SchemaError


def test_accessors_return_declared_types() -> None:
    v = version()
    assert (v.decimal("share"), v.count("beans"), v.text("mode"), v["on"]) == (Decimal("0.50"), 7, "a", True)


@pytest.mark.parametrize(
    ("accessor", "name", "declared"),
    [("decimal", "beans", "count"), ("count", "share", "ratio"), ("count", "on", "bool"), ("text", "share", "ratio")],
)
def test_reading_a_parameter_as_another_type_names_file_rule_and_parameter(
    accessor: str, name: str, declared: str
) -> None:
    with pytest.raises(PluginError) as caught:
        getattr(version(), accessor)(name)
    message = str(caught.value)
    assert message.startswith(f'plugins/fake/rules.toml: rules."FK-TYPE-01".params.{name}: ')
    assert f"FK-TYPE-01 declares {name} as {declared}" in message


def test_the_parameter_type_check_holds_under_python_dash_o() -> None:
    """An ``assert`` would vanish under ``python -O`` and let a count into the money as a decimal."""
    script = textwrap.dedent(
        """
        import sys
        from creatorpay.core import PluginError
        from tests.core.test_vocabulary import version
        assert sys.flags.optimize and not __debug__, "not running under -O"
        try:
            version().decimal("beans")
        except PluginError as exc:
            print(exc)
        else:
            sys.exit("no error: the check was dropped")
        """
    )
    done = subprocess.run(
        [sys.executable, "-O", "-c", script], capture_output=True, text=True, check=False, timeout=60, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert 'plugins/fake/rules.toml: rules."FK-TYPE-01".params.beans: FK-TYPE-01 declares beans as count' in done.stdout


def test_line_key_is_its_identity_across_statements() -> None:
    """A line's key (rule, kind code, order, payer, payee): what a sweep compares and an adjustment diffs."""
    builder = StatementBuilder("fake", "Fake", "me")
    line = builder.line("FK-TIP-01", Kind.TIPS, payer="fake", payee="me", base=Decimal(10), rate=Decimal(1), order="o1")
    key = line.key
    assert (key.rule, key.kind, key.order, key.payer, key.payee) == ("FK-TIP-01", "tips", "o1", "fake", "me")
    assert key == ("FK-TIP-01", "tips", "o1", "fake", "me")  # equal to the same columns read from the ledger


def test_the_typed_vocabularies_are_the_documented_words() -> None:
    """Statement statuses, labels and plugin statuses are Literal types: plain strings in the JSON,
    checked by mypy in the code; the words are the ones docs/output.md and docs/cli.md use."""
    output = (ROOT / "docs" / "output.md").read_text(encoding="utf-8")
    cli = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert STATUSES == ("ok", "error", "no_rules")
    assert all(f"`{status}`" in output for status in STATUSES)
    assert LABELS == ("source", "interpretation", "operator-set", "unverified")  # strongest first
    assert all(f"`{label}`" in output for label in LABELS)
    assert all(status in cli for status in get_args(PluginStatus))
    assert get_args(StatementType) == ("original", "adjustment")


def test_a_plugin_label_outside_the_vocabulary_is_refused() -> None:
    """A third-party plugin is not type-checked: its label is checked when it writes the line."""
    builder = StatementBuilder("fake", "Fake", "me")
    with pytest.raises(ValueError, match="unknown label 'sourced'"):
        builder.line(
            "FK-TIP-01", Kind.TIPS, payer="fake", payee="me", base=Decimal(1), rate=Decimal(1), label="sourced"
        )
    assert weakest("source", "operator-set", "interpretation") == "operator-set"
