/* The CPU backend plugins as plugins: descriptor, vtable, caps, exported
 * symbols, and the full op check (opcheck.c) of each one against the f64
 * reference, in f64 and f32.  Arguments: the plugins to test ("ref",
 * "blas"). */
#include <stdint.h>
#include <string.h>

#include "backend_loader.h"
#include "csv_rows.h"
#include "opcheck.h"
#include "pb_test.h"

static const uint64_t SEED = 20210104;

static const char *feature(const pb_caps *caps, const char *key)
{
    for (const pb_feature *f = caps->features; f && f->key; f++)
        if (strcmp(f->key, key) == 0)
            return f->value;
    return NULL;
}

static void check_descriptor(const char *name, const loaded_backend *lb)
{
    const pb_backend_abi_desc *d = lb->desc;
    CHECK(d->magic == PB_BACKEND_ABI_MAGIC);
    CHECK(d->abi_major == PB_BACKEND_ABI_MAJOR);
    CHECK(d->abi_minor == PB_BACKEND_ABI_MINOR);
    CHECK(d->desc_size == sizeof(pb_backend_abi_desc));
    CHECK(d->vtable_size == sizeof(pb_backend_vtable));
    CHECK(d->sizeof_float == sizeof(float));
    CHECK(d->sizeof_double == sizeof(double));
    CHECK(d->sizeof_size_t == sizeof(size_t));
    CHECK(d->sizeof_pointer == sizeof(void *));
    CHECK(d->name && strcmp(d->name, name) == 0);

    const pb_backend_vtable *vt = lb->vt;
    CHECK(vt->struct_size == sizeof(pb_backend_vtable));
    CHECK(vt->name && strcmp(vt->name, name) == 0);
    CHECK(vt->description && vt->description[0]);
    CHECK(vt->probe && vt->create && vt->destroy && vt->last_error &&
          vt->get_caps);
    CHECK(vt->buf_alloc && vt->buf_free && vt->buf_upload && vt->buf_download);
    CHECK(vt->copy && vt->fill && vt->gemm && vt->axpby && vt->mul);
    CHECK(vt->act_forward && vt->act_backward && vt->loss);
    CHECK(vt->sum && vt->dot && vt->dist2 && vt->max_abs_diff);

    /* Only the two ABI symbols are exported: the shared kernels stay
     * inside each plugin. */
    CHECK_MSG(dlsym(lb->handle, "pb_cpu_axpby") == NULL,
              "%s exports pb_cpu_axpby", name);
    CHECK_MSG(dlsym(lb->handle, "pbk_sum_d") == NULL, "%s exports pbk_sum_d",
              name);

    char reason[256] = "x";
    CHECK(vt->probe(reason, sizeof reason) == PB_OK);
}

static void check_ref_caps(const pb_backend_vtable *vt)
{
    pb_backend *be = create_backend(vt, PB_F64, 0);
    CHECK(be != NULL);
    if (!be)
        return;
    pb_caps caps = PB_CAPS_INIT;
    CHECK(vt->get_caps(be, &caps) == PB_OK);
    CHECK(caps.dtypes == ((1u << PB_F64) | (1u << PB_F32)));
    CHECK(caps.determinism == PB_DET_BITWISE);
    CHECK(caps.threads == 1);
    CHECK(caps.max_threads == 0);
    CHECK(feature(&caps, "impl") != NULL);
    CHECK(feature(&caps, "compiler") != NULL);
    const char *deps = feature(&caps, "bits_depend_on");
    CHECK_MSG(deps && strcmp(deps, "none") == 0, "ref bits_depend_on = %s", deps ? deps : "(none)");
    CHECK(vt->get_caps(be, NULL) == PB_ERR_INVALID);
    /* destroy() frees the buffers still allocated (LeakSanitizer checks it
     * in the sanitizer build), freed ones in between included. */
    pb_buf *b1 = NULL, *b2 = NULL, *b3 = NULL;
    CHECK(vt->buf_alloc(be, 10, &b1) == PB_OK && vt->buf_alloc(be, 20, &b2) == PB_OK &&
          vt->buf_alloc(be, 30, &b3) == PB_OK);
    vt->buf_free(be, b2);
    vt->destroy(be);
}

static void check_blas_caps(const pb_backend_vtable *vt)
{
    /* One thread: bitwise class, "threads" feature says 1. */
    pb_backend *be = create_backend(vt, PB_F32, 1);
    CHECK(be != NULL);
    if (be) {
        pb_caps caps = PB_CAPS_INIT;
        CHECK(vt->get_caps(be, &caps) == PB_OK);
        CHECK(caps.dtypes == ((1u << PB_F64) | (1u << PB_F32)));
        CHECK(caps.threads == 1);
        CHECK(caps.determinism == PB_DET_BITWISE);
        CHECK(caps.max_threads >= 1);
        const char *cfg = feature(&caps, "openblas_config");
        CHECK_MSG(cfg && strstr(cfg, "OpenBLAS"), "openblas_config = %s",
                  cfg ? cfg : "(none)");
        const char *core = feature(&caps, "openblas_core");
        CHECK(core && core[0]);
        const char *th = feature(&caps, "threads");
        CHECK(th && strcmp(th, "1") == 0);
        /* Every fact the bits depend on is itself a feature. */
        const char *deps = feature(&caps, "bits_depend_on");
        CHECK(deps && strcmp(deps, "openblas_core,threads,simd") == 0);
        CHECK(feature(&caps, "simd") != NULL);
        printf("blas features: config \"%s\", core \"%s\"\n", cfg ? cfg : "",
               core ? core : "");
        vt->destroy(be);
    }
    /* Default: every core OpenBLAS sees; class follows the count. */
    be = create_backend(vt, PB_F64, 0);
    CHECK(be != NULL);
    if (be) {
        pb_caps caps = PB_CAPS_INIT;
        CHECK(vt->get_caps(be, &caps) == PB_OK);
        CHECK(caps.threads >= 1 && caps.threads <= caps.max_threads);
        CHECK(caps.determinism ==
              (caps.threads == 1 ? PB_DET_BITWISE : PB_DET_TOLERANCE));
        printf("blas default: %d of %d threads\n", caps.threads,
               caps.max_threads);
        vt->destroy(be);
    }
    pb_backend_options bad = {sizeof(pb_backend_options), PB_F64, -2, NULL};
    pb_backend *none = NULL;
    char err[256] = "";
    CHECK(vt->create(&bad, &none, err, sizeof err) == PB_ERR_INVALID);
    CHECK(none == NULL && strstr(err, "threads") != NULL);
}

/* Runs the op check and requires every case to pass; checks the CSV too. */
static void run_opcheck(const pb_backend_vtable *ref,
                        const pb_backend_vtable *dut, pb_dtype dtype,
                        int threads)
{
    FILE *csv = tmpfile();
    CHECK(csv != NULL);
    if (!csv)
        return;
    pb_backend_options opts = {sizeof(pb_backend_options), dtype, threads,
                               NULL};
    int n_failed = -1, n_unsupported = -1;
    char err[512] = "";
    int rc = pb_opcheck_run_opts(ref, dut, &opts, SEED, stdout, csv, &n_failed,
                                 &n_unsupported, err, sizeof err);
    CHECK_MSG(rc == 0, "opcheck %s %s: %s", dut->name,
              dtype == PB_F64 ? "f64" : "f32", err);
    CHECK_MSG(n_failed == 0, "%s %s: %d cases failed", dut->name,
              dtype == PB_F64 ? "f64" : "f32", n_failed);
    CHECK_MSG(n_unsupported == 0, "%s: %d cases unsupported", dut->name,
              n_unsupported);

    csv_rows rows;
    CHECK(csv_rows_read(csv, &rows) == 0);
    CHECK(rows.n > 100); /* header + every case */
    if (rows.n > 0) {
        static const char *const cols[] = {
            "schema_version", "backend", "dtype", "seed", "op", "case",
            "status", "nmse", "max_abs", "nmse_tol", "detail"};
        CHECK(rows.rows[0].nfields == 11);
        for (int i = 0; i < 11 && i < rows.rows[0].nfields; i++)
            CHECK(strcmp(rows.rows[0].field[i], cols[i]) == 0);
    }
    char seed_text[32];
    snprintf(seed_text, sizeof seed_text, "%llu", (unsigned long long)SEED);
    int seen_gemm_large = 0;
    for (size_t r = 1; r < rows.n; r++) {
        const csv_row *row = &rows.rows[r];
        CHECK(row->nfields == 11);
        if (row->nfields != 11)
            continue;
        CHECK(strcmp(row->field[1], dut->name) == 0);
        CHECK(strcmp(row->field[2], dtype == PB_F64 ? "f64" : "f32") == 0);
        CHECK(strcmp(row->field[3], seed_text) == 0);
        CHECK_MSG(strcmp(row->field[6], "pass") == 0, "%s %s: %s (%s)",
                  row->field[4], row->field[5], row->field[6], row->field[10]);
        if (strcmp(row->field[4], "gemm") == 0 &&
            strstr(row->field[5], "m=257 n=129 k=65"))
            seen_gemm_large++;
    }
    CHECK(seen_gemm_large == 4);
    csv_rows_free(&rows);
    fclose(csv);
}

int main(int argc, char **argv)
{
    loaded_backend ref;
    int rc = load_backend("ref", &ref);
    if (rc == PB_TEST_SKIP)
        return PB_TEST_SKIP;
    CHECK(rc == 0);
    if (rc != 0)
        return pb_test_done("test_cpu_backends");
    check_descriptor("ref", &ref);
    check_ref_caps(ref.vt);
    run_opcheck(ref.vt, ref.vt, PB_F64, 0);
    run_opcheck(ref.vt, ref.vt, PB_F32, 0);

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "ref") == 0)
            continue;
        loaded_backend lb;
        rc = load_backend(argv[i], &lb);
        CHECK_MSG(rc == 0, "cannot load %s", argv[i]);
        if (rc != 0)
            continue;
        check_descriptor(argv[i], &lb);
        if (strcmp(argv[i], "blas") == 0)
            check_blas_caps(lb.vt);
        run_opcheck(ref.vt, lb.vt, PB_F64, 0);
        run_opcheck(ref.vt, lb.vt, PB_F32, 0);
        run_opcheck(ref.vt, lb.vt, PB_F64, 1);
    }
    return pb_test_done("test_cpu_backends");
}
