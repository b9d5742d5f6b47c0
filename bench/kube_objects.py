"""Realistic Kubernetes objects for the API-server benchmarks, as the server would send them.

A pod is about 6.4 KB of JSON, as `kubectl get pod -o json` shows for a
Deployment's pod: managedFields of two managers, probes, env, volume mounts,
resources, tolerations, four conditions and a container status. 50 pods per
namespace, one NetworkPolicy and one ServiceAccount per namespace, and
``local_pods`` of them (spread over the namespaces) on the measured node.
Nodes (``bench/kube_nodes.py``): 100 pods per worker, the measured node among
them, one worker in four on Windows, and three Linux control-plane nodes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

PODS_PER_NAMESPACE = 50
PODS_PER_NODE = 100
CONTROL_PLANE_NODES = 3
WINDOWS_EVERY = 4  # one remote worker in four runs Windows
LOCAL_NODE = "win-bench-local"
_CREATED = "2026-11-30T08:15:42Z"
_FIELDS_SPEC = {
    "f:containers": {
        'k:{"name":"app"}': {
            ".": {},
            "f:env": {
                ".": {},
                **{
                    f'k:{{"name":"SETTING_{i}"}}': {".": {}, "f:name": {}, "f:value": {}}
                    for i in range(6)
                },
            },
            "f:image": {},
            "f:imagePullPolicy": {},
            "f:livenessProbe": {
                ".": {},
                "f:failureThreshold": {},
                "f:httpGet": {".": {}, "f:path": {}, "f:port": {}, "f:scheme": {}},
                "f:initialDelaySeconds": {},
                "f:periodSeconds": {},
                "f:successThreshold": {},
                "f:timeoutSeconds": {},
            },
            "f:name": {},
            "f:ports": {
                ".": {},
                'k:{"containerPort":8080,"protocol":"TCP"}': {
                    ".": {},
                    "f:containerPort": {},
                    "f:name": {},
                    "f:protocol": {},
                },
            },
            "f:readinessProbe": {
                ".": {},
                "f:failureThreshold": {},
                "f:httpGet": {".": {}, "f:path": {}, "f:port": {}, "f:scheme": {}},
                "f:periodSeconds": {},
                "f:successThreshold": {},
                "f:timeoutSeconds": {},
            },
            "f:resources": {
                ".": {},
                "f:limits": {".": {}, "f:cpu": {}, "f:memory": {}},
                "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}},
            },
            "f:terminationMessagePath": {},
            "f:terminationMessagePolicy": {},
            "f:volumeMounts": {
                ".": {},
                'k:{"mountPath":"/etc/config"}': {".": {}, "f:mountPath": {}, "f:name": {}},
            },
        }
    },
    "f:dnsPolicy": {},
    "f:enableServiceLinks": {},
    "f:restartPolicy": {},
    "f:schedulerName": {},
    "f:securityContext": {},
    "f:serviceAccount": {},
    "f:serviceAccountName": {},
    "f:terminationGracePeriodSeconds": {},
    "f:volumes": {
        ".": {},
        'k:{"name":"config"}': {
            ".": {},
            "f:configMap": {".": {}, "f:defaultMode": {}, "f:name": {}},
            "f:name": {},
        },
    },
}
_FIELDS_STATUS = {
    "f:conditions": {
        f'k:{{"type":"{kind}"}}': {
            ".": {},
            "f:lastProbeTime": {},
            "f:lastTransitionTime": {},
            "f:status": {},
            "f:type": {},
        }
        for kind in ("ContainersReady", "Initialized", "PodReadyToStartContainers", "Ready")
    },
    "f:containerStatuses": {},
    "f:hostIP": {},
    "f:hostIPs": {},
    "f:phase": {},
    "f:podIP": {},
    "f:podIPs": {".": {}, 'k:{"ip":"10.0.0.1"}': {".": {}, "f:ip": {}}},
    "f:startTime": {},
}


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """A node of the layout: its name, its place (which gives its addresses) and role."""

    name: str
    ordinal: int
    windows: bool
    control_plane: bool = False

    @property
    def internal_ip(self) -> str:
        return f"192.168.{self.ordinal // 250}.{self.ordinal % 250 + 1}"


@dataclass(frozen=True, slots=True)
class ClusterLayout:
    """Where each pod lives: namespaces of 50, ``local_pods`` spread over them on the
    measured node, the others over the remote workers in turn."""

    pods: int
    local_pods: int = 100

    @property
    def namespaces(self) -> int:
        return max(1, -(-self.pods // PODS_PER_NAMESPACE))

    @property
    def workers(self) -> int:
        """Nodes running pods (``PODS_PER_NODE`` each), the measured node among them."""
        return max(2, -(-self.pods // PODS_PER_NODE))

    def namespace_of(self, index: int) -> str:
        return f"ns-{index // PODS_PER_NAMESPACE:05d}"

    def nodes(self) -> list[NodeSpec]:
        """Every node: the control plane, the measured node, the remote workers."""
        control_plane = [
            NodeSpec(f"cp-bench-{i}", i, windows=False, control_plane=True)
            for i in range(CONTROL_PLANE_NODES)
        ]
        remote = [self._remote(k) for k in range(self.workers - 1)]
        return [*control_plane, self._local(), *remote]

    def host_of(self, index: int) -> NodeSpec:
        """The node of pod ``index``."""
        if self.is_local(index):
            return self._local()
        return self._remote(index % (self.workers - 1))

    def node_of(self, index: int) -> str:
        return self.host_of(index).name

    def is_local(self, index: int) -> bool:
        return index % self._stride == 0 and index // self._stride < self.local_pods

    def pods_on(self, node: NodeSpec) -> Iterator[int]:
        """The indices of the pods on ``node``, in order."""
        if node.control_plane:
            return iter(())
        if node.name == LOCAL_NODE:
            return (i for i in range(0, self.pods, self._stride) if self.is_local(i))
        first = node.ordinal - CONTROL_PLANE_NODES - 1
        return (i for i in range(first, self.pods, self.workers - 1) if not self.is_local(i))

    @property
    def _stride(self) -> int:
        return max(1, self.pods // max(1, self.local_pods))

    @staticmethod
    def _local() -> NodeSpec:
        return NodeSpec(LOCAL_NODE, CONTROL_PLANE_NODES, windows=True)

    @staticmethod
    def _remote(worker: int) -> NodeSpec:
        windows = worker % WINDOWS_EVERY == 0
        name = f"{'win' if windows else 'lnx'}-bench-{worker:04d}"
        return NodeSpec(name, CONTROL_PLANE_NODES + 1 + worker, windows)


def pod_ip(index: int) -> str:
    return f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"


def pod(
    layout: ClusterLayout, index: int, extra_labels: dict[str, str] | None = None
) -> dict[str, Any]:
    """Pod ``index`` (without resourceVersion, which the server sets)."""
    namespace = layout.namespace_of(index)
    app = f"app-{index % PODS_PER_NAMESPACE % 10}"
    name = f"{app}-7d9f8b6c5-{index:06d}"
    ip = pod_ip(index)
    labels = {"app": app, "pod-template-hash": "7d9f8b6c5", "team": f"team-{index % 7}"}
    labels |= extra_labels or {}
    host = layout.host_of(index)
    host_ip = host.internal_ip
    container = {
        "name": "app",
        "image": f"registry.example.com/{namespace}/{app}:1.24.{index % 13}",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": [{"name": f"SETTING_{i}", "value": f"value-{i}-{index % 97}"} for i in range(6)],
        "resources": {
            "limits": {"cpu": "500m", "memory": "256Mi"},
            "requests": {"cpu": "100m", "memory": "128Mi"},
        },
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
            "initialDelaySeconds": 10,
            "timeoutSeconds": 1,
            "periodSeconds": 10,
            "successThreshold": 1,
            "failureThreshold": 3,
        },
        "readinessProbe": {
            "httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"},
            "timeoutSeconds": 1,
            "periodSeconds": 5,
            "successThreshold": 1,
            "failureThreshold": 3,
        },
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/config"},
            {
                "name": "kube-api-access-x7k2p",
                "readOnly": True,
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            },
        ],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    condition = {"status": "True", "lastProbeTime": None, "lastTransitionTime": _CREATED}
    return {
        "metadata": {
            "name": name,
            "generateName": f"{app}-7d9f8b6c5-",
            "namespace": namespace,
            "uid": f"5f0c2a4e-{index:04x}-4b7e-9c1d-{index:012x}",
            "resourceVersion": "",  # set by the server; here for Go's field order
            "creationTimestamp": _CREATED,
            "labels": labels,
            "annotations": {
                "kubectl.kubernetes.io/restartedAt": _CREATED,
                "prometheus.io/scrape": "true",
                "prometheus.io/port": "8080",
            },
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"{app}-7d9f8b6c5",
                    "uid": f"0a1b2c3d-{index % 10:04x}-4e5f-8a9b-0c1d2e3f4a5b",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": [
                {
                    "manager": "kube-controller-manager",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": _CREATED,
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:metadata": {
                            "f:annotations": {".": {}, "f:kubectl.kubernetes.io/restartedAt": {}},
                            "f:generateName": {},
                            "f:labels": {
                                ".": {},
                                "f:app": {},
                                "f:pod-template-hash": {},
                                "f:team": {},
                            },
                            "f:ownerReferences": {".": {}, 'k:{"uid":"0a1b"}': {}},
                        },
                        "f:spec": _FIELDS_SPEC,
                    },
                },
                {
                    "manager": "kubelet",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": _CREATED,
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:status": _FIELDS_STATUS},
                    "subresource": "status",
                },
            ],
        },
        "spec": {
            "volumes": [
                {"name": "config", "configMap": {"name": f"{app}-config", "defaultMode": 420}},
                {
                    "name": "kube-api-access-x7k2p",
                    "projected": {
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                            {
                                "configMap": {
                                    "name": "kube-root-ca.crt",
                                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                                }
                            },
                        ],
                        "defaultMode": 420,
                    },
                },
            ],
            "containers": [container],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "nodeSelector": {"kubernetes.io/os": "windows" if host.windows else "linux"},
            "serviceAccountName": "default",
            "serviceAccount": "default",
            "nodeName": host.name,
            "securityContext": {},
            "schedulerName": "default-scheduler",
            "tolerations": [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
                {
                    "key": "node.kubernetes.io/unreachable",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
            ],
            "priority": 0,
            "enableServiceLinks": True,
            "preemptionPolicy": "PreemptLowerPriority",
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": kind, **condition}
                for kind in (
                    "PodReadyToStartContainers",
                    "Initialized",
                    "Ready",
                    "ContainersReady",
                    "PodScheduled",
                )
            ],
            "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}],
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": _CREATED,
            "containerStatuses": [
                {
                    "name": "app",
                    "state": {"running": {"startedAt": _CREATED}},
                    "lastState": {},
                    "ready": True,
                    "restartCount": 0,
                    "image": container["image"],
                    "imageID": f"registry.example.com/{namespace}/{app}@sha256:{index:064x}",
                    "containerID": f"containerd://{index:064x}",
                    "started": True,
                }
            ],
            "qosClass": "Burstable",
        },
    }


def namespace(name: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "uid": f"ns-{name}",
            "resourceVersion": "",
            "creationTimestamp": _CREATED,
            "labels": {"kubernetes.io/metadata.name": name, "env": "bench"},
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def service_account(namespace_name: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": "default",
            "namespace": namespace_name,
            "uid": f"sa-{namespace_name}",
            "resourceVersion": "",
            "creationTimestamp": _CREATED,
        }
    }


def network_policy(namespace_name: str) -> dict[str, Any]:
    """app-0 accepts app-1 of its namespace and the monitoring namespace on 8080."""
    return {
        "metadata": {
            "name": "app-0-ingress",
            "namespace": namespace_name,
            "uid": f"np-{namespace_name}",
            "resourceVersion": "",
            "creationTimestamp": _CREATED,
            "generation": 1,
        },
        "spec": {
            "podSelector": {"matchLabels": {"app": "app-0"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [
                        {"podSelector": {"matchLabels": {"app": "app-1"}}},
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "monitoring"}
                            }
                        },
                    ],
                    "ports": [{"protocol": "TCP", "port": 8080}],
                }
            ],
        },
    }
