package dev.panamax.kernels;

import static dev.panamax.kernels.ScalarKernels.D;
import static dev.panamax.kernels.ScalarKernels.F;

import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * The reference kernels of the accumulator family: RMSprop (Keras's Python form and TensorFlow's),
 * Adagrad and Adadelta (Keras 2 and 3). Their {@code *Float} and {@code *Double} range methods are
 * also the SIMD kernels' scalar tails. {@link ScalarKernels} delegates here; see it for the
 * conventions.
 */
public final class ScalarRmspropFamily {

    private ScalarRmspropFamily() {
    }

    static void adadeltaKeras3(DType dtype, MemorySegment var, MemorySegment accumGrad, MemorySegment accumDelta,
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

    static void rmsprop(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
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

    static void rmspropMomentum(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
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

    static void adagrad(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
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

    static void adadelta(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment accumUpdate, MemorySegment grad,
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
}
