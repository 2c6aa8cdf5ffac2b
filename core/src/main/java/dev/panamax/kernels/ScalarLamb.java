package dev.panamax.kernels;

import static dev.panamax.kernels.ScalarKernels.D;
import static dev.panamax.kernels.ScalarKernels.F;

import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * The reference kernels of Keras 3's Lamb ({@link OptimizerKernels#lambMoments},
 * {@link OptimizerKernels#lambApply}); their {@code *Float} and {@code *Double} range methods are
 * also the SIMD kernels' scalar tails. The sum of squares of the update adds in
 * {@link ScalarSums}' order. {@link ScalarKernels} delegates to them.
 */
public final class ScalarLamb {

    private ScalarLamb() {
    }


    /** {@link OptimizerKernels#lambMoments} of the reference, for either dtype. */
    public static double lambMoments(DType dtype, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                              LambCoefficients c) {
        if (dtype == DType.FLOAT32) {
            return lambMomentsFloat(m, v, grad, from, to, (float) c.oneMinusBeta1(), (float) c.oneMinusBeta2(),
                    (float) c.oneMinusBeta1Power(), (float) c.oneMinusBeta2Power(), (float) c.epsilon());
        }
        return lambMomentsDouble(m, v, grad, from, to, c.oneMinusBeta1(), c.oneMinusBeta2(), c.oneMinusBeta1Power(),
                c.oneMinusBeta2Power(), c.epsilon());
    }

    /** Lamb's update of one element, from its new moments (lamb.py's m_t_hat / v_sqrt). */
    public static float lambUpdate(float m, float v, float oneMinusBeta1Power, float oneMinusBeta2Power, float epsilon) {
        return (m / oneMinusBeta1Power) / ((float) Math.sqrt(v / oneMinusBeta2Power) + epsilon);
    }

    /** One element of Lamb's update before the trust ratio: the bias-corrected {@code m / (sqrt(v) + epsilon)}. */
    public static double lambUpdate(double m, double v, double oneMinusBeta1Power, double oneMinusBeta2Power, double epsilon) {
        return (m / oneMinusBeta1Power) / (Math.sqrt(v / oneMinusBeta2Power) + epsilon);
    }

    /** {@link OptimizerKernels#lambMoments} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static double lambMomentsFloat(MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                          float oneMinusBeta1, float oneMinusBeta2, float oneMinusBeta1Power,
                                          float oneMinusBeta2Power, float epsilon) {
        return ScalarSums.inChunks(from, to, (a, b) -> {
            ScalarSums.Blocked sum = new ScalarSums.Blocked(a, b);
            for (long i = a; i < b; i++) {
                float g = grad.getAtIndex(F, i);
                float mi = m.getAtIndex(F, i);
                float vi = v.getAtIndex(F, i);
                mi = mi + (g - mi) * oneMinusBeta1;
                vi = vi + (g * g - vi) * oneMinusBeta2;
                m.setAtIndex(F, i, mi);
                v.setAtIndex(F, i, vi);
                sum.add(i, lambUpdate(mi, vi, oneMinusBeta1Power, oneMinusBeta2Power, epsilon));
            }
            return sum.sum();
        });
    }

    /** {@link OptimizerKernels#lambMoments} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static double lambMomentsDouble(MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                           double oneMinusBeta1, double oneMinusBeta2, double oneMinusBeta1Power,
                                           double oneMinusBeta2Power, double epsilon) {
        return ScalarSums.inChunks(from, to, (a, b) -> {
            ScalarSums.Blocked sum = new ScalarSums.Blocked(a, b);
            for (long i = a; i < b; i++) {
                double g = grad.getAtIndex(D, i);
                double mi = m.getAtIndex(D, i);
                double vi = v.getAtIndex(D, i);
                mi = mi + (g - mi) * oneMinusBeta1;
                vi = vi + (g * g - vi) * oneMinusBeta2;
                m.setAtIndex(D, i, mi);
                v.setAtIndex(D, i, vi);
                sum.add(i, lambUpdate(mi, vi, oneMinusBeta1Power, oneMinusBeta2Power, epsilon));
            }
            return sum.sum();
        });
    }

    /** {@link OptimizerKernels#lambApply} of the reference, for either dtype. */
    public static void lambApply(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, long from, long to,
                          LambCoefficients c, double scale) {
        if (dtype == DType.FLOAT32) {
            lambApplyFloat(var, m, v, from, to, (float) c.oneMinusBeta1Power(), (float) c.oneMinusBeta2Power(),
                    (float) c.epsilon(), (float) scale);
        } else {
            lambApplyDouble(var, m, v, from, to, c.oneMinusBeta1Power(), c.oneMinusBeta2Power(), c.epsilon(), scale);
        }
    }

    /** {@link OptimizerKernels#lambApply} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void lambApplyFloat(MemorySegment var, MemorySegment m, MemorySegment v, long from, long to,
                                      float oneMinusBeta1Power, float oneMinusBeta2Power, float epsilon, float scale) {
        for (long i = from; i < to; i++) {
            float u = lambUpdate(m.getAtIndex(F, i), v.getAtIndex(F, i), oneMinusBeta1Power, oneMinusBeta2Power, epsilon);
            var.setAtIndex(F, i, var.getAtIndex(F, i) - scale * u);
        }
    }

    /** {@link OptimizerKernels#lambApply} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void lambApplyDouble(MemorySegment var, MemorySegment m, MemorySegment v, long from, long to,
                                       double oneMinusBeta1Power, double oneMinusBeta2Power, double epsilon, double scale) {
        for (long i = from; i < to; i++) {
            double u = lambUpdate(m.getAtIndex(D, i), v.getAtIndex(D, i), oneMinusBeta1Power, oneMinusBeta2Power, epsilon);
            var.setAtIndex(D, i, var.getAtIndex(D, i) - scale * u);
        }
    }
}
