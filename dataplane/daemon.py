"""``hns-dataplane run``: the node agent (source + dataplane + HTTP endpoints)."""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

import anyio
import orjson

from dataplane.api import Dataplane, DataplaneOptions
from dataplane.config import AgentConfig, kubeconfig_problem, listen_address, simulator_version
from dataplane.hns import HcnClient, simulator
from dataplane.http import HttpServer
from dataplane.metrics import Metrics

log = logging.getLogger("dataplane.daemon")


def _engine_overrides(config: AgentConfig) -> dict[str, Any]:
    overrides: dict[str, Any] = {
        "host_addresses": config.host_addresses,
        "allow_host": config.allow_host,
        "max_addresses_per_acl": config.max_addresses_per_acl,
        "acl_update_mode": config.acl_update_mode,
        "set_side": config.set_side,
        "host_rules": config.host_rules,
    }
    if config.set_policy != "auto":
        overrides["set_policy"] = config.set_policy == "on"
    return overrides


def _make_source(config: AgentConfig, metrics: Metrics) -> Any:
    if config.datastore == "kubernetes":
        from dataplane.sources.kubernetes import KubernetesSource

        return KubernetesSource(
            kubeconfig=config.kubeconfig, settings=config.kubernetes, metrics=metrics
        )
    from dataplane.sources.directory import DirectorySource

    return DirectorySource(
        config.datastore,
        poll_interval=config.directory_poll_interval,
        empty_grace=config.directory_empty_file_grace,
    )


def _routes(dp: Dataplane) -> dict[str, Any]:
    def healthz() -> tuple[int, str, bytes]:
        return 200, "text/plain", b"ok\n"

    def readyz() -> tuple[int, str, bytes]:
        reasons = dp.not_ready()
        if not reasons:
            return 200, "text/plain", b"ready\n"
        return 503, "text/plain", "".join(f"not ready: {r}\n" for r in reasons).encode()

    def metrics() -> tuple[int, str, bytes]:
        return 200, "text/plain; version=0.0.4", dp.metrics.render()

    def status() -> tuple[int, str, bytes]:
        body = orjson.dumps(dp.status(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        return 200, "application/json", body

    return {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics, "/status": status}


async def _report_progress(dp: Dataplane, interval: float) -> None:
    """Log counts and rates periodically until the first full programming, then on change."""
    last_events, last_time, last_line = 0, time.monotonic(), ""
    while True:
        await anyio.sleep(interval)
        status = dp.status()
        counters = status["counters"]
        events = status["updates_received"]
        now = time.monotonic()
        rate = (events - last_events) / max(now - last_time, 1e-9)
        endpoints = status["endpoints"].values()
        line = (
            f"{'ready' if status['ready'] else 'syncing'}: {events} updates "
            f"({rate:.0f}/s), {len(status['endpoints'])} local endpoints "
            f"({sum(1 for e in endpoints if e['hns_endpoint'] is None)} pending), "
            f"{sum(e['acls'] for e in endpoints)} ACLs, "
            f"{counters.get('requests', 0)} HNS requests"
        )
        if line.split(":", 1)[1] != last_line.split(":", 1)[-1] or not status["ready"]:
            log.info("%s", line)
        last_events, last_time, last_line = events, now, line


class StartupError(Exception):
    """The agent cannot start as configured; raised before HNS is touched."""


async def run_agent(config: AgentConfig) -> int:
    """Run until SIGINT/SIGTERM; return the process exit status.

    Raises StartupError (before anything touches HNS) when the Kubernetes
    datastore has no kubeconfig, ``hns: dll`` is asked for where there is no
    HNS, or the listen address cannot be bound.
    """
    if config.datastore == "kubernetes" and (problem := kubeconfig_problem(config.kubeconfig)):
        raise StartupError(problem)
    dll = HcnClient.dll_available()
    if config.hns == "dll" and not dll:
        raise StartupError("hns: dll: computenetwork.dll is not available on this machine")
    sim = config.hns == "sim" or (config.hns == "auto" and not dll)
    host, port = listen_address(config.listen)
    try:
        listener = await anyio.create_tcp_listener(local_host=host, local_port=port)
    except OSError as error:
        message = f"listen: cannot listen on {config.listen}: {error.strerror or error}"
        raise StartupError(message) from None
    async with listener:
        return await _run(config, sim, listener)


async def _run(config: AgentConfig, sim: bool, listener: Any) -> int:
    if sim:
        major, minor = simulator_version(config.simulator.version)
        simulator.configure(
            version=(major, minor),
            call_latency_us=config.simulator.call_latency_us,
            acl_latency_us=config.simulator.acl_latency_us,
            settings=config.simulator.quirks(),
        )
    options = DataplaneOptions(
        network_name=config.network_name,
        network_type=config.simulator.network_type,
        create_network=sim,
        manage_endpoints=sim and config.simulator.manage_endpoints,
        engine_overrides=_engine_overrides(config),
        applier=config.applier,
        vxlan=config.vxlan,
    )
    metrics = Metrics()
    source = _make_source(config, metrics)
    async with (
        HcnClient(backend="sim" if sim else "dll") as client,
        Dataplane(config.node_name, client, options, metrics) as dp,
        anyio.create_task_group() as tg,
    ):
        tg.start_soon(dp.run_source, source)
        tg.start_soon(HttpServer(_routes(dp)).serve_listener, listener)
        tg.start_soon(_report_progress, dp, config.applier.progress_interval)
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for signum in signals:
                log.info(
                    "received %s: stopping (programmed rules stay in place)",
                    signal.Signals(signum).name,
                )
                tg.cancel_scope.cancel()
                break
    return 0
