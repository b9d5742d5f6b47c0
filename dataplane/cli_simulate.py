"""The ``simulate`` and ``explain`` subcommands (argument parsing and printing only)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dataplane.model import Update

if TYPE_CHECKING:
    from dataplane.simulate import Probe, SimulatedCluster, SimulatedNode


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``simulate`` and ``explain`` to the main parser's subcommands."""
    sim = subparsers.add_parser(
        "simulate",
        help="reachability matrix of manifests, through the real pipeline",
        description=(
            "Program the HNS simulator from manifests (Namespaces, Pods, NetworkPolicies, "
            "Calico resources) and print which pod can reach which, as classified on "
            "the programmed ACLs."
        ),
    )
    _common(sim)
    sim.add_argument(
        "--probe",
        action="append",
        metavar="PORT/PROTO",
        help="port and protocol to try, e.g. 80/TCP, 53/UDP, ICMP (repeatable; default 80/TCP)",
    )
    sim.add_argument("--format", choices=("table", "json"), default="table")
    sim.set_defaults(command=_simulate)

    explain = subparsers.add_parser(
        "explain",
        help="why one pod can or cannot reach another",
        description=(
            "Classify one connection on the programmed ACLs and show, for the source's "
            "egress and the destination's ingress, the deciding ACL and the policy rule "
            "it came from."
        ),
    )
    _common(explain)
    explain.add_argument("--from", dest="source", required=True, metavar="NS/POD")
    explain.add_argument("--to", dest="destination", required=True, metavar="NS/POD")
    explain.add_argument("--probe", default="80/TCP", metavar="PORT/PROTO")
    explain.add_argument("--format", choices=("text", "json"), default="text")
    explain.set_defaults(command=_explain)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="manifest files or directories")
    parser.add_argument(
        "--node",
        metavar="NAME",
        help="simulate only this node's pods (default: every pod on one simulated node)",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help=(
            "evaluate even if some documents are invalid or ignored, or pods share an "
            "address (they are still printed; exit status 1)"
        ),
    )


@dataclass(frozen=True, slots=True)
class _Input:
    """Updates ready to simulate, and whether something was wrong with them."""

    updates: list[Update]
    failed: bool


def _load(args: argparse.Namespace) -> _Input | int:
    """Read the manifests and report on stderr; an exit status when they stop the run.

    Invalid or ignored documents: exit 1 (unless --keep-going); two pods claiming
    one address on the simulated node: exit 2 before anything is programmed
    (unless --keep-going: the agent's rule picks one and it is said).
    """
    from dataplane.simulate import SIMULATED_NODE, address_conflicts, load_manifests, on_node
    from dataplane.simulate.cluster import node_names

    loaded = load_manifests(args.paths)
    for skipped in loaded.ignored:
        print(f"hns-dataplane: {skipped}", file=sys.stderr)
    for problem in loaded.problems:
        print(f"hns-dataplane: invalid: {problem}", file=sys.stderr)
    if loaded.problems and not args.keep_going:
        print(
            f"hns-dataplane: {len(loaded.problems)} invalid or ignored document(s); "
            "fix them or pass --keep-going",
            file=sys.stderr,
        )
        return 1
    node = args.node or SIMULATED_NODE
    updates: list[Update] = list(loaded.updates) if args.node else on_node(loaded.updates, node)
    conflicts = address_conflicts(updates, node)  # a whole cluster: every pod counts
    if not args.node and node_names(loaded.updates):
        updates = list(loaded.updates)  # each Node simulated with its own pods
    for conflict in conflicts:
        print(f"hns-dataplane: duplicate pod address: {conflict}", file=sys.stderr)
    if conflicts and not args.keep_going:
        return 2
    return _Input(updates, bool(loaded.problems or conflicts))


def _warn(simulated: SimulatedNode | SimulatedCluster) -> None:
    """The core's warnings other than address conflicts (already said), each once."""
    from dataplane.simulate import SimulatedCluster

    nodes = simulated.nodes.values() if isinstance(simulated, SimulatedCluster) else [simulated]
    said: set[str] = set()
    for node in nodes:
        said |= {c.describe() for c in node.engine.graph.address_conflicts().values()}
        for warning in node.engine.warnings():
            if warning not in said:
                said.add(warning)
                print(f"hns-dataplane: warning: {warning}", file=sys.stderr)


def _parse_probes(texts: list[str] | None) -> tuple[Probe, ...]:
    from dataplane.simulate import DEFAULT_PROBES, Probe

    return tuple(Probe.parse(t) for t in texts) if texts else DEFAULT_PROBES


def _simulate(args: argparse.Namespace) -> int:
    from dataplane.simulate import ProbeError, reachability, simulate

    try:
        probes = _parse_probes(args.probe)
    except ProbeError as err:
        print(f"hns-dataplane: {err}", file=sys.stderr)
        return 2
    loaded = _load(args)
    if isinstance(loaded, int):
        return loaded
    node = simulate(loaded.updates, args.node)
    _warn(node)
    result = reachability(node, probes)
    if args.format == "json":
        print(json.dumps(result.to_json()))
    else:
        print(result.to_table())
    return 1 if loaded.failed else 0


def _explain(args: argparse.Namespace) -> int:
    from dataplane.simulate import Probe, ProbeError, connection, simulate

    try:
        probe = Probe.parse(args.probe)
    except ProbeError as err:
        print(f"hns-dataplane: {err}", file=sys.stderr)
        return 2
    loaded = _load(args)
    if isinstance(loaded, int):
        return loaded
    node = simulate(loaded.updates, args.node)
    _warn(node)
    for pod in (args.source, args.destination):
        if pod not in node.pods:
            known = ", ".join(sorted(node.pods)) or "none"
            print(f"hns-dataplane: no pod {pod!r} with an address (pods: {known})", file=sys.stderr)
            return 2
    verdict = connection(node, args.source, args.destination, probe)
    output: Any = verdict.to_json() if args.format == "json" else verdict.to_text()
    print(json.dumps(output) if args.format == "json" else output)
    return 1 if loaded.failed else 0
