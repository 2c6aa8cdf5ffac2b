package dev.panamax.kernels;

import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The reference kernels: plain loops that read like the TensorFlow kernels they port
 * ({@code tensorflow/core/kernels/training_ops.cc}). Float32 work is done in float arithmetic,
 * float64 in double, as TensorFlow does for a variable of that dtype.
 *
 * <p>The loops live in one class per family ({@link ScalarBasics}, {@link ScalarSums},
 * {@link ScalarAdamFamily}, {@link ScalarRmspropFamily}, {@link ScalarFtrl}, {@link ScalarLamb},
 * {@link ScalarAdafactor}, {@link ScalarScheduleFree}, {@link ScalarSparseRows}); this class only
 * dispatches. Their static {@code *Float} and {@code *Double} range methods are also the scalar
 * tails of the vectorised kernels, so a tail element is computed by the very same code as the
 * reference.
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
        ScalarBasics.scale(dtype, x, from, to, factor);
    }

    @Override
    public void scaleDivide(DType dtype, MemorySegment x, long from, long to, double multiplier, double divisor) {
        ScalarBasics.scaleDivide(dtype, x, from, to, multiplier, divisor);
    }

    @Override
    public void clipByValue(DType dtype, MemorySegment x, long from, long to, double min, double max) {
        ScalarBasics.clipByValue(dtype, x, from, to, min, max);
    }

    @Override
    public void axpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        ScalarBasics.axpy(dtype, alpha, x, y, from, to);
    }

    @Override
    public double sumOfSquares(DType dtype, MemorySegment x, long from, long to) {
        return ScalarSums.sumOfSquares(dtype, x, from, to);
    }

    @Override
    public void scheduleFreeAdamw(DType dtype, MemorySegment var, MemorySegment z, MemorySegment v, MemorySegment grad, long from,
                                  long to, ScheduleFreeCoefficients c) {
        ScalarScheduleFree.scheduleFreeAdamw(dtype, var, z, v, grad, from, to, c);
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
        ScalarBasics.weightDecay(dtype, var, from, to, weightDecay, lr);
    }

    @Override
    public void movingAverage(DType dtype, MemorySegment average, MemorySegment var, long from, long to, double momentum,
                              double oneMinusMomentum) {
        ScalarBasics.movingAverage(dtype, average, var, from, to, momentum, oneMinusMomentum);
    }

    @Override
    public void lion(DType dtype, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, LionCoefficients c) {
        ScalarAdamFamily.lion(dtype, var, m, grad, from, to, c);
    }

    @Override
    public void adamaxKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment u, MemorySegment grad, long from,
                             long to, Keras3AdamaxCoefficients c) {
        ScalarAdamFamily.adamaxKeras3(dtype, var, m, u, grad, from, to, c);
    }

    @Override
    public void adadeltaKeras3(DType dtype, MemorySegment var, MemorySegment accumGrad, MemorySegment accumDelta,
                               MemorySegment grad, long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        ScalarRmspropFamily.adadeltaKeras3(dtype, var, accumGrad, accumDelta, grad, from, to, lr, rho, oneMinusRho, epsilon);
    }

    // ---- algorithms ----------------------------------------------------------------------------

    @Override
    public void gradientDescent(DType dtype, MemorySegment var, MemorySegment grad, long from, long to, double lr) {
        ScalarBasics.gradientDescent(dtype, var, grad, from, to, lr);
    }

    @Override
    public void kerasMomentum(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                              double lr, double momentum, boolean nesterov) {
        ScalarBasics.kerasMomentum(dtype, var, accum, grad, from, to, lr, momentum, nesterov);
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
        ScalarAdamFamily.adamAmsgrad(dtype, var, m, v, vhat, grad, from, to, c);
    }

    // ---- mixed precision: 16-bit variables and slots ----------------------------------------------

    @Override
    public void adamMixed(DType varDtype, DType mDtype, DType vDtype, DType vhatDtype, VariableRounding rounding, MemorySegment var,
                          MemorySegment m, MemorySegment v, MemorySegment vhat, MemorySegment grad, long from, long to,
                          AdamCoefficients c) {
        ScalarMixedPrecision.adam(varDtype, mDtype, vDtype, vhatDtype, rounding, var, m, v, vhat, grad, from, to, (float) c.alpha(),
                (float) c.oneMinusBeta1(), (float) c.oneMinusBeta2(), (float) c.epsilon(), c.decays(), (float) c.weightDecay(),
                (float) c.decayLearningRate());
    }

    @Override
    public void gradientDescentMixed(DType varDtype, VariableRounding rounding, MemorySegment var, MemorySegment grad, long from,
                                     long to, double lr) {
        ScalarMixedPrecision.gradientDescent(varDtype, rounding, var, grad, from, to, (float) lr);
    }

    @Override
    public void kerasMomentumMixed(DType varDtype, DType accumDtype, VariableRounding rounding, MemorySegment var,
                                   MemorySegment accum, MemorySegment grad, long from, long to, double lr, double momentum,
                                   boolean nesterov) {
        ScalarMixedPrecision.kerasMomentum(varDtype, accumDtype, rounding, var, accum, grad, from, to, (float) lr, (float) momentum,
                nesterov);
    }

    @Override
    public void lionMixed(DType varDtype, DType mDtype, VariableRounding rounding, MemorySegment var, MemorySegment m,
                          MemorySegment grad, long from, long to, LionCoefficients c) {
        ScalarMixedPrecision.lion(varDtype, mDtype, rounding, var, m, grad, from, to, (float) c.lr(), (float) c.beta1(),
                (float) c.oneMinusBeta1(), (float) c.beta2(), (float) c.oneMinusBeta2());
    }

    // ---- RMSprop -------------------------------------------------------------------------------

    @Override
    public void rmsprop(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                        MemorySegment grad, long from, long to, RmspropCoefficients c) {
        ScalarRmspropFamily.rmsprop(dtype, var, ms, mg, mom, grad, from, to, c);
    }

    @Override
    public void rmspropMomentum(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                MemorySegment grad, long from, long to, RmspropCoefficients c) {
        ScalarRmspropFamily.rmspropMomentum(dtype, var, ms, mg, mom, grad, from, to, c);
    }

    // ---- Adagrad, Adadelta, Adamax -------------------------------------------------------------

    @Override
    public void adagrad(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                        double lr, double epsilon, boolean epsilonInsideSqrt) {
        ScalarRmspropFamily.adagrad(dtype, var, accum, grad, from, to, lr, epsilon, epsilonInsideSqrt);
    }

    @Override
    public void adadelta(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment accumUpdate, MemorySegment grad,
                         long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        ScalarRmspropFamily.adadelta(dtype, var, accum, accumUpdate, grad, from, to, lr, rho, oneMinusRho, epsilon);
    }

    @Override
    public void adamax(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                       AdamaxCoefficients c) {
        ScalarAdamFamily.adamax(dtype, var, m, v, grad, from, to, c);
    }

    // ---- Nadam ---------------------------------------------------------------------------------

    @Override
    public void nadam(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                      NadamCoefficients c) {
        ScalarAdamFamily.nadam(dtype, var, m, v, grad, from, to, c);
    }

    @Override
    public void nadamKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from,
                            long to, NadamCoefficients c) {
        ScalarAdamFamily.nadamKeras3(dtype, var, m, v, grad, from, to, c);
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
        ScalarBasics.squareAxpy(dtype, alpha, x, y, from, to);
    }

    @Override
    public void adamFromMoments(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                                long from, long to, double alpha, double epsilon) {
        ScalarAdamFamily.adamFromMoments(dtype, var, m, v, vhat, from, to, alpha, epsilon);
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
