"""Label names with a meaning to the selector language (Calico's conventions)."""

NAMESPACE_LABEL = "projectcalico.org/namespace"
ORCHESTRATOR_LABEL = "projectcalico.org/orchestrator"
SERVICE_ACCOUNT_LABEL = "projectcalico.org/serviceaccount"
NAMESPACE_LABEL_PREFIX = "pcns."
SERVICE_ACCOUNT_LABEL_PREFIX = "pcsa."
K8S_ORCHESTRATOR = "k8s"
K8S_NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
