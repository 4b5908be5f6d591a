/* The step benchmark (see bench.h). */
#include <cblas.h> /* first: openblas_config.h defines _GNU_SOURCE */

#include "bench.h"
#include "flow.h"
#include "net.h"

#include "activation.h"
#include "build_info.h"
#include "loader.h"
#include "report_table.h"
#include "rng.h"
#include "session.h"
#include "sysutil.h"
#include "strutil.h"
#include "tables.h"
#include "text_table.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* The GEMM lists: traced from the model's code (gemm_trace.h).             */

int pb_bench_step_gemms(const pb_bench_size *s, pb_gemm_list *out, char *err, size_t err_len)
{
    return pb_gemm_trace_step(s->d, s->h, s->L, s->P, out, err, err_len);
}

int pb_bench_ntk_gemms(const pb_bench_size *s, size_t n, pb_gemm_list *out, char *err,
                       size_t err_len)
{
    return pb_gemm_trace_ntk(s->d, s->h, s->L, n, out, err, err_len);
}

double pb_bench_gemm_flops(const pb_bench_gemm *g, size_t count)
{
    return pb_gemm_list_flops(g, count);
}

/* The closed forms, from the products of docs/physics.md section 1.1 with
 * fan_in_0 = d, fan_in_i = h.  A step is a forward pass (L hidden products
 * and the output), the output layer's two backward products (dW_L, k = P;
 * dA_{L-1}, k = 1) and per hidden layer dW_i (k = P) and, below the top,
 * dA_{i-1} (k = h):
 *   forward  2 P h d + 2 (L-1) P h^2 + 2 P h
 *   backward 2 P h + 2 P h + 2 P h d + 2 (L-1) P h^2 + 2 (L-1) P h^2
 *   total    4 P d h + 6 (L-1) P h^2 + 6 P h
 * An NTK Gram on n points is a forward pass, the output signal (k = 1) and
 * its back-propagation (L-1 products, k = h), the output layer's Gram
 * A A^T / h^2 and per hidden layer two Grams (k = h and k = fan_in_i):
 *   2 n h d + 4 (L-1) n h^2 + 4 n h + 2 n^2 d + 4 L n^2 h
 * The activation, loss, update and reductions are O(P h) element-wise work
 * and are not counted. */
double pb_bench_step_flops(const pb_bench_size *s)
{
    double P = (double)s->P, d = (double)s->d, h = (double)s->h, L = (double)s->L;
    return 4.0 * P * d * h + 6.0 * (L - 1.0) * P * h * h + 6.0 * P * h;
}

double pb_bench_ntk_flops(const pb_bench_size *s, size_t n_points)
{
    double n = (double)n_points, d = (double)s->d, h = (double)s->h, L = (double)s->L;
    return 2.0 * n * h * d + 4.0 * (L - 1.0) * n * h * h + 4.0 * n * h + 2.0 * n * n * d +
           4.0 * L * n * n * h;
}

/* ------------------------------------------------------------------------ */
/* Statistics                                                               */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void pb_bench_stats_of(const double *x, size_t n, pb_bench_stats *s)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    if (n == 0) {
        s->median = s->min = s->max = s->mean = s->stddev = s->cv = NAN;
        return;
    }
    double *v = malloc(n * sizeof *v);
    if (!v) {
        s->median = s->min = s->max = s->mean = s->stddev = s->cv = NAN;
        return;
    }
    memcpy(v, x, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_double);
    s->min = v[0];
    s->max = v[n - 1];
    s->median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    s->mean = sum / (double)n;
    double ss = 0.0; /* two-pass: deviations from the mean, no cancellation */
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - s->mean) * (v[i] - s->mean);
    s->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
    s->cv = s->median > 0.0 ? s->stddev / s->median : NAN;
    free(v);
}

/* ------------------------------------------------------------------------ */
/* Configuration and parsing                                                */

void pb_bench_config_default(pb_bench_config *c)
{
    memset(c, 0, sizeof *c);
    c->sizes[0] = (pb_bench_size){5000, 10, 512, 2};
    c->sizes[1] = (pb_bench_size){1000, 10, 128, 2};
    c->n_sizes = 2;
    c->dtype = PB_F64;
    c->threads = 1;
    c->reps = 5;
    c->warmup = 2;
    c->ref_reps = 0;    /* same as reps */
    c->ref_warmup = -1; /* same as warmup */
    c->what = PB_BENCH_STEP | PB_BENCH_NTK | PB_BENCH_GEMM;
    c->ntk_points = 1000;
    c->seed = 1;
    c->cv_warn = 0.1;
}

/* Next comma-separated item of *p into buf; 0 at the end. */
static int next_item(const char **p, char *buf, size_t len, char *err, size_t err_len,
                     const char *what)
{
    const char *s = *p;
    if (!s || !*s)
        return 0;
    const char *e = strchr(s, ',');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if (n == 0 || n >= len) {
        snprintf(err, err_len, "%s: %s item in '%s'", what, n ? "overlong" : "empty", s);
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    *p = e ? e + 1 : s + n;
    if (e && !e[1]) {
        snprintf(err, err_len, "%s: trailing comma", what);
        return -1;
    }
    return 1;
}

static int parse_size_t(const char *s, size_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v == 0 || v > (unsigned long long)INT_MAX)
        return -1;
    *out = (size_t)v;
    return 0;
}

int pb_bench_parse_sizes(const char *text, pb_bench_config *c, char *err, size_t err_len)
{
    const char *p = text;
    char item[128];
    int r;
    c->n_sizes = 0;
    while ((r = next_item(&p, item, sizeof item, err, err_len, "--sizes")) > 0) {
        if (c->n_sizes == PB_BENCH_MAX_SIZES) {
            snprintf(err, err_len, "--sizes: more than %d sizes", PB_BENCH_MAX_SIZES);
            return -1;
        }
        size_t v[4];
        char *f = item;
        int k = 0;
        for (; k < 4; k++) {
            char *colon = strchr(f, ':');
            if (colon)
                *colon = '\0';
            if ((colon == NULL) != (k == 3) || parse_size_t(f, &v[k]) != 0)
                break;
            f = colon ? colon + 1 : f;
        }
        if (k < 4) {
            snprintf(err, err_len,
                     "--sizes: expected P:d:h:L with positive integers, got item %zu of '%s'",
                     c->n_sizes + 1, text);
            return -1;
        }
        if (v[3] > PB_MAX_LAYERS) {
            snprintf(err, err_len, "--sizes: L = %zu: at most %d hidden layers", v[3],
                     PB_MAX_LAYERS);
            return -1;
        }
        c->sizes[c->n_sizes++] = (pb_bench_size){v[0], v[1], v[2], v[3]};
    }
    if (r < 0)
        return -1;
    if (c->n_sizes == 0) {
        snprintf(err, err_len, "--sizes: no size given");
        return -1;
    }
    return 0;
}

int pb_bench_parse_backends(const char *text, pb_bench_config *c, char *err, size_t err_len)
{
    const char *p = text;
    char item[64];
    int r;
    c->n_backends = 0;
    while ((r = next_item(&p, item, sizeof item, err, err_len, "--backend")) > 0) {
        if (c->n_backends == PB_BENCH_MAX_BACKENDS) {
            snprintf(err, err_len, "--backend: more than %d backends", PB_BENCH_MAX_BACKENDS);
            return -1;
        }
        for (size_t i = 0; i < c->n_backends; i++)
            if (strcmp(c->backends[i], item) == 0) {
                snprintf(err, err_len, "--backend: '%s' given twice", item);
                return -1;
            }
        pb_strcpy_trunc(c->backends[c->n_backends++], sizeof c->backends[0], item);
    }
    return r < 0 ? -1 : 0;
}

int pb_bench_parse_what(const char *text, unsigned *what, char *err, size_t err_len)
{
    const char *p = text;
    char item[32];
    int r;
    *what = 0;
    while ((r = next_item(&p, item, sizeof item, err, err_len, "--what")) > 0) {
        if (strcmp(item, "step") == 0)
            *what |= PB_BENCH_STEP;
        else if (strcmp(item, "ntk") == 0)
            *what |= PB_BENCH_NTK;
        else if (strcmp(item, "gemm") == 0)
            *what |= PB_BENCH_GEMM;
        else {
            snprintf(err, err_len, "--what: expected step, ntk or gemm, got '%s'", item);
            return -1;
        }
    }
    if (r < 0)
        return -1;
    if (!*what) {
        snprintf(err, err_len, "--what: nothing to measure");
        return -1;
    }
    return 0;
}

const char *pb_bench_build_type(int *suspect)
{
#if defined(__SANITIZE_ADDRESS__)
    *suspect = 1;
#if defined(__OPTIMIZE__)
    return "optimized+asan";
#else
    return "debug+asan";
#endif
#elif !defined(__OPTIMIZE__)
    *suspect = 1;
    return "debug";
#else
    *suspect = 0;
    return "optimized";
#endif
}

/* ------------------------------------------------------------------------ */
/* Machine context                                                          */

static double load_avg(void)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double v = NAN;
    if (f) {
        if (fscanf(f, "%lf", &v) != 1)
            v = NAN;
        fclose(f);
    }
    return v;
}

static void cpu_model(char *buf, size_t len)
{
    pb_strcpy_trunc(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        const char *v = strchr(line, ':');
        if (!v)
            break;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        pb_strcpy_trunc(buf, len, v);
        size_t n = strlen(buf);
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
            buf[--n] = '\0';
        break;
    }
    fclose(f);
}

/* ------------------------------------------------------------------------ */
/* Timed jobs                                                               */

typedef pb_status (*job_fn)(void *ctx);

typedef struct job {
    job_fn fn;
    void *ctx;
    double *samples; /* reps */
} job;

/* W warm-up runs, then R timed repetitions of a and (when given) b,
 * alternating a, b, a, b, ... so that both see the same machine.
 * Returns PB_OK or the first failure (*which = 0 for a, 1 for b). */
static pb_status measure(job *a, job *b, int warmup, int reps, int *which)
{
    job *jobs[2] = {a, b};
    int n_jobs = b ? 2 : 1;
    for (int r = 0; r < warmup + reps; r++)
        for (int j = 0; j < n_jobs; j++) {
            double t0 = pb_now_s();
            pb_status st = jobs[j]->fn(jobs[j]->ctx);
            double t1 = pb_now_s();
            if (st != PB_OK) {
                *which = j;
                return st;
            }
            if (r >= warmup)
                jobs[j]->samples[r - warmup] = t1 - t0;
        }
    return PB_OK;
}

/* A GEMM list run on OpenBLAS directly, on host scratch matrices. */
typedef struct gemm_seq {
    const pb_bench_gemm *g;
    size_t n;
    pb_dtype dtype;
    int threads;
    void *a, *b, *c;
} gemm_seq;

static CBLAS_TRANSPOSE cblas_trans(pb_trans t)
{
    return t == PB_TRANS ? CblasTrans : CblasNoTrans;
}

static pb_status run_gemm_seq(void *vctx)
{
    const gemm_seq *q = vctx;
    /* A backend may have changed the library-wide thread count. */
    if (openblas_get_num_threads() != q->threads)
        openblas_set_num_threads(q->threads);
    for (size_t i = 0; i < q->n; i++) {
        const pb_bench_gemm *g = &q->g[i];
        if (q->dtype == PB_F32)
            cblas_sgemm(CblasRowMajor, cblas_trans(g->ta), cblas_trans(g->tb), (blasint)g->m,
                        (blasint)g->n, (blasint)g->k, (float)g->alpha, q->a, (blasint)g->lda,
                        q->b, (blasint)g->ldb, (float)g->beta, q->c, (blasint)g->ldc);
        else
            cblas_dgemm(CblasRowMajor, cblas_trans(g->ta), cblas_trans(g->tb), (blasint)g->m,
                        (blasint)g->n, (blasint)g->k, g->alpha, q->a, (blasint)g->lda, q->b,
                        (blasint)g->ldb, g->beta, q->c, (blasint)g->ldc);
    }
    return PB_OK;
}

/* Scratch matrices big enough for every GEMM of the lists, filled with
 * seeded values in (-1, 1) (no denormals, no NaN). */
typedef struct scratch {
    pb_dtype dtype;
    void *a, *b, *c;
} scratch;

static void scratch_free(scratch *s)
{
    free(s->a);
    free(s->b);
    free(s->c);
    memset(s, 0, sizeof *s);
}

static void *scratch_fill(size_t n, pb_dtype dtype, uint64_t seed, uint64_t stream)
{
    size_t el = dtype == PB_F32 ? sizeof(float) : sizeof(double);
    void *p = malloc((n ? n : 1) * el);
    if (!p)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        double v = 2.0 * pb_rng_uniform(seed, stream, i) - 1.0;
        if (dtype == PB_F32)
            ((float *)p)[i] = (float)v;
        else
            ((double *)p)[i] = v;
    }
    return p;
}

/* Returns -1 with a message when a size exceeds the 32-bit CBLAS
 * interface or memory runs out. */
static int scratch_make(scratch *s, const pb_bench_gemm *lists[], const size_t counts[],
                        size_t n_lists, pb_dtype dtype, uint64_t seed, char *err, size_t err_len)
{
    size_t na = 0, nb = 0, nc = 0;
    memset(s, 0, sizeof *s);
    s->dtype = dtype;
    for (size_t l = 0; l < n_lists; l++)
        for (size_t i = 0; i < counts[l]; i++) {
            const pb_bench_gemm *g = &lists[l][i];
            size_t ea = (g->ta == PB_TRANS ? g->k : g->m) * g->lda;
            size_t eb = (g->tb == PB_TRANS ? g->n : g->k) * g->ldb;
            size_t ec = g->m * g->ldc;
            if (g->m > INT_MAX || g->n > INT_MAX || g->k > INT_MAX || g->lda > INT_MAX ||
                g->ldb > INT_MAX || g->ldc > INT_MAX) {
                snprintf(err, err_len, "GEMM %zux%zux%zu exceeds the 32-bit CBLAS interface",
                         g->m, g->n, g->k);
                return -1;
            }
            na = ea > na ? ea : na;
            nb = eb > nb ? eb : nb;
            nc = ec > nc ? ec : nc;
        }
    s->a = scratch_fill(na, dtype, seed, PB_STREAM_CHECK + 10);
    s->b = scratch_fill(nb, dtype, seed, PB_STREAM_CHECK + 11);
    s->c = scratch_fill(nc, dtype, seed, PB_STREAM_CHECK + 12);
    if (!s->a || !s->b || !s->c) {
        scratch_free(s);
        snprintf(err, err_len, "out of memory for the roofline's GEMM matrices");
        return -1;
    }
    return 0;
}

/* One tentative gradient-flow step on a backend: pb_flow_step, the very
 * call pb_flow_run makes, from the accepted state at w0 with the flow's
 * first dt. */
typedef struct step_ctx {
    const pb_model *m;
    const pb_flow_problem *pr;
    const pb_flow_params *fp;
    pb_flow_bufs *fb;
    double gg;              /* |g|^2 of the accepted state */
    pb_flow_trial trial;    /* the step control's scalars, last run */
} step_ctx;

static pb_status backend_sync(const pb_model *m)
{
    return PB_VT_HAS(m->vt, sync) ? m->vt->sync(m->be) : PB_OK;
}

static pb_status run_step(void *vctx)
{
    step_ctx *x = vctx;
    pb_status s = pb_flow_step(x->pr, x->fp, x->fb, x->fp->dt0, x->gg, &x->trial);
    return s ? s : backend_sync(x->m);
}

typedef struct ntk_ctx {
    const pb_model *m;
    const pb_buf *w;
    pb_batch *b;
    pb_buf *theta;
} ntk_ctx;

static pb_status run_ntk(void *vctx)
{
    ntk_ctx *x = vctx;
    pb_status s = pb_model_ntk(x->m, x->w, x->b, x->theta);
    return s ? s : backend_sync(x->m);
}

/* ------------------------------------------------------------------------ */
/* Results: one CSV row and one table line each                             */

typedef struct result {
    const char *backend;
    const char *features;
    int backend_threads;
    pb_bench_size size;
    unsigned what;
    size_t points;
    size_t gemm_calls;
    char gemm_shape[96];
    int warmup;
    const char *error;     /* NULL when it ran */
    pb_bench_stats t;      /* of samples */
    const double *samples;
    double flops;
    int has_roof;
    pb_bench_stats roof;
    double load;
} result;

typedef struct bench_run {
    const pb_bench_config *c;
    const pb_bench_sinks *out;
    int header_done;
    int failures;
    char cpu[256];
    const char *build_type;
    char openblas[512];
    /* step medians for the closing summary: [size][backend] */
    double step_median[PB_BENCH_MAX_SIZES][PB_BENCH_MAX_BACKENDS];
} bench_run;

static const char *what_name(unsigned w)
{
    return w == PB_BENCH_STEP ? "step" : w == PB_BENCH_NTK ? "ntk" : "gemm";
}

/* The text table's header: the columns of pb_cols_bench (report/tables.c)
 * that have a text format, as the rows below print them. */
static void table_header(FILE *f)
{
    if (f)
        pb_text_header(f, &pb_cols_bench);
}

/* One measurement: a row of pb_cols_bench into the CSV and the text table.
 * Columns a failed measurement has no value for stay empty (CSV) and show
 * as "-" (text). */
static void emit(bench_run *r, const result *x)
{
    const pb_bench_config *c = r->c;
    FILE *log = r->out->log;
    int ok = x->error == NULL;
    pb_row row;
    pb_row_init_columns(&row, &pb_cols_bench);
    pb_row_int(&row, "schema_version", PB_BENCH_SCHEMA_VERSION);
    pb_row_str(&row, "backend", x->backend);
    pb_row_str(&row, "dtype", pb_dtype_name(c->dtype));
    pb_row_int(&row, "threads", c->threads);
    pb_row_int(&row, "P", (int64_t)x->size.P);
    pb_row_int(&row, "d", (int64_t)x->size.d);
    pb_row_int(&row, "h", (int64_t)x->size.h);
    pb_row_int(&row, "L", (int64_t)x->size.L);
    pb_row_str(&row, "what", what_name(x->what));
    if (ok) {
        pb_row_dbl(&row, "median_s", x->t.median);
        pb_row_dbl(&row, "min_s", x->t.min);
        pb_row_dbl(&row, "stddev_s", x->t.stddev);
        pb_row_dbl(&row, "cv", x->t.cv);
        pb_row_int(&row, "reps", (int64_t)x->t.n);
    }
    pb_row_dbl(&row, "flops", x->flops);
    if (ok)
        pb_row_dbl(&row, "gflops", x->flops / x->t.median * 1e-9);
    if (ok && x->has_roof) {
        pb_row_dbl(&row, "roofline_gflops", x->flops / x->roof.median * 1e-9);
        pb_row_dbl(&row, "roofline_ratio", x->t.median / x->roof.median);
    }
    if (ok) {
        pb_row_dbl(&row, "mean_s", x->t.mean);
        pb_row_dbl(&row, "max_s", x->t.max);
    }
    pb_row_int(&row, "warmup", x->warmup);
    pb_row_int(&row, "points", (int64_t)x->points);
    pb_row_int(&row, "gemm_calls", (int64_t)x->gemm_calls);
    pb_row_str(&row, "gemm_shape", x->gemm_shape);
    if (ok && x->has_roof) {
        pb_row_dbl(&row, "roofline_median_s", x->roof.median);
        pb_row_dbl(&row, "roofline_cv", x->roof.cv);
    }
    pb_row_int(&row, "backend_threads", x->backend_threads);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
    pb_row_str(&row, "seed", seed);
    pb_row_str(&row, "features", x->features);
    pb_row_str(&row, "build_commit", PB_BUILD_COMMIT);
    pb_row_str(&row, "build_type", r->build_type);
    pb_row_str(&row, "cpu", r->cpu);
    if (!isnan(x->load))
        pb_row_dbl(&row, "load_avg", x->load);
    char ts[40];
    pb_utc_stamp(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ");
    pb_row_str(&row, "timestamp", ts);
    {
        size_t cap = ok ? x->t.n * 26 + 1 : 1;
        char *s = malloc(cap);
        if (s) {
            s[0] = '\0';
            size_t used = 0;
            for (size_t i = 0; ok && i < x->t.n; i++) {
                int k = snprintf(s + used, cap - used, "%s%.9g", i ? ";" : "", x->samples[i]);
                if (k < 0 || (size_t)k >= cap - used)
                    break;
                used += (size_t)k;
            }
            pb_row_str(&row, "samples_s", s);
            free(s);
        }
    }
    pb_row_str(&row, "error", x->error ? x->error : "");

    char err[256];
    if (pb_row_check(&row, err, sizeof err) != 0) {
        /* a column missing from the declaration: a bug, said, never a silent column */
        r->failures++;
        if (log)
            fprintf(log, "phasebench bench: %s\n", err);
    } else {
        if (r->out->csv) {
            pb_table t;
            pb_table_attach(&t, r->out->csv, &pb_cols_bench, !r->header_done);
            if (pb_table_write(&t, &row, err, sizeof err) != 0 && log)
                fprintf(log, "phasebench bench: %s\n", err);
            pb_table_close(&t);
        }
        r->header_done = 1;
        FILE *t = r->out->table;
        if (t) {
            pb_text_row(t, &pb_cols_bench, &row);
            fflush(t);
        }
    }
    pb_row_free(&row);
    if (log && ok && x->t.cv > c->cv_warn)
        fprintf(log,
                "phasebench bench: warning: %s %s %zu:%zu:%zu:%zu: cv %.1f%% > %.0f%% over %zu "
                "repetitions: the machine is noisy (more --repetitions, a quieter machine)\n",
                x->backend, what_name(x->what), x->size.P, x->size.d, x->size.h, x->size.L,
                100.0 * x->t.cv, 100.0 * c->cv_warn, x->t.n);
    if (log && ok && x->has_roof && x->roof.cv > c->cv_warn)
        fprintf(log,
                "phasebench bench: warning: roofline of %s %s %zu:%zu:%zu:%zu: cv %.1f%% > %.0f%%: "
                "the ratio is uncertain\n",
                x->backend, what_name(x->what), x->size.P, x->size.d, x->size.h, x->size.L,
                100.0 * x->roof.cv, 100.0 * c->cv_warn);
}

static void progress(bench_run *r, const char *backend, const char *what, const pb_bench_size *s)
{
    if (r->out->log) {
        fprintf(r->out->log, "phasebench bench: %s %s %zu:%zu:%zu:%zu ...\n", backend, what, s->P,
                s->d, s->h, s->L);
        fflush(r->out->log);
    }
}

static void fail_msg(bench_run *r, const char *backend, const pb_bench_size *s, const char *msg)
{
    r->failures++;
    if (r->out->log)
        fprintf(r->out->log, "phasebench bench: %s %zu:%zu:%zu:%zu failed: %s\n", backend, s->P,
                s->d, s->h, s->L, msg);
}

/* ------------------------------------------------------------------------ */
/* Per size: the largest GEMM on OpenBLAS                                   */

static void trans_text(const pb_bench_gemm *g, char *buf, size_t len)
{
    snprintf(buf, len, "%c%c m=%zu n=%zu k=%zu", g->ta == PB_TRANS ? 'T' : 'N',
             g->tb == PB_TRANS ? 'T' : 'N', g->m, g->n, g->k);
}

static void bench_gemm_row(bench_run *r, const pb_bench_size *s)
{
    const pb_bench_config *c = r->c;
    char err[256];
    result x;
    memset(&x, 0, sizeof x);
    x.backend = "openblas";
    x.features = r->openblas;
    x.backend_threads = c->threads;
    x.size = *s;
    x.what = PB_BENCH_GEMM;
    x.points = s->P;
    x.gemm_calls = 1;
    x.warmup = c->warmup;
    x.flops = NAN;
    x.load = NAN;
    pb_gemm_list trace;
    double *samples = NULL;
    if (pb_bench_step_gemms(s, &trace, err, sizeof err) != 0) {
        x.error = err;
        goto done;
    }
    const pb_bench_gemm *list = trace.call;
    size_t best = 0;
    for (size_t i = 1; i < trace.n; i++)
        if (pb_bench_gemm_flops(&list[i], 1) > pb_bench_gemm_flops(&list[best], 1))
            best = i;
    x.flops = pb_bench_gemm_flops(&list[best], 1);
    trans_text(&list[best], x.gemm_shape, sizeof x.gemm_shape);

    progress(r, "openblas", "gemm", s);
    const pb_bench_gemm *lists[1] = {&list[best]};
    size_t counts[1] = {1};
    scratch sc;
    samples = calloc((size_t)c->reps, sizeof *samples);
    if (!samples) {
        x.error = "out of memory";
    } else if (scratch_make(&sc, lists, counts, 1, c->dtype, c->seed, err, sizeof err) != 0) {
        x.error = err;
    } else {
        gemm_seq q = {&list[best], 1, c->dtype, c->threads, sc.a, sc.b, sc.c};
        job j = {run_gemm_seq, &q, samples};
        int which;
        x.load = load_avg();
        measure(&j, NULL, c->warmup, c->reps, &which);
        pb_bench_stats_of(samples, (size_t)c->reps, &x.t);
        x.samples = samples;
        scratch_free(&sc);
    }
done:
    if (x.error)
        fail_msg(r, "openblas", s, x.error);
    emit(r, &x);
    free(samples);
    pb_gemm_list_free(&trace);
}

/* ------------------------------------------------------------------------ */
/* Per size and backend: the step and the NTK                               */

typedef struct backend_state {
    pb_net net;           /* set 0: the step's P points; set 1: the NTK's n when n < P */
    pb_net_fit fit;       /* the training objective on set 0 */
    pb_flow_problem pr;
    pb_flow_params fp;
    pb_flow_bufs fb;      /* the flow's state, accepted at w0 */
    double gg;
    pb_buf *theta;
    double *x, *y;
} backend_state;

static void state_free(backend_state *s)
{
    if (s->pr.vt) {
        pb_flow_bufs_free(&s->pr, &s->fb);
        if (s->theta)
            s->pr.vt->buf_free(s->pr.be, s->theta);
    }
    pb_net_close(&s->net);
    free(s->x);
    free(s->y);
    memset(s, 0, sizeof *s);
}

/* The net with its data (pb_net_open), then the flow's state accepted at
 * w0, as pb_flow_run starts it.  -1 with a message. */
static int state_make(backend_state *s, const pb_session *ses, const pb_bench_config *c,
                      const pb_bench_size *z, size_t n_ntk, char *err, size_t err_len)
{
    const pb_backend_vtable *vt = ses->plugin->vt;
    memset(s, 0, sizeof *s);
    size_t P = z->P;
    s->x = malloc(P * z->d * sizeof *s->x);
    s->y = malloc(P * sizeof *s->y);
    if (!s->x || !s->y) {
        snprintf(err, err_len, "out of host memory");
        return -1;
    }
    pb_rng_normal_fill(c->seed, PB_STREAM_DATA_X, 0, s->x, P * z->d);
    for (size_t i = 0; i < P; i++)
        s->y[i] = pb_rng_uniform(c->seed, PB_STREAM_DATA_Y, i) < 0.5 ? -1.0 : 1.0;
    size_t n_bn = (c->what & PB_BENCH_NTK) && n_ntk < P ? n_ntk : 0;
    pb_net_spec spec = {.d = z->d, .h = z->h, .L = z->L, .act = pb_act_make(PB_ACT_SWISH, 10.0),
                        .seed = c->seed, .n_sets = 2,
                        .sets = {{"benchmark set", P, s->x, s->y},
                                 {"NTK set", n_bn, s->x, s->y}}};
    if (pb_net_open(&s->net, vt, ses->be, &spec, err, err_len) != 0)
        return -1;

    s->fit = (pb_net_fit){&s->net.m, &s->net.set[0],
                          {PB_LOSS_SOFTHINGE, 1.0, 1.0, 20.0, 1.0 / (double)P}};
    pb_net_flow_problem(&s->fit, &s->pr);
    pb_flow_params_default(&s->fp);
    const char *what = "allocating the flow state";
    pb_status st;
    pb_loss_stats stats;
    if ((st = pb_flow_bufs_alloc(&s->pr, s->fp.tau > 0, &s->fb)))
        goto dev;
    what = "the initial state";
    if ((st = pb_flow_start(&s->pr, &s->fb, s->net.w, &stats, &s->gg)))
        goto dev;
    if (c->what & PB_BENCH_NTK) {
        what = "allocating the NTK buffers";
        if ((st = vt->buf_alloc(ses->be, n_ntk * n_ntk, &s->theta)))
            goto dev;
    }
    if ((st = backend_sync(&s->net.m)))
        goto dev;
    return 0;
dev:
    snprintf(err, err_len, "%s: %s (status %d)", what, pb_model_error(&s->net.m), (int)st);
    return -1;
}

/* One step or NTK measurement with its roofline, emitted as a row. */
static void bench_one(bench_run *r, const pb_session *ses, const pb_bench_size *z,
                      unsigned what, job_fn fn, void *ctx, const pb_bench_gemm *list,
                      size_t n_list, size_t points, int reps, int warmup, double *out_median)
{
    const pb_bench_config *c = r->c;
    result x;
    memset(&x, 0, sizeof x);
    x.backend = ses->plugin->name;
    x.features = ses->features;
    x.backend_threads = ses->caps.threads;
    x.size = *z;
    x.what = what;
    x.points = points;
    x.gemm_calls = n_list;
    x.warmup = warmup;
    x.flops = pb_bench_gemm_flops(list, n_list);
    x.load = NAN;
    *out_median = NAN;

    progress(r, x.backend, what_name(what), z);
    char err[512];
    scratch sc;
    memset(&sc, 0, sizeof sc);
    double *samples = calloc(2 * (size_t)reps, sizeof *samples);
    const pb_bench_gemm *lists[1] = {list};
    size_t counts[1] = {n_list};
    if (!samples) {
        x.error = "out of memory";
    } else if (scratch_make(&sc, lists, counts, 1, c->dtype, c->seed, err, sizeof err) != 0) {
        x.error = err;
    } else {
        gemm_seq q = {list, n_list, c->dtype, c->threads, sc.a, sc.b, sc.c};
        job a = {fn, ctx, samples}, b = {run_gemm_seq, &q, samples + reps};
        int which = 0;
        x.load = load_avg();
        pb_status st = measure(&a, &b, warmup, reps, &which);
        if (st != PB_OK) {
            const char *e = ses->plugin->vt->last_error(ses->be);
            snprintf(err, sizeof err, "%s: %s (status %d)", what_name(what),
                     e && *e ? e : "backend error without a message", (int)st);
            x.error = err;
        } else {
            pb_bench_stats_of(samples, (size_t)reps, &x.t);
            pb_bench_stats_of(samples + reps, (size_t)reps, &x.roof);
            x.samples = samples;
            x.has_roof = 1;
            *out_median = x.t.median;
        }
    }
    if (x.error)
        fail_msg(r, x.backend, z, x.error);
    emit(r, &x);
    scratch_free(&sc);
    free(samples);
}

/* The traced GEMM list of a step (what = PB_BENCH_STEP) or of an NTK Gram
 * on n_ntk points. */
static int trace_of(const pb_bench_size *z, unsigned what, size_t n_ntk, pb_gemm_list *out,
                    char *err, size_t err_len)
{
    return what == PB_BENCH_STEP ? pb_bench_step_gemms(z, out, err, err_len)
                                 : pb_bench_ntk_gemms(z, n_ntk, out, err, err_len);
}

static void error_rows(bench_run *r, const char *backend, const pb_bench_size *z, size_t n_ntk,
                       const char *msg)
{
    const pb_bench_config *c = r->c;
    fail_msg(r, backend, z, msg);
    unsigned ws[2] = {PB_BENCH_STEP, PB_BENCH_NTK};
    for (int i = 0; i < 2; i++) {
        if (!(c->what & ws[i]))
            continue;
        pb_gemm_list list;
        char terr[256];
        int traced = trace_of(z, ws[i], n_ntk, &list, terr, sizeof terr) == 0;
        result x;
        memset(&x, 0, sizeof x);
        x.backend = backend;
        x.features = "";
        x.size = *z;
        x.what = ws[i];
        x.points = ws[i] == PB_BENCH_STEP ? z->P : n_ntk;
        x.gemm_calls = list.n;
        x.flops = traced ? pb_bench_gemm_flops(list.call, list.n) : NAN;
        x.warmup = c->warmup;
        x.error = msg;
        x.load = NAN;
        emit(r, &x);
        pb_gemm_list_free(&list);
    }
}

static void bench_backend_size(bench_run *r, const char *name, const pb_bench_size *z,
                               size_t si, size_t bi)
{
    const pb_bench_config *c = r->c;
    size_t n_ntk = z->P < c->ntk_points ? z->P : c->ntk_points;
    int is_ref = strcmp(name, "ref") == 0;
    int reps = is_ref && c->ref_reps > 0 ? c->ref_reps : c->reps;
    int warmup = is_ref && c->ref_warmup >= 0 ? c->ref_warmup : c->warmup;
    char err[1024];
    pb_gemm_list steps, ntks;
    memset(&steps, 0, sizeof steps);
    memset(&ntks, 0, sizeof ntks);
    if (((c->what & PB_BENCH_STEP) &&
         trace_of(z, PB_BENCH_STEP, n_ntk, &steps, err, sizeof err) != 0) ||
        ((c->what & PB_BENCH_NTK) && trace_of(z, PB_BENCH_NTK, n_ntk, &ntks, err, sizeof err) != 0)) {
        error_rows(r, name, z, n_ntk, err);
        pb_gemm_list_free(&steps);
        return;
    }
    pb_session ses;
    if (pb_session_open(&ses, name, c->dtype, c->threads, NULL, err, sizeof err) != 0) {
        error_rows(r, name, z, n_ntk, err);
        pb_gemm_list_free(&steps);
        pb_gemm_list_free(&ntks);
        return;
    }
    if (r->out->log && strstr(ses.features, "llvmpipe"))
        fprintf(r->out->log,
                "phasebench bench: warning: %s runs on a software (CPU) Vulkan device: its "
                "timings are not GPU performance\n",
                name);
    backend_state s;
    if (state_make(&s, &ses, c, z, n_ntk, err, sizeof err) != 0) {
        error_rows(r, name, z, n_ntk, err);
        state_free(&s);
        pb_session_close(&ses);
        pb_gemm_list_free(&steps);
        pb_gemm_list_free(&ntks);
        return;
    }
    double median;
    if (c->what & PB_BENCH_STEP) {
        step_ctx x;
        memset(&x, 0, sizeof x);
        x.m = &s.net.m;
        x.pr = &s.pr;
        x.fp = &s.fp;
        x.fb = &s.fb;
        x.gg = s.gg;
        bench_one(r, &ses, z, PB_BENCH_STEP, run_step, &x, steps.call, steps.n, z->P, reps,
                  warmup, &median);
        r->step_median[si][bi] = median;
        if (!isnan(median) && r->out->log &&
            !(isfinite(x.trial.gg1) && isfinite(x.trial.dmax)))
            fprintf(r->out->log,
                    "phasebench bench: warning: %s step %zu:%zu:%zu:%zu gave non-finite "
                    "step-control values (|g'|^2 = %g, max|o - o'| = %g)\n",
                    name, z->P, z->d, z->h, z->L, x.trial.gg1, x.trial.dmax);
    }
    if (c->what & PB_BENCH_NTK) {
        pb_batch *bn = s.net.set[1].n ? &s.net.set[1] : &s.net.set[0];
        ntk_ctx x = {&s.net.m, s.net.w, bn, s.theta};
        bench_one(r, &ses, z, PB_BENCH_NTK, run_ntk, &x, ntks.call, ntks.n, n_ntk, reps, warmup,
                  &median);
    }
    state_free(&s);
    pb_session_close(&ses);
    pb_gemm_list_free(&steps);
    pb_gemm_list_free(&ntks);
}

/* ------------------------------------------------------------------------ */

/* The backends to run: the given list, or every available one. */
static size_t resolve_backends(bench_run *r, char names[][64], size_t cap)
{
    const pb_bench_config *c = r->c;
    if (c->n_backends > 0) {
        for (size_t i = 0; i < c->n_backends && i < cap; i++)
            pb_strcpy_trunc(names[i], 64, c->backends[i]);
        return c->n_backends < cap ? c->n_backends : cap;
    }
    pb_registry reg;
    memset(&reg, 0, sizeof reg);
    pb_registry_scan(&reg);
    pb_registry_probe_all(&reg);
    size_t n = 0;
    for (size_t i = 0; i < reg.count; i++) {
        const pb_plugin *p = &reg.plugins[i];
        if (p->state == PB_PLUGIN_AVAILABLE && n < cap)
            pb_strcpy_trunc(names[n++], 64, p->name);
        else if (p->state == PB_PLUGIN_UNAVAILABLE && r->out->log)
            fprintf(r->out->log, "phasebench bench: skipping backend %s: %s\n", p->name,
                    p->reason);
    }
    pb_registry_free(&reg);
    return n;
}

int pb_bench_run(const pb_bench_config *c, const pb_bench_sinks *out)
{
    bench_run *r = calloc(1, sizeof *r);
    if (!r) {
        if (out->log)
            fprintf(out->log, "phasebench bench: out of memory\n");
        return 1;
    }
    r->c = c;
    r->out = out;
    int suspect;
    r->build_type = pb_bench_build_type(&suspect);
    cpu_model(r->cpu, sizeof r->cpu);
    snprintf(r->openblas, sizeof r->openblas, "openblas_config=%s;openblas_core=%s",
             openblas_get_config(), openblas_get_corename());
    if (suspect && out->log)
        fprintf(out->log,
                "phasebench bench: warning: this is a %s build: its timings do not represent "
                "an optimized build\n",
                r->build_type);

    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu > 0 && c->threads > ncpu && out->log)
        fprintf(out->log,
                "phasebench bench: warning: %d threads on %ld processors: oversubscribed, the "
                "timings measure contention\n",
                c->threads, ncpu);

    char names[PB_BENCH_MAX_BACKENDS][64];
    size_t n_backends = resolve_backends(r, names, PB_BENCH_MAX_BACKENDS);
    if (n_backends == 0 && (c->what & (PB_BENCH_STEP | PB_BENCH_NTK)) && out->log) {
        fprintf(out->log, "phasebench bench: no backend is available (see `phasebench backends`)\n");
        r->failures++;
    }
    for (size_t si = 0; si < c->n_sizes; si++)
        for (size_t bi = 0; bi < PB_BENCH_MAX_BACKENDS; bi++)
            r->step_median[si][bi] = NAN;

    table_header(out->table);
    for (size_t si = 0; si < c->n_sizes; si++) {
        const pb_bench_size *z = &c->sizes[si];
        if (c->what & PB_BENCH_GEMM)
            bench_gemm_row(r, z);
        if (c->what & (PB_BENCH_STEP | PB_BENCH_NTK))
            for (size_t bi = 0; bi < n_backends; bi++)
                bench_backend_size(r, names[bi], z, si, bi);
    }

    FILE *t = out->table;
    if (t) {
        /* Step speed-ups over ref, measured in this run. */
        size_t ref = n_backends;
        for (size_t bi = 0; bi < n_backends; bi++)
            if (strcmp(names[bi], "ref") == 0)
                ref = bi;
        if (ref < n_backends && n_backends > 1 && (c->what & PB_BENCH_STEP)) {
            fprintf(t, "\nstep speed-up over ref (ref median / backend median):\n");
            for (size_t si = 0; si < c->n_sizes; si++)
                for (size_t bi = 0; bi < n_backends; bi++) {
                    double a = r->step_median[si][ref], b = r->step_median[si][bi];
                    if (bi == ref || isnan(a) || isnan(b))
                        continue;
                    fprintf(t, "  %zu:%zu:%zu:%zu  %-10s %.1fx\n", c->sizes[si].P,
                            c->sizes[si].d, c->sizes[si].h, c->sizes[si].L, names[bi], a / b);
                }
        }
        fprintf(t,
                "\nmedian of %d repetitions after %d warm-up runs", c->reps, c->warmup);
        if (c->ref_reps > 0 || c->ref_warmup >= 0)
            fprintf(t, " (ref: %d after %d)", c->ref_reps > 0 ? c->ref_reps : c->reps,
                    c->ref_warmup >= 0 ? c->ref_warmup : c->warmup);
        fprintf(t,
                "; cv = stddev/median.  GFLOP/s counts GEMM flops only.\n"
                "roof GF/s: the same GEMMs called on OpenBLAS directly (%d thread%s), timed "
                "alternately with the step;\nratio = median time / those GEMMs' median time "
                "(1 = the step costs only its GEMMs).\n"
                "build: %s (%s), %s, seed %llu\n",
                c->threads, c->threads == 1 ? "" : "s", PB_BUILD_COMMIT, r->build_type,
                r->openblas, (unsigned long long)c->seed);
        fflush(t);
    }
    int rc = r->failures ? 1 : 0;
    free(r);
    return rc;
}
