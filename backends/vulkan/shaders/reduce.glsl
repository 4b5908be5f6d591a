// Reduction operators; the codes match enum pb_vk_reduce_op in vk_reduce.c.
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
