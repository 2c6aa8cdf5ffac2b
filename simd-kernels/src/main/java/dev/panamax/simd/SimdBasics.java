package dev.panamax.simd;

import static dev.panamax.simd.SimdLanes.*;

import dev.panamax.kernels.ScalarKernels;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * SIMD kernels of the helpers and the simplest updates: scaling, clipping, axpy, sums of squares,
 * Keras 3's weight decay and EMA, gradient descent and Keras momentum. See {@link SimdKernels}
 * for the conventions.
 */
final class SimdBasics {

    private SimdBasics() {
    }

    static void scale(DType dtype, MemorySegment x, long from, long to, double factor) {
        if (dtype == DType.FLOAT32) {
            float f = (float) factor;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                FloatVector.fromMemorySegment(FS, x, i * F_BYTES, ORDER).mul(f).intoMemorySegment(x, i * F_BYTES, ORDER);
            }
            ScalarKernels.scaleFloat(x, i, to, f);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                DoubleVector.fromMemorySegment(DS, x, i * D_BYTES, ORDER).mul(factor).intoMemorySegment(x, i * D_BYTES, ORDER);
            }
            ScalarKernels.scaleDouble(x, i, to, factor);
        }
    }

    static void scaleDivide(DType dtype, MemorySegment x, long from, long to, double multiplier, double divisor) {
        if (dtype == DType.FLOAT32) {
            float mul = (float) multiplier;
            float div = (float) divisor;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                FloatVector.fromMemorySegment(FS, x, i * F_BYTES, ORDER).mul(mul).div(div).intoMemorySegment(x, i * F_BYTES, ORDER);
            }
            ScalarKernels.scaleDivideFloat(x, i, to, mul, div);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                DoubleVector.fromMemorySegment(DS, x, i * D_BYTES, ORDER).mul(multiplier).div(divisor)
                        .intoMemorySegment(x, i * D_BYTES, ORDER);
            }
            ScalarKernels.scaleDivideDouble(x, i, to, multiplier, divisor);
        }
    }

    static void clipByValue(DType dtype, MemorySegment x, long from, long to, double min, double max) {
        if (dtype == DType.FLOAT32) {
            float lo = (float) min;
            float hi = (float) max;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                FloatVector.fromMemorySegment(FS, x, i * F_BYTES, ORDER).min(hi).max(lo).intoMemorySegment(x, i * F_BYTES, ORDER);
            }
            ScalarKernels.clipByValueFloat(x, i, to, lo, hi);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                DoubleVector.fromMemorySegment(DS, x, i * D_BYTES, ORDER).min(max).max(min).intoMemorySegment(x, i * D_BYTES, ORDER);
            }
            ScalarKernels.clipByValueDouble(x, i, to, min, max);
        }
    }

    static void axpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        if (dtype == DType.FLOAT32) {
            float a = (float) alpha;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector yv = FloatVector.fromMemorySegment(FS, y, off, ORDER);
                FloatVector xv = FloatVector.fromMemorySegment(FS, x, off, ORDER);
                yv.add(xv.mul(a)).intoMemorySegment(y, off, ORDER);
            }
            ScalarKernels.axpyFloat(a, x, y, i, to);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector yv = DoubleVector.fromMemorySegment(DS, y, off, ORDER);
                DoubleVector xv = DoubleVector.fromMemorySegment(DS, x, off, ORDER);
                yv.add(xv.mul(alpha)).intoMemorySegment(y, off, ORDER);
            }
            ScalarKernels.axpyDouble(alpha, x, y, i, to);
        }
    }

    static double sumOfSquares(DType dtype, MemorySegment x, long from, long to) {
        // Like the reference, square and add in double (float32 squares over 1.8e19 would overflow a float).
        DoubleVector acc = DoubleVector.zero(DS);
        long i = from;
        if (dtype == DType.FLOAT32) {
            int parts = FS.length() / DS.length();
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                FloatVector xv = FloatVector.fromMemorySegment(FS, x, i * F_BYTES, ORDER);
                for (int part = 0; part < parts; part++) {
                    DoubleVector d = (DoubleVector) xv.convertShape(VectorOperators.F2D, DS, part);
                    acc = acc.add(d.mul(d));
                }
            }
        } else {
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                DoubleVector xv = DoubleVector.fromMemorySegment(DS, x, i * D_BYTES, ORDER);
                acc = acc.add(xv.mul(xv));
            }
        }
        return acc.reduceLanes(VectorOperators.ADD) + ScalarKernels.sumOfSquaresTail(dtype, x, i, to);
    }

    static void weightDecay(DType dtype, MemorySegment var, long from, long to, double weightDecay, double lr) {
        if (dtype == DType.FLOAT32) {
            float wd = (float) weightDecay;
            float a = (float) lr;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector w = FloatVector.fromMemorySegment(FS, var, off, ORDER);
                w.sub(w.mul(wd).mul(a)).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.weightDecayFloat(var, i, to, wd, a);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector w = DoubleVector.fromMemorySegment(DS, var, off, ORDER);
                w.sub(w.mul(weightDecay).mul(lr)).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.weightDecayDouble(var, i, to, weightDecay, lr);
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
                FloatVector a = FloatVector.fromMemorySegment(FS, average, off, ORDER);
                FloatVector w = FloatVector.fromMemorySegment(FS, var, off, ORDER);
                a.mul(m).add(w.mul(c)).intoMemorySegment(average, off, ORDER);
            }
            ScalarKernels.movingAverageFloat(average, var, i, to, m, c);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector a = DoubleVector.fromMemorySegment(DS, average, off, ORDER);
                DoubleVector w = DoubleVector.fromMemorySegment(DS, var, off, ORDER);
                a.mul(momentum).add(w.mul(oneMinusMomentum)).intoMemorySegment(average, off, ORDER);
            }
            ScalarKernels.movingAverageDouble(average, var, i, to, momentum, oneMinusMomentum);
        }
    }

    static void gradientDescent(DType dtype, MemorySegment var, MemorySegment grad, long from, long to, double lr) {
        if (dtype == DType.FLOAT32) {
            float a = (float) lr;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector w = FloatVector.fromMemorySegment(FS, var, off, ORDER);
                FloatVector g = FloatVector.fromMemorySegment(FS, grad, off, ORDER);
                w.sub(g.mul(a)).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.gradientDescentFloat(var, grad, i, to, a);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector w = DoubleVector.fromMemorySegment(DS, var, off, ORDER);
                DoubleVector g = DoubleVector.fromMemorySegment(DS, grad, off, ORDER);
                w.sub(g.mul(lr)).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.gradientDescentDouble(var, grad, i, to, lr);
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
                FloatVector g = FloatVector.fromMemorySegment(FS, grad, off, ORDER);
                FloatVector a = FloatVector.fromMemorySegment(FS, accum, off, ORDER).mul(mu).sub(g.mul(lrF));
                a.intoMemorySegment(accum, off, ORDER);
                FloatVector step = nesterov ? a.mul(mu).sub(g.mul(lrF)) : a;
                FloatVector.fromMemorySegment(FS, var, off, ORDER).add(step).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.kerasMomentumFloat(var, accum, grad, i, to, lrF, mu, nesterov);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector g = DoubleVector.fromMemorySegment(DS, grad, off, ORDER);
                DoubleVector a = DoubleVector.fromMemorySegment(DS, accum, off, ORDER).mul(momentum).sub(g.mul(lr));
                a.intoMemorySegment(accum, off, ORDER);
                DoubleVector step = nesterov ? a.mul(momentum).sub(g.mul(lr)) : a;
                DoubleVector.fromMemorySegment(DS, var, off, ORDER).add(step).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.kerasMomentumDouble(var, accum, grad, i, to, lr, momentum, nesterov);
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
            FloatVector xv = FloatVector.fromMemorySegment(FS, x, off, ORDER);
            FloatVector.fromMemorySegment(FS, y, off, ORDER).add(xv.mul(xv).mul(alpha)).intoMemorySegment(y, off, ORDER);
        }
        ScalarKernels.squareAxpyFloat(alpha, x, y, i, to);
    }

    private static void squareAxpyDouble(double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector xv = DoubleVector.fromMemorySegment(DS, x, off, ORDER);
            DoubleVector.fromMemorySegment(DS, y, off, ORDER).add(xv.mul(xv).mul(alpha)).intoMemorySegment(y, off, ORDER);
        }
        ScalarKernels.squareAxpyDouble(alpha, x, y, i, to);
    }
}
