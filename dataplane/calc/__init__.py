"""The incremental calculation graph: updates in, one ordered Delta out per flush."""

from dataplane.calc.counters import CalcCounters
from dataplane.calc.delta import (
    Delta,
    EndpointPolicies,
    IpSetDelta,
    IpSetKey,
    Member,
    TierPolicies,
)
from dataplane.calc.graph import CalcGraph
from dataplane.calc.ipsets import IpSetCalculator, NotActiveError
from dataplane.calc.routes import DEFAULT_VNI, RouteChanges, RouteResolver
from dataplane.calc.rule_scanner import policy_set_keys

__all__ = [
    "DEFAULT_VNI",
    "CalcCounters",
    "CalcGraph",
    "Delta",
    "EndpointPolicies",
    "IpSetCalculator",
    "IpSetDelta",
    "IpSetKey",
    "Member",
    "NotActiveError",
    "RouteChanges",
    "RouteResolver",
    "TierPolicies",
    "policy_set_keys",
]
