"""One field schema drives every validator (issue 18): the batch fast paths' checks are made from
core/fields.py, never looser than the loader's, and no module keeps its own copy of a pattern."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import checks, events, fields
from creatorpay.core.checks import Checker
from creatorpay.core.sweep import field_forms
from tests.helpers import ROOT, examples

#: Every plain field of the input: what a fast check and the loader's reader both read.
PLAIN = [
    f
    for section in (*fields.SECTIONS, fields.EVENT, fields.CREATOR_ROW)
    for f in section.fields
    if f.type in ("amount", "ratio", "count", "bool", "id", "text", "choice")
]
_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 10**13),
    st.sampled_from([10**10, 10**10 + 1, 10**12 - 1, 10**12, 10**7, 10**7 + 1, 0, 1, 12, 13]),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.from_regex(r"[0-9]{1,14}(\.[0-9]{1,5})?", fullmatch=True),
    st.text(max_size=210),
    st.sampled_from([c.value for f in PLAIN for c in f.choices]),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=examples(300))
@given(field=st.sampled_from(PLAIN), value=_ANY)
def test_a_fast_check_is_never_looser_than_the_loader_core_input_01(field: fields.Field, value: object) -> None:
    """What :func:`fields.plain` takes, the loader's reader takes too, as the same value (CORE-INPUT-01)."""
    fast = fields.plain(field)(value)
    if fast is fields.BAD:
        return
    c = Checker("test")
    read = fields.reader(field)(c, value, field.name)
    assert not c.problems, (field.name, value, c.problems)
    assert read == fast and type(read) is type(fast)
    if field.type == "count" and field.minimum:
        assert isinstance(fast, int) and fast >= field.minimum


def test_count_bounds_come_from_the_definitions_core_input_01() -> None:
    for f in PLAIN:
        if f.type != "count":
            continue
        check = fields.plain(f)
        low, high = f.minimum or 0, f.maximum
        assert check(low) == low and check(low - 1) is fields.BAD, f.name
        if high is not None:
            assert check(high) == high and check(high + 1) is fields.BAD, f.name


def test_the_event_fast_path_takes_its_choices_and_bounds_from_the_definitions() -> None:
    schema = fields.installed()  # the plugins' kinds too (NetEase's programs)
    known = events._kinds(schema)
    for kind, defined in schema.kinds.items():
        for f in defined:
            if f.type == "choice":
                assert known.choices[f.name] == frozenset(f.values), (kind, f.name)
            if f.type == "count":
                assert (known.low[f.name], known.high[f.name]) == (f.minimum or 0, f.maximum), (kind, f.name)


def test_no_module_keeps_a_copy_of_a_value_pattern() -> None:
    """The amount, ratio, period and date patterns are compiled once, in core/checks.py (issue 18:
    profiles.py and events.py had copies)."""
    patterns = [checks.AMOUNT, checks.RATIO, checks.PERIOD, checks.DATE, checks.PLAIN_AMOUNT]
    for path in sorted((ROOT / "core").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        copies = [p.pattern for p in patterns if f're.compile(r"{p.pattern}")' in text]
        assert path.name == "checks.py" or not copies, f"{path.relative_to(ROOT)} has a copy of {copies}"


def test_a_sweep_varies_every_numeric_field_declared() -> None:
    """The sweep's field paths are made from the definitions: every amount, ratio and count is one."""
    forms = field_forms()
    leaves = {form.rsplit(".", 1)[-1] for form in forms}
    for section in fields.SECTIONS:
        for f in section.fields:
            if f.type in ("amount", "ratio", "count"):
                assert f.name in leaves, f"{section.name}.{f.name}"
            if f.type == "map" and f.value == "amount":
                assert any(form.endswith(f"{f.name}.{f.key}") for form in forms), f.name
