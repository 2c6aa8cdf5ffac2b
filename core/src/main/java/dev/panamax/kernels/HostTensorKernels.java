package dev.panamax.kernels;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * {@link TensorKernels} on host tensors: each call runs an {@link OptimizerKernels} method over the
 * tensors' segments, in {@link ChunkedExecutor} chunks. The tensors of one call are all off-heap or
 * all Java arrays: {@link #full} makes tensors of the kind these kernels are for
 * ({@link #forHeapArrays}), so that an optimizer keeps a heap variable's slots and buffers in Java
 * arrays too, and no vector loop meets both kinds of memory in one call. The exception is slots
 * of the 16-bit types, always off-heap, which the kernels read with native accesses only.
 */
public final class HostTensorKernels implements TensorKernels {

    private final OptimizerKernels k;
    private final ChunkedExecutor executor;
    private final boolean heapArrays;

    /** Kernels whose {@link #full} makes off-heap tensors. */
    public HostTensorKernels(OptimizerKernels kernels, ChunkedExecutor executor) {
        this(kernels, executor, false);
    }

    private HostTensorKernels(OptimizerKernels kernels, ChunkedExecutor executor, boolean heapArrays) {
        this.k = kernels;
        this.executor = executor;
        this.heapArrays = heapArrays;
    }

    /** The same kernels for tensors that wrap Java arrays: {@link #full} makes tensors on Java arrays. */
    public HostTensorKernels forHeapArrays() {
        return new HostTensorKernels(k.forHeapArrays(), executor, true);
    }

    /** The element kernels these run. */
    public OptimizerKernels kernels() {
        return k;
    }

    /** The executor that cuts each call into chunks across threads. */
    public ChunkedExecutor executor() {
        return executor;
    }

    @Override
    public String device() {
        return "host";
    }

    @Override
    public Tensor full(DType dtype, double value, long... shape) {
        long n = Tensor.elementCount(shape);
        // A Java array holds at most Integer.MAX_VALUE - 8 elements; larger ones stay off-heap. The
        // 16-bit types are always off-heap: the SIMD kernels of 16-bit slots read them natively in
        // both copies (see SimdHalfSlots in panamax-simd-kernels).
        if (!heapArrays || n > Integer.MAX_VALUE - 8 || dtype.isHalf()) {
            return Tensor.full(dtype, value, shape);
        }
        Tensor t = Tensor.heapZeros(dtype, shape);
        if (value != 0.0 || Double.doubleToRawLongBits(value) != 0) {
            t.fill(value);
        }
        return t;
    }

    @Override
    public void copy(Tensor source, Tensor target) {
        target.copyFrom(source);
    }

    private static MemorySegment s(Tensor t) {
        return t == null ? null : t.segment();
    }

    /**
     * Runs an element-wise task over {@code t}'s elements. The elements before {@code t}'s first
     * cache-line boundary run as a call of their own, so that the vector loops of the rest start on
     * a boundary ({@link CacheLines}); the results are the same bits either way.
     */
    private void each(Tensor t, ChunkedExecutor.RangeTask task) {
        long n = t.size();
        long head = CacheLines.elementsBeforeBoundary(t.segment(), t.dtype().byteSize());
        if (head == 0 || head >= n) {
            executor.forEach(n, task);
            return;
        }
        task.run(0, head);
        executor.forEach(n - head, (from, to) -> task.run(head + from, head + to));
    }

    @Override
    public void zero(Tensor x) {
        x.segment().fill((byte) 0);
    }

    @Override
    public void scale(Tensor x, double factor) {
        MemorySegment xs = x.segment();
        each(x, (from, to) -> k.scale(x.dtype(), xs, from, to, factor));
    }

    @Override
    public void scaleDivide(Tensor x, double multiplier, double divisor) {
        MemorySegment xs = x.segment();
        each(x, (from, to) -> k.scaleDivide(x.dtype(), xs, from, to, multiplier, divisor));
    }

    @Override
    public void clipByValue(Tensor x, double min, double max) {
        MemorySegment xs = x.segment();
        each(x, (from, to) -> k.clipByValue(x.dtype(), xs, from, to, min, max));
    }

    @Override
    public void axpy(Tensor x, Tensor y, double alpha) {
        MemorySegment xs = x.segment();
        MemorySegment ys = y.segment();
        each(y, (from, to) -> k.axpy(y.dtype(), alpha, xs, ys, from, to));
    }

    @Override
    public double sumOfSquares(Tensor x) {
        MemorySegment xs = x.segment();
        return executor.sum(x.size(), (from, to) -> k.sumOfSquares(x.dtype(), xs, from, to));
    }

    @Override
    public void weightDecay(Tensor var, double weightDecay, double lr) {
        MemorySegment w = var.segment();
        each(var, (from, to) -> k.weightDecay(var.dtype(), w, from, to, weightDecay, lr));
    }

    @Override
    public void movingAverage(Tensor average, Tensor var, double momentum, double oneMinusMomentum) {
        MemorySegment a = average.segment();
        MemorySegment w = var.segment();
        each(var, (from, to) -> k.movingAverage(var.dtype(), a, w, from, to, momentum, oneMinusMomentum));
    }

    @Override
    public void lion(Tensor var, Tensor m, Tensor grad, LionCoefficients c, VariableRounding rounding) {
        MemorySegment w = s(var);
        MemorySegment ms = s(m);
        MemorySegment g = s(grad);
        if (m.dtype() != var.dtype() || var.dtype().isHalf()) {
            each(var, (from, to) -> k.lionMixed(var.dtype(), m.dtype(), rounding, w, ms, g, from, to, c));
            return;
        }
        each(var, (from, to) -> k.lion(var.dtype(), w, ms, g, from, to, c));
    }

    @Override
    public void scheduleFreeAdamw(Tensor var, Tensor z, Tensor v, Tensor grad, ScheduleFreeCoefficients c) {
        MemorySegment w = s(var);
        MemorySegment zs = s(z);
        MemorySegment vs = s(v);
        MemorySegment g = s(grad);
        each(var, (from, to) -> k.scheduleFreeAdamw(var.dtype(), w, zs, vs, g, from, to, c));
    }

    @Override
    public double lambMoments(Tensor m, Tensor v, Tensor grad, LambCoefficients c) {
        MemorySegment ms = s(m);
        MemorySegment vs = s(v);
        MemorySegment g = s(grad);
        return executor.sum(m.size(), (from, to) -> k.lambMoments(m.dtype(), ms, vs, g, from, to, c));
    }

    @Override
    public void lambApply(Tensor var, Tensor m, Tensor v, LambCoefficients c, double scale) {
        MemorySegment w = s(var);
        MemorySegment ms = s(m);
        MemorySegment vs = s(v);
        each(var, (from, to) -> k.lambApply(var.dtype(), w, ms, vs, from, to, c, scale));
    }

    @Override
    public void adafactorFactors(Tensor grad, Tensor r, Tensor c, Tensor rowFactors, long matrices, long rows, long columns,
                                 double beta2t, double oneMinusBeta2t, double epsilon1) {
        // Sums of rows and columns in one fixed order: one thread (a pass over the gradient).
        k.adafactorFactors(grad.dtype(), s(grad), s(r), s(c), s(rowFactors), matrices, rows, columns, beta2t, oneMinusBeta2t,
                epsilon1);
    }

    @Override
    public double adafactorFactoredVelocity(Tensor v, Tensor grad, Tensor rowFactors, Tensor c, long rows, long columns) {
        MemorySegment vs = s(v);
        MemorySegment g = s(grad);
        MemorySegment rf = s(rowFactors);
        MemorySegment cs = s(c);
        return executor.sum(v.size(), (from, to) -> k.adafactorFactoredVelocity(v.dtype(), vs, g, rf, cs, rows, columns, from, to));
    }

    @Override
    public double adafactorVelocity(Tensor v, Tensor grad, double beta2t, double oneMinusBeta2t, double epsilon1) {
        MemorySegment vs = s(v);
        MemorySegment g = s(grad);
        return executor.sum(v.size(), (from, to) -> k.adafactorVelocity(v.dtype(), vs, g, from, to, beta2t, oneMinusBeta2t, epsilon1));
    }

    @Override
    public void adafactorApply(Tensor var, Tensor v, Tensor grad, double alpha, double divisor) {
        MemorySegment w = s(var);
        MemorySegment vs = s(v);
        MemorySegment g = s(grad);
        each(var, (from, to) -> k.adafactorApply(var.dtype(), w, vs, g, from, to, alpha, divisor));
    }

    @Override
    public void adamaxKeras3(Tensor var, Tensor m, Tensor u, Tensor grad, Keras3AdamaxCoefficients c) {
        MemorySegment w = s(var);
        MemorySegment ms = s(m);
        MemorySegment us = s(u);
        MemorySegment g = s(grad);
        each(var, (from, to) -> k.adamaxKeras3(var.dtype(), w, ms, us, g, from, to, c));
    }

    @Override
    public void adadeltaKeras3(Tensor var, Tensor accumGrad, Tensor accumDelta, Tensor grad, double lr, double rho,
                               double oneMinusRho, double epsilon) {
        MemorySegment w = s(var);
        MemorySegment ag = s(accumGrad);
        MemorySegment ad = s(accumDelta);
        MemorySegment g = s(grad);
        each(var, (from, to) -> k.adadeltaKeras3(var.dtype(), w, ag, ad, g, from, to, lr, rho, oneMinusRho, epsilon));
    }

    @Override
    public void gradientDescent(Tensor var, Tensor grad, double lr, VariableRounding rounding) {
        MemorySegment w = s(var);
        MemorySegment g = s(grad);
        if (var.dtype().isHalf()) {
            each(var, (from, to) -> k.gradientDescentMixed(var.dtype(), rounding, w, g, from, to, lr));
            return;
        }
        each(var, (from, to) -> k.gradientDescent(var.dtype(), w, g, from, to, lr));
    }

    @Override
    public void kerasMomentum(Tensor var, Tensor accum, Tensor grad, double lr, double momentum, boolean nesterov,
                              VariableRounding rounding) {
        MemorySegment w = s(var);
        MemorySegment a = s(accum);
        MemorySegment g = s(grad);
        if (accum.dtype() != var.dtype() || var.dtype().isHalf()) {
            each(var, (from, to) -> k.kerasMomentumMixed(var.dtype(), accum.dtype(), rounding, w, a, g, from, to, lr, momentum,
                    nesterov));
            return;
        }
        each(var, (from, to) -> k.kerasMomentum(var.dtype(), w, a, g, from, to, lr, momentum, nesterov));
    }

    @Override
    public void adam(Tensor var, Tensor m, Tensor v, Tensor vhat, Tensor grad, AdamCoefficients c, VariableRounding rounding) {
        MemorySegment w = s(var);
        MemorySegment ms = s(m);
        MemorySegment vs = s(v);
        MemorySegment vh = s(vhat);
        MemorySegment g = s(grad);
        DType t = var.dtype();
        if (m.dtype() != t || v.dtype() != t || vhat != null && vhat.dtype() != t || t.isHalf()) {
            DType vhatType = vhat == null ? null : vhat.dtype();
            each(var, (from, to) -> k.adamMixed(t, m.dtype(), v.dtype(), vhatType, rounding, w, ms, vs, vh, g, from, to, c));
            return;
        }
        if (vh != null) {
            each(var, (from, to) -> k.adamAmsgrad(t, w, ms, vs, vh, g, from, to, c));
        } else {
            each(var, (from, to) -> k.adam(t, w, ms, vs, g, from, to, c));
        }
    }

    @Override
    public void adamFromMoments(Tensor var, Tensor m, Tensor v, Tensor vhat, double alpha, double epsilon) {
        MemorySegment w = s(var);
        MemorySegment ms = s(m);
        MemorySegment vs = s(v);
        MemorySegment vh = s(vhat);
        each(var, (from, to) -> k.adamFromMoments(var.dtype(), w, ms, vs, vh, from, to, alpha, epsilon));
    }

    @Override
    public void rmsprop(Tensor var, Tensor ms, Tensor mg, Tensor mom, Tensor grad, RmspropCoefficients c) {
        MemorySegment w = s(var);
        MemorySegment a = s(ms);
        MemorySegment b = s(mg);
        MemorySegment d = s(mom);
        MemorySegment g = s(grad);
        each(var, (from, to) -> k.rmsprop(var.dtype(), w, a, b, d, g, from, to, c));
    }

    @Override
    public void rmspropMomentum(Tensor var, Tensor ms, Tensor mg, Tensor mom, Tensor grad, RmspropCoefficients c) {
        MemorySegment w = s(var);
        MemorySegment a = s(ms);
        MemorySegment b = s(mg);
        MemorySegment d = s(mom);
        MemorySegment g = s(grad);
        each(var, (from, to) -> k.rmspropMomentum(var.dtype(), w, a, b, d, g, from, to, c));
    }

    @Override
    public void adagrad(Tensor var, Tensor accum, Tensor grad, double lr, double epsilon, boolean epsilonInsideSqrt) {
        MemorySegment w = s(var);
        MemorySegment a = s(accum);
        MemorySegment g = s(grad);
        each(var, (from, to) -> k.adagrad(var.dtype(), w, a, g, from, to, lr, epsilon, epsilonInsideSqrt));
    }

    @Override
    public void adadelta(Tensor var, Tensor accum, Tensor accumUpdate, Tensor grad, double lr, double rho,
                         double oneMinusRho, double epsilon) {
        MemorySegment w = s(var);
        MemorySegment a = s(accum);
        MemorySegment u = s(accumUpdate);
        MemorySegment g = s(grad);
        each(var, (from, to) -> k.adadelta(var.dtype(), w, a, u, g, from, to, lr, rho, oneMinusRho, epsilon));
    }

    @Override
    public void adamax(Tensor var, Tensor m, Tensor v, Tensor grad, AdamaxCoefficients c) {
        MemorySegment w = s(var);
        MemorySegment ms = s(m);
        MemorySegment vs = s(v);
        MemorySegment g = s(grad);
        each(var, (from, to) -> k.adamax(var.dtype(), w, ms, vs, g, from, to, c));
    }

    @Override
    public void nadam(Tensor var, Tensor m, Tensor v, Tensor grad, NadamCoefficients c) {
        MemorySegment w = s(var);
        MemorySegment ms = s(m);
        MemorySegment vs = s(v);
        MemorySegment g = s(grad);
        each(var, (from, to) -> k.nadam(var.dtype(), w, ms, vs, g, from, to, c));
    }

    @Override
    public void nadamKeras3(Tensor var, Tensor m, Tensor v, Tensor grad, NadamCoefficients c) {
        MemorySegment w = s(var);
        MemorySegment ms = s(m);
        MemorySegment vs = s(v);
        MemorySegment g = s(grad);
        each(var, (from, to) -> k.nadamKeras3(var.dtype(), w, ms, vs, g, from, to, c));
    }

    @Override
    public void ftrl(Tensor var, Tensor accum, Tensor linear, Tensor grad, FtrlCoefficients c) {
        MemorySegment w = s(var);
        MemorySegment a = s(accum);
        MemorySegment l = s(linear);
        MemorySegment g = s(grad);
        each(var, (from, to) -> k.ftrl(var.dtype(), w, a, l, g, from, to, c));
    }
}
