/*
 * An experiment plugin that checks the core keeps to the struct_size rule of
 * docs/architecture.md section 6.3.  One source, three builds:
 *
 *   PROBE_MINOR=0  against the frozen 1.1 headers, declaring ABI 1.0: its
 *                  structs are the 1.0 prefixes (no margin_tol, no N_Delta
 *                  within tolerance, no half-budget state, no svc->unit);
 *   PROBE_MINOR=1  against the frozen 1.1 headers, as a 1.1 plugin;
 *   PROBE_MINOR=2  against the current headers, setting struct_size itself
 *                  to the 1.0 sizes (a plugin may pass a shorter struct);
 *                  with PROBE_FORGET it leaves struct_size 0, breaking the
 *                  rule: the services must fail with the reason, not guess.
 *
 * Each of its structs is followed by guard bytes; it trains one net and one
 * kernel machine through the services and writes one row (kind "probe")
 * saying whether every guard byte is intact and struct_size is what the rule
 * says, and one claim that passes only then.  The training itself is real:
 * the row carries its steps, loss and test error.
 */
#include "phasebench/experiment.h"

#include <stdio.h>
#include <string.h>

#ifndef PROBE_MINOR
#error "define PROBE_MINOR (0, 1 or 2)"
#endif
#if PROBE_MINOR < 2 && PB_EXPERIMENT_ABI_MINOR != 1
#error "PROBE_MINOR 0 and 1 are built against the frozen ABI 1.1 headers (tests/abi/v1_1)"
#endif

#if PROBE_MINOR == 1
#define SPEC_SIZE sizeof(pb_run_spec)
#define RES_SIZE sizeof(pb_run_result)
#define SERVICES_SIZE sizeof(pb_services)
#else
#define SPEC_SIZE offsetof(pb_run_spec, margin_tol)
#define RES_SIZE offsetof(pb_run_result, train_nd_tol)
#define SERVICES_SIZE (PROBE_MINOR == 0 ? offsetof(pb_services, unit) : sizeof(pb_services))
#endif
#define KM_SIZE sizeof(pb_km_result)
#define GUARD 64
#define GUARD_BYTE 0xA5

#define STR2(x) #x
#define STR(x) STR2(x)
#ifdef PROBE_FORGET
#define NAME "abi1" STR(PROBE_MINOR) "forget"
#else
#define NAME "abi1" STR(PROBE_MINOR) "probe"
#endif

typedef union spec_mem {
    pb_run_spec s;
    unsigned char b[sizeof(pb_run_spec) + GUARD];
} spec_mem;
typedef union res_mem {
    pb_run_result r;
    unsigned char b[sizeof(pb_run_result) + GUARD];
} res_mem;
typedef union km_mem {
    pb_km_result k;
    unsigned char b[sizeof(pb_km_result) + GUARD];
} km_mem;

/* The struct's `size` bytes zero, then guard bytes to the end of the
 * memory; a plugin of 1.2 sets struct_size, older ones left it to the core. */
static void prepare(unsigned char *b, size_t size, size_t total)
{
    memset(b, 0, size);
    memset(b + size, GUARD_BYTE, total - size);
#if PROBE_MINOR >= 2 && !defined(PROBE_FORGET)
    uint32_t s = (uint32_t)size;
    memcpy(b, &s, sizeof s);
#endif
}

static int intact(const unsigned char *b, size_t size, size_t total)
{
    for (size_t i = size; i < total; i++)
        if (b[i] != GUARD_BYTE)
            return 0;
    return 1;
}

static int probe_plan(const pb_services *svc, pb_exp_ctx *ctx, int64_t *n_runs, double *gflop)
{
    (void)svc;
    (void)ctx;
    *n_runs = 2; /* one net, one kernel machine */
    *gflop = 0.01;
    return 0;
}

static int probe_run(const pb_services *svc, pb_exp_ctx *ctx)
{
    spec_mem sm;
    res_mem rm;
    km_mem km;
    prepare(sm.b, SPEC_SIZE, sizeof sm.b);
    svc->run_defaults(ctx, &sm.s);
    int guards = intact(sm.b, SPEC_SIZE, sizeof sm.b);
    int sizes = sm.s.struct_size == SPEC_SIZE;
    /* The size written back must not overrun when the spec goes out again. */
    prepare(rm.b, RES_SIZE, sizeof rm.b);
    if (svc->train(ctx, &sm.s, "probe", &rm.r) != 0)
        return -1;
    guards = guards && intact(rm.b, RES_SIZE, sizeof rm.b) && intact(sm.b, SPEC_SIZE, sizeof sm.b);
    sizes = sizes && rm.r.struct_size == RES_SIZE;
    prepare(km.b, KM_SIZE, sizeof km.b);
    if (svc->kernel_machine(ctx, &sm.s, &km.k) != 0)
        return -1;
    guards = guards && intact(km.b, KM_SIZE, sizeof km.b);
    sizes = sizes && km.k.struct_size == KM_SIZE;

    svc->cell_str(ctx, "kind", "probe");
    svc->cell_int(ctx, "abi_minor", PROBE_MINOR);
    svc->cell_int(ctx, "spec_size", (int64_t)SPEC_SIZE);
    svc->cell_int(ctx, "res_size", (int64_t)RES_SIZE);
    svc->cell_int(ctx, "guards_intact", guards);
    svc->cell_int(ctx, "struct_size_ok", sizes);
    svc->cell_int(ctx, "ok", rm.r.ok && km.k.ok);
    svc->cell_int(ctx, "steps", rm.r.steps);
    svc->cell_dbl(ctx, "train_loss", rm.r.train_loss);
    svc->cell_dbl(ctx, "test_err", rm.r.test_err);
    svc->cell_dbl(ctx, "km_test_err", km.k.test_err);
    if (svc->row_end(ctx) != 0)
        return -1;
    char detail[160];
    snprintf(detail, sizeof detail, "ABI 1.%d plugin: guard bytes %s, struct_size %s", PROBE_MINOR,
             guards ? "intact" : "overwritten", sizes ? "as the rule says" : "wrong");
    return svc->claim(ctx, "abi_struct_size_honoured", guards && sizes, "1", "exact",
                      guards && sizes && rm.r.ok && km.k.ok ? PB_VERDICT_PASS : PB_VERDICT_FAIL,
                      detail);
}

#if PROBE_MINOR >= 2
static const char *const summary_cols[] = {"abi_minor", "guards_intact", "struct_size_ok",
                                           "steps", NULL};
static const pb_summary_line summary[] = {{"probe", summary_cols}, {NULL, NULL}};
#endif

static const pb_experiment_vtable table = {
    .struct_size = sizeof(pb_experiment_vtable),
    .name = NAME,
    .description = "checks that the core honours the struct_size of an ABI 1." STR(PROBE_MINOR)
                   " plugin's structs",
    .plan = probe_plan,
    .run = probe_run,
#if PROBE_MINOR >= 2
    .summary = summary,
#endif
};

PB_EXPORT const pb_experiment_abi_desc PB_EXPERIMENT_DESC_SYMBOL = {
    PB_EXPERIMENT_ABI_MAGIC,
    PB_EXPERIMENT_ABI_MAJOR,
    PROBE_MINOR,
    (uint32_t)sizeof(pb_experiment_abi_desc),
    (uint32_t)sizeof(pb_experiment_vtable),
    (uint32_t)SERVICES_SIZE,
    (uint8_t)sizeof(float),
    (uint8_t)sizeof(double),
    (uint8_t)sizeof(size_t),
    (uint8_t)sizeof(void *),
    NAME,
};

PB_EXPORT const pb_experiment_vtable *PB_EXPERIMENT_ENTRY_SYMBOL(void) { return &table; }
