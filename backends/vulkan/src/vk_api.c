#include "vk_api.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ISO C has no conversion between object and function pointers; copying
 * the bytes is what POSIX dlsym() users are told to do. */
static PFN_vkVoidFunction as_function(void *sym)
{
    PFN_vkVoidFunction fn;
    memcpy(&fn, &sym, sizeof fn);
    return fn;
}

pb_status pb_vk_api_open(pb_vk_api *api, char *why, size_t why_len)
{
    memset(api, 0, sizeof *api);
    const char *path = getenv("PB_VULKAN_LOADER");
    if (!path || !*path)
        path = "libvulkan.so.1";
    dlerror();
    api->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!api->lib) {
        const char *e = dlerror();
        snprintf(why, why_len, "no Vulkan loader (%s): %s", path,
                 e ? e : "dlopen failed");
        return PB_ERR_UNAVAILABLE;
    }
    void *sym = dlsym(api->lib, "vkGetInstanceProcAddr");
    if (!sym) {
        snprintf(why, why_len,
                 "no Vulkan loader (%s): vkGetInstanceProcAddr not exported",
                 path);
        pb_vk_api_close(api);
        return PB_ERR_UNAVAILABLE;
    }
    api->vkGetInstanceProcAddr = (PFN_vkGetInstanceProcAddr)as_function(sym);

#define PB_VK_LOAD(name)                                                     \
    api->name = (PFN_##name)api->vkGetInstanceProcAddr(NULL, #name);         \
    if (!api->name) {                                                        \
        snprintf(why, why_len, "no Vulkan loader (%s): %s missing", path,    \
                 #name);                                                     \
        pb_vk_api_close(api);                                                \
        return PB_ERR_UNAVAILABLE;                                           \
    }
    PB_VK_GLOBAL_FUNCS(PB_VK_LOAD)
#undef PB_VK_LOAD
    return PB_OK;
}

pb_status pb_vk_api_load_instance(pb_vk_api *api, VkInstance instance,
                                  char *why, size_t why_len)
{
#define PB_VK_LOAD(name)                                                     \
    api->name = (PFN_##name)api->vkGetInstanceProcAddr(instance, #name);     \
    if (!api->name) {                                                        \
        snprintf(why, why_len, "Vulkan instance lacks %s", #name);           \
        return PB_ERR_UNAVAILABLE;                                           \
    }
    PB_VK_INSTANCE_FUNCS(PB_VK_LOAD)
#undef PB_VK_LOAD
#define PB_VK_LOAD_OPTIONAL(name)                                            \
    api->name = (PFN_##name)api->vkGetInstanceProcAddr(instance, #name);
    PB_VK_INSTANCE_OPTIONAL_FUNCS(PB_VK_LOAD_OPTIONAL)
#undef PB_VK_LOAD_OPTIONAL
    return PB_OK;
}

pb_status pb_vk_api_load_device(pb_vk_api *api, VkDevice device, char *why,
                                size_t why_len)
{
#define PB_VK_LOAD(name)                                                     \
    api->name = (PFN_##name)api->vkGetDeviceProcAddr(device, #name);         \
    if (!api->name) {                                                        \
        snprintf(why, why_len, "Vulkan device lacks %s", #name);             \
        return PB_ERR_UNAVAILABLE;                                           \
    }
    PB_VK_DEVICE_FUNCS(PB_VK_LOAD)
#undef PB_VK_LOAD
    return PB_OK;
}

void pb_vk_api_close(pb_vk_api *api)
{
    if (api->lib)
        dlclose(api->lib);
    memset(api, 0, sizeof *api);
}

const char *pb_vk_result_name(VkResult r)
{
    switch (r) {
#define PB_VK_CASE(x) case x: return #x;
    PB_VK_CASE(VK_SUCCESS)
    PB_VK_CASE(VK_NOT_READY)
    PB_VK_CASE(VK_TIMEOUT)
    PB_VK_CASE(VK_INCOMPLETE)
    PB_VK_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    PB_VK_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    PB_VK_CASE(VK_ERROR_INITIALIZATION_FAILED)
    PB_VK_CASE(VK_ERROR_DEVICE_LOST)
    PB_VK_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    PB_VK_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    PB_VK_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    PB_VK_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    PB_VK_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    PB_VK_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    PB_VK_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    PB_VK_CASE(VK_ERROR_FRAGMENTED_POOL)
    PB_VK_CASE(VK_ERROR_UNKNOWN)
    PB_VK_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
    PB_VK_CASE(VK_ERROR_FRAGMENTATION)
#undef PB_VK_CASE
    default:
        return "VkResult (unnamed)";
    }
}
