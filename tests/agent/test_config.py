"""Agent configuration: file + flags, and errors that name the key."""

from pathlib import Path

import pytest

from dataplane.config import AgentConfig, ConfigError, listen_address, load_config


def test_flags_override_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("node_name: from-file\nhns: sim\napplier:\n  batch_window: 1\n")
    config = load_config(cfg, node_name="from-flag", hns=None)
    assert config.node_name == "from-flag"
    assert config.hns == "sim"
    assert config.applier.batch_window == 1.0


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("node_name: n\nnodename: typo\n", "nodename: unknown setting"),
        ("node_name: n\napplier:\n  retry_bse: 1\n", "applier.retry_bse: unknown setting"),
        ("node_name: n\nhns: windows\n", "hns: 'windows' is not one of"),
        ("node_name: n\nmax_addresses_per_acl: many\n", "max_addresses_per_acl: expected int"),
        ("node_name: n\nhost_addresses: [10.0.0.300]\n", "host_addresses[0]: not an IP address"),
        ("node_name: n\nlisten: nowhere\n", "listen: expected HOST:PORT"),
        ("- just\n- a list\n", "expected a mapping at the top level"),
        ("node_name: n\napplier: 5\n", "applier: expected a mapping"),
        ("hns: sim\n", "node_name: required"),
        ("node_name: [unclosed\n", "config file"),
        ("node_name: n\nvxlan: {enabled: maybe}\n", "vxlan.enabled: 'maybe' is not one of"),
        ("node_name: n\nvxlan: {vni: 4095}\n", "vxlan.vni: 4095 is not in 4096..65535"),
        ("node_name: n\nvxlan: {port: 0}\n", "vxlan.port: 0 is not in 1..65535"),
        ("node_name: n\nvxlan: {network: '(calico'}\n", "vxlan.network: not a regular"),
        ("node_name: n\nvxlan: {vni: '4096'}\n", "vxlan.vni: expected int"),
        ("node_name: n\nsimulator: {network_type: ICS}\n", "simulator.network_type: 'ICS'"),
        ("node_name: n\nkubernetes:\n  page_size: 0\n", "kubernetes: WatchSettings.page_size"),
        ("node_name: n\nkubernetes:\n  backoff: {base: 0}\n", "kubernetes.backoff: backoff"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, text: str, needle: str) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert needle in str(err.value)


def test_kubernetes_watch_settings_from_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("node_name: n\nkubernetes:\n  down_grace: 30\n  backoff: {max: 10}\n")
    settings = load_config(cfg).kubernetes
    assert (settings.down_grace, settings.backoff.max, settings.page_size) == (30.0, 10.0, 500)


def test_missing_datastore_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="datastore: no such file"):
        load_config(None, node_name="n", datastore=str(tmp_path / "absent"))


def test_listen_address_forms() -> None:
    assert listen_address("127.0.0.1:9099") == ("127.0.0.1", 9099)
    assert listen_address("[::1]:80") == ("::1", 80)
    with pytest.raises(ConfigError):
        listen_address(":80")


def test_defaults_validate() -> None:
    assert AgentConfig(node_name="n").validate().set_policy == "auto"
