#!/usr/bin/env python3
"""PyTorch twin of `phasebench bench --what step`.

Builds the same fully connected net as phasebench (no biases, N(0,1)
weights, hidden layers z = sigma(W z / sqrt(fan_in)) with
sigma(t) = c silu(beta t) / beta, beta = 10, c such that E[sigma(z)^2] = 1,
output W_L z / h) and times the same tentative gradient-flow step:

    w' = w - dt g                        (tentative update)
    o' = f(w', x) - f0                   (forward on all P points)
    loss = mean_mu softplus_20(1 - alpha y o') / alpha
    g' = d loss / d w'                   (autograd, or by hand: --grad manual)
    |g'|^2, |g - g'|^2, max |o - o'|     (the step control's reductions)

with the same dtype and thread count, W warm-up runs, then R timed
repetitions.  The CSV has the columns of `phasebench bench` (backend
"pytorch-<version>", roofline columns empty), so the two files concatenate.

    python3 benchmarks/torch_twin.py --sizes 5000:10:512:2,1000:10:128:2 \\
        --dtype f64 --threads 1 --repetitions 5 --out torch.csv
    python3 benchmarks/torch_twin.py ... --compare phasebench.csv

--compare reads a `phasebench bench` CSV measured on the same machine and
prints, per size, both median step times and the ratio torch/phasebench.
Needs Debian's python3-torch (run /usr/bin/python3 if another python3 comes
first on PATH).  Exit status: 0 measured, 1 a size failed, 2 usage error,
77 torch cannot be imported.
"""

import argparse
import csv
import math
import os
import statistics
import sys
import time

SCHEMA_VERSION = 1
COLUMNS = [
    "schema_version", "backend", "dtype", "threads", "P", "d", "h", "L", "what",
    "median_s", "min_s", "stddev_s", "cv", "reps", "flops", "gflops",
    "roofline_gflops", "roofline_ratio",
    "mean_s", "max_s", "warmup", "points", "gemm_calls", "gemm_shape",
    "roofline_median_s", "roofline_cv", "backend_threads", "seed", "features",
    "build_commit", "build_type", "cpu", "load_avg", "timestamp", "samples_s", "error",
]

ACT_BETA = 10.0
LOSS_BETA = 20.0
ALPHA = 1.0
MARGIN = 1.0


def parse_sizes(text):
    sizes = []
    for item in text.split(","):
        parts = item.split(":")
        if len(parts) != 4 or not all(p.isdigit() and int(p) > 0 for p in parts):
            raise argparse.ArgumentTypeError(
                "expected P:d:h:L with positive integers, got '%s'" % item)
        sizes.append(tuple(int(p) for p in parts))
    return sizes


def step_flops(P, d, h, L):
    """GEMM flops of one loss-and-gradient evaluation, as phasebench counts
    them (bench.c): 4 P d h + 6 (L-1) P h^2 + 6 P h."""
    return 4.0 * P * d * h + 6.0 * (L - 1) * P * h * h + 6.0 * P * h


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def load_avg():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def loaded_blas_libraries():
    """Shared objects of this process whose name says BLAS, MKL or LAPACK."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(path).lower()
                if any(k in base for k in ("blas", "mkl", "lapack", "blis")):
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(libs)


def stats(samples):
    med = statistics.median(samples)
    sd = statistics.stdev(samples) if len(samples) > 1 else 0.0
    return {
        "median_s": med, "min_s": min(samples), "max_s": max(samples),
        "mean_s": statistics.fmean(samples), "stddev_s": sd,
        "cv": sd / med if med > 0 else float("nan"), "reps": len(samples),
    }


def fmt_num(v):
    if v is None or v == "":
        return ""
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("nan" if v != v else ("inf" if v > 0 else "-inf"))
    return str(v)


def fmt_time(s):
    if s >= 1.0:
        return "%.3f s" % s
    if s >= 1e-3:
        return "%.3f ms" % (s * 1e3)
    return "%.1f us" % (s * 1e6)


class Twin:
    """The net, data and flow state of one size."""

    def __init__(self, torch, F, P, d, h, L, dtype, seed, act_c):
        self.torch, self.F = torch, F
        self.P, self.d, self.h, self.L = P, d, h, L
        gen = torch.Generator().manual_seed(seed)
        self.x = torch.randn(P, d, generator=gen, dtype=dtype)
        self.y = torch.where(torch.rand(P, generator=gen, dtype=dtype) < 0.5,
                             -torch.ones(P, dtype=dtype), torch.ones(P, dtype=dtype))
        self.fan_in = [d] + [h] * (L - 1) + [h]
        self.rows = [h] * L + [1]
        self.off = [0]
        for r, fi in zip(self.rows, self.fan_in):
            self.off.append(self.off[-1] + r * fi)
        self.n_params = self.off[-1]
        self.act_c = act_c
        self.w = torch.randn(self.n_params, generator=gen, dtype=dtype)
        with torch.no_grad():
            self.f0 = torch.zeros(P, dtype=dtype)
            self.f0 = self.forward(self.w)
            self.g, self.o = self.loss_grad_autograd(self.w)
        self.dt = 1.0  # the flow's first dt
        self.last = None

    def layer(self, w, i):
        return w[self.off[i]:self.off[i + 1]].view(self.rows[i], self.fan_in[i])

    def act(self, t):
        return self.F.silu(ACT_BETA * t) * (self.act_c / ACT_BETA)

    def act_deriv(self, t):
        u = ACT_BETA * t
        s = self.torch.sigmoid(u)
        return self.act_c * s * (1.0 + u * (1.0 - s))

    def forward(self, w):
        z = self.x
        for i in range(self.L):
            # the 1/sqrt(fan_in) folded into the (small) weight matrix
            z = self.act(self.F.linear(z, self.layer(w, i) * (1.0 / math.sqrt(self.fan_in[i]))))
        return self.F.linear(z, self.layer(w, self.L) * (1.0 / self.h)).view(-1)

    def loss_of(self, o):
        # threshold 40 (torch's default is 20): above it softplus is linear to
        # within e^-40, below the rounding of f64, as phasebench's exact form.
        return (self.F.softplus(MARGIN - ALPHA * self.y * o, beta=LOSS_BETA, threshold=40.0)
                / ALPHA).mean()

    def loss_grad_autograd(self, w):
        torch = self.torch
        with torch.enable_grad():
            w1 = w.detach().requires_grad_(True)
            o1 = self.forward(w1) - self.f0
            loss = self.loss_of(o1)
            (g1,) = torch.autograd.grad(loss, w1)
        return g1, o1.detach()

    def loss_grad_manual(self, w):
        """The backward pass written out, GEMM for GEMM as phasebench's model.c."""
        torch, h, L, P = self.torch, self.h, self.L, self.P
        ins, zs = [self.x], []
        a = self.x
        for i in range(L):
            s = 1.0 / math.sqrt(self.fan_in[i])
            z = torch.mm(a, self.layer(w, i).t()).mul_(s)
            a = self.act(z)
            zs.append(z)
            ins.append(a)
        wl = self.layer(w, L).view(-1)
        o1 = torch.mv(a, wl).mul_(1.0 / h).sub_(self.f0)
        # d loss / d o = -y sigmoid(beta (margin - alpha y o)) / P
        go = torch.sigmoid(LOSS_BETA * (MARGIN - ALPHA * self.y * o1)).mul_(self.y).mul_(-1.0 / P)
        g1 = torch.empty_like(w)
        g1[self.off[L]:].copy_(torch.mv(ins[L].t(), go)).mul_(1.0 / h)
        da = torch.outer(go, wl).mul_(1.0 / h)
        for i in reversed(range(L)):
            s = 1.0 / math.sqrt(self.fan_in[i])
            dz = da.mul_(self.act_deriv(zs[i]))
            gi = self.layer(g1, i)
            torch.mm(dz.t(), ins[i], out=gi)
            gi.mul_(s)
            if i > 0:
                da = torch.mm(dz, self.layer(w, i)).mul_(s)
        return g1, o1

    def step(self, manual):
        torch = self.torch
        with torch.no_grad():
            w1 = torch.add(self.w, self.g, alpha=-self.dt)
        if manual:
            with torch.no_grad():
                g1, o1 = self.loss_grad_manual(w1)
        else:
            g1, o1 = self.loss_grad_autograd(w1)
        with torch.no_grad():
            gg1 = torch.dot(g1, g1).item()
            dist = torch.sum((self.g - g1) ** 2).item()
            dmax = torch.max(torch.abs(self.o - o1)).item()
        self.last = (gg1, dist, dmax)


def act_norm(torch, dtype):
    """c = 1 / sqrt(E[(silu(beta z)/beta)^2]), z ~ N(0,1), by Simpson on [-40, 40]."""
    n = 400000
    z = torch.linspace(-40.0, 40.0, n + 1, dtype=torch.float64)
    g = torch.nn.functional.silu(ACT_BETA * z) / ACT_BETA
    f = g * g * torch.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    wts = torch.ones(n + 1, dtype=torch.float64)
    wts[1:-1:2] = 4.0
    wts[2:-1:2] = 2.0
    m2 = float(torch.sum(wts * f)) * (80.0 / n) / 3.0
    return 1.0 / math.sqrt(m2)


def time_runs(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def read_phasebench(path):
    """{(P, d, h, L, dtype, threads): {backend: median_s}} of the step rows."""
    res = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row.get("what") != "step" or not row.get("median_s"):
                continue
            key = (int(row["P"]), int(row["d"]), int(row["h"]), int(row["L"]), row["dtype"],
                   int(row["threads"]))
            res.setdefault(key, {})[row["backend"]] = float(row["median_s"])
    return res


def compare(rows, path, out):
    try:
        pb = read_phasebench(path)
    except (OSError, KeyError, ValueError) as e:
        print("torch_twin: --compare %s: %s" % (path, e), file=sys.stderr)
        return False
    print("\nstep, median: PyTorch vs phasebench (%s); ratio = torch / phasebench "
          "(> 1: phasebench is faster)" % path, file=out)
    print("%-18s %-6s %3s %-12s %12s %12s %7s" % ("size", "dtype", "thr", "backend", "torch",
                                                "phasebench", "ratio"), file=out)
    found = False
    for r in rows:
        if r["what"] != "step" or r["median_s"] == "":
            continue
        key = (r["P"], r["d"], r["h"], r["L"], r["dtype"], r["threads"])
        size = "%d:%d:%d:%d" % key[:4]
        for backend, med in sorted(pb.get(key, {}).items()):
            found = True
            print("%-18s %-6s %3d %-12s %12s %12s %7.2f" % (
                size, r["dtype"], r["threads"], backend, fmt_time(r["median_s"]),
                fmt_time(med), r["median_s"] / med), file=out)
    if not found:
        print("(no step row of %s matches these sizes, dtype and threads)" % path, file=out)
    return found


def main():
    ap = argparse.ArgumentParser(
        description="Time phasebench's gradient-flow step in PyTorch (same net, same step).")
    ap.add_argument("--sizes", type=parse_sizes, default=parse_sizes("5000:10:512:2,1000:10:128:2"),
                    metavar="P:d:h:L,...")
    ap.add_argument("--dtype", choices=["f64", "f32"], default="f64")
    ap.add_argument("--threads", type=int, default=1, metavar="T")
    ap.add_argument("--repetitions", type=int, default=5, metavar="R")
    ap.add_argument("--warmup", type=int, default=2, metavar="W")
    ap.add_argument("--seed", type=int, default=1, metavar="S")
    ap.add_argument("--grad", choices=["autograd", "manual"], default="autograd",
                    help="autograd (default), or the backward pass written out by hand")
    ap.add_argument("--what", default="step,gemm", metavar="step,gemm",
                    help="step, and gemm: the step's largest GEMM as torch.mm (default both)")
    ap.add_argument("--out", metavar="FILE.csv", help="write the CSV there")
    ap.add_argument("--csv", action="store_true", help="CSV on stdout (the table goes to stderr)")
    ap.add_argument("--compare", metavar="PHASEBENCH.csv",
                    help="print the ratio torch / phasebench per size from that file")
    a = ap.parse_args()
    if a.threads < 1 or a.repetitions < 1 or a.warmup < 0:
        ap.error("--threads and --repetitions must be >= 1, --warmup >= 0")
    whats = a.what.split(",")
    if not whats or any(w not in ("step", "gemm") for w in whats):
        ap.error("--what: expected step and/or gemm")

    # The same threads as phasebench, for every pool torch may use (OpenMP,
    # the BLAS library it links); set before torch is imported.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(a.threads)
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        print("torch_twin: cannot import torch (%s): skipped" % e, file=sys.stderr)
        return 77
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    dtype = torch.float64 if a.dtype == "f64" else torch.float32

    table = sys.stderr if a.csv else sys.stdout
    blas_lines = [l.strip() for l in torch.__config__.show().splitlines()
                  if "BLAS" in l or "LAPACK" in l or "MKL" in l]
    print("torch %s, %d thread%s (torch.get_num_threads)" % (
        torch.__version__, torch.get_num_threads(), "" if torch.get_num_threads() == 1 else "s"),
        file=sys.stderr)
    for l in blas_lines:
        # Build settings is one long line: keep its BLAS/LAPACK fields only.
        if l.startswith("- Build settings"):
            l = ", ".join(f.strip() for f in l.split(",") if "BLAS" in f or "LAPACK" in f)
        print("torch config: %s" % l, file=sys.stderr)

    act_c = act_norm(torch, dtype)
    backend = "pytorch-%s" % torch.__version__
    cpu = cpu_model()
    features_base = "grad=%s;torch=%s;interop_threads=%d" % (
        a.grad, torch.__version__, torch.get_num_interop_threads())
    rows, failed = [], False
    print("%-16s %-5s %3s %7s %5s %6s %3s %-5s %12s %7s %9s" % (
        "backend", "dtype", "thr", "P", "d", "h", "L", "what", "median", "cv", "GFLOP/s"),
        file=table)
    libs_reported = False
    for (P, d, h, L) in a.sizes:
        for what in [w for w in ("gemm", "step") if w in whats]:
            row = dict.fromkeys(COLUMNS, "")
            row.update(schema_version=SCHEMA_VERSION, backend=backend, dtype=a.dtype,
                       threads=a.threads, P=P, d=d, h=h, L=L, what=what, warmup=a.warmup,
                       points=P, backend_threads=torch.get_num_threads(), seed=a.seed,
                       build_type="torch", cpu=cpu)
            print("torch_twin: %s %d:%d:%d:%d ..." % (what, P, d, h, L), file=sys.stderr)
            try:
                if what == "step":
                    twin = Twin(torch, F, P, d, h, L, dtype, a.seed, act_c)
                    fn = lambda: twin.step(a.grad == "manual")  # noqa: E731
                    flops = step_flops(P, d, h, L)
                    row["gemm_calls"] = 3 * L + 2
                else:
                    # the largest GEMM of the step: Z = In W^T on a hidden h x h layer
                    # (on the first layer when L = 1)
                    k = h if L > 1 else d
                    gen = torch.Generator().manual_seed(a.seed)
                    A = torch.rand(P, k, generator=gen, dtype=dtype) * 2 - 1
                    B = torch.rand(h, k, generator=gen, dtype=dtype) * 2 - 1
                    C = torch.empty(P, h, dtype=dtype)
                    fn = lambda: torch.mm(A, B.t(), out=C)  # noqa: E731
                    flops = 2.0 * P * h * k
                    row["gemm_calls"] = 1
                    row["gemm_shape"] = "NT m=%d n=%d k=%d" % (P, h, k)
                row["load_avg"] = load_avg()
                samples = time_runs(fn, a.warmup, a.repetitions)
                if what == "step" and twin.last and not all(math.isfinite(v) for v in twin.last):
                    print("torch_twin: warning: non-finite step-control values %r" % (twin.last,),
                          file=sys.stderr)
                st = stats(samples)
                row.update(st)
                row["flops"] = flops
                row["gflops"] = flops / st["median_s"] * 1e-9
                row["samples_s"] = ";".join("%.9g" % s for s in samples)
            except (RuntimeError, MemoryError) as e:
                failed = True
                row["error"] = str(e).splitlines()[0] if str(e) else type(e).__name__
                print("torch_twin: %s %d:%d:%d:%d failed: %s" % (what, P, d, h, L, row["error"]),
                      file=sys.stderr)
            if not libs_reported:
                libs = loaded_blas_libraries()
                print("torch BLAS libraries loaded: %s" % (", ".join(libs) or "none found"),
                      file=sys.stderr)
                features_base += ";blas_libs=%s" % ":".join(os.path.basename(l) for l in libs)
                libs_reported = True
            row["features"] = features_base
            row["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            rows.append(row)
            if row["error"]:
                print("%-16s %-5s %3d %7d %5d %6d %3d %-5s  FAILED: %s" % (
                    backend, a.dtype, a.threads, P, d, h, L, what, row["error"]), file=table)
            else:
                print("%-16s %-5s %3d %7d %5d %6d %3d %-5s %12s %6.1f%% %9.2f" % (
                    backend, a.dtype, a.threads, P, d, h, L, what, fmt_time(row["median_s"]),
                    100 * row["cv"], row["gflops"]), file=table)
                if row["cv"] > 0.1:
                    print("torch_twin: warning: %s %d:%d:%d:%d: cv %.1f%% > 10%%: the machine "
                          "is noisy" % (what, P, d, h, L, 100 * row["cv"]), file=sys.stderr)
            table.flush()

    def write(f):
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([fmt_num(r[c]) for c in COLUMNS])

    if a.out:
        tmp = "%s.tmp.%d" % (a.out, os.getpid())
        try:
            with open(tmp, "w", newline="") as f:
                write(f)
            os.replace(tmp, a.out)
        except OSError as e:
            print("torch_twin: writing %s failed: %s" % (a.out, e), file=sys.stderr)
            return 2
        print("torch_twin: wrote %s" % a.out, file=sys.stderr)
    if a.csv:
        write(sys.stdout)
    if a.compare and not compare(rows, a.compare, table):
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
