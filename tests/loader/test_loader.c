/* Every refusal of the loader, each with its reason; and the real plugins
 * in the build tree load. */
#include "loader.h"
#include "pb_test.h"

#include <string.h>

static const pb_plugin *by_file(const pb_registry *reg, const char *file)
{
    for (size_t i = 0; i < reg->count; i++) {
        const char *slash = strrchr(reg->plugins[i].path, '/');
        if (slash && strcmp(slash + 1, file) == 0)
            return &reg->plugins[i];
    }
    return NULL;
}

static void expect(const pb_registry *reg, const char *file, pb_plugin_state state,
                   const char *reason_part)
{
    const pb_plugin *p = by_file(reg, file);
    CHECK_MSG(p != NULL, "%s not examined", file);
    if (!p)
        return;
    CHECK_MSG(p->state == state, "%s: state %s, expected %s (%s)", file,
              pb_plugin_state_name(p->state), pb_plugin_state_name(state), p->reason);
    CHECK_MSG(strstr(p->reason, reason_part) != NULL, "%s: reason '%s' lacks '%s'", file,
              p->reason, reason_part);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_loader BROKEN_PLUGIN_DIR\n");
        return 2;
    }
    setenv("PHASEBENCH_PLUGIN_PATH", argv[1], 1);
    char mark[1100];
    snprintf(mark, sizeof mark, "%s/ctor-ran.mark", argv[1]);
    remove(mark);
    setenv("PB_TEST_CTOR_MARK", mark, 1);
    pb_registry reg = {0};
    pb_registry_scan(&reg);
    /* nothing is probed until asked */
    for (size_t i = 0; i < reg.count; i++)
        CHECK(reg.plugins[i].state != PB_PLUGIN_UNAVAILABLE);
    pb_registry_probe_all(&reg);
    expect(&reg, "pb_backend_bad_magic.so", PB_PLUGIN_REFUSED, "magic 0xdeadbeef");
    expect(&reg, "pb_backend_abi_major.so", PB_PLUGIN_REFUSED, "ABI major version 2");
    expect(&reg, "pb_backend_short_table.so", PB_PLUGIN_REFUSED, "function table too short");
    expect(&reg, "pb_backend_no_entry.so", PB_PLUGIN_REFUSED, "missing symbol pb_backend_entry");
    expect(&reg, "pb_backend_no_desc.so", PB_PLUGIN_REFUSED, "missing symbol pb_backend_desc");
    expect(&reg, "pb_backend_notaplugin.so", PB_PLUGIN_REFUSED, "missing symbol pb_backend_desc");
    expect(&reg, "pb_backend_unavailable.so", PB_PLUGIN_UNAVAILABLE, "no such device here");
    expect(&reg, "pb_backend_fingerprint.so", PB_PLUGIN_REFUSED, "numeric fingerprint");
    expect(&reg, "pb_backend_null_table.so", PB_PLUGIN_REFUSED, "returned no function table");
    expect(&reg, "pb_backend_garbage.so", PB_PLUGIN_REFUSED, "not an ELF file");
    /* refused from the file's bytes: its constructor never ran */
    expect(&reg, "pb_backend_ctor_bad_magic.so", PB_PLUGIN_REFUSED, "magic 0xdeadbeef");
    FILE *m = fopen(mark, "r");
    CHECK_MSG(m == NULL, "a refused plugin's constructor ran (%s exists)", mark);
    if (m)
        fclose(m);
    expect(&reg, "pb_backend_missing_op.so", PB_PLUGIN_REFUSED, "mandatory ABI 1.0 member gemm");
    /* A newer minor version with the same major loads. */
    expect(&reg, "pb_backend_future_minor.so", PB_PLUGIN_AVAILABLE, "");

    char err[512];
    CHECK(pb_registry_find(&reg, "unavailable", err, sizeof err) == NULL);
    CHECK(strstr(err, "unavailable here") != NULL);
    CHECK(pb_registry_find(&reg, "nonexistent", err, sizeof err) == NULL);
    CHECK(strstr(err, "no backend named") != NULL);
    /* The real reference backend is found on the rest of the path. */
    const pb_plugin *ref = pb_registry_find(&reg, "ref", err, sizeof err);
    CHECK_MSG(ref != NULL, "%s", err);
    if (ref)
        CHECK(ref->abi_major == PB_BACKEND_ABI_MAJOR);
    /* A file that does not exist is a refusal, not a crash. */
    pb_registry_add_file(&reg, "/nonexistent/pb_backend_x.so");
    CHECK(reg.plugins[reg.count - 1].state == PB_PLUGIN_REFUSED);
    pb_registry_free(&reg);
    return pb_test_done("test_loader");
}
