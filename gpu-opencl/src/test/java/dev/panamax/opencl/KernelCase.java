package dev.panamax.opencl;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.AdamaxCoefficients;
import dev.panamax.kernels.FtrlCoefficients;
import dev.panamax.kernels.Keras3AdamaxCoefficients;
import dev.panamax.kernels.LambCoefficients;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.kernels.NadamCoefficients;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.RmspropCoefficients;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.kernels.ScheduleFreeCoefficients;
import dev.panamax.kernels.VariableRounding;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One entry per method of {@link OptimizerKernels} and per variant of its optional slots and
 * flags: the kinds of its arrays, how to draw its scalars, and the arguments of the call. The
 * same arguments, with host segments or device buffers as the arrays, go to the scalar reference
 * and to the method of the same name of {@link OpenClKernels} (whose parameters are checked
 * against the interface's in {@code KernelCoverageTest}, which also fails when an interface
 * method has no entry here).
 *
 * <p>Array kinds: {@code s} signed values, {@code p} non-negative values (second moments,
 * accumulators), so that the arithmetic is exercised beyond NaN; special values are mixed into
 * both. {@code f} and {@code q} are the same without special values, for sums that must stay
 * finite to show their order.
 */
enum KernelCase {
    SCALE("scale", "s", (r, t) -> draw(r, t, -3, 3), (t, a, from, to, p) -> args(t, a[0], from, to, p[0])),
    SCALE_DIVIDE("scaleDivide", "s", (r, t) -> draw(r, t, 0.1, 5, 0.1, 50),
            (t, a, from, to, p) -> args(t, a[0], from, to, p[0], p[1])),
    CLIP_BY_VALUE("clipByValue", "s", (r, t) -> {
        double c = t.round(r.nextDouble(0.01, 2));
        return new double[] {-c, c};
    }, (t, a, from, to, p) -> args(t, a[0], from, to, p[0], p[1])),
    /** Clipping to [-0, +0]: Java's Math.min/max order signed zeros, OpenCL's fmin/fmax need not. */
    CLIP_BY_VALUE_SIGNED_ZEROS(CLIP_BY_VALUE, (r, t) -> new double[] {-0.0, 0.0}),
    AXPY("axpy", "ss", (r, t) -> draw(r, t, -2, 2), (t, a, from, to, p) -> args(t, p[0], a[0], a[1], from, to)),
    /** With the special values: the sum is NaN or infinite as soon as one is there. */
    SUM_OF_SQUARES("sumOfSquares", "s", (r, t) -> new double[0], (t, a, from, to, p) -> args(t, a[0], from, to)),
    /** Finite values only, so that the sum is finite and its order shows in its bits. */
    SUM_OF_SQUARES_FINITE("sumOfSquares", "f", SUM_OF_SQUARES.scalars, SUM_OF_SQUARES.call),
    WEIGHT_DECAY("weightDecay", "s", (r, t) -> draw(r, t, 1e-4, 0.1, 1e-4, 1),
            (t, a, from, to, p) -> args(t, a[0], from, to, p[0], p[1])),
    MOVING_AVERAGE("movingAverage", "ss", (r, t) -> {
        double m = draw(r, t, 0, 1)[0];
        return new double[] {m, t.round(1 - m)};
    }, (t, a, from, to, p) -> args(t, a[0], a[1], from, to, p[0], p[1])),
    /** Arrays var, m, grad. */
    LION("lion", "sss", KernelCase::lionScalars, (t, a, from, to, p) -> args(t, a[0], a[1], a[2], from, to, lion(p))),
    /** Arrays var (y), z, v, grad. */
    SCHEDULE_FREE_ADAMW("scheduleFreeAdamw", "ssps", KernelCase::scheduleFreeScalars,
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], from, to, scheduleFree(p))),
    /** Arrays m, v, grad; returns the sum of squares of the update. */
    LAMB_MOMENTS("lambMoments", "sps", KernelCase::lambScalars, (t, a, from, to, p) -> args(t, a[0], a[1], a[2], from, to, lamb(p))),
    /** Finite values and v non-negative, so that the sum is finite and its order shows in its bits. */
    LAMB_MOMENTS_FINITE("lambMoments", "fqf", LAMB_MOMENTS.scalars, LAMB_MOMENTS.call),
    /** Arrays var, m, v; the last scalar is the trust ratio times lr. */
    LAMB_APPLY("lambApply", "ssp", (r, t) -> {
        double[] p = java.util.Arrays.copyOf(lambScalars(r, t), 6);
        p[5] = t.round(r.nextDouble(1e-4, 10));
        return p;
    }, (t, a, from, to, p) -> args(t, a[0], a[1], a[2], from, to, lamb(p), p[5])),
    /**
     * Arrays grad, r, c, rowFactors, from 0 only: elements [0, n) as a stack of matrices
     * (see {@link #adafactorShape}).
     */
    ADAFACTOR_FACTORS("adafactorFactors", "sspp", KernelCase::adafactorScalars, (t, a, from, to, p) -> {
        long[] shape = adafactorShape(to);
        return args(t, a[0], a[1], a[2], a[3], shape[0], shape[1], shape[2], p[0], p[1], p[2]);
    }) {
        @Override
        boolean fromZeroOnly() {
            return true;
        }
    },
    /** Arrays v, grad, rowFactors, c; rows and columns drawn small. */
    ADAFACTOR_FACTORED_VELOCITY("adafactorFactoredVelocity", "spps", (r, t) -> new double[] {r.nextInt(1, 40), r.nextInt(1, 40)},
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], (long) p[0], (long) p[1], from, to)),
    /** Finite values and positive factors: a finite sum. */
    ADAFACTOR_FACTORED_VELOCITY_FINITE("adafactorFactoredVelocity", "ffqq", ADAFACTOR_FACTORED_VELOCITY.scalars,
            ADAFACTOR_FACTORED_VELOCITY.call),
    /** Arrays v, grad. */
    ADAFACTOR_VELOCITY("adafactorVelocity", "ps", KernelCase::adafactorScalars,
            (t, a, from, to, p) -> args(t, a[0], a[1], from, to, p[0], p[1], p[2])),
    /** Finite values and v non-negative: a finite sum. */
    ADAFACTOR_VELOCITY_FINITE("adafactorVelocity", "qf", ADAFACTOR_VELOCITY.scalars, ADAFACTOR_VELOCITY.call),
    /** Arrays var, v, grad. */
    ADAFACTOR_APPLY("adafactorApply", "sps", (r, t) -> draw(r, t, 1e-4, 1, 1, 10),
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], from, to, p[0], p[1])),
    /** Arrays var, m, u, grad. */
    ADAMAX_KERAS3("adamaxKeras3", "ssps", KernelCase::adamaxKeras3Scalars,
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], from, to, adamaxKeras3(p))),
    GRADIENT_DESCENT("gradientDescent", "ss", (r, t) -> draw(r, t, 1e-4, 1),
            (t, a, from, to, p) -> args(t, a[0], a[1], from, to, p[0])),
    KERAS_MOMENTUM("kerasMomentum", "sss", (r, t) -> draw(r, t, 1e-4, 1, 0, 1),
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], from, to, p[0], p[1], false)),
    KERAS_MOMENTUM_NESTEROV("kerasMomentum", "sss", KERAS_MOMENTUM.scalars,
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], from, to, p[0], p[1], true)),
    /** Arrays var, m, v, grad. */
    ADAM("adam", "ssps", KernelCase::adamScalars,
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], from, to, adam(p))),
    /** Adam with Keras 3's weight decay in the kernel (AdamW). */
    ADAM_WEIGHT_DECAY("adam", "ssps", KernelCase::adamWeightDecayScalars,
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], from, to, adam(p).withWeightDecay(p[4], p[5]))),
    /** Arrays var, m, v, vhat, grad. */
    ADAM_AMSGRAD("adamAmsgrad", "sspps", KernelCase::adamScalars,
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], a[4], from, to, adam(p))),
    /**
     * Slots in 16 bits (the case's dtype, bfloat16 or float16; {@link #arrayType}), float32
     * variable and gradient: arrays var, m, v, grad; with the fused weight decay.
     */
    ADAM_HALF_SLOTS("adamMixed", "shgs", KernelCase::adamWeightDecayScalars, (t, a, from, to, p) -> args(DType.FLOAT32, t, t, null,
            VariableRounding.NEAREST, a[0], a[1], a[2], null, a[3], from, to, adam(p).withWeightDecay(p[4], p[5]))),
    /** AMSGrad: arrays var, m (the case's 16-bit type), v (float32), vhat (the other 16-bit type), grad. */
    ADAM_HALF_SLOTS_AMSGRAD("adamMixed", "shpos", KernelCase::adamScalars, (t, a, from, to, p) -> args(DType.FLOAT32, t,
            DType.FLOAT32, otherHalf(t), VariableRounding.NEAREST, a[0], a[1], a[2], a[3], a[4], from, to, adam(p))),
    /** Arrays var, accum (the case's 16-bit type), grad; Nesterov. */
    KERAS_MOMENTUM_HALF_SLOTS("kerasMomentumMixed", "shs", KERAS_MOMENTUM.scalars,
            (t, a, from, to, p) -> args(DType.FLOAT32, t, VariableRounding.NEAREST, a[0], a[1], a[2], from, to, p[0], p[1], true)),
    /** Arrays var, m (the case's 16-bit type), grad. */
    LION_HALF_SLOTS("lionMixed", "shs", KernelCase::lionScalars,
            (t, a, from, to, p) -> args(DType.FLOAT32, t, VariableRounding.NEAREST, a[0], a[1], a[2], from, to, lion(p))),
    /**
     * A 16-bit variable (the case's type) rounded stochastically: arrays var, m, v (the case's
     * type), grad (float32); with the fused weight decay.
     */
    ADAM_HALF_VARIABLE("adamMixed", "hhgs", KernelCase::adamWeightDecayScalars, (t, a, from, to, p) -> args(t, t, t, null,
            new VariableRounding(true, KernelCase.ROUNDING_KEY), a[0], a[1], a[2], null, a[3], from, to, adam(p).withWeightDecay(p[4], p[5]))),
    /** AMSGrad on a 16-bit variable rounded to nearest: arrays var (the case's type), m (float32), v (the other 16-bit type), vhat (the case's), grad. */
    ADAM_HALF_VARIABLE_AMSGRAD("adamMixed", "hsogs", KernelCase::adamScalars, (t, a, from, to, p) -> args(t, DType.FLOAT32,
            otherHalf(t), t, VariableRounding.NEAREST, a[0], a[1], a[2], a[3], a[4], from, to, adam(p))),
    /** A 16-bit variable rounded stochastically, float32 accum: arrays var, accum, grad. */
    KERAS_MOMENTUM_HALF_VARIABLE("kerasMomentumMixed", "hss", KERAS_MOMENTUM.scalars, (t, a, from, to, p) -> args(t, DType.FLOAT32,
            new VariableRounding(true, KernelCase.ROUNDING_KEY), a[0], a[1], a[2], from, to, p[0], p[1], false)),
    /** A 16-bit variable rounded stochastically: arrays var (the case's type), grad (float32). */
    GRADIENT_DESCENT_HALF_VARIABLE("gradientDescentMixed", "hs", GRADIENT_DESCENT.scalars, (t, a, from, to, p) -> args(t,
            new VariableRounding(true, KernelCase.ROUNDING_KEY), a[0], a[1], from, to, p[0])),
    /** A 16-bit variable and m, rounded to nearest: arrays var, m (the case's type), grad. */
    LION_HALF_VARIABLE("lionMixed", "hhs", KernelCase::lionScalars,
            (t, a, from, to, p) -> args(t, t, VariableRounding.NEAREST, a[0], a[1], a[2], from, to, lion(p))),
    /** Arrays var, ms, mg, mom, grad; no mg, no mom, epsilon outside the square root (TF2). */
    RMSPROP("rmsprop", "spsss", (r, t) -> rmspropScalars(r, t, false, false, false),
            (t, a, from, to, p) -> args(t, a[0], a[1], p[6] != 0 ? a[2] : null, p[7] != 0 ? a[3] : null, a[4], from, to,
                    rmsprop(p))),
    /** Centered (mg), epsilon inside the square root (Keras 3). */
    RMSPROP_CENTERED(RMSPROP, (r, t) -> rmspropScalars(r, t, true, false, true)),
    /** With the momentum slot, epsilon outside. */
    RMSPROP_WITH_MOMENTUM_SLOT(RMSPROP, (r, t) -> rmspropScalars(r, t, false, true, false)),
    /** Centered and with the momentum slot, epsilon inside. */
    RMSPROP_CENTERED_WITH_MOMENTUM_SLOT(RMSPROP, (r, t) -> rmspropScalars(r, t, true, true, true)),
    /** Arrays var, ms, mg, mom, grad; not centered. */
    RMSPROP_MOMENTUM("rmspropMomentum", "spsss", (r, t) -> rmspropScalars(r, t, false, true, false),
            (t, a, from, to, p) -> args(t, a[0], a[1], p[6] != 0 ? a[2] : null, a[3], a[4], from, to, rmsprop(p))),
    RMSPROP_MOMENTUM_CENTERED(RMSPROP_MOMENTUM, (r, t) -> rmspropScalars(r, t, true, true, false)),
    /** Arrays var, accum, grad; epsilon outside the square root (TF2). */
    ADAGRAD("adagrad", "sps", (r, t) -> draw(r, t, 1e-3, 1, 1e-8, 1e-3),
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], from, to, p[0], p[1], false)),
    /** Epsilon inside the square root (Keras 3). */
    ADAGRAD_EPSILON_INSIDE_SQRT("adagrad", "sps", ADAGRAD.scalars,
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], from, to, p[0], p[1], true)),
    /** Arrays var, accum, accumUpdate, grad. */
    ADADELTA("adadelta", "spps", (r, t) -> {
        double rho = t.round(r.nextDouble(0.8, 0.99));
        return new double[] {t.round(r.nextDouble(1e-3, 1)), rho, t.round(1 - rho), t.round(r.nextDouble(1e-8, 1e-3))};
    }, (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], from, to, p[0], p[1], p[2], p[3])),
    ADADELTA_KERAS3("adadeltaKeras3", "spps", ADADELTA.scalars,
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], from, to, p[0], p[1], p[2], p[3])),
    /** Arrays var, m, v, grad. */
    ADAMAX("adamax", "ssps", (r, t) -> draw(r, t, 1e-4, 0.1, 0.01, 0.2, 0.9, 0.9999, 1e-8, 1e-3),
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], from, to, adamax(p))),
    /** Arrays var, m, v, grad. */
    NADAM("nadam", "ssps", KernelCase::nadamScalars,
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], from, to, nadam(p))),
    NADAM_KERAS3("nadamKeras3", "ssps", NADAM.scalars, NADAM.call),
    /** Arrays var, accum, linear, grad; lr_power -0.5 (square roots), no shrinkage (ApplyFtrl). */
    FTRL("ftrl", "spss", (r, t) -> ftrlScalars(r, t, false, -0.5),
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], from, to, ftrl(p))),
    /** With shrinkage (ApplyFtrlV2, linear kept times lr). */
    FTRL_SHRINKAGE(FTRL, (r, t) -> ftrlScalars(r, t, true, -0.5)),
    /** lr_power other than -0.5: pow, the one operation that is not correctly rounded. */
    FTRL_POWER(FTRL, (r, t) -> ftrlScalars(r, t, false, r.nextDouble(-1, -0.05))) {
        @Override
        boolean usesPow() {
            return true;
        }
    },
    FTRL_POWER_SHRINKAGE(FTRL, (r, t) -> ftrlScalars(r, t, true, r.nextDouble(-1, -0.05))) {
        @Override
        boolean usesPow() {
            return true;
        }
    },
    /** Keras 3's form (unscaled linear, clipped), with or without shrinkage. */
    FTRL_KERAS3("ftrl", "spss", (r, t) -> ftrlScalars(r, t, r.nextBoolean(), -0.5),
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], from, to, ftrlKeras3(p))),
    FTRL_KERAS3_POWER(FTRL_KERAS3, (r, t) -> ftrlScalars(r, t, r.nextBoolean(), r.nextDouble(-1, -0.05))) {
        @Override
        boolean usesPow() {
            return true;
        }
    },
    SQUARE_AXPY("squareAxpy", "sp", (r, t) -> draw(r, t, 0.01, 1), (t, a, from, to, p) -> args(t, p[0], a[0], a[1], from, to)),
    /** Arrays var, m, v, vhat; without vhat. */
    ADAM_FROM_MOMENTS("adamFromMoments", "sspp", (r, t) -> {
        double[] p = draw(r, t, 1e-4, 0.1, 1e-8, 1e-3);
        return new double[] {p[0], p[1], 0};
    }, (t, a, from, to, p) -> args(t, a[0], a[1], a[2], p[2] != 0 ? a[3] : null, from, to, p[0], p[1])),
    ADAM_FROM_MOMENTS_AMSGRAD(ADAM_FROM_MOMENTS, (r, t) -> {
        double[] p = ADAM_FROM_MOMENTS.scalars(r, t);
        p[2] = 1;
        return p;
    }),
    /** Arrays var, m, v, grad; scalars scaledLr, 1 - beta_1, beta_2, epsilon, beta_1. */
    ADAMAX_ROWS("adamaxRows", "ssps", (r, t) -> {
        double beta1 = t.round(r.nextDouble(0.8, 0.95));
        double[] p = draw(r, t, 1e-4, 0.1, 0.9, 0.9999, 1e-8, 1e-3);
        return new double[] {p[0], t.round(1 - beta1), p[1], p[2], beta1};
    }, (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], from, to, adamax(p), p[4])),
    /** Arrays var, ms, mg, mom, grad; not centered. */
    RMSPROP_MOMENTUM_ROWS("rmspropMomentumRows", "spsss", (r, t) -> rmspropScalars(r, t, false, true, false),
            RMSPROP_MOMENTUM.call),
    RMSPROP_MOMENTUM_ROWS_CENTERED(RMSPROP_MOMENTUM_ROWS, (r, t) -> rmspropScalars(r, t, true, true, false)),
    /** Arrays var, accum, linear, grad; lr_power -0.5, no shrinkage, rows of several elements. */
    FTRL_ROWS("ftrlRows", "spss", (r, t) -> withFlag(ftrlScalars(r, t, false, -0.5), false),
            (t, a, from, to, p) -> args(t, a[0], a[1], a[2], a[3], from, to, ftrl(p), p[5] != 0)),
    /** With shrinkage, TensorFlow's path for rows of one element. */
    FTRL_ROWS_ONE_ELEMENT_SHRINKAGE(FTRL_ROWS, (r, t) -> withFlag(ftrlScalars(r, t, true, -0.5), true)),
    /** lr_power other than -0.5 (pow). */
    FTRL_ROWS_POWER(FTRL_ROWS,
            (r, t) -> withFlag(ftrlScalars(r, t, r.nextBoolean(), r.nextDouble(-1, -0.05)), r.nextBoolean())) {
        @Override
        boolean usesPow() {
            return true;
        }
    };

    static final OptimizerKernels REFERENCE = new ScalarKernels();

    /** Draws the scalars {@code p} of one run. */
    @FunctionalInterface
    interface Scalars {
        double[] draw(SplittableRandom r, DType t);
    }

    /** The arguments of one call, in the method's order, with {@code a} the case's arrays (segments or buffers). */
    @FunctionalInterface
    interface Call {
        Object[] arguments(DType t, Object[] a, long from, long to, double[] p);
    }

    /** The key of the stochastic rounding cases (any 32 bits: the random bits of every element derive from it). */
    static final int ROUNDING_KEY = 0x5EED_1234;

    private final String method;
    private final String arrayKinds;
    private final Scalars scalars;
    private final Call call;

    KernelCase(String method, String arrayKinds, Scalars scalars, Call call) {
        this.method = method;
        this.arrayKinds = arrayKinds;
        this.scalars = scalars;
        this.call = call;
    }

    /** A variant of {@code same}: the same method, arrays and arguments, other scalars. */
    KernelCase(KernelCase same, Scalars scalars) {
        this(same.method, same.arrayKinds, scalars, same.call);
    }

    /** The {@link OptimizerKernels} method this case calls. */
    String method() {
        return method;
    }

    int arrays() {
        return arrayKinds.length();
    }

    /**
     * {@code 's'} signed, {@code 'p'} non-negative, {@code 'f'} finite signed and {@code 'q'} finite
     * non-negative (no special values); a 16-bit slot's kind as {@code 's'} or {@code 'p'} ({@link #arrayType}).
     */
    char kind(int array) {
        return switch (arrayKinds.charAt(array)) {
            case 'h' -> 's';
            case 'g', 'o' -> 'p';
            default -> arrayKinds.charAt(array);
        };
    }

    /** The dtypes the case runs at: float32 and float64, or for the 16-bit slot kernels the slots' bfloat16 and float16. */
    List<DType> dtypes() {
        return method.endsWith("Mixed") ? List.of(DType.BFLOAT16, DType.FLOAT16) : List.of(DType.FLOAT32, DType.FLOAT64);
    }

    /**
     * The dtype of array {@code array} in a run at {@code t}: {@code 'h'} (signed) and {@code 'g'}
     * (non-negative) are in {@code t}, {@code 'o'} in the other 16-bit type, the others in
     * {@link #scalarType}.
     */
    DType arrayType(DType t, int array) {
        return switch (arrayKinds.charAt(array)) {
            case 'h', 'g' -> t;
            case 'o' -> otherHalf(t);
            default -> scalarType(t);
        };
    }

    /** The dtype of the variable and of the scalars in a run at {@code t}: float32 for a 16-bit slot case. */
    static DType scalarType(DType t) {
        return t.isHalf() ? DType.FLOAT32 : t;
    }

    static DType otherHalf(DType t) {
        return t == DType.BFLOAT16 ? DType.FLOAT16 : DType.BFLOAT16;
    }

    /** Whether the method returns a sum (sumOfSquares; lambMoments and the Adafactor velocities beside their writes). */
    boolean isReduction() {
        return List.of("sumOfSquares", "lambMoments", "adafactorVelocity", "adafactorFactoredVelocity").contains(method);
    }

    /** Whether the kernel works on its arrays from element 0 (a matrix), so runs with an offset do not apply. */
    boolean fromZeroOnly() {
        return false;
    }

    /** Whether the kernel calls pow, which is not correctly rounded (so not bit-exact). */
    boolean usesPow() {
        return false;
    }

    double[] scalars(SplittableRandom r, DType t) {
        return scalars.draw(r, t);
    }

    /** Runs the scalar reference on host segments; returns the reduction's result, else 0. */
    double reference(DType t, MemorySegment[] s, long from, long to, double[] p) {
        return invoke(OptimizerKernels.class, REFERENCE, call.arguments(t, s, from, to, p));
    }

    /** Runs the OpenCL kernel on device buffers, with the reference's arguments; returns the reduction's result, else 0. */
    double openCl(OpenClKernels k, DType t, OpenClBuffer[] b, long from, long to, double[] p) {
        return invoke(OpenClKernels.class, k, call.arguments(t, b, from, to, p));
    }

    /** Calls the public method {@link #method} of {@code type} that takes {@code args.length} arguments. */
    private double invoke(Class<?> type, Object target, Object[] args) {
        Method m = Arrays.stream(type.getMethods())
                .filter(candidate -> candidate.getName().equals(method) && candidate.getParameterCount() == args.length)
                .findFirst()
                .orElseThrow(() -> new AssertionError(type.getSimpleName() + " has no method " + method + " of "
                        + args.length + " parameters"));
        try {
            return m.invoke(target, args) instanceof Double result ? result : 0;
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new AssertionError(cause);
        } catch (IllegalAccessException | IllegalArgumentException e) {
            throw new AssertionError(m + " cannot take " + Arrays.toString(args), e);
        }
    }

    static Object[] args(Object... values) {
        return values;
    }

    /** One scalar per (lo, hi) pair, rounded to the dtype as the optimizers round their coefficients. */
    static double[] draw(SplittableRandom r, DType t, double... bounds) {
        double[] p = new double[bounds.length / 2];
        for (int i = 0; i < p.length; i++) {
            p[i] = t.round(bounds[2 * i] == bounds[2 * i + 1] ? bounds[2 * i] : r.nextDouble(bounds[2 * i], bounds[2 * i + 1]));
        }
        return p;
    }

    /** lr, beta_1, 1 - beta_1, beta_2, 1 - beta_2. */
    static double[] lionScalars(SplittableRandom r, DType t) {
        double[] p = draw(r, t, 1e-4, 0.1, 0.5, 0.99, 0.9, 0.999);
        return new double[] {p[0], p[1], t.round(1 - p[1]), p[2], t.round(1 - p[2])};
    }

    static LionCoefficients lion(double[] p) {
        return new LionCoefficients(p[0], p[1], p[2], p[3], p[4]);
    }

    /** lr, 1 - beta_1, beta_2, 1 - beta_1^t, epsilon. */
    static double[] adamaxKeras3Scalars(SplittableRandom r, DType t) {
        return draw(r, t, 1e-4, 0.1, 0.01, 0.2, 0.9, 0.9999, 0.01, 1, 1e-8, 1e-3);
    }

    static Keras3AdamaxCoefficients adamaxKeras3(double[] p) {
        return new Keras3AdamaxCoefficients(p[0], p[1], p[2], p[3], p[4]);
    }

    static double[] adamScalars(SplittableRandom r, DType t) {
        return draw(r, t, 1e-4, 0.1, 0.01, 0.2, 1e-4, 0.01, 1e-8, 1e-3);
    }

    /** Adam's, then the weight decay and the learning rate it is applied with. */
    static double[] adamWeightDecayScalars(SplittableRandom r, DType t) {
        return draw(r, t, 1e-4, 0.1, 0.01, 0.2, 1e-4, 0.01, 1e-8, 1e-3, 1e-3, 0.1, 1e-4, 0.1);
    }

    static AdamCoefficients adam(double[] p) {
        return new AdamCoefficients(p[0], p[1], p[2], p[3]);
    }

    /** lr, rho, 1 - rho, momentum, epsilon, epsilonInsideSqrt, centered, with momentum slot. */
    static double[] rmspropScalars(SplittableRandom r, DType t, boolean centered, boolean momentumSlot, boolean epsilonInside) {
        double rho = t.round(r.nextDouble(0.8, 0.99));
        return new double[] {t.round(r.nextDouble(1e-4, 0.1)), rho, t.round(1 - rho), t.round(r.nextDouble(0, 1)),
                t.round(r.nextDouble(1e-8, 1e-3)), epsilonInside ? 1 : 0, centered ? 1 : 0, momentumSlot ? 1 : 0};
    }

    static RmspropCoefficients rmsprop(double[] p) {
        return new RmspropCoefficients(p[0], p[1], p[2], p[3], p[4], p[5] != 0);
    }

    static AdamaxCoefficients adamax(double[] p) {
        return new AdamaxCoefficients(p[0], p[1], p[2], p[3]);
    }

    static double[] nadamScalars(SplittableRandom r, DType t) {
        double beta1 = t.round(r.nextDouble(0.8, 0.95));
        double beta2 = t.round(r.nextDouble(0.99, 0.9999));
        return new double[] {t.round(r.nextDouble(1e-4, 0.1)), beta1, t.round(1 - beta1), beta2, t.round(1 - beta2),
                t.round(r.nextDouble(0.01, 0.2)), t.round(r.nextDouble(0.8, 0.99)), t.round(r.nextDouble(0.01, 0.9)),
                t.round(r.nextDouble(0.01, 0.9)), t.round(r.nextDouble(1e-4, 0.5)), t.round(r.nextDouble(1e-8, 1e-3))};
    }

    static NadamCoefficients nadam(double[] p) {
        return new NadamCoefficients(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]);
    }

    /** lr, l1, 2 l2, 2 l2_shrinkage (0 without shrinkage), lr_power. */
    static double[] ftrlScalars(SplittableRandom r, DType t, boolean shrinkage, double lrPower) {
        return new double[] {t.round(r.nextDouble(1e-3, 1)), t.round(r.nextDouble(0, 0.1)), t.round(r.nextDouble(0, 0.2)),
                shrinkage ? t.round(r.nextDouble(0.01, 0.2)) : 0, t.round(lrPower)};
    }

    /** The scalars with a flag appended (1 or 0). */
    static double[] withFlag(double[] p, boolean flag) {
        double[] q = java.util.Arrays.copyOf(p, p.length + 1);
        q[p.length] = flag ? 1 : 0;
        return q;
    }

    static FtrlCoefficients ftrl(double[] p) {
        return new FtrlCoefficients(p[0], p[1], p[2], p[3], p[4]);
    }

    /** lr, 1 - beta_1, beta_1, 1 - beta_2, 1 - beta_2^t, epsilon, 1 / t, 1 - 1 / t. */
    static double[] scheduleFreeScalars(SplittableRandom r, DType t) {
        double[] p = draw(r, t, 1e-4, 0.1, 0.5, 0.99, 0.9, 0.999, 1e-3, 1, 1e-8, 1e-3);
        double weight = t.round(1.0 / r.nextInt(1, 100));
        return new double[] {p[0], t.round(1 - p[1]), p[1], t.round(1 - p[2]), p[3], p[4], weight, t.round(1 - weight)};
    }

    static ScheduleFreeCoefficients scheduleFree(double[] p) {
        return new ScheduleFreeCoefficients(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
    }

    /** 1 - beta_1, 1 - beta_2, 1 - beta_1^t, 1 - beta_2^t, epsilon. */
    static double[] lambScalars(SplittableRandom r, DType t) {
        return draw(r, t, 0.01, 0.2, 1e-4, 0.01, 0.05, 1, 1e-3, 1, 1e-8, 1e-3);
    }

    static LambCoefficients lamb(double[] p) {
        return new LambCoefficients(p[0], p[1], p[2], p[3], p[4]);
    }

    /** beta2t, 1 - beta2t, epsilon1. */
    static double[] adafactorScalars(SplittableRandom r, DType t) {
        double beta2t = t.round(r.nextDouble(0, 0.999));
        return new double[] {beta2t, t.round(1 - beta2t), t.round(1e-30)};
    }

    /** {matrices, rows, columns} with {@code matrices * rows * columns == n}. */
    static long[] adafactorShape(long n) {
        if (n == 0) {
            return new long[] {0, 1, 1};
        }
        long matrices = n > 2 && n % 2 == 0 ? 2 : 1;
        long size = n / matrices;
        long rows = 1;
        for (long d = (long) Math.sqrt((double) size); d > 1; d--) {
            if (size % d == 0) {
                rows = d;
                break;
            }
        }
        return new long[] {matrices, rows, size / rows};
    }

    static FtrlCoefficients ftrlKeras3(double[] p) {
        return new FtrlCoefficients(p[0], p[1], p[2], p[3], p[4], true);
    }
}
