"""What /status and the metrics say about cluster-admin policies: counts and priority ties."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dataplane.model import ADMIN_POLICY_KINDS, Policy


@dataclass(frozen=True, slots=True)
class AdminSummary:
    """Active admin policies by kind, and every set of them sharing a tier and priority.

    Equal priorities are undefined upstream; here they apply in name order (then
    kind), and each tie is reported.
    """

    counts: dict[str, int]
    ties: tuple[str, ...]


def summarize(policies: Iterable[Policy]) -> AdminSummary:
    """The summary of the admin policies among ``policies`` (the active ones)."""
    counts = {str(kind): 0 for kind in sorted(ADMIN_POLICY_KINDS)}
    by_place: dict[tuple[str, float], list[Policy]] = {}
    for policy in policies:
        if policy.kind not in ADMIN_POLICY_KINDS:
            continue
        counts[str(policy.kind)] += 1
        if policy.order is not None:
            by_place.setdefault((policy.tier, policy.order), []).append(policy)
    ties = []
    for (tier, order), tied in sorted(by_place.items()):
        if len(tied) > 1:
            names = ", ".join(f"{p.kind} {p.name}" for p in sorted(tied, key=_name_order))
            ties.append(f"tier {tier} priority {order:g}: {names} (applied in this order)")
    return AdminSummary(counts, tuple(ties))


def _name_order(policy: Policy) -> tuple[str, str]:
    return policy.name, str(policy.kind)
