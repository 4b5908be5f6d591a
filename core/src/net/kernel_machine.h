/* The kernel machine with the NTK at initialisation (docs/physics.md section 7.5):
 * out = K(., train) a, a = 0 at t = 0, da/dt = -l'(out) / P, trained with
 * the same loss, alpha, adaptive step and stopping rule as the net.  In the
 * lazy limit (alpha -> infinity) the net's F follows exactly these dynamics,
 * so the two must agree there. */
#ifndef PB_KERNEL_MACHINE_H
#define PB_KERNEL_MACHINE_H

#include "train.h"

typedef struct pb_km_run {
    int ok;
    char error[512];
    pb_stop stop;
    pb_flow_state flow;
    double train_err;
    int64_t train_nd;
    double test_err;
    double *test_out;   /* pte values of F = alpha out (malloc'd) */
    double wall_s;
} pb_km_run;

/* Net shape, seeds, loss and budget from c; data from split. */
int pb_kernel_machine_run(const pb_train_config *c, const pb_split *split,
                          const pb_backend_vtable *vt, pb_backend *be, pb_km_run *r);
void pb_km_run_free(pb_km_run *r);

#endif
