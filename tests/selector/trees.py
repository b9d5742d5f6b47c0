"""Random selector trees for property tests: rendering to text and a reference evaluator.

The reference evaluator is written from the Calico selector semantics and shares
no code with ``dataplane.selector``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

NAMESPACE = "projectcalico.org/namespace"
KEYS = ("a", "b", "app.kubernetes.io/name", NAMESPACE, "x_y-z")
VALUES = ("", "x", "y", "xy", "yx", "it's", 'say "hi"', " sp ")


@dataclass(frozen=True)
class Tree:
    """One selector construct: ``op`` names it, ``args`` holds keys, values or subtrees."""

    op: str
    args: tuple[Any, ...] = ()


def evaluate(tree: Tree, labels: Mapping[str, str]) -> bool:
    """What the selector means, straight from the language's rules."""
    op, args = tree.op, tree.args
    if op == "all":
        return True
    if op == "global":
        return NAMESPACE not in labels
    if op == "not":
        return not evaluate(args[0], labels)
    if op == "and":
        return all(evaluate(a, labels) for a in args)
    if op == "or":
        return any(evaluate(a, labels) for a in args)
    key = args[0]
    present = key in labels
    value = labels.get(key, "")
    if op == "has":
        return present
    if op == "==":
        return present and value == args[1]
    if op == "!=":
        return not present or value != args[1]
    if op == "in":
        return present and value in args[1]
    if op == "not in":
        return not present or value not in args[1]
    if op == "contains":
        return present and args[1] in value
    if op == "starts with":
        return present and value.startswith(args[1])
    if op == "ends with":
        return present and value.endswith(args[1])
    raise AssertionError(op)


keys = st.sampled_from(KEYS)
values = st.sampled_from(VALUES)

leaves = st.one_of(
    st.just(Tree("all")),
    st.just(Tree("global")),
    keys.map(lambda k: Tree("has", (k,))),
    st.tuples(
        st.sampled_from(("==", "!=", "contains", "starts with", "ends with")), keys, values
    ).map(lambda t: Tree(t[0], (t[1], t[2]))),
    st.tuples(st.sampled_from(("in", "not in")), keys, st.lists(values, max_size=3)).map(
        lambda t: Tree(t[0], (t[1], tuple(t[2])))
    ),
)

trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        children.map(lambda c: Tree("not", (c,))),
        st.lists(children, min_size=2, max_size=4).map(lambda cs: Tree("and", tuple(cs))),
        st.lists(children, min_size=2, max_size=4).map(lambda cs: Tree("or", tuple(cs))),
    ),
    max_leaves=12,
)

label_maps = st.dictionaries(keys, values, max_size=len(KEYS))


@st.composite
def rendered(draw: st.DrawFn, tree: Tree) -> str:
    """Selector text for ``tree`` with random spacing, quotes and redundant parentheses."""

    def space() -> str:
        return draw(st.sampled_from(("", " ", "  ", "\t", "\n")))

    def gap() -> str:
        return draw(st.sampled_from((" ", "  ", "\t", " \n ")))

    def literal(value: str) -> str:
        choices = [q for q in "'\"" if q not in value]
        quote = draw(st.sampled_from(choices))
        return f"{quote}{value}{quote}"

    def text(node: Tree, context: str) -> str:
        op, args = node.op, node.args
        if op in ("and", "or"):
            joiner = "&&" if op == "and" else "||"
            body = f"{space()}{joiner}{space()}".join(text(a, op) for a in args)
            # || inside && and any compound after ! need parentheses.
            needs = context == "not" or (op == "or" and context == "and")
            return f"({space()}{body}{space()})" if needs or draw(st.booleans()) else body
        if op == "not":
            return f"!{space()}{text(args[0], 'not')}"
        if op in ("all", "global"):
            return f"{op}({space()})"
        if op == "has":
            return f"has({space()}{args[0]}{space()})"
        key = args[0]
        if op in ("==", "!="):
            body = f"{key}{space()}{op}{space()}{literal(args[1])}"
        elif op in ("in", "not in"):
            items = f"{space()},{space()}".join(literal(v) for v in args[1])
            word = "in" if op == "in" else f"not{gap()}in"
            body = f"{key}{gap()}{word}{space()}{{{space()}{items}{space()}}}"
        else:
            word = op.replace(" ", gap())
            body = f"{key}{gap()}{word}{space()}{literal(args[1])}"
        # A comparison after ! needs parentheses to be read as one term by a human;
        # the grammar accepts it either way (``!a == 'x'`` is ``!(a == 'x')``).
        return f"({body})" if draw(st.booleans()) else body

    return f"{space()}{text(tree, 'top')}{space()}"


@st.composite
def selector_texts(draw: st.DrawFn) -> tuple[Tree, str]:
    """A random tree and one of its many spellings."""
    tree = draw(trees)
    return tree, draw(rendered(tree))
