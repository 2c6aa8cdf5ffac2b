package dev.panamax.simd;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.AdamaxCoefficients;
import dev.panamax.kernels.ChunkedExecutor;
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

/**
 * Vector API kernels, one class per family ({@link SimdBasics}, {@link SimdSums}, {@link SimdAdamFamily},
 * {@link SimdRmspropFamily}, {@link SimdFtrl}, {@link SimdLamb}, {@link SimdAdafactor},
 * {@link SimdScheduleFree}); this class only dispatches. Each loop runs whole vectors of the preferred species up to
 * {@code loopBound}, then hands the tail to the reference method of the same name (in the family
 * classes of {@link ScalarKernels}). A loop
 * counts with an {@code int} ({@code j}, at element {@code from + j}): C2 moves the array bounds
 * checks of the heap copy out of int loops only, which made wrapped arrays 4-8% slower than a plain
 * Java loop on two threads. A call's vector loop therefore covers at most
 * {@link ChunkedExecutor#MAX_CALL_ELEMENTS} elements and the reference loop the rest; the executor
 * never passes more. (Cutting longer ranges here, in a loop or a branch around the kernel call,
 * changed how C2 compiled the kernel behind it and cost the wrapped Nadam step a quarter of its
 * speed.) Every
 * vector load and store goes through {@link VectorMemory}; the build compiles all these classes a
 * second time, as {@code dev.panamax.simd.heap}, against the {@code VectorMemory} for Java arrays
 * ({@link #forHeapArrays}).
 * Every element-wise formula is written in the reference's operation order with no fused
 * multiply-add, so the results are bit-identical to {@link ScalarKernels}.
 *
 * <p>Conventions of the kernels below: a scalar that is the left operand in the reference
 * ({@code rho * ms}) is a broadcast vector hoisted out of the loop ({@code rhoV.mul(ms)}), one
 * that is the right operand stays a scalar argument ({@code ms.mul(rho)}), so every line reads in
 * the reference's operand order. Square roots are {@code lanewise(SQRT)} (correctly rounded, as
 * {@code Math.sqrt}; for float32 {@code (float) Math.sqrt(x)} is the correctly rounded float
 * square root too), {@code max}/{@code min} follow {@code Math.max}/{@code Math.min}, and a
 * ternary becomes a compare and a blend. A null optional segment (RMSprop's {@code mg} and
 * {@code mom}, AMSGrad's {@code vhat}) or a flag is a loop-invariant test inside one loop, as in
 * the reference, rather than one copy of the loop per variant. Each dtype has its own method: a
 * method holding both the float and the double loop exceeds C2's inlining budget, and the second
 * loop then allocates a box per vector (about ten times slower).
 */
public final class SimdKernels implements OptimizerKernels {

    @Override
    public String name() {
        return "simd";
    }

    /** The width the JVM chose for this CPU ({@code SPECIES_PREFERRED}), which every loop uses. */
    @Override
    public String description() {
        return name() + " (" + SimdLanes.FS.vectorBitSize() + "-bit vectors: " + SimdLanes.FS.length() + " float32 or "
                + SimdLanes.DS.length() + " float64 lanes)";
    }

    /**
     * The copy of these kernels the build compiles against array loads and stores (package
     * {@code dev.panamax.simd.heap}, see {@link VectorMemory}); in that copy, itself.
     */
    @Override
    public OptimizerKernels forHeapArrays() {
        return HeapArrays.KERNELS;
    }

    /** Holds the heap copy, made on first use. */
    private static final class HeapArrays {
        static final OptimizerKernels KERNELS = new dev.panamax.simd.heap.SimdKernels();
    }

    @Override
    public void scale(DType dtype, MemorySegment x, long from, long to, double factor) {
        SimdBasics.scale(dtype, x, from, to, factor);
    }

    @Override
    public void scaleDivide(DType dtype, MemorySegment x, long from, long to, double multiplier, double divisor) {
        SimdBasics.scaleDivide(dtype, x, from, to, multiplier, divisor);
    }

    @Override
    public void clipByValue(DType dtype, MemorySegment x, long from, long to, double min, double max) {
        SimdBasics.clipByValue(dtype, x, from, to, min, max);
    }

    @Override
    public void axpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        SimdBasics.axpy(dtype, alpha, x, y, from, to);
    }

    @Override
    public double sumOfSquares(DType dtype, MemorySegment x, long from, long to) {
        return SimdSums.sumOfSquares(dtype, x, from, to);
    }

    @Override
    public void weightDecay(DType dtype, MemorySegment var, long from, long to, double weightDecay, double lr) {
        SimdBasics.weightDecay(dtype, var, from, to, weightDecay, lr);
    }

    @Override
    public void movingAverage(DType dtype, MemorySegment average, MemorySegment var, long from, long to, double momentum,
                              double oneMinusMomentum) {
        SimdBasics.movingAverage(dtype, average, var, from, to, momentum, oneMinusMomentum);
    }

    @Override
    public void lion(DType dtype, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, LionCoefficients c) {
        SimdAdamFamily.lion(dtype, var, m, grad, from, to, c);
    }

    @Override
    public void scheduleFreeAdamw(DType dtype, MemorySegment var, MemorySegment z, MemorySegment v, MemorySegment grad, long from,
                                  long to, ScheduleFreeCoefficients c) {
        SimdScheduleFree.scheduleFreeAdamw(dtype, var, z, v, grad, from, to, c);
    }

    @Override
    public double lambMoments(DType dtype, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                              LambCoefficients c) {
        return SimdLamb.lambMoments(dtype, m, v, grad, from, to, c);
    }

    @Override
    public void lambApply(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, long from, long to,
                          LambCoefficients c, double scale) {
        SimdLamb.lambApply(dtype, var, m, v, from, to, c, scale);
    }

    @Override
    public void adafactorFactors(DType dtype, MemorySegment grad, MemorySegment r, MemorySegment c, MemorySegment rowFactors,
                                 long matrices, long rows, long columns, double beta2t, double oneMinusBeta2t, double epsilon1) {
        SimdAdafactor.adafactorFactors(dtype, grad, r, c, rowFactors, matrices, rows, columns, beta2t, oneMinusBeta2t, epsilon1);
    }

    @Override
    public double adafactorFactoredVelocity(DType dtype, MemorySegment v, MemorySegment grad, MemorySegment rowFactors,
                                            MemorySegment c, long rows, long columns, long from, long to) {
        return SimdAdafactor.adafactorFactoredVelocity(dtype, v, grad, rowFactors, c, rows, columns, from, to);
    }

    @Override
    public double adafactorVelocity(DType dtype, MemorySegment v, MemorySegment grad, long from, long to, double beta2t,
                                    double oneMinusBeta2t, double epsilon1) {
        return SimdAdafactor.adafactorVelocity(dtype, v, grad, from, to, beta2t, oneMinusBeta2t, epsilon1);
    }

    @Override
    public void adafactorApply(DType dtype, MemorySegment var, MemorySegment v, MemorySegment grad, long from, long to,
                               double alpha, double divisor) {
        SimdAdafactor.adafactorApply(dtype, var, v, grad, from, to, alpha, divisor);
    }

    @Override
    public void adamaxKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment u, MemorySegment grad, long from,
                             long to, Keras3AdamaxCoefficients c) {
        SimdAdamFamily.adamaxKeras3(dtype, var, m, u, grad, from, to, c);
    }

    @Override
    public void adadeltaKeras3(DType dtype, MemorySegment var, MemorySegment accumGrad, MemorySegment accumDelta,
                               MemorySegment grad, long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        SimdRmspropFamily.adadeltaKeras3(dtype, var, accumGrad, accumDelta, grad, from, to, lr, rho, oneMinusRho, epsilon);
    }

    @Override
    public void gradientDescent(DType dtype, MemorySegment var, MemorySegment grad, long from, long to, double lr) {
        SimdBasics.gradientDescent(dtype, var, grad, from, to, lr);
    }

    @Override
    public void kerasMomentum(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                              double lr, double momentum, boolean nesterov) {
        SimdBasics.kerasMomentum(dtype, var, accum, grad, from, to, lr, momentum, nesterov);
    }

    @Override
    public void adam(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                     AdamCoefficients c) {
        SimdAdamFamily.adam(dtype, var, m, v, grad, from, to, c);
    }

    @Override
    public void adamMixed(DType varDtype, DType mDtype, DType vDtype, DType vhatDtype, VariableRounding rounding, MemorySegment var,
                          MemorySegment m, MemorySegment v, MemorySegment vhat, MemorySegment grad, long from, long to,
                          AdamCoefficients c) {
        if (vhat != null || varDtype == DType.FLOAT16 || mDtype == DType.FLOAT16 || vDtype == DType.FLOAT16) {
            SimdStagedHalf.adam(varDtype, mDtype, vDtype, vhatDtype, rounding, var, m, v, vhat, grad, from, to, c);
        } else if (varDtype == DType.FLOAT32) {
            SimdHalfSlots.adam(mDtype, vDtype, var, m, v, grad, from, to, c);
        } else {
            SimdHalfVariables.adam(varDtype, mDtype, vDtype, rounding, var, m, v, grad, from, to, c);
        }
    }

    @Override
    public void gradientDescentMixed(DType varDtype, VariableRounding rounding, MemorySegment var, MemorySegment grad, long from,
                                     long to, double lr) {
        if (varDtype == DType.FLOAT32) {
            SimdBasics.gradientDescent(varDtype, var, grad, from, to, lr);
        } else {
            SimdHalfVariables.gradientDescent(varDtype, rounding, var, grad, from, to, lr);
        }
    }

    @Override
    public void kerasMomentumMixed(DType varDtype, DType accumDtype, VariableRounding rounding, MemorySegment var,
                                   MemorySegment accum, MemorySegment grad, long from, long to, double lr, double momentum,
                                   boolean nesterov) {
        if (varDtype == DType.FLOAT32) {
            SimdHalfSlots.kerasMomentum(accumDtype, var, accum, grad, from, to, lr, momentum, nesterov);
        } else {
            SimdHalfVariables.kerasMomentum(varDtype, accumDtype, rounding, var, accum, grad, from, to, lr, momentum, nesterov);
        }
    }

    @Override
    public void lionMixed(DType varDtype, DType mDtype, VariableRounding rounding, MemorySegment var, MemorySegment m,
                          MemorySegment grad, long from, long to, LionCoefficients c) {
        if (varDtype == DType.FLOAT16 || mDtype == DType.FLOAT16) {
            SimdStagedHalf.lion(varDtype, mDtype, rounding, var, m, grad, from, to, c);
        } else if (varDtype == DType.FLOAT32) {
            SimdHalfSlots.lion(mDtype, var, m, grad, from, to, c);
        } else {
            SimdHalfVariables.lion(varDtype, mDtype, rounding, var, m, grad, from, to, c);
        }
    }

    @Override
    public void adamAmsgrad(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                            MemorySegment grad, long from, long to, AdamCoefficients c) {
        SimdAdamFamily.adamAmsgrad(dtype, var, m, v, vhat, grad, from, to, c);
    }

    @Override
    public void rmsprop(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                        MemorySegment grad, long from, long to, RmspropCoefficients c) {
        SimdRmspropFamily.rmsprop(dtype, var, ms, mg, mom, grad, from, to, c);
    }

    @Override
    public void rmspropMomentum(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                MemorySegment grad, long from, long to, RmspropCoefficients c) {
        SimdRmspropFamily.rmspropMomentum(dtype, var, ms, mg, mom, grad, from, to, c);
    }

    @Override
    public void adagrad(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                        double lr, double epsilon, boolean epsilonInsideSqrt) {
        SimdRmspropFamily.adagrad(dtype, var, accum, grad, from, to, lr, epsilon, epsilonInsideSqrt);
    }

    @Override
    public void adadelta(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment accumUpdate, MemorySegment grad,
                         long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        SimdRmspropFamily.adadelta(dtype, var, accum, accumUpdate, grad, from, to, lr, rho, oneMinusRho, epsilon);
    }

    @Override
    public void adamax(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                       AdamaxCoefficients c) {
        SimdAdamFamily.adamax(dtype, var, m, v, grad, from, to, c);
    }

    @Override
    public void nadam(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                      NadamCoefficients c) {
        SimdAdamFamily.nadam(dtype, var, m, v, grad, from, to, c);
    }

    @Override
    public void nadamKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from,
                            long to, NadamCoefficients c) {
        SimdAdamFamily.nadamKeras3(dtype, var, m, v, grad, from, to, c);
    }

    @Override
    public void ftrl(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                     long from, long to, FtrlCoefficients c) {
        SimdFtrl.ftrl(dtype, var, accum, linear, grad, from, to, c);
    }

    @Override
    public void squareAxpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        SimdBasics.squareAxpy(dtype, alpha, x, y, from, to);
    }

    @Override
    public void adamFromMoments(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                                long from, long to, double alpha, double epsilon) {
        SimdAdamFamily.adamFromMoments(dtype, var, m, v, vhat, from, to, alpha, epsilon);
    }

    // The row kernels below run only on the rows a sparse gradient touches (k rows, not the whole
    // variable), so they share the reference's code: bit-identical by construction.

    private static final ScalarKernels ROWS = new ScalarKernels();

    @Override
    public void adamaxRows(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad,
                           long from, long to, AdamaxCoefficients c, double beta1) {
        ROWS.adamaxRows(dtype, var, m, v, grad, from, to, c, beta1);
    }

    @Override
    public void rmspropMomentumRows(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                    MemorySegment grad, long from, long to, RmspropCoefficients c) {
        ROWS.rmspropMomentumRows(dtype, var, ms, mg, mom, grad, from, to, c);
    }

    @Override
    public void ftrlRows(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                         long from, long to, FtrlCoefficients c, boolean oneElementRows) {
        ROWS.ftrlRows(dtype, var, accum, linear, grad, from, to, c, oneElementRows);
    }
}
