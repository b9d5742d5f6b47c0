"""Remote address conditions: static CIDRs intersected with and minus computed sets."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from dataplane.calc.delta import IpSetKey
from dataplane.compile.cidrs import AddressSet


@dataclass(frozen=True, slots=True)
class AddressTerm:
    """Addresses: ``cidrs`` (None: any), within every ``sets`` key, outside every ``excluded`` key.

    Build with ``address_term`` (normalizes: static CIDRs are folded into the
    sets' ``nets`` filters so one selector stays one calc-graph set).
    """

    cidrs: tuple[str, ...] | None = None
    sets: tuple[IpSetKey, ...] = ()
    excluded: tuple[IpSetKey, ...] = ()
    literal: bool = False  # always written as addresses (a local side: the endpoint's own)

    @property
    def is_any(self) -> bool:
        return self.cidrs is None and not self.sets and not self.excluded

    @property
    def is_static(self) -> bool:
        """No computed set involved: the value never changes."""
        return not self.sets and not self.excluded

    @property
    def direct_key(self) -> IpSetKey | None:
        """The one calc-graph set this term is exactly, if any."""
        if len(self.sets) == 1 and self.cidrs is None and not self.excluded:
            return self.sets[0]
        return None

    @property
    def keys(self) -> tuple[IpSetKey, ...]:
        """Every calc-graph set the term reads, once each (a key can be both in
        ``sets`` and ``excluded``, e.g. ``selector: all()`` with ``notSelector: all()``)."""
        return tuple(dict.fromkeys(self.sets + self.excluded))

    @property
    def canonical(self) -> str:
        cidrs = "*" if self.cidrs is None else ",".join(self.cidrs)
        sets = "&".join(k.canonical for k in self.sets)
        excluded = "&".join(k.canonical for k in self.excluded)
        return f"{cidrs}#{sets}#{excluded}"

    @property
    def id(self) -> str:
        """HNS set id of this term when it is not one calc-graph set."""
        if (key := self.direct_key) is not None:
            return key.id
        return "d-" + hashlib.blake2b(self.canonical.encode(), digest_size=8).hexdigest()


ANY_ADDRESS = AddressTerm()


def _restrict_key(key: IpSetKey, cidrs: AddressSet) -> IpSetKey | None:
    nets = cidrs if key.nets is None else cidrs & AddressSet.of(key.nets)
    if not nets:
        return None
    return IpSetKey(key.selector, nets.cidrs(), key.named_port, key.nodes)


def address_term(
    cidrs: AddressSet | None,
    sets: tuple[IpSetKey, ...] = (),
    excluded: tuple[IpSetKey, ...] = (),
    literal: bool = False,
) -> AddressTerm | None:
    """The normalized term, or None when it statically matches no address.

    Static CIDRs are folded into every key's ``nets`` filter (exact: a member
    is cut to its part inside them); they stay as ``cidrs`` only without
    ``sets``, where they bound the complement of ``excluded``.
    """
    if cidrs is not None and not cidrs:
        return None
    if cidrs is not None:
        restricted = [_restrict_key(k, cidrs) for k in sets]
        if any(k is None for k in restricted):
            return None
        sets = tuple(k for k in restricted if k is not None)
        excluded = tuple(k for k in (_restrict_key(k, cidrs) for k in excluded) if k is not None)
        if sets:
            cidrs = None
    if excluded and not sets and cidrs is None:
        raise ValueError("an excluded-only address term needs a CIDR universe")
    return AddressTerm(
        None if cidrs is None else cidrs.cidrs(),
        tuple(sorted(set(sets), key=lambda k: k.canonical)),
        tuple(sorted(set(excluded), key=lambda k: k.canonical)),
        literal,
    )


def intersect_terms(a: AddressTerm, b: AddressTerm) -> AddressTerm | None:
    """Addresses in both terms (exact), or None when statically empty."""
    if a.is_any:
        return b
    if b.is_any:
        return a
    cidrs: AddressSet | None = None
    for side in (a, b):
        if side.cidrs is not None:
            static = AddressSet.of(side.cidrs)
            cidrs = static if cidrs is None else cidrs & static
    return address_term(cidrs, a.sets + b.sets, a.excluded + b.excluded, a.literal or b.literal)
