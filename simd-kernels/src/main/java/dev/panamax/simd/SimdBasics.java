package dev.panamax.simd;

import static dev.panamax.simd.SimdLanes.*;
import static dev.panamax.simd.VectorMemory.*;

import dev.panamax.kernels.ScalarBasics;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

/**
 * SIMD kernels of the helpers and the simplest updates: scaling, clipping, axpy, Keras 3's
 * weight decay and EMA, gradient descent and Keras momentum (sums of squares are
 * {@link SimdSums}). See {@link SimdKernels} for the conventions.
 */
final class SimdBasics {

    private SimdBasics() {
    }

    static void scale(DType dtype, MemorySegment x, long from, long to, double factor) {
        if (dtype == DType.FLOAT32) {
            float f = (float) factor;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                store(loadF(x, i * F_BYTES).mul(f), x, i * F_BYTES);
            }
            ScalarBasics.scaleFloat(x, i, to, f);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                store(loadD(x, i * D_BYTES).mul(factor), x, i * D_BYTES);
            }
            ScalarBasics.scaleDouble(x, i, to, factor);
        }
    }

    static void scaleDivide(DType dtype, MemorySegment x, long from, long to, double multiplier, double divisor) {
        if (dtype == DType.FLOAT32) {
            float mul = (float) multiplier;
            float div = (float) divisor;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                store(loadF(x, i * F_BYTES).mul(mul).div(div), x, i * F_BYTES);
            }
            ScalarBasics.scaleDivideFloat(x, i, to, mul, div);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                store(loadD(x, i * D_BYTES).mul(multiplier).div(divisor), x, i * D_BYTES);
            }
            ScalarBasics.scaleDivideDouble(x, i, to, multiplier, divisor);
        }
    }

    static void clipByValue(DType dtype, MemorySegment x, long from, long to, double min, double max) {
        if (dtype == DType.FLOAT32) {
            float lo = (float) min;
            float hi = (float) max;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                store(loadF(x, i * F_BYTES).min(hi).max(lo), x, i * F_BYTES);
            }
            ScalarBasics.clipByValueFloat(x, i, to, lo, hi);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                store(loadD(x, i * D_BYTES).min(max).max(min), x, i * D_BYTES);
            }
            ScalarBasics.clipByValueDouble(x, i, to, min, max);
        }
    }

    static void axpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        if (dtype == DType.FLOAT32) {
            float a = (float) alpha;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector yv = loadF(y, off);
                FloatVector xv = loadF(x, off);
                store(yv.add(xv.mul(a)), y, off);
            }
            ScalarBasics.axpyFloat(a, x, y, i, to);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector yv = loadD(y, off);
                DoubleVector xv = loadD(x, off);
                store(yv.add(xv.mul(alpha)), y, off);
            }
            ScalarBasics.axpyDouble(alpha, x, y, i, to);
        }
    }

    static void weightDecay(DType dtype, MemorySegment var, long from, long to, double weightDecay, double lr) {
        if (dtype == DType.FLOAT32) {
            float wd = (float) weightDecay;
            float a = (float) lr;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector w = loadF(var, off);
                store(w.sub(w.mul(wd).mul(a)), var, off);
            }
            ScalarBasics.weightDecayFloat(var, i, to, wd, a);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector w = loadD(var, off);
                store(w.sub(w.mul(weightDecay).mul(lr)), var, off);
            }
            ScalarBasics.weightDecayDouble(var, i, to, weightDecay, lr);
        }
    }

    static void movingAverage(DType dtype, MemorySegment average, MemorySegment var, long from, long to, double momentum,
                              double oneMinusMomentum) {
        if (dtype == DType.FLOAT32) {
            float m = (float) momentum;
            float c = (float) oneMinusMomentum;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector a = loadF(average, off);
                FloatVector w = loadF(var, off);
                store(a.mul(m).add(w.mul(c)), average, off);
            }
            ScalarBasics.movingAverageFloat(average, var, i, to, m, c);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector a = loadD(average, off);
                DoubleVector w = loadD(var, off);
                store(a.mul(momentum).add(w.mul(oneMinusMomentum)), average, off);
            }
            ScalarBasics.movingAverageDouble(average, var, i, to, momentum, oneMinusMomentum);
        }
    }

    static void gradientDescent(DType dtype, MemorySegment var, MemorySegment grad, long from, long to, double lr) {
        if (dtype == DType.FLOAT32) {
            float a = (float) lr;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector w = loadF(var, off);
                FloatVector g = loadF(grad, off);
                store(w.sub(g.mul(a)), var, off);
            }
            ScalarBasics.gradientDescentFloat(var, grad, i, to, a);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector w = loadD(var, off);
                DoubleVector g = loadD(grad, off);
                store(w.sub(g.mul(lr)), var, off);
            }
            ScalarBasics.gradientDescentDouble(var, grad, i, to, lr);
        }
    }

    static void kerasMomentum(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                              double lr, double momentum, boolean nesterov) {
        if (dtype == DType.FLOAT32) {
            float lrF = (float) lr;
            float mu = (float) momentum;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector g = loadF(grad, off);
                FloatVector a = loadF(accum, off).mul(mu).sub(g.mul(lrF));
                store(a, accum, off);
                FloatVector step = nesterov ? a.mul(mu).sub(g.mul(lrF)) : a;
                store(loadF(var, off).add(step), var, off);
            }
            ScalarBasics.kerasMomentumFloat(var, accum, grad, i, to, lrF, mu, nesterov);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector g = loadD(grad, off);
                DoubleVector a = loadD(accum, off).mul(momentum).sub(g.mul(lr));
                store(a, accum, off);
                DoubleVector step = nesterov ? a.mul(momentum).sub(g.mul(lr)) : a;
                store(loadD(var, off).add(step), var, off);
            }
            ScalarBasics.kerasMomentumDouble(var, accum, grad, i, to, lr, momentum, nesterov);
        }
    }

    static void squareAxpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        if (dtype == DType.FLOAT32) {
            squareAxpyFloat((float) alpha, x, y, from, to);
        } else {
            squareAxpyDouble(alpha, x, y, from, to);
        }
    }

    private static void squareAxpyFloat(float alpha, MemorySegment x, MemorySegment y, long from, long to) {
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector xv = loadF(x, off);
            store(loadF(y, off).add(xv.mul(xv).mul(alpha)), y, off);
        }
        ScalarBasics.squareAxpyFloat(alpha, x, y, i, to);
    }

    private static void squareAxpyDouble(double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector xv = loadD(x, off);
            store(loadD(y, off).add(xv.mul(xv).mul(alpha)), y, off);
        }
        ScalarBasics.squareAxpyDouble(alpha, x, y, i, to);
    }
}
