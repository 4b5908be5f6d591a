#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Free the buffers, keep the layout. */
static void release(pb_net *net)
{
    const pb_model *m = &net->m;
    if (m->vt) {
        for (size_t i = 0; i < net->n_sets; i++)
            if (net->set[i].x)
                pb_batch_destroy(m, &net->set[i]);
        if (net->w)
            m->vt->buf_free(m->be, net->w);
        if (net->w0)
            m->vt->buf_free(m->be, net->w0);
    }
    net->w = net->w0 = NULL;
    net->n_sets = 0;
}

void pb_net_close(pb_net *net)
{
    release(net);
    memset(net, 0, sizeof *net);
}

/* A device failure: the message, then no buffer left (the layout stays). */
static int dev_fail(pb_net *net, const char *what, const char *set, char *err, size_t err_len)
{
    snprintf(err, err_len, "%s%s%s: %s", what, set ? " " : "", set ? set : "",
             pb_model_error(&net->m));
    release(net);
    return -1;
}

int pb_net_open(pb_net *net, const pb_backend_vtable *vt, pb_backend *be,
                const pb_net_spec *spec, char *err, size_t err_len)
{
    memset(net, 0, sizeof *net);
    if (spec->n_sets > PB_NET_MAX_SETS) {
        snprintf(err, err_len, "%zu data sets: a net holds at most %d", spec->n_sets,
                 PB_NET_MAX_SETS);
        return -1;
    }
    if (pb_model_init(&net->m, vt, be, spec->d, spec->h, spec->L, spec->act, err, err_len) != 0)
        return -1;
    const pb_model *m = &net->m;
    size_t N = m->n_params;
    double *host = malloc(N * sizeof *host);
    if (!host) {
        snprintf(err, err_len, "out of host memory for %zu weights", N);
        return -1;
    }
    pb_model_init_weights(m, spec->seed, host);
    pb_status st = vt->buf_alloc(be, N, &net->w);
    if (st == PB_OK)
        st = vt->buf_upload(be, net->w, 0, host, N);
    free(host);
    if (st != PB_OK)
        return dev_fail(net, "uploading the weights", NULL, err, err_len);
    if (spec->keep_w0 && (vt->buf_alloc(be, N, &net->w0) != PB_OK ||
                          vt->copy(be, net->w0, 0, net->w, 0, N) != PB_OK))
        return dev_fail(net, "keeping the initial weights", NULL, err, err_len);

    net->n_sets = spec->n_sets;
    for (size_t i = 0; i < spec->n_sets; i++) {
        const pb_net_data *s = &spec->sets[i];
        pb_batch *b = &net->set[i];
        if (s->n == 0)
            continue;
        if (pb_batch_create(m, s->n, s->x, s->y, b) != PB_OK)
            return dev_fail(net, "allocating the", s->name, err, err_len);
        /* f0 = f(w0): the outputs of the trained predictor are o = f - f0. */
        if (pb_model_forward(m, net->w, b) != PB_OK ||
            vt->copy(be, b->f0, 0, b->out, 0, s->n) != PB_OK)
            return dev_fail(net, "f(w0) on the", s->name, err, err_len);
    }
    return 0;
}

pb_status pb_net_eval(void *fit, const pb_buf *w, pb_buf *o, pb_buf *g, pb_loss_stats *stats)
{
    pb_net_fit *x = fit;
    pb_status st = pb_model_loss_grad(x->m, w, x->b, &x->loss, g, stats);
    if (st == PB_OK)
        st = x->m->vt->copy(x->m->be, o, 0, x->b->out, 0, x->b->n);
    return st;
}

void pb_net_flow_problem(pb_net_fit *fit, pb_flow_problem *pr)
{
    memset(pr, 0, sizeof *pr);
    pr->vt = fit->m->vt;
    pr->be = fit->m->be;
    pr->n_params = fit->m->n_params;
    pr->n_out = fit->b->n;
    pr->eval = pb_net_eval;
    pr->ctx = fit;
}
