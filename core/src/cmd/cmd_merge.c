/* `phasebench merge OUT SHARD_DIR...`: joins the folders of
 * `phasebench run --shard K/N` into the run folder a single process would
 * have written. */
#include "commands.h"

#include "battery_run.h"
#include "cli_args.h"
#include "run_manifest.h"
#include "session.h"
#include "strutil.h"
#include "sysutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const pb_cmd_help merge_help = {
    "merge",
    "usage: phasebench merge OUT SHARD_DIR... [FLAGS]\n\n"
    "Joins the run folders of `phasebench run BATTERY --shard K/N` (K = 1..N,\n"
    "each complete) into OUT, with the reports a single `phasebench run` would\n"
    "have written: the same bytes but the wall-time column.  The shards must\n"
    "come from the same battery file, build, backend, dtype, threads and scale\n"
    "(and data, when both manifests carry data_fingerprint); a shard that\n"
    "differs, is missing, repeated or unfinished is refused by name.  Exit 0\n"
    "when the report was written (claims may fail), 1 when an experiment\n"
    "failed, 2 on bad input.\n\n",
    NULL};

/* Manifest keys that must agree between shards, and what a difference means. */
static const char *const same_keys[] = {"battery_hash", "phasebench_version", "build_commit",
                                        "backend", "dtype", "threads", "scale", "units_planned"};

static int copy_file(const char *from, const char *to, char *err, size_t err_len)
{
    char *buf;
    size_t len;
    if (pb_read_file(from, &buf, &len, err, err_len) != 0)
        return -1;
    pb_outfile o = {0};
    FILE *f = pb_atomic_open(&o, to, err, err_len);
    if (!f) {
        free(buf);
        return -1;
    }
    fwrite(buf, 1, len, f);
    free(buf);
    /* pb_atomic_close checks the stream, syncs and renames into place. */
    return pb_atomic_close(&o, err, err_len);
}

/* Copies every unit file of shard dir into out/units. */
static int copy_units(const char *dir, const char *out, size_t *n, char *err, size_t err_len)
{
    char from_dir[1100];
    snprintf(from_dir, sizeof from_dir, "%s/units", dir);
    DIR *d = opendir(from_dir);
    if (!d) {
        snprintf(err, err_len, "shard %s: cannot read %s: %s", dir, from_dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".unit") != 0)
            continue;
        char from[2400], to[2400];
        snprintf(from, sizeof from, "%s/%s", from_dir, e->d_name);
        snprintf(to, sizeof to, "%s/units/%s", out, e->d_name);
        rc = copy_file(from, to, err, err_len);
        (*n)++;
    }
    closedir(d);
    return rc;
}

int pb_cmd_merge(int argc, char **argv)
{
    int quiet = 0;
    pb_opt opts[] = {
        {"quiet", PB_OPT_FLAG, &quiet, 0, 0, 0, NULL, "no progress lines", 0},
    };
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char *pos[1025];
    size_t npos;
    int prc = pb_cmd_parse(&merge_help, opts, n_opts, argc, argv, pos, 1025, &npos);
    if (prc >= 0)
        return prc;
    if (npos < 2) {
        fprintf(stderr, "phasebench merge: needs OUT and at least one SHARD_DIR\n");
        return 2;
    }
    const char *out = pos[0];
    size_t n_sh = npos - 1;
    const char **dirs = pos + 1;
    pb_manifest *m = calloc(n_sh, sizeof *m);
    int *seen = NULL;
    int rc = 2, shard_n = 0;
    char err[2048], msg[1024];
    if (!m) {
        fprintf(stderr, "phasebench merge: out of memory\n");
        return 2;
    }
    size_t n_read = 0;
    for (; n_read < n_sh; n_read++) {
        if (pb_manifest_read(dirs[n_read], &m[n_read], err, sizeof err) != 0) {
            fprintf(stderr, "phasebench merge: shard %s: %s\n", dirs[n_read], err);
            goto done;
        }
    }
    for (size_t i = 0; i < n_sh; i++) {
        const char *shard = pb_manifest_get(&m[i], "shard");
        const char *status = pb_manifest_get(&m[i], "status");
        int k, n;
        if (!shard || sscanf(shard, "%d/%d", &k, &n) != 2 || k < 1 || k > n) {
            fprintf(stderr, "phasebench merge: %s is not a shard folder (no shard K/N in its "
                    "manifest)\n", dirs[i]);
            goto done;
        }
        if (!status || strcmp(status, "complete") != 0) {
            if (pb_run_dir_incomplete(dirs[i], msg, sizeof msg, NULL))
                fprintf(stderr, "phasebench merge: shard %s: %s\n", dirs[i], msg);
            else
                fprintf(stderr, "phasebench merge: shard %s is not complete (status %s)\n",
                        dirs[i], status ? status : "missing");
            goto done;
        }
        if (i == 0) {
            shard_n = n;
            seen = calloc((size_t)n + 1, sizeof *seen);
            if (!seen)
                goto done;
        } else if (n != shard_n) {
            fprintf(stderr, "phasebench merge: shard %s is %s, but %s is %d/%d: different splits\n",
                    dirs[i], shard, dirs[0], 1, shard_n);
            goto done;
        }
        if (seen[k]) {
            fprintf(stderr, "phasebench merge: shard %s is %s again (already given as %s)\n",
                    dirs[i], shard, dirs[seen[k] - 1]);
            goto done;
        }
        seen[k] = (int)i + 1;
        for (size_t j = 0; j < sizeof same_keys / sizeof *same_keys; j++) {
            const char *a = pb_manifest_get(&m[0], same_keys[j]);
            const char *b = pb_manifest_get(&m[i], same_keys[j]);
            if (!a || !b || strcmp(a, b) != 0) {
                fprintf(stderr, "phasebench merge: shard %s: %s '%s' differs from '%s' in %s: "
                        "shards of different runs cannot be merged\n", dirs[i], same_keys[j],
                        b ? b : "(missing)", a ? a : "(missing)", dirs[0]);
                goto done;
            }
        }
        /* the data the shards read: compared when both manifests record it */
        const char *fa = pb_manifest_get(&m[0], "data_fingerprint");
        const char *fb = pb_manifest_get(&m[i], "data_fingerprint");
        if (fa && fb && strcmp(fa, fb) != 0) {
            fprintf(stderr, "phasebench merge: shard %s: data_fingerprint '%s' differs from '%s' "
                    "in %s: the shards read different data\n", dirs[i], fb, fa, dirs[0]);
            goto done;
        }
    }
    for (int k = 1; k <= shard_n; k++)
        if (!seen[k]) {
            fprintf(stderr, "phasebench merge: shard %d/%d is missing\n", k, shard_n);
            goto done;
        }

    /* OUT: a new folder, then every unit of every shard */
    char probe[1200];
    snprintf(probe, sizeof probe, "%s/manifest.csv", out);
    if (access(probe, F_OK) == 0) {
        fprintf(stderr, "phasebench merge: %s already holds a run; choose a new OUT folder\n", out);
        goto done;
    }
    char path[1200];
    pb_strcpy_trunc(path, sizeof path, out);
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0777);
            *p = '/';
        }
    mkdir(path, 0777);
    snprintf(probe, sizeof probe, "%s/units", out);
    if (mkdir(probe, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "phasebench merge: cannot create %s: %s\n", probe, strerror(errno));
        goto done;
    }
    size_t n_units = 0;
    for (size_t i = 0; i < n_sh; i++)
        if (copy_units(dirs[i], out, &n_units, err, sizeof err) != 0) {
            fprintf(stderr, "phasebench merge: %s\n", err);
            goto done;
        }
    if (!quiet)
        fprintf(stderr, "phasebench merge: %zu units from %zu shards into %s\n", n_units, n_sh, out);

    pb_dtype dtype;
    if (pb_dtype_parse(pb_manifest_get(&m[0], "dtype"), &dtype) != 0) {
        fprintf(stderr, "phasebench merge: %s: bad dtype\n", m[0].path);
        goto done;
    }
    const char *features = pb_manifest_get(&m[0], "features");
    pb_run_options o = {pb_manifest_get(&m[0], "battery_path"),
                        pb_manifest_get(&m[0], "backend"),
                        dtype,
                        atoi(pb_manifest_get(&m[0], "threads")),
                        NULL,
                        out,
                        0,
                        quiet,
                        strtod(pb_manifest_get(&m[0], "scale"), NULL),
                        1,
                        0,
                        0,
                        0,
                        1,
                        features ? features : "",
                        pb_manifest_get(&m[0], "battery_hash")};
    pb_run_summary sum;
    rc = pb_battery_run(&o, &sum, err, sizeof err);
    if (rc == 2)
        fprintf(stderr, "phasebench merge: %s\n", err);
done:
    for (size_t i = 0; i < n_read; i++)
        pb_manifest_free(&m[i]);
    free(m);
    free(seen);
    return rc;
}
