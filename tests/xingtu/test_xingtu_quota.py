"""The monthly co-creation cap (XT-CC-06) and review failures (XT-CC-07), through the store interface."""

from __future__ import annotations

from creatorpay.core import MemoryStore
from creatorpay.plugins.xingtu import quota
from tests.xingtu.xingtu_helpers import SIX_SPEC, co_order, lines, pending, reasons, scenario, settle, violated

KEY = quota.slot_key("me", "2026-10")


def test_xt_cc_06_fifth_submission_of_the_month_is_rejected() -> None:
    """XT-CC-06: 2 already this month + 2 orders = 4; the third order would be the fifth."""
    st = settle(scenario([co_order("o1"), co_order("o2"), co_order("o3")], co_creations_this_month=2))
    assert violated(st) == ["XT-CC-06"]
    v = st.violations[0]
    assert v.order == "o3" and v.participant == "me"
    assert "submission 5 of 2026-10, at most 4" in v.message
    assert lines(st, order="o3") == [] and len(lines(st, order="o2")) == 4
    assert st.facts["co_creation_slots"] == "4 of 4 used"


def test_xt_cc_06_order_rejected_for_another_reason_still_uses_a_slot() -> None:
    """XT-CC-06: an order rejected by XT-CC-02/03 uses its slot, so the next one finds none."""
    st = settle(scenario([co_order("bad", SIX_SPEC), co_order("o2")], co_creations_this_month=3))
    assert violated(st, "bad") == ["XT-CC-02", "XT-CC-03"]
    assert violated(st, "o2") == ["XT-CC-06"]


def test_xt_cc_06_order_rejected_by_the_cap_uses_no_slot() -> None:
    """XT-CC-06: the rejected fifth order holds nothing; the count stays at 4."""
    store = MemoryStore()
    st = settle(scenario([co_order("o1"), co_order("o2")], co_creations_this_month=3), store=store)
    assert violated(st) == ["XT-CC-06"]
    assert store.used(KEY) == 4


def test_xt_cc_06_counts_in_input_order_from_the_scenario_baseline() -> None:
    """XT-CC-06: the baseline is [creator] co_creations_this_month; orders count in input order."""
    orders = [co_order(f"o{i}") for i in range(1, 6)]
    st = settle(scenario(orders, co_creations_this_month=0))
    assert violated(st) == ["XT-CC-06"] and st.violations[0].order == "o5"
    st = settle(scenario(orders, co_creations_this_month=4))
    assert [v.order for v in st.violations] == ["o1", "o2", "o3", "o4", "o5"]


def test_xt_cc_06_counts_every_stage_and_ignores_ordinary_orders() -> None:
    """XT-CC-06: a co-creation order counts whatever its stage; an ordinary order does not."""
    orders = [
        co_order("a", stage="negotiating"),
        {"id": "solo", "amount": "10.00", "stage": "published"},
        co_order("b", termination={"by": "li"}, stage="video_produced"),
        co_order("c"),
    ]
    st = settle(scenario(orders, co_creations_this_month=2))
    assert violated(st) == ["XT-CC-06"] and st.violations[0].order == "c"


def test_xt_cc_06_not_in_force_before_2022_09() -> None:
    """XT-CC-06 from 2022-08-18 applies from 2022-09 (CORE-DATE-01)."""
    orders = [co_order(f"o{i}") for i in range(1, 6)]
    st = settle(scenario(orders, period="2022-08"))
    assert violated(st) == []
    assert reasons(st, "XT-CC-06") == ["not in force until 2022-08-18"]
    assert violated(settle(scenario(orders, period="2022-09"))) == ["XT-CC-06"]


def test_xt_cc_06_cap_of_another_leader_is_not_checked() -> None:
    """XT-CC-06: when li leads, the cap is li's; the scenario's own count does not apply."""
    spec = [("li", "main", "600.00"), ("me", "co_creator", "400.00")]
    st = settle(scenario([co_order(f"o{i}", spec) for i in range(1, 7)], co_creations_this_month=4))
    assert violated(st) == []
    assert any("led by li" in r for r in reasons(st, "XT-CC-06"))


def test_xt_cc_06_settling_again_with_the_same_store_is_idempotent() -> None:
    """XT-CC-06: an order keeps the slot it holds; settling the month again changes nothing."""
    store = MemoryStore()
    data = scenario([co_order(f"o{i}") for i in range(1, 6)])
    first = settle(data, store=store)
    second = settle(data, store=store)
    assert violated(first) == violated(second) == ["XT-CC-06"]
    assert store.used(KEY) == 4


def test_xt_cc_07_review_failure_pays_nothing_and_keeps_its_slot() -> None:
    """XT-CC-07, CORE-ORD-02: a failed review is a violation, never pending; it pays nothing and still
    uses one of the 4."""
    st = settle(scenario([co_order("failed", review_failed=True), co_order("o2")], co_creations_this_month=3))
    assert violated(st, "failed") == ["XT-CC-07"]
    assert "failed Xingtu review" in st.violations[0].message
    assert "still uses one of the month's co-creation slots" in st.violations[0].message
    assert lines(st, order="failed") == []
    assert "failed" not in pending(st)
    assert violated(st, "o2") == ["XT-CC-06"]


def test_xt_cc_07_operator_release_lets_a_fifth_order_through() -> None:
    """XT-CC-07: an operator's ``store.release`` of a failed submission's slot frees it for a later order."""
    store = MemoryStore()
    month = [co_order("o1", review_failed=True), co_order("o2"), co_order("o3"), co_order("o4")]
    assert violated(settle(scenario(month), store=store)) == ["XT-CC-07"]
    assert violated(settle(scenario([co_order("o5")], co_creations_this_month=4), store=MemoryStore())) == ["XT-CC-06"]
    assert store.release(KEY, "o1")
    later = settle(scenario([co_order("o5")], co_creations_this_month=4), store=store)
    assert violated(later) == []
    assert lines(later, "XT-ORD-02")[0].value == 30000


def test_xt_cc_07_release_slot_survives_settling_the_whole_month_again() -> None:
    """XT-CC-07: ``quota.release_slot`` remembers the release, so the full month settles o5 too."""
    store = MemoryStore()
    month = [co_order("o1", review_failed=True), co_order("o2"), co_order("o3"), co_order("o4"), co_order("o5")]
    assert violated(settle(scenario(month), store=store)) == ["XT-CC-07", "XT-CC-06"]
    assert quota.release_slot(store, "me", "2026-10", "o1")
    again = settle(scenario(month), store=store)
    assert violated(again) == ["XT-CC-07"]
    assert store.used(KEY) == 4


def test_xt_cc_07_without_release_a_slot_stays_used() -> None:
    """XT-CC-07: only the operator gives a slot back; settling the month again does not."""
    store = MemoryStore()
    month = [co_order("o1", review_failed=True), co_order("o2"), co_order("o3"), co_order("o4"), co_order("o5")]
    settle(scenario(month), store=store)
    assert violated(settle(scenario(month), store=store)) == ["XT-CC-07", "XT-CC-06"]
