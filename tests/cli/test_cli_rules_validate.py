"""``creatorpay rules validate`` refuses every override settling cannot use, and ``settle`` checks its
rules before reading any event (issue 15): exit 2 naming the file and key, never a traceback."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.cli.cli_support import run_main

if TYPE_CHECKING:
    from pathlib import Path

TOPS = '["36000.00", "144000.00", "300000.00", "420000.00", "660000.00", "960000.00"]'
RATES = '["0.03", "0.10", "0.20", "0.25", "0.30", "0.35", "0.45"]'


def validate(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str) -> tuple[int, str]:
    path = tmp_path / "over.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_main(capsys, "rules", "validate", str(path))
    assert "Traceback" not in err
    return code, out + err


@pytest.mark.parametrize(
    ("section", "key", "message"),
    [
        # CN-TAX-02: tops not increasing
        (
            'bracket_tops = ["36000.00", "36000.00", "300000.00", "420000.00", "660000.00", "960000.00"]',
            "bracket_tops[1]",
            "expected each item above the one before",
        ),
        # CN-TAX-02: rates and quick deductions of different lengths
        (f"bracket_rates = {RATES[:-9]}]", "bracket_rates", "expected 7 items (1 more than the 6 of bracket_tops)"),
        (
            'quick_deductions = ["0.00", "2520.00"]',
            "quick_deductions",
            "expected 7 items (as many as the 7 of bracket_rates), found 2",
        ),
        # CN-TAX-02: rates not increasing
        (
            'bracket_rates = ["0.03", "0.10", "0.20", "0.25", "0.30", "0.30", "0.45"]',
            "bracket_rates[5]",
            "found 0.30 after 0.30",
        ),
        # CN-TAX-02: quick deductions the brackets do not imply (a new rate, the old deductions)
        (
            'bracket_rates = ["0.03", "0.10", "0.20", "0.25", "0.30", "0.35", "0.40"]',
            "quick_deductions",
            "quick deduction 7 is 181920.00, the brackets imply 133920.00",
        ),
        # CN-TAX-02: a consistent table that is one bracket shorter, with the old rates
        (f"bracket_tops = {TOPS[:-13]}]", "bracket_rates", "expected 6 items (1 more than the 5 of bracket_tops)"),
    ],
)
def test_validate_refuses_an_inconsistent_tax_table_cn_tax_02(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, section: str, key: str, message: str
) -> None:
    code, text = validate(capsys, tmp_path, f'[cn_tax."CN-TAX-02"]\n{section}\n')
    assert code == 2, text
    assert f'over.toml: cn_tax."CN-TAX-02".{key}: ' in text and message in text


def test_validate_refuses_an_inconsistent_per_payment_table_cn_tax_01(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """CN-TAX-01: 20%/30%/40% with quick deductions 0, 2,000, 7,000; 35% above 50,000 needs 4,500."""
    code, text = validate(capsys, tmp_path, '[cn_tax."CN-TAX-01"]\nbracket_rates = ["0.20", "0.30", "0.35"]\n')
    assert code == 2
    assert 'cn_tax."CN-TAX-01".quick_deductions: quick deduction 3 is 7000.00, the brackets imply 4500.00' in text


def test_validate_accepts_a_consistent_replacement_table_cn_tax_02(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    table = 'bracket_tops = ["10000.00"]\nbracket_rates = ["0.10", "0.20"]\nquick_deductions = ["0.00", "1000.00"]'
    code, text = validate(capsys, tmp_path, f'[cn_tax."CN-TAX-02"]\n{table}\n')
    assert code == 0 and "is a valid rules override file" in text


@pytest.mark.parametrize("device", ["android", "ios"])
def test_validate_refuses_zero_beans_per_yuan_wc_tip_01(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, device: str
) -> None:
    """WC-TIP-01: beans are divided by beans per yuan; 0 would fail every tipping statement."""
    code, text = validate(capsys, tmp_path, f'[wechat_channels."WC-TIP-01"]\nbeans_per_yuan_{device} = 0\n')
    assert code == 2
    assert (
        f'over.toml: wechat_channels."WC-TIP-01".beans_per_yuan_{device}: expected a value of at least 1 '
        f"(beans bought for 1 CNY on {'Android' if device == 'android' else 'iOS'}), found 0"
    ) in text


def test_validate_reports_every_problem_at_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """XT-CC-01 (exactly one main contributor), WC-TIER-01 (tiers rise), WC-TIP-01: all in one pass."""
    code, text = validate(
        capsys,
        tmp_path,
        '[xingtu."XT-CC-01"]\nmain_contributors = 0\n'
        '[wechat_channels."WC-TIER-01"]\ntier_10k_followers = 500\n'
        '[wechat_channels."WC-TIP-01"]\nbeans_per_yuan_ios = 0\n',
    )
    assert code == 2
    assert 'xingtu."XT-CC-01".main_contributors: expected a value of at least 1' in text
    assert 'wechat_channels."WC-TIER-01".tier_10k_followers: expected a value above tier_1k_followers (1000)' in text
    assert 'wechat_channels."WC-TIP-01".beans_per_yuan_ios' in text


def test_settle_refuses_a_bad_table_before_reading_any_event(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """CN-TAX-02 table broken: exit 2 naming the key; no event read, no ledger, no rejects file
    (it used to be exit 0 with every tax-paying unit rejected)."""
    rules = tmp_path / "rules.toml"
    rules.write_text('[cn_tax."CN-TAX-02"]\nquick_deductions = ["0.00", "2520.00"]\n', encoding="utf-8")
    events = tmp_path / "month.jsonl"
    events.write_text(
        json.dumps(
            {
                "id": "e1",
                "platform": "wechat_channels",
                "creator": "c1",
                "date": "2026-10-05",
                "kind": "tips",
                "yuan": "100.00",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    people = tmp_path / "creators.jsonl"
    people.write_text(json.dumps({"id": "c1", "followers": 5000}) + "\n", encoding="utf-8")
    db = tmp_path / "ledger.sqlite"
    code, out, err = run_main(
        capsys,
        "settle",
        str(events),
        "--creators",
        str(people),
        "--db",
        str(db),
        "--period",
        "2026-10",
        "--rules",
        str(rules),
    )
    assert code == 2 and out == ""
    assert 'rules.toml: cn_tax."CN-TAX-02".quick_deductions: expected 7 items' in err
    assert "Traceback" not in err
    assert not db.exists() and not events.with_suffix(".rejects.csv").exists()


def test_rules_show_lists_the_constraints_an_override_must_meet(capsys: pytest.CaptureFixture[str]) -> None:
    """WC-TIP-01's beans per yuan at least 1; CN-TAX-02's rates rising, one more than the tops."""
    code, out, _ = run_main(capsys, "rules", "show", "wechat_channels", "--at", "2025-10-01")
    assert code == 0 and "beans_per_yuan_android = 10  (min 1)" in out
    code, out, _ = run_main(capsys, "rules", "show", "cn_tax", "--at", "2025-10-01", "--format", "json")
    params = {p["name"]: p for p in json.loads(out)[0]["in_force"][0]["params"]}
    assert params["bracket_rates"]["constraints"] == {"increasing": True, "length": {"of": "bracket_tops", "plus": 1}}
    assert params["deduction_ratio"]["constraints"] == {}
