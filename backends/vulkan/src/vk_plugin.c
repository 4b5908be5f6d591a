/* The plugin's ABI surface: descriptor, vtable, instance life cycle,
 * capabilities and error text. */
#include "vk_internal.h"
#include "vk_ops.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PB_EXPORT const pb_backend_abi_desc PB_BACKEND_DESC_SYMBOL =
    PB_BACKEND_DESC_INIT("vulkan");

pb_status pb_vk_fail(pb_backend *be, pb_status st, const char *fmt, ...)
{
    if (!be)
        return st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(be->err, sizeof be->err, fmt, ap);
    va_end(ap);
    return st;
}

pb_status pb_vk_check(pb_backend *be, VkResult r, const char *what)
{
    if (r == VK_SUCCESS)
        return PB_OK;
    pb_status st = PB_ERR_DEVICE;
    if (r == VK_ERROR_OUT_OF_HOST_MEMORY || r == VK_ERROR_OUT_OF_DEVICE_MEMORY)
        st = PB_ERR_NOMEM;
    if (r == VK_ERROR_DEVICE_LOST && be)
        be->lost = 1;
    return pb_vk_fail(be, st, "%s: %s (%d)", what, pb_vk_result_name(r),
                      (int)r);
}

pb_status pb_vk_usable(pb_backend *be)
{
    if (!be)
        return PB_ERR_INVALID;
    be->err[0] = '\0'; /* last_error describes the latest call only */
    if (be->lost)
        return pb_vk_fail(be, PB_ERR_DEVICE,
                          "the Vulkan device was lost earlier; destroy and "
                          "recreate the backend");
    return PB_OK;
}

static void copy_text(char *dst, size_t len, const char *src)
{
    if (dst && len)
        snprintf(dst, len, "%s", src);
}

static pb_status vk_probe(char *reason, size_t reason_len)
{
    char why[PB_VK_ERR_LEN] = "";
    pb_status st = pb_vk_probe(why, sizeof why);
    copy_text(reason, reason_len, st == PB_OK ? "" : why);
    return st;
}

static void set_feature(pb_backend *be, int *i, const char *key,
                        const char *fmt, ...)
{
    if (*i >= PB_VK_MAX_FEATURES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(be->feature_text[*i], PB_VK_TEXT_LEN, fmt, ap);
    va_end(ap);
    be->features[*i] = (pb_feature){key, be->feature_text[*i]};
    ++*i;
    be->features[*i] = (pb_feature){NULL, NULL};
}

/* Rebuilt on every get_caps so the validation counters are current. */
static void fill_features(pb_backend *be)
{
    const pb_vk_device_info *d = &be->info;
    int i = 0;
    set_feature(be, &i, "device", "%s", d->name);
    set_feature(be, &i, "driver", "%s", d->driver_name);
    set_feature(be, &i, "driver_info", "%s", d->driver_info);
    set_feature(be, &i, "api_version", "%u.%u.%u",
                VK_API_VERSION_MAJOR(d->api_version),
                VK_API_VERSION_MINOR(d->api_version),
                VK_API_VERSION_PATCH(d->api_version));
    set_feature(be, &i, "vendor_id", "0x%04x", d->vendor_id);
    set_feature(be, &i, "device_type", "%s", pb_vk_device_type_name(d->type));
    set_feature(be, &i, "f64", "%s", d->has_f64 ? "yes" : "no");
    set_feature(be, &i, "subgroup_size", "%u", d->subgroup_size);
    set_feature(be, &i, "accumulator", "%s",
                be->dtype == PB_F64 || be->acc64 ? "f64" : "f32");
    set_feature(be, &i, "max_buffer_bytes", "%llu",
                (unsigned long long)d->max_buffer_bytes);
    set_feature(be, &i, "transfers", "%s",
                be->local_mappable ? "mapped" : "staged");
    /* The shader compiler of the driver decides contractions and the
     * transcendental code, the device its subgroup size. */
    set_feature(be, &i, "bits_depend_on", "%s", "device,driver,driver_info");
    if (be->validate) {
        set_feature(be, &i, "validation", "%s",
                    be->validation_layer ? "VK_LAYER_KHRONOS_validation"
                                         : "layer not installed");
        set_feature(be, &i, "validation_errors", "%lu", be->val_errors);
        set_feature(be, &i, "validation_warnings", "%lu", be->val_warnings);
        set_feature(be, &i, "validation_first_message", "%s",
                    be->val_first[0] ? be->val_first : "");
    }
}

static void vk_destroy(pb_backend *be)
{
    if (!be)
        return;
    if (be->device != VK_NULL_HANDLE && be->vk.vkDeviceWaitIdle) {
        if (be->stream.pool != VK_NULL_HANDLE)
            pb_vk_flush(be);
        be->vk.vkDeviceWaitIdle(be->device);
        pb_vk_stream_destroy(be);
        pb_vk_memory_destroy(be);
        pb_vk_kernels_destroy(be);
    }
    pb_vk_context_destroy(be);
    free(be);
}

static pb_status vk_create(const pb_backend_options *opts, pb_backend **out,
                           char *err, size_t err_len)
{
    if (!out) {
        copy_text(err, err_len, "create: NULL out");
        return PB_ERR_INVALID;
    }
    *out = NULL;
    pb_dtype dtype = PB_F64;
    const char *selector = NULL;
    if (opts) {
        if (opts->struct_size < offsetof(pb_backend_options, dtype) +
                                    sizeof opts->dtype) {
            copy_text(err, err_len, "create: options.struct_size too small");
            return PB_ERR_INVALID;
        }
        dtype = opts->dtype;
        /* Threads are the host's business here: the option is ignored. */
        if (opts->struct_size >= offsetof(pb_backend_options, device) +
                                     sizeof opts->device)
            selector = opts->device;
    }
    if (dtype != PB_F64 && dtype != PB_F32) {
        copy_text(err, err_len, "create: unknown dtype");
        return PB_ERR_INVALID;
    }
    if (!selector || !*selector)
        selector = getenv("PB_VULKAN_DEVICE");

    pb_backend *be = calloc(1, sizeof *be);
    if (!be) {
        copy_text(err, err_len, "create: out of host memory");
        return PB_ERR_NOMEM;
    }
    be->dtype = dtype;
    const char *gemm = getenv("PB_VULKAN_GEMM");
    if (gemm && strcmp(gemm, "tiled") == 0)
        be->gemm_force = 1;
    else if (gemm && strcmp(gemm, "small") == 0)
        be->gemm_force = 2;
    be->elem_size = dtype == PB_F64 ? sizeof(double) : sizeof(float);

    pb_status st = pb_vk_context_create(be, selector);
    if (st == PB_OK && dtype == PB_F64 && !be->info.has_f64)
        st = pb_vk_fail(be, PB_ERR_UNSUPPORTED,
                        "dtype f64 unsupported: %s has no shaderFloat64 "
                        "(use f32)",
                        be->info.name);
    be->acc64 = be->info.has_f64;
    if (st == PB_OK)
        st = pb_vk_memory_init(be);
    if (st == PB_OK)
        st = pb_vk_kernels_init(be);
    if (st == PB_OK)
        st = pb_vk_stream_init(be);
    if (st != PB_OK) {
        copy_text(err, err_len, be->err);
        vk_destroy(be);
        return st;
    }
    fill_features(be);
    be->err[0] = '\0';
    *out = be;
    return PB_OK;
}

static const char *vk_last_error(const pb_backend *be)
{
    return be ? be->err : "no backend instance";
}

static pb_status vk_get_caps(pb_backend *be, pb_caps *caps)
{
    if (!be)
        return PB_ERR_INVALID;
    if (!caps)
        return pb_vk_fail(be, PB_ERR_INVALID, "get_caps: NULL caps");
    if (caps->struct_size < PB_CAPS_MIN_SIZE)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "get_caps: caps struct_size %u is below ABI 1.2's %zu",
                          (unsigned)caps->struct_size, (size_t)PB_CAPS_MIN_SIZE);
    fill_features(be);
    const pb_caps full = {
        .struct_size = sizeof(pb_caps),
        .dtypes = (1u << PB_F32) | (be->info.has_f64 ? 1u << PB_F64 : 0u),
        .determinism = PB_DET_BITWISE,
        .threads = 1,
        .max_threads = 0,
        .features = be->features,
    };
    pb_struct_give(caps, &full, sizeof full);
    return PB_OK;
}

static pb_status vk_buf_alloc(pb_backend *be, size_t n, pb_buf **out)
{
    if (!be)
        return PB_ERR_INVALID;
    return pb_vk_buf_alloc(be, n, out);
}

static void vk_buf_free(pb_backend *be, pb_buf *buf)
{
    if (be)
        pb_vk_buf_free(be, buf);
}

static pb_status vk_sync(pb_backend *be)
{
    pb_status st = pb_vk_usable(be);
    return st == PB_OK ? pb_vk_flush(be) : st;
}

static const pb_backend_vtable vtable = {
    .struct_size = sizeof(pb_backend_vtable),
    .name = "vulkan",
    .description = "Vulkan compute shaders (GLSL compiled to SPIR-V at build "
                   "time); f32, and f64 where the device has shaderFloat64",
    .probe = vk_probe,
    .create = vk_create,
    .destroy = vk_destroy,
    .last_error = vk_last_error,
    .get_caps = vk_get_caps,
    .buf_alloc = vk_buf_alloc,
    .buf_free = vk_buf_free,
    .buf_upload = pb_vk_buf_upload,
    .buf_download = pb_vk_buf_download,
    .copy = pb_vk_copy,
    .fill = pb_vk_fill,
    .gemm = pb_vk_gemm,
    .axpby = pb_vk_axpby,
    .mul = pb_vk_mul,
    .act_forward = pb_vk_act_forward,
    .act_backward = pb_vk_act_backward,
    .loss = pb_vk_loss,
    .sum = pb_vk_sum,
    .dot = pb_vk_dot,
    .dist2 = pb_vk_dist2,
    .max_abs_diff = pb_vk_max_abs_diff,
    .sync = vk_sync,
    .step_scalars = pb_vk_step_scalars,
};

PB_EXPORT const pb_backend_vtable *PB_BACKEND_ENTRY_SYMBOL(void)
{
    return &vtable;
}
