"""The routing policy on its own: pure inputs in, picks out."""

import datetime
from decimal import Decimal as D

import pytest

from fulfilment.routing import Candidate, Policy, route_line

DAY = datetime.date(2026, 12, 1)
DEFAULT = Policy()


def lot(lot_id, cooperative_id, kg, *, days=10, income="0"):
    return Candidate(
        lot_id=lot_id,
        cooperative_id=cooperative_id,
        free_kg=D(kg),
        best_before=DAY + datetime.timedelta(days=days),
        income=D(income),
    )


def route(candidates, units, *, unit_kg="1", capacity=None, policy=DEFAULT):
    capacity = {} if capacity is None else capacity
    picks = route_line(
        units=units,
        unit_kg=D(unit_kg),
        delivery_date=DAY,
        candidates=candidates,
        capacity_left=capacity,
        policy=policy,
    )
    return [(p.lot_id, p.cooperative_id, p.kg) for p in picks]


def test_one_cooperative_that_can_cover_the_line_beats_two_poorer_ones():
    candidates = [
        lot(1, 10, "6", income="100"),
        lot(2, 20, "6", income="200"),
        lot(3, 30, "10", income="900"),
    ]
    assert route(candidates, 10) == [(3, 30, D("10"))]


def test_without_fewest_cooperatives_the_lowest_earners_come_first():
    candidates = [
        lot(1, 10, "6", income="100"),
        lot(2, 20, "6", income="200"),
        lot(3, 30, "10", income="900"),
    ]
    policy = Policy(fewest_cooperatives=False)
    assert route(candidates, 10, policy=policy) == [
        (1, 10, D("6")),
        (2, 20, D("4")),
    ]


def test_among_equally_few_cooperatives_the_lowest_earning_households_win():
    candidates = [
        lot(1, 10, "10", income="500.00"),
        lot(2, 20, "10", income="20.00"),
        lot(3, 30, "10", income="80.00"),
    ]
    assert route(candidates, 8) == [(2, 20, D("8"))]


def test_within_a_cooperative_the_earliest_best_before_leaves_first():
    candidates = [
        lot(1, 10, "5", days=9),
        lot(2, 10, "5", days=3),
        lot(3, 10, "5", days=6),
    ]
    assert route(candidates, 8) == [(2, 10, D("5")), (3, 10, D("3"))]


def test_each_cooperative_gives_whole_units_of_sale():
    # 7 kg at one cooperative is one 5 kg crate, not 1.4.
    candidates = [lot(1, 10, "7"), lot(2, 20, "7")]
    assert route(candidates, 2, unit_kg="5") == [
        (1, 10, D("5")),
        (2, 20, D("5")),
    ]


def test_what_cannot_be_covered_is_left_short():
    candidates = [lot(1, 10, "3"), lot(2, 20, "4")]
    picks = route(candidates, 10)
    assert sum(kg for _l, _c, kg in picks) == D("7")


def test_daily_capacity_limits_a_cooperative_and_is_spent():
    candidates = [lot(1, 10, "50"), lot(2, 20, "50", income="999")]
    capacity = {10: D("12"), 20: None}
    assert route(candidates, 20, capacity=capacity) == [(2, 20, D("20"))]
    assert route(candidates, 30, capacity=capacity, policy=Policy()) == [
        (2, 20, D("30"))
    ]
    capacity = {10: D("12"), 20: D("5")}
    assert route(candidates, 20, capacity=capacity) == [
        (1, 10, D("12")),
        (2, 20, D("5")),
    ]
    assert capacity == {10: D("0"), 20: D("0")}


def test_same_state_same_routing_and_ties_go_to_the_lower_id():
    candidates = [lot(4, 40, "10"), lot(3, 30, "10"), lot(2, 30, "10")]
    first = route(candidates, 5)
    assert first == route(list(reversed(candidates)), 5) == [(2, 30, D("5"))]


def test_picks_carry_the_scores_that_chose_them():
    [pick] = route_line(
        units=2,
        unit_kg=D("1"),
        delivery_date=DAY,
        candidates=[lot(1, 10, "5", days=4, income="12.50")],
        capacity_left={},
        policy=DEFAULT,
    )
    assert pick.scores == {
        "cooperatives_used": 1,
        "cooperatives_eligible": 1,
        "cooperative_rank": 1,
        "cooperative_units": 2,
        "cooperative_income_ytd": "12.50",
        "lot_income_ytd": "12.50",
        "best_before": "2026-12-05",
        "days_left_at_delivery": 4,
        "policy": {
            "fewest_cooperatives": True,
            "cooperative_order": ["least_income", "earliest_best_before"],
            "lot_order": ["earliest_best_before", "least_income"],
        },
    }


def test_an_unknown_criterion_is_refused():
    with pytest.raises(ValueError, match="unknown routing criterion"):
        Policy(cooperative_order=("cheapest",))
