/* Device choice and the logical device.  One compute queue; shaderFloat64
 * enabled where the device has it. */
#include "vk_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef VK_KHR_PORTABILITY_SUBSET_EXTENSION_NAME
#define VK_KHR_PORTABILITY_SUBSET_EXTENSION_NAME "VK_KHR_portability_subset"
#endif

/* The first queue family with compute, or UINT32_MAX. */
static uint32_t compute_family(pb_vk_api *vk, VkPhysicalDevice phys)
{
    uint32_t n = 0;
    vk->vkGetPhysicalDeviceQueueFamilyProperties(phys, &n, NULL);
    VkQueueFamilyProperties *fam = calloc(n ? n : 1, sizeof *fam);
    uint32_t found = UINT32_MAX;
    if (!fam)
        return found;
    vk->vkGetPhysicalDeviceQueueFamilyProperties(phys, &n, fam);
    for (uint32_t i = 0; i < n && found == UINT32_MAX; ++i)
        if ((fam[i].queueFlags & VK_QUEUE_COMPUTE_BIT) && fam[i].queueCount)
            found = i;
    free(fam);
    return found;
}

/* Why a device cannot run the backend, or NULL when it can. */
static const char *unusable_reason(pb_vk_api *vk, VkPhysicalDevice phys)
{
    VkPhysicalDeviceProperties p;
    vk->vkGetPhysicalDeviceProperties(phys, &p);
    if (p.apiVersion < VK_API_VERSION_1_1)
        return "Vulkan 1.0 only (1.1 needed)";
    if (compute_family(vk, phys) == UINT32_MAX)
        return "no compute queue";
    /* The kernels use 256-invocation workgroups (16 x 16 for GEMM); the
     * Vulkan minimum is 128. */
    const VkPhysicalDeviceLimits *l = &p.limits;
    if (l->maxComputeWorkGroupInvocations < 256 ||
        l->maxComputeWorkGroupSize[0] < 256 ||
        l->maxComputeWorkGroupSize[1] < 16)
        return "fewer than 256 invocations per workgroup";
    return NULL;
}

/* Discrete GPUs first, then integrated, virtual and CPU devices. */
static int type_rank(VkPhysicalDeviceType t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
    default: return 4;
    }
}

static const char *type_name(VkPhysicalDeviceType t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
    }
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t hn = strlen(hay), nn = strlen(needle);
    for (size_t i = 0; i + nn <= hn; ++i) {
        size_t j = 0;
        while (j < nn && tolower((unsigned char)hay[i + j]) ==
                             tolower((unsigned char)needle[j]))
            ++j;
        if (j == nn)
            return 1;
    }
    return 0;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; ++s)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* Lists the devices as "0: name (type), 1: ..." for error messages. */
static void list_devices(pb_vk_api *vk, VkPhysicalDevice *devs, uint32_t n,
                         char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < n && used < len; ++i) {
        VkPhysicalDeviceProperties p;
        vk->vkGetPhysicalDeviceProperties(devs[i], &p);
        int w = snprintf(buf + used, len - used, "%s%u: %s (%s)",
                         i ? ", " : "", i, p.deviceName,
                         type_name(p.deviceType));
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* Picks a device: by selector (index or name substring) or by type rank.
 * Returns PB_ERR_UNAVAILABLE when there is none, PB_ERR_INVALID when the
 * selector matches nothing usable. */
static pb_status choose_device(pb_vk_api *vk, VkInstance instance,
                               const char *selector, VkPhysicalDevice *out,
                               char *why, size_t why_len)
{
    uint32_t n = 0;
    VkResult r = vk->vkEnumeratePhysicalDevices(instance, &n, NULL);
    char hint[PB_VK_TEXT_LEN];
    if (r != VK_SUCCESS && r != VK_INCOMPLETE) {
        snprintf(why, why_len, "no Vulkan device (%s): "
                 "vkEnumeratePhysicalDevices: %s",
                 pb_vk_driver_hint(hint, sizeof hint), pb_vk_result_name(r));
        return PB_ERR_UNAVAILABLE;
    }
    if (n == 0) {
        snprintf(why, why_len, "no Vulkan device (%s)",
                 pb_vk_driver_hint(hint, sizeof hint));
        return PB_ERR_UNAVAILABLE;
    }
    VkPhysicalDevice *devs = calloc(n, sizeof *devs);
    if (!devs) {
        snprintf(why, why_len, "out of host memory listing devices");
        return PB_ERR_NOMEM;
    }
    r = vk->vkEnumeratePhysicalDevices(instance, &n, devs);
    if (r != VK_SUCCESS && r != VK_INCOMPLETE) {
        free(devs);
        snprintf(why, why_len, "vkEnumeratePhysicalDevices: %s",
                 pb_vk_result_name(r));
        return PB_ERR_UNAVAILABLE;
    }

    pb_status st = PB_OK;
    int best = -1, best_rank = 1 << 30;
    char list[PB_VK_ERR_LEN / 2];
    if (selector && *selector) {
        if (all_digits(selector)) {
            unsigned long idx = strtoul(selector, NULL, 10);
            if (idx < n)
                best = (int)idx;
        } else {
            for (uint32_t i = 0; i < n && best < 0; ++i) {
                VkPhysicalDeviceProperties p;
                vk->vkGetPhysicalDeviceProperties(devs[i], &p);
                if (contains_nocase(p.deviceName, selector) &&
                    !unusable_reason(vk, devs[i]))
                    best = (int)i;
            }
        }
        if (best < 0) {
            list_devices(vk, devs, n, list, sizeof list);
            snprintf(why, why_len, "no Vulkan device matches \"%s\"; "
                     "devices: %s", selector, list);
            st = PB_ERR_INVALID;
        } else if (unusable_reason(vk, devs[best])) {
            VkPhysicalDeviceProperties p;
            vk->vkGetPhysicalDeviceProperties(devs[best], &p);
            snprintf(why, why_len, "Vulkan device %d (%s) is unusable: %s",
                     best, p.deviceName, unusable_reason(vk, devs[best]));
            st = PB_ERR_UNAVAILABLE;
        }
    } else {
        for (uint32_t i = 0; i < n; ++i) {
            if (unusable_reason(vk, devs[i]))
                continue;
            VkPhysicalDeviceProperties p;
            vk->vkGetPhysicalDeviceProperties(devs[i], &p);
            int rank = type_rank(p.deviceType);
            if (rank < best_rank) {
                best_rank = rank;
                best = (int)i;
            }
        }
        if (best < 0) {
            VkPhysicalDeviceProperties p;
            vk->vkGetPhysicalDeviceProperties(devs[0], &p);
            snprintf(why, why_len, "no usable Vulkan device (%s: %s%s)",
                     p.deviceName, unusable_reason(vk, devs[0]),
                     n > 1 ? ", and the others likewise" : "");
            st = PB_ERR_UNAVAILABLE;
        }
    }
    if (st == PB_OK)
        *out = devs[best];
    free(devs);
    return st;
}

pb_status pb_vk_probe(char *why, size_t why_len)
{
    pb_vk_api vk;
    pb_status st = pb_vk_api_open(&vk, why, why_len);
    if (st != PB_OK)
        return st;
    VkInstance instance;
    uint32_t api_version;
    st = pb_vk_instance_create(&vk, NULL, &instance, &api_version, why,
                               why_len);
    if (st == PB_OK) {
        VkPhysicalDevice phys;
        st = choose_device(&vk, instance, getenv("PB_VULKAN_DEVICE"), &phys,
                           why, why_len);
        vk.vkDestroyInstance(instance, NULL);
    }
    pb_vk_api_close(&vk);
    if (st != PB_OK && st != PB_ERR_UNAVAILABLE)
        st = PB_ERR_UNAVAILABLE;
    return st;
}

static void read_device_info(pb_backend *be)
{
    pb_vk_api *vk = &be->vk;
    pb_vk_device_info *info = &be->info;
    VkPhysicalDeviceProperties2 props = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    VkPhysicalDeviceSubgroupProperties subgroup = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceMaintenance3Properties maint3 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
    VkPhysicalDeviceDriverProperties driver = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    VkPhysicalDeviceProperties base;
    vk->vkGetPhysicalDeviceProperties(be->phys, &base);
    props.pNext = &subgroup;
    subgroup.pNext = &maint3;
    /* Driver properties are core in 1.2: usable when both the device and
     * the instance are at 1.2 or later. */
    int have_driver = base.apiVersion >= VK_API_VERSION_1_2 &&
                      be->instance_version >= VK_API_VERSION_1_2;
    if (have_driver)
        maint3.pNext = &driver;
    vk->vkGetPhysicalDeviceProperties2(be->phys, &props);

    const VkPhysicalDeviceProperties *p = &props.properties;
    snprintf(info->name, sizeof info->name, "%s", p->deviceName);
    if (have_driver) {
        snprintf(info->driver_name, sizeof info->driver_name, "%s",
                 driver.driverName);
        snprintf(info->driver_info, sizeof info->driver_info, "%s",
                 driver.driverInfo);
    } else {
        snprintf(info->driver_name, sizeof info->driver_name, "unknown");
        snprintf(info->driver_info, sizeof info->driver_info,
                 "driverVersion 0x%x", p->driverVersion);
    }
    info->api_version = p->apiVersion;
    info->vendor_id = p->vendorID;
    info->type = p->deviceType;
    info->subgroup_size = subgroup.subgroupSize;
    VkDeviceSize limit = p->limits.maxStorageBufferRange;
    if (maint3.maxMemoryAllocationSize &&
        maint3.maxMemoryAllocationSize < limit)
        limit = maint3.maxMemoryAllocationSize;
    info->max_buffer_bytes = limit;
    for (int i = 0; i < 3; ++i)
        info->max_groups[i] = p->limits.maxComputeWorkGroupCount[i];

    VkPhysicalDeviceFeatures features;
    vk->vkGetPhysicalDeviceFeatures(be->phys, &features);
    info->has_f64 = features.shaderFloat64 == VK_TRUE;
}

static pb_status create_device(pb_backend *be)
{
    pb_vk_api *vk = &be->vk;
    be->queue_family = compute_family(vk, be->phys);
    const float priority = 1.0f;
    VkDeviceQueueCreateInfo queue = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = be->queue_family,
        .queueCount = 1,
        .pQueuePriorities = &priority,
    };
    VkPhysicalDeviceFeatures features = {0};
    features.shaderFloat64 = be->info.has_f64 ? VK_TRUE : VK_FALSE;

    /* The spec requires enabling VK_KHR_portability_subset where offered. */
    const char *ext[1];
    uint32_t n_ext = 0;
    uint32_t n_avail = 0;
    if (vk->vkEnumerateDeviceExtensionProperties(be->phys, NULL, &n_avail,
                                                 NULL) == VK_SUCCESS &&
        n_avail) {
        VkExtensionProperties *avail = calloc(n_avail, sizeof *avail);
        if (avail && vk->vkEnumerateDeviceExtensionProperties(
                         be->phys, NULL, &n_avail, avail) == VK_SUCCESS &&
            pb_vk_has_extension(avail, n_avail,
                                VK_KHR_PORTABILITY_SUBSET_EXTENSION_NAME))
            ext[n_ext++] = VK_KHR_PORTABILITY_SUBSET_EXTENSION_NAME;
        free(avail);
    }

    VkDeviceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &queue,
        .enabledExtensionCount = n_ext,
        .ppEnabledExtensionNames = n_ext ? ext : NULL,
        .pEnabledFeatures = &features,
    };
    pb_status st = pb_vk_check(be, vk->vkCreateDevice(be->phys, &info, NULL,
                                                      &be->device),
                               "vkCreateDevice");
    if (st != PB_OK) {
        be->device = VK_NULL_HANDLE;
        return st;
    }
    st = pb_vk_api_load_device(vk, be->device, be->err, sizeof be->err);
    if (st != PB_OK)
        return st;
    vk->vkGetDeviceQueue(be->device, be->queue_family, 0, &be->queue);
    return PB_OK;
}

pb_status pb_vk_context_create(pb_backend *be, const char *selector)
{
    const char *validate = getenv("PB_VULKAN_VALIDATE");
    be->validate = validate && *validate && strcmp(validate, "0") != 0;
    pb_status st = pb_vk_api_open(&be->vk, be->err, sizeof be->err);
    if (st != PB_OK)
        return st;
    st = pb_vk_instance_create(&be->vk, be, &be->instance,
                               &be->instance_version, be->err, sizeof be->err);
    if (st != PB_OK)
        return st;
    st = choose_device(&be->vk, be->instance, selector, &be->phys, be->err,
                       sizeof be->err);
    if (st != PB_OK)
        return st;
    read_device_info(be);
    return create_device(be);
}

void pb_vk_context_destroy(pb_backend *be)
{
    pb_vk_api *vk = &be->vk;
    if (be->device != VK_NULL_HANDLE && vk->vkDestroyDevice)
        vk->vkDestroyDevice(be->device, NULL);
    be->device = VK_NULL_HANDLE;
    if (be->messenger != VK_NULL_HANDLE && vk->vkDestroyDebugUtilsMessengerEXT)
        vk->vkDestroyDebugUtilsMessengerEXT(be->instance, be->messenger, NULL);
    be->messenger = VK_NULL_HANDLE;
    if (be->instance != VK_NULL_HANDLE && vk->vkDestroyInstance)
        vk->vkDestroyInstance(be->instance, NULL);
    be->instance = VK_NULL_HANDLE;
    pb_vk_api_close(vk);
}

const char *pb_vk_device_type_name(VkPhysicalDeviceType t)
{
    return type_name(t);
}
