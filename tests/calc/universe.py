"""A small universe of model objects and hypothesis strategies over it for calc tests."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from dataplane.model import (
    Action,
    Delete,
    Direction,
    EntityMatch,
    InSync,
    Kind,
    Labels,
    NamedPort,
    NamedPortRef,
    Namespace,
    NetworkSet,
    Policy,
    Protocol,
    ResourceKey,
    Rule,
    ServiceAccount,
    Tier,
    Update,
    Upsert,
    WorkloadEndpoint,
)
from dataplane.selector import parse

LOCAL = "node-1"
REMOTE = "node-2"
NAMESPACES = ("a", "b")
ACCOUNTS = ("sa1", "sa2")
POD_NAMES = ("p0", "p1", "p2", "p3")
SET_NAMES = ("s0", "s1")
POLICY_NAMES = ("pol0", "pol1", "pol2")
TIER_NAMES = ("default", "t1", "t2", "absent")
ADDRESSES = ("10.0.0.1", "10.0.0.2", "10.0.1.3", "10.2.0.4", "fd00::1", "fd00::2", "fd01::3")
NETS = ("10.0.0.0/24", "10.0.0.1/32", "10.0.0.0/8", "10.1.0.0/16", "fd00::/64", "fd00::/16")
PORTS = (
    NamedPort("http", Protocol.TCP, 80),
    NamedPort("http", Protocol.TCP, 8080),
    NamedPort("dns", Protocol.UDP, 53),
    NamedPort("http", Protocol.UDP, 81),
)
SELECTOR_TEXTS = (
    "all()",
    "app == 'web'",
    "app != 'web'",
    "has(role)",
    "!has(app)",
    "app in {'web', 'db'} && role == 'fe'",
    "app == 'web' || role == 'be'",
    "pcns.team == 'x'",
    "has(pcns.env)",
    "pcsa.level == 'hi'",
    "projectcalico.org/serviceaccount == 'sa1'",
    "projectcalico.org/namespace == 'a'",
    "global()",
    "app == 'db' && pcns.team == 'y'",
)
SELECTORS = tuple(parse(text) for text in SELECTOR_TEXTS)
NAMESPACE_SELECTORS = tuple(parse(t) for t in ("all()", "team == 'x'", "has(env)", "global()"))


def _optional_labels(**choices: tuple[str, ...]) -> st.SearchStrategy[Labels]:
    """Label maps where each key is present (with one of its values) or absent."""
    keys = tuple(choices)
    values = [st.sampled_from((None, *options)) for options in choices.values()]
    return st.tuples(*values).map(
        lambda drawn: Labels({k: v for k, v in zip(keys, drawn, strict=True) if v is not None})
    )


_labels = _optional_labels(app=("web", "db"), role=("fe", "be"))
_parent_labels = _optional_labels(team=("x", "y"), env=("prod",), level=("hi", "lo"))


@dataclass(frozen=True, slots=True)
class Flush:
    """Test op: flush the graph."""


Op = Update | Flush

namespaces = st.builds(Namespace, st.sampled_from(NAMESPACES), _parent_labels)
service_accounts = st.builds(
    ServiceAccount, st.sampled_from(NAMESPACES), st.sampled_from(ACCOUNTS), _parent_labels
)
endpoints = st.builds(
    WorkloadEndpoint,
    namespace=st.sampled_from(NAMESPACES),
    name=st.sampled_from(POD_NAMES),
    node=st.sampled_from((LOCAL, REMOTE)),
    addresses=st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=2, unique=True).map(tuple),
    labels=_labels,
    ports=st.lists(st.sampled_from(PORTS), max_size=2, unique=True).map(tuple),
    service_account=st.sampled_from(("", *ACCOUNTS)),
    created=st.sampled_from(("", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")),
    deleting=st.booleans(),
)
network_sets = st.builds(
    NetworkSet,
    namespace=st.sampled_from(("", *NAMESPACES)),
    name=st.sampled_from(SET_NAMES),
    nets=st.lists(st.sampled_from(NETS), max_size=3, unique=True).map(tuple),
    labels=_labels,
)
tiers = st.builds(
    Tier,
    name=st.sampled_from(TIER_NAMES[:3]),
    order=st.sampled_from((None, 1.0, 2.0, 5.0)),
    default_action=st.sampled_from((Action.DENY, Action.PASS)),
)
_sides = st.builds(
    EntityMatch,
    selector=st.sampled_from((None, *SELECTORS)),
    not_selector=st.sampled_from((None, None, None, *SELECTORS[:3])),
    ports=st.sampled_from(((), (), (NamedPortRef("http"),), (NamedPortRef("dns"),))),
)
_rules = st.lists(
    st.builds(
        Rule,
        action=st.sampled_from((Action.ALLOW, Action.DENY, Action.LOG)),
        protocol=st.sampled_from((None, Protocol.TCP, Protocol.UDP)),
        source=_sides,
        destination=st.one_of(st.just(EntityMatch()), _sides),
    ),
    max_size=2,
).map(tuple)
_types = st.sets(st.sampled_from((Direction.INGRESS, Direction.EGRESS))).map(frozenset)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    """A policy of any kind, with a small random placement and rule set."""
    kind = draw(
        st.sampled_from((Kind.K8S_NETWORK_POLICY, Kind.NETWORK_POLICY, Kind.GLOBAL_NETWORK_POLICY))
    )
    namespaced = kind is not Kind.GLOBAL_NETWORK_POLICY
    k8s = kind is Kind.K8S_NETWORK_POLICY
    return Policy(
        kind=kind,
        namespace=draw(st.sampled_from(NAMESPACES)) if namespaced else "",
        name=draw(st.sampled_from(POLICY_NAMES)),
        selector=draw(st.sampled_from(SELECTORS)),
        types=draw(_types),
        ingress=draw(_rules),
        egress=draw(_rules),
        tier="default" if k8s else draw(st.sampled_from(TIER_NAMES)),
        order=1000.0 if k8s else draw(st.sampled_from((None, 1.0, 5.0, 1000.0))),
        namespace_selector=None
        if namespaced
        else draw(st.sampled_from((None, *NAMESPACE_SELECTORS))),
    )


_kinds_by_name = {
    Kind.NAMESPACE: st.tuples(st.just(""), st.sampled_from(NAMESPACES)),
    Kind.SERVICE_ACCOUNT: st.tuples(st.sampled_from(NAMESPACES), st.sampled_from(ACCOUNTS)),
    Kind.WORKLOAD_ENDPOINT: st.tuples(st.sampled_from(NAMESPACES), st.sampled_from(POD_NAMES)),
    Kind.NETWORK_SET: st.tuples(st.sampled_from(NAMESPACES), st.sampled_from(SET_NAMES)),
    Kind.GLOBAL_NETWORK_SET: st.tuples(st.just(""), st.sampled_from(SET_NAMES)),
    Kind.TIER: st.tuples(st.just(""), st.sampled_from(TIER_NAMES)),
    Kind.K8S_NETWORK_POLICY: st.tuples(st.sampled_from(NAMESPACES), st.sampled_from(POLICY_NAMES)),
    Kind.NETWORK_POLICY: st.tuples(st.sampled_from(NAMESPACES), st.sampled_from(POLICY_NAMES)),
    Kind.GLOBAL_NETWORK_POLICY: st.tuples(st.just(""), st.sampled_from(POLICY_NAMES)),
}
keys = st.one_of(
    *(
        names.map(lambda pair, kind=kind: ResourceKey(kind, pair[0], pair[1]))
        for kind, names in _kinds_by_name.items()
    )
)
resources = st.one_of(
    endpoints,
    endpoints,
    endpoints,
    network_sets,
    policies(),
    policies(),
    policies(),
    namespaces,
    service_accounts,
    tiers,
)
ops: st.SearchStrategy[Op] = st.one_of(
    endpoints.map(Upsert),
    endpoints.map(Upsert),
    network_sets.map(Upsert),
    policies().map(Upsert),
    policies().map(Upsert),
    namespaces.map(Upsert),
    service_accounts.map(Upsert),
    tiers.map(Upsert),
    keys.map(Delete),
    st.just(Flush()),
    st.just(InSync()),
)


@st.composite
def scenarios(draw: st.DrawFn) -> list[Op]:
    """A populated cluster, then random changes with random flushes."""
    snapshot: list[Op] = [Upsert(v) for v in draw(st.lists(resources, min_size=15, max_size=40))]
    changes = draw(st.lists(ops, min_size=4, max_size=40))
    first = draw(st.sampled_from((Flush(), InSync())))
    return [*snapshot, first, *changes]
