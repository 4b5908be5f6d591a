/* compare: verdicts and exit codes on small report folders built here. */
#include "compare.h"
#include "pb_test.h"
#include "tmp_tree.h"

#include <string.h>

static char base[4096], ref[4200], run[4200], tol[4200];
static char err[1024];
static char *out; /* report text of the last compare */
static pb_cmp_summary sum;

static const char *manifest_ref = "key,value\nbackend,ref\ndtype,f64\nbattery,t\n";

static const char *runs_ref =
    "experiment,role,h,alpha,seed_init,loss,test_err,test_err_se,wall_s,host\n"
    "jam,train,8,1,0,0.125,0.25,0.01,1.5,a\n"
    "jam,train,16,1,0,0.0625,0.2,0.01,2.5,a\n"
    "kern,train,8,100,1,1e-3,0.3,0.02,3,a\n";

static const char *claims_ref = "claim,measured,expected,verdict\n"
                                "h_star,11.5,11,pass\n";

/* A table without key columns: joined by row order. */
static const char *curve_ref = "x,y\n1,2\n3,4\n";

static const char *tolerances =
    "table,column,kind,value,backend_class,note\n"
    "runs,experiment,key,,*,\n"
    "runs,role,key,,*,\n"
    "runs,h,key,,*,\n"
    "runs,alpha,key,,*,\n"
    "runs,seed_init,key,,*,\n"
    "runs,wall_s,ignore,,*,timing\n"
    "runs,host,ignore,,*,\n"
    "runs,loss,rel,1e-6,f64,\"placeholder, reviewed later\"\n"
    "runs, test_err ,stat,2,*,blanks around fields are trimmed\n"
    "claims,claim,key,,*,\n"
    "*,measured,abs,0.5,*,\n"
    "claims,measured,abs,0.01,f32,exact table and class wins\n";

/* Reset both folders to identical reports; the tolerance table lives in
 * their parent, where compare finds it by default. */
static void reset(void)
{
    tmp_remove_tree(ref);
    tmp_remove_tree(run);
    mkdir(ref, 0700);
    mkdir(run, 0700);
    const char *d[2] = {ref, run};
    for (int i = 0; i < 2; i++) {
        tmp_write(d[i], "manifest.csv", manifest_ref);
        tmp_write(d[i], "runs.csv", runs_ref);
        tmp_write(d[i], "claims.csv", claims_ref);
        tmp_write(d[i], "curve.csv", curve_ref);
    }
    tmp_write(base, "tolerances.csv", tolerances);
}

/* Run the comparison; returns the exit code the command would give. */
static int compare(const char *tolerance_file, int quiet)
{
    free(out);
    out = NULL;
    FILE *f = tmpfile();
    if (!f)
        return -1;
    pb_cmp_options opt = {.tolerances = tolerance_file, .quiet = quiet, .out = f};
    err[0] = '\0';
    int rc = pb_compare_dirs(run, ref, &opt, &sum, err, sizeof err);
    out = tmp_slurp(f);
    fclose(f);
    if (rc != 0)
        return 2;
    return sum.pass ? 0 : 1;
}

static int has(const char *text, const char *needle)
{
    return text && strstr(text, needle) != NULL;
}

/* The listed line that mentions needle (NULL when none). */
static const char *line_with(const char *needle)
{
    static char line[1024];
    const char *p = out ? strstr(out, needle) : NULL;
    if (!p)
        return NULL;
    const char *start = p;
    while (start > out && start[-1] != '\n')
        start--;
    const char *end = strchr(p, '\n');
    size_t n = end ? (size_t)(end - start) : strlen(start);
    snprintf(line, sizeof line, "%.*s", (int)n, start);
    return line;
}

#define CHECK_OUT(needle) CHECK_MSG(has(out, needle), "'%s' not in:\n%s", needle, out)
#define CHECK_ERR(needle) CHECK_MSG(has(err, needle), "'%s' not in error: %s", needle, err)

static void test_identical(void)
{
    reset();
    CHECK_MSG(compare(NULL, 0) == 0, "%s%s", err, out);
    /* runs: 3 rows x (loss, test_err, test_err_se); claims: 1 x 3; curve 2 x 2 */
    CHECK_OUT("compare: 16 values checked, 0 failed, 0 missing rows, 0 extra rows\nPASS\n");
    CHECK_OUT("nothing moved");
    CHECK_OUT("backend class same");
    CHECK_OUT("curve.csv: the tolerance table names no key columns");
    CHECK(strcmp(sum.backend_class, "same") == 0);

    /* Ignored columns may differ; row order does not matter with keys. */
    tmp_write(run, "runs.csv",
              "experiment,role,h,alpha,seed_init,loss,test_err,test_err_se,wall_s,host\n"
              "kern,train,8,100,1,1e-3,0.3,0.02,99,other\n"
              "jam,train,16,1,0,0.0625,0.2,0.01,2.5,b\n"
              "jam,train,8,1,0,0.125,0.25,0.01,7,c\n");
    CHECK_MSG(compare(NULL, 0) == 0, "%s%s", err, out);

    /* An extra report in the run is only a note. */
    tmp_write(run, "new.csv", "a\n1\n");
    CHECK_MSG(compare(NULL, 0) == 0, "%s%s", err, out);
    CHECK_OUT("note: new.csv is only in the run");

    /* A rule for a table the reference lacks (a misspelt stem) is noted. */
    char text[2048];
    snprintf(text, sizeof text, "%srunz,loss,abs,1,*,typo\n", tolerances);
    tmp_write(NULL, tol, text);
    CHECK_MSG(compare(tol, 0) == 0, "%s%s", err, out);
    CHECK_OUT("tolerances.csv:14: the reference has no runz.csv");
}

static void test_moved(void)
{
    reset();
    /* Same backend and dtype: loss is exact. */
    tmp_write(run, "runs.csv",
              "experiment,role,h,alpha,seed_init,loss,test_err,test_err_se,wall_s,host\n"
              "jam,train,8,1,0,0.12500001,0.25,0.01,1.5,a\n"
              "jam,train,16,1,0,0.0625,0.2,0.01,2.5,a\n"
              "kern,train,8,100,1,1e-3,0.3,0.02,3,a\n");
    CHECK(compare(NULL, 0) == 1);
    const char *l = line_with("0.12500001");
    CHECK_MSG(l && has(l, "runs") && has(l, "experiment=jam role=train h=8 alpha=1 seed_init=0") &&
                  has(l, "loss") && has(l, "exact") && has(l, "FAIL"),
              "line: %s\n%s", l ? l : "(none)", out);
    CHECK_OUT("1 failed");
    CHECK_OUT("\nFAIL\n");

    /* Another backend in f64: rel 1e-6 holds, listed as ok unless quiet. */
    tmp_write(run, "manifest.csv", "key,value\nbackend,blas\ndtype,f64\n");
    CHECK_MSG(compare(NULL, 0) == 0, "%s%s", err, out);
    CHECK(strcmp(sum.backend_class, "f64") == 0);
    CHECK_OUT("backend class f64");
    l = line_with("0.12500001");
    CHECK_MSG(l && has(l, "rel 1e-06") && has(l, " ok"), "line: %s", l ? l : "(none)");
    CHECK(compare(NULL, 1) == 0);
    CHECK(!has(out, "0.12500001"));

    /* Beyond the relative tolerance. */
    tmp_write(run, "runs.csv",
              "experiment,role,h,alpha,seed_init,loss,test_err,test_err_se,wall_s,host\n"
              "jam,train,8,1,0,0.126,0.25,0.01,1.5,a\n"
              "jam,train,16,1,0,0.0625,0.2,0.01,2.5,a\n"
              "kern,train,8,100,1,1e-3,0.3,0.02,3,a\n");
    CHECK(compare(NULL, 1) == 1);
    l = line_with("0.126");
    CHECK_MSG(l && has(l, "loss") && has(l, "FAIL"), "line: %s", l ? l : "(none)");

    /* Run in f32 (different dtype): class f32, where loss has no rule. */
    tmp_write(run, "manifest.csv", "key,value\nbackend,ref\ndtype,f32\n");
    tmp_write(run, "runs.csv",
              "experiment,role,h,alpha,seed_init,loss,test_err,test_err_se,wall_s,host\n"
              "jam,train,8,1,0,0.12500001,0.25,0.01,1.5,a\n"
              "jam,train,16,1,0,0.0625,0.2,0.01,2.5,a\n"
              "kern,train,8,100,1,1e-3,0.3,0.02,3,a\n");
    CHECK(compare(NULL, 0) == 1);
    CHECK(strcmp(sum.backend_class, "f32") == 0);

    /* Precedence: claims,measured abs 0.5 for every class, but 0.01 in f32. */
    reset();
    tmp_write(run, "claims.csv", "claim,measured,expected,verdict\nh_star,11.6,11,pass\n");
    CHECK_MSG(compare(NULL, 0) == 0, "%s", out);
    CHECK_OUT("abs 0.5");
    tmp_write(run, "manifest.csv", "key,value\nbackend,ref\ndtype,f32\n");
    CHECK(compare(NULL, 0) == 1);
    CHECK_OUT("abs 0.01");

    /* Unknown run dtype when backends differ: an input error. */
    tmp_write(run, "manifest.csv", "key,value\nbackend,gpu\ndtype,f16\n");
    CHECK(compare(NULL, 0) == 2);
    CHECK_ERR("dtype 'f16'");
}

static void test_nan(void)
{
    reset();
    tmp_write(run, "manifest.csv", "key,value\nbackend,blas\ndtype,f64\n");
    tmp_write(run, "runs.csv",
              "experiment,role,h,alpha,seed_init,loss,test_err,test_err_se,wall_s,host\n"
              "jam,train,8,1,0,nan,0.25,0.01,1.5,a\n"
              "jam,train,16,1,0,0.0625,0.2,0.01,2.5,a\n"
              "kern,train,8,100,1,1e-3,0.3,0.02,3,a\n");
    CHECK(compare(NULL, 1) == 1);
    const char *l = line_with("FAIL");
    CHECK_MSG(l && has(l, "loss") && has(l, "FAIL"), "line: %s", l ? l : "(none)");

    /* NaN against NaN holds, whatever the spelling. */
    tmp_write(ref, "runs.csv",
              "experiment,role,h,alpha,seed_init,loss,test_err,test_err_se,wall_s,host\n"
              "jam,train,8,1,0,NaN,0.25,0.01,1.5,a\n"
              "jam,train,16,1,0,0.0625,0.2,0.01,2.5,a\n"
              "kern,train,8,100,1,1e-3,0.3,0.02,3,a\n");
    CHECK_MSG(compare(NULL, 0) == 0, "%s", out);

    /* A number against text under a numeric rule is compared as text. */
    tmp_write(run, "runs.csv",
              "experiment,role,h,alpha,seed_init,loss,test_err,test_err_se,wall_s,host\n"
              "jam,train,8,1,0,,0.25,0.01,1.5,a\n"
              "jam,train,16,1,0,0.0625,0.2,0.01,2.5,a\n"
              "kern,train,8,100,1,1e-3,0.3,0.02,3,a\n");
    CHECK(compare(NULL, 0) == 1);
}

static void test_stat(void)
{
    reset();
    /* |0.27 - 0.25| = 0.02 <= 2 * sqrt(0.01^2 + 0.01^2) = 0.0283 */
    tmp_write(run, "runs.csv",
              "experiment,role,h,alpha,seed_init,loss,test_err,test_err_se,wall_s,host\n"
              "jam,train,8,1,0,0.125,0.27,0.01,1.5,a\n"
              "jam,train,16,1,0,0.0625,0.2,0.01,2.5,a\n"
              "kern,train,8,100,1,1e-3,0.3,0.02,3,a\n");
    CHECK_MSG(compare(NULL, 0) == 0, "%s%s", err, out);
    const char *l = line_with("0.27");
    CHECK_MSG(l && has(l, "stat 2") && has(l, " ok"), "line: %s", l ? l : "(none)");

    /* 0.03 > 0.0283 */
    tmp_write(run, "runs.csv",
              "experiment,role,h,alpha,seed_init,loss,test_err,test_err_se,wall_s,host\n"
              "jam,train,8,1,0,0.125,0.28,0.01,1.5,a\n"
              "jam,train,16,1,0,0.0625,0.2,0.01,2.5,a\n"
              "kern,train,8,100,1,1e-3,0.3,0.02,3,a\n");
    CHECK(compare(NULL, 0) == 1);
    l = line_with("0.28");
    CHECK_MSG(l && has(l, "test_err") && has(l, "FAIL"), "line: %s", l ? l : "(none)");

    /* A stat rule without its _se column is an input error naming it. */
    tmp_write(run, "runs.csv",
              "experiment,role,h,alpha,seed_init,loss,test_err,wall_s,host\n"
              "jam,train,8,1,0,0.125,0.25,1.5,a\n"
              "jam,train,16,1,0,0.0625,0.2,2.5,a\n"
              "kern,train,8,100,1,1e-3,0.3,3,a\n");
    CHECK(compare(NULL, 0) == 2);
    CHECK_ERR("test_err_se");
    CHECK_ERR("run/runs.csv");
}

static void test_missing_and_extra(void)
{
    reset();
    char path[4300];
    snprintf(path, sizeof path, "%s/claims.csv", run);
    remove(path);
    CHECK(compare(NULL, 0) == 1);
    const char *l = line_with("claims.csv");
    CHECK_MSG(l && has(l, "MISSING"), "line: %s\n%s", l ? l : "(none)", out);
    CHECK_OUT("1 missing rows");

    reset();
    tmp_write(run, "runs.csv",
              "experiment,role,h,alpha,seed_init,loss,test_err,test_err_se,wall_s,host\n"
              "jam,train,8,1,0,0.125,0.25,0.01,1.5,a\n"
              "jam,train,16,1,0,0.0625,0.2,0.01,2.5,a\n"
              "jam,train,32,1,0,0.03,0.2,0.01,2.5,a\n");
    CHECK(compare(NULL, 1) == 1);
    l = line_with("MISSING");
    CHECK_MSG(l && has(l, "experiment=kern role=train h=8 alpha=100 seed_init=1"),
              "line: %s", l ? l : "(none)");
    l = line_with("EXTRA");
    CHECK_MSG(l && has(l, "h=32"), "line: %s", l ? l : "(none)");
    CHECK_OUT("1 missing rows, 1 extra rows");

    /* Rows joined by order: a missing last row. */
    reset();
    tmp_write(run, "curve.csv", "x,y\n1,2\n");
    CHECK(compare(NULL, 0) == 1);
    l = line_with("MISSING");
    CHECK_MSG(l && has(l, "curve") && has(l, "row 2"), "line: %s", l ? l : "(none)");

    /* A compared column gone from the run fails; an ignored one does not. */
    reset();
    tmp_write(run, "runs.csv",
              "experiment,role,h,alpha,seed_init,test_err,test_err_se\n"
              "jam,train,8,1,0,0.25,0.01\n"
              "jam,train,16,1,0,0.2,0.01\n"
              "kern,train,8,100,1,0.3,0.02\n");
    CHECK(compare(NULL, 0) == 1);
    l = line_with("(missing)");
    CHECK_MSG(l && has(l, "loss"), "line: %s", l ? l : "(none)");
    CHECK_OUT("3 failed");
    CHECK(!has(out, "wall_s"));
}

static void test_input_errors(void)
{
    reset();
    /* key duplicated within one file */
    tmp_write(run, "runs.csv",
              "experiment,role,h,alpha,seed_init,loss,test_err,test_err_se,wall_s,host\n"
              "jam,train,8,1,0,0.125,0.25,0.01,1.5,a\n"
              "jam,train,16,1,0,0.0625,0.2,0.01,2.5,a\n"
              "jam,train,8,1,0,0.125,0.25,0.01,1.5,a\n");
    CHECK(compare(NULL, 0) == 2);
    CHECK_ERR("runs.csv:4: duplicate key");
    CHECK_ERR("line 2");

    /* missing manifest */
    reset();
    char path[4300];
    snprintf(path, sizeof path, "%s/manifest.csv", ref);
    remove(path);
    CHECK(compare(NULL, 0) == 2);
    CHECK_ERR("manifest.csv");

    /* manifest without dtype */
    reset();
    tmp_write(run, "manifest.csv", "key,value\nbackend,ref\n");
    CHECK(compare(NULL, 0) == 2);
    CHECK_ERR("no 'dtype' row");

    /* no tolerance table anywhere */
    reset();
    snprintf(path, sizeof path, "%s/tolerances.csv", base);
    remove(path);
    CHECK(compare(NULL, 0) == 2);
    CHECK_ERR("no tolerance table");
}

static void test_bad_tolerances(void)
{
    static const struct {
        const char *line3;
        const char *want;
    } cases[] = {
        {"runs,loss,fuzzy,1,*,", "kind 'fuzzy'"},
        {"runs,loss,abs,-1,*,", "expected a finite number >= 0"},
        {"runs,loss,rel,,*,", "expected a finite number >= 0"},
        {"runs,loss,exact,3,*,", "takes no value"},
        {"runs,loss,abs,1,f16,", "backend_class 'f16'"},
        {"runs.csv,loss,abs,1,*,", "file stem"},
        {"runs,h,key,,*,", "second rule for table runs, column h, class *"},
        {"runs,loss,abs,1,*,\"unterminated", "unterminated"},
        {"runs,loss,abs,1,*", "expected 6 fields"},
    };
    reset();
    char file[4300];
    snprintf(file, sizeof file, "%s/tol.csv", base);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "table,column,kind,value,backend_class,note\n"
                 "runs,h,key,,*,\n%s\n", cases[i].line3);
        tmp_write(NULL, file, text);
        CHECK_MSG(compare(file, 0) == 2, "case %zu passed", i);
        CHECK_MSG(has(err, "tol.csv:3:") && has(err, cases[i].want),
                  "case %zu: error: %s", i, err);
    }
    tmp_write(NULL, file, "table,column,kind,value,class,note\n");
    CHECK(compare(file, 0) == 2);
    CHECK_ERR("unknown column 'class'");

    /* a key column the table does not have */
    tmp_write(NULL, file, "table,column,kind,value,backend_class,note\n"
                          "runs,h,key,,*,\nruns,width,key,,*,\n");
    CHECK(compare(file, 0) == 2);
    CHECK_ERR("tol.csv:3: key column 'width'");

    /* the command turns those into exit status 2 */
    tmp_write(NULL, file, "table,column,kind,value,backend_class,note\n"
                          "runs,h,key,,*,\nruns,loss,fuzzy,1,*,\n");
    char *argv[] = {"phasebench", "compare", run, ref, "--tolerances", file, "--quiet", NULL};
    CHECK(pb_cmd_compare(7, argv) == 2);
}

static void test_command(void)
{
    reset();
    char *ok_argv[] = {"phasebench", "compare", run, ref, NULL};
    CHECK(pb_cmd_compare(4, ok_argv) == 0);
    tmp_write(run, "claims.csv", "claim,measured,expected,verdict\nh_star,11.5,11,fail\n");
    CHECK(pb_cmd_compare(4, ok_argv) == 1);
    char csv[4300];
    snprintf(csv, sizeof csv, "%s/moved.csv", base);
    char *csv_argv[] = {"phasebench", "compare", run, ref, "--csv", csv, NULL};
    CHECK(pb_cmd_compare(6, csv_argv) == 1);
    FILE *f = fopen(csv, "rb");
    CHECK(f != NULL);
    if (f) {
        char text[1024] = "";
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
        CHECK_MSG(has(text, "table,key,column,ref,run,abs_diff,tolerance,verdict\n"
                            "claims,claim=h_star,verdict,pass,fail,-,exact,FAIL\n"),
                  "%s", text);
    }

    char *help[] = {"phasebench", "compare", "--help", NULL};
    CHECK(pb_cmd_compare(3, help) == 0);
    char *none[] = {"phasebench", "compare", NULL};
    CHECK(pb_cmd_compare(2, none) == 2);
    char *one[] = {"phasebench", "compare", run, NULL};
    CHECK(pb_cmd_compare(3, one) == 2);
    char *three[] = {"phasebench", "compare", run, ref, ref, NULL};
    CHECK(pb_cmd_compare(5, three) == 2);
    char *quiet_eq[] = {"phasebench", "compare", "-q", run, ref, NULL};
    CHECK(pb_cmd_compare(5, quiet_eq) == 1);
    char *bad[] = {"phasebench", "compare", run, ref, "--frobnicate", NULL};
    CHECK(pb_cmd_compare(5, bad) == 2);
    char *dangling[] = {"phasebench", "compare", run, ref, "--tolerances", NULL};
    CHECK(pb_cmd_compare(5, dangling) == 2);
    char nowhere[4300];
    snprintf(nowhere, sizeof nowhere, "%s/does-not-exist", base);
    char *missing_dir[] = {"phasebench", "compare", nowhere, ref, NULL};
    CHECK(pb_cmd_compare(4, missing_dir) == 2);
}

/* What decides the bits (issue: portable references): a backend whose bits
 * depend on the platform is compared with its dtype's tolerances when the
 * platform differs, a portable one exactly; other data are named first. */
static void test_platform_and_data(void)
{
    reset();
    const char *blas_ref = "key,value\nbackend,blas\ndtype,f64\nthreads,1\n"
                           "bits_depend_on,\"openblas_core,threads,simd\"\n"
                           "features,impl=x;openblas_core=Haswell;simd=avx2\n"
                           "data_fingerprint,aaaa\ndata_splits,1\n";
    tmp_write(ref, "manifest.csv", blas_ref);
    tmp_write(run, "manifest.csv", blas_ref);
    CHECK_MSG(compare(NULL, 0) == 0, "%s%s", err, out);
    CHECK(strcmp(sum.backend_class, "same") == 0);
    CHECK(!sum.data_differ && !has(out, "data differ"));

    /* Another OpenBLAS kernel: class f64, and the reason is printed. */
    tmp_write(run, "manifest.csv",
              "key,value\nbackend,blas\ndtype,f64\nthreads,1\n"
              "bits_depend_on,\"openblas_core,threads,simd\"\n"
              "features,impl=x;openblas_core=SkylakeX;simd=avx2\n"
              "data_fingerprint,aaaa\ndata_splits,1\n");
    CHECK_MSG(compare(NULL, 0) == 0, "%s%s", err, out);
    CHECK(strcmp(sum.backend_class, "f64") == 0);
    CHECK_OUT("openblas_core (reference Haswell, run SkylakeX)");
    CHECK_OUT("class f64 instead of same");

    /* A portable backend stays exact whatever the platform. */
    tmp_write(ref, "manifest.csv", "key,value\nbackend,ref\ndtype,f64\nbits_depend_on,none\n"
                                   "openblas_core,Haswell\ndata_fingerprint,aaaa\n");
    tmp_write(run, "manifest.csv", "key,value\nbackend,ref\ndtype,f64\nbits_depend_on,none\n"
                                   "openblas_core,Prescott\ndata_fingerprint,aaaa\n");
    CHECK_MSG(compare(NULL, 0) == 0, "%s%s", err, out);
    CHECK(strcmp(sum.backend_class, "same") == 0);

    /* Other data: one plain line before anything else. */
    tmp_write(run, "manifest.csv", "key,value\nbackend,ref\ndtype,f64\nbits_depend_on,none\n"
                                   "data_fingerprint,bbbb\ndata_splits,2\n");
    compare(NULL, 0);
    CHECK(sum.data_differ);
    CHECK_MSG(out && strncmp(out, "data differ: ", 13) == 0, "first line: %s", out);
    reset();
}

int main(void)
{
    if (tmp_make_dir(base, sizeof base, "pb_compare_") != 0) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(ref, sizeof ref, "%s/ref", base);
    snprintf(run, sizeof run, "%s/run", base);
    snprintf(tol, sizeof tol, "%s/tolerances.csv", base);
    test_identical();
    test_moved();
    test_nan();
    test_stat();
    test_missing_and_extra();
    test_input_errors();
    test_bad_tolerances();
    test_command();
    test_platform_and_data();
    free(out);
    tmp_remove_tree(base);
    return pb_test_done("test_compare");
}
