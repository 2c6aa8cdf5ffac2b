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
            int j = 0;
            for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
                long i = from + j;
                store(loadF(x, i).mul(f), x, i);
            }
            ScalarBasics.scaleFloat(x, from + j, to, f);
        } else {
            int j = 0;
            for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
                long i = from + j;
                store(loadD(x, i).mul(factor), x, i);
            }
            ScalarBasics.scaleDouble(x, from + j, to, factor);
        }
    }

    static void scaleDivide(DType dtype, MemorySegment x, long from, long to, double multiplier, double divisor) {
        if (dtype == DType.FLOAT32) {
            float mul = (float) multiplier;
            float div = (float) divisor;
            int j = 0;
            for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
                long i = from + j;
                store(loadF(x, i).mul(mul).div(div), x, i);
            }
            ScalarBasics.scaleDivideFloat(x, from + j, to, mul, div);
        } else {
            int j = 0;
            for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
                long i = from + j;
                store(loadD(x, i).mul(multiplier).div(divisor), x, i);
            }
            ScalarBasics.scaleDivideDouble(x, from + j, to, multiplier, divisor);
        }
    }

    static void clipByValue(DType dtype, MemorySegment x, long from, long to, double min, double max) {
        if (dtype == DType.FLOAT32) {
            float lo = (float) min;
            float hi = (float) max;
            int j = 0;
            for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
                long i = from + j;
                store(loadF(x, i).min(hi).max(lo), x, i);
            }
            ScalarBasics.clipByValueFloat(x, from + j, to, lo, hi);
        } else {
            int j = 0;
            for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
                long i = from + j;
                store(loadD(x, i).min(max).max(min), x, i);
            }
            ScalarBasics.clipByValueDouble(x, from + j, to, min, max);
        }
    }

    static void axpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        if (dtype == DType.FLOAT32) {
            float a = (float) alpha;
            int j = 0;
            for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
                long i = from + j;
                FloatVector yv = loadF(y, i);
                FloatVector xv = loadF(x, i);
                store(yv.add(xv.mul(a)), y, i);
            }
            ScalarBasics.axpyFloat(a, x, y, from + j, to);
        } else {
            int j = 0;
            for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
                long i = from + j;
                DoubleVector yv = loadD(y, i);
                DoubleVector xv = loadD(x, i);
                store(yv.add(xv.mul(alpha)), y, i);
            }
            ScalarBasics.axpyDouble(alpha, x, y, from + j, to);
        }
    }

    static void weightDecay(DType dtype, MemorySegment var, long from, long to, double weightDecay, double lr) {
        if (dtype == DType.FLOAT32) {
            float wd = (float) weightDecay;
            float a = (float) lr;
            int j = 0;
            for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
                long i = from + j;
                FloatVector w = loadF(var, i);
                store(w.sub(w.mul(wd).mul(a)), var, i);
            }
            ScalarBasics.weightDecayFloat(var, from + j, to, wd, a);
        } else {
            int j = 0;
            for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
                long i = from + j;
                DoubleVector w = loadD(var, i);
                store(w.sub(w.mul(weightDecay).mul(lr)), var, i);
            }
            ScalarBasics.weightDecayDouble(var, from + j, to, weightDecay, lr);
        }
    }

    static void movingAverage(DType dtype, MemorySegment average, MemorySegment var, long from, long to, double momentum,
                              double oneMinusMomentum) {
        if (dtype == DType.FLOAT32) {
            float m = (float) momentum;
            float c = (float) oneMinusMomentum;
            int j = 0;
            for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
                long i = from + j;
                FloatVector a = loadF(average, i);
                FloatVector w = loadF(var, i);
                store(a.mul(m).add(w.mul(c)), average, i);
            }
            ScalarBasics.movingAverageFloat(average, var, from + j, to, m, c);
        } else {
            int j = 0;
            for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
                long i = from + j;
                DoubleVector a = loadD(average, i);
                DoubleVector w = loadD(var, i);
                store(a.mul(momentum).add(w.mul(oneMinusMomentum)), average, i);
            }
            ScalarBasics.movingAverageDouble(average, var, from + j, to, momentum, oneMinusMomentum);
        }
    }

    static void gradientDescent(DType dtype, MemorySegment var, MemorySegment grad, long from, long to, double lr) {
        if (dtype == DType.FLOAT32) {
            float a = (float) lr;
            int j = 0;
            for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
                long i = from + j;
                FloatVector w = loadF(var, i);
                FloatVector g = loadF(grad, i);
                store(w.sub(g.mul(a)), var, i);
            }
            ScalarBasics.gradientDescentFloat(var, grad, from + j, to, a);
        } else {
            int j = 0;
            for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
                long i = from + j;
                DoubleVector w = loadD(var, i);
                DoubleVector g = loadD(grad, i);
                store(w.sub(g.mul(lr)), var, i);
            }
            ScalarBasics.gradientDescentDouble(var, grad, from + j, to, lr);
        }
    }

    static void kerasMomentum(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                              double lr, double momentum, boolean nesterov) {
        if (dtype == DType.FLOAT32) {
            float lrF = (float) lr;
            float mu = (float) momentum;
            int j = 0;
            for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
                long i = from + j;
                FloatVector g = loadF(grad, i);
                FloatVector a = loadF(accum, i).mul(mu).sub(g.mul(lrF));
                store(a, accum, i);
                FloatVector step = nesterov ? a.mul(mu).sub(g.mul(lrF)) : a;
                store(loadF(var, i).add(step), var, i);
            }
            ScalarBasics.kerasMomentumFloat(var, accum, grad, from + j, to, lrF, mu, nesterov);
        } else {
            int j = 0;
            for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
                long i = from + j;
                DoubleVector g = loadD(grad, i);
                DoubleVector a = loadD(accum, i).mul(momentum).sub(g.mul(lr));
                store(a, accum, i);
                DoubleVector step = nesterov ? a.mul(momentum).sub(g.mul(lr)) : a;
                store(loadD(var, i).add(step), var, i);
            }
            ScalarBasics.kerasMomentumDouble(var, accum, grad, from + j, to, lr, momentum, nesterov);
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
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector xv = loadF(x, i);
            store(loadF(y, i).add(xv.mul(xv).mul(alpha)), y, i);
        }
        ScalarBasics.squareAxpyFloat(alpha, x, y, from + j, to);
    }

    private static void squareAxpyDouble(double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector xv = loadD(x, i);
            store(loadD(y, i).add(xv.mul(xv).mul(alpha)), y, i);
        }
        ScalarBasics.squareAxpyDouble(alpha, x, y, from + j, to);
    }
}
