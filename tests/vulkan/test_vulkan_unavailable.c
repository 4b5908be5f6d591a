/* The "unavailable" paths of the Vulkan backend: run by CTest with
 * VK_DRIVER_FILES=/nonexistent.json, so the loader finds no driver.  probe()
 * and create() must both answer PB_ERR_UNAVAILABLE with a reason, never
 * crash.  Then, with PB_VULKAN_LOADER pointing nowhere, the reason must say
 * that the loader itself is missing. */
#include "vk_test_util.h"

int main(void)
{
    vk_plugin plugin;
    if (vk_plugin_open(&plugin) != 0)
        return 1;
    const pb_backend_vtable *vt = plugin.vt;
    const char *drivers = getenv("VK_DRIVER_FILES");
    CHECK_MSG(drivers && strcmp(drivers, "/nonexistent.json") == 0,
              "run me with VK_DRIVER_FILES=/nonexistent.json");

    char why[1024] = "";
    pb_status st = vt->probe(why, sizeof why);
    printf("probe: %d \"%s\"\n", (int)st, why);
    CHECK(st == PB_ERR_UNAVAILABLE);
    CHECK(why[0] != '\0');
    CHECK_MSG(strstr(why, "no Vulkan device") != NULL, "reason: %s", why);

    /* A short buffer truncates, still NUL-terminated. */
    char tiny[8];
    memset(tiny, 'x', sizeof tiny);
    CHECK(vt->probe(tiny, sizeof tiny) == PB_ERR_UNAVAILABLE);
    CHECK(memchr(tiny, '\0', sizeof tiny) != NULL);
    CHECK(vt->probe(NULL, 0) == PB_ERR_UNAVAILABLE);

    pb_backend_options opts = {sizeof opts, PB_F32, 0, NULL};
    pb_backend *be = NULL;
    char err[1024] = "";
    st = vt->create(&opts, &be, err, sizeof err);
    printf("create: %d \"%s\"\n", (int)st, err);
    CHECK(st == PB_ERR_UNAVAILABLE);
    CHECK(be == NULL);
    CHECK(err[0] != '\0');

    setenv("PB_VULKAN_LOADER", "/nonexistent/libvulkan.so.1", 1);
    st = vt->probe(why, sizeof why);
    printf("probe without loader: %d \"%s\"\n", (int)st, why);
    CHECK(st == PB_ERR_UNAVAILABLE);
    CHECK_MSG(strncmp(why, "no Vulkan loader", 16) == 0, "reason: %s", why);
    unsetenv("PB_VULKAN_LOADER");

    vk_plugin_close(&plugin);
    return pb_test_done("vulkan_unavailable");
}
