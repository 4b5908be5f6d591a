/* The Vulkan instance: API version, portability enumeration, and with
 * PB_VULKAN_VALIDATE the Khronos validation layer and a messenger that
 * counts its messages.  Headless: no surface extension is requested. */
#include "vk_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PB_VK_VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"

const char *pb_vk_driver_hint(char *buf, size_t len)
{
    const char *vars[] = {"VK_DRIVER_FILES", "VK_ICD_FILENAMES",
                          "VK_ADD_DRIVER_FILES"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; ++i) {
        const char *v = getenv(vars[i]);
        if (v && *v) {
            snprintf(buf, len, "%s=%s", vars[i], v);
            return buf;
        }
    }
    snprintf(buf, len, "the loader found no driver; install "
                       "mesa-vulkan-drivers or a GPU driver");
    return buf;
}

int pb_vk_has_extension(const VkExtensionProperties *ext, uint32_t n,
                        const char *name)
{
    for (uint32_t i = 0; i < n; ++i)
        if (strcmp(ext[i].extensionName, name) == 0)
            return 1;
    return 0;
}

/* Extensions of the loader and implicit layers (layer == NULL) or of one
 * layer; NULL with *n = 0 when there are none or on failure. */
static VkExtensionProperties *instance_extensions(pb_vk_api *vk,
                                                  const char *layer,
                                                  uint32_t *n)
{
    *n = 0;
    if (vk->vkEnumerateInstanceExtensionProperties(layer, n, NULL) !=
            VK_SUCCESS || *n == 0)
        return NULL;
    VkExtensionProperties *ext = calloc(*n, sizeof *ext);
    if (!ext || vk->vkEnumerateInstanceExtensionProperties(layer, n, ext) !=
                    VK_SUCCESS) {
        free(ext);
        *n = 0;
        return NULL;
    }
    return ext;
}

static int layer_available(pb_vk_api *vk, const char *name)
{
    uint32_t n = 0;
    if (vk->vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS || !n)
        return 0;
    VkLayerProperties *layers = calloc(n, sizeof *layers);
    int found = 0;
    if (layers && vk->vkEnumerateInstanceLayerProperties(&n, layers) ==
                      VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; ++i)
            found = strcmp(layers[i].layerName, name) == 0;
    free(layers);
    return found;
}

static VKAPI_ATTR VkBool32 VKAPI_CALL
on_validation_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                      VkDebugUtilsMessageTypeFlagsEXT types,
                      const VkDebugUtilsMessengerCallbackDataEXT *data,
                      void *user)
{
    pb_backend *be = user;
    /* Loader chatter ("env var VK_INSTANCE_LAYERS defined ...") arrives as
     * general-type warnings: only errors count whatever their type. */
    if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
        be->val_errors++;
    else if ((severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) &&
             (types & (VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT)))
        be->val_warnings++;
    else
        return VK_FALSE;
    if (!be->val_first[0])
        snprintf(be->val_first, sizeof be->val_first, "%s",
                 data && data->pMessage ? data->pMessage : "(no text)");
    return VK_FALSE;
}

pb_status pb_vk_instance_create(pb_vk_api *vk, pb_backend *be,
                                VkInstance *out, uint32_t *api_version,
                                char *why, size_t why_len)
{
    *out = VK_NULL_HANDLE;
    PFN_vkEnumerateInstanceVersion enum_version =
        (PFN_vkEnumerateInstanceVersion)vk->vkGetInstanceProcAddr(
            NULL, "vkEnumerateInstanceVersion");
    uint32_t loader_version = VK_API_VERSION_1_0;
    if (enum_version && enum_version(&loader_version) != VK_SUCCESS)
        loader_version = VK_API_VERSION_1_0;
    if (loader_version < VK_API_VERSION_1_1) {
        snprintf(why, why_len, "no Vulkan 1.1: the loader supports %u.%u only",
                 VK_API_VERSION_MAJOR(loader_version),
                 VK_API_VERSION_MINOR(loader_version));
        return PB_ERR_UNAVAILABLE;
    }

    uint32_t n_ext = 0;
    VkExtensionProperties *ext = instance_extensions(vk, NULL, &n_ext);
    const char *enabled_ext[4];
    uint32_t n_enabled = 0;
    VkInstanceCreateFlags flags = 0;
    /* MoltenVK and other non-conformant drivers are listed only on request. */
    if (pb_vk_has_extension(ext, n_ext,
                            VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) {
        enabled_ext[n_enabled++] =
            VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME;
        flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
    }

    const char *layers[1];
    uint32_t n_layers = 0;
    int validate = be && be->validate;
    int debug_utils = 0, sync_validation = 0;
    if (validate) {
        if (layer_available(vk, PB_VK_VALIDATION_LAYER)) {
            layers[n_layers++] = PB_VK_VALIDATION_LAYER;
            be->validation_layer = 1;
            uint32_t n_lext = 0;
            VkExtensionProperties *lext =
                instance_extensions(vk, PB_VK_VALIDATION_LAYER, &n_lext);
            if (pb_vk_has_extension(
                    lext, n_lext, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME)) {
                enabled_ext[n_enabled++] =
                    VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME;
                sync_validation = 1;
            }
            if (pb_vk_has_extension(lext, n_lext,
                                    VK_EXT_DEBUG_UTILS_EXTENSION_NAME))
                debug_utils = 1;
            free(lext);
        }
        if (!debug_utils &&
            pb_vk_has_extension(ext, n_ext, VK_EXT_DEBUG_UTILS_EXTENSION_NAME))
            debug_utils = 1;
        if (debug_utils)
            enabled_ext[n_enabled++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
    }
    free(ext);

    /* 1.2 when the loader has it, so that 1.2 property structs may be
     * queried; devices of 1.1 still work. */
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "phasebench",
        .applicationVersion = 1,
        .pEngineName = "phasebench",
        .engineVersion = 1,
        .apiVersion = loader_version >= VK_API_VERSION_1_2 ? VK_API_VERSION_1_2
                                                           : VK_API_VERSION_1_1,
    };
    VkDebugUtilsMessengerCreateInfoEXT messenger_info = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
        .pfnUserCallback = on_validation_message,
        .pUserData = be,
    };
    const VkValidationFeatureEnableEXT sync_feature =
        VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
    VkValidationFeaturesEXT validation_features = {
        .sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT,
        .enabledValidationFeatureCount = 1,
        .pEnabledValidationFeatures = &sync_feature,
    };
    const void *chain = NULL;
    if (debug_utils) {
        messenger_info.pNext = chain;
        chain = &messenger_info;
    }
    if (sync_validation) {
        validation_features.pNext = chain;
        chain = &validation_features;
    }
    VkInstanceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pNext = chain,
        .flags = flags,
        .pApplicationInfo = &app,
        .enabledLayerCount = n_layers,
        .ppEnabledLayerNames = n_layers ? layers : NULL,
        .enabledExtensionCount = n_enabled,
        .ppEnabledExtensionNames = n_enabled ? enabled_ext : NULL,
    };
    *api_version = app.apiVersion;
    VkResult r = vk->vkCreateInstance(&info, NULL, out);
    if (r != VK_SUCCESS) {
        char hint[PB_VK_TEXT_LEN];
        *out = VK_NULL_HANDLE;
        if (r == VK_ERROR_OUT_OF_HOST_MEMORY ||
            r == VK_ERROR_OUT_OF_DEVICE_MEMORY) {
            snprintf(why, why_len, "vkCreateInstance: %s",
                     pb_vk_result_name(r));
            return PB_ERR_NOMEM;
        }
        if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
            snprintf(why, why_len, "no Vulkan device (%s)",
                     pb_vk_driver_hint(hint, sizeof hint));
        else
            snprintf(why, why_len, "no Vulkan instance: vkCreateInstance: %s",
                     pb_vk_result_name(r));
        return PB_ERR_UNAVAILABLE;
    }
    pb_status st = pb_vk_api_load_instance(vk, *out, why, why_len);
    if (st != PB_OK) {
        /* vkDestroyInstance itself may be what is missing. */
        PFN_vkDestroyInstance destroy =
            (PFN_vkDestroyInstance)vk->vkGetInstanceProcAddr(
                *out, "vkDestroyInstance");
        if (destroy)
            destroy(*out, NULL);
        *out = VK_NULL_HANDLE;
        return st;
    }
    if (debug_utils && be && vk->vkCreateDebugUtilsMessengerEXT) {
        messenger_info.pNext = NULL;
        if (vk->vkCreateDebugUtilsMessengerEXT(*out, &messenger_info, NULL,
                                               &be->messenger) != VK_SUCCESS)
            be->messenger = VK_NULL_HANDLE;
    }
    return PB_OK;
}

