"""hns-dataplane: Kubernetes and Calico network policy for Windows HNS."""

__version__ = "0.1.0"
