"""Operation counters that show how much work the calculation graph did."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(slots=True)
class CalcCounters:
    """Monotonic counts of the graph's unit operations (never reset by the graph).

    Tests and benchmarks read them to assert that the cost of an update follows
    what it changes, not the size of the cluster.
    """

    selector_evaluations: int = 0
    """Calls of ``Selector.matches`` on one label map."""
    items_scanned: int = 0
    """Items visited by full scans (unrestricted selectors, building a key's index)."""
    items_relabelled: int = 0
    """Endpoints and network sets whose selector labels were recomposed after a
    namespace or service-account label change."""
    set_member_changes: int = 0
    """Members that entered or left an active address set."""
    endpoints_dirtied: int = 0
    """Local endpoints marked for re-resolution of their tiers and policies."""
    policies_dirtied: int = 0
    """Policies marked for re-checking whether they are active or changed."""
    endpoints_resolved: int = 0
    """Local endpoints whose tiers and policies were recomputed at a flush."""
    rules_scanned: int = 0
    """Rules scanned for the address sets they read (a new policy version scans
    only the rules that differ from the previous one)."""
    sets_activated: int = 0
    """Address sets that became active (their members computed from the index)."""
    tier_orderings: int = 0
    """Policies sorted into tiers for a set of matching selectors not resolved
    since the last change of a policy's placement or of a tier."""
    routes_resolved: int = 0
    """Route prefixes re-resolved at a flush (blocks, pools or VTEPs changed)."""
    route_blocks_scanned: int = 0
    """Block prefixes visited because an IP pool changed."""

    def snapshot(self) -> dict[str, int]:
        """The current counts as a plain dict."""
        return asdict(self)
