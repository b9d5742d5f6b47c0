"""The calc delta is the compiler's only input, and engine reads change nothing."""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataplane.calc import CalcGraph
from dataplane.compile import AclCompiler
from dataplane.convert import convert
from dataplane.engine import Engine, EngineConfig
from dataplane.model import InSync, Labels, Update, Upsert
from dataplane.plan.requests import AclSpec, IpSetSpec
from tests.compile.harness import NODE, deny, namespace, pod, policy, side
from tests.e2e.pipeline import apply_edits
from tests.engine.test_incremental import CONFIGS, Programmed
from tests.reference.strategies import LOCAL_NODE, RandomCluster, cluster_edit, random_clusters


class Transcript:
    """Every delta of a graph fed the same updates, serialized as it is emitted."""

    def __init__(self) -> None:
        self.graph = CalcGraph(LOCAL_NODE)
        self.deltas: list[bytes] = []

    def record(self, updates: Iterable[Update]) -> None:
        self.graph.apply_all(updates)
        self.deltas.append(pickle.dumps(self.graph.flush()))


@pytest.mark.parametrize("config", list(CONFIGS), ids=list(CONFIGS))
@settings(max_examples=max(10, settings().max_examples // 2))
@given(cluster=random_clusters(), data=st.data())
def test_a_compiler_fed_only_the_recorded_deltas_reproduces_the_desired_state(
    cluster: RandomCluster, data: st.DataObject, config: str
) -> None:
    manifests = list(cluster.manifests)
    first = [*(convert(m) for m in manifests), InSync()]
    engine = Programmed(CONFIGS[config], first)
    transcript = Transcript()
    transcript.record(first)
    for number in range(data.draw(st.integers(1, 3), label="steps")):
        manifests, updates = apply_edits(
            manifests, data.draw(cluster_edit(manifests), label=f"edit {number}")
        )
        engine.step(updates)
        transcript.record(updates)
    # Replayed afterwards, from bytes: nothing but the deltas reaches this compiler.
    replay = AclCompiler(CONFIGS[config].compile_config)
    endpoints: dict[object, dict[str, AclSpec]] = {}
    sets: dict[str, IpSetSpec] = {}
    for blob in transcript.deltas:
        result = replay.apply(pickle.loads(blob))
        for key, acls in result.endpoints.items():
            if acls is None:
                endpoints.pop(key, None)
            else:
                endpoints[key] = dict(acls)
        for set_id, spec in result.sets.items():
            if spec is None:
                sets.pop(set_id, None)
            else:
                sets[set_id] = spec
    local = engine.engine.local_endpoints()
    assert endpoints == {key: dict(engine.engine.planner.desired(key)) for key in local}
    assert sets == engine.sets


WEB = pod("web", "10.0.0.1", app="web")
DB = pod("db", "10.0.0.9", app="db")
GUARD = policy("guard", "app == 'web'", ingress=[deny(source=side(selector="app == 'db'"))])


def test_engine_reads_change_nothing_and_refresh_is_explicit() -> None:
    engine = Engine(NODE, EngineConfig(set_policy=True))
    engine.apply([Upsert(namespace()), Upsert(WEB), Upsert(DB), Upsert(GUARD), InSync()])
    engine.plan()
    acl_id = next(iter(engine.planner.desired(WEB.key)))
    engine.apply([Upsert(replace(DB, labels=Labels({"app": "web"})))])  # db now gets GUARD
    before = engine.counters()
    status = engine.endpoint_status(WEB.key)
    for _ in range(3):
        assert set(engine.local_endpoints()) == {WEB.key, DB.key}
        assert engine.endpoint_status(WEB.key) == status
        assert engine.endpoint_status(DB.key) is not None
        assert engine.endpoint_status(DB.key).ingress == ()  # type: ignore[union-attr]
        assert engine.acl_origin(WEB.key, acl_id) is not None
        assert engine.take_notes() == ()
        assert engine.in_sync
        assert engine.counters() == before, "a read did work"
    engine.refresh()
    after = engine.counters()
    assert after["endpoints_resolved"] > before["endpoints_resolved"]
    assert engine.endpoint_status(DB.key).ingress == (GUARD.key,)  # type: ignore[union-attr]
    assert engine.counters() == after
