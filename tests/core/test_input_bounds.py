"""CORE-INPUT-01 at the edges (issue 15): bounded counts, months within the calendar, ASCII digits only,
no repeated JSON keys, no lone surrogates, no integer literal too long to read; each an input error
naming the file and field (exit 2), never a traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core import InputError, load_scenario
from creatorpay.core.cli import main
from creatorpay.core.events import parse_event
from creatorpay.core.profiles import checked_base
from creatorpay.core.scenario import count_limits
from creatorpay.core.sweep import parse_vary
from tests.helpers import scenario_dict

if TYPE_CHECKING:
    from pathlib import Path

HUGE = "1" * 5000  # an integer literal int() refuses (over 4,300 digits)


def problems(data: dict[str, Any]) -> dict[str, str]:
    """The loader's problems for ``data``, by field path."""
    with pytest.raises(InputError) as caught:
        load_scenario(data, source="s.toml")
    return {p.path: p.message for p in caught.value.problems}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as caught:
        main(list(args))
    return int(caught.value.code or 0), capsys.readouterr().err


# -- 1. every count has an upper bound --------------------------------------------------------------

COUNTS = [
    ("creator.followers", lambda n: {"creator": {"id": "me", "followers": n}}),
    (
        "creator.co_creations_this_month",
        lambda n: {"creator": {"id": "me", "followers": 1, "co_creations_this_month": n}},
    ),
    ("platform.xingtu.followers", lambda n: {"platform": {"xingtu": {"followers": n}}}),
    (
        "orders[0].video_seconds",
        lambda n: {"orders": [{"id": "o", "amount": "1.00", "stage": "published", "video_seconds": n}]},
    ),
    ("tips.beans_android", lambda n: {"tips": {"beans_android": n}}),
    ("tips.beans_ios", lambda n: {"tips": {"beans_ios": n}}),
    ("merchant_live.private_users", lambda n: {"merchant_live": {"private_users": n}}),
]


@pytest.mark.parametrize(("path", "make"), COUNTS, ids=[c[0] for c in COUNTS])
def test_every_count_has_an_upper_bound_core_input_01(path: str, make: Any) -> None:
    limit = count_limits()[path.rsplit(".", 1)[1]]
    load_scenario(scenario_dict(**make(limit)))  # the bound itself is accepted
    found = problems(scenario_dict(**make(limit + 1)))
    assert f"expected a whole number from 0 to {limit:,}" in found[path]


def test_beans_bound_keeps_their_cny_below_the_amount_limit_at_any_rate_wc_tip_01() -> None:
    """CORE-INPUT-01, WC-TIP-01: a whole number of beans (at least 1) buys 1 CNY, so the most beans
    accepted convert to less than the amount limit even at 1 bean per CNY."""
    assert count_limits()["beans_android"] < 10**12 and count_limits()["beans_ios"] < 10**12


def test_compare_with_absurd_beans_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Was a net of 70,000,000,000,000,000.00 in compare (and an OverflowError in settle)."""
    path = tmp_path / "s.toml"
    path.write_text(
        'schema = 1\nperiod = "2026-10"\n[creator]\nid = "me"\nfollowers = 10\n'
        "[tips]\nbeans_android = 1000000000000000000\n",
        encoding="utf-8",
    )
    code, err = run(capsys, "compare", str(path))
    assert code == 2 and f"{path}: tips.beans_android: expected a whole number from 0 to" in err
    assert "Traceback" not in err


# -- 3. and 4. the tax tables: per platform as at the top, months within the calendar ---------------


def test_platform_tax_needs_months_with_income_as_top_level_does_cn_tax_02() -> None:
    found = problems(scenario_dict(period="2025-10", platform={"netease": {"tax": {"method": "platform"}}}))
    assert "CN-TAX-02" in found["platform.netease.tax.months_with_income"]
    # given at the top level, it applies to the platform too
    load_scenario(
        scenario_dict(
            period="2025-10", tax={"months_with_income": 3}, platform={"netease": {"tax": {"method": "platform"}}}
        )
    )


@pytest.mark.parametrize("where", ["tax", "platform.xingtu.tax"])
def test_months_with_income_at_most_the_period_month_core_input_01(where: str) -> None:
    def data(months: int) -> dict[str, Any]:
        tax = {"method": "platform", "months_with_income": months}
        if where == "tax":
            return scenario_dict(period="2025-10", tax=tax)
        return scenario_dict(period="2025-10", platform={"xingtu": {"tax": tax}})

    load_scenario(data(10))
    assert "expected a count from 1 to 10" in problems(data(11))[f"{where}.months_with_income"]
    assert "expected a count from 1 to 10" in problems(data(12))[f"{where}.months_with_income"]


def test_a_profile_with_more_months_than_the_period_is_left_to_the_loader_core_input_01() -> None:
    data = {
        "schema": 1,
        "period": "2025-10",
        "creator": {"id": "c1", "followers": 1},
        "tax": {"method": "platform", "months_with_income": 11},
    }
    assert checked_base(data, "x") is None
    assert "months_with_income" in " ".join(problems(data))


# -- 5. ASCII digits only, no white space --------------------------------------------------------------

NOT_ASCII = ["１０００.５０", "١٠٠٠", "1000.00\n", " 1000.00", "1000.00 ", "١.٥"]


@pytest.mark.parametrize("text", NOT_ASCII)
def test_amounts_and_ratios_take_only_ascii_digits_core_input_01(text: str) -> None:
    found = problems(
        scenario_dict(
            tips={"yuan": text},
            mcn={"name": "m", "share": text},
            creator={"id": "me", "followers": 1, "price_card": {"s1_20": text}},
        )
    )
    assert {"tips.yuan", "mcn.share", "creator.price_card.s1_20"} <= found.keys()


@pytest.mark.parametrize("period", ["２０２６-１０", "2026-10\n", "٢٠٢٦-١٠"])
def test_periods_take_only_ascii_digits_core_input_01(period: str) -> None:
    assert "period" in problems(scenario_dict(period=period))


@pytest.mark.parametrize("text", NOT_ASCII)
@pytest.mark.parametrize("csv", [False, True])
def test_event_amounts_take_only_ascii_digits_on_both_paths(text: str, csv: bool) -> None:
    from creatorpay.core import events

    row = {"id": "e1", "platform": "xingtu", "creator": "c1", "date": "2026-10-05", "kind": "tips", "yuan": text}
    assert events._fast(row, {"xingtu"}, csv) is None
    assert "yuan: expected an amount" in str(events._checked(row, {"xingtu"}, csv))
    dated = {**row, "yuan": "1.00", "date": "２０２６-１０-０５"}
    assert isinstance(parse_event(dated, platforms={"xingtu"}, text=csv), str)


def test_csv_counts_take_only_ascii_digits() -> None:
    for cell in ("١٠٠", "100\n", "１００"):
        row = {
            "id": "e1",
            "platform": "xingtu",
            "creator": "c1",
            "date": "2026-10-05",
            "kind": "tips",
            "beans_ios": cell,
        }
        assert "beans_ios: expected a whole number" in str(parse_event(row, platforms={"xingtu"}, text=True))


def test_a_profile_with_other_digits_is_left_to_the_loader() -> None:
    data = {
        "schema": 1,
        "period": "2026-10",
        "creator": {"id": "c1", "followers": 1, "price_card": {"s1_20": "١٠٠"}},
        "mcn": {"name": "m", "share": "0.5\n"},
    }
    assert checked_base(data, "x") is None
    assert {"creator.price_card.s1_20", "mcn.share"} <= problems(data).keys()


@pytest.mark.parametrize(
    "vary",
    [
        "tips.yuan=0:١٠٠٠:50",
        "tips.yuan=0:1000:50\n",
        "tips.yuan= 0:1000:50",
        "tips.yuan=0:１０００:50",
        f"tips.beans_ios=0:{HUGE}:1",
        "creator.followers=0:10000000001:10000000001",
    ],
)
def test_sweep_values_take_ascii_digits_within_bounds(vary: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_vary(vary)
    assert str(caught.value).startswith("--vary: ")


# -- 2. and 7. JSON and TOML files: repeated keys, surrogates, integer literals too long ------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '{"schema": 1, "period": "2026-10", "period": "2026-11", "creator": {"id": "me", "followers": 1}}',
            'the key "period" is given twice',
        ),
        (
            '{"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": 1, "id": "you"}}',
            'the key "id" is given twice',
        ),
        (
            '{"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": ' + HUGE + "}}",
            "a whole number of more than 4,300 digits",
        ),
        (
            '{"schema": 1, "period": "2026-10", "creator": {"id": "\\ud800", "followers": 1}}',
            "creator.id: expected Unicode text, found a lone surrogate",
        ),
    ],
)
def test_json_scenarios_refuse_repeats_surrogates_and_huge_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    path = tmp_path / "s.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert expected in str(caught.value)
    code, err = run(capsys, "compare", str(path))
    assert code == 2 and err.startswith(f"error: {path}: ") and expected in err and "Traceback" not in err


def test_toml_integer_literal_too_long_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.toml"
    path.write_text(f'schema = 1\nperiod = "2026-10"\n[creator]\nid = "me"\nfollowers = {HUGE}\n', encoding="utf-8")
    code, err = run(capsys, "compare", str(path))
    assert code == 2 and f"{path}: a whole number of more than 4,300 digits" in err


def test_huge_numbers_are_described_without_failing() -> None:
    """describe() of an int of over 4,300 digits would raise in str() (a count from a Python dict)."""
    found = problems(scenario_dict(creator={"id": "me", "followers": 10**5000}, schema=10**5000))
    assert "more than 40 digits" in found["creator.followers"] and "more than 40 digits" in found["schema"]
