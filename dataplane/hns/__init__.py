"""The HNS binding: one cdef of the HCN C API over computenetwork.dll or the native simulator."""

from dataplane.hns import simulator
from dataplane.hns._backend import BACKENDS, dll_available
from dataplane.hns.api import HcnApi
from dataplane.hns.client import HcnClient
from dataplane.hns.errors import (
    BackendUnavailableError,
    HnsError,
    HnsProtocolError,
    has_references,
    is_already_exists,
    is_invalid_json,
    is_invalid_policy,
    is_not_found,
    is_policy_not_found,
    is_stale_handle,
)
from dataplane.hns.features import HnsFeatures, HnsVersion
from dataplane.hns.schema import (
    EndpointInfo,
    EndpointSettings,
    IpConfiguration,
    ModifyRequest,
    NetworkInfo,
    NetworkSettings,
    QueryDocument,
)
from dataplane.hns.simulator import Verdict

__all__ = [
    "BACKENDS",
    "BackendUnavailableError",
    "EndpointInfo",
    "EndpointSettings",
    "HcnApi",
    "HcnClient",
    "HnsError",
    "HnsFeatures",
    "HnsProtocolError",
    "HnsVersion",
    "IpConfiguration",
    "ModifyRequest",
    "NetworkInfo",
    "NetworkSettings",
    "QueryDocument",
    "Verdict",
    "dll_available",
    "has_references",
    "is_already_exists",
    "is_invalid_json",
    "is_invalid_policy",
    "is_not_found",
    "is_policy_not_found",
    "is_stale_handle",
    "simulator",
]
