"""Desired versus programmed HNS state, and the requests that reconcile them."""

from dataplane.plan.planner import AclUpdateMode, PlanCounters, Planner
from dataplane.plan.requests import (
    AclSpec,
    EndpointAclRequest,
    IpSetSpec,
    NetworkSetRequest,
    Plan,
    Request,
    RequestType,
)

__all__ = [
    "AclSpec",
    "AclUpdateMode",
    "EndpointAclRequest",
    "IpSetSpec",
    "NetworkSetRequest",
    "Plan",
    "PlanCounters",
    "Planner",
    "Request",
    "RequestType",
]
