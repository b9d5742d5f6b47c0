"""hns-dataplane: Kubernetes and Calico network policy for Windows HNS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dataplane.api import Dataplane, DataplaneOptions

__version__ = "0.1.0"

__all__ = ["Dataplane", "DataplaneOptions", "__version__"]


def __getattr__(name: str) -> Any:
    # The async API pulls in the HNS binding; import it only when asked for, so
    # the pure layers (model, selector, calc...) stay light to import.
    if name in ("Dataplane", "DataplaneOptions"):
        from dataplane import api

        return getattr(api, name)
    raise AttributeError(f"module 'dataplane' has no attribute {name!r}")
