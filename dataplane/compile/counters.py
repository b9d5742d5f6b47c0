"""Operation counters that show how much work the compiler did."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(slots=True)
class CompileCounters:
    """Monotonic counts of the compiler's unit operations."""

    policy_renders: int = 0
    """Policy versions rendered (shared by every endpoint; a policy applying again,
    or a version whose rules are unchanged, keeps its render)."""
    rules_rendered: int = 0
    """Rules rendered (a new policy version reuses its unchanged rules)."""
    rules_resolved: int = 0
    """Rules resolved for an endpoint (kept until the rule or a fact it reads changes)."""
    endpoint_compiles: int = 0
    """Endpoints recompiled (their segments checked, the changed ones rebuilt)."""
    segments_rebuilt: int = 0
    """Segments (a policy's run of rules, an inlined Pass, a tier default, the host
    allow, a final allow) whose ACLs were built rather than reused."""
    term_evaluations: int = 0
    """Address terms evaluated against set members."""
    term_patches: int = 0
    """One-set address terms brought up to date from their set's delta instead."""
    acls_compiled: int = 0
    """ACLs built by rebuilt segments."""
    fail_closed: int = 0
    """Distinct cases compiled fail-closed (narrowed allows, widened denies)."""
    priority_rebalances: int = 0
    """Times an endpoint's priority blocks had to be re-spread."""

    def snapshot(self) -> dict[str, int]:
        """The current counts as a plain dict."""
        return asdict(self)
