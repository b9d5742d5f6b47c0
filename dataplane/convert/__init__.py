"""Kubernetes and Calico objects (JSON-like dicts) to the dataplane's model."""

from dataplane.convert.dispatch import convert
from dataplane.convert.identity import UnknownKindError, resource_key
from dataplane.convert.manifests import (
    Manifest,
    ManifestError,
    iter_manifests,
    parse_manifests,
)

__all__ = [
    "Manifest",
    "ManifestError",
    "UnknownKindError",
    "convert",
    "iter_manifests",
    "parse_manifests",
    "resource_key",
]
