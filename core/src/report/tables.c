/* The column declarations of every table the core writes (tables.h).  Each
 * entry: name (the CSV header field), type, unit and meaning, text-table
 * format, width (negative: left-aligned; 0: as wide as needed) and label.
 * The order here is the order in the file. */
#include "tables.h"

#define S PB_COL_STR
#define I PB_COL_INT
#define D PB_COL_DBL
#define NO PB_TEXT_NONE, 0, NULL

/* ------------------------------------------------------------ runs.csv */

static const pb_column runs_lead[] = {
    {"experiment", S, "experiment plugin that asked for the run", NO},
    {"role", S, "what the run is for in its experiment (scan, bisect, ...)", NO},
};
const pb_columns pb_cols_runs_lead = PB_COLUMNS("runs.csv", runs_lead, NULL);

static const pb_column train_head[] = {
    {"schema_version", I, "version of the runs.csv layout (PB_SCHEMA_VERSION)", NO},
    {"backend", S, "backend plugin name", NO},
    {"dtype", S, "f64 or f32", NO},
    {"threads", I, "backend threads", NO},
};
const pb_columns pb_cols_train_head = PB_COLUMNS("runs.csv", train_head, NULL);

static const pb_column train_result[] = {
    {"N", I, "number of parameters of the net", NO},
    {"stop_reason", S, "why the flow stopped (converged, max_steps, ...) or error", NO},
    {"wall_s", D, "s, wall time of the run (not deterministic)", NO},
    {"steps", I, "accepted flow steps", NO},
    {"grad_evals", I, "gradient evaluations", NO},
    {"rejected", I, "rejected steps", NO},
    {"t", D, "flow time reached", NO},
    {"dt", D, "last step size", NO},
    {"train_loss", D, "final training loss", NO},
    {"train_aloss", D, "final training loss times alpha", NO},
    {"train_err", D, "final training error, fraction", NO},
    {"train_nd", I, "N_Delta: training margins below loss_margin (empty after NaN)", NO},
    {"train_nd_frac_N", D, "N_Delta / N", NO},
    {"train_nd_tol", I, "N_Delta within margin_tol", NO},
    {"train_min_margin", D, "smallest training margin", NO},
    {"train_median_margin", D, "median training margin", NO},
    {"train_max_margin", D, "largest training margin", NO},
    {"test_err", D, "test error, fraction (empty without a test set)", NO},
    {"test_loss", D, "test loss", NO},
    {"test_nd", I, "test margins below loss_margin", NO},
    {"w_norm", D, "|w| at the end", NO},
    {"dw_norm", D, "|w - w0|", NO},
    {"dw_rel", D, "|w - w0| / |w0|", NO},
    {"out_norm", D, "rms of the test outputs f - f0", NO},
    {"ntk_r", D, "relative change of the NTK on the kernel set (empty when not computed)", NO},
    {"half_step", I, "step of the half-budget mark (jamming stationarity)", NO},
    {"half_train_loss", D, "training loss at the mark", NO},
    {"half_train_nd", I, "N_Delta at the mark", NO},
    {"error", S, "why the run failed, empty when it did not", NO},
    {"features", S, "backend features, key=value;key=value", NO},
    {"build_commit", S, "commit of the phasebench build", NO},
};
const pb_columns pb_cols_train_result = PB_COLUMNS("runs.csv", train_result, NULL);

/* ---------------------------------------------------- claims, manifest */

static const pb_column claims[] = {
    {"claim", S, "claim name[unit]", NO},
    {"experiment", S, "experiment plugin that judged it", NO},
    {"measured", D, "measured value (empty when nothing was measured)", NO},
    {"expected", S, "what the paper says", NO},
    {"tolerance", S, "the tolerance and its reason", NO},
    {"verdict", S, "pass, fail or not-judged", NO},
    {"detail", S, "the numbers behind the verdict", NO},
};
const pb_columns pb_cols_claims = PB_COLUMNS("claims.csv", claims, NULL);

static const pb_column manifest[] = {
    {"key", S, "what is recorded (battery, backend, host, ...)", NO},
    {"value", S, "its value, as text", NO},
};
const pb_columns pb_cols_manifest = PB_COLUMNS("manifest.csv", manifest, NULL);

/* ------------------------------------------------------------ dynamics */

static const pb_column dyn_head[] = {
    {"step", I, "accepted steps so far", NO},
    {"t", D, "flow time", NO},
    {"dt", D, "step size", NO},
    {"dout", D, "output change of the last step over its limit (flow.h)", NO},
    {"dgrad", D, "gradient change of the last step over its limit (flow.h)", NO},
    {"grad_evals", I, "gradient evaluations so far", NO},
    {"wall_s", D, "s, wall time so far (not deterministic)", NO},
    {"grad_norm", D, "|grad L|", NO},
    {"w_norm", D, "|w|", NO},
    {"dw_norm", D, "|w - w0|", NO},
};
const pb_columns pb_cols_dyn_head = PB_COLUMNS("dynamics CSV", dyn_head, NULL);

#define DWL(l) {"dw_norm_" #l, D, "|w - w0| of weight layer " #l, NO}
static const pb_column dyn_layers[] = {
    DWL(0), DWL(1), DWL(2),  DWL(3),  DWL(4),  DWL(5),  DWL(6),  DWL(7), DWL(8),
    DWL(9), DWL(10), DWL(11), DWL(12), DWL(13), DWL(14), DWL(15), DWL(16),
};
#undef DWL
const pb_columns pb_cols_dyn_layers = PB_COLUMNS("dynamics CSV", dyn_layers, NULL);

static const pb_column dyn_tail[] = {
    {"train_loss", D, "training loss", NO},
    {"train_aloss", D, "training loss times alpha", NO},
    {"train_err", D, "training error, fraction", NO},
    {"train_nd", I, "N_Delta", NO},
    {"train_min_margin", D, "smallest training margin", NO},
    {"train_max_margin", D, "largest training margin", NO},
    {"test_loss", D, "test loss (empty without a test set)", NO},
    {"test_err", D, "test error, fraction", NO},
    {"test_nd", I, "test margins below loss_margin", NO},
    {"test_min_margin", D, "smallest test margin", NO},
    {"final", I, "1 on the last checkpoint", NO},
};
const pb_columns pb_cols_dyn_tail = PB_COLUMNS("dynamics CSV", dyn_tail, NULL);

/* --------------------------------------------------------------- bench */

static const pb_column bench[] = {
    {"schema_version", I, "version of the bench CSV layout (PB_BENCH_SCHEMA_VERSION)", NO},
    {"backend", S, "backend plugin (openblas: the largest GEMM of the step alone)", PB_TEXT_PLAIN,
     -10, NULL},
    {"dtype", S, "f64 or f32", PB_TEXT_PLAIN, -5, NULL},
    {"threads", I, "threads asked for", PB_TEXT_PLAIN, 3, "thr"},
    {"P", I, "training points", PB_TEXT_PLAIN, 7, NULL},
    {"d", I, "input dimension", PB_TEXT_PLAIN, 5, NULL},
    {"h", I, "width", PB_TEXT_PLAIN, 6, NULL},
    {"L", I, "hidden layers", PB_TEXT_PLAIN, 3, NULL},
    {"what", S, "step, ntk or gemm", PB_TEXT_PLAIN, -5, NULL},
    {"median_s", D, "s, median time of one repetition", PB_TEXT_SECONDS, 12, "median"},
    {"min_s", D, "s, fastest repetition", NO},
    {"stddev_s", D, "s, standard deviation", NO},
    {"cv", D, "stddev / median", PB_TEXT_PCT1, 7, NULL},
    {"reps", I, "timed repetitions", NO},
    {"flops", D, "floating-point operations of one repetition", NO},
    {"gflops", D, "GFLOP/s at the median", PB_TEXT_FIX2, 9, "GFLOP/s"},
    {"roofline_gflops", D, "GFLOP/s of OpenBLAS on the same GEMMs", PB_TEXT_FIX2, 9, "roof GF/s"},
    {"roofline_ratio", D, "median / roofline median (1: as fast as OpenBLAS)", PB_TEXT_FIX2, 7,
     "ratio"},
    {"mean_s", D, "s, mean", NO},
    {"max_s", D, "s, slowest repetition", NO},
    {"warmup", I, "untimed repetitions first", NO},
    {"points", I, "points the measured step or NTK runs on", NO},
    {"gemm_calls", I, "GEMM calls of one repetition", NO},
    {"gemm_shape", S, "the largest GEMM of the step: transposes, m, n, k", NO},
    {"roofline_median_s", D, "s, median of the roofline", NO},
    {"roofline_cv", D, "cv of the roofline", NO},
    {"backend_threads", I, "threads the backend reports", NO},
    {"seed", S, "seed of the inputs", NO},
    {"features", S, "backend features, key=value;key=value", NO},
    {"build_commit", S, "commit of the phasebench build", NO},
    {"build_type", S, "CMake build type", NO},
    {"cpu", S, "CPU model", NO},
    {"load_avg", D, "1-minute load average of the machine at the measurement", NO},
    {"timestamp", S, "UTC time of the row", NO},
    {"samples_s", S, "s, every timed repetition, ';' separated", NO},
    {"error", S, "why the measurement failed, empty when it did not", PB_TEXT_TAIL, 0,
     "  FAILED: "},
};
const pb_columns pb_cols_bench = PB_COLUMNS("bench CSV", bench, NULL);

/* --------------------------------------------------------------- check */

static const pb_column opcheck[] = {
    {"schema_version", I, "version of the op check CSV layout (PB_OPCHECK_SCHEMA_VERSION)", NO},
    {"backend", S, "backend checked (dut)", NO},
    {"dtype", S, "dtype checked", PB_TEXT_PLAIN, -5, NULL},
    {"seed", S, "seed of the inputs", NO},
    {"op", S, "backend op", PB_TEXT_PLAIN, -13, NULL},
    {"case", S, "shapes and options of the case", PB_TEXT_PLAIN, -52, NULL},
    {"status", S, "pass, FAIL or unsupported", PB_TEXT_PLAIN, -11, NULL},
    {"nmse", D, "normalised mean squared error against ref f64 (nan: not measured)",
     PB_TEXT_SCI2, -9, NULL},
    {"max_abs", D, "largest absolute difference", PB_TEXT_SCI2, -9, NULL},
    {"nmse_tol", D, "tolerance on nmse for the op and dtype", PB_TEXT_SCI2, -9, NULL},
    {"detail", S, "why it failed or is unsupported", NO},
};
const pb_columns pb_cols_opcheck = PB_COLUMNS("op check CSV", opcheck, NULL);

static const pb_column trajcheck[] = {
    {"schema_version", I, "version of the trajectory CSV layout", NO},
    {"backend", S, "backend checked (dut)", NO},
    {"dtype", S, "dtype checked", NO},
    {"seed", S, "seed of the net and data", NO},
    {"step", I, "flow step", NO},
    {"nmse", D, "nmse of the outputs against ref f64", NO},
    {"nmse_tol", D, "tolerance at this step", NO},
    {"t_ref", D, "flow time, ref", NO},
    {"t_dut", D, "flow time, dut", NO},
    {"dt_ref", D, "step size, ref", NO},
    {"dt_dut", D, "step size, dut", NO},
    {"rejected_ref", I, "rejected steps so far, ref", NO},
    {"rejected_dut", I, "rejected steps so far, dut", NO},
    {"status", S, "pass, FAIL or diverged-path", NO},
};
const pb_columns pb_cols_trajcheck = PB_COLUMNS("trajectory CSV", trajcheck, NULL);

/* --------------------------------------------- backends, experiments */

static const pb_column backends[] = {
    {"schema_version", I, "version of this listing", NO},
    {"name", S, "plugin name", PB_TEXT_PLAIN, -8, NULL},
    {"state", S, "available, refused, unavailable, ...", PB_TEXT_PLAIN, -12, NULL},
    {"abi", S, "ABI major.minor the plugin was built for", PB_TEXT_PLAIN, -5, NULL},
    {"dtypes", S, "dtypes it runs", PB_TEXT_PLAIN, -8, NULL},
    {"determinism", S, "bitwise or tolerance", PB_TEXT_PLAIN, -10, NULL},
    {"threads", I, "threads of an instance", NO},
    {"path", S, "the shared object", PB_TEXT_PLAIN, 0, "details"},
    {"reason", S, "why it was refused or is unavailable", NO},
    {"features", S, "key=value;key=value", NO},
};
const pb_columns pb_cols_backends = PB_COLUMNS("backends CSV", backends, NULL);

static const pb_column experiments[] = {
    {"schema_version", I, "version of this listing", NO},
    {"name", S, "plugin name", PB_TEXT_PLAIN, -12, NULL},
    {"state", S, "available or refused", PB_TEXT_PLAIN, -12, NULL},
    {"abi", S, "ABI major.minor the plugin was built for", PB_TEXT_PLAIN, -5, NULL},
    {"path", S, "the shared object", PB_TEXT_PLAIN, 0, NULL},
    {"sha256", S, "SHA-256 of the shared object", NO},
    {"reason", S, "why it was refused", NO},
};
const pb_columns pb_cols_experiments = PB_COLUMNS("experiments CSV", experiments, NULL);

/* ------------------------------------------------------------- compare */

static const pb_column compare[] = {
    {"table", S, "report table (runs, claims, jamming, ...)", PB_TEXT_PLAIN, 0, NULL},
    {"key", S, "the row, by its key columns", PB_TEXT_PLAIN, 0, NULL},
    {"column", S, "the column compared", PB_TEXT_PLAIN, 0, NULL},
    {"ref", S, "value in the reference", PB_TEXT_PLAIN, 0, NULL},
    {"run", S, "value in the run", PB_TEXT_PLAIN, 0, NULL},
    {"abs_diff", S, "|run - ref|", PB_TEXT_PLAIN, 0, "|diff|"},
    {"tolerance", S, "the rule that judged it", PB_TEXT_PLAIN, 0, NULL},
    {"verdict", S, "ok (moved within the tolerance) or FAIL", PB_TEXT_PLAIN, 0, NULL},
};
const pb_columns pb_cols_compare = PB_COLUMNS("compare differences", compare, "  ");

const pb_columns *const pb_declared_tables[] = {
    &pb_cols_runs_lead, &pb_cols_train_head, &pb_cols_train_result, &pb_cols_claims,
    &pb_cols_manifest,  &pb_cols_dyn_head,   &pb_cols_dyn_layers,   &pb_cols_dyn_tail,
    &pb_cols_bench,     &pb_cols_opcheck,    &pb_cols_trajcheck,    &pb_cols_backends,
    &pb_cols_experiments, &pb_cols_compare,  NULL,
};
