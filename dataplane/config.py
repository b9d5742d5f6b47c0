"""Agent configuration: defaults, a YAML/JSON file, and validation."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dataplane.sources.reflector import WatchSettings


class ConfigError(ValueError):
    """The configuration is invalid; names the key and says what is wrong."""


@dataclass(frozen=True, slots=True)
class ApplierConfig:
    """How the applier talks to HNS."""

    batch_window: float = 0.005
    max_concurrency: int = 8
    retry_base: float = 0.2
    retry_max: float = 30.0
    resync_interval: float = 60.0
    endpoint_poll_interval: float = 2.0
    progress_interval: float = 5.0


@dataclass(frozen=True, slots=True)
class VxlanConfig:
    """Overlay routes (``RemoteSubnetRoute``), as Felix's Windows VXLAN manager programs them."""

    enabled: str = "auto"
    network: str = ""
    vni: int = 4096
    port: int = 4789


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """Settings of the embedded HNS simulator (``hns: sim``).

    ``update`` .. ``schema`` switch the simulator's HNS quirks (docs/hns.md); "" keeps the
    simulator's own default (native/settings.c)."""

    version: str = "15.0"
    call_latency_us: int = 0
    acl_latency_us: int = 0
    manage_endpoints: bool = True
    network_type: str = "L2Bridge"
    update: str = ""
    acl_remove: str = ""
    set_side: str = ""
    host_rules: str = ""
    schema: str = ""

    def quirks(self) -> dict[str, str]:
        """The simulator settings given (the others keep the simulator's defaults)."""
        return {name: value for name in QUIRK_KEYS if (value := getattr(self, name))}


QUIRK_KEYS = ("update", "acl_remove", "set_side", "host_rules", "schema")


@dataclass(frozen=True, slots=True)
class AgentConfig:
    """Everything ``hns-dataplane run`` needs; see docs/configuration.md."""

    node_name: str = ""
    datastore: str = "kubernetes"
    hns: str = "auto"
    kubeconfig: str | None = None
    listen: str = "127.0.0.1:9099"
    log_format: str = "text"
    log_level: str = "info"
    network_name: str = "hns-dataplane"
    host_addresses: tuple[str, ...] = ()
    allow_host: bool = True
    set_policy: str = "auto"
    max_addresses_per_acl: int = 4000
    acl_update_mode: str = "merge"
    set_side: str = "npm"
    host_rules: bool = True
    directory_poll_interval: float = 0.5
    directory_empty_file_grace: float = 30.0
    applier: ApplierConfig = field(default_factory=ApplierConfig)
    simulator: SimulatorConfig = field(default_factory=SimulatorConfig)
    vxlan: VxlanConfig = field(default_factory=VxlanConfig)
    kubernetes: WatchSettings = field(default_factory=WatchSettings)

    def validate(self) -> AgentConfig:
        """Return self, or raise ``ConfigError`` naming the first bad setting."""
        if not self.node_name:
            raise ConfigError("node_name: required (--node-name or the config file)")
        _one_of("hns", self.hns, ("auto", "sim", "dll"))
        _one_of("log_format", self.log_format, ("text", "json"))
        _one_of("log_level", self.log_level, ("debug", "info", "warning", "error"))
        _one_of("set_policy", self.set_policy, ("auto", "on", "off"))
        _one_of("acl_update_mode", self.acl_update_mode, ("merge", "remove", "replace"))
        _one_of("set_side", self.set_side, ("npm", "felix"))
        listen_address(self.listen)
        for i, addr in enumerate(self.host_addresses):
            try:
                ipaddress.ip_address(addr)
            except ValueError:
                raise ConfigError(f"host_addresses[{i}]: not an IP address: {addr!r}") from None
        if self.max_addresses_per_acl < 1:
            raise ConfigError("max_addresses_per_acl: must be at least 1")
        if self.applier.max_concurrency < 1:
            raise ConfigError("applier.max_concurrency: must be at least 1")
        _validate_vxlan(self.vxlan)
        _one_of("simulator.network_type", self.simulator.network_type, ("L2Bridge", "Overlay"))
        for name in _POSITIVE:
            _positive(name, _setting(self, name))
        for name in _NOT_NEGATIVE:
            _not_negative(name, _setting(self, name))
        if self.applier.retry_max < self.applier.retry_base:
            raise ConfigError(
                f"applier.retry_max: {self.applier.retry_max} is less than "
                f"applier.retry_base ({self.applier.retry_base})"
            )
        simulator_version(self.simulator.version)
        _check_simulator(self.simulator)
        if self.datastore != "kubernetes" and not Path(self.datastore).exists():
            raise ConfigError(f"datastore: no such file or directory: {self.datastore}")
        return self


def _validate_vxlan(vxlan: VxlanConfig) -> None:
    _one_of("vxlan.enabled", vxlan.enabled, ("auto", "on", "off"))
    if not 4096 <= vxlan.vni <= 65535:
        raise ConfigError(f"vxlan.vni: {vxlan.vni} is not in 4096..65535")
    if not 1 <= vxlan.port <= 65535:
        raise ConfigError(f"vxlan.port: {vxlan.port} is not in 1..65535")
    try:
        re.compile(vxlan.network)
    except re.error as err:
        raise ConfigError(f"vxlan.network: not a regular expression: {err}") from None


_POSITIVE = (
    "directory_poll_interval",
    "applier.retry_base",
    "applier.retry_max",
    "applier.resync_interval",
    "applier.endpoint_poll_interval",
    "applier.progress_interval",
)
_NOT_NEGATIVE = (
    "directory_empty_file_grace",
    "applier.batch_window",
    "simulator.call_latency_us",
    "simulator.acl_latency_us",
)


def _setting(config: AgentConfig, name: str) -> float:
    value: Any = config
    for part in name.split("."):
        value = getattr(value, part)
    return float(value)


def _positive(name: str, value: float) -> None:
    if not value > 0 or value != value or value == float("inf"):
        raise ConfigError(f"{name}: must be a positive number of seconds, got {value!r}")


def _not_negative(name: str, value: float) -> None:
    if not value >= 0 or value == float("inf"):
        raise ConfigError(f"{name}: must not be negative, got {value!r}")


def simulator_version(text: str) -> tuple[int, int]:
    """``simulator.version`` ("MAJOR.MINOR") as numbers; ``ConfigError`` if malformed."""
    major, dot, minor = text.partition(".")
    if not (dot and major.isdigit() and minor.isdigit()):
        raise ConfigError(f"simulator.version: expected MAJOR.MINOR (e.g. 15.0), got {text!r}")
    return int(major), int(minor)


def kubeconfig_problem(kubeconfig: str | None) -> str | None:
    """Why the Kubernetes datastore has no way in (None: the kubeconfig given exists,
    or there is an in-cluster or default one). Reads the environment."""
    if kubeconfig is not None:
        return None if Path(kubeconfig).is_file() else f"kubeconfig: no such file: {kubeconfig}"
    if "KUBERNETES_SERVICE_HOST" in os.environ:
        return None
    default = os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or str(
        Path.home() / ".kube" / "config"
    )
    if Path(default).is_file():
        return None
    return (
        "kubeconfig: --datastore kubernetes needs --kubeconfig, a KUBECONFIG or "
        f"~/.kube/config file, or to run in a pod (no {default})"
    )


def _check_simulator(config: SimulatorConfig) -> None:
    quirks = config.quirks()
    if not quirks:
        return
    from dataplane.hns import BackendUnavailableError, simulator

    try:
        simulator.check_settings(quirks)
    except BackendUnavailableError as err:
        raise ConfigError(f"simulator.{next(iter(quirks))}: needs the simulator ({err})") from None
    except ValueError as err:
        raise ConfigError(str(err)) from None


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name}: {value!r} is not one of {', '.join(allowed)}")


def listen_address(text: str) -> tuple[str, int]:
    """Split ``host:port`` (IPv6 as ``[::1]:9099``); raise ``ConfigError`` if malformed."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535 or not host:
        raise ConfigError(f"listen: expected HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


def _build(cls: type, data: Mapping[str, Any], path: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key).replace("-", "_")
        where = f"{path}{name}"
        if name not in fields:
            raise ConfigError(f"{where}: unknown setting")
        factory = fields[name].default_factory
        default = None if factory is dataclasses.MISSING else factory()
        if dataclasses.is_dataclass(default):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}: expected a mapping")
            values[name] = _build(type(default), value, f"{where}.")
        elif name == "host_addresses":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: expected a list of IP addresses")
            values[name] = tuple(value)
        else:
            expected = type(fields[name].default)
            if fields[name].default is None:
                expected = str
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise ConfigError(f"{where}: expected {expected.__name__}, got {value!r}")
            values[name] = value
    try:
        return cls(**values)
    except ValueError as err:
        raise ConfigError(f"{path.rstrip('.') or cls.__name__}: {err}") from None


def load_config(path: str | Path | None, **overrides: Any) -> AgentConfig:
    """Read the config file (if any), then apply non-None ``overrides`` (CLI flags)."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text())
        except (OSError, yaml.YAMLError) as err:
            raise ConfigError(f"config file {path}: {err}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"config file {path}: expected a mapping at the top level")
        data = dict(loaded or {})
    data.update({k: v for k, v in overrides.items() if v is not None})
    config: AgentConfig = _build(AgentConfig, data, "")
    return config.validate()
