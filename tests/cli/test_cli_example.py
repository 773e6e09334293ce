"""``creatorpay example``: the bundled examples are the files of examples/ (one copy), listed with a
description, printed byte for byte or written whole, commented key by key, and they settle to the
figures of EXPECTED.md (CORE-MCN-01, CN-TAX-02, XT-COMP-02: see tests/test_examples.py)."""

from __future__ import annotations

import re
import stat
import tomllib
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import Engine, load_scenario
from creatorpay.core.cli import COMMANDS, cli, main
from creatorpay.core.cli.example import bundled, description
from tests.cli.cli_support import invoke, run_main
from tests.helpers import EXAMPLES, examples
from tests.test_examples import BUILT_IN, EXPECTED

if TYPE_CHECKING:
    from pathlib import Path

NAMES = sorted(p.stem for p in EXAMPLES.glob("*.toml"))
#: A line setting a key (``key = value``), not a line of an inline table in an array.
KEY_LINE = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_.]*\s*=")
RULE_ID = re.compile(r"\b[A-Z]+(?:-[A-Z]+)+-\d{2}\b")


def comment(line: str) -> str:
    """The comment of a TOML line: the text after the first ``#`` outside a string."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[i + 1 :].strip()
    return ""


def test_the_command_is_registered_lazily() -> None:
    assert COMMANDS["example"] == "creatorpay.core.cli.example:example"
    assert "example" in invoke("--help").output


def test_the_bundled_examples_are_the_files_of_examples() -> None:
    examples = bundled()
    assert sorted(examples) == NAMES == ["co-creation-terminated", "food-vlogger", "live-anchor"]
    for name, item in examples.items():
        assert item.read_bytes() == (EXAMPLES / f"{name}.toml").read_bytes()


def test_listing_names_each_example_with_its_description() -> None:
    result = invoke("example")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for name in NAMES:
        text = (EXAMPLES / f"{name}.toml").read_text(encoding="utf-8")
        first = text.splitlines()[0].removeprefix("#").strip()
        assert description(text) == first and first
        assert any(line.split() and line.split()[0] == name and line.endswith(first) for line in lines)
    assert "creatorpay example NAME" in result.output


@pytest.mark.parametrize("name", NAMES)
def test_printing_gives_the_file_byte_for_byte(name: str) -> None:
    result = CliRunner().invoke(cli, ["example", name], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout_bytes == (EXAMPLES / f"{name}.toml").read_bytes()
    assert invoke("example", f"{name}.toml").stdout_bytes == result.stdout_bytes


@pytest.mark.parametrize("name", NAMES)
def test_a_printed_example_settles_to_the_expected_nets(name: str, tmp_path: Path) -> None:
    """EXPECTED.md's figures from the printed copy: CORE-MCN-01, CN-TAX-02, XT-COMP-02."""
    scenario = tmp_path / "scenario.toml"
    scenario.write_bytes(invoke("example", name).stdout_bytes)
    report = Engine(load=[*BUILT_IN, "cn_tax"]).compare(load_scenario(scenario), BUILT_IN)
    assert {s.platform: f"{s.net:.2f}" for s in report.results} == EXPECTED[f"{name}.toml"]


def test_output_file_is_written_whole_and_replaces_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "s.toml"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    assert invoke("example", "live-anchor", "-o", str(target)).exit_code == 0
    assert target.read_bytes() == (EXAMPLES / "live-anchor.toml").read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]  # no temporary file left


def test_output_dash_is_standard_output() -> None:
    assert invoke("example", "food-vlogger", "-o", "-").stdout_bytes == (EXAMPLES / "food-vlogger.toml").read_bytes()


def test_unknown_example_is_exit_2_naming_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "example", "beauty-vlogger")
    assert code == 2 and not out
    assert "'beauty-vlogger'" in err and all(name in err for name in NAMES) and "Traceback" not in err


@settings(max_examples=examples(60))
@given(
    st.one_of(
        st.sampled_from([*NAMES, "../food-vlogger", "food-vlogger.toml.toml", "FOOD-VLOGGER", ""]),
        st.text(min_size=1, max_size=40).filter(lambda t: not t.startswith("-") and "\x00" not in t),
    )
)
def test_any_name_prints_an_example_or_is_exit_2(name: str) -> None:
    """Whatever NAME is given, the command prints a bundled file (exit 0) or says which exist (exit 2, no
    traceback): a path, another case or a doubled suffix names no example."""
    with pytest.raises(SystemExit) as done:
        main(["example", name])
    code = done.value.code or 0
    if name.removesuffix(".toml") in NAMES:
        assert code == 0
    else:
        assert code == 2


def test_output_without_a_name_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_main(capsys, "example", "-o", str(tmp_path / "s.toml"))
    assert code == 2 and "NAME" in err
    assert not (tmp_path / "s.toml").exists()


def test_writing_over_the_bundled_file_itself_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    source = EXAMPLES / "food-vlogger.toml"
    before = source.read_bytes()
    code, _, err = run_main(capsys, "example", "food-vlogger", "-o", str(source))
    assert code == 2 and "would overwrite the bundled example" in err
    assert source.read_bytes() == before


@pytest.mark.parametrize("name", NAMES)
def test_every_key_is_commented(name: str) -> None:
    """Each ``key = value`` line says what the key means (with its unit or rule ID)."""
    lines = (EXAMPLES / f"{name}.toml").read_text(encoding="utf-8").splitlines()
    bare = [line for line in lines if KEY_LINE.match(line) and not comment(line)]
    assert bare == []


@pytest.mark.parametrize("name", NAMES)
def test_rule_ids_in_the_comments_are_rules_of_the_rule_files(name: str) -> None:
    known = {rule for book in Engine().rulebooks.values() for rule in book.rules}
    text = (EXAMPLES / f"{name}.toml").read_text(encoding="utf-8")
    cited = set(RULE_ID.findall(text))
    assert cited and cited <= known, sorted(cited - known)


@pytest.mark.parametrize("name", NAMES)
def test_the_examples_are_valid_toml_in_utf_8(name: str) -> None:
    data = (EXAMPLES / f"{name}.toml").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert tomllib.loads(data.decode("utf-8"))["schema"] == 1
