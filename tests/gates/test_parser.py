"""The budget language's syntax: tables of valid and invalid text, and property tests."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from releasegate.gates.errors import BudgetSyntaxError
from releasegate.gates.nodes import Aggregation, Arith, BaselineRef, BoolOp, Comparison, Expr, Quantity
from releasegate.gates.parser import parse


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("avg < 2s", "avg < 2s"),
        ("p(95) < 800ms", "p(95) < 800ms"),
        ("p(99.9) <= 1.2s", "p(99.9) <= 1.2s"),
        ("median < 2.5s", "med < 2.5s"),
        ("med<2.5s", "med < 2.5s"),
        ("max < 0.1", "max < 0.1"),
        ("min > 1ms", "min > 1ms"),
        ("rate < 0.5%", "rate < 0.5%"),
        ("count == 0", "count == 0"),
        ("count != 3", "count != 3"),
        ("rps >= 50", "rps >= 50"),
        ("value > 10", "value > 10"),
        ("rate < 1% or count < 20", "rate < 1% or count < 20"),
        ("avg < 2s and p(95) < 800 ms", "avg < 2s and p(95) < 800ms"),
        ("p(95) < baseline * 1.10", "p(95) < baseline * 1.1"),
        ("median < baseline + 200ms", "med < baseline + 200ms"),
        ("(rate < 1% or count < 2) and max < 1m", "(rate < 1% or count < 2) and max < 1m"),
        ("max <= 1.5MB", "max <= 1.5MB"),
        ("avg < 512KiB", "avg < 512KiB"),
        ("p(0) >= -1", "p(0) >= -1"),
        ("avg < 1e3ms", "avg < 1000ms"),
    ],
)
def test_valid_expressions_print_canonically(text, canonical):
    tree = parse(text)
    assert str(tree) == canonical
    assert parse(str(tree)) == tree


def test_tree_shape():
    tree = parse("p(95) < baseline * 1.1 and rate < 1%")
    assert tree == BoolOp(
        "and",
        (
            Comparison(Aggregation("p", 95.0), "<", Arith("*", BaselineRef(), Quantity(1.1))),
            Comparison(Aggregation("rate"), "<", Quantity(1.0, "%")),
        ),
    )
    assert tree.items[1].limit.value == pytest.approx(0.01)  # type: ignore[union-attr]


def test_and_binds_tighter_than_or():
    tree = parse("avg < 1s or max < 2s and min < 3s")
    assert isinstance(tree, BoolOp)
    assert tree.op == "or"
    assert isinstance(tree.items[1], BoolOp)
    assert tree.items[1].op == "and"


@pytest.mark.parametrize(
    ("text", "fragment", "column"),
    [
        ("", "empty expression", 1),
        ("avg = 3s", "use '=='", 5),
        ("p(95) < 800mss", "did you mean 'ms'", 12),
        ("p(95) < 800 Ms", "did you mean 'ms'", 13),
        ("p95 < 800ms", "unknown aggregation 'p95'", 1),
        ("averge < 2s", "did you mean 'avg'", 1),
        ("p(101) < 1s", "outside 0..100", 3),
        ("p(95 < 1s", "expected ')'", 6),
        ("avg < ", "expected a number", 7),
        ("avg 2s", "expected a comparison", 5),
        ("avg < 1s 2s", "expected 'and', 'or'", 10),
        ("avg < 1s and", "expected an aggregation", 13),
        ("(avg < 1s", "expected ')'", 10),
        ("avg < 1s $", "unexpected character '$'", 10),
        ("avg < 1e999s", "too large", 7),
        ("(" * 40 + "avg < 1s" + ")" * 40, "nested deeper", 17),
    ],
)
def test_syntax_errors_say_what_and_where(text, fragment, column):
    with pytest.raises(BudgetSyntaxError) as info:
        parse(text)
    assert fragment in str(info.value)
    assert info.value.position + 1 == column


def test_syntax_error_is_a_config_error_with_exit_2():
    from releasegate.errors import ConfigError
    from releasegate.exitcodes import ExitCode

    with pytest.raises(ConfigError) as info:
        parse("avg <")
    assert info.value.exit_code == ExitCode.USAGE


ALPHABET = st.sampled_from(
    [
        *list("pavgmedinxrtcoulsbeh()<>=!+-*/%.0123456789 ,{}:_\t"),
        "ms",
        "KiB",
        "and",
        "or",
        "baseline",
        "p(95)",
    ]
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80))
def test_random_text_only_raises_budget_syntax_error(text):
    try:
        tree = parse(text)
    except BudgetSyntaxError:
        return
    assert parse(str(tree)) == tree


@settings(max_examples=400)
@given(st.lists(ALPHABET, max_size=25).map("".join))
def test_near_miss_text_only_raises_budget_syntax_error(text):
    try:
        tree = parse(text)
    except BudgetSyntaxError:
        return
    assert parse(str(tree)) == tree


numbers = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
quantities = st.builds(Quantity, numbers, st.sampled_from([None, "ms", "s", "m", "%", "B", "KB", "MiB"]))
operands = st.recursive(
    st.one_of(quantities, st.just(BaselineRef())),
    lambda inner: st.builds(Arith, st.sampled_from("+-*/"), inner, inner),
    max_leaves=4,
)
aggregations = st.one_of(
    st.builds(Aggregation, st.sampled_from(["avg", "min", "max", "med", "rate", "count", "rps", "value"])),
    st.builds(lambda p: Aggregation("p", p), st.floats(min_value=0, max_value=100, allow_nan=False)),
)
comparisons_st = st.builds(
    Comparison, aggregations, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), operands
)
expressions = st.recursive(
    comparisons_st,
    lambda inner: st.builds(
        BoolOp, st.sampled_from(["and", "or"]), st.lists(inner, min_size=2, max_size=3).map(tuple)
    ),
    max_leaves=5,
)


def _normal(tree: Expr) -> Expr:
    """Flatten nested same-operator BoolOps, as the printed form re-parses into them."""
    if isinstance(tree, BoolOp):
        items = []
        for item in map(_normal, tree.items):
            items += list(item.items) if isinstance(item, BoolOp) and item.op == tree.op else [item]
        return BoolOp(tree.op, tuple(items))
    return tree


@settings(max_examples=300)
@given(expressions)
def test_generated_trees_round_trip(tree):
    assert _normal(parse(str(tree))) == _normal(tree)
