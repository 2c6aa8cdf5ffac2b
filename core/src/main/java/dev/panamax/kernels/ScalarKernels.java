package dev.panamax.kernels;

import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The reference kernels: plain loops that read like the TensorFlow kernels they port
 * ({@code tensorflow/core/kernels/training_ops.cc}). Float32 work is done in float arithmetic,
 * float64 in double, as TensorFlow does for a variable of that dtype.
 *
 * <p>The static {@code *Float} and {@code *Double} range methods are also the scalar tails of the
 * vectorised kernels, so a tail element is computed by the very same code as the reference.
 */
public final class ScalarKernels implements OptimizerKernels {

    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String description() {
        return "scalar (the reference loops, no Vector API)";
    }

    // ---- helpers -------------------------------------------------------------------------------

    @Override
    public void scale(DType dtype, MemorySegment x, long from, long to, double factor) {
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

    @Override
    public void scaleDivide(DType dtype, MemorySegment x, long from, long to, double multiplier, double divisor) {
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

    @Override
    public void clipByValue(DType dtype, MemorySegment x, long from, long to, double min, double max) {
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

    @Override
    public void axpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
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

    @Override
    public double sumOfSquares(DType dtype, MemorySegment x, long from, long to) {
        return ScalarSums.sumOfSquares(dtype, x, from, to);
    }

    @Override
    public void scheduleFreeAdamw(DType dtype, MemorySegment var, MemorySegment z, MemorySegment v, MemorySegment grad, long from,
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

    // ---- layer-wise updates (ScalarLamb, ScalarAdafactor) ------------------------------------------

    @Override
    public double lambMoments(DType dtype, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                              LambCoefficients c) {
        return ScalarLamb.lambMoments(dtype, m, v, grad, from, to, c);
    }

    @Override
    public void lambApply(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, long from, long to,
                          LambCoefficients c, double scale) {
        ScalarLamb.lambApply(dtype, var, m, v, from, to, c, scale);
    }

    @Override
    public void adafactorFactors(DType dtype, MemorySegment grad, MemorySegment r, MemorySegment c, MemorySegment rowFactors,
                                 long matrices, long rows, long columns, double beta2t, double oneMinusBeta2t, double epsilon1) {
        ScalarAdafactor.adafactorFactors(dtype, grad, r, c, rowFactors, matrices, rows, columns, beta2t, oneMinusBeta2t, epsilon1);
    }

    @Override
    public double adafactorFactoredVelocity(DType dtype, MemorySegment v, MemorySegment grad, MemorySegment rowFactors,
                                            MemorySegment c, long rows, long columns, long from, long to) {
        return ScalarAdafactor.adafactorFactoredVelocity(dtype, v, grad, rowFactors, c, rows, columns, from, to);
    }

    @Override
    public double adafactorVelocity(DType dtype, MemorySegment v, MemorySegment grad, long from, long to, double beta2t,
                                    double oneMinusBeta2t, double epsilon1) {
        return ScalarAdafactor.adafactorVelocity(dtype, v, grad, from, to, beta2t, oneMinusBeta2t, epsilon1);
    }

    @Override
    public void adafactorApply(DType dtype, MemorySegment var, MemorySegment v, MemorySegment grad, long from, long to,
                               double alpha, double divisor) {
        ScalarAdafactor.adafactorApply(dtype, var, v, grad, from, to, alpha, divisor);
    }

    // ---- Keras 3's base stages -------------------------------------------------------------------

    @Override
    public void weightDecay(DType dtype, MemorySegment var, long from, long to, double weightDecay, double lr) {
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

    @Override
    public void movingAverage(DType dtype, MemorySegment average, MemorySegment var, long from, long to, double momentum,
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

    @Override
    public void lion(DType dtype, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, LionCoefficients c) {
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

    @Override
    public void adamaxKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment u, MemorySegment grad, long from,
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

    @Override
    public void adadeltaKeras3(DType dtype, MemorySegment var, MemorySegment accumGrad, MemorySegment accumDelta,
                               MemorySegment grad, long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        if (dtype == DType.FLOAT32) {
            adadeltaKeras3Float(var, accumGrad, accumDelta, grad, from, to, (float) lr, (float) rho, (float) oneMinusRho,
                    (float) epsilon);
        } else {
            adadeltaKeras3Double(var, accumGrad, accumDelta, grad, from, to, lr, rho, oneMinusRho, epsilon);
        }
    }

    /** {@link OptimizerKernels#adadeltaKeras3} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adadeltaKeras3Float(MemorySegment var, MemorySegment accumGrad, MemorySegment accumDelta,
                                           MemorySegment grad, long from, long to, float lr, float rho, float oneMinusRho,
                                           float epsilon) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float ag = rho * accumGrad.getAtIndex(F, i) + oneMinusRho * (g * g);
            accumGrad.setAtIndex(F, i, ag);
            float ad = accumDelta.getAtIndex(F, i);
            float delta = -(((float) Math.sqrt(ad + epsilon) * g) / (float) Math.sqrt(ag + epsilon));
            accumDelta.setAtIndex(F, i, rho * ad + oneMinusRho * (delta * delta));
            var.setAtIndex(F, i, var.getAtIndex(F, i) + lr * delta);
        }
    }

    /** {@link OptimizerKernels#adadeltaKeras3} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adadeltaKeras3Double(MemorySegment var, MemorySegment accumGrad, MemorySegment accumDelta,
                                            MemorySegment grad, long from, long to, double lr, double rho, double oneMinusRho,
                                            double epsilon) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double ag = rho * accumGrad.getAtIndex(D, i) + oneMinusRho * (g * g);
            accumGrad.setAtIndex(D, i, ag);
            double ad = accumDelta.getAtIndex(D, i);
            double delta = -((Math.sqrt(ad + epsilon) * g) / Math.sqrt(ag + epsilon));
            accumDelta.setAtIndex(D, i, rho * ad + oneMinusRho * (delta * delta));
            var.setAtIndex(D, i, var.getAtIndex(D, i) + lr * delta);
        }
    }

    // ---- algorithms ----------------------------------------------------------------------------

    @Override
    public void gradientDescent(DType dtype, MemorySegment var, MemorySegment grad, long from, long to, double lr) {
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

    @Override
    public void kerasMomentum(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
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

    @Override
    public void adam(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                     AdamCoefficients c) {
        adamAmsgrad(dtype, var, m, v, null, grad, from, to, c);
    }

    /** Adam, or AMSGrad when {@code vhat} is not null (the interface's {@code adam} passes null). */
    @Override
    public void adamAmsgrad(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
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
     * decayed as {@link #weightDecayFloat} does, in the same operations, so the fused kernel gives
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

    // ---- RMSprop -------------------------------------------------------------------------------

    @Override
    public void rmsprop(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                        MemorySegment grad, long from, long to, RmspropCoefficients c) {
        if (dtype == DType.FLOAT32) {
            rmspropFloat(var, ms, mg, mom, grad, from, to, (float) c.learningRate(), (float) c.rho(), (float) c.oneMinusRho(),
                    (float) c.momentum(), (float) c.epsilon(), c.epsilonInsideSqrt());
        } else {
            rmspropDouble(var, ms, mg, mom, grad, from, to, c.learningRate(), c.rho(), c.oneMinusRho(), c.momentum(),
                    c.epsilon(), c.epsilonInsideSqrt());
        }
    }

    /** Keras's Python RMSprop; {@code mg} and {@code mom} may be null. */
    public static void rmspropFloat(MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom, MemorySegment grad,
                                    long from, long to, float lr, float rho, float oneMinusRho, float momentum, float epsilon,
                                    boolean epsilonInsideSqrt) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float msi = rho * ms.getAtIndex(F, i) + oneMinusRho * (g * g);
            ms.setAtIndex(F, i, msi);
            float denominator = msi;
            if (mg != null) {
                float mgi = rho * mg.getAtIndex(F, i) + oneMinusRho * g;
                mg.setAtIndex(F, i, mgi);
                denominator = msi - mgi * mgi;
            }
            float increment = epsilonInsideSqrt
                    ? (lr * g) / (float) Math.sqrt(denominator + epsilon)
                    : (lr * g) / ((float) Math.sqrt(denominator) + epsilon);
            if (mom != null) {
                increment = momentum * mom.getAtIndex(F, i) + increment;
                mom.setAtIndex(F, i, increment);
            }
            var.setAtIndex(F, i, var.getAtIndex(F, i) - increment);
        }
    }

    /** Keras's Python RMSprop; {@code mg} and {@code mom} may be null. */
    public static void rmspropDouble(MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom, MemorySegment grad,
                                     long from, long to, double lr, double rho, double oneMinusRho, double momentum,
                                     double epsilon, boolean epsilonInsideSqrt) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double msi = rho * ms.getAtIndex(D, i) + oneMinusRho * (g * g);
            ms.setAtIndex(D, i, msi);
            double denominator = msi;
            if (mg != null) {
                double mgi = rho * mg.getAtIndex(D, i) + oneMinusRho * g;
                mg.setAtIndex(D, i, mgi);
                denominator = msi - mgi * mgi;
            }
            double increment = epsilonInsideSqrt
                    ? (lr * g) / Math.sqrt(denominator + epsilon)
                    : (lr * g) / (Math.sqrt(denominator) + epsilon);
            if (mom != null) {
                increment = momentum * mom.getAtIndex(D, i) + increment;
                mom.setAtIndex(D, i, increment);
            }
            var.setAtIndex(D, i, var.getAtIndex(D, i) - increment);
        }
    }

    @Override
    public void rmspropMomentum(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                MemorySegment grad, long from, long to, RmspropCoefficients c) {
        if (dtype == DType.FLOAT32) {
            rmspropMomentumFloat(var, ms, mg, mom, grad, from, to, (float) c.learningRate(), (float) c.oneMinusRho(),
                    (float) c.momentum(), (float) c.epsilon());
        } else {
            rmspropMomentumDouble(var, ms, mg, mom, grad, from, to, c.learningRate(), c.oneMinusRho(), c.momentum(), c.epsilon());
        }
    }

    /** TensorFlow's ApplyRMSProp, or ApplyCenteredRMSProp when {@code mg} is not null. */
    public static void rmspropMomentumFloat(MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                            MemorySegment grad, long from, long to, float lr, float oneMinusRho, float momentum,
                                            float epsilon) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float msi = ms.getAtIndex(F, i);
            msi = msi + (g * g - msi) * oneMinusRho;
            ms.setAtIndex(F, i, msi);
            float denominator;
            if (mg != null) {
                float mgi = mg.getAtIndex(F, i);
                mgi = mgi + (g - mgi) * oneMinusRho;
                mg.setAtIndex(F, i, mgi);
                denominator = (msi - mgi * mgi) + epsilon;
            } else {
                denominator = msi + epsilon;
            }
            float momi = mom.getAtIndex(F, i) * momentum + (g * lr) / (float) Math.sqrt(denominator);
            mom.setAtIndex(F, i, momi);
            var.setAtIndex(F, i, var.getAtIndex(F, i) - momi);
        }
    }

    /** TensorFlow's ApplyRMSProp, or ApplyCenteredRMSProp when {@code mg} is not null. */
    public static void rmspropMomentumDouble(MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                             MemorySegment grad, long from, long to, double lr, double oneMinusRho,
                                             double momentum, double epsilon) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double msi = ms.getAtIndex(D, i);
            msi = msi + (g * g - msi) * oneMinusRho;
            ms.setAtIndex(D, i, msi);
            double denominator;
            if (mg != null) {
                double mgi = mg.getAtIndex(D, i);
                mgi = mgi + (g - mgi) * oneMinusRho;
                mg.setAtIndex(D, i, mgi);
                denominator = (msi - mgi * mgi) + epsilon;
            } else {
                denominator = msi + epsilon;
            }
            double momi = mom.getAtIndex(D, i) * momentum + (g * lr) / Math.sqrt(denominator);
            mom.setAtIndex(D, i, momi);
            var.setAtIndex(D, i, var.getAtIndex(D, i) - momi);
        }
    }

    // ---- Adagrad, Adadelta, Adamax -------------------------------------------------------------

    @Override
    public void adagrad(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                        double lr, double epsilon, boolean epsilonInsideSqrt) {
        if (dtype == DType.FLOAT32) {
            adagradFloat(var, accum, grad, from, to, (float) lr, (float) epsilon, epsilonInsideSqrt);
        } else {
            adagradDouble(var, accum, grad, from, to, lr, epsilon, epsilonInsideSqrt);
        }
    }

    /** {@link OptimizerKernels#adagrad} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adagradFloat(MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                                    float lr, float epsilon, boolean epsilonInsideSqrt) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float a = accum.getAtIndex(F, i) + g * g;
            accum.setAtIndex(F, i, a);
            float denominator = epsilonInsideSqrt ? (float) Math.sqrt(a + epsilon) : (float) Math.sqrt(a) + epsilon;
            var.setAtIndex(F, i, var.getAtIndex(F, i) - (g * lr) / denominator);
        }
    }

    /** {@link OptimizerKernels#adagrad} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adagradDouble(MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                                     double lr, double epsilon, boolean epsilonInsideSqrt) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double a = accum.getAtIndex(D, i) + g * g;
            accum.setAtIndex(D, i, a);
            double denominator = epsilonInsideSqrt ? Math.sqrt(a + epsilon) : Math.sqrt(a) + epsilon;
            var.setAtIndex(D, i, var.getAtIndex(D, i) - (g * lr) / denominator);
        }
    }

    @Override
    public void adadelta(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment accumUpdate, MemorySegment grad,
                         long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        if (dtype == DType.FLOAT32) {
            adadeltaFloat(var, accum, accumUpdate, grad, from, to, (float) lr, (float) rho, (float) oneMinusRho, (float) epsilon);
        } else {
            adadeltaDouble(var, accum, accumUpdate, grad, from, to, lr, rho, oneMinusRho, epsilon);
        }
    }

    /** {@link OptimizerKernels#adadelta} on float32 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adadeltaFloat(MemorySegment var, MemorySegment accum, MemorySegment accumUpdate, MemorySegment grad,
                                     long from, long to, float lr, float rho, float oneMinusRho, float epsilon) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float a = accum.getAtIndex(F, i) * rho + (g * g) * oneMinusRho;
            accum.setAtIndex(F, i, a);
            float au = accumUpdate.getAtIndex(F, i);
            float update = (float) Math.sqrt(au + epsilon) * (1f / (float) Math.sqrt(a + epsilon)) * g;
            var.setAtIndex(F, i, var.getAtIndex(F, i) - update * lr);
            accumUpdate.setAtIndex(F, i, au * rho + (update * update) * oneMinusRho);
        }
    }

    /** {@link OptimizerKernels#adadelta} on float64 elements: the reference loop, which the SIMD kernels also run on their tails. */
    public static void adadeltaDouble(MemorySegment var, MemorySegment accum, MemorySegment accumUpdate, MemorySegment grad,
                                      long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(D, i);
            double a = accum.getAtIndex(D, i) * rho + (g * g) * oneMinusRho;
            accum.setAtIndex(D, i, a);
            double au = accumUpdate.getAtIndex(D, i);
            double update = Math.sqrt(au + epsilon) * (1.0 / Math.sqrt(a + epsilon)) * g;
            var.setAtIndex(D, i, var.getAtIndex(D, i) - update * lr);
            accumUpdate.setAtIndex(D, i, au * rho + (update * update) * oneMinusRho);
        }
    }

    @Override
    public void adamax(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
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

    // ---- Nadam ---------------------------------------------------------------------------------

    @Override
    public void nadam(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
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

    @Override
    public void nadamKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from,
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

    // ---- FTRL (ScalarFtrl) -----------------------------------------------------------------------

    @Override
    public void ftrl(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                     long from, long to, FtrlCoefficients c) {
        ScalarFtrl.ftrl(dtype, var, accum, linear, grad, from, to, c);
    }

    // ---- sparse rows (TF2 Keras _resource_apply_sparse) ---------------------------------------------

    @Override
    public void squareAxpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
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

    @Override
    public void adamFromMoments(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
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

    @Override
    public void adamaxRows(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad,
                           long from, long to, AdamaxCoefficients c, double beta1) {
        ScalarSparseRows.adamaxRows(dtype, var, m, v, grad, from, to, c, beta1);
    }

    @Override
    public void rmspropMomentumRows(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                    MemorySegment grad, long from, long to, RmspropCoefficients c) {
        ScalarSparseRows.rmspropMomentumRows(dtype, var, ms, mg, mom, grad, from, to, c);
    }

    @Override
    public void ftrlRows(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                         long from, long to, FtrlCoefficients c, boolean oneElementRows) {
        ScalarSparseRows.ftrlRows(dtype, var, accum, linear, grad, from, to, c, oneElementRows);
    }
}
