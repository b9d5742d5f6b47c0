"""The daemon's ``simulator.*`` keys that switch the simulator's HNS quirks."""

from pathlib import Path

import pytest

from dataplane.config import QUIRK_KEYS, ConfigError, load_config
from dataplane.hns import simulator


def test_the_config_keys_are_the_simulator_settings() -> None:
    assert tuple(simulator.setting_table()) == QUIRK_KEYS


def test_quirk_keys_are_read_and_empty_ones_keep_the_simulator_default(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("node_name: n\nsimulator:\n  update: all\n  set_side: npm\n")
    config = load_config(cfg)
    assert config.simulator.quirks() == {"update": "all", "set_side": "npm"}
    simulator.configure(settings=config.simulator.quirks())
    try:
        assert simulator.settings()["update"] == "all"
        assert simulator.settings()["schema"] == simulator.setting_table()["schema"].default
    finally:
        simulator.reset()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("simulator:\n  update: everything\n", "update: 'everything' is not one of by_type, all"),
        ("simulator:\n  set_side: 3\n", "simulator.set_side: expected str"),
        ("simulator:\n  host_rule: required\n", "simulator.host_rule: unknown setting"),
    ],
)
def test_bad_quirk_values_are_named(tmp_path: Path, text: str, needle: str) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("node_name: n\n" + text)
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert needle in str(err.value)
