/* The HCN C API (computenetwork.dll, plus vmcompute's HNSCall and ole32's CoTaskMemFree)
 * with the Windows type names. Generated from dataplane/hns/_abi.py; do not edit. */
#ifndef HCNSIM_HCN_H
#define HCNSIM_HCN_H

#include <stddef.h>
#include <stdint.h>
#include <uchar.h>

#ifndef WINAPI
#define WINAPI
#endif

typedef int32_t HRESULT;

typedef struct _GUID {
    uint32_t Data1;
    uint16_t Data2;
    uint16_t Data3;
    uint8_t Data4[8];
} GUID;

typedef void *HCN_NETWORK;
typedef void *HCN_ENDPOINT;

HRESULT WINAPI HcnEnumerateNetworks(const char16_t *Query, char16_t **Networks, char16_t **ErrorRecord);
HRESULT WINAPI HcnCreateNetwork(const GUID *Id, const char16_t *Settings, HCN_NETWORK *Network, char16_t **ErrorRecord);
HRESULT WINAPI HcnOpenNetwork(const GUID *Id, HCN_NETWORK *Network, char16_t **ErrorRecord);
HRESULT WINAPI HcnModifyNetwork(HCN_NETWORK Network, const char16_t *Settings, char16_t **ErrorRecord);
HRESULT WINAPI HcnQueryNetworkProperties(HCN_NETWORK Network, const char16_t *Query, char16_t **Properties, char16_t **ErrorRecord);
HRESULT WINAPI HcnDeleteNetwork(const GUID *Id, char16_t **ErrorRecord);
HRESULT WINAPI HcnCloseNetwork(HCN_NETWORK Network);
HRESULT WINAPI HcnEnumerateEndpoints(const char16_t *Query, char16_t **Endpoints, char16_t **ErrorRecord);
HRESULT WINAPI HcnCreateEndpoint(HCN_NETWORK Network, const GUID *Id, const char16_t *Settings, HCN_ENDPOINT *Endpoint, char16_t **ErrorRecord);
HRESULT WINAPI HcnOpenEndpoint(const GUID *Id, HCN_ENDPOINT *Endpoint, char16_t **ErrorRecord);
HRESULT WINAPI HcnModifyEndpoint(HCN_ENDPOINT Endpoint, const char16_t *Settings, char16_t **ErrorRecord);
HRESULT WINAPI HcnQueryEndpointProperties(HCN_ENDPOINT Endpoint, const char16_t *Query, char16_t **Properties, char16_t **ErrorRecord);
HRESULT WINAPI HcnDeleteEndpoint(const GUID *Id, char16_t **ErrorRecord);
HRESULT WINAPI HcnCloseEndpoint(HCN_ENDPOINT Endpoint);
HRESULT WINAPI HNSCall(const char16_t *Method, const char16_t *Path, const char16_t *Object, char16_t **Response);
void WINAPI CoTaskMemFree(void *pv);

#endif
