"""Compiling a selector into a plain Python function that evaluates it."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dataplane.selector._selector import Matcher, Selector

# Deeper subtrees are called through their own compiled matcher, which keeps
# every generated function well inside the Python compiler's nesting limits.
_MAX_INLINE_DEPTH = 16


class MatcherSource:
    """Collects what one generated function needs while the nodes write its expression."""

    __slots__ = ("delegates", "uses_get")

    def __init__(self) -> None:
        self.delegates: list[Matcher] = []
        self.uses_get = False

    def term(self, selector: Selector, depth: int) -> str:
        """The expression for a subtree at ``depth`` (inline, or a call when too deep)."""
        if depth > _MAX_INLINE_DEPTH:
            self.delegates.append(selector.matches)
            return f"_d{len(self.delegates) - 1}(labels)"
        return selector._source(self, depth)

    def get(self, key: str) -> str:
        """The expression for the value of ``key`` (None when absent)."""
        self.uses_get = True
        return f"get({key!r})"


@lru_cache(maxsize=65536)
def compiled_matcher(selector: Selector) -> Matcher:
    """A function ``labels -> bool`` equivalent to ``selector`` (one per canonical form)."""
    source = MatcherSource()
    expression = source.term(selector, 0)
    parameters = ", ".join(f"_d{i}" for i in range(len(source.delegates)))
    bind_get = "        get = labels.get\n" if source.uses_get else ""
    code = (
        f"def factory({parameters}):\n"
        "    def match(labels):\n"
        f"{bind_get}"
        f"        return {expression}\n"
        "    return match\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(code, "<selector>", "exec"), {"__builtins__": {}}, namespace)
    matcher: Matcher = namespace["factory"](*source.delegates)
    return matcher
