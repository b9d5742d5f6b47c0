/* The error value the simulator's modules pass around. */
#include "errors.h"

#include <stdarg.h>
#include <stdio.h>

int set_error(sim_error *err, HRESULT hr, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    err->hr = hr;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}
