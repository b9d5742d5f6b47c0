"""Desired versus programmed HNS state, and the requests that reconcile them."""

from dataplane.plan.planner import ACL_UPDATE_MODES, AclUpdateMode, PlanCounters, Planner
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
    "ACL_UPDATE_MODES",
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
