"""Property tests over random selectors: semantics, round trip, restrictions, label keys."""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import given
from hypothesis import strategies as st

from dataplane.model import Labels
from dataplane.selector import Selector, conjunction, disjunction, negation, parse
from dataplane.selector._matcher import compiled_matcher
from tests.selector.trees import KEYS, VALUES, Tree, evaluate, label_maps, selector_texts


@given(selector_texts(), label_maps)
def test_matches_agrees_with_the_reference_semantics(
    case: tuple[Tree, str], labels: dict[str, str]
) -> None:
    tree, text = case
    assert parse(text).matches(Labels(labels)) is evaluate(tree, labels)


@given(selector_texts(), st.lists(label_maps, max_size=5))
def test_canonical_string_round_trips(case: tuple[Tree, str], maps: list[dict[str, str]]) -> None:
    selector = parse(case[1])
    again = parse(str(selector))
    assert again == selector
    assert hash(again) == hash(selector)
    assert str(again) == str(selector)
    for labels in maps:
        assert again.matches(labels) is selector.matches(labels)


def _satisfies(
    restrictions: Mapping[str, frozenset[str] | None], labels: Mapping[str, str]
) -> bool:
    return all(
        key in labels and (allowed is None or labels[key] in allowed)
        for key, allowed in restrictions.items()
    )


@given(selector_texts(), label_maps)
def test_restrictions_are_sound(case: tuple[Tree, str], labels: dict[str, str]) -> None:
    selector = parse(case[1])
    if selector.matches(labels):
        assert _satisfies(selector.restrictions, labels)


@given(selector_texts(), label_maps, st.sampled_from((*KEYS, "other")), st.sampled_from(VALUES))
def test_labels_outside_label_keys_do_not_change_the_result(
    case: tuple[Tree, str], labels: dict[str, str], key: str, value: str
) -> None:
    selector = parse(case[1])
    if key in selector.label_keys:
        return
    changed = {**labels, key: value}
    removed = {k: v for k, v in labels.items() if k != key}
    assert selector.matches(changed) is selector.matches(labels)
    assert selector.matches(removed) is selector.matches(labels)


@given(st.lists(selector_texts(), min_size=1, max_size=4), label_maps)
def test_constructors_follow_boolean_logic(
    cases: list[tuple[Tree, str]], labels: dict[str, str]
) -> None:
    selectors = [parse(text) for _, text in cases]
    results = [s.matches(labels) for s in selectors]
    assert conjunction(*selectors).matches(labels) is all(results)
    assert disjunction(*selectors).matches(labels) is any(results)
    assert negation(selectors[0]).matches(labels) is not results[0]
    assert conjunction(*reversed(selectors)) == conjunction(*selectors)


def _deep(depth: int) -> tuple[Selector, Tree]:
    """Alternating &&/|| nesting that flattening cannot remove."""
    selector, tree = parse("has(a)"), Tree("has", ("a",))
    for level in range(depth):
        leaf_text = f"k{level} == 'v'"
        leaf = Tree("==", (f"k{level}", "v"))
        if level % 2:
            selector, tree = conjunction(selector, parse(leaf_text)), Tree("and", (tree, leaf))
        else:
            selector, tree = disjunction(selector, parse(leaf_text)), Tree("or", (tree, leaf))
    return selector, tree


@given(st.dictionaries(st.sampled_from([f"k{i}" for i in range(200)] + ["a"]), st.just("v")))
def test_deep_constructor_trees_match_correctly(labels: dict[str, str]) -> None:
    selector, tree = _deep(150)
    assert selector.matches(labels) is evaluate(tree, labels)


def test_selectors_of_one_shape_share_compiled_code_but_not_values() -> None:
    first = parse("app == 'a' && tier in {'x', 'y'} && version starts with '1'")
    second = parse("app == 'b' && tier in {'x', 'z'} && version starts with '2'")
    assert compiled_matcher(first).__code__ is compiled_matcher(second).__code__
    assert first.matches({"app": "a", "tier": "y", "version": "1.0"})
    assert not second.matches({"app": "a", "tier": "y", "version": "1.0"})
    assert second.matches({"app": "b", "tier": "z", "version": "2.0"})
    assert not first.matches({"app": "b", "tier": "z", "version": "2.0"})
