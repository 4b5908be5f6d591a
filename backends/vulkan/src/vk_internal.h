/* State shared by the modules of the Vulkan backend.
 *
 *   vk_api.c        loader and entry points
 *   vk_instance.c   instance, validation layer and messenger
 *   vk_device.c     device choice, device properties, logical device
 *   vk_memory.c     buffers, memory types, host transfers
 *   vk_kernels.c    embedded SPIR-V, pipelines, push-constant packing
 *   vk_stream.c     command recording, barriers, batching, submission
 *   vk_ops.c        elementwise ops and GEMM (tiled and small-shape kernels)
 *   vk_reduce.c     reductions, step_scalars and the loss op
 *   vk_plugin.c     the ABI: descriptor, vtable, create/destroy, caps
 */
#ifndef PB_VK_INTERNAL_H
#define PB_VK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "phasebench/backend.h"
#include "vk_api.h"

#define PB_VK_ERR_LEN 1024
#define PB_VK_TEXT_LEN 256

/* Bindings a kernel may use; one descriptor-set layout per count. */
#define PB_VK_MAX_BINDINGS 4
/* Every push-constant block fits the 128 bytes Vulkan guarantees. */
#define PB_VK_PUSH_MAX 128
/* Elementwise and reduction workgroup size (PB_WG in the shaders). */
#define PB_VK_WG 256u
/* Stage-1 workgroups of a reduction: fixed for a given n, at most this. */
#define PB_VK_MAX_PARTS 1024u
/* Bytes of one loss partial in the widest (double) layout. */
#define PB_VK_LOSS_PART_MAX 40u
/* Pipelines per kernel: one per value of its specialization constant 0
 * (the activation or loss kind; 0 for kernels without one). */
#define PB_VK_MAX_SPEC 4u

typedef enum pb_vk_kernel {
    PB_VK_FILL,
    PB_VK_COPY,
    PB_VK_AXPBY,
    PB_VK_MUL,
    PB_VK_ACT_FORWARD,
    PB_VK_ACT_BACKWARD,
    PB_VK_GEMM,
    PB_VK_GEMM_SMALL,
    PB_VK_REDUCE_PARTIAL,
    PB_VK_REDUCE_FINAL,
    PB_VK_LOSS_PARTIAL,
    PB_VK_LOSS_FINAL,
    PB_VK_KERNEL_COUNT
} pb_vk_kernel;

struct pb_buf {
    VkBuffer buffer;
    VkDeviceMemory memory;
    void *mapped;       /* persistent mapping when host-visible, else NULL */
    size_t n;           /* elements of the instance's dtype */
    VkDeviceSize bytes;
    pb_buf *prev, *next; /* the instance's live user buffers */
    const pb_backend *owner;
};

typedef struct pb_vk_device_info {
    char name[PB_VK_TEXT_LEN];
    char driver_name[PB_VK_TEXT_LEN];
    char driver_info[PB_VK_TEXT_LEN];
    uint32_t api_version;
    uint32_t vendor_id;
    VkPhysicalDeviceType type;
    int has_f64;
    uint32_t subgroup_size;
    /* Largest buffer we hand out: min(maxStorageBufferRange,
     * maxMemoryAllocationSize), since each buffer is bound whole. */
    VkDeviceSize max_buffer_bytes;
    uint32_t max_groups[3];
} pb_vk_device_info;

/* Hazard tracking between dispatches of one command buffer. */
#define PB_VK_TRACKED 16

typedef struct pb_vk_stream {
    VkCommandPool pool;
    VkCommandBuffer cmd;
    VkFence fence;
    VkDescriptorPool dpool;
    uint32_t sets_used;
    int recording;
    VkBuffer written[PB_VK_TRACKED]; /* since the last barrier */
    uint32_t n_written;
    VkBuffer read[PB_VK_TRACKED];
    uint32_t n_read;
} pb_vk_stream;

#define PB_VK_MAX_FEATURES 20

struct pb_backend {
    pb_vk_api vk;
    VkInstance instance;
    uint32_t instance_version; /* apiVersion the instance was created for */
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice phys;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family;
    pb_vk_device_info info;

    pb_dtype dtype;
    size_t elem_size;
    int acc64; /* reductions accumulate in double */

    VkPhysicalDeviceMemoryProperties mem;
    uint32_t local_type;  /* memory type of pb_buf storage */
    int local_mappable;   /* ...host-visible, coherent and cached: map it */
    uint32_t host_type;   /* host-visible coherent: staging and readback */
    VkDeviceSize staging_bytes;

    VkDescriptorSetLayout set_layouts[PB_VK_MAX_BINDINGS + 1];
    VkPipelineLayout pipe_layouts[PB_VK_MAX_BINDINGS + 1];
    VkPipeline pipelines[PB_VK_KERNEL_COUNT][PB_VK_MAX_SPEC];
    /* PB_VULKAN_GEMM test hook: 0 by shape, 1 always tiled, 2 always the
     * small-shape kernel. */
    int gemm_force;

    pb_vk_stream stream;
    pb_buf *parts;     /* stage-1 reduction partials */
    pb_buf *readback;  /* host-visible: final reduction results */
    pb_buf *staging;   /* host-visible: transfers when storage is not mapped */
    pb_buf *live;      /* user buffers not yet freed; destroy() frees them */

    /* PB_VULKAN_VALIDATE=1: messages from the debug-utils messenger. */
    int validate;
    int validation_layer; /* the Khronos layer was found and enabled */
    unsigned long val_errors;
    unsigned long val_warnings;
    char val_first[PB_VK_ERR_LEN];

    pb_feature features[PB_VK_MAX_FEATURES + 1];
    char feature_text[PB_VK_MAX_FEATURES][PB_VK_TEXT_LEN];

    int lost; /* VK_ERROR_DEVICE_LOST seen: every later call fails */
    char err[PB_VK_ERR_LEN];
};

/* ---- errors (vk_plugin.c) ---- */

/* Sets last_error from a printf format and returns st. */
pb_status pb_vk_fail(pb_backend *be, pb_status st, const char *fmt, ...);
/* PB_OK for VK_SUCCESS; otherwise sets last_error to "what: VK_ERROR_..."
 * and returns PB_ERR_NOMEM for out-of-memory results, PB_ERR_DEVICE else
 * (and remembers a lost device). */
pb_status pb_vk_check(pb_backend *be, VkResult r, const char *what);

/* ---- instance (vk_instance.c) ---- */

/* Creates the instance (for 1.2 when the loader has it, else 1.1; the
 * version goes to *api_version).  With be != NULL and be->validate, enables
 * the Khronos validation layer with synchronization validation when it is
 * installed, and counts its messages in be.  Unavailability (no driver, no
 * 1.1) is PB_ERR_UNAVAILABLE with the reason in why. */
pb_status pb_vk_instance_create(pb_vk_api *vk, pb_backend *be,
                                VkInstance *out, uint32_t *api_version,
                                char *why, size_t why_len);
int pb_vk_has_extension(const VkExtensionProperties *ext, uint32_t n,
                        const char *name);
/* Where the loader looks for drivers, for "no device" messages. */
const char *pb_vk_driver_hint(char *buf, size_t len);

/* ---- devices (vk_device.c) ---- */

/* Cheap availability check for probe(): loader, instance, one usable
 * device.  Leaves nothing behind. */
pb_status pb_vk_probe(char *why, size_t why_len);
/* Loader, instance, device choice (selector may be NULL) and logical device;
 * fills be->info.  On failure writes be->err; pb_vk_context_destroy()
 * releases whatever was made. */
pb_status pb_vk_context_create(pb_backend *be, const char *selector);
void pb_vk_context_destroy(pb_backend *be);
/* "discrete", "integrated", "virtual", "cpu", "other". */
const char *pb_vk_device_type_name(VkPhysicalDeviceType t);

/* ---- memory (vk_memory.c) ---- */

pb_status pb_vk_memory_init(pb_backend *be);
void pb_vk_memory_destroy(pb_backend *be);
pb_status pb_vk_buf_alloc(pb_backend *be, size_t n, pb_buf **out);
void pb_vk_buf_free(pb_backend *be, pb_buf *buf);
pb_status pb_vk_buf_upload(pb_backend *be, pb_buf *dst, size_t off,
                           const double *src, size_t n);
pb_status pb_vk_buf_download(pb_backend *be, const pb_buf *src, size_t off,
                             double *dst, size_t n);
/* Checks that buf belongs to be; name goes into the message. */
pb_status pb_vk_check_buf(pb_backend *be, const pb_buf *buf, const char *name);
/* ...and that [off, off + n) lies in it. */
pb_status pb_vk_check_view(pb_backend *be, const pb_buf *buf, size_t off,
                           size_t n, const char *name);
/* An output may be exactly an input's region or apart from it: a partial
 * overlap would race between invocations. */
pb_status pb_vk_check_alias(pb_backend *be, const pb_buf *in, size_t in_off,
                            const pb_buf *out, size_t out_off, size_t n,
                            const char *what);

/* ---- kernels (vk_kernels.c) ---- */

pb_status pb_vk_kernels_init(pb_backend *be);
void pb_vk_kernels_destroy(pb_backend *be);
/* The pipeline of kernel k for the instance's dtype, with its
 * specialization constant 0 set to spec (< PB_VK_MAX_SPEC), built on first
 * use. */
pb_status pb_vk_pipeline(pb_backend *be, pb_vk_kernel k, uint32_t spec,
                         VkPipeline *out, VkPipelineLayout *layout,
                         uint32_t *n_bindings);

/* Push constants in the std430 layout of the shaders' Push blocks: members
 * are appended in declaration order, REAL members as float or double
 * depending on the instance's dtype. */
typedef struct pb_vk_push {
    unsigned char bytes[PB_VK_PUSH_MAX];
    uint32_t size;
    int real64;
    int overflow;
} pb_vk_push;

void pb_vk_push_init(pb_vk_push *p, const pb_backend *be);
void pb_vk_push_real(pb_vk_push *p, double v);
void pb_vk_push_u32(pb_vk_push *p, uint32_t v);

/* ---- command stream (vk_stream.c) ---- */

typedef struct pb_vk_binding {
    const pb_buf *buf;
    int writes; /* the kernel writes through this binding */
} pb_vk_binding;

pb_status pb_vk_stream_init(pb_backend *be);
void pb_vk_stream_destroy(pb_backend *be);
/* Records one dispatch into the current batch (not submitted yet), with a
 * barrier in front when it touches a buffer an earlier dispatch of the
 * batch wrote, or writes one it read. */
pb_status pb_vk_dispatch(pb_backend *be, pb_vk_kernel k,
                         const pb_vk_binding *bindings, uint32_t n_bindings,
                         const pb_vk_push *push, uint32_t groups_x,
                         uint32_t groups_y);
/* The same with the pipeline specialized for spec (see pb_vk_pipeline). */
pb_status pb_vk_dispatch_spec(pb_backend *be, pb_vk_kernel k, uint32_t spec,
                              const pb_vk_binding *bindings,
                              uint32_t n_bindings, const pb_vk_push *push,
                              uint32_t groups_x, uint32_t groups_y);
/* Submits the batch and waits for it; a no-op when nothing is recorded. */
pb_status pb_vk_flush(pb_backend *be);
/* Flushes, then opens a fresh batch and returns its command buffer for a
 * transfer; the caller records and calls pb_vk_flush(). */
pb_status pb_vk_begin_transfer(pb_backend *be, VkCommandBuffer *cmd);
/* Workgroups for a grid-stride loop over n elements. */
uint32_t pb_vk_groups_1d(const pb_backend *be, size_t n);

/* ---- host-facing guards (vk_plugin.c) ---- */

/* Called first by every entry point: clears last_error; PB_ERR_DEVICE once
 * the device is lost. */
pb_status pb_vk_usable(pb_backend *be);

#endif
