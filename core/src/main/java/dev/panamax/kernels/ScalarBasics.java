package dev.panamax.kernels;

import static dev.panamax.kernels.ScalarKernels.D;
import static dev.panamax.kernels.ScalarKernels.F;

import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * The reference kernels of the helpers and the simplest updates: scaling, clipping, axpy, Keras 3's
 * weight decay and EMA, gradient descent, Keras momentum and the squared-gradient axpy of sparse
 * rows (sums of squares are {@link ScalarSums}). Their {@code *Float} and {@code *Double} range
 * methods are also the SIMD kernels' scalar tails. {@link ScalarKernels} delegates here; see it for
 * the conventions.
 */
public final class ScalarBasics {

    private ScalarBasics() {
    }

    static void scale(DType dtype, MemorySegment x, long from, long to, double factor) {
        if (dtype == DType.FLOAT32) {
            scaleFloat(x, from, to, (float) factor);
        } else {
            scaleDouble(x, from, to, factor);
        }
    }

    /** {@link OptimizerKernels#scale} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void scaleFloat(MemorySegment x, long from, long to, float factor) {
        for (long i = from; i < to; i++) {
            x.setAtIndex(F, i, x.getAtIndex(F, i) * factor);
        }
    }

    /** {@link OptimizerKernels#scale} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void scaleDouble(MemorySegment x, long from, long to, double factor) {
        for (long i = from; i < to; i++) {
            x.setAtIndex(D, i, x.getAtIndex(D, i) * factor);
        }
    }

    static void scaleDivide(DType dtype, MemorySegment x, long from, long to, double multiplier, double divisor) {
        if (dtype == DType.FLOAT32) {
            scaleDivideFloat(x, from, to, (float) multiplier, (float) divisor);
        } else {
            scaleDivideDouble(x, from, to, multiplier, divisor);
        }
    }

    /** {@link OptimizerKernels#scaleDivide} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void scaleDivideFloat(MemorySegment x, long from, long to, float multiplier, float divisor) {
        for (long i = from; i < to; i++) {
            x.setAtIndex(F, i, (x.getAtIndex(F, i) * multiplier) / divisor);
        }
    }

    /** {@link OptimizerKernels#scaleDivide} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void scaleDivideDouble(MemorySegment x, long from, long to, double multiplier, double divisor) {
        for (long i = from; i < to; i++) {
            x.setAtIndex(D, i, (x.getAtIndex(D, i) * multiplier) / divisor);
        }
    }

    static void clipByValue(DType dtype, MemorySegment x, long from, long to, double min, double max) {
        if (dtype == DType.FLOAT32) {
            clipByValueFloat(x, from, to, (float) min, (float) max);
        } else {
            clipByValueDouble(x, from, to, min, max);
        }
    }

    /** {@link OptimizerKernels#clipByValue} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void clipByValueFloat(MemorySegment x, long from, long to, float min, float max) {
        for (long i = from; i < to; i++) {
            x.setAtIndex(F, i, Math.max(Math.min(x.getAtIndex(F, i), max), min));
        }
    }

    /** {@link OptimizerKernels#clipByValue} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void clipByValueDouble(MemorySegment x, long from, long to, double min, double max) {
        for (long i = from; i < to; i++) {
            x.setAtIndex(D, i, Math.max(Math.min(x.getAtIndex(D, i), max), min));
        }
    }

    static void axpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        if (dtype == DType.FLOAT32) {
            axpyFloat((float) alpha, x, y, from, to);
        } else {
            axpyDouble(alpha, x, y, from, to);
        }
    }

    /** {@link OptimizerKernels#axpy} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void axpyFloat(float alpha, MemorySegment x, MemorySegment y, long from, long to) {
        for (long i = from; i < to; i++) {
            y.setAtIndex(F, i, y.getAtIndex(F, i) + alpha * x.getAtIndex(F, i));
        }
    }

    /** {@link OptimizerKernels#axpy} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void axpyDouble(double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        for (long i = from; i < to; i++) {
            y.setAtIndex(D, i, y.getAtIndex(D, i) + alpha * x.getAtIndex(D, i));
        }
    }

    static void weightDecay(DType dtype, MemorySegment var, long from, long to, double weightDecay, double lr) {
        if (dtype == DType.FLOAT32) {
            weightDecayFloat(var, from, to, (float) weightDecay, (float) lr);
        } else {
            weightDecayDouble(var, from, to, weightDecay, lr);
        }
    }

    /** {@link OptimizerKernels#weightDecay} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void weightDecayFloat(MemorySegment var, long from, long to, float wd, float lr) {
        for (long i = from; i < to; i++) {
            float w = var.getAtIndex(F, i);
            var.setAtIndex(F, i, w - w * wd * lr);
        }
    }

    /** {@link OptimizerKernels#weightDecay} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void weightDecayDouble(MemorySegment var, long from, long to, double wd, double lr) {
        for (long i = from; i < to; i++) {
            double w = var.getAtIndex(D, i);
            var.setAtIndex(D, i, w - w * wd * lr);
        }
    }

    static void movingAverage(DType dtype, MemorySegment average, MemorySegment var, long from, long to, double momentum,
                              double oneMinusMomentum) {
        if (dtype == DType.FLOAT32) {
            movingAverageFloat(average, var, from, to, (float) momentum, (float) oneMinusMomentum);
        } else {
            movingAverageDouble(average, var, from, to, momentum, oneMinusMomentum);
        }
    }

    /** {@link OptimizerKernels#movingAverage} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void movingAverageFloat(MemorySegment average, MemorySegment var, long from, long to, float m, float c) {
        for (long i = from; i < to; i++) {
            average.setAtIndex(F, i, m * average.getAtIndex(F, i) + c * var.getAtIndex(F, i));
        }
    }

    /** {@link OptimizerKernels#movingAverage} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void movingAverageDouble(MemorySegment average, MemorySegment var, long from, long to, double m, double c) {
        for (long i = from; i < to; i++) {
            average.setAtIndex(D, i, m * average.getAtIndex(D, i) + c * var.getAtIndex(D, i));
        }
    }

    static void gradientDescent(DType dtype, MemorySegment var, MemorySegment grad, long from, long to, double lr) {
        if (dtype == DType.FLOAT32) {
            gradientDescentFloat(var, grad, from, to, (float) lr);
        } else {
            gradientDescentDouble(var, grad, from, to, lr);
        }
    }

    /** {@link OptimizerKernels#gradientDescent} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void gradientDescentFloat(MemorySegment var, MemorySegment grad, long from, long to, float lr) {
        for (long i = from; i < to; i++) {
            var.setAtIndex(F, i, var.getAtIndex(F, i) - grad.getAtIndex(F, i) * lr);
        }
    }

    /** {@link OptimizerKernels#gradientDescent} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void gradientDescentDouble(MemorySegment var, MemorySegment grad, long from, long to, double lr) {
        for (long i = from; i < to; i++) {
            var.setAtIndex(D, i, var.getAtIndex(D, i) - grad.getAtIndex(D, i) * lr);
        }
    }

    static void kerasMomentum(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                              double lr, double momentum, boolean nesterov) {
        if (dtype == DType.FLOAT32) {
            kerasMomentumFloat(var, accum, grad, from, to, (float) lr, (float) momentum, nesterov);
        } else {
            kerasMomentumDouble(var, accum, grad, from, to, lr, momentum, nesterov);
        }
    }

    /** {@link OptimizerKernels#kerasMomentum} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void kerasMomentumFloat(MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                                          float lr, float momentum, boolean nesterov) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float a = accum.getAtIndex(F, i) * momentum - g * lr;
            accum.setAtIndex(F, i, a);
            float step = nesterov ? a * momentum - g * lr : a;
            var.setAtIndex(F, i, var.getAtIndex(F, i) + step);
        }
    }

    /** {@link OptimizerKernels#kerasMomentum} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void kerasMomentumDouble(MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                                           double lr, double momentum, boolean nesterov) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double a = accum.getAtIndex(D, i) * momentum - g * lr;
            accum.setAtIndex(D, i, a);
            double step = nesterov ? a * momentum - g * lr : a;
            var.setAtIndex(D, i, var.getAtIndex(D, i) + step);
        }
    }

    static void squareAxpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        if (dtype == DType.FLOAT32) {
            squareAxpyFloat((float) alpha, x, y, from, to);
        } else {
            squareAxpyDouble(alpha, x, y, from, to);
        }
    }

    /** float32: {@code y = y + alpha * x * x}, the reference loop (and the SIMD tail). */
    public static void squareAxpyFloat(float alpha, MemorySegment x, MemorySegment y, long from, long to) {
        for (long i = from; i < to; i++) {
            float xi = x.getAtIndex(F, i);
            y.setAtIndex(F, i, y.getAtIndex(F, i) + (xi * xi) * alpha);
        }
    }

    /** float64: {@code y = y + alpha * x * x}, the reference loop (and the SIMD tail). */
    public static void squareAxpyDouble(double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        for (long i = from; i < to; i++) {
            double xi = x.getAtIndex(D, i);
            y.setAtIndex(D, i, y.getAtIndex(D, i) + (xi * xi) * alpha);
        }
    }
}
