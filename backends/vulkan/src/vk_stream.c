/* Command recording, batching and submission.
 *
 * Ops that return nothing to the host are recorded into one command buffer
 * and submitted lazily; anything that needs a result on the host (a
 * reduction, the loss, a download), an upload, a buffer free, sync() or a
 * full descriptor pool flushes: submit, wait on the fence, recycle.
 *
 * Synchronisation: every batch opens with a global barrier against all
 * earlier submissions (compute and transfer writes before compute and
 * transfer access) and closes with one that makes its writes visible to the
 * host.  Inside a batch, a compute->compute barrier goes in front of a
 * dispatch only when it reads or writes a buffer an earlier dispatch since
 * the last barrier wrote, or writes one it read; independent dispatches run
 * without one. */
#include "vk_internal.h"

#include <string.h>

/* Descriptor sets (one per dispatch) in one batch before a forced flush. */
#define PB_VK_SETS_PER_BATCH 256u

/* Keeps the workgroup count of elementwise kernels modest: each invocation
 * then loops over several elements, which suits every GPU. */
#define PB_VK_MAX_GROUPS_1D 65535u

pb_status pb_vk_stream_init(pb_backend *be)
{
    pb_vk_api *vk = &be->vk;
    pb_vk_stream *s = &be->stream;
    VkCommandPoolCreateInfo pool_info = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT,
        .queueFamilyIndex = be->queue_family,
    };
    pb_status st = pb_vk_check(
        be, vk->vkCreateCommandPool(be->device, &pool_info, NULL, &s->pool),
        "vkCreateCommandPool");
    if (st != PB_OK) {
        s->pool = VK_NULL_HANDLE;
        return st;
    }
    VkCommandBufferAllocateInfo cmd_info = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = s->pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    st = pb_vk_check(be, vk->vkAllocateCommandBuffers(be->device, &cmd_info,
                                                      &s->cmd),
                     "vkAllocateCommandBuffers");
    if (st != PB_OK)
        return st;
    VkFenceCreateInfo fence_info = {.sType =
                                        VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    st = pb_vk_check(be, vk->vkCreateFence(be->device, &fence_info, NULL,
                                           &s->fence),
                     "vkCreateFence");
    if (st != PB_OK) {
        s->fence = VK_NULL_HANDLE;
        return st;
    }
    VkDescriptorPoolSize size = {
        .type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .descriptorCount = PB_VK_SETS_PER_BATCH * PB_VK_MAX_BINDINGS,
    };
    VkDescriptorPoolCreateInfo dpool_info = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
        .maxSets = PB_VK_SETS_PER_BATCH,
        .poolSizeCount = 1,
        .pPoolSizes = &size,
    };
    st = pb_vk_check(be, vk->vkCreateDescriptorPool(be->device, &dpool_info,
                                                    NULL, &s->dpool),
                     "vkCreateDescriptorPool");
    if (st != PB_OK)
        s->dpool = VK_NULL_HANDLE;
    return st;
}

void pb_vk_stream_destroy(pb_backend *be)
{
    pb_vk_api *vk = &be->vk;
    pb_vk_stream *s = &be->stream;
    if (be->device == VK_NULL_HANDLE)
        return;
    if (s->dpool != VK_NULL_HANDLE)
        vk->vkDestroyDescriptorPool(be->device, s->dpool, NULL);
    if (s->fence != VK_NULL_HANDLE)
        vk->vkDestroyFence(be->device, s->fence, NULL);
    if (s->pool != VK_NULL_HANDLE)
        vk->vkDestroyCommandPool(be->device, s->pool, NULL); /* frees cmd */
    memset(s, 0, sizeof *s);
}

static void memory_barrier(pb_backend *be, VkPipelineStageFlags src_stage,
                           VkAccessFlags src_access,
                           VkPipelineStageFlags dst_stage,
                           VkAccessFlags dst_access)
{
    VkMemoryBarrier b = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = src_access,
        .dstAccessMask = dst_access,
    };
    be->vk.vkCmdPipelineBarrier(be->stream.cmd, src_stage, dst_stage, 0, 1, &b,
                                0, NULL, 0, NULL);
}

static const VkPipelineStageFlags device_stages =
    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;

static void clear_hazards(pb_vk_stream *s)
{
    s->n_written = 0;
    s->n_read = 0;
}

static pb_status begin(pb_backend *be)
{
    pb_vk_stream *s = &be->stream;
    if (s->recording)
        return PB_OK;
    VkCommandBufferBeginInfo info = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
        .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
    };
    pb_status st = pb_vk_check(be, be->vk.vkBeginCommandBuffer(s->cmd, &info),
                               "vkBeginCommandBuffer");
    if (st != PB_OK)
        return st;
    s->recording = 1;
    clear_hazards(s);
    memory_barrier(be, device_stages,
                   VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                   device_stages,
                   VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                       VK_ACCESS_TRANSFER_READ_BIT |
                       VK_ACCESS_TRANSFER_WRITE_BIT);
    return PB_OK;
}

pb_status pb_vk_flush(pb_backend *be)
{
    pb_vk_api *vk = &be->vk;
    pb_vk_stream *s = &be->stream;
    if (!s->recording)
        return PB_OK;
    s->recording = 0;
    memory_barrier(be, device_stages,
                   VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                   VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    pb_status st = pb_vk_check(be, vk->vkEndCommandBuffer(s->cmd),
                               "vkEndCommandBuffer");
    int submitted = 0;
    if (st == PB_OK) {
        VkSubmitInfo submit = {
            .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
            .commandBufferCount = 1,
            .pCommandBuffers = &s->cmd,
        };
        st = pb_vk_check(be, vk->vkQueueSubmit(be->queue, 1, &submit,
                                               s->fence),
                         "vkQueueSubmit");
        submitted = st == PB_OK;
    }
    if (submitted) {
        st = pb_vk_check(be, vk->vkWaitForFences(be->device, 1, &s->fence,
                                                 VK_TRUE, UINT64_MAX),
                         "vkWaitForFences");
        if (st == PB_OK)
            st = pb_vk_check(be, vk->vkResetFences(be->device, 1, &s->fence),
                             "vkResetFences");
    }
    /* A command buffer still pending on a lost device must not be reset. */
    if (!be->lost) {
        vk->vkResetCommandPool(be->device, s->pool, 0);
        vk->vkResetDescriptorPool(be->device, s->dpool, 0);
    }
    s->sets_used = 0;
    clear_hazards(s);
    return st;
}

pb_status pb_vk_begin_transfer(pb_backend *be, VkCommandBuffer *cmd)
{
    pb_status st = pb_vk_flush(be);
    if (st == PB_OK)
        st = begin(be);
    *cmd = be->stream.cmd;
    return st;
}

uint32_t pb_vk_groups_1d(const pb_backend *be, size_t n)
{
    size_t g = (n + PB_VK_WG - 1) / PB_VK_WG;
    size_t cap = PB_VK_MAX_GROUPS_1D;
    if (be->info.max_groups[0] < cap)
        cap = be->info.max_groups[0];
    if (g > cap)
        g = cap;
    return g ? (uint32_t)g : 1u;
}

static int listed(const VkBuffer *list, uint32_t n, VkBuffer b)
{
    for (uint32_t i = 0; i < n; ++i)
        if (list[i] == b)
            return 1;
    return 0;
}

/* Notes the dispatch's accesses; a full list forces a barrier instead. */
static int note_access(pb_vk_stream *s, const pb_vk_binding *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; ++i) {
        VkBuffer buf = b[i].buf->buffer;
        VkBuffer *list = b[i].writes ? s->written : s->read;
        uint32_t *count = b[i].writes ? &s->n_written : &s->n_read;
        if (listed(list, *count, buf))
            continue;
        if (*count == PB_VK_TRACKED)
            return 0;
        list[(*count)++] = buf;
    }
    return 1;
}

static int needs_barrier(const pb_vk_stream *s, const pb_vk_binding *b,
                         uint32_t n)
{
    for (uint32_t i = 0; i < n; ++i) {
        VkBuffer buf = b[i].buf->buffer;
        if (listed(s->written, s->n_written, buf))
            return 1; /* read or write after write */
        if (b[i].writes && listed(s->read, s->n_read, buf))
            return 1; /* write after read */
    }
    return 0;
}

static pb_status allocate_set(pb_backend *be, uint32_t n_bindings,
                              VkDescriptorSet *set)
{
    pb_vk_stream *s = &be->stream;
    VkDescriptorSetAllocateInfo info = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
        .descriptorPool = s->dpool,
        .descriptorSetCount = 1,
        .pSetLayouts = &be->set_layouts[n_bindings],
    };
    VkResult r = be->vk.vkAllocateDescriptorSets(be->device, &info, set);
    if (r == VK_ERROR_OUT_OF_POOL_MEMORY || r == VK_ERROR_FRAGMENTED_POOL) {
        pb_status st = pb_vk_flush(be);
        if (st == PB_OK)
            st = begin(be);
        if (st != PB_OK)
            return st;
        r = be->vk.vkAllocateDescriptorSets(be->device, &info, set);
    }
    if (r == VK_SUCCESS)
        s->sets_used++;
    return pb_vk_check(be, r, "vkAllocateDescriptorSets");
}

pb_status pb_vk_dispatch(pb_backend *be, pb_vk_kernel k,
                         const pb_vk_binding *bindings, uint32_t n_bindings,
                         const pb_vk_push *push, uint32_t groups_x,
                         uint32_t groups_y)
{
    return pb_vk_dispatch_spec(be, k, 0, bindings, n_bindings, push,
                               groups_x, groups_y);
}

pb_status pb_vk_dispatch_spec(pb_backend *be, pb_vk_kernel k, uint32_t spec,
                              const pb_vk_binding *bindings,
                              uint32_t n_bindings, const pb_vk_push *push,
                              uint32_t groups_x, uint32_t groups_y)
{
    pb_vk_api *vk = &be->vk;
    pb_vk_stream *s = &be->stream;
    VkPipeline pipeline;
    VkPipelineLayout layout;
    uint32_t expected;
    if (push->overflow || push->size == 0)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "internal: bad push constants for kernel %d", (int)k);
    pb_status st = pb_vk_pipeline(be, k, spec, &pipeline, &layout,
                                  &expected);
    if (st != PB_OK)
        return st;
    if (n_bindings != expected)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "internal: kernel %d takes %u buffers, got %u",
                          (int)k, expected, n_bindings);

    if (s->sets_used >= PB_VK_SETS_PER_BATCH) {
        st = pb_vk_flush(be);
        if (st != PB_OK)
            return st;
    }
    st = begin(be);
    if (st != PB_OK)
        return st;
    VkDescriptorSet set;
    st = allocate_set(be, n_bindings, &set);
    if (st != PB_OK)
        return st;

    VkDescriptorBufferInfo infos[PB_VK_MAX_BINDINGS];
    VkWriteDescriptorSet writes[PB_VK_MAX_BINDINGS];
    for (uint32_t i = 0; i < n_bindings; ++i) {
        infos[i] = (VkDescriptorBufferInfo){
            .buffer = bindings[i].buf->buffer,
            .offset = 0,
            .range = VK_WHOLE_SIZE,
        };
        writes[i] = (VkWriteDescriptorSet){
            .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
            .dstSet = set,
            .dstBinding = i,
            .descriptorCount = 1,
            .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .pBufferInfo = &infos[i],
        };
    }
    vk->vkUpdateDescriptorSets(be->device, n_bindings, writes, 0, NULL);

    if (needs_barrier(s, bindings, n_bindings)) {
        memory_barrier(be, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                       VK_ACCESS_SHADER_WRITE_BIT,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                       VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
        clear_hazards(s);
    }
    if (!note_access(s, bindings, n_bindings)) {
        /* Too many buffers to track: order everything up to here. */
        memory_barrier(be, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                       VK_ACCESS_SHADER_WRITE_BIT,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                       VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
        clear_hazards(s);
        note_access(s, bindings, n_bindings);
    }

    vk->vkCmdBindPipeline(s->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
    vk->vkCmdBindDescriptorSets(s->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, layout,
                                0, 1, &set, 0, NULL);
    vk->vkCmdPushConstants(s->cmd, layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                           (push->size + 3u) & ~3u, push->bytes);
    vk->vkCmdDispatch(s->cmd, groups_x, groups_y, 1);
    return PB_OK;
}
