/* Named simulator instances (one simulated HNS service per node) and the selection of the current one. */
#include <stdlib.h>
#include <string.h>

#include "api_object.h"

typedef struct {
    char *name;
    sim_state *state;
} instance;

static sim_state *g_default_state;
static instance *g_instances;
static size_t g_n_instances, g_cap_instances;

/* Frees every object, handle and setting of the current instance. */
static void destroy_current(void) {
    objects_destroy_all(&ENDPOINT_KIND);
    objects_destroy_all(&NETWORK_KIND);
    free(g_sim.handles);
}

int HcnSimSelectInstance(const char *name) {
    if (!name) return -1;
    sim_lock();
    if (!g_default_state) g_default_state = g_current;
    sim_state *found = NULL;
    if (!*name) found = g_default_state;
    for (size_t i = 0; i < g_n_instances && !found; i++)
        if (strcmp(g_instances[i].name, name) == 0) found = g_instances[i].state;
    if (!found) {
        grow((void **)&g_instances, &g_cap_instances, g_n_instances + 1, sizeof *g_instances);
        found = xcalloc(1, sizeof *found);
        g_instances[g_n_instances++] = (instance){xstrdup(name), found};
    }
    g_current = found;
    sim_init_current();
    sim_unlock();
    return 0;
}

void sim_instances_drop(void) {
    if (!g_default_state) return;
    for (size_t i = 0; i < g_n_instances; i++) {
        g_current = g_instances[i].state;
        destroy_current();
        free(g_instances[i].state);
        free(g_instances[i].name);
    }
    free(g_instances);
    g_instances = NULL;
    g_n_instances = g_cap_instances = 0;
    g_current = g_default_state;
}
