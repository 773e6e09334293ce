"""Compensation when an order ends early: XT-COMP-01..07, every branch with hand-computed figures.

The order: 30,000 with me main 15,000, li co-creator 9,000, zhao co-creator 6,000 (TRIO).
"""

from __future__ import annotations

from typing import Any

import pytest

from creatorpay.core import Kind, Statement
from tests.xingtu.xingtu_helpers import D, co_order, lines, moves, own_income, scenario, settle

C = Kind.COMPENSATION
CC = Kind.CREATOR_COMPENSATION


def ended(stage: str, by: str, viewer: str = "me", **extra: Any) -> Statement:
    order = co_order("o1", stage=stage, termination={"by": by, "reason": "test"})
    data = scenario([order], creator=viewer)
    data.update(extra)
    return settle(data)


# -- the client at fault pays every participant, through the platform ------------------------------


@pytest.mark.parametrize(
    ("stage", "rule", "me", "li", "zhao"),
    [
        ("script_confirmed", "XT-COMP-01", "1500.00", "900.00", "600.00"),
        ("video_produced", "XT-COMP-02", "7500.00", "4500.00", "3000.00"),
        ("client_confirmed", "XT-COMP-03", "15000.00", "9000.00", "6000.00"),
        ("published", "XT-COMP-07", "15000.00", "9000.00", "6000.00"),
    ],
)
def test_client_ends_the_order_and_pays_every_participant(stage: str, rule: str, me: str, li: str, zhao: str) -> None:
    """XT-COMP-01 10%, XT-COMP-02 50%, XT-COMP-03 100%; XT-COMP-07 client at published 100%."""
    st = ended(stage, "client")
    assert moves(st) == [
        (rule, "client", "me", D(me)),
        (rule, "client", "li", D(li)),
        (rule, "client", "zhao", D(zhao)),
    ]
    assert all(x.kind is C for x in st.lines)
    assert st.net == own_income(st) == D(me)  # client compensation is platform income (CORE-INCOME-01)
    assert lines(st, "XT-FEE-01") == []  # XT-COMP-06


def test_client_compensation_labels() -> None:
    """XT-COMP-01..03 client branch: source; XT-COMP-07: interpretation."""
    assert {x.label for x in ended("video_produced", "client").lines} == {"source"}
    assert {x.label for x in ended("published", "client").lines} == {"interpretation"}


# -- a participant at fault pays each other participant, not through the platform --------------------


@pytest.mark.parametrize(
    ("stage", "rule", "me", "zhao"),
    [
        ("script_confirmed", "XT-COMP-01", "1500.00", "600.00"),
        ("video_produced", "XT-COMP-02", "7500.00", "3000.00"),
        ("client_confirmed", "XT-COMP-03", "15000.00", "6000.00"),
    ],
)
def test_co_creator_defaults_and_pays_each_other_participant(stage: str, rule: str, me: str, zhao: str) -> None:
    """XT-COMP-01..03: li ends it; li pays me and zhao the stage's share of their agreed amounts."""
    st = ended(stage, "li")
    assert moves(st) == [(rule, "li", "me", D(me)), (rule, "li", "zhao", D(zhao))]
    assert all(x.kind is CC for x in st.lines)
    assert st.net == D(me) and own_income(st) == 0  # creator-paid: not platform income
    assert st.totals["compensation"] == D(me)
    assert {x.label for x in st.lines} == {"interpretation"}  # "each other participant" is a reading


@pytest.mark.parametrize(
    ("stage", "rule", "li", "zhao"),
    [
        ("script_confirmed", "XT-COMP-01", "900.00", "600.00"),
        ("video_produced", "XT-COMP-02", "4500.00", "3000.00"),
        ("client_confirmed", "XT-COMP-03", "9000.00", "6000.00"),
    ],
)
def test_main_defaults_before_publication_and_its_net_is_negative(stage: str, rule: str, li: str, zhao: str) -> None:
    """XT-COMP-01..03, XT-COMP-07: I end it as main; I pay li and zhao; my net is negative."""
    st = ended(stage, "me")
    assert moves(st) == [(rule, "me", "li", D(li)), (rule, "me", "zhao", D(zhao))]
    assert st.net == -(D(li) + D(zhao))


def test_co_creator_view_of_a_defaulting_co_creator() -> None:
    """XT-COMP-02 from zhao's view: li pays zhao 3,000; the li -> me line is 0.00 for zhao."""
    st = ended("video_produced", "li", viewer="zhao")
    assert [x.amount for x in st.lines] == [D("0.00"), D("3000.00")]
    assert ended("video_produced", "li", viewer="li").net == D("-10500.00")


# -- published -----------------------------------------------------------------------------------------


def test_xt_comp_04_main_ends_published_co_creation() -> None:
    """XT-COMP-04: the client pays nothing; the main pays each co-creator 100%: li 9,000, zhao 6,000."""
    st = ended("published", "me")
    assert moves(st) == [("XT-COMP-04", "me", "li", D("9000.00")), ("XT-COMP-04", "me", "zhao", D("6000.00"))]
    assert st.net == D("-15000.00")
    assert all(x.kind is CC and x.label == "source" for x in st.lines)
    assert ended("published", "me", viewer="li").net == D("9000.00")


def test_xt_comp_05_co_creator_declines_the_invitation() -> None:
    """XT-COMP-05: li does not accept; the client pays 30,000 - 9,000 = 21,000 to me; fee 5% = 1,050
    borne pro rata over me 15,000 and zhao 6,000 (750 / 300); zhao gets 5,700; I net 14,250; li nothing."""
    st = ended("published", "li")
    assert moves(st) == [
        ("XT-COMP-05", "xingtu", "me", D("21000.00")),
        ("XT-FEE-01", "me", "xingtu", D("1050.00")),
        ("XT-ORD-03", "me", "zhao", D("5700.00")),
    ]
    assert st.net == own_income(st) == D("14250.00")
    assert ended("published", "li", viewer="li").net == D("0.00")
    assert ended("published", "li", viewer="zhao").net == D("5700.00")


def test_xt_comp_06_no_fee_on_compensation_and_fee_only_on_what_the_client_pays() -> None:
    """XT-COMP-06: compensation lines carry no fee; under XT-COMP-05 the fee is 5% of 21,000, not 30,000."""
    for stage in ("script_confirmed", "video_produced", "client_confirmed", "published"):
        for by in ("client", "me", "zhao"):
            st = ended(stage, by)
            fees = lines(st, "XT-FEE-01")
            if stage == "published" and by == "zhao":
                assert [x.base for x in fees] == [D("24000.00")]  # XT-COMP-05: 30,000 - zhao's 6,000
            else:
                assert fees == [], (stage, by)
                assert all("XT-COMP-06" in x.note for x in st.lines)


def test_xt_comp_07_ended_while_negotiating_pays_nothing() -> None:
    """XT-COMP-07: ended at negotiating, by the client or a participant: every line is 0.00."""
    for by in ("client", "li", "me"):
        st = ended("negotiating", by)
        assert st.lines and all(x.rule == "XT-COMP-07" and x.value == 0 for x in st.lines)
        assert st.net == 0


def test_xt_comp_07_defaulter_net_can_be_negative_with_mcn() -> None:
    """XT-COMP-07: a defaulting creator's net is negative; no MCN share on a negative own income."""
    st = ended("client_confirmed", "me", mcn={"name": "M", "share": "0.20"})
    assert st.net == D("-15000.00") and lines(st, "CORE-MCN-01") == []


def test_rejected_terminated_order_pays_no_compensation() -> None:
    """A rejected order adds nothing, compensation included."""
    order = co_order("o1", stage="client_confirmed", termination={"by": "client"}, app="douyin_lite")
    st = settle(scenario([order]))
    assert st.lines == () and [v.rule for v in st.violations] == ["XT-CC-09"]


def test_compensation_percentages_come_from_the_rule_file() -> None:
    """XT-COMP-02: an operator's override of the percentage changes every line."""
    order = co_order("o1", stage="video_produced", termination={"by": "client"})
    st = settle(scenario([order]), rules={"XT-COMP-02": {"percent": "0.40"}})
    assert [x.value for x in st.lines] == [D("6000.00"), D("3600.00"), D("2400.00")]
    assert {x.label for x in st.lines} == {"operator-set"}
