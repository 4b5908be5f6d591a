#include "session.h"

#include "strutil.h"

#include <stdio.h>
#include <string.h>

int pb_dtype_parse(const char *s, pb_dtype *out)
{
    if (strcmp(s, "f64") == 0)
        *out = PB_F64;
    else if (strcmp(s, "f32") == 0)
        *out = PB_F32;
    else
        return -1;
    return 0;
}

const char *pb_dtype_name(pb_dtype d)
{
    return d == PB_F32 ? "f32" : "f64";
}

static void flatten_features(const pb_feature *f, char *out, size_t len)
{
    out[0] = '\0';
    for (; f && f->key; f++) {
        size_t used = strlen(out);
        if (used + 2 >= len)
            break;
        snprintf(out + used, len - used, "%s%s=%s", used ? ";" : "", f->key,
                 f->value ? f->value : "");
    }
}

int pb_session_open(pb_session *s, const char *name, pb_dtype dtype, int threads,
                    const char *device, char *err, size_t err_len)
{
    memset(s, 0, sizeof *s);
    pb_registry_scan(&s->reg);
    if (name && *name) {
        s->plugin = pb_registry_find(&s->reg, name, err, err_len);
    } else {
        s->plugin = pb_registry_default(&s->reg);
        if (!s->plugin)
            snprintf(err, err_len, "no backend is available (see `phasebench backends`)");
    }
    if (!s->plugin) {
        pb_registry_free(&s->reg);
        return -1;
    }
    const pb_backend_vtable *vt = s->plugin->vt;
    pb_backend_options o = {sizeof o, dtype, threads, device};
    char why[512] = "";
    if (vt->create(&o, &s->be, why, sizeof why) != PB_OK || !s->be) {
        why[sizeof why - 1] = '\0';
        snprintf(err, err_len, "backend '%s' could not start in %s: %s", s->plugin->name,
                 pb_dtype_name(dtype), why[0] ? why : "no reason given");
        s->be = NULL;
        pb_registry_free(&s->reg);
        return -1;
    }
    s->caps = (pb_caps)PB_CAPS_INIT;
    if (vt->get_caps(s->be, &s->caps) != PB_OK)
        memset(&s->caps, 0, sizeof s->caps);
    s->dtype = dtype;
    flatten_features(s->caps.features, s->features, sizeof s->features);
    s->info.name = s->plugin->name;
    s->info.dtype = pb_dtype_name(dtype);
    s->info.features = s->features;
    s->info.threads = s->caps.threads;
    return 0;
}

void pb_session_refresh(pb_session *s)
{
    pb_caps caps = PB_CAPS_INIT;
    if (s->be && s->plugin->vt->get_caps(s->be, &caps) == PB_OK) {
        s->caps = caps;
        flatten_features(caps.features, s->features, sizeof s->features);
    }
}

void pb_session_close(pb_session *s)
{
    if (s->be)
        s->plugin->vt->destroy(s->be);
    pb_registry_free(&s->reg);
    memset(s, 0, sizeof *s);
}
