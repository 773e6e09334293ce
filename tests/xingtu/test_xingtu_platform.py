"""Xingtu's registration, growth stage (XT-GROW-01), rule file, and the bundled examples' figures."""

from __future__ import annotations

from creatorpay.core import Engine, Kind, load_scenario
from creatorpay.plugins import xingtu
from tests.xingtu.xingtu_helpers import EXAMPLES, D, engine, lines, moves, reasons, scenario, settle, violated

XT_RULES = (
    [f"XT-CC-0{i}" for i in range(1, 10)]
    + ["XT-ORD-01", "XT-ORD-02", "XT-ORD-03", "XT-FEE-01", "XT-PRICE-01"]
    + [f"XT-COMP-0{i}" for i in range(1, 8)]
    + ["XT-GROW-01"]
)


def test_rule_file_holds_every_xingtu_rule_with_its_dates() -> None:
    """Every XT rule of RULES.md is in rules.toml; undated rules from 2022-01-01, XT-CC-06/08 from their dates."""
    book = engine().rulebooks["xingtu"]
    assert sorted(book.rules) == sorted(XT_RULES)
    starts = {r.id: r.versions[0].effective_from.isoformat() for r in book.rules.values()}
    assert starts.pop("XT-CC-06") == "2022-08-18" and starts.pop("XT-CC-08") == "2022-10-27"
    assert set(starts.values()) == {"2022-01-01"}
    assert book.rules["XT-FEE-01"].label == "unverified"
    assert book.rules["XT-FEE-01"].params["borne_by"].choices == ("pro_rata", "main")


def test_no_rules_before_2022() -> None:
    """CORE-DATE-01: no Xingtu rule is in force in 2021-12; the platform reports no_rules."""
    st = engine().settle(load_scenario(scenario(period="2021-12")), "xingtu")
    assert st.status == "no_rules"


def test_registration_offers_orders_only_with_reasons() -> None:
    """Tips, programs and merchant live streams are not offered, each with its reason."""
    platform = xingtu.creatorpay_platform()
    assert platform.offers == ("orders",)
    data = scenario([])
    data.update(tips={"yuan": "10.00"}, programs={"campaign": "1.00"}, merchant_live={"sales": "1.00"})
    st = settle(data)
    offered = {n.activity: n.reason for n in st.not_offered}
    assert offered["tips"] == "Xingtu has no live tipping"
    # The activity table of RULES.md (revision 2): [merchant_live] not offered, no source (WC-MERCH-01 is WeChat's).
    assert offered["merchant_live"].startswith("no source covers merchant live streams on Xingtu")
    assert set(offered) == {"tips", "programs", "merchant_live"}
    assert st.lines == ()


def test_xt_grow_01_stage_reported_and_programs_not_applied() -> None:
    """XT-GROW-01: the stage is a fact on the statement; unset programs are reported not applied."""
    st = settle(scenario([], growth_stage="harvest"))
    assert st.facts["growth_stage"] == "harvest"
    assert reasons(st, "XT-GROW-01") == ["stage programs are operator-set and none is set"]
    assert st.lines == () and st.impressions == 0


def test_xt_grow_01_operator_set_program_pays_the_stage() -> None:
    """XT-GROW-01: an operator's cash and traffic for the creator's stage apply; other stages' do not."""
    rules = {"XT-GROW-01": {"harvest_cash": "500.00", "harvest_impressions": 20000, "departure_cash": "9.00"}}
    st = settle(scenario([], growth_stage="harvest"), rules=rules)
    assert moves(st) == [("XT-GROW-01", "xingtu", "me", D("500.00"))]
    assert lines(st, kind=Kind.INCENTIVE)[0].label == "operator-set"
    assert st.impressions == 20000 and reasons(st, "XT-GROW-01") == []


def test_xt_grow_01_without_a_stage() -> None:
    """XT-GROW-01: no stage in the scenario, no fact, and the rule says why it did not apply."""
    st = settle(scenario([]))
    assert "growth_stage" not in st.facts
    assert reasons(st, "XT-GROW-01") == ["the scenario gives no growth_stage"]


def test_food_vlogger_example_figures() -> None:
    """EXPECTED.md food-vlogger: 20,000 paid, fee 1,000, li 4,750, wang 2,850; 11,400 before MCN, 9,120 net."""
    report = Engine().compare(load_scenario(EXAMPLES / "food-vlogger.toml"), ["xingtu"])
    st = report.result("xingtu")
    assert st.status == "ok"
    assert moves(st)[:4] == [
        ("XT-ORD-02", "xingtu", "me", D("20000.00")),
        ("XT-FEE-01", "me", "xingtu", D("1000.00")),
        ("XT-ORD-03", "me", "li", D("4750.00")),
        ("XT-ORD-03", "me", "wang", D("2850.00")),
    ]
    assert st.net - st.totals["mcn"] == D("11400.00")
    assert lines(st, "CORE-MCN-01")[0].value == D("2280.00")
    assert st.net == D("9120.00")
    assert {n.activity for n in st.not_offered} == {"tips", "programs"}
    assert st.facts["growth_stage"] == "exploration"


def test_co_creation_terminated_example_figures() -> None:
    """EXPECTED.md co-creation-terminated: li pays me 7,500 and zhao 3,000; o-2002 rejected; 4 slots used."""
    report = Engine().compare(load_scenario(EXAMPLES / "co-creation-terminated.toml"), ["xingtu"])
    st = report.result("xingtu")
    assert st.status == "ok"
    assert moves(st) == [("XT-COMP-02", "li", "me", D("7500.00")), ("XT-COMP-02", "li", "zhao", D("3000.00"))]
    assert [x.amount for x in st.lines] == [D("7500.00"), D("0.00")]
    assert violated(st, "o-2002") == ["XT-CC-02", "XT-CC-03"] and violated(st) == ["XT-CC-02", "XT-CC-03"]
    assert st.facts["co_creation_slots"] == "4 of 4 used"
    assert st.net == D("7500.00")
