/* The embedded SPIR-V, its pipelines, and push-constant packing.
 *
 * Each kernel comes in up to three variants compiled from one .comp file at
 * build time (see ../CMakeLists.txt): f32, f64 (-DPB_F64), and for the
 * reductions f32 data with double accumulators (-DPB_ACC64), used on f32
 * instances whenever the device has shaderFloat64.  Pipelines are built on
 * first use, since a driver may compile each one for a long time. */
#include "vk_internal.h"

#include <string.h>

/* The generated headers define const uint32_t arrays but include nothing. */
#include <stdint.h>

#include "fill_f32.h"
#include "fill_f64.h"
#include "copy_f32.h"
#include "copy_f64.h"
#include "axpby_f32.h"
#include "axpby_f64.h"
#include "mul_f32.h"
#include "mul_f64.h"
#include "act_forward_f32.h"
#include "act_forward_f64.h"
#include "act_backward_f32.h"
#include "act_backward_f64.h"
#include "gemm_f32.h"
#include "gemm_f64.h"
#include "gemm_small_f32.h"
#include "gemm_small_f64.h"
#include "reduce_partial_f32.h"
#include "reduce_partial_f64.h"
#include "reduce_partial_acc64.h"
#include "reduce_final_f32.h"
#include "reduce_final_f64.h"
#include "reduce_final_acc64.h"
#include "loss_partial_f32.h"
#include "loss_partial_f64.h"
#include "loss_partial_acc64.h"
#include "loss_final_f32.h"
#include "loss_final_f64.h"
#include "loss_final_acc64.h"

typedef struct spirv {
    const uint32_t *code;
    size_t size; /* bytes */
} spirv;

typedef struct kernel_desc {
    const char *name;
    uint32_t n_bindings;
    spirv f32, f64, acc64; /* acc64.code == NULL: no such variant */
} kernel_desc;

#define SPV(a) {a, sizeof a}
#define NO_SPV {NULL, 0}

static const kernel_desc kernels[PB_VK_KERNEL_COUNT] = {
    [PB_VK_FILL] = {"fill", 1, SPV(pb_spv_fill_f32), SPV(pb_spv_fill_f64),
                    NO_SPV},
    [PB_VK_COPY] = {"copy", 2, SPV(pb_spv_copy_f32), SPV(pb_spv_copy_f64),
                    NO_SPV},
    [PB_VK_AXPBY] = {"axpby", 2, SPV(pb_spv_axpby_f32), SPV(pb_spv_axpby_f64),
                     NO_SPV},
    [PB_VK_MUL] = {"mul", 3, SPV(pb_spv_mul_f32), SPV(pb_spv_mul_f64), NO_SPV},
    [PB_VK_ACT_FORWARD] = {"act_forward", 2, SPV(pb_spv_act_forward_f32),
                           SPV(pb_spv_act_forward_f64), NO_SPV},
    [PB_VK_ACT_BACKWARD] = {"act_backward", 3, SPV(pb_spv_act_backward_f32),
                            SPV(pb_spv_act_backward_f64), NO_SPV},
    [PB_VK_GEMM] = {"gemm", 3, SPV(pb_spv_gemm_f32), SPV(pb_spv_gemm_f64),
                    NO_SPV},
    [PB_VK_GEMM_SMALL] = {"gemm_small", 3, SPV(pb_spv_gemm_small_f32),
                          SPV(pb_spv_gemm_small_f64), NO_SPV},
    [PB_VK_REDUCE_PARTIAL] = {"reduce_partial", 3,
                              SPV(pb_spv_reduce_partial_f32),
                              SPV(pb_spv_reduce_partial_f64),
                              SPV(pb_spv_reduce_partial_acc64)},
    [PB_VK_REDUCE_FINAL] = {"reduce_final", 2, SPV(pb_spv_reduce_final_f32),
                            SPV(pb_spv_reduce_final_f64),
                            SPV(pb_spv_reduce_final_acc64)},
    [PB_VK_LOSS_PARTIAL] = {"loss_partial", 4, SPV(pb_spv_loss_partial_f32),
                            SPV(pb_spv_loss_partial_f64),
                            SPV(pb_spv_loss_partial_acc64)},
    [PB_VK_LOSS_FINAL] = {"loss_final", 2, SPV(pb_spv_loss_final_f32),
                          SPV(pb_spv_loss_final_f64),
                          SPV(pb_spv_loss_final_acc64)},
};

static const spirv *variant(const pb_backend *be, const kernel_desc *k)
{
    if (be->dtype == PB_F64)
        return &k->f64;
    if (be->acc64 && k->acc64.code)
        return &k->acc64;
    return &k->f32;
}

pb_status pb_vk_kernels_init(pb_backend *be)
{
    pb_vk_api *vk = &be->vk;
    VkDescriptorSetLayoutBinding bindings[PB_VK_MAX_BINDINGS];
    for (uint32_t i = 0; i < PB_VK_MAX_BINDINGS; ++i)
        bindings[i] = (VkDescriptorSetLayoutBinding){
            .binding = i,
            .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .descriptorCount = 1,
            .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        };
    const VkPushConstantRange push = {
        .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        .offset = 0,
        .size = PB_VK_PUSH_MAX,
    };
    for (uint32_t n = 1; n <= PB_VK_MAX_BINDINGS; ++n) {
        VkDescriptorSetLayoutCreateInfo set_info = {
            .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
            .bindingCount = n,
            .pBindings = bindings,
        };
        pb_status st = pb_vk_check(
            be, vk->vkCreateDescriptorSetLayout(be->device, &set_info, NULL,
                                                &be->set_layouts[n]),
            "vkCreateDescriptorSetLayout");
        if (st != PB_OK) {
            be->set_layouts[n] = VK_NULL_HANDLE;
            return st;
        }
        VkPipelineLayoutCreateInfo layout_info = {
            .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
            .setLayoutCount = 1,
            .pSetLayouts = &be->set_layouts[n],
            .pushConstantRangeCount = 1,
            .pPushConstantRanges = &push,
        };
        st = pb_vk_check(be, vk->vkCreatePipelineLayout(
                                 be->device, &layout_info, NULL,
                                 &be->pipe_layouts[n]),
                         "vkCreatePipelineLayout");
        if (st != PB_OK) {
            be->pipe_layouts[n] = VK_NULL_HANDLE;
            return st;
        }
    }
    return PB_OK;
}

void pb_vk_kernels_destroy(pb_backend *be)
{
    pb_vk_api *vk = &be->vk;
    if (be->device == VK_NULL_HANDLE)
        return;
    for (int k = 0; k < PB_VK_KERNEL_COUNT; ++k) {
        for (uint32_t s = 0; s < PB_VK_MAX_SPEC; ++s) {
            if (be->pipelines[k][s] != VK_NULL_HANDLE)
                vk->vkDestroyPipeline(be->device, be->pipelines[k][s], NULL);
            be->pipelines[k][s] = VK_NULL_HANDLE;
        }
    }
    for (int n = 1; n <= PB_VK_MAX_BINDINGS; ++n) {
        if (be->pipe_layouts[n] != VK_NULL_HANDLE)
            vk->vkDestroyPipelineLayout(be->device, be->pipe_layouts[n], NULL);
        if (be->set_layouts[n] != VK_NULL_HANDLE)
            vk->vkDestroyDescriptorSetLayout(be->device, be->set_layouts[n],
                                             NULL);
        be->pipe_layouts[n] = VK_NULL_HANDLE;
        be->set_layouts[n] = VK_NULL_HANDLE;
    }
}

/* Every kernel is built with constant_id 0 = spec; a shader that declares
 * no such constant ignores it. */
static pb_status build_pipeline(pb_backend *be, pb_vk_kernel k, uint32_t spec)
{
    pb_vk_api *vk = &be->vk;
    const kernel_desc *desc = &kernels[k];
    const spirv *code = variant(be, desc);
    VkShaderModuleCreateInfo module_info = {
        .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
        .codeSize = code->size,
        .pCode = code->code,
    };
    VkShaderModule module;
    pb_status st = pb_vk_check(
        be, vk->vkCreateShaderModule(be->device, &module_info, NULL, &module),
        "vkCreateShaderModule");
    if (st != PB_OK)
        return st;
    const VkSpecializationMapEntry entry = {
        .constantID = 0,
        .offset = 0,
        .size = sizeof spec,
    };
    const VkSpecializationInfo spec_info = {
        .mapEntryCount = 1,
        .pMapEntries = &entry,
        .dataSize = sizeof spec,
        .pData = &spec,
    };
    VkComputePipelineCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = {
            .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
            .stage = VK_SHADER_STAGE_COMPUTE_BIT,
            .module = module,
            .pName = "main",
            .pSpecializationInfo = &spec_info,
        },
        .layout = be->pipe_layouts[desc->n_bindings],
    };
    VkPipeline *slot = &be->pipelines[k][spec];
    VkResult r = vk->vkCreateComputePipelines(be->device, VK_NULL_HANDLE, 1,
                                              &info, NULL, slot);
    vk->vkDestroyShaderModule(be->device, module, NULL);
    if (r != VK_SUCCESS) {
        *slot = VK_NULL_HANDLE;
        st = pb_vk_check(be, r, "vkCreateComputePipelines");
        return pb_vk_fail(be, st, "building the %s kernel: %s", desc->name,
                          pb_vk_result_name(r));
    }
    return PB_OK;
}

pb_status pb_vk_pipeline(pb_backend *be, pb_vk_kernel k, uint32_t spec,
                         VkPipeline *out, VkPipelineLayout *layout,
                         uint32_t *n_bindings)
{
    if (spec >= PB_VK_MAX_SPEC)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "internal: specialization %u of kernel %d", spec,
                          (int)k);
    if (be->pipelines[k][spec] == VK_NULL_HANDLE) {
        pb_status st = build_pipeline(be, k, spec);
        if (st != PB_OK)
            return st;
    }
    *out = be->pipelines[k][spec];
    *layout = be->pipe_layouts[kernels[k].n_bindings];
    *n_bindings = kernels[k].n_bindings;
    return PB_OK;
}

void pb_vk_push_init(pb_vk_push *p, const pb_backend *be)
{
    memset(p, 0, sizeof *p);
    p->real64 = be->dtype == PB_F64;
}

/* std430: a scalar is aligned to its own size. */
static void push_bytes(pb_vk_push *p, const void *v, uint32_t size)
{
    uint32_t at = (p->size + size - 1) / size * size;
    if (at + size > PB_VK_PUSH_MAX) {
        p->overflow = 1; /* a shader/host mismatch; pb_vk_dispatch refuses */
        return;
    }
    memcpy(p->bytes + at, v, size);
    p->size = at + size;
}

void pb_vk_push_real(pb_vk_push *p, double v)
{
    if (p->real64) {
        push_bytes(p, &v, sizeof v);
    } else {
        float f = (float)v;
        push_bytes(p, &f, sizeof f);
    }
}

void pb_vk_push_u32(pb_vk_push *p, uint32_t v)
{
    push_bytes(p, &v, sizeof v);
}
