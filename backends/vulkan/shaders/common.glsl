// Shared by every kernel.  Each .comp is compiled once per dtype variant:
//   (no define)  REAL = float,  ACC = float
//   PB_ACC64     REAL = float,  ACC = double  (f32 reductions on f64 devices)
//   PB_F64       REAL = double, ACC = double
// The f32 variants must not mention double at all, so that they load on
// devices without shaderFloat64.
//
// Vulkan lets a driver assume that no value is NaN or infinite, so NaN tests
// look at the bits, and NaN/inf constants are built from bits.

#ifdef PB_F64
#define REAL double
#ifndef PB_ACC64
#define PB_ACC64
#endif
#else
#define REAL float
#endif

#ifdef PB_ACC64
#define ACC double
#else
#define ACC float
#endif

// Elementwise kernels use 1-D workgroups of this size and a grid-stride loop.
#define PB_WG 256u

bool pb_isnan(float x)
{
    return (floatBitsToUint(x) & 0x7fffffffu) > 0x7f800000u;
}

bool pb_isinf(float x)
{
    return (floatBitsToUint(x) & 0x7fffffffu) == 0x7f800000u;
}

float pb_nan_f() { return uintBitsToFloat(0x7fc00000u); }
float pb_inf_f() { return uintBitsToFloat(0x7f800000u); }

#ifdef PB_ACC64
bool pb_isnan(double x)
{
    uvec2 w = unpackDouble2x32(x);
    uint hi = w.y & 0x7fffffffu;
    return hi > 0x7ff00000u || (hi == 0x7ff00000u && w.x != 0u);
}

bool pb_isinf(double x)
{
    uvec2 w = unpackDouble2x32(x);
    return (w.y & 0x7fffffffu) == 0x7ff00000u && w.x == 0u;
}

double pb_nan_d() { return packDouble2x32(uvec2(0u, 0x7ff80000u)); }
double pb_inf_d() { return packDouble2x32(uvec2(0u, 0x7ff00000u)); }
#define ACC_NAN pb_nan_d()
#define ACC_INF pb_inf_d()
#else
#define ACC_NAN pb_nan_f()
#define ACC_INF pb_inf_f()
#endif
