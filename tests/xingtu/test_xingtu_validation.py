"""Xingtu eligibility and caps: XT-CC-01..05, XT-CC-08, XT-CC-09, XT-ORD-01, XT-ORD-02.

Each broken rule gives one violation per order, naming the participant and found vs allowed; a
rejected order adds nothing and does not stop the others.
"""

from __future__ import annotations

import pytest

from creatorpay.core import Kind, RuleFileError
from tests.xingtu.xingtu_helpers import (
    SIX_SPEC,
    D,
    co_order,
    engine,
    lines,
    participants,
    pending,
    reasons,
    scenario,
    settle,
    violated,
)


def test_xt_cc_01_no_main_contributor_is_rejected() -> None:
    """XT-CC-01: a co-creation order without a main contributor is rejected and pays nothing."""
    order = co_order("o1", [("me", "co_creator", "600.00"), ("li", "co_creator", "400.00")])
    st = settle(scenario([order]))
    assert violated(st) == ["XT-CC-01"]
    assert "0 main contributors" in st.violations[0].message and "exactly 1" in st.violations[0].message
    assert st.lines == ()


def test_xt_cc_01_two_main_contributors_name_the_second() -> None:
    """XT-CC-01: two mains; the violation names the one too many."""
    order = co_order("o1", [("me", "main", "600.00"), ("li", "main", "400.00")])
    st = settle(scenario([order]))
    assert violated(st) == ["XT-CC-01"]
    assert st.violations[0].participant == "li"
    assert "2 main contributors (me, li)" in st.violations[0].message


def test_xt_cc_02_and_03_sixth_co_creator_rejects_the_order_only() -> None:
    """XT-CC-02 and XT-CC-03: 6 co-creators (7 creators) reject that order; a valid one still pays."""
    st = settle(scenario([co_order("bad", SIX_SPEC), co_order("good")]))
    assert violated(st, "bad") == ["XT-CC-02", "XT-CC-03"]
    cc02, cc03 = st.violations
    assert cc02.participant == "c6" and cc02.message.startswith("6 co-creators, at most 5")
    assert cc03.participant == "c6" and cc03.message.startswith("7 creators in all, at most 6")
    assert lines(st, order="bad") == []
    assert lines(st, "XT-ORD-02", order="good")[0].value == D("30000.00")


def test_xt_cc_02_five_co_creators_are_allowed() -> None:
    """XT-CC-02: five co-creators (six creators) is the most allowed."""
    five = [("me", "main", "5000.00")] + [(f"c{i}", "co_creator", "1000.00") for i in range(1, 6)]
    assert violated(settle(scenario([co_order("o1", five)]))) == []


def test_xt_cc_03_seven_creators_without_too_many_co_creators() -> None:
    """XT-CC-03 on its own: two mains and five co-creators are 7 creators (XT-CC-01 too, not XT-CC-02)."""
    spec = [("me", "main", "1000.00"), ("li", "main", "1000.00")] + [
        (f"c{i}", "co_creator", "1000.00") for i in range(1, 6)
    ]
    st = settle(scenario([co_order("o1", spec)]))
    assert violated(st) == ["XT-CC-01", "XT-CC-03"]
    assert st.violations[1].participant == "c5"


def test_xt_cc_03_cap_follows_the_rule_file() -> None:
    """XT-CC-03: with XT-CC-02 raised to 6 by an override, seven creators break XT-CC-03 alone."""
    st = settle(scenario([co_order("o1", SIX_SPEC)]), rules={"XT-CC-02": {"max_co_creators": 6}})
    assert violated(st) == ["XT-CC-03"]


def test_xt_cc_04_main_contributor_must_be_whitelisted() -> None:
    """XT-CC-04: an absent flag counts as false and the violation says so."""
    data = participants([("li", "main", "600.00"), ("me", "co_creator", "400.00")])
    del data[0]["xingtu_beta"]
    order = {"id": "o2", "amount": "1000.00", "stage": "published", "co_creation": True, "participants": data}
    other = settle(scenario([order]))
    assert violated(other) == ["XT-CC-04"]
    v = other.violations[0]
    assert v.participant == "li" and "xingtu_beta absent (counts as false)" in v.message
    assert "allowed: xingtu_beta = true" in v.message


def test_xt_cc_04_participant_flag_wins_over_the_creator_table() -> None:
    """XT-CC-04: the participant's own xingtu_beta = false overrides [creator] xingtu_beta = true."""
    order = co_order("o1")
    order["participants"][0]["xingtu_beta"] = False
    st = settle(scenario([order], xingtu_beta=True))
    assert violated(st) == ["XT-CC-04"]
    assert "me: xingtu_beta false" in st.violations[0].message
    del order["participants"][0]["xingtu_beta"]
    assert violated(settle(scenario([order], xingtu_beta=False))) == ["XT-CC-04"]
    assert violated(settle(scenario([order], xingtu_beta=True))) == []


def test_xt_cc_05_co_creators_must_be_registered() -> None:
    """XT-CC-05: one violation for the order naming every unregistered co-creator."""
    order = co_order("o1")
    del order["participants"][1]["xingtu_registered"]
    order["participants"][2]["xingtu_registered"] = False
    st = settle(scenario([order]))
    assert violated(st) == ["XT-CC-05"]
    v = st.violations[0]
    assert v.participant == "li, zhao"
    assert "li: xingtu_registered absent (counts as false); zhao: xingtu_registered false" in v.message


def test_xt_cc_05_scenario_creator_as_co_creator_falls_back_to_creator_table() -> None:
    """XT-CC-05: the scenario creator's registration comes from [creator] when the entry omits it."""
    order = co_order("o1", [("li", "main", "600.00"), ("me", "co_creator", "400.00")])
    del order["participants"][1]["xingtu_registered"]
    assert violated(settle(scenario([order], xingtu_registered=False))) == ["XT-CC-05"]
    assert violated(settle(scenario([order], xingtu_registered=True))) == []


def test_xt_cc_08_off_platform_commercial_co_creation_from_2022_11() -> None:
    """XT-CC-08: in force from 2022-10-27, so from 2022-11 (CORE-DATE-01) an off-Xingtu co-creation is rejected."""
    st = settle(scenario([co_order("o1", off_platform=True)], period="2022-11"))
    assert violated(st) == ["XT-CC-08"]
    assert st.violations[0].participant == "me"
    assert "the platform may end co-creation for all of the work's authors (me, li, zhao)" in st.violations[0].message


def test_xt_cc_08_not_in_force_in_2022_10() -> None:
    """XT-CC-08 before it applies: reported not applied; Xingtu still pays nothing, and the order is an
    XT-ORD-01 violation, never pending (CORE-ORD-02)."""
    st = settle(scenario([co_order("o1", off_platform=True)], period="2022-10"))
    assert violated(st) == ["XT-ORD-01"]
    assert reasons(st, "XT-CC-08") == ["not in force until 2022-10-27"]
    assert st.lines == ()
    assert pending(st) == {}


def test_xt_cc_09_douyin_lite_and_creator_service_platform_rejected() -> None:
    """XT-CC-09: only the Douyin main app and pad app submit co-creation."""
    for app in ("douyin_lite", "creator_service_platform"):
        st = settle(scenario([co_order("o1", app=app)]))
        assert violated(st) == ["XT-CC-09"], app
        assert f"submitted from {app}" in st.violations[0].message
        assert "douyin, douyin_pad" in st.violations[0].message
    assert violated(settle(scenario([co_order("o1", app="douyin_pad")]))) == []


def test_xt_cc_09_applies_to_co_creation_only() -> None:
    """XT-CC-09: an ordinary order from Douyin Lite is not a co-creation submission."""
    st = settle(scenario([{"id": "o1", "amount": "100.00", "stage": "published", "app": "douyin_lite"}]))
    assert violated(st) == []


def test_xt_ord_01_ordinary_order_paid_to_the_creator_with_its_task_type() -> None:
    """XT-ORD-01: an order placed on Xingtu pays the creator; the line names the task type."""
    order = {"id": "o1", "amount": "1000.00", "stage": "published", "task": "recruitment"}
    st = settle(scenario([order], xingtu_beta=False, xingtu_registered=False))
    pay = lines(st, kind=Kind.ORDER_PAYMENT)
    assert [(x.rule, x.payer, x.payee, x.value) for x in pay] == [("XT-ORD-01", "xingtu", "me", D("1000.00"))]
    assert "recruitment (招募)" in pay[0].note
    assert st.net == D("950.00")


def test_xt_ord_01_order_arranged_off_xingtu_pays_nothing() -> None:
    """XT-ORD-01, CORE-ORD-02: an order not placed on Xingtu is not settled by Xingtu; it is a
    violation, not pending."""
    st = settle(scenario([{"id": "o1", "amount": "1000.00", "stage": "published", "off_platform": True}]))
    assert st.lines == () and violated(st) == ["XT-ORD-01"]
    assert "arranged off Xingtu" in st.violations[0].message
    assert pending(st) == {}


def test_core_ord_02_rejected_orders_are_never_pending() -> None:
    """CORE-ORD-02: XT-CC-08 off-platform use, a failed review and a cap reject an order as a violation;
    only an order not yet published or terminated is pending."""
    orders = [
        co_order("off", off_platform=True),
        co_order("review", review_failed=True),
        {"id": "single", "amount": "500.00", "stage": "published", "review_failed": True},
        co_order("early", stage="video_produced"),
    ]
    st = settle(scenario(orders, period="2022-11"))
    assert [(x.order, x.rule) for x in st.violations] == [
        ("off", "XT-CC-08"),
        ("review", "XT-CC-07"),
        ("single", "XT-ORD-01"),
    ]
    assert list(pending(st)) == ["early"]
    assert st.lines == ()


def test_xt_ord_01_ordinary_order_needs_one_main() -> None:
    """XT-ORD-01: an ordinary order listing no main creator has no one to pay."""
    order = {
        "id": "o1",
        "amount": "1000.00",
        "stage": "published",
        "participants": [{"creator": "me", "role": "co_creator", "agreed": "1000.00"}],
    }
    st = settle(scenario([order]))
    assert violated(st) == ["XT-ORD-01"]
    assert st.lines == ()


def test_xt_ord_02_agreed_amounts_must_add_up() -> None:
    """XT-ORD-02: agreed amounts that miss the order amount by a fen reject the order."""
    order = co_order("o1")
    order["amount"] = "30000.01"
    st = settle(scenario([order]))
    assert violated(st) == ["XT-ORD-02"]
    assert "add up to 30,000.00" in st.violations[0].message
    assert "must equal the order amount 30,000.01" in st.violations[0].message
    assert st.lines == ()


def test_one_violation_per_broken_rule_per_order() -> None:
    """Several broken rules on one order: one violation each, in rule order."""
    order = co_order("o1", SIX_SPEC, app="douyin_lite", off_platform=True)
    order["participants"][1]["xingtu_registered"] = False
    order["participants"][2]["xingtu_registered"] = False
    order["participants"][0]["xingtu_beta"] = False
    st = settle(scenario([order], period="2023-01"))
    assert violated(st) == ["XT-CC-02", "XT-CC-03", "XT-CC-04", "XT-CC-05", "XT-CC-08", "XT-CC-09"]
    assert st.violations[3].participant == "c1, c2"


def test_xt_cc_09_supported_apps_is_a_list_an_override_changes() -> None:
    """XT-CC-09: ``supported_apps`` is a list of app values (type ``texts``), no comma text to parse;
    an override to the main app alone rejects the pad app."""
    st = settle(scenario([co_order("o1", app="douyin_pad")]), rules={"XT-CC-09": {"supported_apps": ["douyin"]}})
    assert violated(st) == ["XT-CC-09"]
    assert "co-creation is supported only from douyin" in st.violations[0].message


def test_xt_cc_09_supported_apps_as_comma_text_keeps_its_meaning() -> None:
    """XT-CC-09: an older override giving the apps as comma text reads as the list it names (the
    override format stays compatible); a list with an empty or repeated item is refused, naming it."""
    st = settle(scenario([co_order("o1", app="douyin_pad")]), rules={"XT-CC-09": {"supported_apps": "douyin"}})
    assert violated(st) == ["XT-CC-09"]
    both = settle(
        scenario([co_order("o1", app="douyin_pad")]), rules={"XT-CC-09": {"supported_apps": "douyin, douyin_pad"}}
    )
    assert "XT-CC-09" not in violated(both)
    with pytest.raises(RuleFileError, match=r'xingtu\."XT-CC-09"\.supported_apps\[1\]: expected each item once'):
        engine({"XT-CC-09": {"supported_apps": "douyin, douyin"}})
    with pytest.raises(RuleFileError, match=r'xingtu\."XT-CC-09"\.supported_apps: expected a non-empty list'):
        engine({"XT-CC-09": {"supported_apps": 3}})
