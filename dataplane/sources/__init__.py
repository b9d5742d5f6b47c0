"""Update sources: a Kubernetes API server or a directory of manifests, as model updates."""

from dataplane.sources.backoff import BackoffPolicy
from dataplane.sources.base import Source, UpdateSink
from dataplane.sources.directory import DirectorySource
from dataplane.sources.kube_resources import (
    CALICO_RESOURCES,
    DEFAULT_RESOURCES,
    KUBERNETES_RESOURCES,
    WatchedResource,
)
from dataplane.sources.kubernetes import KubernetesSource
from dataplane.sources.reflector import WatchSettings

__all__ = [
    "CALICO_RESOURCES",
    "DEFAULT_RESOURCES",
    "KUBERNETES_RESOURCES",
    "BackoffPolicy",
    "DirectorySource",
    "KubernetesSource",
    "Source",
    "UpdateSink",
    "WatchSettings",
    "WatchedResource",
]
