"""DeltaSequencer: net differences against what earlier deltas said, ordered by key."""

from __future__ import annotations

from dataplane.calc.sequencer import DeltaSequencer
from dataplane.model import Direction, Kind, Policy, ResourceKey
from dataplane.selector import parse

NO_SETS = ({}, (), frozenset())  # no set activations, membership changes or deactivations


def _policy(name: str, selector: str = "all()") -> Policy:
    return Policy(
        Kind.GLOBAL_NETWORK_POLICY, "", name, parse(selector), frozenset({Direction.INGRESS})
    )


def test_changed_values_are_emitted_in_key_order_and_unchanged_ones_are_not() -> None:
    sequencer = DeltaSequencer()
    a, b = _policy("a"), _policy("b")
    first = sequencer.sequence(*NO_SETS, {}, {b.key: b, a.key: a}, in_sync=False)
    assert list(first.policies) == [a.key, b.key]
    again = sequencer.sequence(*NO_SETS, {}, {a.key: _policy("a"), b.key: b}, in_sync=False)
    assert not again
    edited = _policy("b", "app == 'x'")
    delta = sequencer.sequence(*NO_SETS, {}, {b.key: edited}, in_sync=True)
    assert delta.policies == {b.key: edited}
    assert sequencer.policies == {a.key: a, b.key: edited}


def test_removals_are_emitted_only_for_things_emitted_before() -> None:
    sequencer = DeltaSequencer()
    a = _policy("a")
    never = ResourceKey(Kind.GLOBAL_NETWORK_POLICY, "", "never")
    sequencer.sequence(*NO_SETS, {}, {a.key: a}, in_sync=False)
    delta = sequencer.sequence(*NO_SETS, {}, {a.key: None, never: None}, in_sync=False)
    assert delta.policies_removed == {a.key}
    assert not sequencer.sequence(*NO_SETS, {}, {a.key: None}, in_sync=False)
    assert sequencer.policies == {}


def test_in_sync_is_carried_but_does_not_make_a_delta_truthy() -> None:
    delta = DeltaSequencer().sequence(*NO_SETS, {}, {}, in_sync=True)
    assert delta.in_sync and not delta
