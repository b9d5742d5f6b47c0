"""Kubernetes syntax rules for label keys and values and for port names."""

from __future__ import annotations

import re

_NAME_PART = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")
_IANA_SVC_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?")
_LETTER = re.compile(r"[a-z]")


def label_key_problem(key: str) -> str | None:
    """Why ``key`` is not a valid label key (``[prefix/]name``), or None if it is."""
    prefix, slash, name = key.rpartition("/")
    if slash and (len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)):
        return f"invalid label key {key!r}: the prefix must be a DNS subdomain"
    if not _NAME_PART.fullmatch(name):
        return (
            f"invalid label key {key!r}: the name must be 1-63 characters of letters, digits, "
            "'-', '_' or '.', starting and ending with a letter or digit"
        )
    return None


def label_value_problem(value: str) -> str | None:
    """Why ``value`` is not a valid label value, or None if it is."""
    if not _LABEL_VALUE.fullmatch(value):
        return (
            f"invalid label value {value!r}: at most 63 characters of letters, digits, "
            "'-', '_' or '.', starting and ending with a letter or digit"
        )
    return None


def port_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid Kubernetes port name (IANA_SVC_NAME), or None."""
    if not _IANA_SVC_NAME.fullmatch(name) or "--" in name or not _LETTER.search(name):
        return (
            f"invalid port name {name!r}: 1-15 lowercase letters, digits and '-', "
            "with at least one letter, no '--' and no '-' at either end"
        )
    return None
