"""The documented scoring rules, on the fixture items (one of every kind)."""
import pytest

from ctip.content import loader
from ctip.engine.scoring import InvalidAnswer, score


@pytest.fixture
def items(fixture_course):
    return {it.id: it for it in loader.exercise("ex90").items}, loader.keys("ex90").items


def pts(items, iid, response):
    its, keys = items
    return score(its[iid], keys[iid].key, response).points(its[iid].points)


def test_single_and_truefalse_all_or_nothing(items):
    assert pts(items, "q1", "b") == 1.0
    assert pts(items, "q1", "a") == 0.0
    assert pts(items, "q3", True) == 1.0
    assert pts(items, "q3", False) == 0.0


@pytest.mark.parametrize("chosen,expected", [
    (["a", "c", "d"], 3.0),        # exact set
    (["a", "c"], 2.0),             # 2 of 3 right
    (["a", "c", "d", "b"], 2.0),   # all right, one wrong takes one share
    (["a", "b"], 0.0),             # 1 right - 1 wrong
    (["b"], 0.0),                  # never below zero
    ([], 0.0),
])
def test_multi_partial_credit(items, chosen, expected):
    assert pts(items, "q2", chosen) == expected


def test_sort_share_of_correct_placements(items):
    assert pts(items, "q4", {"x1": "act", "x2": "means", "x3": "means", "x4": "act"}) == 2.0
    assert pts(items, "q4", {"x1": "act", "x2": "means"}) == 1.0          # unplaced count as wrong
    assert pts(items, "q4", {"x1": "means", "x2": "act", "x3": "act", "x4": "means"}) == 0.0


@pytest.mark.parametrize("order,expected", [
    (["s1", "s2", "s3"], 2.0),
    (["s2", "s1", "s3"], 1.33),    # 2 of 3 pairs in order
    (["s3", "s2", "s1"], 0.0),     # reversed
])
def test_order_share_of_pairs(items, order, expected):
    assert pts(items, "q5", order) == expected


@pytest.mark.parametrize("iid,bad", [
    ("q1", "z"), ("q1", ["b"]), ("q1", None),
    ("q2", "a"), ("q2", ["a", "zz"]), ("q2", [1, 2]),
    ("q3", "true"), ("q4", ["x1"]), ("q4", {"x1": "nope"}),
    ("q5", ["s1", "s2"]), ("q5", ["s1", "s1", "s2"]),
])
def test_malformed_answers_are_rejected(items, iid, bad):
    its, keys = items
    with pytest.raises(InvalidAnswer):
        score(its[iid], keys[iid].key, bad)
