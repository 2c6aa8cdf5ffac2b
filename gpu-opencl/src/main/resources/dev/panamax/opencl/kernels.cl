// The optimizer kernels of dev.panamax.kernels.OptimizerKernels in OpenCL C.
//
// Every kernel repeats ScalarKernels' per-element code in the same operation order, so that
// results equal the Java reference bit for bit: IEEE + - * / and sqrt are correctly rounded
// (the program is built with -cl-fp32-correctly-rounded-divide-sqrt), and the pragma below
// forbids contracting a * b + c into a fused multiply-add, which Java never does.
//
// The file is compiled once per element type with -D REAL=float or -D REAL=double, and with
// -D PANAMAX_FP64 when the device has cl_khr_fp64 (float kernels then use double where the
// reference does: sums, and pow in FTRL; without it, see square_sum, accumulator and
// negative_power), and with -D SUM_CHUNK=65536 (ChunkedExecutor.CHUNK).
//
// Each element-wise kernel runs one work-item per element of [from, from + n); the global size
// is rounded up to a whole number of work-groups, so surplus work-items return at once.
// Arguments come in one order everywhere (OpenClKernels relies on it): the buffers, then
// from and n, then the scalars.

#pragma OPENCL FP_CONTRACT OFF

#ifdef PANAMAX_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#define ELEMENT_INDEX_OR_RETURN         \
    size_t i = get_global_id(0);        \
    if (i >= n) {                       \
        return;                         \
    }                                   \
    i += from;

// Java's Math.min: NaN if a is NaN (then a <= b is false and b, possibly NaN, is returned),
// and -0 below +0. OpenCL's fmin returns the other operand for a NaN, so it cannot be used.
REAL java_min(REAL a, REAL b) {
    if (isnan(a)) {
        return a;
    }
    if (a == (REAL) 0 && b == (REAL) 0 && signbit(b)) {
        return b;
    }
    return a <= b ? a : b;
}

// Java's Math.max, with the same NaN and signed-zero rules.
REAL java_max(REAL a, REAL b) {
    if (isnan(a)) {
        return a;
    }
    if (a == (REAL) 0 && b == (REAL) 0 && signbit(a)) {
        return b;
    }
    return a >= b ? a : b;
}

// Java's Math.signum: zeros and NaN are returned as they are (OpenCL's sign maps NaN to 0).
REAL java_signum(REAL x) {
    return x > (REAL) 0 ? (REAL) 1 : x < (REAL) 0 ? (REAL) -1 : x;
}

// ---- helpers of the Optimizer base class ---------------------------------------------------

__kernel void scale(__global REAL *x, ulong from, ulong n, REAL factor) {
    ELEMENT_INDEX_OR_RETURN
    x[i] = x[i] * factor;
}

__kernel void scale_divide(__global REAL *x, ulong from, ulong n, REAL multiplier, REAL divisor) {
    ELEMENT_INDEX_OR_RETURN
    x[i] = (x[i] * multiplier) / divisor;
}

__kernel void clip_by_value(__global REAL *x, ulong from, ulong n, REAL lo, REAL hi) {
    ELEMENT_INDEX_OR_RETURN
    x[i] = java_max(java_min(x[i], hi), lo);
}

__kernel void axpy(__global const REAL *x, __global REAL *y, ulong from, ulong n, REAL alpha) {
    ELEMENT_INDEX_OR_RETURN
    y[i] = y[i] + alpha * x[i];
}

#ifdef PANAMAX_FP64

// Adafactor's factored moments add in double, as the reference does.
typedef double accumulator;
#define ZERO_SUM 0.0
#define ADD_SUMS(a, b) ((a) + (b))

#else

// Without doubles, Adafactor's factored moments add in float-float pairs (x + y, about 48
// significant bits), added with Knuth's two-sum, which is why contraction must stay off; they may
// round differently from the reference's doubles in the last bit.
typedef float2 accumulator;
#define ZERO_SUM ((float2) (0.0f, 0.0f))
#define ADD_SUMS(a, b) add_float_float(a, b)

// s.x + s.y == a + b exactly.
float2 two_sum(float a, float b) {
    float s = a + b;
    float bb = s - a;
    return (float2) (s, (a - (s - bb)) + (b - bb));
}

// The same when |a| >= |b|.
float2 quick_two_sum(float a, float b) {
    float s = a + b;
    return (float2) (s, b - (s - a));
}

float2 add_float_float(float2 a, float2 b) {
    float2 s = two_sum(a.x, b.x);
    float2 t = two_sum(a.y, b.y);
    s = quick_two_sum(s.x, s.y + t.x);
    return quick_two_sum(s.x, s.y + t.y);
}

#endif

// ---- sums of squares, in the reference's order (dev.panamax.kernels.ScalarSums) -----------------
//
// [from, from + n) is cut into chunks of SUM_CHUNK elements (ChunkedExecutor.CHUNK, passed as a
// build option). Each chunk has 17 work-items: work-item j < 16 adds the squares of its elements
// start + 16k + j over the chunk's whole blocks of 16, in order, into accumulator j; work-item 16
// adds the tail (the last (end - start) % 16 elements) in order from 0. Each writes its sum to
// partial[17 * chunk + j]; the host combines a chunk's 16 accumulators in the reference's tree,
// adds the tail, and adds the chunks in order, so the result equals ScalarSums bit for bit.
//
// A square sum holds a double. With cl_khr_fp64 it is one; without, its bits in a ulong,
// squared and added by the integer code below, which rounds exactly as IEEE double arithmetic
// does: the host reads the same 8 bytes either way.

#ifdef PANAMAX_FP64

typedef double square_sum;
#define ZERO_SQUARES 0.0
#define SQUARE(v) ((double) (v) * (double) (v))
#define ADD_SQUARES(a, b) ((a) + (b))

#else

typedef ulong square_sum;
#define ZERO_SQUARES 0UL
#define SQUARE(v) square_bits(v)
#define ADD_SQUARES(a, b) add_double_bits(a, b)

#define DOUBLE_INFINITY 0x7ff0000000000000UL
#define DOUBLE_NAN 0x7ff8000000000000UL
#define DOUBLE_FRACTION 0x000fffffffffffffUL
#define DOUBLE_HIDDEN_BIT 0x0010000000000000UL

// The bits of (double) v * (double) v, exactly: the product of two 24-bit significands has at
// most 48 bits, and its exponent (from 2^-298 up to 2^256) is a normal double's.
ulong square_bits(float v) {
    uint b = as_uint(v) & 0x7fffffffu;
    if (b >= 0x7f800000u) {
        return b == 0x7f800000u ? DOUBLE_INFINITY : DOUBLE_NAN;
    }
    if (b == 0) {
        return 0;
    }
    int e = (int) (b >> 23);
    ulong m = b & 0x7fffffu;
    if (e == 0) {
        e = 1; // a subnormal: m * 2^(1 - 150)
    } else {
        m |= 0x800000u;
    }
    ulong p = m * m; // v^2 = p * 2^(2e - 300), 0 < p < 2^48
    int top = 63 - (int) clz(p);
    ulong significand = p << (52 - top);
    ulong exponent = (ulong) (top + 2 * e - 300 + 1023);
    return (exponent << 52) | (significand & DOUBLE_FRACTION);
}

// The bits of a + b for the bits of two non-negative doubles, each zero, infinity, NaN or at
// least 2^-298 (sums of squares of floats: never subnormal), rounded to nearest even as IEEE
// addition does: the significands, aligned, carry three more bits (guard, round and a sticky bit
// that keeps whether anything below them was non-zero), enough to round a sum of two numbers of
// the same sign exactly.
ulong add_double_bits(ulong a, ulong b) {
    if (a < b) { // for non-negative doubles the order of the bits is the order of the values
        ulong t = a;
        a = b;
        b = t;
    }
    if (a >= DOUBLE_INFINITY) {
        return a == DOUBLE_INFINITY ? a : DOUBLE_NAN;
    }
    if (b == 0) {
        return a;
    }
    int ea = (int) (a >> 52);
    int eb = (int) (b >> 52);
    ulong ma = ((a & DOUBLE_FRACTION) | DOUBLE_HIDDEN_BIT) << 3;
    ulong mb = ((b & DOUBLE_FRACTION) | DOUBLE_HIDDEN_BIT) << 3;
    int shift = ea - eb;
    if (shift >= 60) {
        mb = 1; // all of b is below the round bit: only the sticky bit remains
    } else if (shift > 0) {
        ulong lost = mb & ((1UL << shift) - 1);
        mb = (mb >> shift) | (lost != 0 ? 1UL : 0UL);
    }
    ulong sum = ma + mb; // in [2^55, 2^57)
    int exponent = ea;
    if (sum >= (1UL << 56)) {
        sum = (sum >> 1) | (sum & 1);
        exponent++;
    }
    ulong rest = sum & 7;
    sum >>= 3;
    if (rest > 4 || (rest == 4 && (sum & 1))) {
        sum++;
        if (sum == (1UL << 53)) {
            sum >>= 1;
            exponent++;
        }
    }
    if (exponent >= 2047) {
        return DOUBLE_INFINITY;
    }
    return ((ulong) exponent << 52) | (sum & DOUBLE_FRACTION);
}

#endif

// The body of a sum-of-squares kernel: TERM is an expression of the element index i (evaluated
// once per element; it may write, as Adafactor's velocity does).
#define SUM_OF_SQUARES_OF(TERM)                                                  \
    size_t item = get_global_id(0);                                              \
    ulong start = (item / 17) * SUM_CHUNK;                                       \
    if (start >= n) {                                                            \
        return;                                                                  \
    }                                                                            \
    uint lane = (uint) (item % 17);                                              \
    ulong end = min(n, start + SUM_CHUNK);                                       \
    ulong blocks_end = start + ((end - start) & ~(ulong) 15);                    \
    ulong k = lane < 16 ? start + lane : blocks_end;                             \
    ulong stop = lane < 16 ? blocks_end : end;                                   \
    ulong step = lane < 16 ? 16 : 1;                                             \
    square_sum sum = ZERO_SQUARES;                                               \
    for (; k < stop; k += step) {                                                \
        size_t i = from + k;                                                     \
        REAL term = TERM; /* once: TERM may write (SQUARE repeats it) */         \
        sum = ADD_SQUARES(sum, SQUARE(term));                                    \
    }                                                                            \
    partial[item] = sum;

__kernel void sum_of_squares(__global const REAL *x, __global square_sum *partial, ulong from, ulong n) {
    SUM_OF_SQUARES_OF(x[i])
}

// ---- Keras 3's base stages ---------------------------------------------------------------------

__kernel void weight_decay(__global REAL *var, ulong from, ulong n, REAL wd, REAL lr) {
    ELEMENT_INDEX_OR_RETURN
    REAL w = var[i];
    var[i] = w - (w * wd) * lr;
}

__kernel void moving_average(__global REAL *average, __global const REAL *var, ulong from, ulong n, REAL momentum,
                             REAL one_minus_momentum) {
    ELEMENT_INDEX_OR_RETURN
    average[i] = momentum * average[i] + one_minus_momentum * var[i];
}

// TF's Sign: +-1, +0 at either zero, the NaN itself at NaN.
__kernel void lion(__global REAL *var, __global REAL *m, __global const REAL *grad, ulong from, ulong n, REAL lr, REAL beta1,
                   REAL one_minus_beta1, REAL beta2, REAL one_minus_beta2) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL mi = m[i];
    REAL d = mi * beta1 + g * one_minus_beta1;
    REAL s = d > 0 ? (REAL) 1 : (d < 0 ? (REAL) -1 : (d == 0 ? (REAL) 0 : d));
    var[i] = var[i] - lr * s;
    m[i] = mi * beta2 + g * one_minus_beta2;
}

__kernel void adamax_keras3(__global REAL *var, __global REAL *m, __global REAL *u, __global const REAL *grad, ulong from,
                            ulong n, REAL lr, REAL one_minus_beta1, REAL beta2, REAL one_minus_beta1_power, REAL epsilon) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL mi = m[i];
    mi = mi + (g - mi) * one_minus_beta1;
    m[i] = mi;
    REAL ui = java_max(beta2 * u[i], fabs(g));
    u[i] = ui;
    var[i] = var[i] - (lr * mi) / (one_minus_beta1_power * (ui + epsilon));
}

__kernel void adadelta_keras3(__global REAL *var, __global REAL *accum_grad, __global REAL *accum_delta,
                              __global const REAL *grad, ulong from, ulong n, REAL lr, REAL rho, REAL one_minus_rho,
                              REAL epsilon) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL ag = rho * accum_grad[i] + one_minus_rho * (g * g);
    accum_grad[i] = ag;
    REAL ad = accum_delta[i];
    REAL delta = -((sqrt(ad + epsilon) * g) / sqrt(ag + epsilon));
    accum_delta[i] = rho * ad + one_minus_rho * (delta * delta);
    var[i] = var[i] + lr * delta;
}

// ---- algorithms ------------------------------------------------------------------------------

__kernel void gradient_descent(__global REAL *var, __global const REAL *grad, ulong from, ulong n, REAL lr) {
    ELEMENT_INDEX_OR_RETURN
    var[i] = var[i] - grad[i] * lr;
}

__kernel void keras_momentum(__global REAL *var, __global REAL *accum, __global const REAL *grad, ulong from, ulong n,
                             REAL lr, REAL momentum, int nesterov) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL a = accum[i] * momentum - g * lr;
    accum[i] = a;
    REAL step = nesterov ? a * momentum - g * lr : a;
    var[i] = var[i] + step;
}

// Adam, or AMSGrad when amsgrad is nonzero (vhat is then read and written; otherwise unused). With decays
// nonzero the variable is first decayed as weight_decay does (AdamW in one pass, the same bits).
void adam_element(size_t i, __global REAL *var, __global REAL *m, __global REAL *v, __global REAL *vhat,
                  __global const REAL *grad, REAL alpha, REAL one_minus_beta1, REAL one_minus_beta2, REAL epsilon,
                  int decays, REAL wd, REAL wd_lr, int amsgrad) {
    REAL g = grad[i];
    REAL mi = m[i];
    REAL vi = v[i];
    mi = mi + (g - mi) * one_minus_beta1;
    vi = vi + (g * g - vi) * one_minus_beta2;
    m[i] = mi;
    v[i] = vi;
    REAL denominator_square = vi;
    if (amsgrad) {
        denominator_square = java_max(vhat[i], vi);
        vhat[i] = denominator_square;
    }
    REAL denominator = sqrt(denominator_square) + epsilon;
    REAL w = var[i];
    if (decays) {
        w = w - (w * wd) * wd_lr;
    }
    var[i] = w - (mi * alpha) / denominator;
}

__kernel void adam(__global REAL *var, __global REAL *m, __global REAL *v, __global const REAL *grad, ulong from,
                   ulong n, REAL alpha, REAL one_minus_beta1, REAL one_minus_beta2, REAL epsilon, int decays, REAL wd,
                   REAL wd_lr) {
    ELEMENT_INDEX_OR_RETURN
    adam_element(i, var, m, v, var, grad, alpha, one_minus_beta1, one_minus_beta2, epsilon, decays, wd, wd_lr, 0);
}

__kernel void adam_amsgrad(__global REAL *var, __global REAL *m, __global REAL *v, __global REAL *vhat,
                           __global const REAL *grad, ulong from, ulong n, REAL alpha, REAL one_minus_beta1,
                           REAL one_minus_beta2, REAL epsilon, int decays, REAL wd, REAL wd_lr) {
    ELEMENT_INDEX_OR_RETURN
    adam_element(i, var, m, v, vhat, grad, alpha, one_minus_beta1, one_minus_beta2, epsilon, decays, wd, wd_lr, 1);
}

// Keras's Python RMSprop. mg is used only when centered, mom only when has_momentum (the host
// passes another buffer in their place otherwise).
__kernel void rmsprop(__global REAL *var, __global REAL *ms, __global REAL *mg, __global REAL *mom,
                      __global const REAL *grad, ulong from, ulong n, REAL lr, REAL rho, REAL one_minus_rho,
                      REAL momentum, REAL epsilon, int centered, int has_momentum, int epsilon_inside_sqrt) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL msi = rho * ms[i] + one_minus_rho * (g * g);
    ms[i] = msi;
    REAL denominator = msi;
    if (centered) {
        REAL mgi = rho * mg[i] + one_minus_rho * g;
        mg[i] = mgi;
        denominator = msi - mgi * mgi;
    }
    REAL increment = epsilon_inside_sqrt
            ? (lr * g) / sqrt(denominator + epsilon)
            : (lr * g) / (sqrt(denominator) + epsilon);
    if (has_momentum) {
        increment = momentum * mom[i] + increment;
        mom[i] = increment;
    }
    var[i] = var[i] - increment;
}

// TensorFlow's ApplyRMSProp, or ApplyCenteredRMSProp when centered (mg is unused otherwise).
__kernel void rmsprop_momentum(__global REAL *var, __global REAL *ms, __global REAL *mg, __global REAL *mom,
                               __global const REAL *grad, ulong from, ulong n, REAL lr, REAL one_minus_rho,
                               REAL momentum, REAL epsilon, int centered) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL msi = ms[i];
    msi = msi + (g * g - msi) * one_minus_rho;
    ms[i] = msi;
    REAL denominator;
    if (centered) {
        REAL mgi = mg[i];
        mgi = mgi + (g - mgi) * one_minus_rho;
        mg[i] = mgi;
        denominator = (msi - mgi * mgi) + epsilon;
    } else {
        denominator = msi + epsilon;
    }
    REAL momi = mom[i] * momentum + (g * lr) / sqrt(denominator);
    mom[i] = momi;
    var[i] = var[i] - momi;
}

__kernel void adagrad(__global REAL *var, __global REAL *accum, __global const REAL *grad, ulong from, ulong n,
                      REAL lr, REAL epsilon, int epsilon_inside_sqrt) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL a = accum[i] + g * g;
    accum[i] = a;
    REAL denominator = epsilon_inside_sqrt ? sqrt(a + epsilon) : sqrt(a) + epsilon;
    var[i] = var[i] - (g * lr) / denominator;
}

__kernel void adadelta(__global REAL *var, __global REAL *accum, __global REAL *accum_update,
                       __global const REAL *grad, ulong from, ulong n, REAL lr, REAL rho, REAL one_minus_rho,
                       REAL epsilon) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL a = accum[i] * rho + (g * g) * one_minus_rho;
    accum[i] = a;
    REAL au = accum_update[i];
    REAL update = sqrt(au + epsilon) * ((REAL) 1 / sqrt(a + epsilon)) * g;
    var[i] = var[i] - update * lr;
    accum_update[i] = au * rho + (update * update) * one_minus_rho;
}

__kernel void adamax(__global REAL *var, __global REAL *m, __global REAL *v, __global const REAL *grad, ulong from,
                     ulong n, REAL scaled_lr, REAL one_minus_beta1, REAL beta2, REAL epsilon) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL mi = m[i];
    mi = mi + (g - mi) * one_minus_beta1;
    m[i] = mi;
    REAL vi = java_max(beta2 * v[i], fabs(g));
    v[i] = vi;
    var[i] = var[i] - scaled_lr * (mi / (vi + epsilon));
}

__kernel void nadam(__global REAL *var, __global REAL *m, __global REAL *v, __global const REAL *grad, ulong from,
                    ulong n, REAL lr, REAL beta1, REAL one_minus_beta1, REAL beta2, REAL one_minus_beta2,
                    REAL one_minus_momentum, REAL next_momentum, REAL one_minus_schedule_new,
                    REAL one_minus_schedule_next, REAL one_minus_beta2_power, REAL epsilon) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL g_prime = g / one_minus_schedule_new;
    REAL mi = beta1 * m[i] + one_minus_beta1 * g;
    m[i] = mi;
    REAL m_prime = mi / one_minus_schedule_next;
    REAL vi = beta2 * v[i] + one_minus_beta2 * (g * g);
    v[i] = vi;
    REAL v_prime = vi / one_minus_beta2_power;
    REAL m_bar = one_minus_momentum * g_prime + next_momentum * m_prime;
    var[i] = var[i] - (lr * m_bar) / (sqrt(v_prime) + epsilon);
}

// beta1 and beta2 are unused here; the argument list matches nadam so the host sets both alike.
__kernel void nadam_keras3(__global REAL *var, __global REAL *m, __global REAL *v, __global const REAL *grad,
                           ulong from, ulong n, REAL lr, REAL beta1, REAL one_minus_beta1, REAL beta2,
                           REAL one_minus_beta2, REAL one_minus_momentum, REAL next_momentum,
                           REAL one_minus_schedule_new, REAL one_minus_schedule_next, REAL one_minus_beta2_power,
                           REAL epsilon) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL mi = m[i];
    mi = mi + (g - mi) * one_minus_beta1;
    m[i] = mi;
    REAL vi = v[i];
    vi = vi + (g * g - vi) * one_minus_beta2;
    v[i] = vi;
    REAL m_hat = (next_momentum * mi) / one_minus_schedule_next + (one_minus_momentum * g) / one_minus_schedule_new;
    REAL v_hat = vi / one_minus_beta2_power;
    var[i] = var[i] - (m_hat * lr) / (sqrt(v_hat) + epsilon);
}

// x^-p as the reference takes it: a square root when p = -0.5, else pow, which the reference
// computes in double (Math.pow) also for float. Neither OpenCL's pow nor Math.pow is correctly
// rounded, so this is the one place where results may differ from the reference: in float64 an
// ulp or two of pow for a few percent of the elements (which FTRL's difference of two powers can
// magnify); in float32 only where the two double pows round to different floats, which is rare.
REAL negative_power(REAL x, REAL p) {
    if (p == (REAL) -0.5) {
        return sqrt(x);
    }
#ifdef PANAMAX_FP64
    return (REAL) pow((double) x, (double) -p);
#else
    return pow(x, -p);
#endif
}

// ApplyFtrl, or with shrinkage (two_l2_shrinkage > 0) ApplyFtrlV2MultiplyLinearByLr.
__kernel void ftrl(__global REAL *var, __global REAL *accum, __global REAL *linear, __global const REAL *grad,
                   ulong from, ulong n, REAL lr, REAL l1, REAL two_l2, REAL two_l2_shrinkage, REAL lr_power,
                   int keras3) {
    ELEMENT_INDEX_OR_RETURN
    int v2 = !keras3 && two_l2_shrinkage > (REAL) 0;
    REAL threshold = v2 ? l1 * lr : l1;
    REAL two_l2_lr = two_l2 * lr;
    REAL g = grad[i];
    REAL w = var[i];
    REAL a = accum[i];
    REAL new_accum = a + g * g;
    REAL new_power = negative_power(new_accum, lr_power);
    REAL power_step = new_power - negative_power(a, lr_power);
    if (keras3) {
        // Keras 3's update_step: linear unscaled, var from the clipped linear.
        REAL l = linear[i] + ((g + two_l2_shrinkage * w) - (power_step / lr) * w);
        linear[i] = l;
        var[i] = (java_max(java_min(l, l1), -l1) - l) / (new_power / lr + two_l2);
        accum[i] = new_accum;
        return;
    }
    REAL l = v2
            ? linear[i] + ((g + two_l2_shrinkage * w) * lr - power_step * w)
            : linear[i] + (g - (power_step / lr) * w);
    linear[i] = l;
    REAL x = threshold * java_signum(l) - l;
    REAL y = v2 ? new_power + two_l2_lr : new_power / lr + two_l2;
    var[i] = fabs(l) > threshold ? x / y : (REAL) 0;
    accum[i] = new_accum;
}

// Keras 3's ScheduleFreeAdamW: var is y, z the momentum slot (its value before this step in x).
__kernel void schedule_free_adamw(__global REAL *var, __global REAL *z, __global REAL *v, __global const REAL *grad, ulong from,
                                  ulong n, REAL lr, REAL one_minus_beta1, REAL beta1, REAL one_minus_beta2,
                                  REAL bias_correction2, REAL epsilon, REAL weight, REAL one_minus_weight) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL z_old = z[i];
    REAL vi = v[i];
    vi = vi + (g * g - vi) * one_minus_beta2;
    REAL zi = z_old - (lr * g) / (sqrt(vi / bias_correction2) + epsilon);
    REAL x = (var[i] - one_minus_beta1 * z_old) / beta1;
    REAL x_new = one_minus_weight * x + weight * zi;
    var[i] = one_minus_beta1 * zi + beta1 * x_new;
    z[i] = zi;
    v[i] = vi;
}

// ---- Keras 3's Lamb: the moments, the sum of squares of the update, the step ------------------

REAL lamb_update(REAL m, REAL v, REAL one_minus_beta1_power, REAL one_minus_beta2_power, REAL epsilon) {
    return (m / one_minus_beta1_power) / (sqrt(v / one_minus_beta2_power) + epsilon);
}

__kernel void lamb_moments(__global REAL *m, __global REAL *v, __global const REAL *grad, ulong from, ulong n,
                           REAL one_minus_beta1, REAL one_minus_beta2) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL mi = m[i];
    REAL vi = v[i];
    m[i] = mi + (g - mi) * one_minus_beta1;
    v[i] = vi + (g * g - vi) * one_minus_beta2;
}

__kernel void lamb_update_sum_of_squares(__global const REAL *m, __global const REAL *v, __global square_sum *partial,
                                         ulong from, ulong n, REAL one_minus_beta1_power, REAL one_minus_beta2_power,
                                         REAL epsilon) {
    SUM_OF_SQUARES_OF(lamb_update(m[i], v[i], one_minus_beta1_power, one_minus_beta2_power, epsilon))
}

__kernel void lamb_apply(__global REAL *var, __global const REAL *m, __global const REAL *v, ulong from, ulong n,
                         REAL one_minus_beta1_power, REAL one_minus_beta2_power, REAL epsilon, REAL scale) {
    ELEMENT_INDEX_OR_RETURN
    var[i] = var[i] - scale * lamb_update(m[i], v[i], one_minus_beta1_power, one_minus_beta2_power, epsilon);
}

// ---- Keras 3's Adafactor ----------------------------------------------------------------------
// The factored moments add in the reference's fixed order, one work-item per row, column or
// matrix, so that they are bit-identical to it (with doubles; float-float sums without fp64).

accumulator add_real(accumulator sum, REAL x) {
#ifdef PANAMAX_FP64
    return sum + (double) x;
#else
    return add_float_float(sum, (float2) (x, 0.0f));
#endif
}

REAL accumulated(accumulator sum) {
#ifdef PANAMAX_FP64
    return (REAL) sum;
#else
    return sum.x + sum.y;
#endif
}

// One work-item per row of the stack: the row's G2 = g * g + epsilon1, element j into partial
// sum j % 4, then (p0 + p1) + (p2 + p3); the mean updates r.
__kernel void adafactor_rows(__global const REAL *grad, __global REAL *r, ulong from, ulong n, ulong columns, REAL beta2t,
                             REAL one_minus_beta2t, REAL epsilon1) {
    ELEMENT_INDEX_OR_RETURN
    accumulator p[4] = {ZERO_SUM, ZERO_SUM, ZERO_SUM, ZERO_SUM};
    for (ulong j = 0; j < columns; j++) {
        REAL g = grad[i * columns + j];
        p[j & 3] = add_real(p[j & 3], g * g + epsilon1);
    }
    REAL mean = accumulated(ADD_SUMS(ADD_SUMS(p[0], p[1]), ADD_SUMS(p[2], p[3]))) / (REAL) columns;
    r[i] = beta2t * r[i] + one_minus_beta2t * mean;
}

// One work-item per column of the stack (matrix i / columns, column i % columns): its rows in order.
__kernel void adafactor_columns(__global const REAL *grad, __global REAL *c, ulong from, ulong n, ulong rows, ulong columns,
                                REAL beta2t, REAL one_minus_beta2t, REAL epsilon1) {
    ELEMENT_INDEX_OR_RETURN
    ulong start = (i / columns) * rows * columns + i % columns;
    accumulator sum = ZERO_SUM;
    for (ulong row = 0; row < rows; row++) {
        REAL g = grad[start + row * columns];
        sum = add_real(sum, g * g + epsilon1);
    }
    REAL mean = accumulated(sum) / (REAL) rows;
    c[i] = beta2t * c[i] + one_minus_beta2t * mean;
}

// One work-item per matrix: the mean of its r, in order, then r / mean.
__kernel void adafactor_row_factors(__global const REAL *r, __global REAL *row_factors, ulong from, ulong n, ulong rows) {
    ELEMENT_INDEX_OR_RETURN
    accumulator sum = ZERO_SUM;
    for (ulong k = 0; k < rows; k++) {
        sum = add_real(sum, r[i * rows + k]);
    }
    REAL mean = accumulated(sum) / (REAL) rows;
    for (ulong k = 0; k < rows; k++) {
        row_factors[i * rows + k] = r[i * rows + k] / mean;
    }
}

REAL adafactor_factored_update(__global REAL *v, __global const REAL *grad, __global const REAL *row_factors,
                               __global const REAL *c, ulong rows, ulong columns, size_t i) {
    ulong matrix = rows * columns;
    ulong b = i / matrix;
    ulong in_matrix = i - b * matrix;
    REAL vi = row_factors[b * rows + in_matrix / columns] * c[b * columns + in_matrix % columns];
    v[i] = vi;
    return grad[i] / sqrt(vi);
}

__kernel void adafactor_factored_velocity(__global REAL *v, __global const REAL *grad, __global const REAL *row_factors,
                                          __global const REAL *c, __global square_sum *partial, ulong from, ulong n,
                                          ulong rows, ulong columns) {
    SUM_OF_SQUARES_OF(adafactor_factored_update(v, grad, row_factors, c, rows, columns, i))
}

REAL adafactor_update(__global REAL *v, __global const REAL *grad, REAL beta2t, REAL one_minus_beta2t, REAL epsilon1,
                      size_t i) {
    REAL g = grad[i];
    REAL vi = beta2t * v[i] + one_minus_beta2t * (g * g + epsilon1);
    v[i] = vi;
    return g / sqrt(vi);
}

__kernel void adafactor_velocity(__global REAL *v, __global const REAL *grad, __global square_sum *partial, ulong from,
                                 ulong n, REAL beta2t, REAL one_minus_beta2t, REAL epsilon1) {
    SUM_OF_SQUARES_OF(adafactor_update(v, grad, beta2t, one_minus_beta2t, epsilon1, i))
}

__kernel void adafactor_apply(__global REAL *var, __global const REAL *v, __global const REAL *grad, ulong from, ulong n,
                              REAL alpha, REAL divisor) {
    ELEMENT_INDEX_OR_RETURN
    REAL u = grad[i] / sqrt(v[i]);
    var[i] = var[i] - alpha * (u / divisor);
}

// ---- sparse rows: the parts of TF2 Keras's _resource_apply_sparse that no dense kernel has ----
// The host gathers the touched rows into contiguous buffers, runs these on them, and scatters
// them back; each is ScalarKernels' loop of the same name.

__kernel void square_axpy(__global const REAL *x, __global REAL *y, ulong from, ulong n, REAL alpha) {
    ELEMENT_INDEX_OR_RETURN
    REAL xi = x[i];
    y[i] = y[i] + (xi * xi) * alpha;
}

// vhat is read and written only when amsgrad is nonzero (the host passes another buffer otherwise).
__kernel void adam_from_moments(__global REAL *var, __global const REAL *m, __global const REAL *v, __global REAL *vhat,
                                ulong from, ulong n, REAL alpha, REAL epsilon, int amsgrad) {
    ELEMENT_INDEX_OR_RETURN
    REAL denominator_square = v[i];
    if (amsgrad) {
        denominator_square = java_max(vhat[i], denominator_square);
        vhat[i] = denominator_square;
    }
    REAL denominator = sqrt(denominator_square) + epsilon;
    var[i] = var[i] - (alpha * m[i]) / denominator;
}

__kernel void adamax_rows(__global REAL *var, __global REAL *m, __global REAL *v, __global const REAL *grad, ulong from,
                          ulong n, REAL scaled_lr, REAL one_minus_beta1, REAL beta2, REAL epsilon, REAL beta1) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL mi = m[i] * beta1 + g * one_minus_beta1;
    REAL vi = java_max(v[i] * beta2, fabs(g));
    m[i] = mi;
    v[i] = vi;
    var[i] = var[i] - scaled_lr * (mi / (vi + epsilon));
}

// mg is used only when centered.
__kernel void rmsprop_momentum_rows(__global REAL *var, __global REAL *ms, __global REAL *mg, __global REAL *mom,
                                    __global const REAL *grad, ulong from, ulong n, REAL lr, REAL rho,
                                    REAL one_minus_rho, REAL momentum, REAL epsilon, int centered) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL msi = ms[i] * rho + (g * g) * one_minus_rho;
    ms[i] = msi;
    REAL denominator = msi + epsilon;
    if (centered) {
        REAL mgi = mg[i] * rho + g * one_minus_rho;
        mg[i] = mgi;
        denominator = denominator - mgi * mgi;
    }
    REAL momi = mom[i] * momentum + (((REAL) 1 / sqrt(denominator)) * lr) * g;
    mom[i] = momi;
    var[i] = var[i] - momi;
}

// SparseApplyFtrl / SparseApplyFtrlV2 (linear not multiplied by lr).
__kernel void ftrl_rows(__global REAL *var, __global REAL *accum, __global REAL *linear, __global const REAL *grad,
                        ulong from, ulong n, REAL lr, REAL l1, REAL two_l2, REAL two_l2_shrinkage, REAL lr_power,
                        int one_element_rows) {
    ELEMENT_INDEX_OR_RETURN
    REAL g = grad[i];
    REAL w = var[i];
    REAL a = accum[i];
    REAL shrunk = two_l2_shrinkage > (REAL) 0 ? g + two_l2_shrinkage * w : g;
    REAL new_accum = a + g * g;
    REAL new_power = negative_power(new_accum, lr_power);
    REAL sigma = (new_power - negative_power(a, lr_power)) / lr;
    REAL l = linear[i];
    l = one_element_rows ? (l + shrunk) - sigma * w : l + (shrunk - sigma * w);
    linear[i] = l;
    REAL y = new_power / lr + two_l2;
    var[i] = (java_max(java_min(l, l1), -l1) - l) / y;
    accum[i] = new_accum;
}

// ---- mixed precision: variables and slots stored in 16 bits (built with REAL=float only) ---------
//
// OptimizerKernels' adamMixed, kerasMomentumMixed and lionMixed: the variable and each slot have a
// kind, 0 float32, 1 bfloat16, 2 float16, and their buffers are read as floats or as 16-bit
// patterns by it; the gradient is float. The element widens to float (exactly), the float formula
// runs in the reference's order, the variable moves by the float values, each stored slot is
// rounded to nearest and a 16-bit variable as VariableRounding says (stochastic, key). The
// conversions are HalfFloats' in integer code: to nearest, ties to even, subnormals kept, float16
// overflowing to infinity from 65520, a NaN to the quiet NaN with its sign (0x7FC0, 0x7E00); widening a float16
// NaN keeps its payload and sets the quiet bit. (vload/vstore of OpenCL leave NaN bits open.)

#ifdef PANAMAX_SLOTS16

float bfloat16_to_float(ushort h) {
    return as_float((uint) h << 16);
}

ushort float_to_bfloat16(float f) {
    uint bits = as_uint(f);
    if (isnan(f)) {
        return (ushort) (((bits >> 16) & 0x8000u) | 0x7FC0u);
    }
    return (ushort) ((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

float float16_to_float(ushort h) {
    uint sign = ((uint) h & 0x8000u) << 16;
    uint magnitude = (uint) h & 0x7FFFu;
    if (magnitude >= 0x7C00u) {
        uint special = 0x7F800000u | ((magnitude & 0x3FFu) << 13);
        return as_float(sign | (magnitude > 0x7C00u ? special | 0x00400000u : special));
    }
    if (magnitude < 0x400u) {
        // Zero or subnormal: magnitude * 2^-24, a normal float (or zero) computed exactly.
        return as_float(sign | as_uint((float) magnitude * 0x1p-24f));
    }
    return as_float(sign | ((magnitude << 13) + (112u << 23)));
}

ushort float_to_float16(float f) {
    uint bits = as_uint(f);
    ushort sign = (ushort) ((bits >> 16) & 0x8000u);
    if (isnan(f)) {
        return sign | (ushort) 0x7E00u;
    }
    uint magnitude = bits & 0x7FFFFFFFu;
    if (magnitude >= 0x477FF000u) {             // 65520 and above: infinity
        return sign | (ushort) 0x7C00u;
    }
    if (magnitude < 0x38800000u) {              // below 2^-14: a float16 subnormal or zero
        uint shift = 126u - (magnitude >> 23);  // the value times 2^24 is the significand >> shift
        if (shift > 24u) {
            return sign;
        }
        uint significand = (magnitude & 0x7FFFFFu) | 0x800000u;
        uint q = significand >> shift;
        uint rest = significand & ((1u << shift) - 1u);
        uint halfway = 1u << (shift - 1u);
        if (rest > halfway || (rest == halfway && (q & 1u))) {
            q++;
        }
        return sign | (ushort) q;
    }
    // Normal: rebias the exponent (127 to 15) and round the 13 dropped bits; a carry moves to the
    // next binade, and from the largest finite value to infinity.
    return sign | (ushort) ((magnitude - (112u << 23) + 0xFFFu + ((magnitude >> 13) & 1u)) >> 13);
}

// VariableRounding.random: the Weyl value x = i * GOLDEN + key over the element's low 32 bits,
// then (x ^ x >> 16) * MIX.
uint random_bits(uint key, size_t i) {
    uint x = (uint) i * 0x9E3779B9u + key;
    return (x ^ (x >> 16)) * 0x85EBCA6Bu;
}

// HalfFloats.toBfloat16Stochastic: the random top 16 bits added to the 16 dropped bits.
ushort float_to_bfloat16_stochastic(float f, uint random) {
    uint bits = as_uint(f);
    if (isnan(f)) {
        return (ushort) (((bits >> 16) & 0x8000u) | 0x7FC0u);
    }
    return (ushort) ((bits + (random >> 16)) >> 16);
}

// HalfFloats.toFloat16Stochastic: the random top s bits added to the s bits below float16's
// spacing at f, then dropped.
ushort float_to_float16_stochastic(float f, uint random) {
    uint bits = as_uint(f);
    ushort sign = (ushort) ((bits >> 16) & 0x8000u);
    if (isnan(f)) {
        return sign | (ushort) 0x7E00u;
    }
    uint magnitude = bits & 0x7FFFFFFFu;
    int exponent = max((int) (magnitude >> 23), 1);
    uint significand = (magnitude & 0x7FFFFFu) | (magnitude >= 0x800000u ? 0x800000u : 0u);
    int shift = max(126 - exponent, 13);
    if (shift > 31) {
        return sign;
    }
    uint kept = (significand + (random >> (32 - shift))) >> shift;
    uint rounded = kept + ((uint) max(exponent - 113, 0) << 10);
    return sign | (ushort) min(rounded, 0x7C00u);
}

// Stores a variable's new value: float32 as it is, a 16-bit kind rounded to nearest, or
// stochastically with the element's random bits when stochastic is nonzero.
void store_variable(int kind, int stochastic, uint key, __global uchar *var, size_t i, float x) {
    if (kind == 0) {
        ((__global float *) var)[i] = x;
    } else if (stochastic) {
        uint r = random_bits(key, i);
        ((__global ushort *) var)[i] = kind == 1 ? float_to_bfloat16_stochastic(x, r) : float_to_float16_stochastic(x, r);
    } else {
        ((__global ushort *) var)[i] = kind == 1 ? float_to_bfloat16(x) : float_to_float16(x);
    }
}

float load_slot(int kind, __global const uchar *slot, size_t i) {
    if (kind == 0) {
        return ((__global const float *) slot)[i];
    }
    ushort h = ((__global const ushort *) slot)[i];
    return kind == 1 ? bfloat16_to_float(h) : float16_to_float(h);
}

void store_slot(int kind, __global uchar *slot, size_t i, float x) {
    if (kind == 0) {
        ((__global float *) slot)[i] = x;
    } else {
        ((__global ushort *) slot)[i] = kind == 1 ? float_to_bfloat16(x) : float_to_float16(x);
    }
}

// Adam, or AMSGrad when amsgrad is nonzero (vhat is then read and written; otherwise unused), with
// the fused weight decay when decays is nonzero: adam_element's formula on widened slots.
__kernel void adam_16bit_slots(__global uchar *var, __global uchar *m, __global uchar *v, __global uchar *vhat,
                               __global const float *grad, ulong from, ulong n, float alpha, float one_minus_beta1,
                               float one_minus_beta2, float epsilon, int decays, float wd, float wd_lr, int amsgrad,
                               int m_kind, int v_kind, int vhat_kind, int var_kind, int stochastic, uint key) {
    ELEMENT_INDEX_OR_RETURN
    float g = grad[i];
    float mi = load_slot(m_kind, m, i);
    float vi = load_slot(v_kind, v, i);
    mi = mi + (g - mi) * one_minus_beta1;
    vi = vi + (g * g - vi) * one_minus_beta2;
    store_slot(m_kind, m, i, mi);
    store_slot(v_kind, v, i, vi);
    float denominator_square = vi;
    if (amsgrad) {
        denominator_square = java_max(load_slot(vhat_kind, vhat, i), vi);
        store_slot(vhat_kind, vhat, i, denominator_square);
    }
    float denominator = sqrt(denominator_square) + epsilon;
    float w = load_slot(var_kind, var, i);
    if (decays) {
        w = w - w * wd * wd_lr;
    }
    store_variable(var_kind, stochastic, key, var, i, w - (mi * alpha) / denominator);
}

__kernel void gradient_descent_16bit(__global uchar *var, __global const float *grad, ulong from, ulong n, float lr,
                                     int var_kind, int stochastic, uint key) {
    ELEMENT_INDEX_OR_RETURN
    store_variable(var_kind, stochastic, key, var, i, load_slot(var_kind, var, i) - grad[i] * lr);
}

__kernel void keras_momentum_16bit_slots(__global uchar *var, __global uchar *accum, __global const float *grad, ulong from,
                                         ulong n, float lr, float momentum, int nesterov, int accum_kind, int var_kind,
                                         int stochastic, uint key) {
    ELEMENT_INDEX_OR_RETURN
    float g = grad[i];
    float a = load_slot(accum_kind, accum, i) * momentum - g * lr;
    store_slot(accum_kind, accum, i, a);
    float step = nesterov ? a * momentum - g * lr : a;
    store_variable(var_kind, stochastic, key, var, i, load_slot(var_kind, var, i) + step);
}

// Lion, with TF's Sign as lion has it: +-1, +0 at either zero, the NaN itself at NaN.
__kernel void lion_16bit_slots(__global uchar *var, __global uchar *m, __global const float *grad, ulong from, ulong n,
                               float lr, float beta1, float one_minus_beta1, float beta2, float one_minus_beta2, int m_kind,
                               int var_kind, int stochastic, uint key) {
    ELEMENT_INDEX_OR_RETURN
    float g = grad[i];
    float mi = load_slot(m_kind, m, i);
    float d = mi * beta1 + g * one_minus_beta1;
    float s = d > 0 ? 1.0f : (d < 0 ? -1.0f : (d == 0 ? 0.0f : d));
    store_variable(var_kind, stochastic, key, var, i, load_slot(var_kind, var, i) - lr * s);
    store_slot(m_kind, m, i, mi * beta2 + g * one_minus_beta2);
}

#endif
