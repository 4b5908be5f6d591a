/* The Vulkan entry points the backend uses, loaded at run time.
 *
 * The plugin does not link libvulkan: it dlopen()s the loader itself, so a
 * machine without one gets a clean "unavailable" from probe() instead of a
 * failed dlopen of the whole plugin.  Every function is reached through a
 * pb_vk_api table filled from vkGetInstanceProcAddr / vkGetDeviceProcAddr. */
#ifndef PB_VK_API_H
#define PB_VK_API_H

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <stddef.h>

#include "phasebench/backend.h"

/* Resolved with a NULL instance. */
#define PB_VK_GLOBAL_FUNCS(X)                                                \
    X(vkCreateInstance)                                                      \
    X(vkEnumerateInstanceExtensionProperties)                                \
    X(vkEnumerateInstanceLayerProperties)

/* Resolved with the instance; all required. */
#define PB_VK_INSTANCE_FUNCS(X)                                              \
    X(vkDestroyInstance)                                                     \
    X(vkEnumeratePhysicalDevices)                                            \
    X(vkGetPhysicalDeviceProperties)                                         \
    X(vkGetPhysicalDeviceProperties2)                                        \
    X(vkGetPhysicalDeviceFeatures)                                           \
    X(vkGetPhysicalDeviceQueueFamilyProperties)                              \
    X(vkGetPhysicalDeviceMemoryProperties)                                   \
    X(vkEnumerateDeviceExtensionProperties)                                  \
    X(vkCreateDevice)                                                        \
    X(vkGetDeviceProcAddr)

/* Resolved with the instance; may stay NULL (VK_EXT_debug_utils). */
#define PB_VK_INSTANCE_OPTIONAL_FUNCS(X)                                     \
    X(vkCreateDebugUtilsMessengerEXT)                                        \
    X(vkDestroyDebugUtilsMessengerEXT)

/* Resolved with the device; all required. */
#define PB_VK_DEVICE_FUNCS(X)                                                \
    X(vkDestroyDevice)                                                       \
    X(vkGetDeviceQueue)                                                      \
    X(vkDeviceWaitIdle)                                                      \
    X(vkCreateBuffer)                                                        \
    X(vkDestroyBuffer)                                                       \
    X(vkGetBufferMemoryRequirements)                                         \
    X(vkAllocateMemory)                                                      \
    X(vkFreeMemory)                                                          \
    X(vkBindBufferMemory)                                                    \
    X(vkMapMemory)                                                           \
    X(vkUnmapMemory)                                                         \
    X(vkCreateShaderModule)                                                  \
    X(vkDestroyShaderModule)                                                 \
    X(vkCreateDescriptorSetLayout)                                           \
    X(vkDestroyDescriptorSetLayout)                                          \
    X(vkCreatePipelineLayout)                                                \
    X(vkDestroyPipelineLayout)                                               \
    X(vkCreateComputePipelines)                                              \
    X(vkDestroyPipeline)                                                     \
    X(vkCreateDescriptorPool)                                                \
    X(vkDestroyDescriptorPool)                                               \
    X(vkResetDescriptorPool)                                                 \
    X(vkAllocateDescriptorSets)                                              \
    X(vkUpdateDescriptorSets)                                                \
    X(vkCreateCommandPool)                                                   \
    X(vkDestroyCommandPool)                                                  \
    X(vkResetCommandPool)                                                    \
    X(vkAllocateCommandBuffers)                                              \
    X(vkBeginCommandBuffer)                                                  \
    X(vkEndCommandBuffer)                                                    \
    X(vkCmdBindPipeline)                                                     \
    X(vkCmdBindDescriptorSets)                                               \
    X(vkCmdPushConstants)                                                    \
    X(vkCmdDispatch)                                                         \
    X(vkCmdPipelineBarrier)                                                  \
    X(vkCmdCopyBuffer)                                                       \
    X(vkCreateFence)                                                         \
    X(vkDestroyFence)                                                        \
    X(vkResetFences)                                                         \
    X(vkWaitForFences)                                                       \
    X(vkQueueSubmit)

typedef struct pb_vk_api {
    void *lib; /* dlopen handle of the loader */
    PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
#define PB_VK_MEMBER(name) PFN_##name name;
    PB_VK_GLOBAL_FUNCS(PB_VK_MEMBER)
    PB_VK_INSTANCE_FUNCS(PB_VK_MEMBER)
    PB_VK_INSTANCE_OPTIONAL_FUNCS(PB_VK_MEMBER)
    PB_VK_DEVICE_FUNCS(PB_VK_MEMBER)
#undef PB_VK_MEMBER
} pb_vk_api;

/* Opens the loader (libvulkan.so.1, or the file named by the environment
 * variable PB_VULKAN_LOADER) and resolves the global functions.  On failure
 * returns PB_ERR_UNAVAILABLE with the reason in why. */
pb_status pb_vk_api_open(pb_vk_api *api, char *why, size_t why_len);

/* Resolve the instance-level (device-level) functions; on failure return
 * PB_ERR_UNAVAILABLE naming the missing function. */
pb_status pb_vk_api_load_instance(pb_vk_api *api, VkInstance instance,
                                  char *why, size_t why_len);
pb_status pb_vk_api_load_device(pb_vk_api *api, VkDevice device, char *why,
                                size_t why_len);

void pb_vk_api_close(pb_vk_api *api);

/* "VK_ERROR_OUT_OF_DEVICE_MEMORY" and the like. */
const char *pb_vk_result_name(VkResult r);

#endif
