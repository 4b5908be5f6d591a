// Per-workgroup loss statistics.  std430 layout, mirrored on the host by
// pb_vk_read_loss_stats() in vk_reduce.c: three ACC then four uint.
struct LossPart {
    ACC loss;  // sum of per-sample losses (scale applied on the host)
    ACC mn;    // min margin over non-NaN margins, +inf if none
    ACC mx;    // max margin over non-NaN margins, -inf if none (the host
               // turns mn > mx into NaN, as the reference reports it)
    uint unsat;
    uint err;
    uint nans;
    uint pad;
};

LossPart pb_loss_identity()
{
    return LossPart(ACC(0), ACC_INF, -ACC_INF, 0u, 0u, 0u, 0u);
}

LossPart pb_loss_combine(LossPart p, LossPart q)
{
    p.loss += q.loss;
    p.mn = q.mn < p.mn ? q.mn : p.mn;
    p.mx = q.mx > p.mx ? q.mx : p.mx;
    p.unsat += q.unsat;
    p.err += q.err;
    p.nans += q.nans;
    return p;
}
