package dev.panamax.kernels;

import static dev.panamax.kernels.ScalarKernels.D;
import static dev.panamax.kernels.ScalarKernels.F;

import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * The reference kernels of the Adam family: Adam, AMSGrad, Adamax (TensorFlow's and Keras 3's),
 * Nadam (Keras 2 and 3), Lion with TensorFlow's {@code Sign}, and the whole-variable step of Keras 2's
 * sparse Adam. Their {@code *Float} and {@code *Double} range methods are also the SIMD kernels'
 * scalar tails. {@link ScalarKernels} delegates here; see it for the conventions.
 */
public final class ScalarAdamFamily {

    private ScalarAdamFamily() {
    }

    static void lion(DType dtype, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, LionCoefficients c) {
        if (dtype == DType.FLOAT32) {
            lionFloat(var, m, grad, from, to, (float) c.lr(), (float) c.beta1(), (float) c.oneMinusBeta1(), (float) c.beta2(),
                    (float) c.oneMinusBeta2());
        } else {
            lionDouble(var, m, grad, from, to, c.lr(), c.beta1(), c.oneMinusBeta1(), c.beta2(), c.oneMinusBeta2());
        }
    }

    /** TensorFlow's {@code Sign}: -1, 0 or 1, +0 at either zero, NaN at NaN. */
    public static float sign(float x) {
        return x > 0 ? 1f : x < 0 ? -1f : x == 0 ? 0f : x;
    }

    /** {@link #sign(float)} in double. */
    public static double sign(double x) {
        return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : x;
    }

    /** {@link OptimizerKernels#lion} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void lionFloat(MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, float lr, float beta1,
                                 float oneMinusBeta1, float beta2, float oneMinusBeta2) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float mi = m.getAtIndex(F, i);
            var.setAtIndex(F, i, var.getAtIndex(F, i) - lr * sign(mi * beta1 + g * oneMinusBeta1));
            m.setAtIndex(F, i, mi * beta2 + g * oneMinusBeta2);
        }
    }

    /** {@link OptimizerKernels#lion} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void lionDouble(MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, double lr,
                                  double beta1, double oneMinusBeta1, double beta2, double oneMinusBeta2) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double mi = m.getAtIndex(D, i);
            var.setAtIndex(D, i, var.getAtIndex(D, i) - lr * sign(mi * beta1 + g * oneMinusBeta1));
            m.setAtIndex(D, i, mi * beta2 + g * oneMinusBeta2);
        }
    }

    static void adamaxKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment u, MemorySegment grad, long from,
                             long to, Keras3AdamaxCoefficients c) {
        if (dtype == DType.FLOAT32) {
            adamaxKeras3Float(var, m, u, grad, from, to, (float) c.lr(), (float) c.oneMinusBeta1(), (float) c.beta2(),
                    (float) c.oneMinusBeta1Power(), (float) c.epsilon());
        } else {
            adamaxKeras3Double(var, m, u, grad, from, to, c.lr(), c.oneMinusBeta1(), c.beta2(), c.oneMinusBeta1Power(), c.epsilon());
        }
    }

    /** {@link OptimizerKernels#adamaxKeras3} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adamaxKeras3Float(MemorySegment var, MemorySegment m, MemorySegment u, MemorySegment grad, long from,
                                         long to, float lr, float oneMinusBeta1, float beta2, float oneMinusBeta1Power,
                                         float epsilon) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float mi = m.getAtIndex(F, i);
            mi = mi + (g - mi) * oneMinusBeta1;
            m.setAtIndex(F, i, mi);
            float ui = Math.max(beta2 * u.getAtIndex(F, i), Math.abs(g));
            u.setAtIndex(F, i, ui);
            var.setAtIndex(F, i, var.getAtIndex(F, i) - (lr * mi) / (oneMinusBeta1Power * (ui + epsilon)));
        }
    }

    /** {@link OptimizerKernels#adamaxKeras3} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adamaxKeras3Double(MemorySegment var, MemorySegment m, MemorySegment u, MemorySegment grad, long from,
                                          long to, double lr, double oneMinusBeta1, double beta2, double oneMinusBeta1Power,
                                          double epsilon) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double mi = m.getAtIndex(D, i);
            mi = mi + (g - mi) * oneMinusBeta1;
            m.setAtIndex(D, i, mi);
            double ui = Math.max(beta2 * u.getAtIndex(D, i), Math.abs(g));
            u.setAtIndex(D, i, ui);
            var.setAtIndex(D, i, var.getAtIndex(D, i) - (lr * mi) / (oneMinusBeta1Power * (ui + epsilon)));
        }
    }

    static void adamAmsgrad(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                            MemorySegment grad, long from, long to, AdamCoefficients c) {
        if (dtype == DType.FLOAT32) {
            adamFloat(var, m, v, vhat, grad, from, to, (float) c.alpha(), (float) c.oneMinusBeta1(), (float) c.oneMinusBeta2(),
                    (float) c.epsilon(), c.decays(), (float) c.weightDecay(), (float) c.decayLearningRate());
        } else {
            adamDouble(var, m, v, vhat, grad, from, to, c.alpha(), c.oneMinusBeta1(), c.oneMinusBeta2(), c.epsilon(), c.decays(),
                    c.weightDecay(), c.decayLearningRate());
        }
    }

    /**
     * Adam, or AMSGrad when {@code vhat} is not null; with {@code decays}, the variable is first
     * decayed as {@link ScalarBasics#weightDecayFloat} does, in the same operations, so the fused kernel gives
     * the bits of the two passes.
     */
    public static void adamFloat(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat, MemorySegment grad,
                                 long from, long to, float alpha, float oneMinusBeta1, float oneMinusBeta2, float epsilon,
                                 boolean decays, float wd, float wdLr) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float mi = m.getAtIndex(F, i);
            float vi = v.getAtIndex(F, i);
            mi = mi + (g - mi) * oneMinusBeta1;
            vi = vi + (g * g - vi) * oneMinusBeta2;
            m.setAtIndex(F, i, mi);
            v.setAtIndex(F, i, vi);
            float denominatorSquare = vi;
            if (vhat != null) {
                denominatorSquare = Math.max(vhat.getAtIndex(F, i), vi);
                vhat.setAtIndex(F, i, denominatorSquare);
            }
            float denominator = (float) Math.sqrt(denominatorSquare) + epsilon;
            float w = var.getAtIndex(F, i);
            if (decays) {
                w = w - w * wd * wdLr;
            }
            var.setAtIndex(F, i, w - (mi * alpha) / denominator);
        }
    }

    /** See {@link #adamFloat}. */
    public static void adamDouble(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat, MemorySegment grad,
                                  long from, long to, double alpha, double oneMinusBeta1, double oneMinusBeta2, double epsilon,
                                  boolean decays, double wd, double wdLr) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double mi = m.getAtIndex(D, i);
            double vi = v.getAtIndex(D, i);
            mi = mi + (g - mi) * oneMinusBeta1;
            vi = vi + (g * g - vi) * oneMinusBeta2;
            m.setAtIndex(D, i, mi);
            v.setAtIndex(D, i, vi);
            double denominatorSquare = vi;
            if (vhat != null) {
                denominatorSquare = Math.max(vhat.getAtIndex(D, i), vi);
                vhat.setAtIndex(D, i, denominatorSquare);
            }
            double denominator = Math.sqrt(denominatorSquare) + epsilon;
            double w = var.getAtIndex(D, i);
            if (decays) {
                w = w - w * wd * wdLr;
            }
            var.setAtIndex(D, i, w - (mi * alpha) / denominator);
        }
    }

    static void adamax(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                       AdamaxCoefficients c) {
        if (dtype == DType.FLOAT32) {
            adamaxFloat(var, m, v, grad, from, to, (float) c.scaledLearningRate(), (float) c.oneMinusBeta1(), (float) c.beta2(),
                    (float) c.epsilon());
        } else {
            adamaxDouble(var, m, v, grad, from, to, c.scaledLearningRate(), c.oneMinusBeta1(), c.beta2(), c.epsilon());
        }
    }

    /** {@link OptimizerKernels#adamax} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adamaxFloat(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                   float scaledLr, float oneMinusBeta1, float beta2, float epsilon) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float mi = m.getAtIndex(F, i);
            mi = mi + (g - mi) * oneMinusBeta1;
            m.setAtIndex(F, i, mi);
            float vi = Math.max(beta2 * v.getAtIndex(F, i), Math.abs(g));
            v.setAtIndex(F, i, vi);
            var.setAtIndex(F, i, var.getAtIndex(F, i) - scaledLr * (mi / (vi + epsilon)));
        }
    }

    /** {@link OptimizerKernels#adamax} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adamaxDouble(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                    double scaledLr, double oneMinusBeta1, double beta2, double epsilon) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double mi = m.getAtIndex(D, i);
            mi = mi + (g - mi) * oneMinusBeta1;
            m.setAtIndex(D, i, mi);
            double vi = Math.max(beta2 * v.getAtIndex(D, i), Math.abs(g));
            v.setAtIndex(D, i, vi);
            var.setAtIndex(D, i, var.getAtIndex(D, i) - scaledLr * (mi / (vi + epsilon)));
        }
    }

    static void nadam(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                      NadamCoefficients c) {
        if (dtype == DType.FLOAT32) {
            nadamFloat(var, m, v, grad, from, to, NadamFloat.of(c));
        } else {
            nadamDouble(var, m, v, grad, from, to, c);
        }
    }

    /** NadamCoefficients narrowed to float once per call. */
    public record NadamFloat(float lr, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float oneMinusMomentum,
                             float nextMomentum, float oneMinusScheduleNew, float oneMinusScheduleNext, float oneMinusBeta2Power,
                             float epsilon) {
        /** The coefficients narrowed to float32 (exact: they arrive rounded to float32). */
        public static NadamFloat of(NadamCoefficients c) {
            return new NadamFloat((float) c.learningRate(), (float) c.beta1(), (float) c.oneMinusBeta1(), (float) c.beta2(),
                    (float) c.oneMinusBeta2(), (float) c.oneMinusMomentum(), (float) c.nextMomentum(),
                    (float) c.oneMinusScheduleNew(), (float) c.oneMinusScheduleNext(), (float) c.oneMinusBeta2Power(),
                    (float) c.epsilon());
        }
    }

    /** {@link OptimizerKernels#nadam} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void nadamFloat(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                  NadamFloat c) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float gPrime = g / c.oneMinusScheduleNew();
            float mi = c.beta1() * m.getAtIndex(F, i) + c.oneMinusBeta1() * g;
            m.setAtIndex(F, i, mi);
            float mPrime = mi / c.oneMinusScheduleNext();
            float vi = c.beta2() * v.getAtIndex(F, i) + c.oneMinusBeta2() * (g * g);
            v.setAtIndex(F, i, vi);
            float vPrime = vi / c.oneMinusBeta2Power();
            float mBar = c.oneMinusMomentum() * gPrime + c.nextMomentum() * mPrime;
            var.setAtIndex(F, i, var.getAtIndex(F, i) - (c.lr() * mBar) / ((float) Math.sqrt(vPrime) + c.epsilon()));
        }
    }

    /** {@link OptimizerKernels#nadam} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void nadamDouble(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                   NadamCoefficients c) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double gPrime = g / c.oneMinusScheduleNew();
            double mi = c.beta1() * m.getAtIndex(D, i) + c.oneMinusBeta1() * g;
            m.setAtIndex(D, i, mi);
            double mPrime = mi / c.oneMinusScheduleNext();
            double vi = c.beta2() * v.getAtIndex(D, i) + c.oneMinusBeta2() * (g * g);
            v.setAtIndex(D, i, vi);
            double vPrime = vi / c.oneMinusBeta2Power();
            double mBar = c.oneMinusMomentum() * gPrime + c.nextMomentum() * mPrime;
            var.setAtIndex(D, i, var.getAtIndex(D, i) - (c.learningRate() * mBar) / (Math.sqrt(vPrime) + c.epsilon()));
        }
    }

    static void nadamKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from,
                            long to, NadamCoefficients c) {
        if (dtype == DType.FLOAT32) {
            nadamKeras3Float(var, m, v, grad, from, to, NadamFloat.of(c));
        } else {
            nadamKeras3Double(var, m, v, grad, from, to, c);
        }
    }

    /** {@link OptimizerKernels#nadamKeras3} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void nadamKeras3Float(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from,
                                        long to, NadamFloat c) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float mi = m.getAtIndex(F, i);
            mi = mi + (g - mi) * c.oneMinusBeta1();
            m.setAtIndex(F, i, mi);
            float vi = v.getAtIndex(F, i);
            vi = vi + (g * g - vi) * c.oneMinusBeta2();
            v.setAtIndex(F, i, vi);
            float mHat = (c.nextMomentum() * mi) / c.oneMinusScheduleNext() + (c.oneMinusMomentum() * g) / c.oneMinusScheduleNew();
            float vHat = vi / c.oneMinusBeta2Power();
            var.setAtIndex(F, i, var.getAtIndex(F, i) - (mHat * c.lr()) / ((float) Math.sqrt(vHat) + c.epsilon()));
        }
    }

    /** {@link OptimizerKernels#nadamKeras3} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void nadamKeras3Double(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from,
                                         long to, NadamCoefficients c) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double mi = m.getAtIndex(D, i);
            mi = mi + (g - mi) * c.oneMinusBeta1();
            m.setAtIndex(D, i, mi);
            double vi = v.getAtIndex(D, i);
            vi = vi + (g * g - vi) * c.oneMinusBeta2();
            v.setAtIndex(D, i, vi);
            double mHat = (c.nextMomentum() * mi) / c.oneMinusScheduleNext() + (c.oneMinusMomentum() * g) / c.oneMinusScheduleNew();
            double vHat = vi / c.oneMinusBeta2Power();
            var.setAtIndex(D, i, var.getAtIndex(D, i) - (mHat * c.learningRate()) / (Math.sqrt(vHat) + c.epsilon()));
        }
    }

    static void adamFromMoments(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                                long from, long to, double alpha, double epsilon) {
        if (dtype == DType.FLOAT32) {
            adamFromMomentsFloat(var, m, v, vhat, from, to, (float) alpha, (float) epsilon);
        } else {
            adamFromMomentsDouble(var, m, v, vhat, from, to, alpha, epsilon);
        }
    }

    /** {@link OptimizerKernels#adamFromMoments} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adamFromMomentsFloat(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                                            long from, long to, float alpha, float epsilon) {
        for (long i = from; i < to; i++) {
            float denominatorSquare = v.getAtIndex(F, i);
            if (vhat != null) {
                denominatorSquare = Math.max(vhat.getAtIndex(F, i), denominatorSquare);
                vhat.setAtIndex(F, i, denominatorSquare);
            }
            float denominator = (float) Math.sqrt(denominatorSquare) + epsilon;
            var.setAtIndex(F, i, var.getAtIndex(F, i) - (alpha * m.getAtIndex(F, i)) / denominator);
        }
    }

    /** {@link OptimizerKernels#adamFromMoments} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adamFromMomentsDouble(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                                             long from, long to, double alpha, double epsilon) {
        for (long i = from; i < to; i++) {
            double denominatorSquare = v.getAtIndex(D, i);
            if (vhat != null) {
                denominatorSquare = Math.max(vhat.getAtIndex(D, i), denominatorSquare);
                vhat.setAtIndex(D, i, denominatorSquare);
            }
            double denominator = Math.sqrt(denominatorSquare) + epsilon;
            var.setAtIndex(D, i, var.getAtIndex(D, i) - (alpha * m.getAtIndex(D, i)) / denominator);
        }
    }
}
