"""Independent reference evaluator of policy semantics over raw manifests, and
random-cluster strategies."""

from tests.reference.cluster import Cluster, Pod
from tests.reference.evaluator import (
    DEFAULT_SOURCE_PORT,
    PIPELINE,
    TIER_SOURCES,
    Peer,
    Stage,
    TierSource,
    TierView,
    Verdict,
    allowed,
    evaluate,
    verdict,
)
from tests.reference.matching import EGRESS, INGRESS, Packet

__all__ = [
    "DEFAULT_SOURCE_PORT",
    "EGRESS",
    "INGRESS",
    "PIPELINE",
    "TIER_SOURCES",
    "Cluster",
    "Packet",
    "Peer",
    "Pod",
    "Stage",
    "TierSource",
    "TierView",
    "Verdict",
    "allowed",
    "evaluate",
    "verdict",
]
