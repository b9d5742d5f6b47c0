/* HRESULT codes the simulator returns and the error value its modules pass around. */
#ifndef HCNSIM_ERRORS_H
#define HCNSIM_ERRORS_H

#include "hcn.h"

#define HR(x) ((HRESULT)(uint32_t)(x))

#define S_OK 0
#define E_NOTIMPL HR(0x80004001u)
#define E_POINTER HR(0x80004003u)
#define E_HANDLE HR(0x80070006u)
#define E_OUTOFMEMORY HR(0x8007000Eu)
#define E_INVALIDARG HR(0x80070057u)
#define HRESULT_ERROR_ALREADY_EXISTS HR(0x800700B7u)
#define HCN_E_NETWORK_NOT_FOUND HR(0x803B0001u)
#define HCN_E_ENDPOINT_NOT_FOUND HR(0x803B0002u)
#define HCN_E_POLICY_NOT_FOUND HR(0x803B0008u)
#define HCN_E_INVALID_POLICY HR(0x803B000Du)
#define HCN_E_POLICY_ALREADY_EXISTS HR(0x803B0012u)
#define HCN_E_INVALID_JSON HR(0x803B001Bu)
#define HCN_E_INVALID_IP HR(0x803B001Eu)
#define HCN_E_ENTITY_HAS_REFERENCES HR(0x803B002Cu)
#define HCN_E_ADDR_INVALID_OR_RESERVED HR(0x803B002Fu)

typedef struct {
    HRESULT hr;
    char msg[512];
} sim_error;

/* Records hr and a formatted message in err; returns -1 so callers can `return set_error(...)`. */
int set_error(sim_error *err, HRESULT hr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
