"""The HNS version and the features its version gates enable."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class HnsVersion:
    """HNS major.minor, as ``GET /globals/version`` reports it (11.10 > 11.9)."""

    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    def at_least(self, major: int, minor: int) -> bool:
        return (self.major, self.minor) >= (major, minor)


@dataclass(frozen=True, slots=True)
class HnsFeatures:
    """What this HNS can be asked to do (gates from Microsoft's hcsshim ``hcn`` package)."""

    version: HnsVersion
    acl_ids: bool  # ACL Id, port ranges and lists: 7.2
    acl_no_host_rule_priority: bool  # Host rules may use priority 0: 7.2 (HNSVersion1803)
    v2_api: bool  # HCN v2 API and schema: 9.2
    ipv6: bool  # IPv6 dual stack: 11.10
    set_policy: bool  # network SetPolicy IPSET: 13.0
    tier_acl: bool  # TierAcl (Action Pass): 14.0
    nested_ip_set: bool  # NESTEDIPSET: 15.0
    network_acl: bool  # NetworkACL: 15.0

    @classmethod
    def for_version(cls, version: HnsVersion) -> HnsFeatures:
        return cls(
            version=version,
            acl_ids=version.at_least(7, 2),
            acl_no_host_rule_priority=version.at_least(7, 2),
            v2_api=version.at_least(9, 2),
            ipv6=version.at_least(11, 10),
            set_policy=version.at_least(13, 0),
            tier_acl=version.at_least(14, 0),
            nested_ip_set=version.at_least(15, 0),
            network_acl=version.at_least(15, 0),
        )
