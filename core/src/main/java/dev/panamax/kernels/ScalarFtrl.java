package dev.panamax.kernels;

import static dev.panamax.kernels.ScalarKernels.D;
import static dev.panamax.kernels.ScalarKernels.F;

import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * The reference FTRL kernel (TF2's V2 and Keras 3's forms); {@link ScalarKernels#ftrl} delegates
 * here, and the static range methods are the scalar tails of the vectorised FTRL kernel.
 */
public final class ScalarFtrl {

    private ScalarFtrl() {
    }

    static void ftrl(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                     long from, long to, FtrlCoefficients c) {
        if (dtype == DType.FLOAT32) {
            ftrlFloat(var, accum, linear, grad, from, to, (float) c.learningRate(), (float) c.l1(), (float) c.twoL2(),
                    (float) c.twoL2Shrinkage(), (float) c.learningRatePower(), c.keras3());
        } else {
            ftrlDouble(var, accum, linear, grad, from, to, c.learningRate(), c.l1(), c.twoL2(), c.twoL2Shrinkage(),
                    c.learningRatePower(), c.keras3());
        }
    }

    /** {@code x^-p}, as TensorFlow's kernels take it: a square root when p = -0.5. */
    static float negativePowerFloat(float x, float p) {
        return p == -0.5f ? (float) Math.sqrt(x) : (float) Math.pow(x, -p);
    }

    static double negativePowerDouble(double x, double p) {
        return p == -0.5 ? Math.sqrt(x) : Math.pow(x, -p);
    }

    /** {@link OptimizerKernels#ftrl} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void ftrlFloat(MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                                 long from, long to, float lr, float l1, float twoL2, float twoL2Shrinkage, float lrPower,
                                  boolean keras3) {
        // V2 runs TensorFlow's ApplyFtrlV2MultiplyLinearByLr functor (see FtrlCoefficients): linear is kept times lr.
        boolean v2 = !keras3 && twoL2Shrinkage > 0;
        float threshold = v2 ? l1 * lr : l1;
        float twoL2Lr = twoL2 * lr;
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float w = var.getAtIndex(F, i);
            float a = accum.getAtIndex(F, i);
            float newAccum = a + g * g;
            float newPower = negativePowerFloat(newAccum, lrPower);
            float powerStep = newPower - negativePowerFloat(a, lrPower);
            if (keras3) {
                float l = linear.getAtIndex(F, i) + ((g + twoL2Shrinkage * w) - (powerStep / lr) * w);
                linear.setAtIndex(F, i, l);
                var.setAtIndex(F, i, (Math.max(Math.min(l, l1), -l1) - l) / (newPower / lr + twoL2));
                accum.setAtIndex(F, i, newAccum);
                continue;
            }
            float l = v2
                    ? linear.getAtIndex(F, i) + ((g + twoL2Shrinkage * w) * lr - powerStep * w)
                    : linear.getAtIndex(F, i) + (g - (powerStep / lr) * w);
            linear.setAtIndex(F, i, l);
            float x = threshold * Math.signum(l) - l;
            float y = v2 ? newPower + twoL2Lr : newPower / lr + twoL2;
            var.setAtIndex(F, i, Math.abs(l) > threshold ? x / y : 0f);
            accum.setAtIndex(F, i, newAccum);
        }
    }

    /** {@link OptimizerKernels#ftrl} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void ftrlDouble(MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                                  long from, long to, double lr, double l1, double twoL2, double twoL2Shrinkage, double lrPower,
                                   boolean keras3) {
        // V2 runs TensorFlow's ApplyFtrlV2MultiplyLinearByLr functor (see FtrlCoefficients): linear is kept times lr.
        boolean v2 = !keras3 && twoL2Shrinkage > 0;
        double threshold = v2 ? l1 * lr : l1;
        double twoL2Lr = twoL2 * lr;
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double w = var.getAtIndex(D, i);
            double a = accum.getAtIndex(D, i);
            double newAccum = a + g * g;
            double newPower = negativePowerDouble(newAccum, lrPower);
            double powerStep = newPower - negativePowerDouble(a, lrPower);
            if (keras3) {
                double l = linear.getAtIndex(D, i) + ((g + twoL2Shrinkage * w) - (powerStep / lr) * w);
                linear.setAtIndex(D, i, l);
                var.setAtIndex(D, i, (Math.max(Math.min(l, l1), -l1) - l) / (newPower / lr + twoL2));
                accum.setAtIndex(D, i, newAccum);
                continue;
            }
            double l = v2
                    ? linear.getAtIndex(D, i) + ((g + twoL2Shrinkage * w) * lr - powerStep * w)
                    : linear.getAtIndex(D, i) + (g - (powerStep / lr) * w);
            linear.setAtIndex(D, i, l);
            double x = threshold * Math.signum(l) - l;
            double y = v2 ? newPower + twoL2Lr : newPower / lr + twoL2;
            var.setAtIndex(D, i, Math.abs(l) > threshold ? x / y : 0.0);
            accum.setAtIndex(D, i, newAccum);
        }
    }
}
