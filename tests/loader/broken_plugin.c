/* One source, many deliberately broken backend plugins: BROKEN_KIND selects
 * the defect the loader must catch.  Each is built as its own .so. */
#include "phasebench/backend.h"

#include <stdio.h>
#include <string.h>

#define KIND_BAD_MAGIC 1
#define KIND_ABI_MAJOR 2
#define KIND_SHORT_TABLE 3
#define KIND_NO_ENTRY 4
#define KIND_NO_DESC 5
#define KIND_UNAVAILABLE 6
#define KIND_FINGERPRINT 7
#define KIND_NULL_TABLE 8
#define KIND_GOOD_MINOR 9
#define KIND_MISSING_OP 10
#define KIND_CTOR_BAD_MAGIC 11 /* bad magic and a constructor that must never run */

#if BROKEN_KIND == KIND_CTOR_BAD_MAGIC
#include <stdlib.h>
/* Leaves a mark when the object is loaded: the loader must refuse this file
 * from its descriptor alone, without dlopen(). */
__attribute__((constructor)) static void leave_mark(void)
{
    const char *path = getenv("PB_TEST_CTOR_MARK");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f)
        fclose(f);
}
#endif

static pb_status probe(char *reason, size_t len)
{
#if BROKEN_KIND == KIND_UNAVAILABLE
    snprintf(reason, len, "no such device here (test plugin)");
    return PB_ERR_UNAVAILABLE;
#else
    (void)reason;
    (void)len;
    return PB_OK;
#endif
}

static pb_status create(const pb_backend_options *o, pb_backend **out, char *err, size_t len)
{
    (void)o;
    (void)out;
    snprintf(err, len, "test plugin cannot create instances");
    return PB_ERR_UNSUPPORTED;
}
static void destroy(pb_backend *be) { (void)be; }
static const char *last_error(const pb_backend *be) { (void)be; return ""; }
static pb_status get_caps(pb_backend *be, pb_caps *c) { (void)be; (void)c; return PB_ERR_UNSUPPORTED; }
static pb_status buf_alloc(pb_backend *be, size_t n, pb_buf **o) { (void)be; (void)n; (void)o; return PB_ERR_UNSUPPORTED; }
static void buf_free(pb_backend *be, pb_buf *b) { (void)be; (void)b; }
static pb_status up(pb_backend *be, pb_buf *d, size_t o, const double *s, size_t n) { (void)be; (void)d; (void)o; (void)s; (void)n; return PB_ERR_UNSUPPORTED; }
static pb_status down(pb_backend *be, const pb_buf *s, size_t o, double *d, size_t n) { (void)be; (void)d; (void)o; (void)s; (void)n; return PB_ERR_UNSUPPORTED; }

/* The ops of a well-formed table; none is ever called by the loader. */
#define UNSUP return PB_ERR_UNSUPPORTED
static pb_status op_copy(pb_backend *be, pb_buf *d, size_t o, const pb_buf *s, size_t so, size_t n) { (void)be; (void)d; (void)o; (void)s; (void)so; (void)n; UNSUP; }
static pb_status op_fill(pb_backend *be, pb_buf *x, size_t o, size_t n, double v) { (void)be; (void)x; (void)o; (void)n; (void)v; UNSUP; }
static pb_status op_gemm(pb_backend *be, pb_trans ta, pb_trans tb, size_t m, size_t n, size_t k, double al, const pb_buf *a, size_t ao, size_t lda, const pb_buf *b, size_t bo, size_t ldb, double be_, pb_buf *c, size_t co, size_t ldc)
{ (void)be; (void)ta; (void)tb; (void)m; (void)n; (void)k; (void)al; (void)a; (void)ao; (void)lda; (void)b; (void)bo; (void)ldb; (void)be_; (void)c; (void)co; (void)ldc; UNSUP; }
static pb_status op_axpby(pb_backend *be, size_t n, double a, const pb_buf *x, size_t xo, double b, pb_buf *y, size_t yo) { (void)be; (void)n; (void)a; (void)x; (void)xo; (void)b; (void)y; (void)yo; UNSUP; }
static pb_status op_mul(pb_backend *be, size_t n, double a, const pb_buf *x, size_t xo, const pb_buf *y, size_t yo, double b, pb_buf *o, size_t oo) { (void)be; (void)n; (void)a; (void)x; (void)xo; (void)y; (void)yo; (void)b; (void)o; (void)oo; UNSUP; }
static pb_status op_actf(pb_backend *be, const pb_act *a, size_t n, const pb_buf *z, size_t zo, pb_buf *o, size_t oo) { (void)be; (void)a; (void)n; (void)z; (void)zo; (void)o; (void)oo; UNSUP; }
static pb_status op_actb(pb_backend *be, const pb_act *a, size_t n, const pb_buf *z, size_t zo, const pb_buf *d, size_t dof, pb_buf *dz, size_t dzo) { (void)be; (void)a; (void)n; (void)z; (void)zo; (void)d; (void)dof; (void)dz; (void)dzo; UNSUP; }
static pb_status op_loss(pb_backend *be, const pb_loss *l, size_t n, const pb_buf *o, size_t oo, const pb_buf *y, size_t yo, pb_buf *g, size_t go, pb_loss_stats *st) { (void)be; (void)l; (void)n; (void)o; (void)oo; (void)y; (void)yo; (void)g; (void)go; (void)st; UNSUP; }
static pb_status op_sum(pb_backend *be, size_t n, const pb_buf *x, size_t xo, double *r) { (void)be; (void)n; (void)x; (void)xo; (void)r; UNSUP; }
static pb_status op_pair(pb_backend *be, size_t n, const pb_buf *x, size_t xo, const pb_buf *y, size_t yo, double *r) { (void)be; (void)n; (void)x; (void)xo; (void)y; (void)yo; (void)r; UNSUP; }

#if defined(__GNUC__)
__attribute__((unused)) /* the no-entry plugin never returns it */
#endif
static const pb_backend_vtable table = {
#if BROKEN_KIND == KIND_SHORT_TABLE
    .struct_size = 16,
#else
    .struct_size = sizeof(pb_backend_vtable),
#endif
    .name = BROKEN_NAME, .description = "deliberately broken test plugin",
    .probe = probe, .create = create, .destroy = destroy, .last_error = last_error,
    .get_caps = get_caps, .buf_alloc = buf_alloc, .buf_free = buf_free,
    .buf_upload = up, .buf_download = down,
    .copy = op_copy, .fill = op_fill,
#if BROKEN_KIND != KIND_MISSING_OP
    .gemm = op_gemm,
#endif
    .axpby = op_axpby, .mul = op_mul, .act_forward = op_actf, .act_backward = op_actb,
    .loss = op_loss, .sum = op_sum, .dot = op_pair, .dist2 = op_pair, .max_abs_diff = op_pair,
};
#if BROKEN_KIND == KIND_MISSING_OP
/* gemm is left out of the table on purpose; keep it referenced. */
PB_EXPORT pb_status pb_test_unused_gemm(void);
PB_EXPORT pb_status pb_test_unused_gemm(void)
{
    return op_gemm(NULL, PB_NO_TRANS, PB_NO_TRANS, 0, 0, 0, 0.0, NULL, 0, 0, NULL, 0, 0, 0.0, NULL, 0, 0);
}
#endif

#if BROKEN_KIND != KIND_NO_DESC
PB_EXPORT const pb_backend_abi_desc PB_BACKEND_DESC_SYMBOL = {
#if BROKEN_KIND == KIND_BAD_MAGIC || BROKEN_KIND == KIND_CTOR_BAD_MAGIC
    0xdeadbeefu,
#else
    PB_BACKEND_ABI_MAGIC,
#endif
#if BROKEN_KIND == KIND_ABI_MAJOR
    PB_BACKEND_ABI_MAJOR + 1,
#else
    PB_BACKEND_ABI_MAJOR,
#endif
#if BROKEN_KIND == KIND_GOOD_MINOR
    PB_BACKEND_ABI_MINOR + 7,
#else
    PB_BACKEND_ABI_MINOR,
#endif
    (uint32_t)sizeof(pb_backend_abi_desc),
#if BROKEN_KIND == KIND_SHORT_TABLE
    16,
#else
    (uint32_t)sizeof(pb_backend_vtable),
#endif
#if BROKEN_KIND == KIND_FINGERPRINT
    (uint8_t)sizeof(float), 4, (uint8_t)sizeof(size_t), (uint8_t)sizeof(void *),
#else
    (uint8_t)sizeof(float), (uint8_t)sizeof(double), (uint8_t)sizeof(size_t), (uint8_t)sizeof(void *),
#endif
    BROKEN_NAME};
#endif

#if BROKEN_KIND != KIND_NO_ENTRY
PB_EXPORT const pb_backend_vtable *PB_BACKEND_ENTRY_SYMBOL(void)
{
#if BROKEN_KIND == KIND_NULL_TABLE
    return NULL;
#else
    return &table;
#endif
}
#endif
