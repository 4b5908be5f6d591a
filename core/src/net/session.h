/* An open backend: the registry it came from, one instance, its caps and
 * its feature list flattened for report rows. */
#ifndef PB_SESSION_H
#define PB_SESSION_H

#include "loader.h"
#include "train.h"

typedef struct pb_session {
    pb_registry reg;
    const pb_plugin *plugin;
    pb_backend *be;
    pb_caps caps;
    pb_dtype dtype;
    char features[1024];   /* "key=value;key=value" */
    pb_backend_info info;
} pb_session;

/* name NULL or "" picks the default backend.  threads 0 = backend default;
 * device NULL = backend default.  Returns -1 with a message. */
int pb_session_open(pb_session *s, const char *name, pb_dtype dtype, int threads,
                    const char *device, char *err, size_t err_len);
void pb_session_close(pb_session *s);

/* Re-read the backend's caps and feature list (counters such as the Vulkan
 * validation message counts change while it runs). */
void pb_session_refresh(pb_session *s);

int pb_dtype_parse(const char *s, pb_dtype *out);
const char *pb_dtype_name(pb_dtype d);

#endif
