// Reduction operators; the codes match enum pb_vk_reduce_op in vk_reduce.c.
//
// Every fold (reductions and the loss, both stages) has the same fixed
// shape: PB_WG = 256 lanes; lane l folds its elements l, l + S, l + 2S, ...
// in order (S = 256 x the number of workgroups), then the 256 lane values
// meet in a tree, level h = 128, 64, ..., 1 doing lane[l] = combine(lane[l],
// lane[l + h]) for l < h.  A workgroup of PB_RED_INV = 64 invocations runs
// it: invocation t holds lanes t, t + 64, t + 128, t + 192 in registers and
// does levels 128 and 64 there; the 64 values left go through shared memory
// and invocation 0 does levels 32 to 1 alone.  Every combine has the same
// operands as in a 256-invocation tree, so the bits are those; but there is
// one barrier instead of nine, which a CPU device (lavapipe runs the
// invocations of a workgroup between barriers in turn) pays dearly for.
#define PB_RED_INV 64u
#define PB_RED_SUM 0u
#define PB_RED_DOT 1u
#define PB_RED_DIST2 2u
#define PB_RED_MAXABS 3u

// Sums add; max-abs keeps the larger value and lets a NaN win, tested by
// bits because max() need not propagate it.  0 is the identity of both
// (|d| >= 0).
ACC pb_red_combine(uint op, ACC acc, ACC t)
{
    if (op != PB_RED_MAXABS)
        return acc + t;
    if (pb_isnan(acc) || pb_isnan(t))
        return ACC_NAN;
    return t > acc ? t : acc;
}
