package dev.panamax.kernels;

import static dev.panamax.kernels.ScalarKernels.D;
import static dev.panamax.kernels.ScalarKernels.F;

import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * The reference kernel of Keras 3's ScheduleFreeAdamW. Its {@code *Float} and {@code *Double} range
 * methods are also the SIMD kernel's scalar tails. {@link ScalarKernels} delegates here; see it for
 * the conventions.
 */
public final class ScalarScheduleFree {

    private ScalarScheduleFree() {
    }

    static void scheduleFreeAdamw(DType dtype, MemorySegment var, MemorySegment z, MemorySegment v, MemorySegment grad, long from,
                                  long to, ScheduleFreeCoefficients c) {
        if (dtype == DType.FLOAT32) {
            scheduleFreeAdamwFloat(var, z, v, grad, from, to, (float) c.lr(), (float) c.oneMinusBeta1(), (float) c.beta1(),
                    (float) c.oneMinusBeta2(), (float) c.biasCorrection2(), (float) c.epsilon(), (float) c.weight(),
                    (float) c.oneMinusWeight());
        } else {
            scheduleFreeAdamwDouble(var, z, v, grad, from, to, c.lr(), c.oneMinusBeta1(), c.beta1(), c.oneMinusBeta2(),
                    c.biasCorrection2(), c.epsilon(), c.weight(), c.oneMinusWeight());
        }
    }

    /** {@link OptimizerKernels#scheduleFreeAdamw} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void scheduleFreeAdamwFloat(MemorySegment var, MemorySegment z, MemorySegment v, MemorySegment grad, long from,
                                              long to, float lr, float oneMinusBeta1, float beta1, float oneMinusBeta2,
                                              float biasCorrection2, float epsilon, float weight, float oneMinusWeight) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float zOld = z.getAtIndex(F, i);
            float vi = v.getAtIndex(F, i);
            vi = vi + (g * g - vi) * oneMinusBeta2;
            float zi = zOld - (lr * g) / ((float) Math.sqrt(vi / biasCorrection2) + epsilon);
            float x = (var.getAtIndex(F, i) - oneMinusBeta1 * zOld) / beta1;
            float xNew = oneMinusWeight * x + weight * zi;
            var.setAtIndex(F, i, oneMinusBeta1 * zi + beta1 * xNew);
            z.setAtIndex(F, i, zi);
            v.setAtIndex(F, i, vi);
        }
    }

    /** {@link OptimizerKernels#scheduleFreeAdamw} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void scheduleFreeAdamwDouble(MemorySegment var, MemorySegment z, MemorySegment v, MemorySegment grad, long from,
                                               long to, double lr, double oneMinusBeta1, double beta1, double oneMinusBeta2,
                                               double biasCorrection2, double epsilon, double weight, double oneMinusWeight) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double zOld = z.getAtIndex(D, i);
            double vi = v.getAtIndex(D, i);
            vi = vi + (g * g - vi) * oneMinusBeta2;
            double zi = zOld - (lr * g) / (Math.sqrt(vi / biasCorrection2) + epsilon);
            double x = (var.getAtIndex(D, i) - oneMinusBeta1 * zOld) / beta1;
            double xNew = oneMinusWeight * x + weight * zi;
            var.setAtIndex(D, i, oneMinusBeta1 * zi + beta1 * xNew);
            z.setAtIndex(D, i, zi);
            v.setAtIndex(D, i, vi);
        }
    }
}
