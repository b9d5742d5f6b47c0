"""Command line: ``hns-dataplane run | simulate | explain | version``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import anyio

from dataplane import __version__
from dataplane.config import ConfigError, load_config
from dataplane.logs import setup_logging


def _add_run(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = subparsers.add_parser(
        "run",
        help="run the node agent",
        description="Watch a datastore and program this node's HNS with its network policy.",
    )
    run.add_argument("--datastore", help="'kubernetes' or a directory/file of manifests")
    run.add_argument("--node-name", dest="node_name", help="this node's Kubernetes name")
    run.add_argument("--hns", choices=("auto", "sim", "dll"), help="HNS backend")
    run.add_argument("--kubeconfig", help="kubeconfig path (default: in-cluster config)")
    run.add_argument("--config", help="YAML configuration file (flags override it)")
    run.add_argument("--listen", help="HOST:PORT for /healthz /readyz /metrics /status")
    run.add_argument("--log-format", dest="log_format", choices=("text", "json"))
    run.add_argument("--log-level", dest="log_level", choices=("debug", "info", "warning", "error"))
    run.set_defaults(command=_run)


def _run(args: argparse.Namespace) -> int:
    from dataplane.daemon import StartupError, run_agent

    flags = {
        k: getattr(args, k)
        for k in (
            "datastore",
            "node_name",
            "hns",
            "kubeconfig",
            "listen",
            "log_format",
            "log_level",
        )
    }
    try:
        config = load_config(args.config, **flags)
    except ConfigError as err:
        print(f"hns-dataplane: configuration error: {err}", file=sys.stderr)
        return 2
    setup_logging(config.log_format, config.log_level)
    try:
        return anyio.run(run_agent, config)
    except StartupError as err:
        print(f"hns-dataplane: {err}", file=sys.stderr)
        return 2


def _version(_args: argparse.Namespace) -> int:
    print(f"hns-dataplane {__version__}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from dataplane import cli_simulate

    parser = argparse.ArgumentParser(
        prog="hns-dataplane",
        description="Kubernetes and Calico network policy for Windows HNS.",
    )
    parser.add_argument("--version", action="version", version=f"hns-dataplane {__version__}")
    subparsers = parser.add_subparsers(dest="subcommand", required=True)
    _add_run(subparsers)
    cli_simulate.register(subparsers)
    version = subparsers.add_parser("version", help="print the version")
    version.set_defaults(command=_version)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hns-dataplane`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.command(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
