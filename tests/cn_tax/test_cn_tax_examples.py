"""The bundled example live-anchor.toml on WeChat Channels with cn_tax (EXPECTED.md, CN-TAX-02, CN-VAT-01)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from creatorpay.core import Engine, load_scenario
from creatorpay.plugins import cn_tax, wechat_channels
from tests.cn_tax.cn_tax_fakes import one

if TYPE_CHECKING:
    from pathlib import Path


def test_live_anchor_wechat_channels_net_of_tax(examples: Path) -> None:
    """EXPECTED.md: 28,000 own income − CN-TAX-02 1,740 − CN-VAT-01 none = 26,260.00 (the VAT line's base is
    the sales 28,000 ÷ 1.01 = 27,722.77, at most 100,000: no VAT, so CN-TAX-03 takes nothing off)."""
    engine = Engine(plugins={"cn_tax": cn_tax, "wechat_channels": wechat_channels}, entry_points=False)
    statement = engine.settle(load_scenario(examples / "live-anchor.toml"), "wechat_channels")
    assert statement.status == "ok"
    tax = one(statement, "CN-TAX-02")
    assert (tax.payee, tax.base, tax.rate, tax.value) == (
        "wechat_channels",
        Decimal("68400.00"),
        Decimal("0.10"),
        Decimal("1740.00"),
    )
    vat = one(statement, "CN-VAT-01")
    assert (vat.base, vat.value) == (Decimal("27722.77"), Decimal("0.00"))
    assert statement.totals["tax"] == Decimal("-1740.00")
    assert statement.net == Decimal("26260.00")
    assert statement.to_dict()["net"] == "26260.00"
