"""Independent reference evaluator of policy semantics, and random-cluster strategies."""

from tests.reference.cluster import Cluster
from tests.reference.evaluator import (
    DEFAULT_SOURCE_PORT,
    Peer,
    Verdict,
    allowed,
    evaluate,
    selects,
    verdict,
)
from tests.reference.matching import Packet, rule_matches, side_matches

__all__ = [
    "DEFAULT_SOURCE_PORT",
    "Cluster",
    "Packet",
    "Peer",
    "Verdict",
    "allowed",
    "evaluate",
    "rule_matches",
    "selects",
    "side_matches",
    "verdict",
]
