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

#if defined(__GNUC__)
__attribute__((unused))
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
};

#if BROKEN_KIND != KIND_NO_DESC
PB_EXPORT const pb_backend_abi_desc PB_BACKEND_DESC_SYMBOL = {
#if BROKEN_KIND == KIND_BAD_MAGIC
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
