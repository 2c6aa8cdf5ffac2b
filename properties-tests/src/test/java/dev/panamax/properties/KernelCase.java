package dev.panamax.properties;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.AdamaxCoefficients;
import dev.panamax.kernels.FtrlCoefficients;
import dev.panamax.kernels.Keras3AdamaxCoefficients;
import dev.panamax.kernels.LambCoefficients;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.kernels.NadamCoefficients;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.VariableRounding;
import dev.panamax.kernels.RmspropCoefficients;
import dev.panamax.kernels.ScheduleFreeCoefficients;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One entry per method of {@link OptimizerKernels}: how many arrays it takes, how to draw its
 * scalars, and how to call it. {@code KernelEquivalenceTest} runs every entry on every backend;
 * a reflection test fails when a kernel method has no entry here. A new kernel needs only a
 * new constant.
 */
enum KernelCase {
    SCALE("scale", 1) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {PropertyData.scalar(r, t, -3, 3)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.scale(t, s[0], from, to, p[0]);
            return 0;
        }
    },
    SCALE_DIVIDE("scaleDivide", 1) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {PropertyData.scalar(r, t, 0.1, 5), PropertyData.scalar(r, t, 0.1, 50)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.scaleDivide(t, s[0], from, to, p[0], p[1]);
            return 0;
        }
    },
    CLIP_BY_VALUE("clipByValue", 1) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            double c = PropertyData.scalar(r, t, 0.01, 2);
            return new double[] {-c, c};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.clipByValue(t, s[0], from, to, p[0], p[1]);
            return 0;
        }
    },
    AXPY("axpy", 2) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {PropertyData.scalar(r, t, -2, 2)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.axpy(t, p[0], s[0], s[1], from, to);
            return 0;
        }
    },
    SUM_OF_SQUARES("sumOfSquares", 1) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[0];
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            return k.sumOfSquares(t, s[0], from, to);
        }

        @Override
        boolean isReduction() {
            return true;
        }
    },
    WEIGHT_DECAY("weightDecay", 1) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {PropertyData.scalar(r, t, 1e-4, 0.1), PropertyData.scalar(r, t, 1e-4, 1)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.weightDecay(t, s[0], from, to, p[0], p[1]);
            return 0;
        }
    },
    MOVING_AVERAGE("movingAverage", 2) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            double m = PropertyData.scalar(r, t, 0, 1);
            return new double[] {m, t.round(1 - m)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.movingAverage(t, s[0], s[1], from, to, p[0], p[1]);
            return 0;
        }
    },
    /** Arrays var, m, grad. */
    LION("lion", 3) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            double b1 = PropertyData.scalar(r, t, 0.5, 0.99);
            double b2 = PropertyData.scalar(r, t, 0.9, 0.999);
            return new double[] {PropertyData.scalar(r, t, 1e-4, 0.1), b1, t.round(1 - b1), b2, t.round(1 - b2)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.lion(t, s[0], s[1], s[2], from, to, new LionCoefficients(p[0], p[1], p[2], p[3], p[4]));
            return 0;
        }
    },
    /** Arrays var (y), z, v, grad. */
    SCHEDULE_FREE_ADAMW("scheduleFreeAdamw", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            double beta1 = PropertyData.scalar(r, t, 0.5, 0.99);
            double beta2 = PropertyData.scalar(r, t, 0.9, 0.999);
            double weight = t.round(1.0 / r.nextInt(1, 100));
            return new double[] {PropertyData.scalar(r, t, 1e-4, 0.1), t.round(1 - beta1), beta1, t.round(1 - beta2),
                    PropertyData.scalar(r, t, 1e-3, 1), epsilon(r, t), weight, t.round(1 - weight)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.scheduleFreeAdamw(t, s[0], s[1], s[2], s[3], from, to,
                    new ScheduleFreeCoefficients(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]));
            return 0;
        }
    },
    /** Arrays m, v, grad; returns the sum of squares of the update. */
    LAMB_MOMENTS("lambMoments", 3) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return lambScalars(r, t);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            return k.lambMoments(t, s[0], s[1], s[2], from, to, lamb(p));
        }

        @Override
        boolean isReduction() {
            return true;
        }
    },
    /** Arrays var, m, v; the last scalar is the trust ratio times lr. */
    LAMB_APPLY("lambApply", 3) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            double[] p = java.util.Arrays.copyOf(lambScalars(r, t), 6);
            p[5] = PropertyData.scalar(r, t, 1e-4, 10);
            return p;
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.lambApply(t, s[0], s[1], s[2], from, to, lamb(p), p[5]);
            return 0;
        }
    },
    /** Arrays grad, r, c, rowFactors: the range as a stack of matrices (see {@link #adafactorShape}), all four from {@code from}. */
    ADAFACTOR_FACTORS("adafactorFactors", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            double beta2t = PropertyData.scalar(r, t, 0, 0.999);
            return new double[] {beta2t, t.round(1 - beta2t), t == DType.FLOAT32 ? t.round(1e-30) : 1e-30};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            long[] shape = adafactorShape(to - from);
            long bytes = t.byteSize();
            k.adafactorFactors(t, s[0].asSlice(from * bytes), s[1].asSlice(from * bytes), s[2].asSlice(from * bytes),
                    s[3].asSlice(from * bytes), shape[0], shape[1], shape[2], p[0], p[1], p[2]);
            return 0;
        }

        @Override
        boolean wholeRange() {
            return true;
        }
    },
    /** Arrays v, grad, rowFactors, c; rows and columns of the stacked matrices drawn small. */
    ADAFACTOR_FACTORED_VELOCITY("adafactorFactoredVelocity", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {r.nextInt(1, 40), r.nextInt(1, 40)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            return k.adafactorFactoredVelocity(t, s[0], s[1], s[2], s[3], (long) p[0], (long) p[1], from, to);
        }

        @Override
        boolean isReduction() {
            return true;
        }
    },
    /** Arrays v, grad. */
    ADAFACTOR_VELOCITY("adafactorVelocity", 2) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return ADAFACTOR_FACTORS.scalars(r, t);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            return k.adafactorVelocity(t, s[0], s[1], from, to, p[0], p[1], p[2]);
        }

        @Override
        boolean isReduction() {
            return true;
        }
    },
    /** Arrays var, v, grad. */
    ADAFACTOR_APPLY("adafactorApply", 3) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {PropertyData.scalar(r, t, 1e-4, 1), PropertyData.scalar(r, t, 1, 10)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adafactorApply(t, s[0], s[1], s[2], from, to, p[0], p[1]);
            return 0;
        }
    },
    /** Arrays var, m, u, grad. */
    ADAMAX_KERAS3("adamaxKeras3", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {PropertyData.scalar(r, t, 1e-4, 0.1), PropertyData.scalar(r, t, 0.01, 0.2),
                    PropertyData.scalar(r, t, 0.9, 0.9999), PropertyData.scalar(r, t, 0.01, 1), epsilon(r, t)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adamaxKeras3(t, s[0], s[1], s[2], s[3], from, to, new Keras3AdamaxCoefficients(p[0], p[1], p[2], p[3], p[4]));
            return 0;
        }
    },
    GRADIENT_DESCENT("gradientDescent", 2) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {PropertyData.scalar(r, t, 1e-4, 1)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.gradientDescent(t, s[0], s[1], from, to, p[0]);
            return 0;
        }
    },
    KERAS_MOMENTUM("kerasMomentum", 3) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {PropertyData.scalar(r, t, 1e-4, 1), PropertyData.scalar(r, t, 0, 1), r.nextBoolean() ? 1 : 0};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.kerasMomentum(t, s[0], s[1], s[2], from, to, p[0], p[1], p[2] != 0);
            return 0;
        }
    },
    ADAM("adam", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return adamScalars(r, t);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adam(t, s[0], s[1], s[2], s[3], from, to, new AdamCoefficients(p[0], p[1], p[2], p[3]));
            return 0;
        }
    },
    /** Adam with Keras 3's weight decay in the kernel (AdamW): scalars as Adam's, then the decay and its learning rate. */
    ADAM_WEIGHT_DECAY("adam", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            double[] adam = adamScalars(r, t);
            return new double[] {adam[0], adam[1], adam[2], adam[3], PropertyData.scalar(r, t, 1e-3, 0.1),
                    PropertyData.scalar(r, t, 1e-4, 0.1)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adam(t, s[0], s[1], s[2], s[3], from, to, new AdamCoefficients(p[0], p[1], p[2], p[3]).withWeightDecay(p[4], p[5]));
            return 0;
        }
    },
    /** Arrays var (float32), m and v (the case's 16-bit type), grad (float32); with the fused weight decay. */
    ADAM_HALF_SLOTS("adamMixed", 4) {
        @Override
        DType[] arrayTypes(DType t) {
            return new DType[] {DType.FLOAT32, t, t, DType.FLOAT32};
        }

        @Override
        double[] scalars(SplittableRandom r, DType t) {
            double[] adam = adamScalars(r, DType.FLOAT32);
            return new double[] {adam[0], adam[1], adam[2], adam[3], PropertyData.scalar(r, DType.FLOAT32, 1e-4, 0.1),
                    PropertyData.scalar(r, DType.FLOAT32, 1e-4, 0.1)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adamMixed(DType.FLOAT32, t, t, null, VariableRounding.NEAREST, s[0], s[1], s[2], null, s[3], from, to,
                    new AdamCoefficients(p[0], p[1], p[2], p[3]).withWeightDecay(p[4], p[5]));
            return 0;
        }
    },
    /** AMSGrad: arrays var, m (the case's type), v (float32), vhat (the other 16-bit type), grad. */
    ADAM_HALF_SLOTS_AMSGRAD("adamMixed", 5) {
        @Override
        DType[] arrayTypes(DType t) {
            return new DType[] {DType.FLOAT32, t, DType.FLOAT32, otherHalf(t), DType.FLOAT32};
        }

        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return adamScalars(r, DType.FLOAT32);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adamMixed(DType.FLOAT32, t, DType.FLOAT32, otherHalf(t), VariableRounding.NEAREST, s[0], s[1], s[2], s[3], s[4], from, to,
                    new AdamCoefficients(p[0], p[1], p[2], p[3]));
            return 0;
        }
    },
    /** Arrays var, accum (the case's 16-bit type), grad. */
    KERAS_MOMENTUM_HALF_SLOTS("kerasMomentumMixed", 3) {
        @Override
        DType[] arrayTypes(DType t) {
            return new DType[] {DType.FLOAT32, t, DType.FLOAT32};
        }

        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return KERAS_MOMENTUM.scalars(r, DType.FLOAT32);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.kerasMomentumMixed(DType.FLOAT32, t, VariableRounding.NEAREST, s[0], s[1], s[2], from, to, p[0], p[1], p[2] != 0);
            return 0;
        }
    },
    /** Arrays var, m (the case's 16-bit type), grad. */
    LION_HALF_SLOTS("lionMixed", 3) {
        @Override
        DType[] arrayTypes(DType t) {
            return new DType[] {DType.FLOAT32, t, DType.FLOAT32};
        }

        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return LION.scalars(r, DType.FLOAT32);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.lionMixed(DType.FLOAT32, t, VariableRounding.NEAREST, s[0], s[1], s[2], from, to, new LionCoefficients(p[0], p[1], p[2], p[3], p[4]));
            return 0;
        }
    },
    /**
     * A 16-bit variable rounded stochastically: arrays var, m and v (the case's type), grad
     * (float32); with the fused weight decay; the last scalar is the rounding key.
     */
    ADAM_HALF_VARIABLE("adamMixed", 4) {
        @Override
        DType[] arrayTypes(DType t) {
            return new DType[] {t, t, t, DType.FLOAT32};
        }

        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return withRoundingKey(ADAM_HALF_SLOTS.scalars(r, t), r);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adamMixed(t, t, t, null, new VariableRounding(true, (int) p[6]), s[0], s[1], s[2], null, s[3], from, to,
                    new AdamCoefficients(p[0], p[1], p[2], p[3]).withWeightDecay(p[4], p[5]));
            return 0;
        }
    },
    /** AMSGrad on a 16-bit variable rounded to nearest: arrays var (the case's type), m (float32), v (the other 16-bit type), vhat (the case's), grad. */
    ADAM_HALF_VARIABLE_AMSGRAD("adamMixed", 5) {
        @Override
        DType[] arrayTypes(DType t) {
            return new DType[] {t, DType.FLOAT32, otherHalf(t), t, DType.FLOAT32};
        }

        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return adamScalars(r, DType.FLOAT32);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adamMixed(t, DType.FLOAT32, otherHalf(t), t, VariableRounding.NEAREST, s[0], s[1], s[2], s[3], s[4], from, to,
                    new AdamCoefficients(p[0], p[1], p[2], p[3]));
            return 0;
        }
    },
    /** A 16-bit variable rounded stochastically, its accum float32: arrays var (the case's type), accum, grad; the last scalar is the key. */
    KERAS_MOMENTUM_HALF_VARIABLE("kerasMomentumMixed", 3) {
        @Override
        DType[] arrayTypes(DType t) {
            return new DType[] {t, DType.FLOAT32, DType.FLOAT32};
        }

        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return withRoundingKey(KERAS_MOMENTUM.scalars(r, DType.FLOAT32), r);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.kerasMomentumMixed(t, DType.FLOAT32, new VariableRounding(true, (int) p[3]), s[0], s[1], s[2], from, to, p[0], p[1],
                    p[2] != 0);
            return 0;
        }
    },
    /** A 16-bit variable rounded stochastically: arrays var (the case's type), grad (float32); the last scalar is the key. */
    GRADIENT_DESCENT_HALF_VARIABLE("gradientDescentMixed", 2) {
        @Override
        DType[] arrayTypes(DType t) {
            return new DType[] {t, DType.FLOAT32};
        }

        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {PropertyData.scalar(r, DType.FLOAT32, 1e-4, 1), r.nextInt()};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.gradientDescentMixed(t, new VariableRounding(true, (int) p[1]), s[0], s[1], from, to, p[0]);
            return 0;
        }
    },
    /** A 16-bit variable and m rounded to nearest: arrays var, m (the case's type), grad. */
    LION_HALF_VARIABLE("lionMixed", 3) {
        @Override
        DType[] arrayTypes(DType t) {
            return new DType[] {t, t, DType.FLOAT32};
        }

        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return LION.scalars(r, DType.FLOAT32);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.lionMixed(t, t, VariableRounding.NEAREST, s[0], s[1], s[2], from, to,
                    new LionCoefficients(p[0], p[1], p[2], p[3], p[4]));
            return 0;
        }
    },
    /**
     * A 16-bit variable rounded stochastically with float32 moments (the fused bfloat16 loop's
     * float32-slot path; float16 runs in blocks): arrays var (the case's type), m, v, grad
     * (float32); with the fused weight decay; the last scalar is the rounding key.
     */
    ADAM_HALF_VARIABLE_FLOAT32_SLOTS("adamMixed", 4) {
        @Override
        DType[] arrayTypes(DType t) {
            return new DType[] {t, DType.FLOAT32, DType.FLOAT32, DType.FLOAT32};
        }

        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return ADAM_HALF_VARIABLE.scalars(r, t);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adamMixed(t, DType.FLOAT32, DType.FLOAT32, null, new VariableRounding(true, (int) p[6]), s[0], s[1], s[2], null, s[3],
                    from, to, new AdamCoefficients(p[0], p[1], p[2], p[3]).withWeightDecay(p[4], p[5]));
            return 0;
        }
    },
    /** A 16-bit variable rounded stochastically, m float32: arrays var (the case's type), m, grad; the last scalar is the key. */
    LION_HALF_VARIABLE_STOCHASTIC("lionMixed", 3) {
        @Override
        DType[] arrayTypes(DType t) {
            return new DType[] {t, DType.FLOAT32, DType.FLOAT32};
        }

        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return withRoundingKey(LION.scalars(r, DType.FLOAT32), r);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.lionMixed(t, DType.FLOAT32, new VariableRounding(true, (int) p[5]), s[0], s[1], s[2], from, to,
                    new LionCoefficients(p[0], p[1], p[2], p[3], p[4]));
            return 0;
        }
    },
    ADAM_AMSGRAD("adamAmsgrad", 5) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return adamScalars(r, t);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adamAmsgrad(t, s[0], s[1], s[2], s[3], s[4], from, to, new AdamCoefficients(p[0], p[1], p[2], p[3]));
            return 0;
        }
    },
    /** Arrays var, ms, mg, mom, grad; the scalars pick centered (mg), momentum (mom) and the epsilon placement. */
    RMSPROP("rmsprop", 5) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return rmspropScalars(r, t);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.rmsprop(t, s[0], s[1], p[5] != 0 ? s[2] : null, p[6] != 0 ? s[3] : null, s[4], from, to, rmspropCoefficients(p));
            return 0;
        }
    },
    /** Arrays var, ms, mg, mom, grad; the scalars pick centered (mg). The epsilon placement is unused. */
    RMSPROP_MOMENTUM("rmspropMomentum", 5) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return rmspropScalars(r, t);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.rmspropMomentum(t, s[0], s[1], p[5] != 0 ? s[2] : null, s[3], s[4], from, to, rmspropCoefficients(p));
            return 0;
        }
    },
    /** Arrays var, accum, grad; the last scalar picks Keras 3's epsilon inside the square root. */
    ADAGRAD("adagrad", 3) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {PropertyData.scalar(r, t, 1e-4, 1), epsilon(r, t), r.nextBoolean() ? 1 : 0};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adagrad(t, s[0], s[1], s[2], from, to, p[0], p[1], p[2] != 0);
            return 0;
        }
    },
    /** Arrays var, accum, accumUpdate, grad. */
    ADADELTA("adadelta", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            double rho = PropertyData.scalar(r, t, 0.5, 0.999);
            return new double[] {PropertyData.scalar(r, t, 1e-4, 1), rho, t.round(1 - rho), epsilon(r, t)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adadelta(t, s[0], s[1], s[2], s[3], from, to, p[0], p[1], p[2], p[3]);
            return 0;
        }
    },
    ADADELTA_KERAS3("adadeltaKeras3", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return ADADELTA.scalars(r, t);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adadeltaKeras3(t, s[0], s[1], s[2], s[3], from, to, p[0], p[1], p[2], p[3]);
            return 0;
        }
    },
    /** Arrays var, m, v, grad. */
    ADAMAX("adamax", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {PropertyData.scalar(r, t, 1e-4, 0.1), PropertyData.scalar(r, t, 0.01, 0.2),
                    PropertyData.scalar(r, t, 0.9, 0.9999), epsilon(r, t)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adamax(t, s[0], s[1], s[2], s[3], from, to, new AdamaxCoefficients(p[0], p[1], p[2], p[3]));
            return 0;
        }
    },
    /** Arrays var, m, v, grad. */
    NADAM("nadam", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return nadamScalars(r, t);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.nadam(t, s[0], s[1], s[2], s[3], from, to, nadamCoefficients(p));
            return 0;
        }
    },
    /** Arrays var, m, v, grad. */
    NADAM_KERAS3("nadamKeras3", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return nadamScalars(r, t);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.nadamKeras3(t, s[0], s[1], s[2], s[3], from, to, nadamCoefficients(p));
            return 0;
        }
    },
    /**
     * Arrays var, accum, linear, grad. lr_power is -0.5 (the vectorised square-root path) half
     * the time, else 0 or -0.3 (Math.pow); l1, 2 l2 and 2 l2_shrinkage are each 0 (shrinkage 0:
     * FTRL V1) or positive.
     */
    FTRL("ftrl", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            double lrPower = r.nextBoolean() ? -0.5 : r.nextBoolean() ? 0.0 : t.round(-0.3);
            return new double[] {PropertyData.scalar(r, t, 1e-3, 1), r.nextBoolean() ? PropertyData.scalar(r, t, 1e-3, 1) : 0,
                    r.nextBoolean() ? PropertyData.scalar(r, t, 1e-3, 1) : 0,
                    r.nextBoolean() ? PropertyData.scalar(r, t, 1e-3, 1) : 0, lrPower, r.nextBoolean() ? 1 : 0};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.ftrl(t, s[0], s[1], s[2], s[3], from, to, new FtrlCoefficients(p[0], p[1], p[2], p[3], p[4], p[5] != 0));
            return 0;
        }
    },
    /** Arrays x, y (sparse Adam's scatter-add of squared gradients). */
    SQUARE_AXPY("squareAxpy", 2) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {PropertyData.scalar(r, t, -2, 2)};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.squareAxpy(t, p[0], s[0], s[1], from, to);
            return 0;
        }
    },
    /** Arrays var, m, v, vhat; the last scalar picks AMSGrad (vhat). */
    ADAM_FROM_MOMENTS("adamFromMoments", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return new double[] {PropertyData.scalar(r, t, 1e-4, 0.1), epsilon(r, t), r.nextBoolean() ? 1 : 0};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adamFromMoments(t, s[0], s[1], s[2], p[2] != 0 ? s[3] : null, from, to, p[0], p[1]);
            return 0;
        }
    },
    /** Arrays var, m, v, grad. */
    ADAMAX_ROWS("adamaxRows", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            double beta1 = PropertyData.scalar(r, t, 0.8, 0.99);
            return new double[] {PropertyData.scalar(r, t, 1e-4, 0.1), t.round(1 - beta1),
                    PropertyData.scalar(r, t, 0.9, 0.9999), epsilon(r, t), beta1};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.adamaxRows(t, s[0], s[1], s[2], s[3], from, to, new AdamaxCoefficients(p[0], p[1], p[2], p[3]), p[4]);
            return 0;
        }
    },
    /** Arrays var, ms, mg, mom, grad; a scalar picks centered (mg). */
    RMSPROP_MOMENTUM_ROWS("rmspropMomentumRows", 5) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            return rmspropScalars(r, t);
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.rmspropMomentumRows(t, s[0], s[1], p[5] != 0 ? s[2] : null, s[3], s[4], from, to, rmspropCoefficients(p));
            return 0;
        }
    },
    /** Arrays var, accum, linear, grad; scalars as FTRL, plus the one-element-rows flag. */
    FTRL_ROWS("ftrlRows", 4) {
        @Override
        double[] scalars(SplittableRandom r, DType t) {
            double[] ftrl = FTRL.scalars(r, t);
            return new double[] {ftrl[0], ftrl[1], ftrl[2], ftrl[3], ftrl[4], r.nextBoolean() ? 1 : 0};
        }

        @Override
        double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p) {
            k.ftrlRows(t, s[0], s[1], s[2], s[3], from, to, new FtrlCoefficients(p[0], p[1], p[2], p[3], p[4]), p[5] != 0);
            return 0;
        }
    };

    private final String method;
    private final int arrays;

    KernelCase(String method, int arrays) {
        this.method = method;
        this.arrays = arrays;
    }

    /** The {@link OptimizerKernels} method this case covers. */
    String method() {
        return method;
    }

    /** How many segments the method takes. */
    int arrays() {
        return arrays;
    }

    /**
     * The case's dtypes, each a test of its own: the variable's (all arrays share it), or for the
     * 16-bit slot kernels the slots' ({@link #arrayTypes}).
     */
    List<DType> dtypes() {
        return arrayTypes(DType.FLOAT32).length == arrays && method.endsWith("Mixed")
                ? List.of(DType.BFLOAT16, DType.FLOAT16) : List.of(DType.FLOAT32, DType.FLOAT64);
    }

    /** The dtype of each array for the case's dtype {@code t}: {@code t} for all by default. */
    DType[] arrayTypes(DType t) {
        DType[] types = new DType[arrays];
        java.util.Arrays.fill(types, t);
        return types;
    }

    /** {@code p} with a random rounding key appended, drawn after {@code p}'s own values. */
    static double[] withRoundingKey(double[] p, SplittableRandom r) {
        double[] withKey = java.util.Arrays.copyOf(p, p.length + 1);
        withKey[p.length] = r.nextInt();
        return withKey;
    }

    /** The 16-bit type that is not {@code t}. */
    static DType otherHalf(DType t) {
        return t == DType.BFLOAT16 ? DType.FLOAT16 : DType.BFLOAT16;
    }

    /** Whether the method returns a sum (compared bit for bit, as the arrays are), computed chunk by chunk across threads. */
    boolean isReduction() {
        return false;
    }

    /** Whether one call must cover the whole range (the range is a matrix, not elements to split across threads). */
    boolean wholeRange() {
        return false;
    }

    /**
     * {matrices, rows, columns} with {@code matrices * rows * columns == n}: two matrices when n is
     * even and above 2, rows the largest divisor of a matrix's size up to its square root.
     */
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

    /** The method's scalar arguments, drawn from {@code r} and rounded to {@code t}. */
    abstract double[] scalars(SplittableRandom r, DType t);

    /** Calls the method over {@code [from, to)}; returns the sum for reductions, else 0. */
    abstract double call(OptimizerKernels k, DType t, MemorySegment[] s, long from, long to, double[] p);

    /** 1 - beta_1, 1 - beta_2, 1 - beta_1^t, 1 - beta_2^t, epsilon. */
    private static double[] lambScalars(SplittableRandom r, DType t) {
        return new double[] {PropertyData.scalar(r, t, 0.01, 0.2), PropertyData.scalar(r, t, 1e-4, 0.01),
                PropertyData.scalar(r, t, 0.05, 1), PropertyData.scalar(r, t, 1e-3, 1), epsilon(r, t)};
    }

    private static LambCoefficients lamb(double[] p) {
        return new LambCoefficients(p[0], p[1], p[2], p[3], p[4]);
    }

    /** An epsilon from Keras's 1e-7 up to 1e-3, rounded to {@code t}. */
    private static double epsilon(SplittableRandom r, DType t) {
        return PropertyData.scalar(r, t, 1e-7, 1e-3);
    }

    /**
     * lr, rho, 1 - rho, momentum, epsilon, then three 0/1 switches: centered (mg given),
     * momentum slot (mom given), epsilon inside the square root.
     */
    private static double[] rmspropScalars(SplittableRandom r, DType t) {
        double rho = PropertyData.scalar(r, t, 0.5, 0.999);
        return new double[] {PropertyData.scalar(r, t, 1e-4, 0.1), rho, t.round(1 - rho), PropertyData.scalar(r, t, 0, 1),
                epsilon(r, t), r.nextBoolean() ? 1 : 0, r.nextBoolean() ? 1 : 0, r.nextBoolean() ? 1 : 0};
    }

    private static RmspropCoefficients rmspropCoefficients(double[] p) {
        return new RmspropCoefficients(p[0], p[1], p[2], p[3], p[4], p[7] != 0);
    }

    /** Nadam's scalars as Keras computes them at a random step t (momentum decay 0.004). */
    private static double[] nadamScalars(SplittableRandom r, DType t) {
        double lr = PropertyData.scalar(r, t, 1e-4, 0.1);
        double beta1 = PropertyData.scalar(r, t, 0.8, 0.95);
        double beta2 = PropertyData.scalar(r, t, 0.9, 0.9999);
        int step = r.nextInt(1, 200);
        double scheduleNew = 1;
        for (int i = 1; i <= step; i++) {
            scheduleNew *= nadamMomentum(beta1, i);
        }
        double momentum = nadamMomentum(beta1, step);
        double nextMomentum = nadamMomentum(beta1, step + 1);
        double scheduleNext = scheduleNew * nextMomentum;
        return new double[] {lr, beta1, t.round(1 - beta1), beta2, t.round(1 - beta2),
                t.round(1 - momentum), t.round(nextMomentum), t.round(1 - scheduleNew), t.round(1 - scheduleNext),
                t.round(1 - Math.pow(beta2, step)), epsilon(r, t)};
    }

    private static double nadamMomentum(double beta1, int step) {
        return beta1 * (1 - 0.5 * Math.pow(0.96, 0.004 * step));
    }

    private static NadamCoefficients nadamCoefficients(double[] p) {
        return new NadamCoefficients(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]);
    }

    private static double[] adamScalars(SplittableRandom r, DType t) {
        return new double[] {PropertyData.scalar(r, t, 1e-4, 0.1), PropertyData.scalar(r, t, 0.01, 0.2),
                PropertyData.scalar(r, t, 1e-4, 0.01), t.round(1e-7)};
    }
}
