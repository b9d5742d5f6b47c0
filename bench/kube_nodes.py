"""Realistic Kubernetes Nodes for the API-server benchmarks, as the server would send them.

A node is 10-13 KB of JSON, as `kubectl get node -o json` shows on a kubeadm cluster
with Calico in VXLAN mode: labels (os, arch, hostname, role, topology; the Windows
build), the annotations of kubeadm, the attach-detach controller and Calico (the
provider address, the VXLAN tunnel address and, on Linux where Felix records it, the
tunnel MAC), managedFields of the managers that write them, the pod CIDR, and the
status the kubelet reports: addresses (InternalIP, Hostname), capacity and
allocatable, conditions (NetworkUnavailable from Calico on Linux), nodeInfo and the
node's images (the 50 largest, as the kubelet caps them by default).
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from bench.kube_objects import ClusterLayout, NodeSpec

MAX_IMAGES = 50  # the kubelet's default nodeStatusMaxImages
_CREATED = "2026-11-29T21:04:10Z"
_HEARTBEAT = "2026-12-02T09:41:27Z"
_KUBERNETES = "v1.30.4"
_CALICO = "v3.28.1"
_LINUX_IMAGES = (
    ("docker.io/calico/node", _CALICO, 138_412_067),
    ("docker.io/calico/cni", _CALICO, 94_301_452),
    ("docker.io/calico/pod2daemon-flexvol", _CALICO, 7_511_208),
    ("registry.k8s.io/kube-proxy", _KUBERNETES, 29_037_500),
    ("registry.k8s.io/coredns/coredns", "v1.11.1", 18_182_961),
    ("registry.k8s.io/pause", "3.9", 321_520),
)
_CONTROL_PLANE_IMAGES = (
    ("registry.k8s.io/etcd", "3.5.12-0", 57_236_178),
    ("registry.k8s.io/kube-apiserver", _KUBERNETES, 32_770_038),
    ("registry.k8s.io/kube-controller-manager", _KUBERNETES, 31_133_961),
    ("registry.k8s.io/kube-scheduler", _KUBERNETES, 19_209_853),
)
_WINDOWS_IMAGES = (
    ("mcr.microsoft.com/windows/servercore", "ltsc2022", 2_247_116_532),
    ("mcr.microsoft.com/windows/nanoserver", "ltsc2022", 118_294_012),
    ("docker.io/calico/node-windows", _CALICO, 136_830_754),
    ("docker.io/calico/cni-windows", _CALICO, 87_552_301),
    ("docker.io/sigwindowstools/kube-proxy", f"{_KUBERNETES}-calico-hostprocess", 65_107_446),
    ("mcr.microsoft.com/oss/kubernetes/pause", "3.9", 264_573_209),
)
_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)


def node(layout: ClusterLayout, spec: NodeSpec) -> dict[str, Any]:
    """Node ``spec`` of ``layout`` (without resourceVersion, which the server sets)."""
    os_name = "windows" if spec.windows else "linux"
    role = "control-plane" if spec.control_plane else "worker"
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": os_name,
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": spec.name,
        "kubernetes.io/os": os_name,
        f"node-role.kubernetes.io/{role}": "",
        "node.kubernetes.io/instance-type": "Standard_D4s_v5",
        "topology.kubernetes.io/region": "westeurope",
        "topology.kubernetes.io/zone": f"westeurope-{spec.ordinal % 3 + 1}",
    }
    if spec.windows:
        labels["node.kubernetes.io/windows-build"] = "10.0.20348"
    if spec.control_plane:
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    annotations = {
        "kubeadm.alpha.kubernetes.io/cri-socket": (
            "npipe:////./pipe/containerd-containerd"
            if spec.windows
            else "unix:///var/run/containerd/containerd.sock"
        ),
        "node.alpha.kubernetes.io/ttl": "0",
        "projectcalico.org/IPv4Address": f"{spec.internal_ip}/16",
        "projectcalico.org/IPv4VXLANTunnelAddr": tunnel_address(spec),
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    }
    if not spec.windows:
        annotations["projectcalico.org/VXLANTunnelMACAddr"] = _mac(spec.name)
    node_spec: dict[str, Any] = {
        "podCIDR": _pod_cidr(spec),
        "podCIDRs": [_pod_cidr(spec)],
    }
    if spec.control_plane:
        node_spec["taints"] = [
            {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
        ]
    return {
        "metadata": {
            "name": spec.name,
            "uid": _uuid(spec.name),
            "resourceVersion": "",  # set by the server; here for Go's field order
            "creationTimestamp": _CREATED,
            "labels": dict(sorted(labels.items())),  # Go writes maps sorted by key
            "annotations": dict(sorted(annotations.items())),
            "managedFields": _managed_fields(spec, labels, annotations),
        },
        "spec": node_spec,
        "status": _status(layout, spec),
    }


def tunnel_address(spec: NodeSpec) -> str:
    """The node's VXLAN tunnel address: the first of its /26 IPAM block."""
    ordinal = spec.ordinal
    return f"10.{192 + ordinal // 1024}.{ordinal // 4 % 256}.{ordinal % 4 * 64}"


def _pod_cidr(spec: NodeSpec) -> str:
    return f"10.{244 + spec.ordinal // 256}.{spec.ordinal % 256}.0/24"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _uuid(text: str) -> str:
    h = _digest(text)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _mac(name: str) -> str:
    h = _digest(name)
    return ":".join(["66", *(h[i : i + 2] for i in range(0, 10, 2))])


def _status(layout: ClusterLayout, spec: NodeSpec) -> dict[str, Any]:
    capacity = {
        "cpu": "4",
        "ephemeral-storage": "129886128Ki",
        "memory": "16372908Ki",
        "pods": "110",
    }
    allocatable = {
        "cpu": "4",
        "ephemeral-storage": "119703055367",
        "memory": "16270508Ki",
        "pods": "110",
    }
    if not spec.windows:
        for resources in (capacity, allocatable):
            resources |= {"hugepages-1Gi": "0", "hugepages-2Mi": "0"}
    capacity, allocatable = dict(sorted(capacity.items())), dict(sorted(allocatable.items()))
    conditions = [
        {
            "type": kind,
            "status": status,
            "lastHeartbeatTime": _HEARTBEAT,
            "lastTransitionTime": _CREATED,
            "reason": reason,
            "message": message,
        }
        for kind, status, reason, message in _CONDITIONS
    ]
    if not spec.windows:
        network = {
            "type": "NetworkUnavailable",
            "status": "False",
            "lastHeartbeatTime": _CREATED,
            "lastTransitionTime": _CREATED,
            "reason": "CalicoIsUp",
            "message": "Calico is running on this node",
        }
        conditions.insert(0, network)
    status: dict[str, Any] = {
        "capacity": capacity,
        "allocatable": allocatable,
        "conditions": conditions,
        "addresses": [
            {"type": "InternalIP", "address": spec.internal_ip},
            {"type": "Hostname", "address": spec.name},
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": _node_info(spec),
        "images": _images(layout, spec),
    }
    if not spec.windows:
        status["runtimeHandlers"] = [
            {"name": "runc", "features": {"recursiveReadOnlyMounts": True}},
            {"name": "", "features": {"recursiveReadOnlyMounts": True}},
        ]
    return status


def _node_info(spec: NodeSpec) -> dict[str, str]:
    digest = _digest(spec.name)
    if spec.windows:
        return {
            "machineID": spec.name,
            "systemUUID": _uuid(f"system {spec.name}").upper(),
            "bootID": str(spec.ordinal % 17 + 3),
            "kernelVersion": "10.0.20348.2655",
            "osImage": "Windows Server 2022 Datacenter",
            "containerRuntimeVersion": "containerd://1.7.20",
            "kubeletVersion": _KUBERNETES,
            "kubeProxyVersion": _KUBERNETES,
            "operatingSystem": "windows",
            "architecture": "amd64",
        }
    return {
        "machineID": digest[:32],
        "systemUUID": _uuid(f"system {spec.name}"),
        "bootID": _uuid(f"boot {spec.name}"),
        "kernelVersion": "5.15.0-1071-azure",
        "osImage": "Ubuntu 22.04.5 LTS",
        "containerRuntimeVersion": "containerd://1.7.20",
        "kubeletVersion": _KUBERNETES,
        "kubeProxyVersion": _KUBERNETES,
        "operatingSystem": "linux",
        "architecture": "amd64",
    }


def _images(layout: ClusterLayout, spec: NodeSpec) -> list[dict[str, Any]]:
    """The system images of the node's OS and role and its pods' images, largest first,
    at most ``MAX_IMAGES`` (the kubelet sorts them by size and cuts)."""
    system = _WINDOWS_IMAGES if spec.windows else _LINUX_IMAGES
    if spec.control_plane:
        system += _CONTROL_PLANE_IMAGES
    images = [
        {"names": [f"{repo}@sha256:{_digest(f'{repo}:{tag}')}", f"{repo}:{tag}"], "sizeBytes": size}
        for repo, tag, size in system
    ]
    pods = itertools.islice(layout.pods_on(spec), 2 * MAX_IMAGES)
    for index in pods:
        repo = f"registry.example.com/{layout.namespace_of(index)}/app-{index % 10}"
        images.append(
            {
                "names": [f"{repo}@sha256:{index:064x}", f"{repo}:1.24.{index % 13}"],
                "sizeBytes": 40_000_000 + index * 7_919 % 260 * 1_000_003,
            }
        )
    images.sort(key=lambda image: -image["sizeBytes"])
    return images[:MAX_IMAGES]


def _managed_fields(
    spec: NodeSpec, labels: dict[str, str], annotations: dict[str, str]
) -> list[dict[str, Any]]:
    """The managers that write a node: kubeadm, the kubelet (and its status), the
    controller manager (TTL, pod CIDR) and Calico (its annotations, NetworkUnavailable)."""

    def keys(names: Any) -> dict[str, Any]:
        return {".": {}, **{f"f:{name}": {} for name in names}}

    calico = [name for name in annotations if name.startswith("projectcalico.org/")]
    kubelet_labels = [name for name in labels if not name.startswith("node-role.")]
    entries = [
        (
            "kubeadm",
            None,
            {
                "f:metadata": {
                    "f:annotations": {"f:kubeadm.alpha.kubernetes.io/cri-socket": {}},
                    "f:labels": {
                        "f:node-role.kubernetes.io/"
                        + ("control-plane" if spec.control_plane else "worker"): {}
                    },
                }
            },
        ),
        (
            "kubelet",
            None,
            {
                "f:metadata": {
                    "f:annotations": keys(
                        ["volumes.kubernetes.io/controller-managed-attach-detach"]
                    ),
                    "f:labels": keys(kubelet_labels),
                }
            },
        ),
        (
            "kube-controller-manager",
            None,
            {
                "f:metadata": {"f:annotations": {"f:node.alpha.kubernetes.io/ttl": {}}},
                "f:spec": {"f:podCIDR": {}, "f:podCIDRs": {".": {}, f'v:"{_pod_cidr(spec)}"': {}}},
            },
        ),
        (
            "calico-node",
            None,
            {"f:metadata": {"f:annotations": {f"f:{name}": {} for name in calico}}},
        ),
        (
            "kubelet",
            "status",
            {
                "f:status": {
                    "f:allocatable": keys(["cpu", "ephemeral-storage", "memory", "pods"]),
                    "f:capacity": keys(["cpu", "ephemeral-storage", "memory", "pods"]),
                    "f:conditions": {
                        f'k:{{"type":"{kind}"}}': {
                            "f:lastHeartbeatTime": {},
                            "f:lastTransitionTime": {},
                            "f:message": {},
                            "f:reason": {},
                            "f:status": {},
                        }
                        for kind, *_ in _CONDITIONS
                    },
                    "f:images": {},
                    "f:nodeInfo": {
                        "f:bootID": {},
                        "f:containerRuntimeVersion": {},
                        "f:kernelVersion": {},
                        "f:osImage": {},
                    },
                }
            },
        ),
    ]
    if not spec.windows:
        entries.append(
            (
                "calico-node",
                "status",
                {
                    "f:status": {
                        "f:conditions": {
                            'k:{"type":"NetworkUnavailable"}': {
                                ".": {},
                                "f:lastHeartbeatTime": {},
                                "f:lastTransitionTime": {},
                                "f:message": {},
                                "f:reason": {},
                                "f:status": {},
                                "f:type": {},
                            }
                        }
                    }
                },
            )
        )
    return [
        {
            "manager": manager,
            "operation": "Update",
            "apiVersion": "v1",
            "time": _HEARTBEAT if subresource else _CREATED,
            "fieldsType": "FieldsV1",
            "fieldsV1": fields,
            **({"subresource": subresource} if subresource else {}),
        }
        for manager, subresource, fields in entries
    ]
