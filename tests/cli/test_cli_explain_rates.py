"""``explain`` prints a rate whose decimal never ends as the division it is (``70,000 ÷ 7``, WC-TIP-01's
iOS beans), while the JSON ``rate`` stays the decimal of docs/output.md (issue 17)."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core.cli.render import SMALL_DENOMINATOR, explain_line, shown_rate
from creatorpay.core.money import round_fen
from creatorpay.core.statement import Kind, StatementBuilder
from tests.cli.test_cli_narrow import SCRIPT
from tests.helpers import EXAMPLES, ROOT, examples


def tip_line(base: Decimal, rate: Decimal | Fraction) -> tuple[StatementBuilder, object]:
    builder = StatementBuilder("wechat_channels", "WeChat Channels", "me")
    return builder, builder.line("WC-TIP-01", Kind.TIPS, payer="wechat_channels", payee="me", base=base, rate=rate)


def test_a_fraction_is_kept_for_display_and_is_the_decimal_elsewhere() -> None:
    """WC-TIP-01: 7 iOS beans = 1 CNY; CORE-MONEY-01: the value is rounded once from the exact rate."""
    builder, _ = tip_line(Decimal(70000), Fraction(1, 7))
    line = builder.lines[0]
    assert line.fraction == Fraction(1, 7)
    assert line.rate == Decimal(1) / Decimal(7)
    assert line.value == Decimal("10000.00")
    assert line.to_dict()["rate"] == "0.1428571428571428571428571429"
    assert "fraction" not in line.to_dict()
    assert shown_rate(line) == "÷ 7"
    assert "70,000 ÷ 7 = 10,000.00" in explain_line(line, "WeChat's own pages", flagged=False)


def test_the_console_script_shows_the_division() -> None:
    done = subprocess.run(
        [*SCRIPT, "explain", str(EXAMPLES / "live-anchor.toml"), "--platform", "wechat_channels"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "70,000 ÷ 7 = 10,000.00" in done.stdout
    assert "0.142857" not in done.stdout
    assert "300,000 × 0.1 = 30,000.00" in done.stdout  # a rate that ends is printed as it is


@settings(max_examples=examples(60))
@given(numerator=st.integers(1, 50), denominator=st.integers(2, SMALL_DENOMINATOR), base=st.integers(0, 10**9))
def test_rates_that_do_not_end_are_divisions(numerator: int, denominator: int, base: int) -> None:
    """Property: a decimal rate p/q (q ≤ SMALL_DENOMINATOR) computed by a plugin, or given as a Fraction,
    is shown as ``÷ q`` or ``× p ÷ q`` (reduced) when its decimal does not end, else as the decimal;
    the division shown gives the line's value (CORE-MONEY-01)."""
    ratio = Fraction(numerator, denominator)
    q = ratio.denominator
    while q % 2 == 0:
        q //= 2
    while q % 5 == 0:
        q //= 5
    for given_rate in (Decimal(numerator) / Decimal(denominator), ratio):
        builder, _ = tip_line(Decimal(base), given_rate)
        line = builder.lines[0]
        shown = shown_rate(line)
        if q == 1:
            assert shown == f"× {line.rate.normalize():f}" or shown == f"× {line.rate:f}"
            continue
        expected = (
            f"÷ {ratio.denominator:,}" if ratio.numerator == 1 else f"× {ratio.numerator:,} ÷ {ratio.denominator:,}"
        )
        assert shown == expected
        assert round_fen(Decimal(base) * ratio.numerator / ratio.denominator) == line.value


def test_a_plugins_fraction_with_a_large_denominator_is_still_a_division() -> None:
    builder, _ = tip_line(Decimal(7919), Fraction(1, 7919))
    assert shown_rate(builder.lines[0]) == "÷ 7,919"
    builder, _ = tip_line(Decimal(7919), Decimal(1) / Decimal(7919))  # not recognised: beyond small
    assert shown_rate(builder.lines[0]).startswith("× 0.000126")
