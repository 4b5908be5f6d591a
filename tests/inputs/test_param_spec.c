/* The parameter table (train_params.h) carries every training parameter to
 * the run spec of experiment plugins, back to a config, and into the key of
 * a stored result (unit_store.h).  Every expectation is derived from the
 * table, so a row added there is covered here without editing this file:
 * for each row with a spec member, a valid value other than the default
 * survives config -> spec -> config, changes the call key, and is not read
 * from a plugin's spec whose struct_size stops before it. */
#include "pb_test.h"

#include "train_params.h"
#include "unit_store.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A valid value of p other than the default's text `def`, as text; 0 when
 * the table leaves no other value. */
static int other_value(const pb_param *p, const char *def, char *out, size_t len)
{
    pb_train_config c;
    pb_train_config_default(&c);
    char err[256], text[300];
    if (p->type == PB_PARAM_ENUM) {
        /* the accepted names are the help text, "a|b|c" */
        char names[256];
        snprintf(names, sizeof names, "%s", p->help);
        for (char *save = NULL, *w = strtok_r(names, "|", &save); w;
             w = strtok_r(NULL, "|", &save))
            if (strcmp(w, def) != 0 && pb_param_set(p, &c, w, err, sizeof err) == 0) {
                snprintf(out, len, "%s", w);
                return 1;
            }
        return 0;
    }
    if (p->type == PB_PARAM_STR) {
        snprintf(text, sizeof text, "%.200sx", def);
    } else {
        double d = strtod(def, NULL), v;
        if (p->type == PB_PARAM_DBL)
            v = d < p->max ? (d > 0 ? d * 1.5 : 0.5 * p->max + 0.5 * p->min) : p->min;
        else
            v = d + 1 <= p->max ? d + 1 : p->min;
        if (v > p->max)
            v = p->max;
        snprintf(text, sizeof text, "%.17g", v);
    }
    if (strcmp(text, def) == 0 || pb_param_set(p, &c, text, err, sizeof err) != 0)
        return 0;
    pb_param_format(p, &c, out, len);
    return strcmp(out, def) != 0;
}

static void all_formatted(const pb_train_config *c, char out[][300])
{
    for (size_t i = 0; i < pb_n_params; i++)
        pb_param_format(&pb_params[i], c, out[i], 300);
}

static void test_members(void)
{
    /* the rows' members, with struct_size, want_ntk and want_test_outputs,
     * tile pb_run_spec up to alignment padding: a member added to the ABI
     * struct without a row would leave a hole */
    size_t n = 0;
    size_t off[64], end[64], align[64];
    off[n] = offsetof(pb_run_spec, struct_size), end[n] = off[n] + sizeof(uint32_t);
    align[n++] = alignof(uint32_t);
    off[n] = offsetof(pb_run_spec, want_ntk), end[n] = off[n] + sizeof(int);
    align[n++] = alignof(int);
    off[n] = offsetof(pb_run_spec, want_test_outputs), end[n] = off[n] + sizeof(int);
    align[n++] = alignof(int);
    for (size_t i = 0; i < pb_n_params && n < 64; i++) {
        const pb_param *p = &pb_params[i];
        if (!p->spec_size)
            continue;
        /* a numeric member has the config's C type */
        size_t a = 1, want = p->spec_size;
        switch (p->type) {
        case PB_PARAM_SIZE: a = alignof(size_t), want = sizeof(size_t); break;
        case PB_PARAM_I64: a = alignof(int64_t), want = sizeof(int64_t); break;
        case PB_PARAM_U64: a = alignof(uint64_t), want = sizeof(uint64_t); break;
        case PB_PARAM_DBL: a = alignof(double), want = sizeof(double); break;
        default: break;
        }
        CHECK_MSG(p->spec_size == want, "%s: spec member of %zu bytes, expected %zu", p->name,
                  p->spec_size, want);
        off[n] = p->spec_offset, end[n] = p->spec_offset + p->spec_size, align[n++] = a;
    }
    /* in offset order, each member starts where the previous one ends,
     * rounded up to its alignment */
    size_t at = 0;
    for (size_t k = 0; k < n; k++) {
        size_t best = n;
        for (size_t j = 0; j < n; j++)
            if (off[j] >= at && (best == n || off[j] < off[best]))
                best = j;
        CHECK(best < n);
        if (best == n)
            return;
        size_t want = (at + align[best] - 1) / align[best] * align[best];
        CHECK_MSG(off[best] == want, "pb_run_spec bytes [%zu, %zu) belong to no parameter row",
                  at, off[best]);
        at = end[best];
    }
    size_t a = alignof(pb_run_spec);
    CHECK_MSG((at + a - 1) / a * a == sizeof(pb_run_spec),
              "pb_run_spec bytes [%zu, %zu) belong to no parameter row", at, sizeof(pb_run_spec));
}

static void test_round_trip_and_key(void)
{
    pb_train_config def;
    pb_train_config_default(&def);
    pb_run_spec s0;
    memset(&s0, 0, sizeof s0);
    s0.struct_size = sizeof s0;
    pb_params_to_spec(&def, &s0);
    char key0[2048], key[2048], err[256];
    CHECK(pb_unit_call_key(key0, sizeof key0, PB_CALL_TRAIN, "e", "r", &s0) == 0);
    static char want[64][300], got[64][300];
    CHECK(pb_n_params <= 64);
    size_t covered = 0;
    for (size_t i = 0; i < pb_n_params && pb_n_params <= 64; i++) {
        const pb_param *p = &pb_params[i];
        if (!p->spec_size)
            continue;
        char dtext[300], v[300];
        pb_param_format(p, &def, dtext, sizeof dtext);
        CHECK_MSG(other_value(p, dtext, v, sizeof v), "%s: no valid value other than '%s'",
                  p->name, dtext);
        pb_train_config c = def;
        CHECK(pb_param_set(p, &c, v, err, sizeof err) == 0);

        pb_run_spec s;
        memset(&s, 0, sizeof s);
        s.struct_size = sizeof s;
        pb_params_to_spec(&c, &s);
        pb_train_config back;
        pb_train_config_default(&back);
        CHECK_MSG(pb_params_from_spec(&s, &back, err, sizeof err) == 0, "%s: %s", p->name, err);
        all_formatted(&c, want);
        all_formatted(&back, got);
        for (size_t j = 0; j < pb_n_params; j++)
            CHECK_MSG(strcmp(want[j], got[j]) == 0,
                      "%s = %s: config -> spec -> config gives %s = %s, expected %s", p->name,
                      v, pb_params[j].name, got[j], want[j]);

        CHECK(pb_unit_call_key(key, sizeof key, PB_CALL_TRAIN, "e", "r", &s) == 0);
        CHECK_MSG(strcmp(key, key0) != 0, "%s = %s does not change the call key", p->name, v);

        /* a plugin's spec that stops before the member: not read, the
         * default is used and keyed */
        pb_run_spec shorter = s;
        shorter.struct_size = (uint32_t)p->spec_offset;
        pb_train_config old;
        pb_train_config_default(&old);
        CHECK(pb_params_from_spec(&shorter, &old, err, sizeof err) == 0);
        pb_param_format(p, &old, got[0], 300);
        CHECK_MSG(strcmp(got[0], dtext) == 0, "%s read beyond struct_size %zu", p->name,
                  p->spec_offset);
        pb_run_spec s0short = s0;
        s0short.struct_size = (uint32_t)p->spec_offset;
        CHECK(pb_unit_call_key(key, sizeof key, PB_CALL_TRAIN, "e", "r", &shorter) == 0);
        char key0short[2048];
        CHECK(pb_unit_call_key(key0short, sizeof key0short, PB_CALL_TRAIN, "e", "r",
                               &s0short) == 0);
        CHECK_MSG(strcmp(key, key0short) == 0,
                  "%s: the key of a spec without the member depends on its bytes", p->name);
        covered++;
    }
    CHECK(covered > 0);
    /* an unknown enum name in a plugin's spec is refused, naming the member */
    for (size_t i = 0; i < pb_n_params; i++) {
        const pb_param *p = &pb_params[i];
        if (p->type != PB_PARAM_ENUM || !p->spec_size)
            continue;
        pb_run_spec s = s0;
        snprintf((char *)&s + p->spec_offset, p->spec_size, "nosuch");
        pb_train_config c;
        pb_train_config_default(&c);
        CHECK_MSG(pb_params_from_spec(&s, &c, err, sizeof err) == -1 && strstr(err, p->name) &&
                      strstr(err, "nosuch"),
                  "%s: unknown name accepted (%s)", p->name, err);
    }
    /* the two requests that are not parameters are keyed too */
    pb_run_spec s = s0;
    s.want_ntk = 1;
    CHECK(pb_unit_call_key(key, sizeof key, PB_CALL_TRAIN, "e", "r", &s) == 0 &&
          strcmp(key, key0) != 0);
    s = s0;
    s.want_test_outputs = 1;
    CHECK(pb_unit_call_key(key, sizeof key, PB_CALL_TRAIN, "e", "r", &s) == 0 &&
          strcmp(key, key0) != 0);
    CHECK(pb_unit_call_key(key, 40, PB_CALL_TRAIN, "e", "r", &s0) == -1);
}

int main(void)
{
    test_members();
    test_round_trip_and_key();
    return pb_test_done("test_param_spec");
}
