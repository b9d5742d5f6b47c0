"""Kubernetes and Calico objects (JSON-like dicts) to the dataplane's model."""

from dataplane.convert.dispatch import convert, convert_identified
from dataplane.convert.identity import ObjectIdentity, UnknownKindError, identify, resource_key
from dataplane.convert.manifests import (
    Manifest,
    ManifestError,
    iter_manifests,
    parse_manifests,
)

__all__ = [
    "Manifest",
    "ManifestError",
    "ObjectIdentity",
    "UnknownKindError",
    "convert",
    "convert_identified",
    "identify",
    "iter_manifests",
    "parse_manifests",
    "resource_key",
]
