/* A unit file keeps every field of a result exactly (core/src/battery/unit_store.h):
 * the report pass of a run whose units were computed in worker processes,
 * in other shards or before a kill reads them back, and a field left out
 * reads back as 0 and changes what the experiments conclude (N_Delta within
 * the margin tolerance, the state at half the budget). */
#include "pb_test.h"
#include "unit_store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    char dir[] = "/tmp/pb_unit_store_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    pb_run_spec s;
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    strcpy(s.dataset, "stripe");
    strcpy(s.act, "swish");
    strcpy(s.loss, "qhinge");
    s.d = 4;
    s.h = 8;
    s.L = 2;
    s.alpha = 1;
    s.margin_tol = 1e-6;
    char key[2048], key2[2048];
    CHECK(pb_unit_call_key(key, sizeof key, PB_CALL_TRAIN, "jamming", "scan", &s) == 0);
    s.margin_tol = 0;
    CHECK(pb_unit_call_key(key2, sizeof key2, PB_CALL_TRAIN, "jamming", "scan", &s) == 0);
    CHECK_MSG(strcmp(key, key2) != 0, "margin_tol is not in the call key");

    pb_run_result r;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    r.ok = 1;
    strcpy(r.stop_reason, "max_steps");
    strcpy(r.error, "a \"quoted\"\nline");
    r.N = 102;
    r.steps = 10000;
    r.t = 2151.4618791172002;
    r.train_loss = 0.1 / 3.0;
    r.train_err = 0.25;
    r.train_nd = 65;
    r.train_min_margin = -0.5;
    r.test_err = 0.11;
    r.test_loss = NAN;
    r.w_norm = 20.07;
    r.dw_norm = 15.95;
    r.dw_rel = 0.7;
    r.out_norm = 6.15;
    r.ntk_r = NAN;
    r.train_nd_tol = 64;
    r.has_half = 1;
    r.half_steps = 5000;
    r.half_train_loss = 1e-3 / 7.0;
    r.half_train_nd = 70;
    double out[3] = {1.5, -2.25, 0x1p-1074}, y[3] = {1, -1, 1};
    pb_row row;
    pb_row_init(&row);
    pb_unit_rec u, back;
    pb_unit_rec_init(&u, "0001-jamming-alpha=1");
    CHECK(pb_unit_rec_add_train(&u, key, &row, &r, out, y, 3) == 0);
    char err[1024] = "";
    CHECK_MSG(pb_unit_rec_write(dir, &u, err, sizeof err) == 0, "%s", err);
    /* pb_unit_rec_read initialises back itself */
    CHECK_MSG(pb_unit_rec_read(dir, "0001-jamming-alpha=1", &back, err, sizeof err) == 0, "%s",
              err);
    const pb_call_rec *c = pb_unit_rec_find(&back, PB_CALL_TRAIN, key);
    CHECK(c != NULL);
    if (c) {
        const pb_run_result *b = &c->res;
        CHECK(b->ok == r.ok && strcmp(b->stop_reason, r.stop_reason) == 0);
        CHECK(strcmp(b->error, r.error) == 0);
        CHECK(b->N == r.N && b->steps == r.steps && b->t == r.t);
        CHECK(b->train_loss == r.train_loss && b->train_err == r.train_err);
        CHECK(b->train_nd == r.train_nd && b->train_min_margin == r.train_min_margin);
        CHECK(b->test_err == r.test_err && isnan(b->test_loss) && isnan(b->ntk_r));
        CHECK(b->w_norm == r.w_norm && b->dw_norm == r.dw_norm && b->dw_rel == r.dw_rel);
        CHECK(b->out_norm == r.out_norm);
        CHECK_MSG(b->train_nd_tol == r.train_nd_tol, "train_nd_tol %lld",
                  (long long)b->train_nd_tol);
        CHECK(b->has_half == 1 && b->half_steps == r.half_steps);
        CHECK(b->half_train_loss == r.half_train_loss && b->half_train_nd == r.half_train_nd);
        CHECK(c->n_out == 3 && memcmp(c->out, out, sizeof out) == 0);
        CHECK(c->y && memcmp(c->y, y, sizeof y) == 0);
    }
    pb_unit_rec_free(&u);
    pb_unit_rec_free(&back);
    pb_row_free(&row);
    char path[256];
    snprintf(path, sizeof path, "%s/0001-jamming-alpha=1.unit", dir);
    /* a file of an older format (its keys are spelled otherwise) is
     * refused, naming the format it was written in */
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("phasebench-unit 2\nid 20:0001-jamming-alpha=1\n", f);
        fclose(f);
        CHECK(pb_unit_rec_read(dir, "0001-jamming-alpha=1", &back, err, sizeof err) == -1);
        CHECK_MSG(strstr(err, "unit format 'phasebench-unit 2'") != NULL, "%s", err);
        pb_unit_rec_free(&back);
    }
    unlink(path);
    rmdir(dir);
    return pb_test_done("test_unit_store");
}
