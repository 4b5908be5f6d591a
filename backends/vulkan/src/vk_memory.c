/* Buffers, memory types and host <-> device transfers.
 *
 * Every pb_buf is one VkBuffer with its own allocation, bound whole to the
 * kernels (element offsets travel in push constants).  A buffer is
 * therefore limited to maxStorageBufferRange bytes (128 MiB on lavapipe,
 * usually 4 GiB on GPUs): a larger request fails with PB_ERR_NOMEM and a
 * message naming the limit, rather than being split behind the caller's
 * back.
 *
 * Storage lives in device-local memory.  Where that memory is also
 * host-visible, coherent and cached (lavapipe, integrated GPUs) it is mapped
 * and written directly; otherwise transfers go through a host-visible
 * staging buffer in chunks.  Host data is always double and is converted
 * to the buffer's dtype on the way.
 *
 * PB_VULKAN_STAGING=1 takes the staging path on any device, with a small
 * staging buffer so that transfers come in several chunks: it lets the
 * tests cover on lavapipe the path a discrete GPU takes. */
#include "vk_internal.h"

#include <stdlib.h>
#include <string.h>

#define PB_VK_STAGING_BYTES ((VkDeviceSize)4 << 20)
#define PB_VK_STAGING_BYTES_FORCED ((VkDeviceSize)64 << 10)
#define PB_VK_READBACK_BYTES ((VkDeviceSize)256)

static const VkBufferUsageFlags storage_usage =
    VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
    VK_BUFFER_USAGE_TRANSFER_DST_BIT;

/* First memory type in bits having all of want and none of avoid; -1 if
 * none. */
static int find_type(const VkPhysicalDeviceMemoryProperties *mem,
                     uint32_t bits, VkMemoryPropertyFlags want,
                     VkMemoryPropertyFlags avoid)
{
    for (uint32_t i = 0; i < mem->memoryTypeCount; ++i) {
        VkMemoryPropertyFlags f = mem->memoryTypes[i].propertyFlags;
        if ((bits & (1u << i)) && (f & want) == want && !(f & avoid))
            return (int)i;
    }
    return -1;
}

static void destroy_buffer(pb_backend *be, pb_buf *buf)
{
    if (!buf)
        return;
    pb_vk_api *vk = &be->vk;
    if (buf->buffer != VK_NULL_HANDLE)
        vk->vkDestroyBuffer(be->device, buf->buffer, NULL);
    if (buf->memory != VK_NULL_HANDLE)
        vk->vkFreeMemory(be->device, buf->memory, NULL); /* also unmaps */
    free(buf);
}

static pb_status make_buffer(pb_backend *be, VkDeviceSize bytes,
                             uint32_t type, int map, pb_buf **out)
{
    pb_vk_api *vk = &be->vk;
    *out = NULL;
    pb_buf *buf = calloc(1, sizeof *buf);
    if (!buf)
        return pb_vk_fail(be, PB_ERR_NOMEM, "out of host memory");
    buf->bytes = bytes;
    VkBufferCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = bytes,
        .usage = storage_usage,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    pb_status st = pb_vk_check(
        be, vk->vkCreateBuffer(be->device, &info, NULL, &buf->buffer),
        "vkCreateBuffer");
    if (st != PB_OK) {
        buf->buffer = VK_NULL_HANDLE;
        destroy_buffer(be, buf);
        return st;
    }
    VkMemoryRequirements req;
    vk->vkGetBufferMemoryRequirements(be->device, buf->buffer, &req);
    if (!(req.memoryTypeBits & (1u << type))) {
        destroy_buffer(be, buf);
        return pb_vk_fail(be, PB_ERR_DEVICE,
                          "memory type %u unusable for a buffer of %llu bytes",
                          type, (unsigned long long)bytes);
    }
    VkMemoryAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = req.size,
        .memoryTypeIndex = type,
    };
    VkResult r = vk->vkAllocateMemory(be->device, &alloc, NULL, &buf->memory);
    if (r != VK_SUCCESS) {
        buf->memory = VK_NULL_HANDLE;
        destroy_buffer(be, buf);
        if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY ||
            r == VK_ERROR_OUT_OF_HOST_MEMORY)
            return pb_vk_fail(be, PB_ERR_NOMEM,
                              "cannot allocate %llu bytes of device memory: %s",
                              (unsigned long long)req.size,
                              pb_vk_result_name(r));
        return pb_vk_check(be, r, "vkAllocateMemory");
    }
    st = pb_vk_check(be, vk->vkBindBufferMemory(be->device, buf->buffer,
                                                buf->memory, 0),
                     "vkBindBufferMemory");
    if (st == PB_OK && map)
        st = pb_vk_check(be, vk->vkMapMemory(be->device, buf->memory, 0,
                                             VK_WHOLE_SIZE, 0, &buf->mapped),
                         "vkMapMemory");
    if (st != PB_OK) {
        destroy_buffer(be, buf);
        return st;
    }
    *out = buf;
    return PB_OK;
}

pb_status pb_vk_memory_init(pb_backend *be)
{
    pb_vk_api *vk = &be->vk;
    vk->vkGetPhysicalDeviceMemoryProperties(be->phys, &be->mem);

    /* The allowed memory types depend only on usage and flags, so one small
     * buffer tells them for all. */
    VkBufferCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = 16,
        .usage = storage_usage,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    VkBuffer probe;
    pb_status st = pb_vk_check(
        be, vk->vkCreateBuffer(be->device, &info, NULL, &probe),
        "vkCreateBuffer");
    if (st != PB_OK)
        return st;
    VkMemoryRequirements req;
    vk->vkGetBufferMemoryRequirements(be->device, probe, &req);
    vk->vkDestroyBuffer(be->device, probe, NULL);
    uint32_t bits = req.memoryTypeBits;

    const VkMemoryPropertyFlags local = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                       VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    const VkMemoryPropertyFlags cached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;

    /* Unified memory that the host reads at full speed is mapped; on a
     * discrete GPU, BAR memory (host-visible but uncached) is avoided for
     * storage because host reads of it crawl. */
    const char *force = getenv("PB_VULKAN_STAGING");
    int forced = force && *force && strcmp(force, "0") != 0;
    be->staging_bytes =
        forced ? PB_VK_STAGING_BYTES_FORCED : PB_VK_STAGING_BYTES;
    int t = forced ? -1 : find_type(&be->mem, bits, local | host | cached, 0);
    be->local_mappable = t >= 0;
    if (t < 0)
        t = find_type(&be->mem, bits, local,
                      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
    if (t < 0)
        t = find_type(&be->mem, bits, local, 0);
    if (t < 0)
        t = find_type(&be->mem, bits, 0, 0);
    if (t < 0)
        return pb_vk_fail(be, PB_ERR_DEVICE,
                          "no memory type for storage buffers");
    be->local_type = (uint32_t)t;

    t = find_type(&be->mem, bits, host | cached, 0);
    if (t < 0)
        t = find_type(&be->mem, bits, host, 0);
    if (t < 0)
        return pb_vk_fail(be, PB_ERR_DEVICE,
                          "no host-visible coherent memory type");
    be->host_type = (uint32_t)t;

    st = make_buffer(be, (VkDeviceSize)PB_VK_MAX_PARTS * PB_VK_LOSS_PART_MAX,
                     be->local_type, 0, &be->parts);
    if (st == PB_OK)
        st = make_buffer(be, PB_VK_READBACK_BYTES, be->host_type, 1,
                         &be->readback);
    if (st == PB_OK) {
        be->parts->n = (size_t)(be->parts->bytes / be->elem_size);
        be->readback->n = (size_t)(be->readback->bytes / be->elem_size);
    }
    return st;
}

void pb_vk_memory_destroy(pb_backend *be)
{
    while (be->live) {
        pb_buf *next = be->live->next;
        destroy_buffer(be, be->live);
        be->live = next;
    }
    destroy_buffer(be, be->staging);
    destroy_buffer(be, be->readback);
    destroy_buffer(be, be->parts);
    be->staging = be->readback = be->parts = NULL;
}

pb_status pb_vk_check_buf(pb_backend *be, const pb_buf *buf, const char *name)
{
    if (!buf)
        return pb_vk_fail(be, PB_ERR_INVALID, "%s: NULL buffer", name);
    /* A VkBuffer of another VkDevice would be undefined behaviour. */
    if (buf->owner != be)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "%s: buffer of another backend instance", name);
    return PB_OK;
}

pb_status pb_vk_check_alias(pb_backend *be, const pb_buf *in, size_t in_off,
                            const pb_buf *out, size_t out_off, size_t n,
                            const char *what)
{
    if (in != out || in_off == out_off || n == 0)
        return PB_OK;
    size_t gap = in_off > out_off ? in_off - out_off : out_off - in_off;
    if (gap < n)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "%s partially overlap (offsets %zu and %zu, %zu "
                          "elements)", what, in_off, out_off, n);
    return PB_OK;
}

pb_status pb_vk_check_view(pb_backend *be, const pb_buf *buf, size_t off,
                           size_t n, const char *name)
{
    pb_status st = pb_vk_check_buf(be, buf, name);
    if (st != PB_OK)
        return st;
    if (off > buf->n || n > buf->n - off)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "%s: elements [%zu, %zu + %zu) outside a buffer of "
                          "%zu", name, off, off, n, buf->n);
    return PB_OK;
}

pb_status pb_vk_buf_alloc(pb_backend *be, size_t n, pb_buf **out)
{
    if (!out)
        return pb_vk_fail(be, PB_ERR_INVALID, "buf_alloc: NULL out");
    *out = NULL;
    pb_status st = pb_vk_usable(be);
    if (st != PB_OK)
        return st;
    size_t elems = n ? n : 1; /* Vulkan has no empty buffers */
    if (elems > (size_t)(be->info.max_buffer_bytes / be->elem_size))
        return pb_vk_fail(
            be, PB_ERR_NOMEM,
            "buffer of %zu elements (%zu-byte) exceeds the device limit of "
            "%llu bytes per buffer (maxStorageBufferRange / "
            "maxMemoryAllocationSize); split the data",
            n, be->elem_size, (unsigned long long)be->info.max_buffer_bytes);
    pb_buf *buf;
    st = make_buffer(be, (VkDeviceSize)elems * be->elem_size, be->local_type,
                     be->local_mappable, &buf);
    if (st != PB_OK)
        return st;
    buf->n = n;
    buf->owner = be;
    buf->next = be->live;
    if (be->live)
        be->live->prev = buf;
    be->live = buf;
    *out = buf;
    return PB_OK;
}

void pb_vk_buf_free(pb_backend *be, pb_buf *buf)
{
    if (!buf || buf->owner != be)
        return; /* not ours: freeing it here would corrupt both instances */
    /* Recorded but unsubmitted work may still name this buffer. */
    if (be->stream.recording && pb_vk_flush(be) != PB_OK && be->device)
        be->vk.vkDeviceWaitIdle(be->device);
    if (buf->prev)
        buf->prev->next = buf->next;
    else
        be->live = buf->next;
    if (buf->next)
        buf->next->prev = buf->prev;
    destroy_buffer(be, buf);
}

static void to_device(const pb_backend *be, void *dst, const double *src,
                      size_t n)
{
    if (be->dtype == PB_F64) {
        memcpy(dst, src, n * sizeof *src);
    } else {
        float *d = dst;
        for (size_t i = 0; i < n; ++i)
            d[i] = (float)src[i];
    }
}

static void from_device(const pb_backend *be, double *dst, const void *src,
                        size_t n)
{
    if (be->dtype == PB_F64) {
        memcpy(dst, src, n * sizeof *dst);
    } else {
        const float *s = src;
        for (size_t i = 0; i < n; ++i)
            dst[i] = s[i];
    }
}

static pb_status ensure_staging(pb_backend *be)
{
    if (be->staging)
        return PB_OK;
    return make_buffer(be, be->staging_bytes, be->host_type, 1, &be->staging);
}

/* One staged copy between the staging buffer and buf at element off. */
static pb_status staged_copy(pb_backend *be, const pb_buf *buf, size_t off,
                             size_t n, int to_buf)
{
    VkCommandBuffer cmd;
    pb_status st = pb_vk_begin_transfer(be, &cmd);
    if (st != PB_OK)
        return st;
    VkBufferCopy region = {
        .srcOffset = to_buf ? 0 : (VkDeviceSize)off * be->elem_size,
        .dstOffset = to_buf ? (VkDeviceSize)off * be->elem_size : 0,
        .size = (VkDeviceSize)n * be->elem_size,
    };
    if (to_buf)
        be->vk.vkCmdCopyBuffer(cmd, be->staging->buffer, buf->buffer, 1,
                               &region);
    else
        be->vk.vkCmdCopyBuffer(cmd, buf->buffer, be->staging->buffer, 1,
                               &region);
    return pb_vk_flush(be);
}

pb_status pb_vk_buf_upload(pb_backend *be, pb_buf *dst, size_t off,
                           const double *src, size_t n)
{
    pb_status st = pb_vk_usable(be);
    if (st == PB_OK)
        st = pb_vk_check_view(be, dst, off, n, "buf_upload");
    if (st != PB_OK || n == 0)
        return st;
    if (!src)
        return pb_vk_fail(be, PB_ERR_INVALID, "buf_upload: NULL source");
    /* Batched kernels may still read or write dst: finish them first. */
    st = pb_vk_flush(be);
    if (st != PB_OK)
        return st;
    if (dst->mapped) {
        to_device(be, (char *)dst->mapped + off * be->elem_size, src, n);
        return PB_OK; /* coherent: the next submission sees the writes */
    }
    st = ensure_staging(be);
    size_t chunk = (size_t)(be->staging_bytes / be->elem_size);
    for (size_t done = 0; st == PB_OK && done < n; done += chunk) {
        size_t m = n - done < chunk ? n - done : chunk;
        to_device(be, be->staging->mapped, src + done, m);
        st = staged_copy(be, dst, off + done, m, 1);
    }
    return st;
}

pb_status pb_vk_buf_download(pb_backend *be, const pb_buf *src, size_t off,
                             double *dst, size_t n)
{
    pb_status st = pb_vk_usable(be);
    if (st == PB_OK)
        st = pb_vk_check_view(be, src, off, n, "buf_download");
    if (st != PB_OK || n == 0)
        return st;
    if (!dst)
        return pb_vk_fail(be, PB_ERR_INVALID, "buf_download: NULL destination");
    st = pb_vk_flush(be);
    if (st != PB_OK)
        return st;
    if (src->mapped) {
        from_device(be, dst,
                    (const char *)src->mapped + off * be->elem_size, n);
        return PB_OK;
    }
    st = ensure_staging(be);
    size_t chunk = (size_t)(be->staging_bytes / be->elem_size);
    for (size_t done = 0; st == PB_OK && done < n; done += chunk) {
        size_t m = n - done < chunk ? n - done : chunk;
        st = staged_copy(be, src, off + done, m, 0);
        if (st == PB_OK)
            from_device(be, dst + done, be->staging->mapped, m);
    }
    return st;
}
