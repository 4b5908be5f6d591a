/* Opening the reference backend in a test, through the real loader. */
#ifndef PB_TEST_BACKEND_H
#define PB_TEST_BACKEND_H

#include "loader.h"

#include <stdio.h>
#include <stdlib.h>

/* Loads $PHASEBENCH_PLUGIN_DIR/pb_backend_NAME.so and creates an instance;
 * returns NULL (after printing why) when that fails. */
static inline const pb_backend_vtable *pb_test_open_backend(pb_registry *reg, const char *name,
                                                            pb_dtype dtype, pb_backend **be)
{
    const char *dir = getenv("PHASEBENCH_PLUGIN_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/pb_backend_%s.so", dir ? dir : ".", name);
    pb_registry_add_file(reg, path);
    char err[512];
    const pb_plugin *p = pb_registry_find(reg, name, err, sizeof err);
    if (!p) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    pb_backend_options o = {sizeof o, dtype, 1, NULL};
    if (p->vt->create(&o, be, err, sizeof err) != PB_OK) {
        fprintf(stderr, "create %s: %s\n", name, err);
        return NULL;
    }
    return p->vt;
}

#endif
