"""Merchant live streams on WeChat Channels: sales without the technical service fee during the program
(WC-MERCH-01) and public-domain users matched to the private-domain users a merchant brings (WC-PRIV-01)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from creatorpay.core.plugin import ZERO, Kind, Settlement, grouped


def sales(ctx: Settlement) -> None:
    """WC-MERCH-01: the month's merchant live-stream sales settle to the creator; the technical
    service fee is waived while the program runs, else charged at the operator-set normal rate."""
    live = ctx.scenario.merchant_live
    if live is None:
        return
    version = ctx.rule("WC-MERCH-01")
    if version is None:
        ctx.statement.not_offer(
            "merchant_live",
            f"no merchant live-stream rule (WC-MERCH-01) is in force on {ctx.rules.day.isoformat()} (CORE-DATE-01)",
        )
        return
    ctx.statement.line(
        "WC-MERCH-01",
        Kind.SALES,
        payer=ctx.platform.name,
        payee=ctx.creator,
        base=live.sales,
        rate=Decimal(1),
        label=version.label_for(),
        note="the creator's own merchant live-stream sales for the month",
    )
    if version.is_set("during_program") and version["during_program"]:
        normal = (
            f"the normal rate {version.decimal('normal_fee_rate')} is waived"
            if version.is_set("normal_fee_rate")
            else "the normal rate is operator-set"
        )
        ctx.statement.line(
            "WC-MERCH-01",
            Kind.FEE,
            payer=ctx.creator,
            payee=ctx.platform.name,
            base=live.sales,
            rate=ZERO,
            label=version.label_for("during_program"),
            note=f"no platform technical service fee on a merchant's own live stream during "
            f"the creator incentive program ({normal})",
        )
        return
    unset = version.unset_reason("normal_fee_rate")
    if unset is not None:
        ctx.statement.skip(
            "WC-MERCH-01", f"the program's fee waiver has ended; technical service fee not applied: {unset}"
        )
        return
    rate = version.decimal("normal_fee_rate")
    ctx.statement.line(
        "WC-MERCH-01",
        Kind.FEE,
        payer=ctx.creator,
        payee=ctx.platform.name,
        base=live.sales,
        rate=rate,
        label=version.label_for("during_program", "normal_fee_rate"),
        note=f"technical service fee at the normal rate {rate} of sales {grouped(live.sales)} "
        f"(the program's waiver has ended)",
    )


def matched_users(ctx: Settlement, gate: str | None) -> None:
    """WC-PRIV-01: public-domain users matched, at least ``floor`` per private-domain user (always),
    up to the operator-set ``multiple``; traffic, never cash (CORE-TRAFFIC-01). ``gate`` is the
    WC-QUAL-01 reason to withhold it (a traffic incentive), or None."""
    live = ctx.scenario.merchant_live
    if live is None or live.private_users == 0:
        return
    version = ctx.rule("WC-PRIV-01")
    if version is None:
        return
    if gate is not None:
        ctx.statement.skip("WC-PRIV-01", f"public-domain users matched: {gate}")
        return
    users = live.private_users
    floor = version.count("floor")
    base = users * floor
    ctx.statement.add_traffic(
        "WC-PRIV-01",
        matched_users=base,
        label=version.label_for("floor"),
        note=f"{floor} public-domain user matched per private-domain user brought in ({users:,} private-domain users)",
    )
    unset = version.unset_reason("multiple")
    if unset is not None:
        ctx.statement.skip("WC-PRIV-01", f"the further multiple for a qualifying live stream not applied: {unset}")
        return
    multiple = version.decimal("multiple")
    total = int((Decimal(users) * max(Decimal(floor), multiple)).to_integral_value(rounding=ROUND_FLOOR))
    if total > base:
        ctx.statement.add_traffic(
            "WC-PRIV-01",
            matched_users=total - base,
            label=version.label_for("multiple"),
            note=f"further multiple {multiple}: {total:,} public-domain users matched in "
            f"all for {users:,} private-domain users (whole users, rounded down)",
        )
