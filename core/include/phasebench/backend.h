/*
 * phasebench backend plugin ABI.
 *
 * A backend is a shared object that exports exactly two symbols:
 *
 *   const pb_backend_abi_desc PB_BACKEND_DESC_SYMBOL;   (plain data)
 *   const pb_backend_vtable *PB_BACKEND_ENTRY_SYMBOL(void);
 *
 * The loader reads the descriptor's plain fields from the file itself,
 * before dlopen() (so not even a constructor of an incompatible plugin
 * runs), and refuses the plugin unless the magic, the ABI major version, the
 * struct sizes and the numeric fingerprint all match; after loading it checks
 * them again with dlsym(), with the name.  Only then is the entry function
 * called.  Keep the descriptor a const object with a constant initialiser
 * (PB_BACKEND_DESC_INIT) so its bytes are in the file.
 *
 * Versioning follows SQLite's VFS: the vtable begins with its own size, minor
 * versions only append members, and the core calls an appended member only
 * when the plugin's table is long enough to hold it and the pointer is not
 * NULL.  A major version change means an incompatible layout.
 *
 * Every struct that crosses the ABI begins with uint32_t struct_size (since
 * ABI 1.2 also pb_caps and pb_loss_stats).  The rule, both ways: the CALLER
 * sets struct_size to the size it was compiled with (the core for the
 * options, the caps and the loss statistics it asks for; the plugin for its
 * vtable); the CALLEE reads and writes only the members that size covers
 * (PB_SIZE_COVERS, PB_VT_HAS; pb_struct_give copies a full struct into the
 * caller's shorter or longer one) and never changes struct_size.  A struct
 * shorter than the first version that had a struct_size is a bad argument
 * (PB_ERR_INVALID).  The core keeps plugins of ABI 1.0 and 1.1, whose caps
 * and loss statistics had no struct_size, working: it hands them the old
 * layout and converts (docs/architecture.md section 5.2).
 *
 * Memory model: the core talks to device-resident buffers through opaque
 * handles.  Host <-> device transfers always use double on the host side and
 * convert to the buffer's dtype, so every backend starts from bit-identical
 * weights drawn in double.  Ops take (buffer, element offset) views so one
 * buffer can hold all layers of a net.  One gradient-flow step is made only of
 * ops on buffers plus the scalars returned by reductions and by the loss op:
 * no matrix crosses between host and device during training.
 *
 * Every fallible call returns a pb_status.  On failure, last_error() returns a
 * text that stays valid until the next call on the same backend instance.  A
 * plugin never calls exit() or abort() and never prints.
 *
 * Layouts: matrices are row-major with an explicit leading dimension, as in
 * CBLAS with CblasRowMajor.
 *
 * This header depends only on the C standard library and may be copied into an
 * out-of-tree plugin (or found through pkg-config "phasebench").
 */
#ifndef PHASEBENCH_BACKEND_H
#define PHASEBENCH_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Versions, descriptor, exported symbols                                   */

#define PB_BACKEND_ABI_MAGIC 0x70624241u /* "pbBA" */
#define PB_BACKEND_ABI_MAJOR 1u
#define PB_BACKEND_ABI_MINOR 2u

#define PB_BACKEND_DESC_SYMBOL pb_backend_desc
#define PB_BACKEND_ENTRY_SYMBOL pb_backend_entry
#define PB_BACKEND_DESC_NAME "pb_backend_desc"
#define PB_BACKEND_ENTRY_NAME "pb_backend_entry"

#if defined(_WIN32)
#define PB_EXPORT __declspec(dllexport)
#else
#define PB_EXPORT __attribute__((visibility("default")))
#endif

/* Read by the loader before any plugin code runs.  Fill it with
 * PB_BACKEND_DESC_INIT(name). */
typedef struct pb_backend_abi_desc {
    uint32_t magic;          /* PB_BACKEND_ABI_MAGIC */
    uint16_t abi_major;      /* PB_BACKEND_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor;      /* PB_BACKEND_ABI_MINOR the plugin was built with */
    uint32_t desc_size;      /* sizeof(pb_backend_abi_desc) */
    uint32_t vtable_size;    /* sizeof(pb_backend_vtable) the plugin was built with */
    uint8_t sizeof_float;    /* numeric fingerprint, checked against the core's */
    uint8_t sizeof_double;
    uint8_t sizeof_size_t;
    uint8_t sizeof_pointer;
    const char *name;        /* short unique name: "ref", "blas", "vulkan" */
} pb_backend_abi_desc;

#define PB_BACKEND_DESC_INIT(NAME)                                           \
    {PB_BACKEND_ABI_MAGIC, PB_BACKEND_ABI_MAJOR, PB_BACKEND_ABI_MINOR,         \
     (uint32_t)sizeof(pb_backend_abi_desc), (uint32_t)sizeof(pb_backend_vtable), \
     (uint8_t)sizeof(float), (uint8_t)sizeof(double), (uint8_t)sizeof(size_t), \
     (uint8_t)sizeof(void *), NAME}

/* ------------------------------------------------------------------------ */
/* Basic types                                                              */

typedef enum pb_status {
    PB_OK = 0,
    PB_ERR_UNSUPPORTED = 1, /* op or dtype not implemented by this backend */
    PB_ERR_NOMEM = 2,       /* host or device allocation failed */
    PB_ERR_INVALID = 3,     /* bad argument (sizes, views out of range, NULL) */
    PB_ERR_DEVICE = 4,      /* the device or driver reported an error */
    PB_ERR_UNAVAILABLE = 5  /* backend cannot run on this machine */
} pb_status;

typedef enum pb_dtype { PB_F64 = 0, PB_F32 = 1 } pb_dtype;

typedef enum pb_determinism {
    PB_DET_BITWISE = 0,   /* same inputs, same bits, every run */
    PB_DET_TOLERANCE = 1  /* run-to-run differences within rounding */
} pb_determinism;

typedef enum pb_act_kind {
    PB_ACT_SWISH = 0,     /* g(t) = t * sigmoid(t) */
    PB_ACT_RELU = 1,      /* g(t) = max(0, t) */
    PB_ACT_TANH = 2,      /* g(t) = tanh(t) */
    PB_ACT_SOFTPLUS = 3   /* g(t) = log(1 + exp(t)) */
} pb_act_kind;

/* sigma(t) = c * g(beta * t) / beta. */
typedef struct pb_act {
    pb_act_kind kind;
    double beta;
    double c;
} pb_act;

typedef enum pb_loss_kind {
    PB_LOSS_SOFTHINGE = 0, /* phi(z) = log(1 + exp(beta z)) / beta */
    PB_LOSS_HINGE = 1,     /* phi(z) = max(0, z) */
    PB_LOSS_QHINGE = 2     /* phi(z) = max(0, z)^2 / 2 */
} pb_loss_kind;

/* Per-sample loss l = phi(margin - alpha * y * o) / alpha, where o = f - f0;
 * the loss op returns scale * sum_mu l_mu (scale = 1/P for the mean). */
typedef struct pb_loss {
    pb_loss_kind kind;
    double alpha;
    double margin;
    double beta;   /* soft hinge sharpness; ignored by the others */
    double scale;  /* multiplies both the loss sum and the gradient */
} pb_loss;

/* Scalars the loss op returns to the host.  margins are y * alpha * o.
 * ABI 1.2 put struct_size at the head: the caller sets it (PB_LOSS_STATS_INIT)
 * and the backend writes only what it covers. */
typedef struct pb_loss_stats {
    uint32_t struct_size; /* sizeof(pb_loss_stats) of the caller; >= PB_LOSS_STATS_MIN_SIZE */
    double loss;        /* scale * sum of per-sample losses */
    double min_margin;  /* min over samples of alpha * y * o */
    double max_margin;
    int64_t n_unsat;    /* #{alpha * y * o < margin}: N_Delta */
    int64_t n_err;      /* #{y * o <= 0}: misclassified */
    int64_t n_nan;      /* samples whose output is NaN */
    /* Later minor versions append members here. */
} pb_loss_stats;

/* The size of the first pb_loss_stats with a struct_size (ABI 1.2). */
#define PB_LOSS_STATS_MIN_SIZE (offsetof(pb_loss_stats, n_nan) + sizeof(int64_t))
#define PB_LOSS_STATS_INIT {.struct_size = (uint32_t)sizeof(pb_loss_stats)}

typedef struct pb_feature {
    const char *key;
    const char *value;
} pb_feature;

/* What an instance can do.  ABI 1.2 put struct_size at the head: the caller
 * sets it (PB_CAPS_INIT) and get_caps() writes only what it covers. */
typedef struct pb_caps {
    uint32_t struct_size;      /* sizeof(pb_caps) of the caller; >= PB_CAPS_MIN_SIZE */
    uint32_t dtypes;           /* bit (1u << PB_F64) | (1u << PB_F32) */
    pb_determinism determinism;
    int threads;               /* threads actually in use */
    int max_threads;           /* 0 if the thread count cannot be set */
    const pb_feature *features; /* terminated by {NULL, NULL}; owned by the backend */
    /* Later minor versions append members here. */
} pb_caps;

/* The size of the first pb_caps with a struct_size (ABI 1.2). */
#define PB_CAPS_MIN_SIZE (offsetof(pb_caps, features) + sizeof(const pb_feature *))
#define PB_CAPS_INIT {.struct_size = (uint32_t)sizeof(pb_caps)}

/* Options handed to create().  Zero means "backend default".  The core sets
 * struct_size; a backend reads a member only when PB_SIZE_COVERS says the
 * core's struct holds it (a member appended later is then "default"). */
typedef struct pb_backend_options {
    uint32_t struct_size;  /* sizeof(pb_backend_options) of the core */
    pb_dtype dtype;        /* dtype of the buffers this instance will allocate */
    int threads;           /* 0: backend default */
    const char *device;    /* backend-specific device selector, or NULL */
} pb_backend_options;

typedef struct pb_backend pb_backend; /* one instance, owned by the plugin */
typedef struct pb_buf pb_buf;         /* one device buffer, owned by the plugin */

typedef enum pb_trans { PB_NO_TRANS = 0, PB_TRANS = 1 } pb_trans;

/* ------------------------------------------------------------------------ */
/* The function table.                                                      */

typedef struct pb_backend_vtable {
    uint32_t struct_size;       /* sizeof(pb_backend_vtable) of the plugin */
    const char *name;           /* same as the descriptor's name */
    const char *description;    /* one line for `phasebench backends` */

    /* Cheap check that the backend can run here.  PB_OK or a reason in
     * `reason` (NUL-terminated, truncated to reason_len).  May be called
     * without create(). */
    pb_status (*probe)(char *reason, size_t reason_len);

    /* Instance life cycle.  On failure create() writes a reason in err. */
    pb_status (*create)(const pb_backend_options *opts, pb_backend **out,
                        char *err, size_t err_len);
    /* The destroy contract (every backend, every minor version):
     * destroy() frees the instance AND every buffer of it not yet freed; the
     * handles of those buffers are invalid afterwards (no buf_free after
     * destroy).  So a caller may skip buf_free on teardown, and one that
     * fails half-way through a run destroys the instance alone.  NULL is
     * ignored.  (A plugin of ABI 1.0 or 1.1 may predate this contract, which
     * came during 1.1: for it the core tracks the live buffers and frees
     * them itself.) */
    void (*destroy)(pb_backend *be);
    const char *(*last_error)(const pb_backend *be);
    /* Fills the members of *caps that caps->struct_size covers;
     * PB_ERR_INVALID when caps is NULL or shorter than PB_CAPS_MIN_SIZE. */
    pb_status (*get_caps)(pb_backend *be, pb_caps *caps);

    /* Buffers of n elements of the instance's dtype.  Contents undefined
     * after alloc. */
    pb_status (*buf_alloc)(pb_backend *be, size_t n, pb_buf **out);
    void (*buf_free)(pb_backend *be, pb_buf *buf);
    pb_status (*buf_upload)(pb_backend *be, pb_buf *dst, size_t off,
                            const double *src, size_t n);
    pb_status (*buf_download)(pb_backend *be, const pb_buf *src, size_t off,
                              double *dst, size_t n);
    /* dst[doff + i] = src[soff + i]; regions of one buffer must not overlap */
    pb_status (*copy)(pb_backend *be, pb_buf *dst, size_t doff,
                      const pb_buf *src, size_t soff, size_t n);
    /* x[off + i] = value */
    pb_status (*fill)(pb_backend *be, pb_buf *x, size_t off, size_t n,
                      double value);

    /* C = alpha * op(A) * op(B) + beta * C, row-major; op(A) is m x k,
     * op(B) is k x n, C is m x n.  With beta == 0, C is not read (NaN in C
     * does not propagate). */
    pb_status (*gemm)(pb_backend *be, pb_trans ta, pb_trans tb,
                      size_t m, size_t n, size_t k, double alpha,
                      const pb_buf *a, size_t aoff, size_t lda,
                      const pb_buf *b, size_t boff, size_t ldb, double beta,
                      pb_buf *c, size_t coff, size_t ldc);

    /* y = a * x + b * y (b == 0: y not read) */
    pb_status (*axpby)(pb_backend *be, size_t n, double a, const pb_buf *x,
                       size_t xoff, double b, pb_buf *y, size_t yoff);

    /* out = b * out + a * (x .* y) elementwise (b == 0: out not read) */
    pb_status (*mul)(pb_backend *be, size_t n, double a, const pb_buf *x,
                     size_t xoff, const pb_buf *y, size_t yoff, double b,
                     pb_buf *out, size_t ooff);

    /* out = sigma(z) elementwise, sigma as in pb_act */
    pb_status (*act_forward)(pb_backend *be, const pb_act *act, size_t n,
                             const pb_buf *z, size_t zoff, pb_buf *out,
                             size_t ooff);
    /* dz = dout .* sigma'(z) elementwise (dz may alias dout exactly) */
    pb_status (*act_backward)(pb_backend *be, const pb_act *act, size_t n,
                              const pb_buf *z, size_t zoff, const pb_buf *dout,
                              size_t doff, pb_buf *dz, size_t dzoff);

    /* Loss on n outputs o with labels y (+-1).  Returns the stats (the
     * members stats->struct_size covers; PB_ERR_INVALID when it is shorter
     * than PB_LOSS_STATS_MIN_SIZE); when grad is not NULL also writes
     * grad[i] = scale * dl_i/do_i. */
    pb_status (*loss)(pb_backend *be, const pb_loss *loss, size_t n,
                      const pb_buf *o, size_t ooff, const pb_buf *y,
                      size_t yoff, pb_buf *grad, size_t goff,
                      pb_loss_stats *stats);

    /* Reductions to a host scalar.  Results are accumulated in double and
     * combined in a fixed order (repeatable on the same device). */
    pb_status (*sum)(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                     double *result);
    pb_status (*dot)(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                     const pb_buf *y, size_t yoff, double *result);
    /* sum_i (x_i - y_i)^2 */
    pb_status (*dist2)(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                       const pb_buf *y, size_t yoff, double *result);
    /* max_i |x_i - y_i|; NaN if any difference is NaN */
    pb_status (*max_abs_diff)(pb_backend *be, size_t n, const pb_buf *x,
                              size_t xoff, const pb_buf *y, size_t yoff,
                              double *result);

    /* Block until all submitted work is finished (timers call it).  May be
     * NULL for synchronous backends. */
    pb_status (*sync)(pb_backend *be);

    /* ---- ABI 1.1 ---------------------------------------------------- */

    /* The three scalars of the gradient-flow step control in one call, so a
     * device answers them in one round trip:
     *   out[0] = sum_i g1_i^2            (i < n)
     *   out[1] = sum_i (g_i - g1_i)^2    (i < n)
     *   out[2] = max_j |o_j - o1_j|      (j < m; NaN if any difference is NaN)
     * each exactly as dot, dist2 and max_abs_diff compute it (same bits).
     * Optional: when absent the core calls those three. */
    pb_status (*step_scalars)(pb_backend *be, size_t n, const pb_buf *g, size_t goff,
                              const pb_buf *g1, size_t g1off, size_t m, const pb_buf *o,
                              size_t ooff, const pb_buf *o1, size_t o1off, double out[3]);

    /* Later minor versions append members here. */
} pb_backend_vtable;

/* Whether a struct of `size` bytes (its struct_size) holds `member` of
 * `type`: the test every reader and writer of an ABI struct makes before it
 * touches a member appended by a minor version. */
#define PB_SIZE_COVERS(size, type, member)                                   \
    ((size_t)(size) >= offsetof(type, member) + sizeof(((type *)0)->member))

/* A vtable member is usable when the plugin's table covers it and it is set. */
#define PB_VT_HAS(vt, member)                                                \
    (PB_SIZE_COVERS((vt)->struct_size, pb_backend_vtable, member) && (vt)->member != NULL)

/* Hand a callee's full struct `src` (src_size bytes, struct_size first) to
 * the caller's `dst`, whose struct_size says how long it is: copies the
 * members both cover and leaves dst's struct_size and any members the callee
 * does not know untouched.  The caller has checked dst's minimum size. */
static inline void pb_struct_give(void *dst, const void *src, size_t src_size)
{
    uint32_t dst_size;
    memcpy(&dst_size, dst, sizeof dst_size);
    size_t n = dst_size < src_size ? dst_size : src_size;
    if (n > sizeof dst_size)
        memcpy((char *)dst + sizeof dst_size, (const char *)src + sizeof dst_size,
               n - sizeof dst_size);
}

typedef const pb_backend_vtable *(*pb_backend_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* PHASEBENCH_BACKEND_H */
