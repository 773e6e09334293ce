"""Entry points read from ``entry_points.txt`` without importlib.metadata: the plain reading of a
group's section gives what configparser gives, and anything else is left to configparser."""

from __future__ import annotations

from configparser import ConfigParser
from typing import TYPE_CHECKING

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core.entrypoints import _configparser_section, _plain_section, entry_points

if TYPE_CHECKING:
    from pathlib import Path

GROUP = "creatorpay"
NAMES = st.sampled_from(["xingtu", "wechat_channels", "Acme", "a.b", "x-y"])
VALUES = st.sampled_from(["pkg.mod", "pkg.mod:attr", " pkg:obj.attr ", "m:f [extra]", ""])
LINES = st.one_of(
    st.builds(lambda n, v: f"{n} = {v}", NAMES, VALUES),
    st.builds(lambda n, v: f"{n}={v}", NAMES, VALUES),
    st.sampled_from(["", "# a comment", "; another", "[console_scripts]", f"[{GROUP}]", "[pytest11]", "   "]),
)


def configparser_reading(text: str) -> dict[str, str]:
    """How entry points were read before: configparser over the whole file."""
    parser = ConfigParser(delimiters=("=",), interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read_string(text)
    return {n: v.strip() for n, v in parser.items(GROUP)} if parser.has_section(GROUP) else {}


@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, max_size=12))
def test_the_plain_reading_is_configparsers(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    try:
        expected = configparser_reading(text)
    except Exception:  # a line configparser refuses (a name and no section): not a file pip writes
        return
    plain = _plain_section(text, GROUP)
    assert plain is None or plain == expected
    assert _configparser_section(text, GROUP) == expected


def test_a_continuation_line_is_left_to_configparser() -> None:
    text = f"[{GROUP}]\nacme = acme.plugin\n  :thing\n"
    assert _plain_section(text, GROUP) is None
    assert _configparser_section(text, GROUP) == {"acme": "acme.plugin\n:thing"}


def test_only_files_naming_the_group_are_read(tmp_path: Path) -> None:
    for dist, text in {
        "other-1.0": "[console_scripts]\nother = other:main\n",
        "acme-2.0": f"# made by hand\n[{GROUP}]\nacme = acme.plugin\n[pytest11]\nx = y\n",
        "broken-1.0": f"[{GROUP}\nnot a section\n",
    }.items():
        info = tmp_path / f"{dist}.dist-info"
        info.mkdir()
        (info / "entry_points.txt").write_text(text, encoding="utf-8")
    found = entry_points(GROUP, [str(tmp_path)])
    assert [(ep.name, ep.value, ep.distribution, ep.version) for ep in found] == [
        ("acme", "acme.plugin", "acme", "2.0")
    ]
