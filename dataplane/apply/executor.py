"""Plans as HNS modify calls: request conversion and a synchronous stage runner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from dataplane.hns import HcnApi, HnsError, ModifyRequest
from dataplane.hns.schema import Policy
from dataplane.model import ResourceKey
from dataplane.plan.requests import EndpointAclRequest, NetworkSetRequest, Plan, Request


def to_modify_request(request: Request) -> ModifyRequest:
    """The HNS modify document for one planned request."""
    policies: list[Policy]
    if isinstance(request, NetworkSetRequest):
        policies = [spec.to_policy() for spec in request.sets]
    else:
        policies = request.policies()
    return ModifyRequest(
        resource_type="Policy", request_type=str(request.request_type), policies=policies
    )


class Acknowledger(Protocol):
    """What a plan's outcomes are reported to: ``Engine``, or anything planning like it."""

    def acknowledge(self, request: Request, ok: bool) -> None: ...


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """What running one plan did; ``errors`` name the request and the HNS error."""

    sent: int
    failed: int
    skipped: int
    errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped


def _describe(request: Request) -> str:
    if isinstance(request, NetworkSetRequest):
        return f"{request.request_type} of {len(request.sets)} sets"
    return f"{request.request_type} of {len(request.acls)} ACLs on {request.endpoint}"


def execute_plan_sync(
    engine: Acknowledger,
    plan: Plan,
    api: HcnApi,
    endpoint_ids: Mapping[ResourceKey, str],
    network_id: str,
) -> ExecutionResult:
    """Send a plan stage by stage, acknowledging each request to ``engine``.

    Endpoint requests whose endpoint has no HNS id are skipped (not
    acknowledged: the next plan carries them again). After a stage with a
    failure the later stages are not started.
    """
    sent = failed = skipped = 0
    errors: list[str] = []
    for index, stage in enumerate(plan.stages):
        for request in stage:
            endpoint_id = (
                endpoint_ids.get(request.endpoint)
                if isinstance(request, EndpointAclRequest)
                else network_id
            )
            if endpoint_id is None:
                skipped += 1
                continue
            sent += 1
            try:
                if isinstance(request, NetworkSetRequest):
                    api.modify_network(network_id, to_modify_request(request))
                else:
                    api.modify_endpoint(endpoint_id, to_modify_request(request))
            except HnsError as err:
                failed += 1
                errors.append(f"{_describe(request)}: {err}")
                engine.acknowledge(request, False)
            else:
                engine.acknowledge(request, True)
        if failed:
            skipped += sum(len(s) for s in plan.stages[index + 1 :])
            break
    return ExecutionResult(sent, failed, skipped, tuple(errors))
