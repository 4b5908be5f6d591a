#include "pbx_tally.h"

#include <stdio.h>
#include <string.h>

void pbx_tally_init(pbx_tally *t)
{
    memset(t, 0, sizeof *t);
}

static size_t find_or_add(pbx_tally *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->name[i], name) == 0)
            return i;
    if (t->n >= PBX_TALLY_MAX - 1 && strcmp(name, "other") != 0)
        return find_or_add(t, "other"); /* keep the last slot for the overflow */
    snprintf(t->name[t->n], sizeof t->name[t->n], "%s", name);
    t->count[t->n] = 0;
    return t->n++;
}

void pbx_tally_add(pbx_tally *t, const char *reason)
{
    const char *name = reason && reason[0] ? reason : "failed";
    t->count[find_or_add(t, name)]++;
}

void pbx_tally_format(const pbx_tally *t, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < t->n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s=%zu", i ? ";" : "", t->name[i],
                         t->count[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}
