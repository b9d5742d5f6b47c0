"""Compiling a selector into a plain Python function that evaluates it.

The generated code names label keys and values as parameters, so selectors of the
same shape (``pcns.name == "a" && app == "b"`` in every namespace) share one compiled
factory and differ only in what it is called with.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dataplane.selector._selector import Matcher, Selector

# Deeper subtrees are called through their own compiled matcher, which keeps
# every generated function well inside the Python compiler's nesting limits.
_MAX_INLINE_DEPTH = 16


class MatcherSource:
    """Collects what one generated function needs while the nodes write its expression."""

    __slots__ = ("arguments", "uses_get")

    def __init__(self) -> None:
        self.arguments: list[Any] = []
        self.uses_get = False

    def term(self, selector: Selector, depth: int) -> str:
        """The expression for a subtree at ``depth`` (inline, or a call when too deep)."""
        if depth > _MAX_INLINE_DEPTH:
            return f"{self.constant(selector.matches)}(labels)"
        return selector._source(self, depth)

    def constant(self, value: object) -> str:
        """The name under which the generated function reads ``value``."""
        self.arguments.append(value)
        return f"_a{len(self.arguments) - 1}"

    def get(self, key: str) -> str:
        """The expression for the value of ``key`` (None when absent)."""
        self.uses_get = True
        return f"get({self.constant(key)})"


@lru_cache(maxsize=65536)
def compiled_matcher(selector: Selector) -> Matcher:
    """A function ``labels -> bool`` equivalent to ``selector`` (one per canonical form)."""
    source = MatcherSource()
    expression = source.term(selector, 0)
    bind_get = "        get = labels.get\n" if source.uses_get else ""
    return _factory(len(source.arguments), bind_get, expression)(*source.arguments)


@lru_cache(maxsize=4096)
def _factory(arguments: int, bind_get: str, expression: str) -> Callable[..., Matcher]:
    """The compiled factory of one selector shape: its arguments in, a matcher out."""
    parameters = ", ".join(f"_a{i}" for i in range(arguments))
    code = (
        f"def factory({parameters}):\n"
        "    def match(labels):\n"
        f"{bind_get}"
        f"        return {expression}\n"
        "    return match\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(code, "<selector>", "exec"), {"__builtins__": {}}, namespace)
    factory: Callable[..., Matcher] = namespace["factory"]
    return factory
