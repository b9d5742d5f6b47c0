"""LabelIndex: candidate selectors and items through one restriction per selector."""

from __future__ import annotations

from dataplane.calc.counters import CalcCounters
from dataplane.calc.label_index import LabelIndex, Placement
from dataplane.selector import Selector, parse


class Recorder:
    """Listener that records every notification in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []

    def matched(self, selector: Selector, item: str) -> None:
        self.events.append(("+", str(selector), item))

    def unmatched(self, selector: Selector, item: str) -> None:
        self.events.append(("-", str(selector), item))


class Fixture:
    """An index over a dict of item -> labels."""

    def __init__(self, indexed_keys: tuple[str, ...] = ()) -> None:
        self.labels: dict[str, dict[str, str]] = {}
        self.counters = CalcCounters()
        self.recorder = Recorder()
        self.index: LabelIndex[str] = LabelIndex(
            self.labels.__getitem__, self.labels.keys, self.recorder, self.counters, indexed_keys
        )

    def add(self, item: str, **labels: str) -> None:
        self.labels[item] = labels
        self.index.add_item(item, labels)

    def change(self, item: str, **labels: str) -> None:
        old = self.labels[item]
        self.labels[item] = labels
        self.index.update_item(item, old, labels)

    def remove(self, item: str) -> None:
        self.index.remove_item(item, self.labels.pop(item))


def test_new_selector_is_evaluated_only_against_items_filed_under_its_restriction() -> None:
    fx = Fixture()
    for i in range(50):
        fx.add(f"pod{i}", app=f"app{i % 10}", env="prod")
    selector = parse("app == 'app3' && env == 'prod'")
    assert fx.index.add_selector(selector)
    assert sorted(fx.index.matches(selector)) == sorted(f"pod{i}" for i in range(3, 50, 10))
    # 50 items scanned once to index "app", then only the 5 candidates evaluated.
    assert fx.counters.items_scanned == 50
    assert fx.counters.selector_evaluations == 5
    assert fx.recorder.events == []  # registration does not notify


def test_placement_prefers_explicit_values_then_the_fewest_candidates() -> None:
    fx = Fixture(indexed_keys=("app", "env"))
    for i in range(10):
        fx.add(f"pod{i}", app="web" if i < 8 else "db", env="prod")
    wide = parse("app == 'web' && has(env)")
    narrow = parse("app == 'web' && env in {'dev', 'test'}")
    fx.index.add_selector(wide)
    fx.index.add_selector(narrow)
    assert fx.index.placement(wide) == Placement("app", frozenset({"web"}))
    assert fx.index.placement(narrow) == Placement("env", frozenset({"dev", "test"}))
    unrestricted = parse("!has(app) || env == 'prod'")
    fx.index.add_selector(unrestricted)
    assert fx.index.placement(unrestricted) is None


def test_label_change_evaluates_only_selectors_that_read_a_changed_key() -> None:
    fx = Fixture()
    fx.add("pod", app="web", env="prod", version="1")
    reads_version = parse("app == 'web' && version == '2'")
    ignores_version = parse("app == 'web' && env == 'prod'")
    everything = parse("all()")
    for selector in (reads_version, ignores_version, everything):
        fx.index.add_selector(selector)
    before = fx.counters.selector_evaluations
    fx.change("pod", app="web", env="prod", version="2")
    assert fx.counters.selector_evaluations - before == 1
    assert fx.recorder.events == [("+", str(reads_version), "pod")]


def test_items_moving_between_values_start_and_stop_matching() -> None:
    fx = Fixture()
    fx.add("pod", app="web")
    web, db = parse("app == 'web'"), parse("app == 'db'")
    fx.index.add_selector(web)
    fx.index.add_selector(db)
    fx.change("pod", app="db")
    assert set(fx.recorder.events) == {("-", str(web), "pod"), ("+", str(db), "pod")}
    fx.change("pod", role="x")
    assert fx.recorder.events[2:] == [("-", str(db), "pod")]
    assert list(fx.index.items_with("app", "db")) == []


def test_unrestricted_selectors_see_every_item_and_negations_match_missing_keys() -> None:
    fx = Fixture()
    lacks_app = parse("!has(app)")
    fx.index.add_selector(lacks_app)
    fx.add("a", role="x")
    fx.add("b", app="web")
    assert fx.recorder.events == [("+", str(lacks_app), "a")]
    assert fx.index.is_match(lacks_app, "a") and not fx.index.is_match(lacks_app, "b")


def test_removing_an_item_notifies_its_matches_without_evaluating() -> None:
    fx = Fixture()
    fx.add("pod", app="web")
    web = parse("app == 'web'")
    fx.index.add_selector(web)
    before = fx.counters.selector_evaluations
    fx.remove("pod")
    assert fx.counters.selector_evaluations == before
    assert fx.recorder.events == [("-", str(web), "pod")]
    assert list(fx.index.matches(web)) == []


def test_selectors_are_reference_counted() -> None:
    fx = Fixture()
    fx.add("pod", app="web")
    web = parse("app == 'web'")
    assert fx.index.add_selector(web)
    assert not fx.index.add_selector(parse('app == "web"'))  # equal selector, shared
    assert not fx.index.remove_selector(web)
    assert web in fx.index
    assert fx.index.remove_selector(web)
    assert web not in fx.index
    fx.change("pod", app="db")
    assert fx.recorder.events == []


def test_selector_that_can_match_nothing_is_filed_nowhere_and_removable() -> None:
    fx = Fixture()
    fx.add("pod", app="web")
    impossible = parse("app == 'a' && app == 'b'")
    also_impossible = parse("app == 'c' && app == 'd'")
    fx.index.add_selector(impossible)
    fx.index.add_selector(also_impossible)
    assert fx.index.placement(impossible) == Placement("app", frozenset())
    fx.change("pod", app="a")
    assert fx.recorder.events == []
    assert fx.index.remove_selector(impossible) and fx.index.remove_selector(also_impossible)
